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
	it := newEventItem(e)
	it.Fees = feesNone
	item, err := marshal(it)
	if err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	return s.transact(ctx, "create event "+e.ID, func(context.Context) (*write, error) {
		var tx items
		tx.add(putIfAbsent(s.table, item), false)
		tx.add(a, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return &convening.Error{Code: convening.ECONFLICT, Reason: convening.ReasonEventExists,
					Message: fmt.Sprintf("An event with id %q already exists.", e.ID),
					Fields:  []convening.FieldError{convening.Field("id", convening.RuleTaken)}}
			}
			return nil
		}
		return w, nil
	})
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

// UpdateEvent applies a staff change as the domain decides it
// (convening.EventUpdate.Decide). The write is conditioned on the capacity
// and seats it was computed from, so a concurrent registration can never be
// squeezed out by a capacity cut, and the free-seat counter stays equal to
// capacity minus seats taken.
//
// Errors: ENOTFOUND, EINVALID, ECONFLICT (capacity below seats taken), EUNAVAILABLE.
func (s *Store) UpdateEvent(ctx context.Context, u convening.EventUpdate) (convening.Event, error) {
	id := u.EventID
	err := s.transact(ctx, "update event "+id, func(ctx context.Context) (*write, error) {
		var it eventItem
		found, err := s.getItem(ctx, eventPrefix+id, skEvent, &it)
		if err != nil {
			return nil, fmt.Errorf("update event: %w", err)
		}
		if !found {
			return nil, convening.ErrEventNotFound
		}
		old := it.event()
		cuts := u.Change.Cuts(old)
		var waiting []convening.WaitlistEntry
		if cuts {
			if waiting, err = s.waitingList(ctx, id); err != nil {
				return nil, err
			}
		}
		e, audit, err := u.Decide(old, waiting)
		if err != nil {
			return nil, err
		}
		delta := e.Capacity - old.Capacity
		cond := expression.Name("capacity").Equal(expression.Value(old.Capacity))
		if delta < 0 {
			cond = cond.And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(-delta)))
		}
		if cuts {
			// The waiting list was judged as read: no team may have joined it
			// since (a larger one could, before the cut commits).
			cond = cond.And(expression.Name("waitlistSeq").Equal(expression.Value(it.WaitlistSeq))).And(joinsAsRead(it.WaitlistJoins))
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
			Set(expression.Name("updatedAt"), expression.Value(fmtTime(e.UpdatedAt)))
		// The admission settings, as the domain decided them.
		settings := newEventItem(e)
		for name, v := range map[string]any{
			"admission": settings.Admission, "requiredRoles": settings.RequiredRoles, "requiredRolesKey": settings.RequiredRolesKey,
			"statementsCloseAt": settings.StatementsCloseAt, "reviewCriteria": settings.ReviewCriteria,
			"respondWithinHours": settings.RespondWithinHours, "waitlistOfferHours": settings.WaitlistOfferHours, "autoInvite": settings.AutoInvite,
			// The event's questions and reminders (written with the json
			// names, as newEventItem's are).
			"questions": jsonValue(settings.Questions), "questionsKey": settings.QuestionsKey, "reminders": jsonValue(settings.Reminders),
			"registrants":      settings.Registrants,
			"registrationMode": settings.RegistrationMode,
		} {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
		expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
		if err != nil {
			return nil, fmt.Errorf("update event: %w", err)
		}
		a, err := s.auditPut(audit)
		if err != nil {
			return nil, err
		}
		var tx items
		// Seats, capacity or the waiting list may move since the read: recompute.
		tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(eventPrefix+id, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}}, true)
		tx.add(a, false)
		return tx.write(), nil
	})
	if err != nil {
		return convening.Event{}, err
	}
	// The counts may have moved since the read; answer them as they are.
	return s.Event(ctx, id)
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
