package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// Queued registration (convening/queue.go) in the table.
//
// Receiving a team writes, in one transaction that does not touch the
// event item, the organization's claim (as a direct registration does, so
// a second registration of the organization is refused at once), the
// registration in status received, and its place in line: an item under
// one of queueShards partition keys of the event, sorted by the time it was
// received. Nothing in that transaction is contended unless one
// organization registers twice at once, so receiving takes what the
// table's partitions take, not what one item does.
//
// One sequencer per event (a lease item) reads the lines in order, merging
// the shards by receipt time, and places up to
// convening.MaxPlacementsPerBatch registrations per transaction: one update
// of the event item (conditioned on the counters and rules as read), each
// registration (conditioned on being still received, unchanged), its
// waiting-list entry or released claim, its notice and audit record, and
// the deletion of its place in line. The table's stream tells the
// sequencer function of every new place in line; a sequencer already at
// work is rung instead (the lease item's rung flag), and looks again
// before it lets go.
//
// Items (pk / sk):
//
//	QUEUE#<event>#<shard> / QUEUE#<received at>#<id>   a registration in line
//	QUEUE#<event>         / SEQUENCER                   the sequencer's lease

const (
	queuePrefix = "QUEUE#"
	// skQueuePrefix starts every place in line's sort key: the sequencer
	// function's stream trigger selects them by it.
	skQueuePrefix = deploy.SortKeyQueuePrefix
	skSequencer   = "SEQUENCER"
	// queueShards spreads the places in line over this many partition
	// keys, so that receiving never meets one partition's write limit
	// (1,000 write units a second): at 333 teams a second, each gets
	// about 40.
	queueShards = 8
	// sequencerLease is how long a sequencer holds an event's line
	// without writing: each placement renews it. A sequencer that dies
	// holding it blocks the line this long.
	sequencerLease = 15 * time.Second
	// queueHintAge is how old the event a registration at a queued event
	// is checked against may be (registering reads it again past that).
	queueHintAge = 2 * time.Second
)

// seenEvent is the event as a store last learned it, and when.
type seenEvent struct {
	event *eventItem
	at    time.Time
}

// readEventHint reads the event for the register path's hint.
func (s *Store) readEventHint(ctx context.Context, eventID string) (*eventItem, error) {
	var ev eventItem
	found, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &ev)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, convening.ErrEventNotFound
	}
	s.lastSeen.Store(eventID, seenEvent{&ev, s.clock()})
	return &ev, nil
}

// queueItem is a registration's place in line.
type queueItem struct {
	PK             string `json:"pk"`
	SK             string `json:"sk"`
	EventID        string `json:"eventId"`
	RegistrationID string `json:"registrationId"`
	ReceivedAt     string `json:"receivedAt"`
}

func queueShardKey(eventID string, shard int) string {
	return queuePrefix + eventID + "#" + strconv.Itoa(shard)
}

// newQueueItem is the place in line of registration id, received at.
func newQueueItem(eventID, id string, at time.Time) queueItem {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return queueItem{PK: queueShardKey(eventID, int(h.Sum32()%queueShards)), SK: skQueuePrefix + fmtTime(at) + "#" + id,
		EventID: eventID, RegistrationID: id, ReceivedAt: fmtTime(at)}
}

// receiveItems builds the transaction that puts a team in line (see the
// top of this file): the organization's claim, the registration
// (received), its place in line, and with an Idempotency-Key the first
// answer. The event item is not in it.
func (s *Store) receiveItems(eventID string, a convening.Arrival, idem *convening.Idempotency) (*write, claimIndex, error) {
	reg := a.Registration
	var tx items
	idx := claimIndex{event: -1, idem: -1}
	var err error
	if idx.org, err = s.addClaim(&tx, eventID, reg.Organization, reg.ID); err != nil {
		return nil, idx, err
	}
	ri := newRegistrationItem(reg)
	regAV, err := marshal(ri)
	if err != nil {
		return nil, idx, err
	}
	tx.add(putIfAbsent(s.table, regAV), false)
	q, err := marshal(newQueueItem(eventID, reg.ID, reg.CreatedAt))
	if err != nil {
		return nil, idx, err
	}
	tx.add(putIfAbsent(s.table, q), false)
	if idx.idem, err = s.addFirstAnswer(&tx, idem, idemItem{Response: ri}, a.At); err != nil {
		return nil, idx, err
	}
	return tx.write(), idx, nil
}

// errLostLease ends a sequencer whose lease another has taken (it was
// away longer than sequencerLease).
var errLostLease = errors.New("the sequencer's lease was taken over")

