package dynamostore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Registration returns a registration; a waitlisted one comes with its live
// position, counted from the waiting list itself (a second, strongly
// consistent query that reads only keys). The position is not settled: an
// arrival still on its way may yet go ahead of it (see
// SettledRegistration, for what a team is told).
//
// Errors: ENOTFOUND.
func (s *Store) Registration(ctx context.Context, id string) (convening.Registration, error) {
	return s.registration(ctx, id, false)
}

// SettledRegistration is Registration as its team is told it: a waitlisted
// registration's place is settled before it is counted (settle), so that it
// never grows. A place settled already costs one read more than
// Registration; a fresh one (its arrival less than settleAge and a tick
// old) waits for that (about a second), then closes the list under it
// with one conditional transaction, which settles every place of its tick
// and earlier (the others only read that it did).
func (s *Store) SettledRegistration(ctx context.Context, id string) (convening.Registration, error) {
	return s.registration(ctx, id, true)
}

func (s *Store) registration(ctx context.Context, id string, settled bool) (convening.Registration, error) {
	var it registrationItem
	found, err := s.getItem(ctx, regPrefix+id, skReg, &it)
	if err != nil {
		return convening.Registration{}, err
	}
	if !found {
		return convening.Registration{}, convening.ErrRegistrationNotFound
	}
	reg := it.registration()
	if reg.Status == convening.StatusWaitlisted {
		if settled {
			if err := s.settle(ctx, reg.EventID, reg.WaitlistSeq, 0, true); err != nil {
				return convening.Registration{}, err
			}
		}
		ahead, err := s.countAhead(ctx, reg.EventID, reg.WaitlistSeq)
		if err != nil {
			return convening.Registration{}, err
		}
		p := ahead + 1
		reg.WaitlistPosition = &p
	}
	return reg, nil
}

const (
	// settleAge is how long an attempt to join a waiting list may be in
	// flight before a settled place refuses it (it is then tried again
	// with a later arrival number; in DynamoDB one attempt takes tens of
	// milliseconds). A fresh place waits until the arrivals before it are
	// that old, so that settling it refuses only stragglers.
	settleAge = time.Second
	// settleTick quantizes the floors that settling writes, so that the
	// places of one tick share one write: in a rush, at most a few writes a
	// second on the event item, however many teams look at their place.
	settleTick = 250 * time.Millisecond
)

// settledPlace is the place of a waitlisted team (1 for the head) as its
// email tells it: settled without waiting (settle), then counted. floor is
// the floor as the caller read the event, 0 if it did not.
func (s *Store) settledPlace(ctx context.Context, eventID string, seq, floor int64) (int, error) {
	if err := s.settle(ctx, eventID, seq, floor, false); err != nil {
		return 0, err
	}
	ahead, err := s.countAhead(ctx, eventID, seq)
	return ahead + 1, err
}

// settle makes sure no team can join the event's waiting list under the
// arrival number seq, so that the place of the team with that number,
// counted after it, never grows. Teams join in arrival order, not commit
// order (register.go): one that arrived earlier may still be on its way.
// The event's floor of arrival numbers (waitlistSeq), below which no team
// may join, is raised to seq or above unless it is there already. A read
// that finds it there is enough (floors only rise, so even a stale read is
// right when it says so); otherwise one conditional write, which finding
// the floor raised meanwhile is as good as. The floor written is the tick
// (settleTick) before settleAge ago, or seq if that is higher: with wait,
// settle first waits until seq's tick is settleAge old (at most a tick and
// settleAge, and up to half a tick more at random, so that the places of a
// tick looked at in several functions at once do not all write), so that
// it is never seq and the write refuses only stragglers; without (an
// email, which comes later anyway), it may be seq.
// floor is the floor as the caller read it, 0 if it did not (it is read
// then).
func (s *Store) settle(ctx context.Context, eventID string, seq, floor int64, wait bool) error {
	var err error
	if floor == 0 {
		if floor, err = s.floor(ctx, eventID, false); err != nil {
			return err
		}
	}
	if floor >= seq {
		return nil
	}
	if wait {
		// Until the tick is settleAge old, and a part of a tick more at
		// random: the places of a tick looked at by several functions at
		// once then wake one after another, and the first one's fence
		// settles the others' (they read it).
		ready := time.UnixMicro(seq).Truncate(settleTick).Add(settleTick + settleAge)
		jitter := rand.N(settleTick / 2)
		if d := min(ready.Sub(s.clock()), settleTick+settleAge) + jitter; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			if floor, err = s.floor(ctx, eventID, true); err != nil || floor >= seq {
				return err
			}
		}
	}
	fence := max(seq, s.clock().Add(-settleAge).Truncate(settleTick).UnixMicro())
	// The places settled at once in this process share the write.
	_, err, _ = s.settles.Do(eventID+"#"+strconv.FormatInt(fence, 10), func() (any, error) {
		return nil, s.fence(ctx, eventID, fence)
	})
	return err
}

