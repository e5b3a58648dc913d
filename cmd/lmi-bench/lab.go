package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

const (
	tokenSecret = "lmi-bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	senderEmail = "convenings@lmi.example.org"
	publicURL   = "http://127.0.0.1:8080"
)

// lab is the local AWS the measurements share: a DynamoDB Local (replaced
// by freshDynamoDB between measurements) and one SES endpoint.
type lab struct {
	dynamo            *localaws.Process
	dynamoURL, sesURL string
	client            *dynamodb.Client // plain, for setting up and checking
	log               *slog.Logger     // errors only: the backlog phase makes the mailer warn by design
	tables            atomic.Int64
}

func newLab(sesURL string) *lab {
	return &lab{sesURL: sesURL, log: deploy.Config{LogLevel: "error"}.Logger(os.Stderr)}
}

// freshDynamoDB replaces DynamoDB Local with a new one and warms it up.
// DynamoDB Local slows down as data accumulates, even in deleted tables,
// so every measurement that is compared with another starts from the same
// state: a new JVM whose JIT has compiled the transaction path.
func (l *lab) freshDynamoDB(ctx context.Context) error {
	l.stop()
	p, err := localaws.StartDynamoDB(ctx, localaws.DynamoDBOptions{InMemory: true})
	if err != nil {
		return err
	}
	l.dynamo, l.dynamoURL = p, p.Endpoint()
	if l.client, err = localaws.NewDynamoDBClient(ctx, l.dynamoURL); err != nil {
		return err
	}
	// The warm-up is the bare floor's transaction: what it leaves behind
	// slows DynamoDB Local for the measurement that follows (its tables
	// are dropped, their data is not forgotten), and the registration's
	// full floor (8 to 14 items a transaction) left three times as much
	// as this: the large event's rows ran a third slower after it.
	_, err = rawRush(ctx, l, via{}, "warm-up", 8, 300, bareFloor)
	return err
}

// stop stops DynamoDB Local.
func (l *lab) stop() {
	if l.dynamo != nil {
		_ = l.dynamo.Stop()
		l.dynamo = nil
	}
}

// newTable creates a fresh table with the real schema and waits for it.
func (l *lab) newTable(ctx context.Context, purpose string) (string, error) {
	name := fmt.Sprintf("bench-%s-%d-%d", purpose, time.Now().Unix(), l.tables.Add(1))
	if _, err := l.client.CreateTable(ctx, dynamostore.CreateTableInput(name)); err != nil {
		return "", fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(l.client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return "", fmt.Errorf("wait for table %s: %w", name, err)
	}
	return name, nil
}

// dropTable deletes a measurement's table, so that DynamoDB Local does not
// carry it into the next measurement.
func (l *lab) dropTable(ctx context.Context, name string) {
	_, _ = l.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
}

// config is what the CDK app would give the functions for table.
func (l *lab) config(table string) localrun.FunctionConfig {
	return localrun.FunctionConfig{
		Config: deploy.Config{Table: table, TokenSecret: tokenSecret, PublicURL: publicURL, SenderEmail: senderEmail,
			SESMaxSendRate: "50", LogLevel: "error"},
		DynamoDBEndpoint: l.dynamoURL, SESEndpoint: l.sesURL, Log: l.log,
	}
}

// apiFunction is an HTTP function's Lambda handler.
type apiFunction = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// api builds the named HTTP function over table as its main builds it
// (localrun.NewFunction), its DynamoDB client adjusted by opts.
func (l *lab) api(ctx context.Context, name, table string, opts ...func(*dynamodb.Options)) (apiFunction, error) {
	return l.apiAt(ctx, name, table, l.dynamoURL, opts...)
}

// apiAt is api with the function's DynamoDB client on endpoint.
func (l *lab) apiAt(ctx context.Context, name, table, endpoint string, opts ...func(*dynamodb.Options)) (apiFunction, error) {
	c := l.config(table)
	c.DynamoDBEndpoint = endpoint
	c.DynamoDBOptions = opts
	fn, err := localrun.NewFunction(ctx, name, c)
	if err != nil {
		return nil, err
	}
	return fn.(apiFunction), nil
}

// createEvent creates an event open for registration now, through the
// staff API, as a signed-in staff member (apitest gives the request the
// claims API Gateway's authorizer passes for a staff access token).
func (l *lab) createEvent(ctx context.Context, table, id string, capacity int) error {
	return l.createEventIn(ctx, table, id, capacity, convening.ModeDirect)
}

// createEventIn is createEvent in registration mode mode.
func (l *lab) createEventIn(ctx context.Context, table, id string, capacity int, mode convening.RegistrationMode) error {
	admin, err := l.api(ctx, deploy.Admin, table)
	if err != nil {
		return err
	}
	starts := time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Hour)
	body := mustJSON(map[string]any{"id": id, "title": "Summer Institute " + id, "kind": convening.KindInstitute,
		"startsAt": starts, "endsAt": starts.Add(32 * time.Hour), "venue": "San Diego", "capacity": capacity, "maxTeamSize": 8,
		"registrationMode": mode})
	resp, err := admin(ctx, apitest.Request("POST /api/admin/events", nil, nil, body))
	if err == nil && resp.StatusCode != http.StatusCreated {
		err = fmt.Errorf("create event %s: %d %s", id, resp.StatusCode, resp.Body)
	}
	return err
}

