package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// UpdateRegistration applies a change the domain decides of one
// registration (a staff action, a check-in) in one transaction,
// conditioned on what the decision was made from: the registration's
// version, the seats it takes and, for a move, the waiting list as read.
// If any of it moved meanwhile, it reads again and asks again.
//
// Errors: ENOTFOUND, those of decide, EUNAVAILABLE.
func (s *Store) UpdateRegistration(ctx context.Context, id string, withWaitlist bool, decide convening.Decision) (convening.Registration, error) {
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if err := backoff(ctx, attempt-1); err != nil {
			return convening.Registration{}, err
		}
		var it registrationItem
		found, err := s.getItem(ctx, regPrefix+id, skReg, &it)
		if err != nil {
			return convening.Registration{}, fmt.Errorf("update registration: %w", err)
		}
		if !found {
			return convening.Registration{}, convening.ErrRegistrationNotFound
		}
		var ev eventItem
		if found, err = s.getItem(ctx, eventPrefix+it.EventID, skEvent, &ev); err != nil || !found {
			return convening.Registration{}, fmt.Errorf("update registration %s: read event %s: %w (found %v)", id, it.EventID, err, found)
		}
		reg := it.registration()
		var waitlist []convening.WaitlistEntry
		if withWaitlist {
			if waitlist, err = s.waitingList(ctx, it.EventID); err != nil {
				return convening.Registration{}, err
			}
			for i, w := range waitlist {
				if w.RegistrationID == id {
					p := i + 1
					reg.WaitlistPosition = &p
				}
			}
		}
		c, err := decide(reg, ev.event(), waitlist)
		if err != nil {
			return convening.Registration{}, err
		}
		tx, err := s.updateItems(it, ev, c)
		if err != nil {
			return convening.Registration{}, err
		}
		if _, err := s.db.TransactWriteItems(ctx, tx); err != nil {
			if cancelled, ok := asCancellation(err); ok {
				// The registration, the event or a waiting-list entry moved
				// since the read: decide again. A notice or record id that
				// exists would exist on every attempt.
				if cancelled.failed(0) || cancelled.retryable(func(i int) bool { return i < len(tx.TransactItems)-len(c.Notices)-1 }) {
					continue
				}
				return convening.Registration{}, refused("update registration "+id, cancelled, err)
			}
			if isConflict(err) {
				continue
			}
			return convening.Registration{}, failure("update registration "+id, err)
		}
		after := c.After
		after.WaitlistPosition = nil
		return after, nil
	}
	return convening.Registration{}, errBusy
}

// updateItems builds the transaction of a change: the registration, the
// event, the waiting-list entry, the organization's claim, then the
// notices and the audit record (last, so that a refusal can tell which
// items may have moved).
func (s *Store) updateItems(before registrationItem, ev eventItem, c convening.RegistrationChange) (*dynamodb.TransactWriteItemsInput, error) {
	after := c.After
	now := fmtTime(after.UpdatedAt)
	regAV, err := marshal(newRegistrationItem(after))
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: regAV,
		ConditionExpression:       aws.String("#status = :status AND #updatedAt = :updatedAt"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#updatedAt": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":status": str(before.Status), ":updatedAt": str(before.UpdatedAt)},
	}}}

	cond := expression.Name(AttrPK).AttributeExists()
	if c.SeatsNeeded > 0 {
		cond = cond.And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(c.SeatsNeeded)))
	}
	if c.WaitlistAsRead {
		cond = cond.And(expression.Name("waitlistSeq").Equal(expression.Value(ev.WaitlistSeq))).
			And(expression.Name("waitlistLength").Equal(expression.Value(ev.WaitlistLength)))
	}
	upd := countsUpdate(c.Counts, now)
	if c.RaiseWaitlistSeq > ev.WaitlistSeq {
		upd = upd.Set(expression.Name("waitlistSeq"), expression.Value(c.RaiseWaitlistSeq))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("update registration: build event update: %w", err)
	}
	items = append(items, types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, skEvent),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}})

	wasWaiting, isWaiting := before.Status == string(convening.StatusWaitlisted), after.Status == convening.StatusWaitlisted
	moved := wasWaiting && isWaiting && before.WaitlistSeq != after.WaitlistSeq
	if wasWaiting && (!isWaiting || moved) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, seqKey(before.WaitlistSeq)),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}})
	}
	if isWaiting && (!wasWaiting || moved || before.Seats != after.Seats) {
		w, err := marshal(waitItem{PK: eventPrefix + after.EventID, SK: seqKey(after.WaitlistSeq),
			RegistrationID: after.ID, Seats: after.Seats, Seq: after.WaitlistSeq, Organization: after.Organization.Name})
		if err != nil {
			return nil, err
		}
		p := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: w}}
		if moved || !wasWaiting {
			p = putIfAbsent(s.table, w)
		}
		items = append(items, p)
	}
	if convening.Status(before.Status).Active() && !after.Status.Active() {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, orgPrefix+before.OrgKey),
			ConditionExpression:       aws.String("#reg = :reg"),
			ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":reg": str(before.ID)},
		}})
	}

	switch {
	case c.Hold != nil:
		h, err := s.holdPut(*c.Hold)
		if err != nil {
			return nil, err
		}
		items = append(items, h)
	case c.ReleaseHold:
		items = append(items, s.holdDelete(before.ID))
	}
	for _, n := range c.Notices {
		av, err := marshal(newSpecItem(n, before.EventID, after.UpdatedAt))
		if err != nil {
			return nil, err
		}
		items = append(items, putIfAbsent(s.table, av))
	}
	a, err := s.auditPut(c.Audit)
	if err != nil {
		return nil, err
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: append(items, a)}, nil
}
