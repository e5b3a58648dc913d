package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

// rushResult is one registration rush: how fast, what the teams were told,
// what it cost in DynamoDB requests, and whether the table is still right.
type rushResult struct {
	name     string
	run      run
	byState  map[string]latencies // "registered", "waitlisted"
	answers  []registration
	calls    callCounts
	retries  int      // raw only: transactions retried after a conflict
	problems []string // invariant violations and bad answers
	checked  string   // what the invariant check covered
	capacity int
	rounds   int // merged rounds beyond the first
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
	r.problems = append(r.problems, o.problems...)
	r.answers = nil
	r.rounds++
}

// handlerRush registers teams 0..teams-1 for a new event through the
// register function's handler in-process (decode, validate, store,
// respond), from clients concurrent callers, then checks the table.
func handlerRush(ctx context.Context, l *lab, name string, clients, teams, capacity int) (*rushResult, error) {
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
	fn, err := l.api(ctx, deploy.Register, table, calls.option)
	if err != nil {
		return nil, err
	}
	bodies := teamBodies(fmt.Sprintf("h%d", time.Now().UnixNano()), teams)
	answers := make([]registration, teams)
	r, err := rush(clients, teams, func(i int) error {
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
	res := &rushResult{name: name, run: r, answers: answers, calls: calls.take(), capacity: capacity}
	res.classify()
	res.problems, res.checked, err = checkRush(ctx, l, table, eventID, answers)
	return res, err
}

// classify splits the latencies by the answer and notes bad answers.
func (r *rushResult) classify() {
	r.byState = map[string]latencies{}
	for i, a := range r.answers {
		if a.status != 201 {
			r.problems = append(r.problems, fmt.Sprintf("team %d: %d %s", i, a.status, a.problem))
			continue
		}
		r.byState[a.state] = append(r.byState[a.state], r.run.lat[i])
	}
}

// rawRush is the floor: the bare DynamoDB work of a registration, one
// TransactWriteItems with the conditional counter update on one event
// item and the put of a registration-sized item (with its index keys),
// issued teams times by clients concurrent callers on the functions' client
// configuration. With allItems it writes what a registration writes: also
// the organization's claim (in the event's item collection, as the store
// keeps it) and the notice. Its keys are its own: the floor needs the
// items' sizes and places, not the store's key formats.
func rawRush(ctx context.Context, l *lab, name string, clients, teams int, allItems bool) (*rushResult, error) {
	table, err := l.newTable(ctx, "raw")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	db := l.client
	calls := newCallCounter()
	counted := dynamodb.NewFromConfig(localaws.Config(), localaws.DynamoDBEndpoint(l.dynamoURL), calls.option)
	eventKey := map[string]types.AttributeValue{deploy.AttrPK: &types.AttributeValueMemberS{Value: "floor-event"}, deploy.AttrSK: &types.AttributeValueMemberS{Value: "counter"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		deploy.AttrPK: eventKey[deploy.AttrPK], deploy.AttrSK: eventKey[deploy.AttrSK],
		"capacity": num(1 << 40), "seatsLeft": num(1 << 40), "seatsTaken": num(0), "registeredTeams": num(0), "waitlistLength": num(0),
	}}); err != nil {
		return nil, err
	}
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	items := make([][]map[string]types.AttributeValue, teams)
	for i := range items {
		team := teamOf(run, i)
		id := fmt.Sprintf("RAW%08d", i)
		reg, err := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-registration-" + id, deploy.AttrSK: "registration", "id": id, "eventId": "raw",
			"status": "registered", "seats": len(team.Members), "organization": team.Organization, "contact": team.Contact,
			"members": team.Members, "createdAt": time.Now().UTC().Format(time.RFC3339Nano), deploy.AttrGSI1PK: "floor-event", deploy.AttrGSI1SK: "registration-" + id})
		if err != nil {
			return nil, err
		}
		items[i] = []map[string]types.AttributeValue{reg}
		if allItems {
			org, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-event", deploy.AttrSK: "claim-" + team.Organization.Name, "registrationId": id})
			notice, _ := attributevalue.MarshalMap(map[string]any{deploy.AttrPK: "floor-notice-" + id, deploy.AttrSK: "notice", "id": id, "kind": "registered",
				"registrationId": id, "eventId": "raw", "state": "pending", "createdAt": time.Now().UTC().Format(time.RFC3339Nano)})
			items[i] = append(items[i], org, notice)
		}
	}
	var retries atomic.Int64
	r, err := rush(clients, teams, func(i int) error {
		seats := num(int64(teamSize(i)))
		tx := []types.TransactWriteItem{{Update: &types.Update{
			TableName: aws.String(table), Key: eventKey,
			ConditionExpression:       aws.String("seatsLeft >= :s"),
			UpdateExpression:          aws.String("ADD seatsLeft :neg, seatsTaken :s, registeredTeams :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": seats, ":neg": num(-int64(teamSize(i))), ":one": num(1)},
		}}}
		for _, it := range items[i] {
			tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: it,
				ConditionExpression: aws.String("attribute_not_exists(" + deploy.AttrPK + ")")}})
		}
		for attempt := 0; ; attempt++ {
			_, err := counted.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
			if err == nil {
				return nil
			}
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) || attempt == 20 {
				return err
			}
			retries.Add(1) // a conflict: what the store would retry too
		}
	})
	if err != nil {
		return nil, err
	}
	res := &rushResult{name: name, run: r, calls: calls.take(), retries: int(retries.Load()),
		byState: map[string]latencies{"registered": r.lat}}
	// The floor's own check: the counter equals the seats written.
	var ev struct {
		SeatsTaken      int `dynamodbav:"seatsTaken"`
		RegisteredTeams int `dynamodbav:"registeredTeams"`
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: eventKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if err := attributevalue.UnmarshalMap(out.Item, &ev); err != nil {
		return nil, err
	}
	want := 0
	for i := range teams {
		want += teamSize(i)
	}
	if ev.SeatsTaken != want || ev.RegisteredTeams != teams {
		res.problems = append(res.problems, fmt.Sprintf("raw counter: %d seats for %d teams, want %d for %d", ev.SeatsTaken, ev.RegisteredTeams, want, teams))
	}
	res.checked = "counter = seats written"
	return res, nil
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
