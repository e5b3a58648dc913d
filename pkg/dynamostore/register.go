package dynamostore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// idempotencyTTL is how long the first answer to an Idempotency-Key is kept.
const idempotencyTTL = 24 * time.Hour

// Register writes a team's arrival as the domain decides it
// (convening.ArrivalDecision): with seats if the event has room and nobody
// is waiting, else on the waiting list in arrival order. It is one
// TransactWriteItems, and nothing else, in the common case; the table
// decides which, by the conditions on the event item, so concurrent
// registrations can never take more seats than there are. The decision
// starts from the event as a refused transaction last returned it
// (lastSeen), without reading it: only when the first attempt finds the
// event full does waitlisting need a second transaction, with the arrival
// number the refusal returned, and later teams go straight to the list.
//
// A waitlisted registration is answered without its position: a
// transaction cannot return the length of the list it joined, and counting
// the entries ahead would be a read of O(position) on every waitlisted
// registration, on the event's partition, in the rush. The place is told
// later, counted when it is asked for (Registration: the team's page and
// status) and when the waiting-list email goes out.
//
// Errors: ENOTFOUND (no such event), ECONFLICT (window closed, organization
// already registered, idempotency key reused with another request),
// EINVALID (team larger than the event allows), EUNAVAILABLE.
func (s *Store) Register(ctx context.Context, eventID string, idem *convening.Idempotency, decide convening.ArrivalDecision) (convening.Registration, bool, error) {
	var seen *eventItem // the event as the last cancelled attempt saw it
	var seenAt time.Time
	if v, ok := s.lastSeen.Load(eventID); ok {
		seen, seenAt = v.(seenEvent).event, v.(seenEvent).at
	}
	var a convening.Arrival
	var replay *convening.Registration
	firstLook := true
	attempts := 0
	err := s.transact(ctx, "register", func(ctx context.Context) (*write, error) {
		if attempts++; seen == nil && attempts > 1 {
			// The first attempt met another transaction on the event item,
			// which returns no image of it: read the event rather than try
			// blind again, so that a function new to a busy event (a queued
			// one, whose sequencer holds the item in turn) learns at once
			// how it takes teams. Reads do not conflict.
			fresh, err := s.readEventHint(ctx, eventID)
			if err != nil {
				return nil, err
			}
			seen, seenAt = fresh, s.clock()
		}
		if seen != nil && seen.RegistrationMode == string(convening.ModeQueued) && s.clock().Sub(seenAt) > queueHintAge {
			// A queued event's registrations never refuse (they do not
			// touch the event), so nothing refreshes the hint: read it.
			fresh, err := s.readEventHint(ctx, eventID)
			if err != nil {
				return nil, err
			}
			seen, seenAt = fresh, s.clock()
		}
		// A waitlisted team's arrival number is the time this attempt was
		// decided, in microseconds: the waiting list is in arrival order.
		// The event's waitlistSeq is a floor no arrival may go under (a
		// team staff moved to the end, one that fitted but had to wait);
		// teams that do not fit the seats left do not raise it, so they
		// never refuse one another (see registerItems).
		seq := s.stamp()
		var e *convening.Event
		if seen != nil {
			ev := seen.event()
			e, seq = &ev, max(seq, seen.WaitlistSeq+1)
		}
		a = decide(e, seq)
		var tail *waitItem
		if a.Registration.Status == convening.StatusWaitlisted && e != nil && e.SeatsLeft() >= a.Registration.Seats {
			// The team would fit the seats left, but teams wait (the head
			// needs more): it comes after the last of them, conditioned on
			// that one still waiting, so that it can never be the head of
			// the list while it fits (a rare case: one read more).
			var err error
			if tail, err = s.lastWaiting(ctx, eventID); err != nil {
				return nil, err
			}
			if tail == nil { // nobody waits after all: ask for seats
				ev := *e
				ev.WaitlistLength = 0
				a = decide(&ev, seq)
			} else if tail.Seq >= seq {
				a = decide(e, tail.Seq+1)
			}
		}
		var w *write
		var idx claimIndex
		var err error
		if a.Registration.Status == convening.StatusReceived {
			// In line at a queued event (queue.go): refused at once only by
			// the event as read within queueHintAge; the sequencer checks
			// again when the team's turn comes.
			if err := e.CheckArrival(a.Registration.Team, a.At); err != nil {
				return nil, err
			}
			w, idx, err = s.receiveItems(eventID, a, idem)
		} else {
			w, idx, err = s.registerItems(eventID, a, idem, tail)
		}
		if err != nil {
			return nil, err
		}
		w.answer = idx.answer("register", func(image map[string]types.AttributeValue) error {
			r, err := s.replay(image, idem)
			replay = &r
			return cmp.Or(err, errAnswered)
		}, convening.NewError(convening.ECONFLICT, convening.ReasonOrganizationRegistered,
			"%s already has an active registration for this event.", a.Registration.Organization.Name),
			func(ev *eventItem) error {
				if err := a.Check(ev.event()); err != nil {
					return err
				}
				// Full, queued, or another arrival got there first: decide
				// again from the event as the table returned it, without
				// reading it again.
				seen, seenAt = ev, s.clock()
				s.lastSeen.Store(eventID, seenEvent{ev, seenAt})
				if firstLook { // learning that the event is full is not a lost race
					firstLook = false
					return errLearned
				}
				return nil
			})
		return w, nil
	})
	switch {
	case err != nil:
		return convening.Registration{}, false, err
	case replay != nil:
		return *replay, true, nil
	}
	reg := a.Registration
	if reg.Status == convening.StatusWaitlisted {
		last := *seen
		last.WaitlistSeq, last.WaitlistLength = max(last.WaitlistSeq, reg.WaitlistSeq), last.WaitlistLength+1
		s.lastSeen.Store(eventID, seenEvent{&last, seenAt})
	}
	return reg, false, nil
}

