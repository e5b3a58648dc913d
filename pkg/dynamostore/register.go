package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// idempotencyTTL is how long the first answer to an Idempotency-Key is kept.
const idempotencyTTL = 24 * time.Hour

// Register stores a new registration: with seats if the event has room and
// nobody is waiting, else at the end of the waiting list. It is one
// TransactWriteItems in the common case; the table decides which, by the
// conditions on the event item, so concurrent registrations can never take
// more seats than there are. A second transaction is needed only when the
// first finds the event full: waitlisting needs the arrival number, which
// the first attempt's cancellation reason returns (no extra read).
//
// Errors: ENOTFOUND (no such event), ECONFLICT (window closed, organization
// already registered, idempotency key reused with another request),
// EINVALID (team larger than the event allows), EUNAVAILABLE.
func (s *Store) Register(ctx context.Context, in convening.RegisterInput) (convening.Registration, bool, error) {
	var observed *eventItem // the event as the last cancelled attempt saw it
	if v, ok := s.lastSeen.Load(in.EventID); ok {
		observed = v.(*eventItem)
	}
	firstLook := true
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if err := backoff(ctx, attempt-1); err != nil {
			return convening.Registration{}, false, err
		}
		reg := in.Registration
		reg.EventID = in.EventID
		reg.Seats = reg.Team.Seats()
		reg.WaitlistSeq, reg.WaitlistPosition = 0, nil
		reg.Status = convening.StatusRegistered
		if observed != nil && !convening.FitsDirectly(observed.event(), reg.Seats) {
			reg.Status = convening.StatusWaitlisted
			// The table accepts an arrival number only if it is above every
			// one before it (the condition below), so numbers rise in commit
			// order. The clock only proposes a value that is likely to be
			// free, so that concurrent arrivals rarely collide; a stale or
			// skewed proposal fails and is raised past what the table holds.
			reg.WaitlistSeq = max(s.clock().UnixMicro(), observed.WaitlistSeq+1)
		}
		// The required roles the team is admitted under: the event's as last
		// seen if the team has them, else none; the table refuses a key
		// that is not the event's, and the returned event decides.
		rolesKey := ""
		if observed != nil {
			if e := observed.event(); e.CheckRequiredRoles(reg.Team) == nil {
				rolesKey = observed.RequiredRolesKey
			}
		}
		tx, idx, err := s.registerItems(in, reg, rolesKey)
		if err != nil {
			return convening.Registration{}, false, err
		}
		_, err = s.db.TransactWriteItems(ctx, tx)
		if err == nil {
			if reg.Status == convening.StatusWaitlisted {
				seen := *observed
				seen.WaitlistSeq, seen.WaitlistLength = reg.WaitlistSeq, seen.WaitlistLength+1
				s.lastSeen.Store(in.EventID, &seen)
				s.fillPosition(ctx, &reg, in.Idempotency)
			}
			return reg, false, nil
		}
		c, ok := asCancellation(err)
		if !ok {
			if isConflict(err) {
				continue
			}
			return convening.Registration{}, false, failure("register", err)
		}
		if !c.retryable(func(i int) bool { return i == idx.event || i == idx.org || i == idx.idem }) {
			return convening.Registration{}, false, refused("register", c, err)
		}
		if idx.idem >= 0 && c.failed(idx.idem) {
			return s.replay(ctx, c.item(idx.idem), in)
		}
		if c.failed(idx.org) {
			return convening.Registration{}, false, convening.NewError(convening.ECONFLICT, convening.ReasonOrganizationRegistered,
				"%s already has an active registration for this event.", reg.Organization.Name)
		}
		if !c.failed(idx.event) {
			continue // conflict or throttling inside the transaction: try again
		}
		old := c.item(idx.event)
		if old == nil {
			return convening.Registration{}, false, convening.ErrEventNotFound
		}
		var ev eventItem
		if err := unmarshal(old, &ev); err != nil {
			return convening.Registration{}, false, fmt.Errorf("register: decode event: %w", err)
		}
		e := ev.event()
		if err := e.CheckWindow(in.Now); err != nil {
			return convening.Registration{}, false, err
		}
		if err := e.CheckTeamSize(reg.Seats); err != nil {
			return convening.Registration{}, false, err
		}
		if err := e.CheckAdmission(convening.AdmissionOpen); err != nil {
			return convening.Registration{}, false, err
		}
		if err := e.CheckRequiredRoles(reg.Team); err != nil {
			return convening.Registration{}, false, err
		}
		// Full, or another arrival got there first: decide again from the
		// event as the table returned it, without reading it again.
		observed = &ev
		s.lastSeen.Store(in.EventID, &ev)
		if firstLook { // learning that the event is full is not a lost race
			firstLook = false
			attempt--
		}
	}
	return convening.Registration{}, false, errBusy
}

// fillPosition sets a newly waitlisted registration's position: the count
// of entries ahead of it. Arrival numbers rise in commit order, so nobody
// can later join ahead of it and the count stays exact until teams ahead
// leave. With an idempotency key, the position is kept for replays.
//
// The registration is already stored: if the count fails, the position is
// left unknown (nil) and the failure logged, never returned, so that the
// team is told it is on the list rather than that something broke.
func (s *Store) fillPosition(ctx context.Context, reg *convening.Registration, idem *convening.Idempotency) {
	ahead, err := s.countAhead(ctx, reg.EventID, reg.WaitlistSeq)
	if err != nil {
		s.log.WarnContext(ctx, "waitlisted, but the position could not be counted", "registration", reg.ID, "error", err)
		return
	}
	p := ahead + 1
	reg.WaitlistPosition = &p
	if idem != nil {
		// Best effort: a replay without it reports the live position.
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(idemPrefix+idem.Key, skIdem),
			UpdateExpression:          aws.String("SET #p = :p"),
			ExpressionAttributeNames:  map[string]string{"#p": "position"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": num(int64(p))},
		})
		if err != nil {
			s.log.WarnContext(ctx, "could not keep the waiting-list position for replays", "registration", reg.ID, "error", err)
		}
	}
}

