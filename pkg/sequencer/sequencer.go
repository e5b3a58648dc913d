// Package sequencer is the sequencer function's handler: it places the
// registrations received at queued events (convening.QueueService), when
// the table's stream shows a registration put in line, and on a schedule
// (the safety net, should a sequencer die holding registrations in line).
// It links no email or HTTP code.
package sequencer

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostream"
)

// Handler places queued registrations.
type Handler struct {
	Queue *convening.QueueService
	Log   *slog.Logger
}

// Invoke is the sequencer function's Lambda handler: a stream batch
// places the lines of the events it names; anything else (the EventBridge
// schedule) sweeps every queued event.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	ev, ok, err := dynamostream.Batch(payload)
	if err != nil {
		return nil, err
	}
	if ok {
		return h.Handle(ctx, ev)
	}
	n, err := h.Queue.Sweep(ctx)
	if n > 0 {
		h.Log.InfoContext(ctx, "placed registrations in line", "placed", n, "by", "sweep")
	}
	return map[string]int{"placed": n}, err
}

// Handle places the lines of the events whose records the batch holds,
// each once. A record is a registration put in line: it is only the
// doorbell, the line itself is read from the table, so one placement
// serves every record of its event. If placing an event fails, its
// records are reported failed, so that Lambda tries again (the
// registrations stay in line until then).
func (h *Handler) Handle(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	done, failed := map[string]bool{}, map[string]bool{}
	for _, rec := range batch.Records {
		id := rec.Change.NewImage["eventId"]
		if rec.EventName != "INSERT" || id.DataType() != events.DataTypeString {
			continue
		}
		eventID := id.String()
		if !done[eventID] && !failed[eventID] {
			n, err := h.Queue.Sequence(ctx, eventID)
			if err != nil {
				h.Log.WarnContext(ctx, "placing the line failed; its records will be retried", "event", eventID, "placed", n, "error", err)
				failed[eventID] = true
			} else {
				done[eventID] = true
				if n > 0 {
					h.Log.InfoContext(ctx, "placed registrations in line", "event", eventID, "placed", n)
				}
			}
		}
		if failed[eventID] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}