// register is the request registering team body for event eventID.
func register(eventID, body string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	return apitest.Request("POST /api/events/{eventId}/registrations", map[string]string{"eventId": eventID}, headers, body)
}

var roles = []convening.Role{
	convening.RoleSuperintendent, convening.RoleCertificatedUnionPresident, convening.RoleClassifiedUnionPresident,
	convening.RoleBoardMember, convening.RoleHRAdministrator, convening.RoleChiefAcademicOfficer,
	convening.RoleUnionOfficer, convening.RolePrincipal,
}

// teamSize is team n's size: 2 to 8 members, 5 on average.
func teamSize(n int) int { return 2 + n%7 }

// teamOf returns team n with unique names and addresses.
func teamOf(run string, n int) convening.Team {
	t := convening.Team{
		Organization: convening.Organization{Name: fmt.Sprintf("Team %d School District", n), Type: convening.OrgDistrict,
			County: convening.Counties[n%len(convening.Counties)]},
		Contact: convening.Contact{Name: fmt.Sprintf("Contact %d", n), Email: fmt.Sprintf("contact-%d@%s.example.org", n, run)},
	}
	for i := range teamSize(n) {
		t.Members = append(t.Members, convening.Member{Name: fmt.Sprintf("Member %d of team %d", i, n),
			Email: fmt.Sprintf("m%d-%d@%s.example.org", i, n, run), Role: roles[i%len(roles)]})
	}
	return t
}

// teamBodies returns the JSON bodies of teams 0..n-1, encoded ahead of the
// measurement: encoding is the client's work, not ours.
func teamBodies(run string, n int) []string {
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = mustJSON(teamOf(run, i))
	}
	return bodies
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// registration is what a register answer says.
type registration struct {
	status   int
	id       string
	token    string
	state    string
	position int // 0: none told (see judgeAnswers)
	problem  string
	reason   convening.Reason // a refusal's machine reason (problem+json "reason")
	// later: the team was answered 202 (received at a queued event) and
	// state and position are what its status said once it was placed.
	later bool
}

func parseRegistration(status int, body []byte) registration {
	r := registration{status: status}
	var out struct {
		Registration struct {
			ID               string `json:"id"`
			Status           string `json:"status"`
			WaitlistPosition *int   `json:"waitlistPosition"`
		} `json:"registration"`
		ManageToken string `json:"manageToken"`
	}
	if status != 201 && status != 200 && status != 202 {
		r.problem = string(body)
		var p struct {
			Reason convening.Reason `json:"reason"`
		}
		if json.Unmarshal(body, &p) == nil {
			r.reason = p.Reason
		}
		return r
	}
	if err := json.Unmarshal(body, &out); err != nil {
		r.problem = err.Error()
		return r
	}
	r.id, r.token, r.state = out.Registration.ID, out.ManageToken, out.Registration.Status
	if out.Registration.WaitlistPosition != nil {
		r.position = *out.Registration.WaitlistPosition
	}
	return r
}