// Sequence places the registrations in line at eventID (see
// convening.Sequencer).
func (s *Store) Sequence(ctx context.Context, eventID string, grace time.Duration, decide convening.PlacementDecision) (int, error) {
	owner := convening.NewID()
	held, err := s.takeSequencer(ctx, eventID, owner)
	if err != nil || !held {
		return 0, err
	}
	placed := 0
	for {
		if err := s.setRung(ctx, eventID, owner, false); err != nil {
			return placed, ignoreLost(err)
		}
		for {
			n, more, err := s.placeBatch(ctx, eventID, owner, s.clock().Add(-grace), decide)
			placed += n
			if err != nil {
				s.releaseSequencer(ctx, eventID, owner, true)
				return placed, ignoreLost(err)
			}
			if !more {
				break
			}
		}
		// Nothing is ready: wait for what is still within its grace.
		next, err := s.nextInLine(ctx, eventID)
		if err != nil {
			s.releaseSequencer(ctx, eventID, owner, true)
			return placed, err
		}
		if !next.IsZero() {
			wait := time.Until(next.Add(grace)) + time.Millisecond
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+answerMargin || !ok && wait > time.Minute {
				// No time to wait: let go, and say so, so that the stream
				// tries again (the sweep, within a minute, otherwise).
				s.releaseSequencer(ctx, eventID, owner, true)
				return placed, fmt.Errorf("sequence %s: registrations still in line: %w", eventID, errBusy)
			}
			if err := sleep(ctx, max(wait, 0)); err != nil {
				s.releaseSequencer(ctx, eventID, owner, true)
				return placed, err
			}
			continue
		}
		switch released, err := s.releaseSequencer(ctx, eventID, owner, false); {
		case err != nil:
			return placed, ignoreLost(err)
		case released:
			return placed, nil
		}
		// Rung while it looked: look again.
	}
}

