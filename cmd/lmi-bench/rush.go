package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localaws/conflicts"
)

// functionTimeout is the HTTP functions' timeout in the CDK app
// (infra/stack.go): Lambda ends an invocation there, and the store gives up
// retrying in time to answer 503 before it (dynamostore's backoff).
const functionTimeout = 10 * time.Second

// via is where a rush's requests go: straight to DynamoDB Local, or through
// a proxy that gives it DynamoDB's transaction conflicts.
type via struct {
	proxy *conflicts.Proxy // nil: DynamoDB Local alone
}

// endpoint is the DynamoDB endpoint the rushed clients use.
func (v via) endpoint(l *lab) string {
	if v.proxy == nil {
		return l.dynamoURL
	}
	return v.proxy.Endpoint()
}

// deadline gives a call the function's timeout under conflicts, and none
// on DynamoDB Local alone (see handlerRush).
func (v via) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if v.proxy == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, functionTimeout)
}

// hold is the modelled transaction's hold on its items; 0 without conflicts.
func (v via) hold() time.Duration {
	if v.proxy == nil {
		return 0
	}
	return v.proxy.Options().Hold
}

// rushResult is one registration rush: how fast, what the teams were told,
// what it cost in DynamoDB requests, and whether the table is still right.
type rushResult struct {
	name     string
	floor    floorShape // which floor this is, notFloor for the paths
	run      run
	byState  map[string]latencies // "registered", "waitlisted"
	answers  []registration
	calls    callCounts
	retries  int      // raw only: transactions retried after a conflict
	problems []string // invariant violations and bad answers
	checked  string   // what the invariant check covered
	capacity int
	rounds   int // merged rounds beyond the first
	// hold is the modelled transaction hold (0: DynamoDB Local alone), and
	// conflicts what the proxy counted: committed, cancelled for a conflict,
	// cancelled by a condition.
	hold      time.Duration
	conflicts conflicts.Stats
	// statuses counts the answers by HTTP status (the floor: 200 committed,
	// 503 gave up).
	statuses map[int]int
	// lost is the teams answered 503 for running out of time whose
	// registration DynamoDB committed all the same (see checkRush).
	lost int
	// unplaced is the waitlisted teams told no position (see checkRush).
	unplaced int

	// The large event's measures (large.go). teams is how many asked;
	// accepted how many were answered 202 (queued); seqCalls the
	// sequencer's DynamoDB requests; decidedIn the time from the first
	// request to the last placement (0: as the answers came); decided the
	// time from each request to its placement; overtaken the teams a team
	// arriving more than a second later got ahead of (judgeOrder; ordered
	// says it was judged).
	teams, accepted int
	seqCalls        callCounts
	decidedIn       time.Duration
	decided         latencies
	overtaken       int
	ordered         bool
}

func (r *rushResult) count(state string) int { return len(r.byState[state]) }

// merge adds another round of the same rush: rates over the rounds'
// total time, latencies pooled, requests and problems summed.
func (r *rushResult) merge(o *rushResult) {
	r.run.ops += o.run.ops
	r.run.elapsed += o.run.elapsed
	r.run.lat = append(r.run.lat, o.run.lat...)
	for st, l := range o.byState {
		r.byState[st] = append(r.byState[st], l...)
	}
	if r.calls != nil {
		for op, n := range o.calls {
			r.calls[op] += n
		}
	}
	r.retries += o.retries
	c, oc := &r.conflicts, o.conflicts
	c.Transactions += oc.Transactions
	c.Committed += oc.Committed
	c.Conflicts += oc.Conflicts
	c.Cancelled += oc.Cancelled
	c.WriteConflicts += oc.WriteConflicts
	c.ReadConflicts += oc.ReadConflicts
	for st, n := range o.statuses {
		r.statuses[st] += n
	}
	r.lost += o.lost
	r.unplaced += o.unplaced
	r.teams += o.teams
	r.accepted += o.accepted
	r.decidedIn += o.decidedIn
	r.decided = append(r.decided, o.decided...)
	r.overtaken += o.overtaken
	if r.seqCalls != nil {
		for op, n := range o.seqCalls {
			r.seqCalls[op] += n
		}
	}
	r.problems = append(r.problems, o.problems...)
	r.answers = nil
	r.rounds++
}