// checkRush judges a rush from the table's final state (dynamotest.Check:
// the invariants every interleaving must keep) and the answers the teams
// got, so that a fast wrong answer cannot pass: nobody cancelled, so every
// team answered 201 is in the table as it was told, at the position it was
// told (nobody left during the rush, so told = final), and a team refused
// is not in it. A waitlisted team may be told no position: the store
// leaves it out when it cannot count the entries ahead (in time), rather
// than fail a registration it has stored; unplaced counts them. The one answer that may go either way is a 503 for running
// out of time: the function's deadline can end a request whose transaction
// DynamoDB committed (in AWS as here), so such a team may be registered;
// lost counts them. Registrations are told apart by their contact's
// address (team i's is contacts[i]).
func checkRush(ctx context.Context, l *lab, table, eventID string, answers []registration, contacts []string) (st dynamotest.State, problems []string, checked string, lost, unplaced int, err error) {
	items, err := dynamotest.Scan(ctx, l.client, table)
	if err != nil {
		return st, nil, "", 0, 0, err
	}
	st, problems, err = dynamotest.Check(items, eventID)
	if err != nil {
		return st, nil, "", 0, 0, err
	}
	more, lost, unplaced := judgeAnswers(st, answers, contacts)
	problems = append(problems, more...)
	if len(problems) > 20 {
		problems = append(problems[:20], fmt.Sprintf("and %d more", len(problems)-20))
	}
	checked = fmt.Sprintf("%d registrations (%d registered, %d waitlisted), %d of %d seats",
		len(st.Registrations), st.Registered, st.Waitlisted, st.SeatsTaken, st.Event.N("capacity"))
	if st.Refused > 0 {
		checked += fmt.Sprintf(", %d refused", st.Refused)
	}
	return st, problems, checked, lost, unplaced, nil
}

// judgeAnswers holds the teams' answers against the table's state (see
// checkRush).
func judgeAnswers(st dynamotest.State, answers []registration, contacts []string) (problems []string, lost, unplaced int) {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if st.Cancelled > 0 {
		bad("%d registrations cancelled in a rush without cancellations", st.Cancelled)
	}
	place := map[string]int{}
	for _, e := range st.Waitlist {
		place[e.ID] = e.Position
	}
	team := make(map[string]int, len(contacts))
	for i, c := range contacts {
		team[c] = i
	}
	stored := map[int]dynamotest.Item{}
	for id, r := range st.Registrations {
		contact, _ := r["contact"].(map[string]any)
		email, _ := contact["email"].(string)
		i, ok := team[email]
		switch _, twice := stored[i]; {
		case !ok:
			bad("registration %s is no team's (contact %q)", id, email)
		case twice:
			bad("team %d is registered twice", i)
		default:
			stored[i] = r
		}
	}
	for i, a := range answers {
		r, ok := stored[i]
		switch {
		case a.status == http.StatusCreated && !ok:
			bad("team %d was answered %s but the table has no such registration", i, a.id)
		case a.status == http.StatusCreated && r.S("id") != a.id:
			bad("team %d was answered %s, the table has it as %s", i, a.id, r.S("id"))
		case a.status == http.StatusCreated && r.S("status") != a.state:
			bad("team %d was told %s, the table says %s", i, a.state, r.S("status"))
		case a.status == http.StatusCreated && a.state == "waitlisted" && a.position == 0:
			unplaced++
		case a.status == http.StatusCreated && a.state == "waitlisted" && a.position != place[a.id]:
			bad("team %d was told position %d, its place is %d", i, a.position, place[a.id])
		case a.status == http.StatusCreated:
		case a.status == http.StatusServiceUnavailable && a.reason == convening.ReasonTimedOut:
			if ok {
				lost++
			}
		case ok:
			bad("team %d was answered %d (%s) but is registered as %s", i, a.status, a.reason, r.S("id"))
		}
	}
	return problems, lost, unplaced
}

// rush runs op(0..n-1) from clients goroutines, each taking the next index
// as soon as its last operation returns, and times every operation.
func rush(clients, n int, op func(i int) error) (run, error) {
	lat := make(latencies, n)
	began := make([]time.Time, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				began[i] = t
				if err := op(i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("operation %d: %w", i, err) })
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	return run{ops: n, elapsed: time.Since(start), lat: lat, began: began}, firstErr
}
