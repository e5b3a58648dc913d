package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/mailer"
	"github.com/calmi/convenings/pkg/storetest"
	"github.com/calmi/convenings/pkg/tokensecret/secretstest"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

const tokenSecret = "e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// harness is one fresh table with the HTTP functions over a client that
// may inject faults, and the stream functions wired as deployed.
type harness struct {
	t      testing.TB
	table  string
	client *dynamodb.Client // fault-free, for checking state
	sesURL string
	// functions are the HTTP functions' handlers, by name, as their mains
	// build them (localrun.NewFunction).
	functions map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	svc       *storetest.Services
	store     *dynamostore.Store // the services' store
	// secrets stands in for Secrets Manager, for the token rotation's
	// samples (samplePayloadHarness); nil elsewhere.
	secrets *secretstest.Server
}

// functionConfig is the configuration the functions get from the CDK app,
// with the local services' endpoints.
func (h *harness) functionConfig(sesURL string, clientOpts ...func(*dynamodb.Options)) localrun.FunctionConfig {
	dynamoURL, _ := localaws.Endpoints(h.t)
	return localrun.FunctionConfig{
		Config: deploy.Config{Table: h.table, TokenSecret: tokenSecret, PublicURL: "http://127.0.0.1:8080",
			SenderEmail: "convenings@lmi.example.org", SESMaxSendRate: "2000", LogLevel: "warn",
			// The console's pool by name only: no test here signs in through it.
			CognitoIssuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE", CognitoClientID: "4example0client0id0abc123",
			CognitoLoginURL:     "https://convenings-staff.auth.us-west-2.amazoncognito.com",
			SESConfigurationSet: localrun.ConfigurationSet},
		DynamoDBEndpoint: dynamoURL, SESEndpoint: sesURL, DynamoDBOptions: clientOpts,
		SecretsManagerEndpoint: h.secretsURL(),
	}
}

// secretsURL is the Secrets Manager stand-in's endpoint, if there is one.
func (h *harness) secretsURL() string {
	if h.secrets == nil {
		return ""
	}
	return h.secrets.URL
}

func newHarness(t testing.TB, clientOpts ...func(*dynamodb.Options)) *harness {
	t.Helper()
	ctx := context.Background()
	dynamoURL, sesURL := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(ctx, dynamoURL)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, client: client, sesURL: sesURL,
		functions: map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error){}}
	h.table = localaws.NewTestTable(t, client, dynamostore.CreateTableInput)
	// The functions get the client they get in AWS (its retry policy
	// matters under throttling), plus the test's fault injection.
	c := h.functionConfig(sesURL, clientOpts...)
	for _, name := range []string{deploy.Events, deploy.Register, deploy.Registration, deploy.Admin} {
		fn, err := localrun.NewFunction(ctx, name, c)
		if err != nil {
			t.Fatal(err)
		}
		h.functions[name] = fn.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	}
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		t.Fatal(err)
	}
	store := dynamostore.Open(localaws.Config(), h.table, nil, append([]func(*dynamodb.Options){localaws.DynamoDBEndpoint(dynamoURL)}, clientOpts...)...)
	h.svc, h.store = storetest.NewServices(store, tokens, nil), store
	return h
}

// runStream wires every function the table's stream triggers (the
// promoter, the mailer, the sequencer) as their mains do, sending mail
// through the SES endpoint sesURL, and feeds them the stream until ctx
// ends.
func (h *harness) runStream(ctx context.Context, sesURL string) <-chan error {
	h.t.Helper()
	fns := map[string]lambda.Handler{}
	for _, f := range deploy.Functions {
		if f.Stream == nil {
			continue
		}
		name := f.Name
		fn, err := localrun.NewFunction(ctx, name, h.functionConfig(sesURL))
		if err != nil {
			h.t.Fatal(err)
		}
		fns[name] = lambda.NewHandler(fn)
	}
	dynamoURL, _ := localaws.Endpoints(h.t)
	streams, err := localaws.NewStreamsClient(ctx, dynamoURL)
	if err != nil {
		h.t.Fatal(err)
	}
	arn, err := localaws.StreamARN(ctx, h.client, h.table)
	if err != nil {
		h.t.Fatal(err)
	}
	p, err := localrun.NewStreamPoller(streams, arn, localrun.StreamConsumers(fns),
		localrun.PollerOptions{FromStart: true, PollInterval: 50 * time.Millisecond})
	if err != nil {
		h.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return done
}

type response struct {
	status int
	body   map[string]any
}

// call sends one request to the function that serves its route, as API
// Gateway would (a staff route as signed-in staff).
func (h *harness) call(ctx context.Context, routeKey string, params, headers map[string]string, body any) response {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	route, _ := deploy.RouteByKey(routeKey)
	resp, err := h.functions[route.Function](ctx, apitest.Request(routeKey, params, headers, string(b)))
	if err != nil {
		h.t.Errorf("%s: handler error %v", routeKey, err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return response{status: resp.StatusCode, body: out}
}

var roles = []convening.Role{
	convening.RoleSuperintendent, convening.RoleCertificatedUnionPresident, convening.RoleClassifiedUnionPresident,
	convening.RoleBoardMember, convening.RoleHRAdministrator, convening.RoleChiefAcademicOfficer,
	convening.RoleUnionOfficer, convening.RolePrincipal,
}

// teamOf returns team n of the given size; its contact address is unique to
// the run so the mail check sees only this test's mail.
func teamOf(run string, n, size int) convening.Team {
	t := convening.Team{
		Organization: convening.Organization{Name: fmt.Sprintf("Team %d School District", n), Type: convening.OrgDistrict, County: convening.Counties[n%len(convening.Counties)]},
		Contact:      convening.Contact{Name: fmt.Sprintf("Contact %d", n), Email: fmt.Sprintf("contact-%d@%s.example.org", n, run)},
	}
	for i := 0; i < size; i++ {
		t.Members = append(t.Members, convening.Member{Name: fmt.Sprintf("Member %d", i), Email: fmt.Sprintf("m%d-%d@%s.example.org", i, n, run), Role: roles[i%len(roles)]})
	}
	return t
}

// scan reads every item of the table.
func (h *harness) scan(ctx context.Context) []dynamotest.Item {
	h.t.Helper()
	items, err := dynamotest.Scan(ctx, h.client, h.table)
	if err != nil {
		h.t.Fatal(err)
	}
	return items
}

// sweeper is the mailer's scheduled sweep on this table, with a clock of
// the test's choosing.
func (h *harness) sweeper(t testing.TB, now func() time.Time) *mailer.Handler {
	t.Helper()
	ctx := context.Background()
	ses, err := localaws.NewSESClient(ctx, h.sesURL)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := convening.NewManageTokens([]byte(tokenSecret))
	store := h.store
	m, err := mail.NewMailer(store, mail.NewSES(ses, "convenings@lmi.example.org", ""),
		mail.Links{BaseURL: "http://127.0.0.1:8080", Tokens: tokens}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.SetClock(now)
	return &mailer.Handler{Notices: store, Mail: m, Log: slog.Default(), Now: now}
}
