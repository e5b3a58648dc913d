package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

// The large event (issue 20, part 3): one event, far more teams than seats,
// many clients at once, under DynamoDB's transaction conflicts. Three
// designs side by side: today's direct path (every registration a
// transaction on the event item), seat pools (pools.go, a prototype: the
// capacity split over counter items) and the queued path (the sequencer
// placing many registrations per transaction on the event item).

// placeTimeout bounds the wait for the sequencer to place every
// registration received.
const placeTimeout = 5 * time.Minute

// queuedRush registers teams 0..teams-1 at a queued event of capacity seats
// through the register function (answered 202, received), while the
// sequencer function, fed by the table's stream as Lambda's event source
// mapping would feed it (localrun.StreamPoller), places them; both
// functions' DynamoDB clients go through v. The rate is of decisions: from
// the first request to the last placement. Then every team reads its
// status, as on its page, and the table is checked.
func queuedRush(ctx context.Context, l *lab, v via, name string, clients, teams, capacity int) (*rushResult, error) {
	table, err := l.newTable(ctx, "queue")
	if err != nil {
		return nil, err
	}
	defer l.dropTable(ctx, table)
	eventID := "rush"
	if err := l.createEventIn(ctx, table, eventID, capacity, convening.ModeQueued); err != nil {
		return nil, err
	}
	calls, seqCalls := newCallCounter(), newCallCounter()
	fn, err := l.apiAt(ctx, deploy.Register, table, v.endpoint(l), calls.option)
	if err != nil {
		return nil, err
	}
	seq, err := l.sequencerAt(ctx, table, v.endpoint(l), seqCalls.option)
	if err != nil {
		return nil, err
	}
	stopPoller, err := l.pollStream(ctx, table, seq)
	if err != nil {
		return nil, err
	}
	defer stopPoller()

	run := fmt.Sprintf("q%d", time.Now().UnixNano())
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
	start := r.began[0]
	for _, b := range r.began {
		start = minTime(start, b)
	}
	placedBy, err := l.waitPlaced(ctx, table, eventID)
	if err != nil {
		return nil, err
	}
	stopPoller()
	res := &rushResult{name: name, run: r, answers: answers, calls: calls.take(), seqCalls: seqCalls.take(), capacity: capacity,
		hold: v.hold(), teams: teams, decidedIn: placedBy.Sub(start)}
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
	// Decided: every registration received and placed, whatever its
	// answer said (one whose answer ran out of time is placed all the same).
	res.accepted = st.Registered + st.Waitlisted + st.Refused
	res.judgeOrder(st, contacts, true)
	return res, nil
}

// largeDirect is today's direct path on the large event: handlerRush with
// the large event's teams, clients and seats, and its order judged as the
// queued path's is.
func largeDirect(ctx context.Context, l *lab, v via, name string, clients, teams, capacity int) (*rushResult, error) {
	return handlerRush(ctx, l, v, name, clients, teams, capacity)
}

// sequencerAt builds the sequencer function as its main does, with its
// DynamoDB client on endpoint.
func (l *lab) sequencerAt(ctx context.Context, table, endpoint string, opts ...func(*dynamodb.Options)) (lambda.Handler, error) {
	c := l.config(table)
	c.DynamoDBEndpoint, c.DynamoDBOptions = endpoint, opts
	fn, err := localrun.NewFunction(ctx, deploy.Sequencer, c)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(fn), nil
}

// pollStream feeds the table's stream to the sequencer function as the
// local runner does (and Lambda's event source mapping in AWS), with the
// deployed trigger's filter, until the returned stop is called (twice is
// fine).
func (l *lab) pollStream(ctx context.Context, table string, sequencer lambda.Handler) (func(), error) {
	arn, err := localaws.StreamARN(ctx, l.client, table)
	if err != nil {
		return nil, err
	}
	streams, err := localaws.NewStreamsClient(ctx, l.dynamoURL)
	if err != nil {
		return nil, err
	}
	var consumers []localrun.StreamConsumer
	for _, c := range localrun.StreamConsumers(map[string]lambda.Handler{deploy.Sequencer: sequencer}) {
		if c.Name == deploy.Sequencer {
			consumers = append(consumers, c)
		}
	}
	p, err := localrun.NewStreamPoller(streams, arn, consumers, localrun.PollerOptions{FromStart: true, Logger: l.log,
		PollInterval: 100 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(pctx) }()
	select {
	case <-p.Ready():
	case <-done:
		cancel()
		return nil, errors.New("the stream poller stopped before it was ready")
	}
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}, nil
}

