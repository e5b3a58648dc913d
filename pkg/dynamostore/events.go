package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// CreateEvent stores a new event with empty counters.
//
// Errors: ECONFLICT if an event with the same id exists.
func (s *Store) CreateEvent(ctx context.Context, e convening.Event) error {
	e.SeatsTaken, e.RegisteredTeams, e.WaitlistLength, e.WaitlistSeats = 0, 0, 0, 0
	item, err := marshal(newEventItem(e))
	if err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return &convening.Error{Code: convening.ECONFLICT, Reason: convening.ReasonEventExists,
			Message: fmt.Sprintf("An event with id %q already exists.", e.ID),
			Fields:  []convening.FieldError{convening.Field("id", convening.RuleTaken)}}
	}
	if err != nil {
		return failure("create event "+e.ID, err)
	}
	return nil
}

// Event returns the event with its live counters (a strongly consistent read).
//
// Errors: ENOTFOUND.
func (s *Store) Event(ctx context.Context, id string) (convening.Event, error) {
	var it eventItem
	found, err := s.getItem(ctx, eventPrefix+id, skEvent, &it)
	if err != nil {
		return convening.Event{}, err
	}
	if !found {
		return convening.Event{}, convening.ErrEventNotFound
	}
	return it.event(), nil
}

// Events lists every event by start time. It queries the events index, never
// scans; counters may lag a moment behind (the index is eventually consistent).
func (s *Store) Events(ctx context.Context) ([]convening.Event, error) {
	var events []convening.Event
	err := queryEach(ctx, s, query{op: "list events", index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiEvents))},
		func(it eventItem) bool { events = append(events, it.event()); return true })
	return events, err
}

// UpdateEvent applies a staff change. The write is conditioned on the
// capacity and seats it was computed from, so a concurrent registration can
// never be squeezed out by a capacity cut, and the free-seat counter stays
// equal to capacity minus seats taken.
//
// Errors: ENOTFOUND, EINVALID, ECONFLICT (capacity below seats taken), EUNAVAILABLE.
func (s *Store) UpdateEvent(ctx context.Context, id string, change convening.EventChange, now time.Time) (convening.Event, error) {
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if err := backoff(ctx, attempt-1); err != nil {
			return convening.Event{}, err
		}
		var it eventItem
		found, err := s.getItem(ctx, eventPrefix+id, skEvent, &it)
		if err != nil {
			return convening.Event{}, fmt.Errorf("update event: %w", err)
		}
		if !found {
			return convening.Event{}, convening.ErrEventNotFound
		}
		old := it.event()
		var waiting []convening.WaitlistEntry
		if change.Cuts(old) {
			if waiting, err = s.waitingList(ctx, id); err != nil {
				return convening.Event{}, err
			}
		}
		e, err := change.Apply(old, waiting)
		if err != nil {
			return convening.Event{}, err
		}
		e.UpdatedAt = now
		delta := e.Capacity - old.Capacity
		cond := expression.Name("capacity").Equal(expression.Value(old.Capacity))
		if delta < 0 {
			cond = cond.And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(-delta)))
		}
		if change.Cuts(old) {
			// The waiting list was judged as read: no team may have joined it
			// since (a larger one could, before the cut commits).
			cond = cond.And(expression.Name("waitlistSeq").Equal(expression.Value(it.WaitlistSeq)))
		}
		upd := expression.Set(expression.Name("capacity"), expression.Value(e.Capacity)).
			Add(expression.Name("seatsLeft"), expression.Value(delta)).
			Set(expression.Name("maxTeamSize"), expression.Value(e.MaxTeamSize)).
			Set(expression.Name("registrationOpensAt"), expression.Value(fmtTime(e.RegistrationOpensAt))).
			Set(expression.Name("registrationClosesAt"), expression.Value(fmtTime(e.RegistrationClosesAt))).
			Set(expression.Name("waitlistPolicy"), expression.Value(string(e.WaitlistPolicy))).
			Set(expression.Name("updatedAt"), expression.Value(fmtTime(now)))
		expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
		if err != nil {
			return convening.Event{}, fmt.Errorf("update event: %w", err)
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(eventPrefix+id, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			ReturnValues: types.ReturnValueAllNew,
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) || isConflict(err) {
			continue // seats or capacity moved since the read: recompute
		}
		if err != nil {
			return convening.Event{}, failure("update event "+id, err)
		}
		var updated eventItem
		if err := unmarshal(out.Attributes, &updated); err != nil {
			return convening.Event{}, fmt.Errorf("decode event: %w", err)
		}
		return updated.event(), nil
	}
	return convening.Event{}, errBusy
}
