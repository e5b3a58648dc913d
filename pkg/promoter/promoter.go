// Package promoter is the promoter function's handler: it moves
// waitlisted teams into seats whenever an event's stream record shows both
// free seats and a waiting list (the repair path, should the request that
// freed the seats die before promoting), and on a schedule sweeps the
// holds: reminders owed, offers and invitations past their deadlines. It
// reports partial batch failures so that Lambda retries only what failed.
// It links no email code.
package promoter

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostream"
)

// Handler runs promotion for events whose stream image shows free seats and
// a waiting list, and the sweep of holds on the schedule.
type Handler struct {
	Promotion *convening.PromotionService
	Holds     *convening.HoldService
	// Surveys, if set, has the schedule also remind the people who have
	// not answered an event's survey.
	Surveys *convening.SurveyService
	Log     *slog.Logger
}

// Invoke is the promoter function's Lambda handler: a DynamoDB Stream
// batch is promoted from; anything else (the EventBridge schedule) sweeps
// the holds: reminders owed, and offers and invitations past their
// deadlines lapsed (their seats go to the next team).
func (p *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	ev, ok, err := dynamostream.Batch(payload)
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
	out := map[string]int{"acted": n}
	if p.Surveys != nil {
		reminded, serr := p.Surveys.SweepSurveyReminders(ctx)
		if reminded > 0 {
			p.Log.InfoContext(ctx, "swept survey reminders", "acted", reminded)
		}
		out["surveyReminders"] = reminded
		err = errors.Join(err, serr)
	}
	return out, err
}

// Handle processes one batch.
func (p *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	done := map[string]bool{}
	failed := map[string]bool{}
	for _, rec := range ev.Records {
		if rec.EventName == "REMOVE" {
			continue
		}
		img, err := dynamostream.FromImage(rec.Change.NewImage)
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
