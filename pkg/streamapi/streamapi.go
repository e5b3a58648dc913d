// Package streamapi maps DynamoDB Stream batches, as Lambda delivers them,
// to the two stream consumers: the promoter, which moves waitlisted teams
// into seats whenever an event has both free seats and a waiting list, and
// the mailer, which sends each notice the outbox holds. Both report partial
// batch failures so that Lambda retries only what failed.
package streamapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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

// NoticeSource reads the notice a stream image stands for, with what its
// email shows.
type NoticeSource interface {
	NoticeFromImage(ctx context.Context, image map[string]types.AttributeValue) (convening.Notice, error)
}

// Mailer sends the notices that stream INSERT records announce.
type Mailer struct {
	Notices NoticeSource
	Mailer  *mail.Mailer
	Log     *slog.Logger
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
		img, err := FromStreamImage(rec.Change.NewImage)
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