// claimIndex places, in a transaction that takes an organization's place
// at an event (a registration, a statement), the items conditioned on what
// it assumed: the event, the organization's claim (and the checks that no
// record stored under its legacy key holds one, org[1:]) and, with an
// Idempotency-Key, the first answer's record (-1 without).
type claimIndex struct {
	event int
	org   []int
	idem  int
	// persons are the people's claims (personClaims), if any.
	persons personClaims
}

// answer reads a refusal of such a transaction (a write's answer): the
// key's record exists (replay answers from its image), the organization's
// place is taken, or the event refused (refusedBy reads the event as the
// table returned it: it answers why the event refuses, or how to try
// again).
func (idx claimIndex) answer(op string, replay func(image map[string]types.AttributeValue) error, taken error,
	refusedBy func(*eventItem) error) func(c cancellation) error {
	return func(c cancellation) error {
		switch {
		case c.failed(idx.idem):
			return replay(c.item(idx.idem))
		case slices.ContainsFunc(idx.org, c.failed):
			return taken
		case idx.persons.failed(c) != nil:
			return idx.persons.failed(c)
		case !c.failed(idx.event):
			return nil // a conflict or throttling inside the transaction: the policy's
		}
		image := c.item(idx.event)
		if image == nil {
			return convening.ErrEventNotFound
		}
		var ev eventItem
		if err := unmarshal(image, &ev); err != nil {
			return fmt.Errorf("%s: decode event: %w", op, err)
		}
		return refusedBy(&ev)
	}
}

