// Package outbox empties the transactional outbox: it is the mailer
// function's handler. The table's stream announces each new notice and the
// handler has it sent, once (see mail.Mailer); on a schedule it sweeps up
// any notice left unsent, one whose stream records ran out of retries while
// SES or the mailer was down, or whose sender died holding its lease. It
// reports partial batch failures so that Lambda retries only what failed.
package outbox

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
	"github.com/calmi/convenings/pkg/streamapi"
)

// NoticeSource reads notices with what their emails show: the one a stream
// image stands for, one by id, and the ids of those still unsent.
type NoticeSource interface {
	NoticeFromImage(ctx context.Context, image map[string]types.AttributeValue) (convening.Notice, error)
	Notice(ctx context.Context, id string) (convening.Notice, error)
	UnsentNotices(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// Mailer sends the notices that stream INSERT records announce, and on a
// schedule sweeps up any notice left unsent: one whose stream records ran
// out of retries while SES or the mailer was down, or whose sender died
// holding its lease.
type Mailer struct {
	Notices NoticeSource
	Mailer  *mail.Mailer
	Log     *slog.Logger
	// Now is the sweeper's clock; nil means time.Now.
	Now func() time.Time
}

// SweepAge is how old an unsent notice must be before the sweeper takes
// it: past the stream's first deliveries and any sender's lease.
const SweepAge = mail.Lease + time.Minute

// sweepBatch bounds one sweep, well inside the function's timeout at the
// configured send rate; the next scheduled sweep takes the rest.
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

// Sweep delivers unsent notices older than SweepAge and reports how many
// it sent. It fails only if it could not list them; a notice that fails
// again stays for the next sweep.
func (m *Mailer) Sweep(ctx context.Context) (int, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	ids, err := m.Notices.UnsentNotices(ctx, now().Add(-SweepAge), sweepBatch)
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
		case errors.Is(err, mail.ErrNoticeBusy):
		default:
			m.Log.WarnContext(ctx, "swept notice not sent; next sweep retries", "notice", id, "error", err)
		}
	}
	if len(ids) > 0 {
		m.Log.InfoContext(ctx, "swept unsent notices", "found", len(ids), "sent", sent)
	}
	return sent, nil
}

// Handle processes one batch, in order. A failed notice is reported as a
// batch item failure and retried by Lambda; a notice that can never be sent
// (SES refuses the address) is logged and left unsent in the table, since
// retrying would hold up every notice behind it.
func (m *Mailer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if rec.EventName != "INSERT" {
			continue
		}
		img, err := streamapi.FromStreamImage(rec.Change.NewImage)
		if err != nil {
			m.Log.ErrorContext(ctx, "undecodable stream image", "eventID", rec.EventID, "error", err)
			continue
		}
		if dynamostore.KindOf(img) != dynamostore.KindNotice {
			continue
		}
		err = m.deliver(ctx, img)
		switch {
		case err == nil:
		case errors.Is(err, mail.ErrPermanent):
			m.Log.ErrorContext(ctx, "notice cannot be sent", "eventID", rec.EventID, "error", err)
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