func ignoreLost(err error) error {
	if errors.Is(err, errLostLease) {
		return nil // another sequencer carries on
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// placeBatch places the first registrations in line that were received
// before readyBefore, in one transaction. It reports how many it placed
// and whether it found any in line (so that the caller looks again).
func (s *Store) placeBatch(ctx context.Context, eventID, owner string, readyBefore time.Time, decide convening.PlacementDecision) (placed int, found bool, err error) {
	err = s.transact(ctx, "place the registrations in line at "+eventID, func(ctx context.Context) (*write, error) {
		line, err := s.readyInLine(ctx, eventID, readyBefore, convening.MaxPlacementsPerBatch)
		if err != nil || len(line) == 0 {
			found = false
			return nil, err
		}
		regs, err := s.registrationsInLine(ctx, line)
		if err != nil {
			return nil, err
		}
		var ev eventItem
		ok, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, convening.ErrEventNotFound
		}
		var received []convening.Registration
		for _, q := range line {
			if it, ok := regs[q.RegistrationID]; ok && it.Status == string(convening.StatusReceived) {
				received = append(received, it.registration())
			}
		}
		var placements []convening.Placement
		after := ev.event()
		if len(received) > 0 {
			in := ev.event()
			if ev.WaitlistJoins > 0 {
				// Teams that joined by registering directly (before the event
				// was queued) may sit above the floor (register.go): place
				// after the last of them.
				tail, err := s.lastWaiting(ctx, eventID)
				if err != nil {
					return nil, err
				}
				if tail != nil {
					in.WaitlistSeq = max(in.WaitlistSeq, tail.Seq)
				}
			}
			placements, after = decide(in, received)
		}
		w, err := s.placementItems(eventID, owner, ev, after, line, regs, placements)
		if err != nil {
			return nil, err
		}
		w.committed = func() bool {
			placed, found = len(placements), true
			return false
		}
		return w, nil
	})
	if errors.Is(err, errLostLease) {
		return 0, false, err
	}
	return placed, found, err
}

// readyInLine reads the first limit registrations in line at eventID that
// were received before readyBefore, in order of receipt: the first limit
// of each shard (strongly consistent queries, at once), merged.
func (s *Store) readyInLine(ctx context.Context, eventID string, readyBefore time.Time, limit int) ([]queueItem, error) {
	shards := make([][]queueItem, queueShards)
	errs := make([]error, queueShards)
	var wg sync.WaitGroup
	for k := range queueShards {
		wg.Go(func() {
			q := query{op: "line of " + eventID, consistent: true, pageSize: int32(limit),
				key: expression.Key(AttrPK).Equal(expression.Value(queueShardKey(eventID, k))).
					And(expression.Key(AttrSK).Between(expression.Value(skQueuePrefix), expression.Value(skQueuePrefix+fmtTime(readyBefore)+"~")))}
			errs[k] = queryEach(ctx, s, q, func(it queueItem) bool {
				shards[k] = append(shards[k], it)
				return len(shards[k]) < limit
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	line := slices.Concat(shards...)
	slices.SortFunc(line, func(a, b queueItem) int {
		switch {
		case a.SK < b.SK:
			return -1
		case a.SK > b.SK:
			return 1
		}
		return 0
	})
	return line[:min(limit, len(line))], nil
}

// nextInLine returns when the earliest registration still in line at
// eventID was received; zero if the line is empty.
func (s *Store) nextInLine(ctx context.Context, eventID string) (time.Time, error) {
	line, err := s.readyInLine(ctx, eventID, convening.LatestTime, 1)
	if err != nil || len(line) == 0 {
		return time.Time{}, err
	}
	return parseTime(line[0].ReceivedAt), nil
}

// registrationsInLine reads the registrations of line (one strongly
// consistent BatchGetItem), by id.
func (s *Store) registrationsInLine(ctx context.Context, line []queueItem) (map[string]registrationItem, error) {
	keys := make([]map[string]types.AttributeValue, len(line))
	for i, q := range line {
		keys[i] = key(regPrefix+q.RegistrationID, skReg)
	}
	out := make(map[string]registrationItem, len(line))
	for len(keys) > 0 {
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err != nil {
			return nil, failure("read the registrations in line", err)
		}
		for _, m := range res.Responses[s.table] {
			var it registrationItem
			if err := unmarshal(m, &it); err != nil {
				return nil, fmt.Errorf("read the registrations in line: %w", err)
			}
			out[it.ID] = it
		}
		keys = res.UnprocessedKeys[s.table].Keys
	}
	return out, nil
}

// placementItems builds a placement's transaction: the event (its counts
// and rules as read), the sequencer's lease (still ours; renewed), each
// placed registration (still received, as read) with its waiting-list
// entry or released claim, notice and audit record, and the deletion of
// every place in line read (those no longer received are merely removed).
func (s *Store) placementItems(eventID, owner string, ev eventItem, after convening.Event, line []queueItem,
	regs map[string]registrationItem, placements []convening.Placement) (*write, error) {
	now := s.clock()
	var tx items
	if len(placements) > 0 {
		var delta convening.Counts
		for _, p := range placements {
			delta = delta.Plus(p.Counts)
		}
		cond := expression.Name("seatsLeft").Equal(expression.Value(ev.SeatsLeft)).
			And(expression.Name("waitlistLength").Equal(expression.Value(ev.WaitlistLength))).
			And(expression.Name("waitlistSeq").Equal(expression.Value(ev.WaitlistSeq))).
			And(expression.Name("registrationOpensAt").Equal(expression.Value(ev.RegistrationOpensAt))).
			And(expression.Name("registrationClosesAt").Equal(expression.Value(ev.RegistrationClosesAt))).
			And(expression.Name("maxTeamSize").Equal(expression.Value(ev.MaxTeamSize))).
			And(rolesKeyIs(ev.RequiredRolesKey)).
			And(attrAsRead("admission", ev.Admission)).
			// Placed teams are invoiced only if the event as read has a
			// fee policy (convening.Event.NoFeePolicy).
			And(attrAsRead("fees", ev.Fees)).
			And(joinsAsRead(ev.WaitlistJoins))
		upd := countsUpdate(delta, fmtTime(now))
		if after.WaitlistSeq != ev.WaitlistSeq {
			upd = upd.Set(expression.Name("waitlistSeq"), expression.Value(after.WaitlistSeq))
		}
		expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
		if err != nil {
			return nil, fmt.Errorf("place: build event update: %w", err)
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}}, true)
	}
	lease := tx.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(queuePrefix+eventID, skSequencer),
		ConditionExpression:       aws.String("#owner = :me"),
		UpdateExpression:          aws.String("SET #until = :until"),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner", "#until": "leaseUntil"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":me": str(owner), ":until": str(fmtTime(now.Add(sequencerLease)))},
	}}, false)
	for _, p := range placements {
		r := p.Registration
		before := regs[r.ID]
		item, err := marshal(newRegistrationItem(r))
		if err != nil {
			return nil, err
		}
		tx.add(types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression:       aws.String("#status = :received AND #updatedAt = :updatedAt"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#updatedAt": "updatedAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":received": str(string(convening.StatusReceived)), ":updatedAt": str(before.UpdatedAt)},
		}}, true)
		switch r.Status {
		case convening.StatusWaitlisted:
			w, err := marshal(waitItem{PK: eventPrefix + eventID, SK: seqKey(r.WaitlistSeq),
				RegistrationID: r.ID, Seats: r.Seats, Seq: r.WaitlistSeq, Organization: r.Organization.Name})
			if err != nil {
				return nil, err
			}
			tx.add(putIfAbsent(s.table, w), false)
		case convening.StatusRefused:
			tx.add(types.TransactWriteItem{Delete: &types.Delete{
				TableName: aws.String(s.table), Key: key(eventPrefix+eventID, orgPrefix+before.OrgKey),
				ConditionExpression:       aws.String("#reg = :reg"),
				ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":reg": str(r.ID)},
			}}, false) // held while the registration is as read
		}
		n, err := marshal(newSpecItem(p.Notice, eventID, now))
		if err != nil {
			return nil, err
		}
		tx.add(putIfAbsent(s.table, n), false)
		a, err := s.auditPut(p.Audit)
		if err != nil {
			return nil, err
		}
		tx.add(a, false)
	}
	for _, q := range line {
		tx.add(types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(q.PK, q.SK)}}, false)
	}
	w := tx.write()
	w.answer = func(c cancellation) error {
		if c.failed(lease) {
			return errLostLease
		}
		return nil
	}
	return w, nil
}

