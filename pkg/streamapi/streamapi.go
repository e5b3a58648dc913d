// Package streamapi maps DynamoDB Stream batches, as Lambda delivers them,
// to the two stream consumers: the promoter, which moves waitlisted teams
// into seats whenever an event has both free seats and a waiting list, and
// the mailer, which sends each notice the outbox holds. Both report partial
// batch failures so that Lambda retries only what failed.
package streamapi

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
	"github.com/calmi/convenings/pkg/mail"
)

// Promoter runs promotion for events whose stream image shows free seats and
// a waiting list. It is the repair path: if the request that freed seats
// died before promoting, this trigger promotes.
type Promoter struct {
	Service *convening.Service
	Log     *slog.Logger
}

// Handle processes one batch.
func (p *Promoter) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	done := map[string]bool{}
	failed := map[string]bool{}
	for _, rec := range ev.Records {
		if rec.EventName == "REMOVE" {
			continue
		}
		img, err := FromStreamImage(rec.Change.NewImage)
		if err != nil {
			p.Log.ErrorContext(ctx, "undecodable stream image", "eventID", rec.EventID, "error", err)
			continue // a malformed record will never decode: retrying it would block the shard
		}
		if dynamostore.KindOf(img) != dynamostore.KindEvent {
			continue
		}
		e, err := dynamostore.EventFromImage(img)
		if err != nil {
			p.Log.ErrorContext(ctx, "undecodable event image", "eventID", rec.EventID, "error", err)
			continue
		}
		if e.SeatsLeft() == 0 || e.WaitlistLength == 0 || done[e.ID] {
			continue
		}
		if failed[e.ID] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		promoted, err := p.Service.Promote(ctx, e.ID)
		if err != nil {
			p.Log.WarnContext(ctx, "promotion failed; the record will be retried", "event", e.ID, "error", err)
			failed[e.ID] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		done[e.ID] = true
		for _, r := range promoted {
			p.Log.InfoContext(ctx, "promoted from the waiting list", "event", e.ID, "registration", r.ID, "seats", r.Seats)
		}
	}
	return resp, nil
}

// NoticeSource reads notices with what their emails show: the one a stream
// image stands for, one by id, and the ids of those due for the sweep.
type NoticeSource interface {
	NoticeFromImage(ctx context.Context, image map[string]types.AttributeValue) (convening.Notice, error)
	Notice(ctx context.Context, id string) (convening.Notice, error)
	DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Mailer sends the notices that stream INSERT records announce, and on a
// schedule sweeps up every notice that is due: one whose send failed and
// was put off, one whose stream records ran out of retries while the
// mailer was down, or whose sender died holding its lease.
type Mailer struct {
	Notices NoticeSource
	Mailer  *mail.Mailer
	Log     *slog.Logger
	// Now is the sweeper's clock; nil means time.Now.
	Now func() time.Time
}

// sweepBatch bounds one sweep, well inside the function's timeout at the
// configured send rate; the next scheduled sweep takes the rest. A notice
// that fails is failed or put off, so it leaves the front of the queue:
// every sweep makes progress, however many notices cannot be sent.
const sweepBatch = 50

// Invoke is the mailer function's Lambda handler: a DynamoDB Stream batch
// is delivered, anything else (the EventBridge schedule) sweeps.
func (m *Mailer) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(payload, &probe); err == nil && probe.Records != nil {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode stream batch: %w", err)
		}
		return m.Handle(ctx, ev)
	}
	sent, err := m.Sweep(ctx)
	return map[string]int{"sent": sent}, err
}

// Sweep delivers the notices due now and reports how many it sent. It
// fails only if it could not list them.
func (m *Mailer) Sweep(ctx context.Context) (int, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	ids, err := m.Notices.DueNotices(ctx, now(), sweepBatch)
	if err != nil {
		return 0, fmt.Errorf("sweep: %w", err)
	}
	sent := 0
	for _, id := range ids {
		n, err := m.Notices.Notice(ctx, id)
		if err == nil {
			err = m.Mailer.Deliver(ctx, n)
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
// be read or claimed, or no send slot came in time. A send that failed is
// failed for staff or put off for the sweep, so that one bad notice never
// holds up the shard; a notice held by another sender is that sender's.
func (m *Mailer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if rec.EventName != "INSERT" {
			continue
		}
		img, err := FromStreamImage(rec.Change.NewImage)
		if err != nil {
			m.Log.ErrorContext(ctx, "undecodable stream image", "eventID", rec.EventID, "error", err)
			continue
		}
		if dynamostore.KindOf(img) != dynamostore.KindNotice {
			continue
		}
		switch err = m.deliver(ctx, img); {
		case err == nil, errors.Is(err, mail.ErrPermanent), errors.Is(err, mail.ErrDeferred), errors.Is(err, convening.ErrNoticeBusy):
		default:
			m.Log.WarnContext(ctx, "notice not sent yet; will retry", "eventID", rec.EventID, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func (m *Mailer) deliver(ctx context.Context, img map[string]types.AttributeValue) error {
	n, err := m.Notices.NoticeFromImage(ctx, img)
	if err != nil {
		return fmt.Errorf("read notice: %w", err)
	}
	return m.Mailer.Deliver(ctx, n)
}

// SweepAge is how long a new notice waits for its stream delivery before
// the sweep takes it.
const SweepAge = convening.NoticeSweepDelay
