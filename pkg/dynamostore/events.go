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

// CreateEvent stores a new event with empty counters, and the audit record
// of its creation, in one transaction.
//
// Errors: ECONFLICT if an event with the same id exists.
func (s *Store) CreateEvent(ctx context.Context, e convening.Event, audit convening.AuditRecord) error {
	e.Counts = convening.Counts{}
	item, err := marshal(newEventItem(e))
	if err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{putIfAbsent(s.table, item), a}})
	if c, ok := asCancellation(err); ok && c.failed(0) {
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
func (s *Store) UpdateEvent(ctx context.Context, u convening.EventUpdate) (convening.Event, error) {
	id, change := u.EventID, u.Change
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
		e.UpdatedAt = u.Now
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
		upd := expression.Set(expression.Name("title"), expression.Value(e.Title)).
			Set(expression.Name("description"), expression.Value(e.Description)).
			Set(expression.Name("venue"), expression.Value(e.Venue)).
			Set(expression.Name("online"), expression.Value(e.Online)).
			Set(expression.Name("startsAt"), expression.Value(fmtTime(e.StartsAt))).
			Set(expression.Name("endsAt"), expression.Value(fmtTime(e.EndsAt))).
			// The events list reads the index by start time.
			Set(expression.Name(AttrGSI1SK), expression.Value(fmtTime(e.StartsAt)+"#"+e.ID)).
			Set(expression.Name("capacity"), expression.Value(e.Capacity)).
			Add(expression.Name("seatsLeft"), expression.Value(delta)).
			Set(expression.Name("maxTeamSize"), expression.Value(e.MaxTeamSize)).
			Set(expression.Name("registrationOpensAt"), expression.Value(fmtTime(e.RegistrationOpensAt))).
			Set(expression.Name("registrationClosesAt"), expression.Value(fmtTime(e.RegistrationClosesAt))).
			Set(expression.Name("waitlistPolicy"), expression.Value(string(e.WaitlistPolicy))).
			Set(expression.Name("updatedAt"), expression.Value(fmtTime(u.Now)))
		// The admission settings, as the domain decided them.
		settings := newEventItem(e)
		for name, v := range map[string]any{
			"admission": settings.Admission, "requiredRoles": settings.RequiredRoles, "requiredRolesKey": settings.RequiredRolesKey,
			"statementsCloseAt": settings.StatementsCloseAt, "reviewCriteria": settings.ReviewCriteria,
			"respondWithinHours": settings.RespondWithinHours, "waitlistOfferHours": settings.WaitlistOfferHours, "autoInvite": settings.AutoInvite,
		} {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
		expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
		if err != nil {
			return convening.Event{}, fmt.Errorf("update event: %w", err)
		}
		a, err := s.auditPut(convening.EventChangeAudit(u, old, e))
		if err != nil {
			return convening.Event{}, err
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(eventPrefix+id, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}}, a}})
		if c, ok := asCancellation(err); ok {
			if c.retryable(func(i int) bool { return i == 0 }) {
				continue // seats, capacity or the waiting list moved since the read: recompute
			}
			return convening.Event{}, refused("update event "+id, c, err)
		}
		if isConflict(err) {
			continue
		}
		if err != nil {
			return convening.Event{}, failure("update event "+id, err)
		}
		// The counts may have moved since the read; answer them as they are.
		return s.Event(ctx, id)
	}
	return convening.Event{}, errBusy
}

// MarkPersonalDataErased records that an event's people were erased.
func (s *Store) MarkPersonalDataErased(ctx context.Context, eventID string, at time.Time) error {
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name(AttrPK).AttributeExists()).
		WithUpdate(expression.Set(expression.Name("personalDataErasedAt"), expression.Value(fmtTime(at)))).Build()
	if err != nil {
		return fmt.Errorf("mark event erased: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return convening.ErrEventNotFound
	}
	if err != nil {
		return failure("mark event "+eventID+" erased", err)
	}
	return nil
}