// attrAsRead is the condition that attribute name is as read: v, or
// absent if v is "".
func attrAsRead(name, v string) expression.ConditionBuilder {
	if v == "" {
		return expression.Name(name).AttributeNotExists()
	}
	return expression.Name(name).Equal(expression.Value(v))
}

// takeSequencer takes eventID's lease for owner, if nobody holds it; if
// another sequencer does, it rings it (so that it looks again before it
// lets go) and reports false.
func (s *Store) takeSequencer(ctx context.Context, eventID, owner string) (bool, error) {
	var pace Backoff
	for range MaxAttempts {
		now := s.clock()
		err := s.updateLease(ctx, eventID, "SET #owner = :me, #until = :until, #rung = :false",
			"attribute_not_exists(#owner) OR #until < :now",
			map[string]types.AttributeValue{":me": str(owner), ":until": str(fmtTime(now.Add(sequencerLease))),
				":now": str(fmtTime(now)), ":false": &types.AttributeValueMemberBOOL{Value: false}})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &ccf):
			err = s.updateLease(ctx, eventID, "SET #rung = :true", "attribute_exists(#owner) AND #until >= :now",
				map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":now": str(fmtTime(now))})
			if err == nil {
				return false, nil
			}
			if !errors.As(err, &ccf) && !isConflict(err) {
				return false, failure("ring the sequencer of "+eventID, err)
			}
			// Let go meanwhile: take it.
		case !isConflict(err):
			return false, failure("take the sequencer of "+eventID, err)
		}
		if err := pace.Wait(ctx); err != nil {
			return false, err
		}
	}
	return false, errBusy
}

// setRung sets or clears the rung flag of owner's lease.
func (s *Store) setRung(ctx context.Context, eventID, owner string, rung bool) error {
	var pace Backoff
	for range MaxAttempts {
		err := s.updateLease(ctx, eventID, "SET #rung = :rung", "#owner = :me",
			map[string]types.AttributeValue{":me": str(owner), ":rung": &types.AttributeValueMemberBOOL{Value: rung}})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ccf):
			return errLostLease
		case !isConflict(err):
			return failure("the sequencer's lease of "+eventID, err)
		}
		if err := pace.Wait(ctx); err != nil {
			return err
		}
	}
	return errBusy
}

// releaseSequencer lets go of owner's lease: if force, whatever happened;
// else only if nobody rang since it last looked (it reports false then,
// and the caller looks again).
func (s *Store) releaseSequencer(ctx context.Context, eventID, owner string, force bool) (bool, error) {
	if force {
		// Best effort, on a context of its own: the caller's may be over.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = s.updateLease(ctx, eventID, "REMOVE #owner", "#owner = :me", map[string]types.AttributeValue{":me": str(owner)})
		return true, nil
	}
	var pace Backoff
	for range MaxAttempts {
		err := s.updateLease(ctx, eventID, "REMOVE #owner", "#owner = :me AND #rung = :false",
			map[string]types.AttributeValue{":me": str(owner), ":false": &types.AttributeValueMemberBOOL{Value: false}})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &ccf):
			var old struct {
				Owner string `json:"owner"`
			}
			if ccf.Item != nil {
				_ = unmarshal(ccf.Item, &old)
			}
			if old.Owner != owner {
				return false, errLostLease
			}
			return false, nil
		case !isConflict(err):
			return false, failure("let go of the sequencer of "+eventID, err)
		}
		if err := pace.Wait(ctx); err != nil {
			return false, err
		}
	}
	return false, errBusy
}

// updateLease runs one conditional update of eventID's lease item.
func (s *Store) updateLease(ctx context.Context, eventID, update, cond string, values map[string]types.AttributeValue) error {
	names := map[string]string{"#owner": "owner", "#until": "leaseUntil", "#rung": "rung"}
	used := map[string]string{}
	for k, v := range names {
		if strings.Contains(update, k) || strings.Contains(cond, k) {
			used[k] = v
		}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(queuePrefix+eventID, skSequencer),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: used, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}
