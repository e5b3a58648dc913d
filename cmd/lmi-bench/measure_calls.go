package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

// callRow is one operation and the DynamoDB requests it made.
type callRow struct {
	op    string
	calls callCounts
	why   string
}

// measureCalls runs each operation once, alone, through its function's
// handler (or the mailer) with a client that counts every DynamoDB request
// by operation name.
func measureCalls(ctx context.Context, l *lab, rep *report) error {
	table, err := l.newTable(ctx, "calls")
	if err != nil {
		return err
	}
	if err := l.createEvent(ctx, table, "calls", 16); err != nil {
		return err
	}
	counter := newCallCounter()
	fns := map[string]apiFunction{}
	for _, name := range []string{deploy.Register, deploy.Registration, deploy.Admin} {
		if fns[name], err = l.api(ctx, name, table, counter.option); err != nil {
			return err
		}
	}
	run := fmt.Sprintf("c%d", time.Now().UnixNano())
	var failed error
	call := func(op, why string, req events.APIGatewayV2HTTPRequest, want int) registration {
		route, _ := deploy.RouteByKey(req.RouteKey)
		counter.take()
		resp, err := fns[route.Function](ctx, req)
		calls := counter.take()
		if err == nil && resp.StatusCode != want {
			err = fmt.Errorf("%s: %d %s", op, resp.StatusCode, resp.Body)
		}
		if err != nil && failed == nil {
			failed = err
		}
		if op != "" {
			rep.calls = append(rep.calls, callRow{op: op, calls: calls, why: why})
		}
		return parseRegistration(resp.StatusCode, []byte(resp.Body))
	}
	registerTeam := func(op, why string, team convening.Team, headers map[string]string) registration {
		return call(op, why, register("calls", mustJSON(team), headers), 201)
	}
	sized := func(n, size int) convening.Team {
		t := teamOf(run, n)
		t.Members = t.Members[:0]
		for i := range size {
			t.Members = append(t.Members, convening.Member{Name: fmt.Sprintf("Member %d", i),
				Email: fmt.Sprintf("m%d-%d@%s.example.org", i, n, run), Role: roles[i%len(roles)]})
		}
		return t
	}
	own := func(routeKey string, r registration) events.APIGatewayV2HTTPRequest {
		return apitest.Request(routeKey, map[string]string{"registrationId": r.id}, map[string]string{"Authorization": "Bearer " + r.token}, "")
	}

	first := registerTeam("register, seat available", whyRegister, sized(1, 8), nil)
	registerTeam("", "", sized(2, 8), nil) // the event is full now
	registerTeam("register, waitlisted (first on the list)", whyWaitlisted, sized(3, 4), nil)
	second := registerTeam("register, waitlisted (list not empty)", whyWaitlisted, sized(4, 2), nil)
	registerTeam("register, waitlisted, with Idempotency-Key", whyIdempotent, sized(5, 2), map[string]string{"Idempotency-Key": run + "-5"})
	call("read status, registered", whyStatus, own("GET /api/registrations/{registrationId}", first), 200)
	call("read status, waitlisted", whyStatusWaitlisted, own("GET /api/registrations/{registrationId}", second), 200)
	call("cancel with promotion (3 teams promoted)", whyCancel, own("DELETE /api/registrations/{registrationId}", first), 200)
	if failed != nil {
		return failed
	}

	// The roster of 500 registrations (about 300 seated, 200 waiting).
	if err := l.createEvent(ctx, table, "roster", 1500); err != nil {
		return err
	}
	bodies := teamBodies(run+"r", 500)
	if _, err := rush(rep.config.clients, len(bodies), func(i int) error {
		resp, err := fns[deploy.Register](ctx, register("roster", bodies[i], nil))
		if err == nil && resp.StatusCode != 201 {
			err = fmt.Errorf("%d %s", resp.StatusCode, resp.Body)
		}
		return err
	}); err != nil {
		return err
	}
	call("staff roster, 500 registrations", whyRoster, apitest.Request("GET /api/admin/events/{eventId}/registrations", map[string]string{"eventId": "roster"}, nil, ""), 200)
	if failed != nil {
		return failed
	}
	return mailerCalls(ctx, l, rep, table)
}

