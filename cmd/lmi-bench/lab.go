package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/localaws"
)

const (
	tokenSecret = "lmi-bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	senderEmail = "convenings@lmi.example.org"
	publicURL   = "http://127.0.0.1:8080"
)

// lab is the local AWS the measurements share: a DynamoDB Local (replaced
// by freshDynamoDB between measurements), one SES endpoint, and the SDK
// configuration the functions use.
type lab struct {
	dynamo            *localaws.Process
	dynamoURL, sesURL string
	cfg               aws.Config
	client            *dynamodb.Client // plain, for setting up and checking
	tokens            *convening.ManageTokens
	log               *slog.Logger // errors only, as LMI_LOG_LEVEL=error
	tables            atomic.Int64
}

// newLab prepares the environment and clients; call freshDynamoDB before
// the first measurement.
func newLab(ctx context.Context, sesURL string) (*lab, error) {
	// The functions read their configuration from the environment; set
	// what every one of them needs once (the table is set per measurement,
	// the DynamoDB endpoint per DynamoDB Local).
	for k, v := range map[string]string{
		deployment.EnvDynamoDBEndpoint: "http://127.0.0.1:1", // until freshDynamoDB
		deployment.EnvSESEndpoint:      sesURL,
		deployment.EnvTokenSecret:      tokenSecret,
		deployment.EnvPublicURL:        publicURL,
		deployment.EnvSenderEmail:      senderEmail,
		deployment.EnvLogLevel:         "error", // the backlog phase makes the mailer warn by design
	} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	cfg, err := deployment.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		return nil, err
	}
	return &lab{sesURL: sesURL, cfg: cfg, tokens: tokens, log: deployment.NewLogger("error")}, nil
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
	if err := os.Setenv(deployment.EnvDynamoDBEndpoint, l.dynamoURL); err != nil {
		return err
	}
	if l.client, err = localaws.NewDynamoDBClient(ctx, l.dynamoURL); err != nil {
		return err
	}
	_, err = rawRush(ctx, l, "warm-up", 8, 300, true)
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

// dynamoDB returns a client configured as the functions' (their retry
// policy), with extra options such as a call counter.
func (l *lab) dynamoDB(opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return deployment.DynamoDB(l.cfg, l.dynamoURL, opts...)
}

// api is the HTTP API handler over a table, built as e2e's harness and the
// functions build it: the real service, store and SDK client, in-process.
type api struct {
	table string
	svc   *convening.Service
	h     *httpapi.Handler
}

func (l *lab) newAPI(table string, opts ...func(*dynamodb.Options)) *api {
	store := dynamostore.New(l.dynamoDB(opts...), table, l.log)
	svc := convening.NewService(store, l.tokens, l.log)
	return &api{table: table, svc: svc, h: httpapi.New(svc, httpapi.Options{Log: l.log})}
}

// createEvent creates an event open for registration now.
func (a *api) createEvent(ctx context.Context, id string, capacity int) error {
	starts := time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Hour)
	_, err := a.svc.CreateEvent(ctx, convening.Event{ID: id, Title: "Summer Institute " + id, Kind: convening.KindInstitute,
		StartsAt: starts, EndsAt: starts.Add(32 * time.Hour), Venue: "San Diego", Capacity: capacity, MaxTeamSize: 8})
	return err
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
		b, _ := json.Marshal(teamOf(run, i))
		bodies[i] = string(b)
	}
	return bodies
}

// apiRequest builds the API Gateway (payload format 2.0) request for a
// route, as the harness of the system tests does.
func apiRequest(routeKey string, params, headers map[string]string, body string) events.APIGatewayV2HTTPRequest {
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	hdr := map[string]string{"content-type": "application/json"}
	for k, v := range headers {
		hdr[strings.ToLower(k)] = v
	}
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: path, PathParameters: params, Headers: hdr, Body: body}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.RouteKey = routeKey
	if strings.HasPrefix(path, "/api/admin/") {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "staff", "cognito:groups": "[" + httpapi.StaffGroup + "]"}}}
	}
	return req
}

// registration is what a register answer says.
type registration struct {
	status   int
	id       string
	token    string
	state    string
	position int
	problem  string
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
	if status != 201 && status != 200 {
		r.problem = string(body)
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

// rush runs op(0..n-1) from clients goroutines, each taking the next index
// as soon as its last operation returns, and times every operation.
func rush(clients, n int, op func(i int) error) (run, error) {
	lat := make(latencies, n)
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
				if err := op(i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("operation %d: %w", i, err) })
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	return run{ops: n, elapsed: time.Since(start), lat: lat}, firstErr
}
