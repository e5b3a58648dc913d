package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/calmi/convenings/pkg/convening"
)

// memOutbox is an Outbox in memory with the store's lease rules.
type memOutbox struct {
	mu      sync.Mutex
	sent    map[string]string    // notice id -> message id
	leases  map[string]time.Time // notice id -> lease end
	causes  []string             // release causes, in order
	markErr error                // returned by MarkNoticeSent when set
}

func newMemOutbox() *memOutbox {
	return &memOutbox{sent: map[string]string{}, leases: map[string]time.Time{}}
}

func (o *memOutbox) ClaimNotice(_ context.Context, id string, now time.Time, lease time.Duration) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.sent[id]; ok {
		return convening.ErrNoticeDone
	}
	if until, ok := o.leases[id]; ok && now.Before(until) {
		return convening.ErrNoticeBusy
	}
	o.leases[id] = now.Add(lease)
	return nil
}

func (o *memOutbox) MarkNoticeSent(_ context.Context, id, messageID string, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.markErr != nil {
		return o.markErr
	}
	o.sent[id] = messageID
	delete(o.leases, id)
	return nil
}

func (o *memOutbox) ReleaseNotice(_ context.Context, id string, _ time.Time, cause string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.leases, id)
	o.causes = append(o.causes, cause)
	return nil
}

// fakeSender records what it sends; each queued error fails one send.
type fakeSender struct {
	mu   sync.Mutex
	errs []error
	sent []Message
}

func (s *fakeSender) Send(_ context.Context, _ convening.Contact, m Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return "", err
	}
	s.sent = append(s.sent, m)
	return fmt.Sprintf("msg-%d", len(s.sent)), nil
}

type mailerFixture struct {
	mailer *Mailer
	outbox *memOutbox
	sender *fakeSender
	logs   *bytes.Buffer
}