// registerItems builds the transaction of one attempt: for seats, or for
// the waiting list, as the arrival says. The event, the organization's
// claim and the idempotency record are conditioned on what the attempt
// assumed (the event as seen, nobody holding the claim, a new key). tail
// is the last team waiting, for a team that fits the seats left but must
// wait (nil otherwise).
func (s *Store) registerItems(eventID string, a convening.Arrival, idem *convening.Idempotency, tail *waitItem) (*write, claimIndex, error) {
	reg := a.Registration
	now := fmtTime(a.At)
	seats := int64(reg.Seats)
	window := expression.Name(AttrPK).AttributeExists().
		And(expression.Name("registrationOpensAt").LessThanEqual(expression.Value(now))).
		And(expression.Name("registrationClosesAt").GreaterThan(expression.Value(now))).
		And(expression.Name("maxTeamSize").GreaterThanEqual(expression.Value(seats))).
		And(expression.Or(expression.Name("admission").AttributeNotExists(),
			expression.Name("admission").NotEqual(expression.Value(string(convening.AdmissionStatement)))))
	if !reg.Individual() {
		window = window.And(rolesKeyIs(convening.RequiredRolesKey(a.CheckedRoles)))
	}
	if a.NoFeePolicy {
		window = window.And(noFeePolicyCond())
	}
	window = window.And(questionsKeyIs(a.QuestionsKey)).And(registrantsCond(reg)).And(eligibilityVersionIs(reg.EligibilityVersion)).
		// A queued event takes no direct registration: the refusal teaches
		// the store to put the team in line (queue.go).
		And(expression.Or(expression.Name("registrationMode").AttributeNotExists(),
			expression.Name("registrationMode").NotEqual(expression.Value(string(convening.ModeQueued)))))
	// The condition is convening.FitsDirectly, enforced by the table: seats
	// only while nobody waits and they fit; the waiting list otherwise.
	var cond expression.ConditionBuilder
	upd := countsUpdate(a.Counts, now)
	if reg.Status == convening.StatusRegistered {
		cond = window.
			And(expression.Name("waitlistLength").Equal(expression.Value(0))).
			And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(seats)))
	} else {
		// Waitlisted: above the floor of arrival numbers, and counted as a
		// joiner (staff's moves and cuts plan from the list as read).
		cond = window.And(expression.Name("waitlistSeq").LessThan(expression.Value(reg.WaitlistSeq)))
		upd = upd.Add(expression.Name("waitlistJoins"), expression.Value(1))
		if tail == nil {
			// It does not fit the seats left: wherever its arrival time puts
			// it, even first, the head of the list does not fit them. So
			// concurrent arrivals do not raise the floor, and do not refuse
			// one another (in a rush, nearly every team is this case).
			cond = cond.And(expression.Name("seatsLeft").LessThan(expression.Value(seats)))
		} else {
			// It fits but teams wait: after the last of them (tail still
			// there, see below), and a floor for later arrivals.
			cond = cond.And(expression.Name("waitlistLength").GreaterThan(expression.Value(0))).
				And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(seats)))
			upd = upd.Set(expression.Name("waitlistSeq"), expression.Value(reg.WaitlistSeq))
		}
	}
	ev, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return nil, claimIndex{}, fmt.Errorf("register: build event update: %w", err)
	}
	var tx items
	idx := claimIndex{idem: -1}
	idx.event = tx.add(types.TransactWriteItem{Update: &types.Update{
		TableName:                           aws.String(s.table),
		Key:                                 key(eventPrefix+eventID, skEvent),
		ConditionExpression:                 ev.Condition(),
		UpdateExpression:                    ev.Update(),
		ExpressionAttributeNames:            ev.Names(),
		ExpressionAttributeValues:           ev.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, true)

	idx.org = nil
	if !reg.Individual() {
		if idx.org, err = s.addClaim(&tx, eventID, reg.Organization, reg.ID); err != nil {
			return nil, idx, err
		}
	}
	if idx.persons, err = s.addPersonClaims(&tx, convening.Registration{}, reg); err != nil {
		return nil, idx, err
	}
	ri := newRegistrationItem(reg)
	regAV, err := marshal(ri)
	if err != nil {
		return nil, idx, err
	}
	tx.add(putIfAbsent(s.table, regAV), false)
	if err := s.addPeople(&tx, reg.Team.PersonKeys(), convening.SubjectRegistration, reg.ID, a.At); err != nil {
		return nil, idx, err
	}

	if reg.Status == convening.StatusWaitlisted {
		w, err := marshal(waitItem{PK: eventPrefix + eventID, SK: seqKey(reg.WaitlistSeq),
			RegistrationID: reg.ID, Seats: reg.Seats, Seq: reg.WaitlistSeq, Organization: reg.Organization.Name})
		if err != nil {
			return nil, idx, err
		}
		// Both assume what the attempt saw: its arrival number is free
		// (two functions may propose the same microsecond; the second asks
		// again, with a higher one) and the last team waiting still is.
		tx.add(putIfAbsent(s.table, w), true)
		if tail != nil {
			tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
				TableName: aws.String(s.table), Key: key(tail.PK, tail.SK),
				ConditionExpression: aws.String("attribute_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
			}}, true)
		}
	}
	n, err := marshal(newSpecItem(a.Notice, eventID, a.At))
	if err != nil {
		return nil, idx, err
	}
	tx.add(putIfAbsent(s.table, n), false)
	audit, err := s.auditPut(a.Audit)
	if err != nil {
		return nil, idx, err
	}
	tx.add(audit, false)
	if idx.idem, err = s.addFirstAnswer(&tx, idem, idemItem{Response: ri}, a.At); err != nil {
		return nil, idx, err
	}
	return tx.write(), idx, nil
}

// rolesKeyIs is the condition that the event requires exactly the roles
// rolesKey names (convening.RequiredRolesKey): the roles the team was
// checked against are still the event's.
func rolesKeyIs(rolesKey string) expression.ConditionBuilder {
	if rolesKey == "" {
		return expression.Or(expression.Name("requiredRolesKey").AttributeNotExists(),
			expression.Name("requiredRolesKey").Equal(expression.Value("")))
	}
	return expression.Name("requiredRolesKey").Equal(expression.Value(rolesKey))
}

// questionsKeyIs is the condition that the event asks exactly the
// questions key names (convening.QuestionsKey): the answers were checked
// against the event's questions as they are.
func questionsKeyIs(key string) expression.ConditionBuilder {
	if key == "" {
		return expression.Or(expression.Name("questionsKey").AttributeNotExists(),
			expression.Name("questionsKey").Equal(expression.Value("")))
	}
	return expression.Name("questionsKey").Equal(expression.Value(key))
}

