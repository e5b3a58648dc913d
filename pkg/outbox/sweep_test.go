package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/outbox"
	"github.com/calmi/convenings/pkg/storetest"
)

// sweepOnly is the in-memory store as the sweep sees it; stream images are
// the DynamoDB store's business.
type sweepOnly struct{ *memstore.Store }

func (sweepOnly) NoticeFromImage(context.Context, map[string]types.AttributeValue) (convening.Notice, error) {
	return convening.Notice{}, errors.New("not a stream")
}

// picky accepts mail only for addresses it was not told to refuse.
type picky struct {
	mu        sync.Mutex
	refuse    map[string]error
	delivered []string
}

func (p *picky) Send(_ context.Context, to convening.Contact, _ mail.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.refuse[to.Email]; err != nil {
		return "", err
	}
	p.delivered = append(p.delivered, to.Email)
	return fmt.Sprint("msg-", len(p.delivered)), nil
}

// TestSweepAlwaysMakesProgress: sixty notices that can never be sent (half
// refused by SES, half failing at SES for a while) sit ahead of ten good
// ones. Each sweep takes fifty; the good ones still go out in the second
// sweep, and the undeliverable ones end failed, for staff, instead of
// being retried for ever.
func TestSweepAlwaysMakesProgress(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("t", 32)))
	svc := convening.NewService(store, tokens, slog.New(slog.DiscardHandler))
	ev := storetest.Event("ev", 1000, convening.PolicyStrict)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), ev); err != nil {
		t.Fatal(err)
	}
	sender := &picky{refuse: map[string]error{}}
	for n := range 70 {
		team := storetest.Team(n, 1)
		switch {
		case n < 30:
			sender.refuse[team.Contact.Email] = &sestypes.MessageRejected{Message: aws.String("Address blacklisted.")}
		case n < 60:
			sender.refuse[team.Contact.Email] = &sestypes.TooManyRequestsException{Message: aws.String("Slow down.")}
		}
		if _, _, _, err := svc.Register(ctx, "ev", team, nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Add(convening.NoticeSweepDelay)
	links := mail.Links{BaseURL: "https://convenings.example.org", Tokens: tokens}
	m, err := mail.NewMailer(store, sender, links, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m.SetClock(func() time.Time { return now })
	sweeper := &outbox.Mailer{Notices: sweepOnly{store}, Mailer: m, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	for sweep := 1; sweep <= 2; sweep++ {
		if _, err := sweeper.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(sender.delivered) != 10 {
		t.Fatalf("%d good notices sent after two sweeps, want 10", len(sender.delivered))
	}
	// The throttled ones are retried as they come due, then given up.
	for i := range mail.MaxAttempts + 2 {
		now = now.Add(mail.RetryDelay(i + 1))
		if _, err := sweeper.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	failed, err := store.FailedNotices(ctx, 100)
	if err != nil || len(failed) != 60 {
		t.Fatalf("%d notices failed, want 60: %v", len(failed), err)
	}
	if due, _ := store.DueNotices(ctx, now.Add(24*time.Hour), 100); len(due) != 0 {
		t.Fatalf("%d notices still due", len(due))
	}
}
