package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
)

// Seat pools: the second design measured for the large event, as a
// prototype in the benchmark only (the product builds the queued path).
// The capacity is split over poolCount counter items; a registration
// takes its seats from one pool in one transaction, trying the pools in a
// random order, so concurrent registrations meet on different items and
// the seat-taking phase runs up to poolCount times one item's rate. A
// team no pool fits joins the one waiting list (the waiting-list item,
// with today's arrival-number condition). A rebalancer promotes from the
// waiting list into the seats the pools have left, gathering them from
// several pools in one transaction.
//
// What it gives up, measured below: arrival order. A seat-taking
// transaction cannot also require that nobody waits (every one would read
// the waiting-list item, and contend on it again), so a later team that
// fits a pool gets seats while an earlier team that fitted none waits: the
// "fill" policy, and teams overtaken by teams arriving seconds later. And
// the waiting list, where most teams of an oversubscribed event end, is
// still one item.

// poolCount is the number of seat pools.
const poolCount = 8

// poolRush registers teams through the pools prototype (raw DynamoDB
// transactions through v, each carrying what a registration writes), with
// the rebalancer running alongside, then checks its own invariants:
// capacity never exceeded (the pools' seats left plus the seats taken
// equal the capacity), every team stored once, the waiting list's entries
// and length equal the waitlisted teams, and no waitlisted team fits the
// seats left (after a last rebalance).
func poolRush(ctx context.Context, l *lab, v via, name string, clients, teams, capacity int) (*rushResult, error) {
	table, err := l.newTable(ctx, "pools")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	calls := newCallCounter()
	p := &pools{table: table, db: dynamodb.NewFromConfig(localaws.Config(), localaws.DynamoDBEndpoint(v.endpoint(l)), calls.option),
		capacity: capacity}
	if err := p.create(ctx, l.client); err != nil {
		return nil, err
	}
	run := fmt.Sprintf("p%d", time.Now().UnixNano())
	sizes := make([]int, teams)
	for i := range sizes {
		sizes[i] = teamSize(i)
	}
	rctx, stopRebalancer := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for rctx.Err() == nil {
			_, _ = p.rebalance(rctx)
			_ = sleepCtx(rctx, 100*time.Millisecond)
		}
	})
	outcomes := make([]poolOutcome, teams)
	r, err := rush(clients, teams, func(i int) error {
		ctx, cancel := v.deadline(ctx)
		defer cancel()
		o, err := p.register(ctx, run, i, sizes[i])
		outcomes[i] = o
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, convening.ErrBusy) {
			return nil // a 503
		}
		return err
	})
	stopRebalancer()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	// The last rebalance: what the rush left free goes to those who fit.
	for {
		n, err := p.rebalance(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	res := &rushResult{name: name, run: r, calls: calls.take(), capacity: capacity, hold: v.hold(), teams: teams,
		byState: map[string]latencies{}, statuses: map[int]int{}}
	if v.proxy != nil {
		res.conflicts = v.proxy.Stats()
	}
	for i, o := range outcomes {
		switch o.state {
		case "registered", "waitlisted":
			res.statuses[http.StatusCreated]++
			res.byState[o.state] = append(res.byState[o.state], r.lat[i])
		default:
			res.statuses[http.StatusServiceUnavailable]++
		}
	}
	final, problems, err := p.check(ctx, l.client, teams, sizes)
	if err != nil {
		return nil, err
	}
	res.problems = problems
	res.checked = fmt.Sprintf("%d registrations (%d registered, %d waitlisted), %d of %d seats, %d pools",
		final.registered+final.waitlisted, final.registered, final.waitlisted, final.taken, capacity, poolCount)
	res.overtaken = overtaken(r.began, final.outcome)
	res.ordered = true
	return res, nil
}

// pools is the prototype's table.
type pools struct {
	table    string
	db       *dynamodb.Client
	capacity int
	// full is the hint that every pool was found full: later teams go
	// straight to the waiting list (a stale hint costs nothing but seats
	// the rebalancer then hands out).
	full atomic.Bool
}

// poolOutcome is what a team was told.
type poolOutcome struct{ state string }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func pkey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{deploy.AttrPK: s(pk), deploy.AttrSK: s(sk)}
}

