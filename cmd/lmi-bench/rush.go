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
)

// rushResult is one registration rush: how fast, what the teams were told,
// what it cost in DynamoDB requests, and whether the table is still right.
type rushResult struct {
	name        string
	run         run
	byState     map[string]latencies // "registered", "waitlisted"
	answers     []registration
	calls       callCounts
	retries     int      // raw only: transactions retried after a conflict
	problems    []string // invariant violations and bad answers
	checked     string   // what the invariant check covered
	capacity    int
	environment int // HTTP only: execution environments per function
	rounds      int // merged rounds beyond the first
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

// handlerRush registers teams 0..teams-1 for a new event through the HTTP
// API handler in-process (decode, validate, store, respond), from clients
// concurrent callers, then checks the table.
func handlerRush(ctx context.Context, l *lab, name string, clients, teams, capacity int) (*rushResult, error) {
	table, err := l.newTable(ctx, "rush")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	calls := newCallCounter()
	a := l.newAPI(table, calls.option)
	eventID := "rush"
	if err := a.createEvent(ctx, eventID, capacity); err != nil {
		return nil, err
	}
	run := fmt.Sprintf("h%d", time.Now().UnixNano())
	bodies := teamBodies(run, teams)
	calls.take()
	answers := make([]registration, teams)
	r, err := rush(clients, teams, func(i int) error {
		req := apiRequest("POST /api/events/{eventId}/registrations", map[string]string{"eventId": eventID}, nil, bodies[i])
		resp, err := a.h.Handle(ctx, req)
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
	res.problems, res.checked, err = checkTable(ctx, l.client, table, eventID, answers)
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
// item and the put of a registration-sized item, issued teams times by
// clients concurrent callers on the same client configuration. With
// allItems it writes what a registration writes: also the organization's
// claim and the notice.
func rawRush(ctx context.Context, l *lab, name string, clients, teams int, allItems bool) (*rushResult, error) {
	table, err := l.newTable(ctx, "raw")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	db := l.dynamoDB()
	calls := newCallCounter()
	counted := l.dynamoDB(calls.option)
	eventKey := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "EVENT#raw"}, "sk": &types.AttributeValueMemberS{Value: "EVENT"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": eventKey["pk"], "sk": eventKey["sk"],
		"capacity": num(1 << 40), "seatsLeft": num(1 << 40), "seatsTaken": num(0), "registeredTeams": num(0), "waitlistLength": num(0),
	}}); err != nil {
		return nil, err
	}
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	items := make([][]map[string]types.AttributeValue, teams)
	for i := range items {
		team := teamOf(run, i)
		id := fmt.Sprintf("RAW%08d", i)
		reg, err := attributevalue.MarshalMap(map[string]any{"pk": "REG#" + id, "sk": "REG", "id": id, "eventId": "raw",
			"status": "registered", "seats": len(team.Members), "organization": team.Organization, "contact": team.Contact,
			"members": team.Members, "createdAt": time.Now().UTC().Format(time.RFC3339Nano), "gsi1pk": "EVENT#raw", "gsi1sk": "REG#" + id})
		if err != nil {
			return nil, err
		}
		items[i] = []map[string]types.AttributeValue{reg}
		if allItems {
			org, _ := attributevalue.MarshalMap(map[string]any{"pk": "EVENT#raw", "sk": "ORG#" + team.Organization.Name, "registrationId": id})
			notice, _ := attributevalue.MarshalMap(map[string]any{"pk": "NOTICE#" + id, "sk": "NOTICE", "id": id, "kind": "registered",
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
				ConditionExpression: aws.String("attribute_not_exists(pk)")}})
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
