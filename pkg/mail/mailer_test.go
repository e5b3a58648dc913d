package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

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

// mailerFixture is a mailer over the in-memory store, with one team
// registered (so its notice is owed) and a sender that records.
type mailerFixture struct {
	mailer *Mailer
	store  *memstore.Store
	sender *fakeSender
	logs   *bytes.Buffer
	clock  time.Time
	notice convening.Notice
}

func newMailerFixture(t *testing.T) *mailerFixture {
	t.Helper()
	ctx := context.Background()
	f := &mailerFixture{store: memstore.New(), sender: &fakeSender{}, logs: &bytes.Buffer{}, clock: time.Now()}
	m, err := NewMailer(f.store, f.sender, testLinks(t), NewLimiter(0), slog.New(slog.NewJSONHandler(f.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m.SetClock(func() time.Time { return f.clock })
	f.mailer = m
	svc := storetest.NewServices(f.store, testLinks(t).Tokens, nil)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("si", 10, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	team := storetest.Team(1, 4)
	team.Contact.Email = "maria@fresnounified.org"
	if _, _, _, err := svc.Register(ctx, "si", team, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := f.store.DueNotices(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("due notices %v %v", ids, err)
	}
	if f.notice, err = f.store.Notice(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *mailerFixture) record(t *testing.T) convening.NoticeRecord {
	t.Helper()
	r, err := f.store.NoticeRecord(context.Background(), f.notice.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMailerDeliver(t *testing.T) {
	ctx := context.Background()

	t.Run("SentOnce", func(t *testing.T) {
		f := newMailerFixture(t)
		if err := f.mailer.Deliver(ctx, f.notice); err != nil {
			t.Fatal(err)
		}
		if len(f.sender.sent) != 1 || !strings.HasPrefix(f.sender.sent[0].Subject, "Registered: ") {
			t.Fatalf("sent %+v, want the one registered email", f.sender.sent)
		}
		if r := f.record(t); r.State != convening.NoticeSent || r.MessageID != "msg-1" || r.Attempts != 1 {
			t.Errorf("record %+v, want sent as msg-1", r)
		}
		// A redelivery (the stream retrying the batch) sends nothing.
		if err := f.mailer.Deliver(ctx, f.notice); err != nil {
			t.Fatal(err)
		}
		if len(f.sender.sent) != 1 {
			t.Errorf("second Deliver sent again: %d emails", len(f.sender.sent))
		}
	})

	t.Run("TransientFailureIsPutOff", func(t *testing.T) {
		f := newMailerFixture(t)
		throttled := &types.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded for maria@fresnounified.org.")}
		f.sender.errs = []error{fmt.Errorf("ses: send email: %w", throttled)}
		err := f.mailer.Deliver(ctx, f.notice)
		if !errors.Is(err, ErrDeferred) || errors.Is(err, ErrPermanent) {
			t.Fatalf("Deliver = %v, want a deferred send", err)
		}
		r := f.record(t)
		if r.State != convening.NoticePending || r.DueAt == nil || !r.DueAt.Equal(f.clock.Add(RetryDelay(1))) ||
			r.Cause != "ses TooManyRequestsException (HTTP 0)" {
			t.Fatalf("record %+v, want pending, due after the first retry delay", r)
		}
		// Not before it is due...
		if err := f.mailer.Deliver(ctx, f.notice); !errors.Is(err, convening.ErrNoticeBusy) {
			t.Fatalf("early retry: %v", err)
		}
		// ...and then it goes out.
		f.clock = f.clock.Add(RetryDelay(1))
		if err := f.mailer.Deliver(ctx, f.notice); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if r := f.record(t); len(f.sender.sent) != 1 || r.State != convening.NoticeSent || r.Attempts != 2 {
			t.Errorf("retry sent %d emails, record %+v", len(f.sender.sent), r)
		}
	})

	t.Run("PermanentFailureIsFailed", func(t *testing.T) {
		f := newMailerFixture(t)
		f.sender.errs = []error{&types.MessageRejected{Message: aws.String("Email address is not verified: maria@fresnounified.org")}}
		err := f.mailer.Deliver(ctx, f.notice)
		if !errors.Is(err, ErrPermanent) {
			t.Fatalf("Deliver = %v, want ErrPermanent", err)
		}
		r := f.record(t)
		if r.State != convening.NoticeFailed || r.FailedAt == nil || r.Cause != "ses MessageRejected (HTTP 0)" {
			t.Fatalf("record %+v, want failed with the SES code", r)
		}
		// The members' own emails it brought are owed still.
		if due, _ := f.store.DueNotices(ctx, f.clock.Add(24*time.Hour), 10); slices.Contains(due, f.notice.ID) {
			t.Fatalf("a failed notice is still due: %v", due)
		}
		if failed, _ := f.store.FailedNotices(ctx, 10); len(failed) != 1 || failed[0].ID != f.notice.ID {
			t.Fatalf("failed notices %+v", failed)
		}
		if err := f.mailer.Deliver(ctx, f.notice); err != nil || len(f.sender.sent) != 0 {
			t.Fatalf("a failed notice was sent again: %v", err)
		}
	})

	t.Run("GivesUpAfterMaxAttempts", func(t *testing.T) {
		f := newMailerFixture(t)
		for i := range MaxAttempts {
			f.sender.errs = []error{&smithy.GenericAPIError{Code: "InternalFailure", Message: "try later"}}
			err := f.mailer.Deliver(ctx, f.notice)
			if i < MaxAttempts-1 && !errors.Is(err, ErrDeferred) || i == MaxAttempts-1 && !errors.Is(err, ErrPermanent) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			f.clock = f.clock.Add(RetryDelay(i + 1))
		}
		if r := f.record(t); r.State != convening.NoticeFailed || !strings.HasPrefix(r.Cause, fmt.Sprintf("gave up after %d attempts", MaxAttempts)) {
			t.Fatalf("record %+v", r)
		}
	})

	t.Run("Busy", func(t *testing.T) {
		f := newMailerFixture(t)
		if _, err := f.store.ClaimNotice(ctx, f.notice.ID, f.clock, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := f.mailer.Deliver(ctx, f.notice); !errors.Is(err, convening.ErrNoticeBusy) {
			t.Fatalf("Deliver = %v, want ErrNoticeBusy", err)
		}
		if len(f.sender.sent) != 0 {
			t.Error("sent while another sender held the notice")
		}
	})

	t.Run("ClaimError", func(t *testing.T) {
		f := newMailerFixture(t)
		boom := errors.New("dynamodb: connection reset")
		f.mailer.outbox = claimErrOutbox{f.store, boom}
		if err := f.mailer.Deliver(ctx, f.notice); !errors.Is(err, boom) {
			t.Fatalf("Deliver = %v, want the claim error", err)
		}
		if len(f.sender.sent) != 0 {
			t.Error("sent without a claim")
		}
	})

	t.Run("UnknownKindIsPermanent", func(t *testing.T) {
		f := newMailerFixture(t)
		n := f.notice
		n.Kind = "rescheduled"
		if err := f.mailer.Deliver(ctx, n); !errors.Is(err, ErrPermanent) {
			t.Fatalf("Deliver = %v, want ErrPermanent", err)
		}
		if r := f.record(t); len(f.sender.sent) != 0 || r.State != convening.NoticeFailed || !strings.HasPrefix(r.Cause, "render: ") {
			t.Errorf("sent %d, record %+v; want nothing sent and the notice failed", len(f.sender.sent), r)
		}
	})

	t.Run("NoSendSlotIsNotAnAttempt", func(t *testing.T) {
		f := newMailerFixture(t)
		l, _ := fakeLimiter(1)
		if err := l.Wait(ctx); err != nil { // takes the slot; the next is a second away
			t.Fatal(err)
		}
		l.sleep = func(context.Context, time.Duration) error { return context.DeadlineExceeded }
		f.mailer.limiter = l
		if err := f.mailer.Deliver(ctx, f.notice); !errors.Is(err, ErrNotAttempted) {
			t.Fatalf("Deliver = %v, want ErrNotAttempted", err)
		}
		if r := f.record(t); r.State != convening.NoticePending || r.DueAt == nil || r.DueAt.After(f.clock) {
			t.Fatalf("record %+v, want due again at once", r)
		}
	})

	t.Run("SentButNotRecorded", func(t *testing.T) {
		f := newMailerFixture(t)
		f.mailer.outbox = markErrOutbox{f.store}
		// Retrying would email the team twice, so Deliver reports success.
		if err := f.mailer.Deliver(ctx, f.notice); err != nil {
			t.Fatalf("Deliver = %v, want nil", err)
		}
		if !strings.Contains(f.logs.String(), "notice sent but not recorded as sent") {
			t.Errorf("no error logged:\n%s", f.logs)
		}
	})

	t.Run("LogsAndStoresNoPersonalData", func(t *testing.T) {
		f := newMailerFixture(t)
		addr := f.notice.To.Email
		f.sender.errs = []error{
			fmt.Errorf("ses: send email: %w", &types.BadRequestException{Message: aws.String("Invalid address " + addr)}),
		}
		n := f.notice
		if err := f.mailer.Deliver(ctx, n); !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), addr) {
			t.Fatalf("Deliver = %v", err)
		}
		r := f.record(t)
		logs := f.logs.String()
		token := testLinks(t).Tokens.Token(n.SubjectID)
		for _, secret := range []string{token, "/manage/", addr} {
			if strings.Contains(logs, secret) || strings.Contains(r.Cause, secret) {
				t.Errorf("logs or cause contain %q:\n%s\ncause: %s", secret, logs, r.Cause)
			}
		}
		if !strings.Contains(logs, `"notice":"`+n.ID+`"`) || !strings.Contains(logs, `"msg":"notice failed"`) {
			t.Errorf("logs lack the notice id and the failure:\n%s", logs)
		}
	})

	t.Run("RateLimited", func(t *testing.T) {
		f := newMailerFixture(t)
		l, c := fakeLimiter(1)
		f.mailer.limiter = l
		// Three notices: the fixture's, and two more teams'.
		svc := storetest.NewServices(f.store, testLinks(t).Tokens, nil)
		svc.Register(ctx, "si", storetest.Team(2, 2), nil)
		svc.Register(ctx, "si", storetest.Team(3, 2), nil)
		ids, _ := f.store.DueNotices(ctx, time.Now().Add(time.Hour), 10)
		for _, id := range ids {
			n, _ := f.store.Notice(ctx, id)
			if err := f.mailer.Deliver(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if len(f.sender.sent) != 3 || len(c.slept) != 2 {
			t.Errorf("sent %d after %d waits; want 3 sends, 2 waits", len(f.sender.sent), len(c.slept))
		}
	})
}

func TestRetryDelay(t *testing.T) {
	for attempt, want := range map[int]time.Duration{0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 4: 8 * time.Minute, 7: time.Hour, 60: time.Hour} {
		if got := RetryDelay(attempt); got != want {
			t.Errorf("RetryDelay(%d) = %v, want %v", attempt, got, want)
		}
	}
}

func TestSendFailure(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("ses: send email: %w", &types.MessageRejected{Message: aws.String("Address blacklisted: a@b.org")}), "ses MessageRejected (HTTP 0)"},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), "ses did not answer in time"},
		{errors.New(`Post "http://127.0.0.1:8005/v2/email": dial tcp: connection refused for ana@x.org`), `Post "http://127.0.0.1:8005/v2/email": dial tcp: connection refused for <address>`},
	} {
		if got := SendFailure(tt.err); got != tt.want {
			t.Errorf("SendFailure(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

type claimErrOutbox struct {
	convening.Outbox
	err error
}

func (o claimErrOutbox) ClaimNotice(context.Context, string, time.Time, time.Duration) (int, error) {
	return 0, o.err
}

// markErrOutbox cannot record a send, as when DynamoDB times out just
// after SES accepted the email.
type markErrOutbox struct{ convening.Outbox }

func (markErrOutbox) MarkNoticeSent(context.Context, string, string, time.Time) error {
	return errors.New("dynamodb: timeout")
}

func TestNewMailerChecksLinks(t *testing.T) {
	if _, err := NewMailer(memstore.New(), &fakeSender{}, Links{BaseURL: "convenings.example.org"}, nil, nil); err == nil {
		t.Fatal("NewMailer accepted a base URL without a scheme and no tokens")
	}
}