// waitPlaced waits until nothing is left in line at the event (every
// registration received, whatever its answer said, placed), and returns
// when the last was placed: the event item's updatedAt, which every
// placement sets.
func (l *lab) waitPlaced(ctx context.Context, table, eventID string) (time.Time, error) {
	deadline := time.Now().Add(placeTimeout)
	for {
		left, err := dynamotest.InLine(ctx, l.client, table, eventID)
		if err != nil {
			return time.Time{}, err
		}
		out, err := l.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{deploy.AttrPK: &types.AttributeValueMemberS{Value: "EVENT#" + eventID},
				deploy.AttrSK: &types.AttributeValueMemberS{Value: deploy.SortKeyEvent}}})
		if err != nil {
			return time.Time{}, err
		}
		var ev struct {
			RegisteredTeams int    `dynamodbav:"registeredTeams"`
			WaitlistLength  int    `dynamodbav:"waitlistLength"`
			UpdatedAt       string `dynamodbav:"updatedAt"`
		}
		if err := attributevalue.UnmarshalMap(out.Item, &ev); err != nil {
			return time.Time{}, err
		}
		if left == 0 {
			t, err := time.Parse("2006-01-02T15:04:05.000Z", ev.UpdatedAt)
			return t, err
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("after %v the sequencer had placed %d registrations and left %d in line", placeTimeout, ev.RegisteredTeams+ev.WaitlistLength, left)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return time.Time{}, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// orderGrace is the order's stated tolerance: a team is overtaken when a
// team that arrived more than this later was placed ahead of it
// (convening.QueueGrace, the queued path's promise).
const orderGrace = convening.QueueGrace

// judgeOrder measures how far the outcome is from arrival order, by when
// each team's request began: a team is overtaken if a team that began more
// than orderGrace after it got seats while it waits, or a place ahead of
// it on the waiting list. For the queued path (placed), it also measures
// the time from each request to its placement (the registration's
// updatedAt, which the sequencer sets), the decision latency.
func (r *rushResult) judgeOrder(st dynamotest.State, contacts []string, placed bool) {
	team := make(map[string]int, len(contacts))
	for i, c := range contacts {
		team[c] = i
	}
	type outcome struct {
		began      time.Time
		registered bool
		seq        int
	}
	var out []outcome
	for _, reg := range st.Registrations {
		contact, _ := reg["contact"].(map[string]any)
		email, _ := contact["email"].(string)
		i, ok := team[email]
		if !ok || i >= len(r.run.began) {
			continue
		}
		switch reg.S("status") {
		case "registered":
			out = append(out, outcome{began: r.run.began[i], registered: true})
		case "waitlisted":
			out = append(out, outcome{began: r.run.began[i], seq: reg.N("waitlistSeq")})
		default:
			continue
		}
		if placed {
			if at, err := time.Parse("2006-01-02T15:04:05.000Z", reg.S("updatedAt")); err == nil {
				r.decided = append(r.decided, at.Sub(r.run.began[i]))
			}
		}
	}
	// From the last to arrive back: what the teams that began more than
	// orderGrace after a team got.
	sort.Slice(out, func(a, b int) bool { return out[a].began.After(out[b].began) })
	later, anyRegistered, minSeq := 0, false, -1
	for i := range out {
		for later < len(out) && out[later].began.After(out[i].began.Add(orderGrace)) {
			if out[later].registered {
				anyRegistered = true
			} else if minSeq < 0 || out[later].seq < minSeq {
				minSeq = out[later].seq
			}
			later++
		}
		if !out[i].registered && (anyRegistered || minSeq >= 0 && minSeq < out[i].seq) {
			r.overtaken++
		}
	}
	r.ordered = true
	slices.Sort(r.decided)
}
