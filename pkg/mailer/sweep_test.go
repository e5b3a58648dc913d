package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/mailer"
	"github.com/calmi/convenings/pkg/memstore"
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
	svc := storetest.NewServices(store, tokens, nil)
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
	sweeper := &mailer.Handler{Notices: sweepOnly{store}, Mail: m, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
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

// imageNotices reads a stream image's notice id and the notice from the
// in-memory store, as the DynamoDB store reads its own images.
type imageNotices struct{ *memstore.Store }

func (s imageNotices) NoticeFromImage(ctx context.Context, img map[string]types.AttributeValue) (convening.Notice, error) {
	id, _ := img["id"].(*types.AttributeValueMemberS)
	if id == nil {
		return convening.Notice{}, errors.New("no id")
	}
	return s.Notice(ctx, id.Value)
}

// TestStopsBeforeTheDeadline: a mailer whose send rate cannot get through
// its notices in the time it was given stops starting sends before the
// end (Reserve), and returns in time; what it left is due again (the
// sweep) or reported for retry (the stream), none failed.
func TestStopsBeforeTheDeadline(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("t", 32)))
	svc := storetest.NewServices(store, tokens, nil)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 1000, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	for n := range 20 {
		if _, _, _, err := svc.Register(ctx, "ev", storetest.Team(n, 1), nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Add(convening.NoticeSweepDelay)
	ids, err := store.DueNotices(ctx, now, 100)
	if err != nil || len(ids) != 20 {
		t.Fatalf("due %v %v", ids, err)
	}
	newMailer := func() (*mailer.Handler, *picky) {
		sender := &picky{refuse: map[string]error{}}
		m, err := mail.NewMailer(store, sender, mail.Links{BaseURL: "https://convenings.example.org", Tokens: tokens},
			mail.NewLimiter(10), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		m.SetClock(func() time.Time { return now })
		return &mailer.Handler{Notices: imageNotices{store}, Mail: m, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}, sender
	}
	// 10 sends a second, 600 ms given: the reserve is 100 ms, so about
	// five sends start, never all ten.
	const given = 600 * time.Millisecond
	check := func(t *testing.T, sent int, took time.Duration) {
		t.Helper()
		if took >= given {
			t.Errorf("returned after %v, the deadline was %v", took, given)
		}
		if sent < 2 || sent >= 10 {
			t.Errorf("%d sent, want some but not all", sent)
		}
		if failed, _ := store.FailedNotices(ctx, 100); len(failed) != 0 {
			t.Errorf("%d notices failed, want none", len(failed))
		}
	}

	t.Run("Sweep", func(t *testing.T) {
		sweeper, sender := newMailer()
		tctx, cancel := context.WithTimeout(ctx, given)
		defer cancel()
		start := time.Now()
		sent, err := sweeper.Sweep(tctx)
		if err != nil {
			t.Fatal(err)
		}
		check(t, sent, time.Since(start))
		if len(sender.delivered) != sent {
			t.Errorf("%d delivered, %d reported", len(sender.delivered), sent)
		}
	})

	t.Run("Stream", func(t *testing.T) {
		now = now.Add(time.Hour) // past any lease the sweep left
		due, err := store.DueNotices(ctx, now, 100)
		if err != nil || len(due) < 10 {
			t.Fatalf("due %d %v", len(due), err)
		}
		var ev events.DynamoDBEvent
		for i, id := range due[:10] {
			ev.Records = append(ev.Records, events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{
				SequenceNumber: fmt.Sprint(100 + i),
				NewImage: map[string]events.DynamoDBAttributeValue{
					"pk": events.NewStringAttribute("NOTICE#" + id), "sk": events.NewStringAttribute("NOTICE"),
					"id": events.NewStringAttribute(id)},
			}})
		}
		mailer, sender := newMailer()
		tctx, cancel := context.WithTimeout(ctx, given)
		defer cancel()
		start := time.Now()
		resp, err := mailer.Handle(tctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		check(t, len(sender.delivered), time.Since(start))
		if got := len(sender.delivered) + len(resp.BatchItemFailures); got != 10 {
			t.Errorf("%d sent and %d reported for retry, want 10 in all", len(sender.delivered), len(resp.BatchItemFailures))
		}
		for _, f := range resp.BatchItemFailures {
			i, _ := strconv.Atoi(f.ItemIdentifier)
			if _, err := store.ClaimNotice(ctx, due[i-100], now, time.Minute); err != nil {
				t.Errorf("notice %s reported for retry cannot be claimed: %v", due[i-100], err)
			}
		}
	})
}