func (p *pools) create(ctx context.Context, db *dynamodb.Client) error {
	for k := range poolCount {
		share := p.capacity / poolCount
		if k < p.capacity%poolCount {
			share++
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(p.table), Item: map[string]types.AttributeValue{
			deploy.AttrPK: s("POOL#" + strconv.Itoa(k)), deploy.AttrSK: s("POOL"), "seatsLeft": num(int64(share)), "seatsTaken": num(0)}}); err != nil {
			return err
		}
	}
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(p.table), Item: map[string]types.AttributeValue{
		deploy.AttrPK: s("WL"), deploy.AttrSK: s("WL"), "waitlistSeq": num(0), "waitlistLength": num(0)}})
	return err
}

// teamItems are what a registration writes besides the counter: the
// registration, the organization's claim (under one partition key, as
// the real schema keeps them) and the notice.
func (p *pools) teamItems(run string, i, seats int, state string, seq int64) []types.TransactWriteItem {
	team := teamOf(run, i)
	reg, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "PREG#" + strconv.Itoa(i), deploy.AttrSK: "REG", "team": i,
		"status": state, "seats": seats, "seq": seq, "organization": team.Organization, "contact": team.Contact, "members": team.Members})
	claim, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "PEVENT", deploy.AttrSK: "ORG#" + strconv.Itoa(i)})
	notice, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "PNOTICE#" + strconv.Itoa(i), deploy.AttrSK: "NOTICE", "kind": state})
	var out []types.TransactWriteItem
	for _, it := range []map[string]types.AttributeValue{reg, claim, notice} {
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(p.table), Item: it,
			ConditionExpression: aws.String("attribute_not_exists(" + deploy.AttrPK + ")")}})
	}
	return out
}