// mailerCalls counts what the mailer does per notice: one seat notice and
// one waiting-list notice from the table the operations above wrote.
func mailerCalls(ctx context.Context, l *lab, rep *report, table string) error {
	counter := newCallCounter()
	c := l.config(table)
	c.DynamoDBOptions = []func(*dynamodb.Options){counter.option}
	mailer, err := mailerFunction(ctx, c)
	if err != nil {
		return err
	}
	recs, err := noticeRecords(ctx, l.client, table)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	// Newest first: the roster's last waitlisted teams are still waiting
	// (the first ones were promoted), so their notice shows the count.
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		kind := rec.Change.NewImage["kind"].String()
		if done[kind] || (kind != "registered" && kind != "waitlisted") {
			continue
		}
		done[kind] = true
		counter.take()
		resp, err := mailer(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
		if err == nil && len(resp.BatchItemFailures) > 0 {
			err = fmt.Errorf("mailer failed the %s notice", kind)
		}
		if err != nil {
			return err
		}
		why := whyMail
		if kind == "waitlisted" {
			why = whyMailWaitlisted
		}
		rep.calls = append(rep.calls, callRow{op: "mailer, one " + kind + " notice", calls: counter.take(), why: why})
	}
	return nil
}

const (
	whyRegister = "The floor: the transaction takes the seats (conditional update of the event item) and puts the " +
		"organization's claim, the registration, its notice, its audit record and the people's index entries, all at " +
		"once. No read: at an event without a fee policy the transaction is conditioned on it having none, so there is " +
		"nothing to invoice."
	whyWaitlisted = "The first team to find the event full spends one transaction asking for seats: the refusal " +
		"returns the event (ALL_OLD), which the store keeps as a hint, so its waitlist transaction (arrival number, " +
		"entry) needs no read and later teams go straight to the waiting list (the conditions still decide). " +
		"The position is not counted here (a transaction cannot return it): it is counted when read (status, the " +
		"team's page, the email). A team that does not fit the seats left joins in arrival order without raising the " +
		"event's floor of arrival numbers, so in a rush such teams do not refuse one another."
	whyIdempotent = "As above, with the first answer's record in the same transaction: a replay reads it and " +
		"answers the same registration."
	whyStatus           = "One consistent GetItem of the registration."
	whyStatusWaitlisted = "The GetItem; a read of the event's floor of arrival numbers and, the first time the place " +
		"is told, one transaction raising the floor past it (settling it: no team can join ahead of it after that, so a " +
		"place once told never grows; a place this fresh first waits until the arrivals before it are a second old, and " +
		"the places of one quarter-second share the write); the count of entries ahead."
	whyCancel = "GetItem of the registration (the cancel transaction needs its status, seats and event), the " +
		"cancel transaction, then promotion: GetItem of the event, Query of the waiting list's head, and the promotion " +
		"transaction, after which promotion stops: its plan took every team that fitted; and one GetItem of the " +
		"event's fee policy for the cancelled team's account (none: nothing to credit). The promoted teams cost no " +
		"invoicing read at an event without a fee policy (promotion read the event)."
	whyRoster = "GetItem of the event, then one Query of the registrations index per 1 MB page (500 teams fit in one)."
	whyMail   = "Claim the notice (conditional UpdateItem), read the registration and the event together " +
		"(BatchGetItem), send, mark it sent (UpdateItem)."
	whyMailWaitlisted = "The same claim, BatchGetItem and sent mark, plus the settling transaction if the place is not " +
		"settled yet (as for the status; the event as read has the floor) and the count of entries ahead, so the email " +
		"tells the position as it is when sent."
)
