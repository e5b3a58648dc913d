package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// UpdateRegistration applies a change the domain decides of one
// registration (a cancellation, a staff action, a check-in) in one
// transaction, conditioned on what the decision was made from: the
// registration's version and, as reads asks, the seats it takes and the
// waiting list as read. If any of it moved meanwhile, it reads again and
// asks again. A cancellation reads the registration alone, so it costs one
// read and one transaction.
//
// Errors: ENOTFOUND, those of decide, EUNAVAILABLE.
func (s *Store) UpdateRegistration(ctx context.Context, id string, reads convening.Reads, decide convening.Decision) (convening.Registration, error) {
	var out convening.Registration
	err := s.transact(ctx, "update registration "+id, func(ctx context.Context) (*write, error) {
		var it registrationItem
		found, err := s.getItem(ctx, regPrefix+id, skReg, &it)
		if err != nil {
			return nil, fmt.Errorf("update registration: %w", err)
		}
		if !found {
			return nil, convening.ErrRegistrationNotFound
		}
		reg := it.registration()
		var ev eventItem
		if reads != convening.ReadRegistration {
			if found, err = s.getItem(ctx, eventPrefix+it.EventID, skEvent, &ev); err != nil || !found {
				return nil, fmt.Errorf("update registration %s: read event %s: %w (found %v)", id, it.EventID, err, found)
			}
		}
		var waitlist []convening.WaitlistEntry
		if reads == convening.ReadWaitlist {
			if waitlist, err = s.waitingList(ctx, it.EventID); err != nil {
				return nil, err
			}
			for i, w := range waitlist {
				if w.RegistrationID == id {
					p := i + 1
					reg.WaitlistPosition = &p
				}
			}
		}
		var e convening.Event
		if reads != convening.ReadRegistration {
			e = ev.event()
		}
		c, err := decide(reg, e, waitlist)
		if err != nil {
			return nil, err
		}
		if c.Unchanged {
			out = reg
			return nil, nil
		}
		out = c.After
		out.WaitlistPosition = nil
		return s.updateItems(it, ev, c)
	})
	if err != nil {
		return convening.Registration{}, err
	}
	return out, nil
}

// updateItems builds the transaction of a change: the registration (as
// read), the event (as read when the change takes seats or was planned on
// the waiting list), the waiting-list entry (as read), the organization's
// claim, the hold, then the notices and the audit record.
func (s *Store) updateItems(before registrationItem, ev eventItem, c convening.RegistrationChange) (*write, error) {
	after := c.After
	now := fmtTime(after.UpdatedAt)
	ri := newRegistrationItem(after)
	ri.keepOrgKey(before.OrgKey)
	regAV, err := marshal(ri)
	if err != nil {
		return nil, err
	}
	var tx items
	tx.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: regAV,
		ConditionExpression:       aws.String("#status = :status AND #updatedAt = :updatedAt"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#updatedAt": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":status": str(before.Status), ":updatedAt": str(before.UpdatedAt)},
	}}, true)

	// The event is written only when the change moves its counts or is
	// conditioned on them: a change of a team's people (a substitute, a
	// new contact, a member's attendance) leaves the hot item of a rush
	// alone, and wakes no promoter.
	if c.Counts == (convening.Counts{}) && c.SeatsNeeded == 0 && !c.WaitlistAsRead && c.RaiseWaitlistSeq <= ev.WaitlistSeq {
		return s.restOfUpdate(tx, before, after, c)
	}
	cond := expression.Name(AttrPK).AttributeExists()
	if c.SeatsNeeded > 0 {
		cond = cond.And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(c.SeatsNeeded)))
	}
	if c.WaitlistAsRead {
		cond = cond.And(expression.Name("waitlistSeq").Equal(expression.Value(ev.WaitlistSeq))).
			And(expression.Name("waitlistLength").Equal(expression.Value(ev.WaitlistLength))).
			And(joinsAsRead(ev.WaitlistJoins))
	}
	upd := countsUpdate(c.Counts, now)
	if c.RaiseWaitlistSeq > ev.WaitlistSeq {
		upd = upd.Set(expression.Name("waitlistSeq"), expression.Value(c.RaiseWaitlistSeq))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("update registration: build event update: %w", err)
	}
	tx.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, skEvent),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, c.SeatsNeeded > 0 || c.WaitlistAsRead)
	return s.restOfUpdate(tx, before, after, c)
}

// restOfUpdate adds to a change's transaction what follows the
// registration and the event: the waiting list, the claim, the people's
// index, the hold, the notices and the audit record.
func (s *Store) restOfUpdate(tx items, before registrationItem, after convening.Registration, c convening.RegistrationChange) (*write, error) {
	wasWaiting, isWaiting := before.Status == string(convening.StatusWaitlisted), after.Status == convening.StatusWaitlisted
	moved := wasWaiting && isWaiting && before.WaitlistSeq != after.WaitlistSeq
	if wasWaiting && (!isWaiting || moved) {
		tx.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, seqKey(before.WaitlistSeq)),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}}, true)
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
		// A move's new place is the gap as read: a concurrent move may take it.
		tx.add(p, true)
	}
	if convening.Status(before.Status).Active() && !after.Status.Active() && before.Registrant != string(convening.RegistrantIndividual) {
		tx.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, orgPrefix+before.OrgKey),
			ConditionExpression:       aws.String("#reg = :reg"),
			ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":reg": str(before.ID)},
		}}, false) // held while the registration is as read
	}
	people := convening.NewPersonKeys(convening.Team{Contact: before.Contact, Members: before.Members}, after.Team)
	if err := s.addPeople(&tx, people, convening.SubjectRegistration, after.ID, after.UpdatedAt); err != nil {
		return nil, err
	}
	persons, err := s.addPersonClaims(&tx, before.registration(), after)
	if err != nil {
		return nil, err
	}
	if err := s.addFacts(&tx, c.Facts); err != nil {
		return nil, err
	}
	if err := s.addOutcome(&tx, before.ID, before.EventID, after.UpdatedAt, c.Hold, c.ReleaseHold, c.Notices, c.Audit); err != nil {
		return nil, err
	}
	w := tx.write()
	w.answer = func(c cancellation) error {
		if c.failed(0) {
			return nil // the registration moved: decide again
		}
		return persons.failed(c)
	}
	return w, nil
}

// addOutcome adds what every change of a registration or statement may
// write besides itself, none of it conditioned on what was read: the
// subject's hold (put, or released), the notices and the audit record.
func (s *Store) addOutcome(tx *items, subjectID, eventID string, at time.Time, hold *convening.Hold, release bool, notices []convening.NoticeSpec, audit convening.AuditRecord) error {
	switch {
	case hold != nil:
		h, err := s.holdPut(*hold)
		if err != nil {
			return err
		}
		tx.add(h, false)
	case release:
		tx.add(s.holdDelete(subjectID), false)
	}
	for _, n := range notices {
		av, err := marshal(newSpecItem(n, eventID, at))
		if err != nil {
			return err
		}
		tx.add(putIfAbsent(s.table, av), false)
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	tx.add(a, false)
	return nil
}