func newMailerFixture(t *testing.T) mailerFixture {
	t.Helper()
	f := mailerFixture{outbox: newMemOutbox(), sender: &fakeSender{}, logs: &bytes.Buffer{}}
	m, err := NewMailer(f.outbox, f.sender, testLinks(t), NewLimiter(0), slog.New(slog.NewJSONHandler(f.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.mailer = m
	return f
}

func TestMailerDeliver(t *testing.T) {
	ctx := context.Background()
	n := testNotice(convening.NoticeRegistered)

	t.Run("SentOnce", func(t *testing.T) {
		f := newMailerFixture(t)
		if err := f.mailer.Deliver(ctx, n); err != nil {
			t.Fatal(err)
		}
		if len(f.sender.sent) != 1 || f.sender.sent[0].Subject != "Registered: 2019 Summer Institute" {
			t.Fatalf("sent %+v, want the one registered email", f.sender.sent)
		}
		if got := f.outbox.sent[n.ID]; got != "msg-1" {
			t.Errorf("outbox recorded message id %q, want msg-1", got)
		}
		// A redelivery (the stream retrying the batch) sends nothing.
		if err := f.mailer.Deliver(ctx, n); err != nil {
			t.Fatal(err)
		}
		if len(f.sender.sent) != 1 {
			t.Errorf("second Deliver sent again: %d emails", len(f.sender.sent))
		}
	})

	t.Run("FailedSendIsReleasedAndRetried", func(t *testing.T) {
		f := newMailerFixture(t)
		throttled := &types.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded.")}
		f.sender.errs = []error{fmt.Errorf("ses: send email: %w", throttled)}
		err := f.mailer.Deliver(ctx, n)
		if !errors.Is(err, throttled) || IsPermanent(err) || !IsRetryable(err) {
			t.Fatalf("Deliver = %v, want the retryable send error", err)
		}
		if len(f.outbox.causes) != 1 || !strings.Contains(f.outbox.causes[0], "Maximum sending rate exceeded") {
			t.Errorf("release causes = %q, want the send error", f.outbox.causes)
		}
		if _, sent := f.outbox.sent[n.ID]; sent {
			t.Fatal("a failed send was recorded as sent")
		}
		if err := f.mailer.Deliver(ctx, n); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if len(f.sender.sent) != 1 || f.outbox.sent[n.ID] == "" {
			t.Errorf("retry sent %d emails, outbox %v; want one, recorded", len(f.sender.sent), f.outbox.sent)
		}
	})

	t.Run("PermanentFailure", func(t *testing.T) {
		f := newMailerFixture(t)
		f.sender.errs = []error{&types.MessageRejected{Message: aws.String("Email address is not verified.")}}
		err := f.mailer.Deliver(ctx, n)
		if !errors.Is(err, ErrPermanent) || !IsPermanent(err) {
			t.Fatalf("Deliver = %v, want ErrPermanent", err)
		}
		if _, sent := f.outbox.sent[n.ID]; sent || len(f.outbox.causes) != 1 {
			t.Errorf("outbox sent=%v causes=%q; want released, not sent", f.outbox.sent, f.outbox.causes)
		}
	})

	t.Run("Busy", func(t *testing.T) {
		f := newMailerFixture(t)
		if err := f.outbox.ClaimNotice(ctx, n.ID, time.Now(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := f.mailer.Deliver(ctx, n); !errors.Is(err, convening.ErrNoticeBusy) {
			t.Fatalf("Deliver = %v, want ErrNoticeBusy", err)
		}
		if len(f.sender.sent) != 0 {
			t.Error("sent while another sender held the notice")
		}
	})

	t.Run("ClaimError", func(t *testing.T) {
		f := newMailerFixture(t)
		boom := errors.New("dynamodb: connection reset")
		f.mailer.outbox = claimErrOutbox{f.outbox, boom}
		if err := f.mailer.Deliver(ctx, n); !errors.Is(err, boom) {
			t.Fatalf("Deliver = %v, want the claim error", err)
		}
		if len(f.sender.sent) != 0 {
			t.Error("sent without a claim")
		}
	})

	t.Run("UnknownKindIsPermanent", func(t *testing.T) {
		f := newMailerFixture(t)
		if err := f.mailer.Deliver(ctx, testNotice("rescheduled")); !errors.Is(err, ErrPermanent) {
			t.Fatalf("Deliver = %v, want ErrPermanent", err)
		}
		if len(f.sender.sent) != 0 || len(f.outbox.causes) != 1 {
			t.Errorf("sent %d, causes %q; want nothing sent and the notice released", len(f.sender.sent), f.outbox.causes)
		}
	})

	t.Run("SentButNotRecorded", func(t *testing.T) {
		f := newMailerFixture(t)
		f.outbox.markErr = errors.New("dynamodb: timeout")
		// Retrying would email the team twice, so Deliver reports success.
		if err := f.mailer.Deliver(ctx, n); err != nil {
			t.Fatalf("Deliver = %v, want nil", err)
		}
		if !strings.Contains(f.logs.String(), "notice sent but not recorded as sent") {
			t.Errorf("no error logged:\n%s", f.logs)
		}
	})

	t.Run("LogsNoSecrets", func(t *testing.T) {
		f := newMailerFixture(t)
		f.sender.errs = []error{errors.New("connection reset")}
		_ = f.mailer.Deliver(ctx, n)
		if err := f.mailer.Deliver(ctx, n); err != nil {
			t.Fatal(err)
		}
		logs := f.logs.String()
		token := testLinks(t).Tokens.Token(n.RegistrationID)
		for _, secret := range []string{token, "/manage/", n.To.Email} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain %q:\n%s", secret, logs)
			}
		}
		if !strings.Contains(logs, `"notice":"N01"`) || !strings.Contains(logs, `"messageId":"msg-1"`) {
			t.Errorf("logs lack the notice and message ids:\n%s", logs)
		}
	})

	t.Run("RateLimited", func(t *testing.T) {
		f := newMailerFixture(t)
		l, c := fakeLimiter(1)
		f.mailer.limiter = l
		for i := range 3 {
			other := n
			other.ID = fmt.Sprintf("N%d", i)
			if err := f.mailer.Deliver(ctx, other); err != nil {
				t.Fatal(err)
			}
		}
		if len(f.sender.sent) != 3 || len(c.slept) != 2 {
			t.Errorf("sent %d after %d waits; want 3 sends, 2 waits", len(f.sender.sent), len(c.slept))
		}
	})
}

type claimErrOutbox struct {
	convening.Outbox
	err error
}

func (o claimErrOutbox) ClaimNotice(context.Context, string, time.Time, time.Duration) error {
	return o.err
}

func TestNewMailerChecksLinks(t *testing.T) {
	if _, err := NewMailer(newMemOutbox(), &fakeSender{}, Links{BaseURL: "convenings.example.org"}, nil, nil); err == nil {
		t.Fatal("NewMailer accepted a base URL without a scheme and no tokens")
	}
}