// fence raises an event's floor of arrival numbers to fence, unless it is
// there already: one conditional transaction.
func (s *Store) fence(ctx context.Context, eventID string, fence int64) error {
	return s.transact(ctx, "settle the waiting list of "+eventID, func(context.Context) (*write, error) {
		e, err := expression.NewBuilder().
			WithCondition(expression.Name(AttrPK).AttributeExists().And(expression.Name("waitlistSeq").LessThan(expression.Value(fence)))).
			WithUpdate(expression.Set(expression.Name("waitlistSeq"), expression.Value(fence))).Build()
		if err != nil {
			return nil, fmt.Errorf("settle: build: %w", err)
		}
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
			ConditionExpression: e.Condition(), UpdateExpression: e.Update(),
			ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}}, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) { // raised meanwhile (or the event is gone: nothing to count)
				return errAnswered
			}
			return nil
		}
		return w, nil
	})
}

// floor reads an event's floor of arrival numbers. Eventually consistent
// unless consistent: floors only rise, so a stale read errs low, never
// high (it costs a fence that was not needed).
func (s *Store) floor(ctx context.Context, eventID string, consistent bool) (int64, error) {
	var ev struct {
		WaitlistSeq int64 `json:"waitlistSeq"`
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
		ProjectionExpression: aws.String("waitlistSeq"), ConsistentRead: aws.Bool(consistent)})
	if err != nil {
		return 0, failure("read the waiting list's floor of "+eventID, err)
	}
	if err := unmarshal(out.Item, &ev); err != nil {
		return 0, fmt.Errorf("read the waiting list's floor of %s: %w", eventID, err)
	}
	return ev.WaitlistSeq, nil
}

func (s *Store) countAhead(ctx context.Context, eventID string, seq int64) (int, error) {
	kc := expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).
		And(expression.Key(AttrSK).Between(expression.Value(waitPrefix), expression.Value(seqKey(seq-1))))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return 0, fmt.Errorf("count waitlist: %w", err)
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ConsistentRead: aws.Bool(true), Select: types.SelectCount,
	})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, failure("count waitlist of "+eventID, err)
		}
		n += int(out.Count)
	}
	return n, nil
}

// Roster returns up to limit registrations of one list of an event (see
// convening.RosterQuery) after the registration afterID, and whether more
// follow: one query of the registrations index, whose sort keys put each
// list in its order (rosterKey). The index is eventually consistent: a
// change of the last moment may be missing. Waitlisted registrations get
// their positions from the first one's count of entries ahead.
//
// Errors: EINVALID if afterID is not a registration of the event that was
// ever in the list.
func (s *Store) Roster(ctx context.Context, eventID string, list convening.Status, afterID string, limit int) ([]convening.Registration, bool, error) {
	in := query{op: "roster of " + eventID, index: IndexGSI1, pageSize: int32(limit + 1),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrGSI1SK).BeginsWith(regPrefix + string(list) + "#"))}
	if afterID != "" {
		var after registrationItem
		found, err := s.getItem(ctx, regPrefix+afterID, skReg, &after)
		if err != nil {
			return nil, false, err
		}
		k, ok := after.rosterKeyIn(list)
		if !found || !ok || after.EventID != eventID {
			return nil, false, convening.InvalidFields("The roster query", convening.Field("cursor", convening.RuleCursor))
		}
		in.startKey = map[string]types.AttributeValue{
			AttrGSI1PK: str(eventPrefix + eventID), AttrGSI1SK: str(k), AttrPK: str(regPrefix + afterID), AttrSK: str(skReg),
		}
	}
	var regs []convening.Registration
	err := queryEach(ctx, s, in, func(it registrationItem) bool {
		regs = append(regs, it.registration())
		return len(regs) <= limit
	})
	if err != nil {
		return nil, false, err
	}
	more := len(regs) > limit
	regs = regs[:min(limit, len(regs))]
	if list == convening.StatusWaitlisted && len(regs) > 0 {
		ahead, err := s.countAhead(ctx, eventID, regs[0].WaitlistSeq)
		if err != nil {
			return nil, false, err
		}
		for i := range regs {
			p := ahead + i + 1
			regs[i].WaitlistPosition = &p
		}
	}
	return regs, more, nil
}

// OrganizationRegistrations returns an organization's registrations across
// events, oldest first (one query of gsi2 under the organization's key).
func (s *Store) OrganizationRegistrations(ctx context.Context, orgKey string) ([]convening.Registration, error) {
	var out []convening.Registration
	err := queryEach(ctx, s, query{op: "registrations of an organization", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(orgPrefix + orgKey)).
			And(expression.Key(AttrGSI2SK).BeginsWith(regPrefix))},
		func(it registrationItem) bool { out = append(out, it.registration()); return true })
	return out, err
}
