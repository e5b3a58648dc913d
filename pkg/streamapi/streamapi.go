// Package streamapi reads DynamoDB Stream batches as Lambda delivers them:
// it converts their images to the SDK's attribute values (so the store's
// decoders serve both reads and stream records), and runs the promoter,
// which moves waitlisted teams into seats whenever an event has both free
// seats and a waiting list, and on a schedule sweeps the seats held for
// offers and invitations. It reports partial batch failures so that
// Lambda retries only what failed. (The mailer's stream handler is package
// outbox: this package links no email code.)
package streamapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
)

// Promoter runs promotion for events whose stream image shows free seats and
// a waiting list. It is the repair path: if the request that freed seats
// died before promoting, this trigger promotes.
type Promoter struct {
	Promotion *convening.PromotionService
	Holds     *convening.HoldService
	Log       *slog.Logger
}

// StreamBatch reads a payload as Lambda invokes a function that both a
// DynamoDB Stream and an EventBridge schedule trigger: ok says it is a
// stream batch (it has Records); anything else is the schedule's.
func StreamBatch(payload json.RawMessage) (ev events.DynamoDBEvent, ok bool, err error) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(payload, &probe) != nil || probe.Records == nil {
		return ev, false, nil
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, true, fmt.Errorf("decode stream batch: %w", err)
	}
	return ev, true, nil
}

// Invoke is the promoter function's Lambda handler: a DynamoDB Stream
// batch is promoted from; anything else (the EventBridge schedule) sweeps
// the holds: reminders owed, and offers and invitations past their
// deadlines lapsed (their seats go to the next team).
func (p *Promoter) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	ev, ok, err := StreamBatch(payload)
	if err != nil {
		return nil, err
	}
	if ok {
		return p.Handle(ctx, ev)
	}
	n, err := p.Holds.SweepHolds(ctx)
	if n > 0 {
		p.Log.InfoContext(ctx, "swept holds", "acted", n)
	}
	return map[string]int{"acted": n}, err
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
		promoted, err := p.Promotion.Promote(ctx, e.ID)
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