// register takes seats from the first pool that has them, in a random
// order, or puts the team on the waiting list; it retries conflicts with
// the store's backoff until the context ends.
func (p *pools) register(ctx context.Context, run string, i, seats int) (poolOutcome, error) {
	var pace dynamostore.Backoff
	first := rand.IntN(poolCount)
	for k := 0; k < poolCount && !p.full.Load(); {
		pool := (first + k) % poolCount
		tx := append([]types.TransactWriteItem{{Update: &types.Update{TableName: aws.String(p.table), Key: pkey("POOL#"+strconv.Itoa(pool), "POOL"),
			ConditionExpression: aws.String("seatsLeft >= :s"), UpdateExpression: aws.String("ADD seatsLeft :neg, seatsTaken :s"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": num(int64(seats)), ":neg": num(-int64(seats))}}}},
			p.teamItems(run, i, seats, "registered", 0)...)
		_, err := p.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
		var tce *types.TransactionCanceledException
		switch {
		case err == nil:
			return poolOutcome{"registered"}, nil
		case !errors.As(err, &tce):
			return poolOutcome{}, err
		case aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed":
			k++ // this pool cannot fit the team: the next one
			continue
		}
		if err := pace.Wait(ctx); err != nil { // a conflict: again, after a pause
			return poolOutcome{}, err
		}
	}
	p.full.Store(true)
	var last int64
	for {
		seq := max(time.Now().UnixMicro(), last+1)
		tx := append([]types.TransactWriteItem{{Update: &types.Update{TableName: aws.String(p.table), Key: pkey("WL", "WL"),
			ConditionExpression: aws.String("waitlistSeq < :n"), UpdateExpression: aws.String("SET waitlistSeq = :n ADD waitlistLength :one"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":n": num(seq), ":one": num(1)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
			{Put: &types.Put{TableName: aws.String(p.table), Item: map[string]types.AttributeValue{deploy.AttrPK: s("WL"),
				deploy.AttrSK: s(fmt.Sprintf("WAIT#%019d", seq)), "team": num(int64(i)), "seats": num(int64(seats)), "seq": num(seq)}}}},
			p.teamItems(run, i, seats, "waitlisted", seq)...)
		_, err := p.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
		var tce *types.TransactionCanceledException
		switch {
		case err == nil:
			return poolOutcome{"waitlisted"}, nil
		case !errors.As(err, &tce):
			return poolOutcome{}, err
		case aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed":
			var wl struct {
				Seq int64 `dynamodbav:"waitlistSeq"`
			}
			_ = attributevalue.UnmarshalMap(tce.CancellationReasons[0].Item, &wl)
			last = wl.Seq
			continue // a lost race on the arrival number: at once, higher
		}
		if err := pace.Wait(ctx); err != nil {
			return poolOutcome{}, err
		}
	}
}

// rebalance promotes waitlisted teams, in arrival order, that fit the
// seats the pools have left between them (the fill policy: one that does
// not fit is passed over), up to 10 teams per transaction, gathering each
// team's seats from as many pools as it takes, every pool conditioned on
// its seats as read. It returns how many it promoted.
func (p *pools) rebalance(ctx context.Context) (int, error) {
	left := make([]int, poolCount)
	for k := range poolCount {
		out, err := p.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(p.table), Key: pkey("POOL#"+strconv.Itoa(k), "POOL"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, err
		}
		var pool struct {
			SeatsLeft int `dynamodbav:"seatsLeft"`
		}
		if err := attributevalue.UnmarshalMap(out.Item, &pool); err != nil {
			return 0, err
		}
		left[k] = pool.SeatsLeft
	}
	free := 0
	for _, n := range left {
		free += n
	}
	if free == 0 {
		return 0, nil
	}
	waiting, err := p.waitlist(ctx)
	if err != nil {
		return 0, err
	}
	after := append([]int(nil), left...)
	var tx []types.TransactWriteItem
	promoted := 0
	for _, w := range waiting {
		if w.Seats > free || promoted == 10 {
			continue
		}
		need := w.Seats
		for k := range after {
			take := min(need, after[k])
			after[k] -= take
			need -= take
		}
		free -= w.Seats
		promoted++
		tx = append(tx,
			types.TransactWriteItem{Update: &types.Update{TableName: aws.String(p.table), Key: pkey("PREG#"+strconv.Itoa(w.Team), "REG"),
				ConditionExpression: aws.String("#st = :w"), UpdateExpression: aws.String("SET #st = :r"),
				ExpressionAttributeNames:  map[string]string{"#st": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":w": s("waitlisted"), ":r": s("registered")}}},
			types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(p.table), Key: pkey("WL", fmt.Sprintf("WAIT#%019d", w.Seq)),
				ConditionExpression: aws.String("attribute_exists(" + deploy.AttrPK + ")")}})
	}
	if promoted == 0 {
		return 0, nil
	}
	for k := range left {
		if after[k] != left[k] {
			tx = append(tx, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(p.table), Key: pkey("POOL#"+strconv.Itoa(k), "POOL"),
				ConditionExpression: aws.String("seatsLeft = :was"), UpdateExpression: aws.String("SET seatsLeft = :now ADD seatsTaken :took"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":was": num(int64(left[k])), ":now": num(int64(after[k])),
					":took": num(int64(left[k] - after[k]))}}})
		}
	}
	tx = append(tx, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(p.table), Key: pkey("WL", "WL"),
		UpdateExpression: aws.String("ADD waitlistLength :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(-int64(promoted))}}})
	if _, err := p.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx}); err != nil {
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			return 0, nil // a pool moved, or a conflict: the next round reads again
		}
		return 0, err
	}
	return promoted, nil
}

type poolWaiter struct {
	Team  int   `dynamodbav:"team"`
	Seats int   `dynamodbav:"seats"`
	Seq   int64 `dynamodbav:"seq"`
}

// waitlist reads the waiting list in arrival order (strongly consistent).
func (p *pools) waitlist(ctx context.Context) ([]poolWaiter, error) {
	var out []poolWaiter
	pg := dynamodb.NewQueryPaginator(p.db, &dynamodb.QueryInput{TableName: aws.String(p.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("#pk = :wl AND begins_with(#sk, :wait)"),
		ExpressionAttributeNames:  map[string]string{"#pk": deploy.AttrPK, "#sk": deploy.AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":wl": s("WL"), ":wait": s("WAIT#")}})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		var ws []poolWaiter
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &ws); err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	return out, nil
}

// poolState is the prototype's table at rest.
type poolState struct {
	registered, waitlisted, taken int
	// outcome is per team: 0 not stored, -1 registered, else its arrival
	// number on the waiting list.
	outcome []int64
}

// check reads the whole table (strongly consistent) and judges it.
func (p *pools) check(ctx context.Context, db *dynamodb.Client, teams int, sizes []int) (poolState, []string, error) {
	st := poolState{outcome: make([]int64, teams)}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	scan := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(p.table), ConsistentRead: aws.Bool(true)})
	poolLeft, poolTaken, wlLength := 0, 0, 0
	entries := map[int]int64{}
	for scan.HasMorePages() {
		page, err := scan.NextPage(ctx)
		if err != nil {
			return st, nil, err
		}
		for _, m := range page.Items {
			var it struct {
				PK             string `dynamodbav:"pk"`
				SK             string `dynamodbav:"sk"`
				Team           int    `dynamodbav:"team"`
				Status         string `dynamodbav:"status"`
				Seats          int    `dynamodbav:"seats"`
				Seq            int64  `dynamodbav:"seq"`
				SeatsLeft      int    `dynamodbav:"seatsLeft"`
				SeatsTaken     int    `dynamodbav:"seatsTaken"`
				WaitlistLength int    `dynamodbav:"waitlistLength"`
			}
			if err := attributevalue.UnmarshalMap(m, &it); err != nil {
				return st, nil, err
			}
			switch {
			case it.SK == "POOL":
				poolLeft += it.SeatsLeft
				poolTaken += it.SeatsTaken
			case it.PK == "WL" && it.SK == "WL":
				wlLength = it.WaitlistLength
			case it.PK == "WL":
				entries[it.Team] = it.Seq
			case it.SK == "REG":
				switch it.Status {
				case "registered":
					st.registered++
					st.taken += it.Seats
					st.outcome[it.Team] = -1
				case "waitlisted":
					st.waitlisted++
					st.outcome[it.Team] = it.Seq
					if entries[it.Team] != 0 && entries[it.Team] != it.Seq {
						bad("team %d: entry %d, registration %d", it.Team, entries[it.Team], it.Seq)
					}
				}
			}
		}
	}
	if poolLeft+st.taken != p.capacity || poolTaken != st.taken {
		bad("pools: %d seats left and %d taken by the pools' count, %d by the registrations, of %d", poolLeft, poolTaken, st.taken, p.capacity)
	}
	if st.taken > p.capacity {
		bad("over capacity: %d of %d", st.taken, p.capacity)
	}
	if len(entries) != st.waitlisted || wlLength != st.waitlisted {
		bad("%d waiting-list entries and a length of %d for %d waitlisted teams", len(entries), wlLength, st.waitlisted)
	}
	for team, seq := range entries {
		if st.outcome[team] != seq {
			bad("team %d has a waiting-list entry but is not waitlisted under it", team)
		}
	}
	for team := range teams {
		if st.outcome[team] > 0 && sizes[team] <= poolLeft {
			bad("team %d (%d) waits while %d seats are left", team, sizes[team], poolLeft)
			break
		}
	}
	return st, problems, nil
}

// overtaken counts the teams a team that began more than orderGrace later
// got ahead of: seats while they wait, or an earlier place on the list.
// outcome is per team as in poolState.
func overtaken(began []time.Time, outcome []int64) int {
	idx := make([]int, 0, len(outcome))
	for i, o := range outcome {
		if o != 0 {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return began[idx[a]].After(began[idx[b]]) })
	n, later, anyRegistered, minSeq := 0, 0, false, int64(-1)
	for _, i := range idx {
		for later < len(idx) && began[idx[later]].After(began[i].Add(orderGrace)) {
			if o := outcome[idx[later]]; o < 0 {
				anyRegistered = true
			} else if minSeq < 0 || o < minSeq {
				minSeq = o
			}
			later++
		}
		if outcome[i] > 0 && (anyRegistered || minSeq >= 0 && minSeq < outcome[i]) {
			n++
		}
	}
	return n
}