type registerIndex struct{ event, org, idem int }

// registerItems builds the transaction for one attempt: for seats, or for
// the waiting list as reg.Status says.
func (s *Store) registerItems(in convening.RegisterInput, reg convening.Registration, rolesKey string) (*dynamodb.TransactWriteItemsInput, registerIndex, error) {
	now := fmtTime(in.Now)
	seats := int64(reg.Seats)
	window := expression.Name(AttrPK).AttributeExists().
		And(expression.Name("registrationOpensAt").LessThanEqual(expression.Value(now))).
		And(expression.Name("registrationClosesAt").GreaterThan(expression.Value(now))).
		And(expression.Name("maxTeamSize").GreaterThanEqual(expression.Value(seats))).
		And(expression.Or(expression.Name("admission").AttributeNotExists(),
			expression.Name("admission").NotEqual(expression.Value(string(convening.AdmissionStatement)))))
	window = window.And(rolesKeyIs(rolesKey))
	// The condition is convening.FitsDirectly, enforced by the table: seats
	// only while nobody waits and they fit; the waiting list otherwise.
	var cond expression.ConditionBuilder
	upd := countsUpdate(convening.Change("", reg.Status, reg.Seats), now)
	if reg.Status == convening.StatusRegistered {
		cond = window.
			And(expression.Name("waitlistLength").Equal(expression.Value(0))).
			And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(seats)))
	} else {
		cond = window.
			And(expression.Name("waitlistSeq").LessThan(expression.Value(reg.WaitlistSeq))).
			And(expression.Or(
				expression.Name("waitlistLength").GreaterThan(expression.Value(0)),
				expression.Name("seatsLeft").LessThan(expression.Value(seats))))
		upd = upd.Set(expression.Name("waitlistSeq"), expression.Value(reg.WaitlistSeq))
	}
	ev, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return nil, registerIndex{}, fmt.Errorf("register: build event update: %w", err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName:                           aws.String(s.table),
		Key:                                 key(eventPrefix+in.EventID, skEvent),
		ConditionExpression:                 ev.Condition(),
		UpdateExpression:                    ev.Update(),
		ExpressionAttributeNames:            ev.Names(),
		ExpressionAttributeValues:           ev.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	idx := registerIndex{event: 0, idem: -1}

	org, err := s.claimOrganization(in.EventID, reg.Organization.Key(), reg.Organization.Name, reg.ID)
	if err != nil {
		return nil, idx, err
	}
	idx.org = len(items)
	items = append(items, org)

	ri := newRegistrationItem(reg)
	regAV, err := marshal(ri)
	if err != nil {
		return nil, idx, err
	}
	items = append(items, putIfAbsent(s.table, regAV))

	if reg.Status == convening.StatusWaitlisted {
		w, err := marshal(waitItem{PK: eventPrefix + in.EventID, SK: seqKey(reg.WaitlistSeq),
			RegistrationID: reg.ID, Seats: reg.Seats, Seq: reg.WaitlistSeq, Organization: reg.Organization.Name})
		if err != nil {
			return nil, idx, err
		}
		items = append(items, putIfAbsent(s.table, w))
	}

	kind, audit := convening.NoticeRegistered, convening.AuditRegistered
	if reg.Status == convening.StatusWaitlisted {
		kind, audit = convening.NoticeWaitlisted, convening.AuditWaitlisted
	}
	n, err := marshal(newNoticeItem(in.NoticeID, kind, reg, in.Now))
	if err != nil {
		return nil, idx, err
	}
	a, err := s.auditPut(convening.AuditOf(in.AuditID, audit, in.Actor, reg, in.Now, "", nil, reg.Summary()))
	if err != nil {
		return nil, idx, err
	}
	items = append(items, putIfAbsent(s.table, n), a)

	if in.Idempotency != nil {
		it, err := marshal(idemItem{PK: idemPrefix + in.Idempotency.Key, SK: skIdem,
			RequestHash: in.Idempotency.RequestHash, Response: ri,
			ExpiresAt: in.Now.Add(idempotencyTTL).Unix()})
		if err != nil {
			return nil, idx, err
		}
		idx.idem = len(items)
		p := putIfAbsent(s.table, it)
		p.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		items = append(items, p)
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}, idx, nil
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
func (s *Store) replay(ctx context.Context, old map[string]types.AttributeValue, in convening.RegisterInput) (convening.Registration, bool, error) {
	var it idemItem
	if err := unmarshal(old, &it); err != nil {
		return convening.Registration{}, false, fmt.Errorf("register: decode idempotency record: %w", err)
	}
	if it.RequestHash != in.Idempotency.RequestHash {
		return convening.Registration{}, false, convening.NewError(convening.ECONFLICT, convening.ReasonIdempotencyKeyReused,
			"This Idempotency-Key was already used with a different request.")
	}
	reg := it.Response.registration()
	if reg.Status == convening.StatusWaitlisted {
		if it.Position > 0 {
			p := it.Position
			reg.WaitlistPosition = &p
		} else {
			s.fillPosition(ctx, &reg, nil)
		}
	}
	return reg, true, nil
}
