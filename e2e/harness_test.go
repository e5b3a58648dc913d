package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/streamapi"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

const tokenSecret = "e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// harness is one fresh table with the HTTP handlers over a client that may
// inject faults, and the stream functions wired as deployed.
type harness struct {
	t      testing.TB
	table  string
	client *dynamodb.Client // fault-free, for checking state
	sesURL string
	api    func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	svc    *convening.Service
}

func newHarness(t testing.TB, clientOpts ...func(*dynamodb.Options)) *harness {
	t.Helper()
	ctx := context.Background()
	dynamoURL, sesURL := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(ctx, dynamoURL)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, client, dynamostore.CreateTableInput)
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		t.Fatal(err)
	}
	// The store gets the client the functions get in AWS (its retry policy
	// matters under throttling), plus the test's fault injection.
	cfg, err := deployment.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store := dynamostore.New(deployment.DynamoDB(cfg, dynamoURL, clientOpts...), table, nil)
	svc := convening.NewService(store, tokens, nil)
	h := httpapi.New(svc, httpapi.Options{})
	return &harness{t: t, table: table, client: client, sesURL: sesURL, api: h.Handle, svc: svc}
}

// streamFunctions wires the promoter and mailer from the environment, as
// their main packages do, and feeds them the table's stream until ctx ends.
func (h *harness) runStream(ctx context.Context) <-chan error {
	h.t.Helper()
	for k, v := range map[string]string{
		deployment.EnvTableName: h.table, deployment.EnvTokenSecret: tokenSecret,
		deployment.EnvPublicURL: "http://127.0.0.1:8080", deployment.EnvSenderEmail: "convenings@lmi.example.org",
		deployment.EnvSESMaxSendRate: "2000", deployment.EnvLogLevel: "warn",
	} {
		h.t.Setenv(k, v)
	}
	fns := map[string]lambda.Handler{}
	for _, name := range []string{deployment.FunctionMailer, deployment.FunctionPromoter} {
		fn, err := deployment.Handler(ctx, name)
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
	p, err := localrun.NewStreamPoller(streams, arn, []localrun.StreamConsumer{
		{Name: deployment.FunctionMailer, Function: fns[deployment.FunctionMailer], BatchSize: 10, Filter: localrun.NoticeInserted},
		{Name: deployment.FunctionPromoter, Function: fns[deployment.FunctionPromoter], BatchSize: 100, Filter: localrun.EventChanged},
	}, localrun.PollerOptions{FromStart: true, PollInterval: 50 * time.Millisecond})
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

// call sends one request through the HTTP handler as API Gateway would.
func (h *harness) call(ctx context.Context, routeKey string, params, headers map[string]string, body any) response {
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	hdr := map[string]string{"content-type": "application/json"}
	for k, v := range headers {
		hdr[strings.ToLower(k)] = v
	}
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: path, PathParameters: params, Headers: hdr}
	req.RequestContext.HTTP.Method = method
	if strings.HasPrefix(path, "/api/admin/") {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "staff", "cognito:groups": "[staff]"}}}
	}
	if body != nil {
		b, _ := json.Marshal(body)
		req.Body = string(b)
	}
	resp, err := h.api(ctx, req)
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

// item is one table item, decoded loosely.
type item map[string]any

func (it item) s(k string) string { v, _ := it[k].(string); return v }
func (it item) n(k string) int {
	switch v := it[k].(type) {
	case float64:
		return int(v)
	}
	return 0
}

func (h *harness) scan(ctx context.Context) []item {
	h.t.Helper()
	var items []item
	p := dynamodb.NewScanPaginator(h.client, &dynamodb.ScanInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			h.t.Fatalf("scan: %v", err)
		}
		for _, m := range out.Items {
			var it item
			if err := attributevalue.UnmarshalMap(m, &it); err != nil {
				h.t.Fatal(err)
			}
			items = append(items, it)
		}
	}
	return items
}

// sweeper is the mailer's scheduled sweep on this table, with a clock of
// the test's choosing.
func (h *harness) sweeper(t testing.TB, now func() time.Time) *streamapi.Mailer {
	t.Helper()
	ctx := context.Background()
	ses, err := localaws.NewSESClient(ctx, h.sesURL)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := convening.NewManageTokens([]byte(tokenSecret))
	store := h.svc.Store.(*dynamostore.Store)
	m, err := mail.NewMailer(store, mail.NewSES(ses, "convenings@lmi.example.org"),
		mail.Links{BaseURL: "http://127.0.0.1:8080", Tokens: tokens}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.SetClock(now)
	return &streamapi.Mailer{Notices: store, Mailer: m, Log: slog.Default(), Now: now}
}