// addClaim adds the organization's claim on the event for the
// registration or statement subjectID, conditioned on nobody holding it
// (as the attempt assumes), and returns its index with those of the
// checks that nobody holds it under its other keys (claimed, below).
func (s *Store) addClaim(tx *items, eventID string, org convening.Organization, subjectID string) ([]int, error) {
	return s.addClaimAs(tx, eventID, org, org.Key(), subjectID)
}

// addClaimAs is addClaim under the key given: a record keeps the key it
// was first stored under (a legacy key, see convening.Organization.Keys),
// and its claim is always under that one. The organization's other keys
// are checked free, so that a registration made before today's keys and
// one made since cannot both hold the organization's place: what the
// check finds is the claim of a record stored under the other key.
func (s *Store) addClaimAs(tx *items, eventID string, org convening.Organization, claimKey, subjectID string) ([]int, error) {
	claim, err := s.claimOrganization(eventID, claimKey, org.Name, subjectID)
	if err != nil {
		return nil, err
	}
	idx := []int{tx.add(claim, true)}
	for _, other := range org.Keys() {
		if other == claimKey {
			continue
		}
		idx = append(idx, tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: key(eventPrefix+eventID, orgPrefix+other),
			ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}}, true))
	}
	return idx, nil
}

// addFirstAnswer adds, with an Idempotency-Key, the record of the first
// answer to it (rec, the answer), conditioned on the key being new (as the
// attempt assumes): a refusal returns the record, for the replay. It
// returns the record's index, -1 without a key.
func (s *Store) addFirstAnswer(tx *items, idem *convening.Idempotency, rec idemItem, now time.Time) (int, error) {
	if idem == nil {
		return -1, nil
	}
	rec.PK, rec.SK, rec.RequestHash, rec.ExpiresAt = idemPrefix+idem.Key, skIdem, idem.RequestHash, now.Add(idempotencyTTL).Unix()
	it, err := marshal(rec)
	if err != nil {
		return -1, err
	}
	p := putIfAbsent(s.table, it)
	p.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	return tx.add(p, true), nil
}

// claimOrganization puts the organization's claim on an event for the
// registration or statement subjectID; it fails if another holds it (one
// active registration or statement per organization per event).
func (s *Store) claimOrganization(eventID, orgKey, orgName, subjectID string) (types.TransactWriteItem, error) {
	org, err := marshal(orgItem{PK: eventPrefix + eventID, SK: orgPrefix + orgKey, RegistrationID: subjectID, Organization: orgName})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return putIfAbsent(s.table, org), nil
}

func putIfAbsent(table string, item map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                aws.String(table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}
}

// replay answers a repeated Idempotency-Key with the first answer, or a
// conflict if the key came with a different request.
func (s *Store) replay(old map[string]types.AttributeValue, idem *convening.Idempotency) (convening.Registration, error) {
	var it idemItem
	if err := unmarshal(old, &it); err != nil {
		return convening.Registration{}, fmt.Errorf("register: decode idempotency record: %w", err)
	}
	if it.RequestHash != idem.RequestHash {
		return convening.Registration{}, convening.NewError(convening.ECONFLICT, convening.ReasonIdempotencyKeyReused,
			"This Idempotency-Key was already used with a different request.")
	}
	reg := it.Response.registration()
	if reg.Status == convening.StatusWaitlisted && it.Position > 0 {
		// Kept by an earlier version, which counted the place on the hot
		// path; now the first answer tells none, and neither does its replay.
		p := it.Position
		reg.WaitlistPosition = &p
	}
	return reg, nil
}

// lastWaiting returns the last team on an event's waiting list (its
// entry), nil if nobody waits: one strongly consistent query of one item.
func (s *Store) lastWaiting(ctx context.Context, eventID string) (*waitItem, error) {
	var last *waitItem
	err := queryEach(ctx, s, query{op: "last on the waiting list of " + eventID, consistent: true, backward: true, pageSize: 1,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(waitPrefix))},
		func(w waitItem) bool { last = &w; return false })
	return last, err
}

// joinsAsRead is the condition that no team joined an event's waiting
// list since it was read with joins joiners (waitlistJoins; absent on
// events stored before it was kept).
func joinsAsRead(joins int64) expression.ConditionBuilder {
	if joins == 0 {
		return expression.Or(expression.Name("waitlistJoins").AttributeNotExists(),
			expression.Name("waitlistJoins").Equal(expression.Value(0)))
	}
	return expression.Name("waitlistJoins").Equal(expression.Value(joins))
}
