// Package mailer is the mailer function's handler: it empties the
// transactional outbox. The table's stream announces each new notice and the
// handler has it sent, once (see mail.Mailer); on a schedule it sweeps up
// every notice that is due: one whose send failed and was put off, whose
// stream records ran out of retries while the mailer was down, or whose
// sender died holding its lease. It reports partial batch failures so that
// Lambda retries only what failed.
package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostream"
	"github.com/calmi/convenings/pkg/mail"
)

// NoticeSource reads notices with what their emails show: the one a stream
// image stands for, one by id, and the ids of those due for the sweep.
type NoticeSource interface {
	NoticeFromImage(ctx context.Context, image map[string]types.AttributeValue) (convening.Notice, error)
	Notice(ctx context.Context, id string) (convening.Notice, error)
	DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Handler sends the notices that stream INSERT records announce, and on a
// schedule sweeps up every notice that is due: one whose send failed and
// was put off, one whose stream records ran out of retries while the
// mailer was down, or whose sender died holding its lease. Mail claims,
// renders, sends and records each one.
type Handler struct {
	Notices NoticeSource
	Mail    *mail.Mailer
	Log     *slog.Logger
	// Now is the sweeper's clock; nil means time.Now.
	Now func() time.Time
	// Announcements, if set, are swept first: the notices of
	// announcements' pages a writer left unwritten, and the events'
	// reminders whose time has come.
	Announcements *convening.AnnouncementService
}

// SweepAge is how long a new notice waits for its stream delivery before
// the sweep takes it.
const SweepAge = convening.NoticeSweepDelay

// sweepBatch bounds one sweep, well inside the function's timeout at the
// configured send rate; the next scheduled sweep takes the rest. A notice
// that fails is failed or put off, so it leaves the front of the queue:
// every sweep makes progress, however many notices cannot be sent.
const sweepBatch = 50

// Reserve is the end of an invocation in which no new send starts (the
// last sixth of the time it was given, at most Reserve): what is left then
// is reported for retry (a stream record) or left to the next sweep, so
// that the sends in flight and their bookkeeping end before Lambda's
// timeout. A timed-out invocation counts as a function error (the alarm)
// and its whole batch would be delivered again. At one instance's share of
// the SES rate (half a send a second by default) a sweep of 50 would
// otherwise outlast the function's 60 s.
const Reserve = 10 * time.Second

// working returns ctx ended its reserve before ctx's deadline, if it has
// one.
func working(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, d.Add(-min(Reserve, time.Until(d)/6)))
	}
	return context.WithCancel(ctx)
}

// Invoke is the mailer function's Lambda handler: a DynamoDB Stream batch
// is delivered, anything else (the EventBridge schedule) sweeps.
func (m *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	ev, ok, err := dynamostream.Batch(payload)
	if err != nil {
		return nil, err
	}
	if ok {
		return m.Handle(ctx, ev)
	}
	written := 0
	if m.Announcements != nil {
		// Its notices are written before the sweep reads the due ones; an
		// error here holds up no email.
		n, err := m.Announcements.SweepAnnouncements(ctx)
		if err != nil {
			m.Log.WarnContext(ctx, "announcements' sweep incomplete; the next one goes on", "written", n, "error", err)
		}
		written = n
	}
	sent, err := m.Sweep(ctx)
	return map[string]int{"sent": sent, "announcementNotices": written}, err
}

// Sweep delivers the notices due now and reports how many it sent. It
// fails only if it could not list them.
func (m *Handler) Sweep(ctx context.Context) (int, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	ids, err := m.Notices.DueNotices(ctx, now(), sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	work, cancel := working(ctx)
	defer cancel()
	sent := 0
	for i, id := range ids {
		if work.Err() != nil {
			m.Log.InfoContext(ctx, "sweep out of time; the next one takes the rest", "left", len(ids)-i)
			break
		}
		n, err := m.Notices.Notice(work, id)
		switch {
		case err == nil:
			err = m.Mail.Deliver(work, n)
		case errors.Is(err, convening.ErrNoticeNotFound):
			// Its reader left before it went out: owed nothing.
			err = m.Mail.Skip(work, id)
			if err == nil {
				continue
			}
		}
		switch {
		case err == nil:
			sent++
		case errors.Is(err, convening.ErrNoticeBusy), errors.Is(err, mail.ErrPermanent), errors.Is(err, mail.ErrDeferred):
			// Busy elsewhere, failed for staff, or put off: logged by the mailer.
		default:
			m.Log.WarnContext(ctx, "swept notice not sent; it stays due", "notice", id, "error", err)
		}
	}
	if len(ids) > 0 {
		m.Log.InfoContext(ctx, "swept due notices", "found", len(ids), "sent", sent)
	}
	return sent, nil
}

// Handle processes one batch, in order. A record is retried (reported as
// a batch item failure) only if nothing reached SES: the notice could not
// be read or claimed, no send slot came in time, or the invocation was
// near its end (Reserve). A send that failed is
// failed for staff or put off for the sweep, so that one bad notice never
// holds up the shard; a notice held by another sender is that sender's.
func (m *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	work, cancel := working(ctx)
	defer cancel()
	for _, rec := range ev.Records {
		if rec.EventName != "INSERT" {
			continue
		}
		if work.Err() != nil {
			// Out of time (Reserve): Lambda delivers it again.
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		img, err := dynamostream.FromImage(rec.Change.NewImage)
		if err != nil {
			m.Log.ErrorContext(ctx, "undecodable stream image", "eventID", rec.EventID, "error", err)
			continue
		}
		if dynamostore.KindOf(img) != dynamostore.KindNotice {
			continue
		}
		switch err = m.deliver(work, img); {
		case err == nil, errors.Is(err, mail.ErrPermanent), errors.Is(err, mail.ErrDeferred), errors.Is(err, convening.ErrNoticeBusy):
		default:
			m.Log.WarnContext(ctx, "notice not sent yet; will retry", "eventID", rec.EventID, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func (m *Handler) deliver(ctx context.Context, img map[string]types.AttributeValue) error {
	n, err := m.Notices.NoticeFromImage(ctx, img)
	if errors.Is(err, convening.ErrNoticeNotFound) {
		if id, ok := img["id"].(*types.AttributeValueMemberS); ok {
			return m.Mail.Skip(ctx, id.Value) // its reader left before it went out: owed nothing
		}
	}
	if err != nil {
		return fmt.Errorf("read notice: %w", err)
	}
	return m.Mail.Deliver(ctx, n)
}
