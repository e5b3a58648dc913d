package sesevents_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/sesevents"
	"github.com/calmi/convenings/pkg/storetest"
)

// fixture is a store holding one sent notice, whose email SES accepted as
// messageID, and a handler over it that logs to logs.
type fixture struct {
	store    *memstore.Store
	notice   string
	logs     bytes.Buffer
	handler  *sesevents.Handler
	failedAt time.Time
}

const messageID = "0100018f3e7d95a2-5b1c8e7f-2d4a-4f6b-8c3e-1a9d7b5e3f20-000000"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{store: memstore.New(), failedAt: time.Date(2027, 5, 4, 17, 3, 0, 0, time.UTC)}
	tokens, err := convening.NewManageTokens([]byte("0123456789abcdef0123456789abcdef-mailevents"))
	if err != nil {
		t.Fatal(err)
	}
	svc := storetest.NewServices(f.store, tokens, nil)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 8, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := svc.Register(ctx, "ev", storetest.Team(1, 2), nil); err != nil {
		t.Fatal(err)
	}
	ids, err := f.store.DueNotices(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("due %v %v", ids, err)
	}
	f.notice = ids[0]
	if _, err := f.store.ClaimNotice(ctx, f.notice, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.store.MarkNoticeSent(ctx, f.notice, messageID, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.handler = sesevents.New(f.store, slog.New(slog.NewJSONHandler(&f.logs, nil)))
	f.handler.Now = func() time.Time { return f.failedAt }
	return f
}

func (f *fixture) record(t *testing.T) convening.NoticeRecord {
	t.Helper()
	r, err := f.store.NoticeRecord(context.Background(), f.notice)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// snsEvent wraps one SES event message as SNS delivers it to Lambda.
func snsEvent(message string) events.SNSEvent {
	return events.SNSEvent{Records: []events.SNSEventRecord{{
		EventVersion: "1.0", EventSource: "aws:sns",
		EventSubscriptionArn: "arn:aws:sns:us-west-2:123456789012:Convenings-MailEvents:sub",
		SNS: events.SNSEntity{Type: "Notification", MessageID: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
			TopicArn: "arn:aws:sns:us-west-2:123456789012:Convenings-MailEvents", Message: message},
	}}}
}

// sample returns an SES event from the parser's test data, about the email
// with the given message id.
func sample(t *testing.T, file, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, old := range []string{
		"0100018f3e7d95a2-5b1c8e7f-2d4a-4f6b-8c3e-1a9d7b5e3f20-000000", "0100018f3e8a0b19-7c2e4a6b-9d1f-4b3d-a5c7-e9f1b3d5a7c6-000000",
		"0100018f3eb11f63-1d3f5b7d-6e8a-4c2e-b4d6-f8a0c2e4a6b8-000000", "0100018f3e8022c5-9a1b3c5d-7e9f-4a1b-8d2f-6b8d0f2b4d6f-000000",
	} {
		s = strings.ReplaceAll(s, old, id)
	}
	return s
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name      string
		message   func(t *testing.T) string
		wantState convening.NoticeState
		wantCause string
		wantLog   string
	}{
		{"PermanentBounce", func(t *testing.T) string { return sample(t, "bounce-permanent.json", messageID) },
			convening.NoticeFailed, "bounced (Permanent/General)", `"msg":"notice failed"`},
		{"Complaint", func(t *testing.T) string { return sample(t, "complaint.json", messageID) },
			convening.NoticeFailed, "complaint (abuse)", `"msg":"notice failed"`},
		{"TransientBounce", func(t *testing.T) string { return sample(t, "bounce-transient.json", messageID) },
			convening.NoticeSent, "", `"msg":"email bounced, not for good"`},
		{"Delivery", func(t *testing.T) string { return sample(t, "delivery.json", messageID) },
			convening.NoticeSent, "", `"eventType":"Delivery"`},
		{"UnknownMessageID", func(t *testing.T) string { return sample(t, "bounce-permanent.json", "0100018f-not-ours-000000") },
			convening.NoticeSent, "", `"msg":"no sent notice has this message id`},
		{"NotAnSESEvent", func(*testing.T) string { return `{"Type":"SubscriptionConfirmation","to":"ops@lmi.example.org"}` },
			convening.NoticeSent, "", `"msg":"not an SES event; dropped"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if err := f.handler.Handle(context.Background(), snsEvent(tt.message(t))); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			r := f.record(t)
			if r.State != tt.wantState || r.Cause != tt.wantCause {
				t.Errorf("notice %s %q, want %s %q", r.State, r.Cause, tt.wantState, tt.wantCause)
			}
			if tt.wantState == convening.NoticeFailed && (r.FailedAt == nil || !r.FailedAt.Equal(f.failedAt)) {
				t.Errorf("failedAt %v, want %v", r.FailedAt, f.failedAt)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, tt.wantLog) {
				t.Errorf("logs lack %s:\n%s", tt.wantLog, logs)
			}
			if strings.Contains(logs, "@") {
				t.Errorf("logs hold an address:\n%s", logs)
			}
		})
	}
}

// TestHandleTwice: SNS delivers at least once, and SES may report a bounce
// and then a complaint: the first failure stands, nothing changes after.
func TestHandleTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.handler.Handle(ctx, snsEvent(sample(t, "bounce-permanent.json", messageID))); err != nil {
		t.Fatal(err)
	}
	first := f.record(t)
	f.failedAt = f.failedAt.Add(time.Hour)
	for _, file := range []string{"bounce-permanent.json", "complaint.json"} {
		if err := f.handler.Handle(ctx, snsEvent(sample(t, file, messageID))); err != nil {
			t.Fatalf("%s again: %v", file, err)
		}
	}
	if again := f.record(t); again.Cause != first.Cause || !again.FailedAt.Equal(*first.FailedAt) || again.State != convening.NoticeFailed {
		t.Errorf("after the same event again: %+v, want %+v", again, first)
	}
	if n := strings.Count(f.logs.String(), `"msg":"notice failed"`); n != 1 {
		t.Errorf("%d notice failed lines, want 1 (the alarm counts them)", n)
	}
}

// failingNotices is a store that cannot be reached.
type failingNotices struct{ found bool }

var errTable = errors.New("dynamodb: connection refused")

func (s failingNotices) NoticeByMessageID(context.Context, string) (convening.NoticeRecord, error) {
	if s.found {
		return convening.NoticeRecord{ID: "n1", State: convening.NoticeSent}, nil
	}
	return convening.NoticeRecord{}, errTable
}

func (failingNotices) FailSentNotice(context.Context, string, time.Time, string) error {
	return errTable
}

// TestHandleStoreErrors: a table that cannot be read or written is an
// error, so that Lambda retries the delivery.
func TestHandleStoreErrors(t *testing.T) {
	for _, found := range []bool{false, true} {
		t.Run(fmt.Sprint("found=", found), func(t *testing.T) {
			h := sesevents.New(failingNotices{found: found}, slog.New(slog.DiscardHandler))
			err := h.Handle(context.Background(), snsEvent(sample(t, "complaint.json", messageID)))
			if !errors.Is(err, errTable) {
				t.Errorf("Handle = %v, want the table's error", err)
			}
		})
	}
}