// handlerRush registers teams 0..teams-1 for a new event through the
// register function's handler in-process (decode, validate, store,
// respond), from clients concurrent callers, then checks the table. The
// register function's client goes through v; the event is created and the
// table checked straight on DynamoDB Local. Under conflicts each call has
// the function's timeout, as Lambda gives it, so the store gives up as it
// would in AWS; on DynamoDB Local alone calls have no deadline, so that
// its own slowness on a loaded machine (seconds at p99) does not turn into
// refusals.
func handlerRush(ctx context.Context, l *lab, v via, name string, clients, teams, capacity int) (*rushResult, error) {
	table, err := l.newTable(ctx, "rush")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	eventID := "rush"
	if err := l.createEvent(ctx, table, eventID, capacity); err != nil {
		return nil, err
	}
	calls := newCallCounter()
	fn, err := l.apiAt(ctx, deploy.Register, table, v.endpoint(l), calls.option)
	if err != nil {
		return nil, err
	}
	run := fmt.Sprintf("h%d", time.Now().UnixNano())
	bodies := teamBodies(run, teams)
	answers := make([]registration, teams)
	r, err := rush(clients, teams, func(i int) error {
		ctx, cancel := v.deadline(ctx)
		defer cancel()
		resp, err := fn(ctx, register(eventID, bodies[i], nil))
		if err != nil {
			return err
		}
		answers[i] = parseRegistration(resp.StatusCode, []byte(resp.Body))
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &rushResult{name: name, run: r, answers: answers, calls: calls.take(), capacity: capacity, hold: v.hold()}
	if v.proxy != nil {
		res.conflicts = v.proxy.Stats()
	}
	if err := askPlaces(ctx, l, table, answers); err != nil {
		return nil, err
	}
	res.classify()
	contacts := make([]string, teams)
	for i := range contacts {
		contacts[i] = teamOf(run, i).Contact.Email
	}
	st, problems, checked, lost, unplaced, err := checkRush(ctx, l, table, eventID, answers, contacts)
	if err != nil {
		return nil, err
	}
	res.problems, res.checked, res.lost, res.unplaced = append(res.problems, problems...), checked, lost, unplaced
	res.teams = teams
	res.judgeOrder(st, contacts, false)
	return res, nil
}

// askPlaces reads, after the rush, the status of every team answered
// "waitlisted" with no place, or "received" (in line at a queued event,
// 202), as the team would on its page: registering tells no place on the
// waiting list (one transaction cannot return it), and a queued event
// tells the outcome later. It fills in what the status tells (state and
// position; a received team's answer then counts as answered, 201), which
// checkRush holds against the final table like any other answer. The
// reads go straight to DynamoDB Local, untimed.
func askPlaces(ctx context.Context, l *lab, table string, answers []registration) error {
	status, err := l.api(ctx, deploy.Registration, table)
	if err != nil {
		return err
	}
	for i, a := range answers {
		received := a.status == http.StatusAccepted && a.state == "received"
		if !received && (a.status != http.StatusCreated || a.state != "waitlisted" || a.position != 0) {
			continue
		}
		resp, err := status(ctx, apitest.Request("GET /api/registrations/{registrationId}", map[string]string{"registrationId": a.id},
			map[string]string{"Authorization": "Bearer " + a.token}, ""))
		if err != nil {
			return err
		}
		got := parseRegistration(resp.StatusCode, []byte(resp.Body))
		switch {
		case got.status != http.StatusOK:
		case received:
			answers[i].status, answers[i].state, answers[i].position, answers[i].later = http.StatusCreated, got.state, got.position, true
		case got.state == a.state:
			answers[i].position = got.position
		}
	}
	return nil
}

// classify splits the latencies by the answer, counts the answers by
// status and notes bad answers. Under DynamoDB's conflicts a 503 (busy:
// the store lost every attempt before the function's timeout) is the
// designed answer to more contention than one item takes, so it is counted
// and shown, not called a violation; on DynamoDB Local alone it would be.
func (r *rushResult) classify() {
	r.byState = map[string]latencies{}
	r.statuses = map[int]int{}
	for i, a := range r.answers {
		r.statuses[a.status]++
		if a.status != http.StatusCreated {
			if a.status != http.StatusServiceUnavailable || r.hold == 0 {
				r.problems = append(r.problems, fmt.Sprintf("team %d: %d %s", i, a.status, a.problem))
			}
			continue
		}
		r.byState[a.state] = append(r.byState[a.state], r.run.lat[i])
	}
}

// succeededPerSecond is the rate of the registrations that succeeded
// (201 from the handler, a commit on the floor).
func (r *rushResult) succeededPerSecond() float64 {
	if r.run.elapsed <= 0 {
		return 0
	}
	return float64(r.statuses[http.StatusCreated]+r.statuses[http.StatusOK]) / r.run.elapsed.Seconds()
}

// gaveUp is the number of teams answered 503.
func (r *rushResult) gaveUp() int { return r.statuses[http.StatusServiceUnavailable] }

// floorShape is which transaction a floor rush writes (rawRush).
type floorShape int

const (
	notFloor floorShape = iota
	// bareFloor is the floor: the counter and one registration-sized item.
	bareFloor
	// seatFloor writes what a registration with a seat writes.
	seatFloor
	// waitFloor writes what a waitlisted registration writes.
	waitFloor
)

// rawRush is the floor: the bare DynamoDB work of a registration, one
// TransactWriteItems with the conditional counter update on one event
// item and the put of a registration-sized item (with its index keys),
// issued teams times by clients concurrent callers on the functions' client
// configuration, through v. seatFloor writes what a registration with a
// seat writes: also the organization's claim (in the event's item
// collection, as the store keeps it), the notice, the audit record and one
// entry per person (contact and members) in the people's index ("email me
// my links"), so from 7 to 13 items for teams of 2 to 8, each where the
// store keeps it and with the index keys it carries; waitFloor writes
// what a waitlisted registration writes: the same and its waiting-list
// entry (in the event's item collection too), on an event with no seat
// left, the counter conditioned on that. DynamoDB Local's time for a
// transaction grows with its items, DynamoDB's hold on the event item
// hardly does: these are the floors a registration can be held to on
// DynamoDB Local. Its keys are its own: the floor needs the items' sizes
// and places, not the store's key formats. A cancelled transaction is
// retried as the store retries (the store's dynamostore.Backoff and
// attempt bound, within the function's timeout); one that runs out of time
// counts as a 503.
func rawRush(ctx context.Context, l *lab, v via, name string, clients, teams int, shape floorShape) (*rushResult, error) {
	table, err := l.newTable(ctx, "raw")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	db := l.client
	calls := newCallCounter()
	counted := dynamodb.NewFromConfig(localaws.Config(), localaws.DynamoDBEndpoint(v.endpoint(l)), calls.option)
	eventKey := map[string]types.AttributeValue{deploy.AttrPK: &types.AttributeValueMemberS{Value: "floor-event"}, deploy.AttrSK: &types.AttributeValueMemberS{Value: "counter"}}
	status, seatsLeft := "registered", int64(1<<40)
	if shape == waitFloor {
		status, seatsLeft = "waitlisted", 0
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		deploy.AttrPK: eventKey[deploy.AttrPK], deploy.AttrSK: eventKey[deploy.AttrSK],
		"capacity": num(seatsLeft), "seatsLeft": num(seatsLeft), "seatsTaken": num(0), "registeredTeams": num(0), "waitlistLength": num(0),
	}}); err != nil {
		return nil, err
	}
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	items := make([][]map[string]types.AttributeValue, teams)
	for i := range items {
		team := teamOf(run, i)
		id := fmt.Sprintf("RAW%08d", i)
		reg, err := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-registration-" + id, deploy.AttrSK: "registration", "id": id, "eventId": "raw",
			"status": status, "seats": len(team.Members), "organization": team.Organization, "contact": team.Contact,
			"members": team.Members, "createdAt": time.Now().UTC().Format(time.RFC3339Nano), deploy.AttrGSI1PK: "floor-event", deploy.AttrGSI1SK: "registration-" + id})
		if err != nil {
			return nil, err
		}
		items[i] = []map[string]types.AttributeValue{reg}
		if shape != bareFloor {
			// Each item where the store keeps it and with the index keys it
			// carries (DynamoDB Local writes an index entry per key): the
			// registration in the organization's index too, the notice in
			// the unsent and the team's indexes, the audit record in the
			// event's collection and the team's index.
			now := time.Now().UTC().Format(time.RFC3339Nano)
			reg[deploy.AttrGSI2PK] = &types.AttributeValueMemberS{Value: "floor-org-" + team.Organization.Name}
			reg[deploy.AttrGSI2SK] = &types.AttributeValueMemberS{Value: "registration-" + now + "#" + id}
			org, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-event", deploy.AttrSK: "claim-" + team.Organization.Name, "registrationId": id})
			notice, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-notice-" + id, deploy.AttrSK: "notice", "id": id, "kind": status,
				"registrationId": id, "eventId": "raw", "state": "pending", "createdAt": now,
				deploy.AttrGSI1PK: "floor-unsent", deploy.AttrGSI1SK: now + "#" + id, deploy.AttrGSI2PK: "floor-team-" + id, deploy.AttrGSI2SK: "notice-" + now + "#" + id})
			audit, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-event", deploy.AttrSK: "audit-" + now + "#" + id, "eventId": "raw",
				"kind": status, "actor": "team", "at": now, "after": map[string]string{"status": status, "seats": fmt.Sprint(len(team.Members))},
				deploy.AttrGSI2PK: "floor-team-" + id, deploy.AttrGSI2SK: "audit-" + now + "#" + id})
			items[i] = append(items[i], org, notice, audit)
			for _, k := range team.PersonKeys() {
				person, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-person-" + k, deploy.AttrSK: "registration-" + id,
					"subjectId": id, "subjectKind": "registration", "createdAt": now, "expiresAt": time.Now().Add(3 * 365 * 24 * time.Hour).Unix()})
				items[i] = append(items[i], person)
			}
		}
		if shape == waitFloor {
			seq := time.Now().UnixMicro()*1000 + int64(i)
			wait, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-event", deploy.AttrSK: fmt.Sprintf("wait-%020d", seq),
				"registrationId": id, "seats": len(team.Members), "seq": seq, "organization": team.Organization.Name})
			items[i] = append(items[i], wait)
		}
	}
	var retries atomic.Int64
	// committed[i]: team i's transaction committed; unknown[i]: its
	// deadline ended the call, committed or not.
	committed, unknown := make([]bool, teams), make([]bool, teams)
	r, err := rush(clients, teams, func(i int) error {
		ctx, cancel := v.deadline(ctx)
		defer cancel()
		seats := num(int64(teamSize(i)))
		counter := &types.Update{
			TableName: aws.String(table), Key: eventKey,
			ConditionExpression:       aws.String("seatsLeft >= :s"),
			UpdateExpression:          aws.String("ADD seatsLeft :neg, seatsTaken :s, registeredTeams :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": seats, ":neg": num(-int64(teamSize(i))), ":one": num(1)},
		}
		if shape == waitFloor {
			counter.ConditionExpression = aws.String("seatsLeft < :s")
			counter.UpdateExpression = aws.String("ADD waitlistLength :one")
			counter.ExpressionAttributeValues = map[string]types.AttributeValue{":s": seats, ":one": num(1)}
		}
		tx := []types.TransactWriteItem{{Update: counter}}
		for _, it := range items[i] {
			tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: it,
				ConditionExpression: aws.String("attribute_not_exists(" + deploy.AttrPK + ")")}})
		}
		var pace dynamostore.Backoff
		for attempt := 1; ; attempt++ {
			_, err := counted.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
			if err == nil {
				committed[i] = true
				return nil
			}
			var tce *types.TransactionCanceledException
			if errors.Is(err, context.DeadlineExceeded) {
				unknown[i] = true
				return nil
			}
			if !errors.As(err, &tce) {
				return err
			}
			if attempt == dynamostore.MaxAttempts || pace.Wait(ctx) != nil {
				return nil // gave up: a 503 from a function
			}
			retries.Add(1) // a conflict: what the store would retry too
		}
	})
	if err != nil {
		return nil, err
	}
	res := &rushResult{name: name, floor: shape, run: r, calls: calls.take(), retries: int(retries.Load()), hold: v.hold(),
		byState: map[string]latencies{}, statuses: map[int]int{}}
	if v.proxy != nil {
		res.conflicts = v.proxy.Stats()
	}
	for i, ok := range committed {
		if ok {
			res.statuses[http.StatusOK]++
			res.byState[status] = append(res.byState[status], r.lat[i])
		} else {
			res.statuses[http.StatusServiceUnavailable]++
		}
	}
	// The floor's own check: the counter equals the seats written.
	var ev struct {
		SeatsTaken      int `dynamodbav:"seatsTaken"`
		RegisteredTeams int `dynamodbav:"registeredTeams"`
		WaitlistLength  int `dynamodbav:"waitlistLength"`
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: eventKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if err := attributevalue.UnmarshalMap(out.Item, &ev); err != nil {
		return nil, err
	}
	// The counter holds every committed team's seats, and perhaps those of
	// teams whose deadline ended the call after DynamoDB committed.
	want, wantTeams, maybe, maybeTeams := 0, 0, 0, 0
	for i := range teams {
		switch {
		case committed[i]:
			want += teamSize(i)
			wantTeams++
		case unknown[i]:
			maybe += teamSize(i)
			maybeTeams++
		}
	}
	if shape == waitFloor { // the counter counts the teams waiting, not seats
		ev.SeatsTaken, ev.RegisteredTeams, want, maybe = ev.WaitlistLength, ev.WaitlistLength, wantTeams, maybeTeams
	}
	if ev.SeatsTaken < want || ev.SeatsTaken > want+maybe || ev.RegisteredTeams < wantTeams || ev.RegisteredTeams > wantTeams+maybeTeams {
		res.problems = append(res.problems, fmt.Sprintf("raw counter: %d seats for %d teams, want %d (+ up to %d) for %d (+ up to %d)",
			ev.SeatsTaken, ev.RegisteredTeams, want, maybe, wantTeams, maybeTeams))
	}
	res.lost = ev.RegisteredTeams - wantTeams
	if n := res.gaveUp(); n > 0 && v.proxy == nil {
		res.problems = append(res.problems, fmt.Sprintf("%d transactions gave up on DynamoDB Local alone", n))
	}
	res.checked = "counter = seats written"
	return res, nil
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
