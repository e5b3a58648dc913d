package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
)

// SystemOptions configure a local System.
type SystemOptions struct {
	Table string
	// DynamoDBEndpoint and SESEndpoint reuse running services; when empty
	// the System starts its own on DynamoDBPort and SESPort (0: any free).
	DynamoDBEndpoint, SESEndpoint string
	DynamoDBPort, SESPort         int
	// CognitoEndpoint reuses a running cognito-local; when empty the
	// System starts its own on CognitoPort (0: any free).
	CognitoEndpoint string
	CognitoPort     int
	// LoginPort is where the stand-in for Cognito's managed login listens
	// (0: any free port).
	LoginPort int
	// DataDir keeps DynamoDB Local's and cognito-local's data between
	// runs; empty: in memory and a temporary folder.
	DataDir string
	// PoolName names the staff's user pool; empty means "convenings-staff".
	// Systems sharing one cognito-local need a pool each.
	PoolName string
	// Users are the staff users the pool is given (or brought up to date
	// with): the first member of RoleStaff signs in to seed the events.
	Users       []localaws.CognitoUser
	TokenSecret string
	Sender      string
	PublicURL   string
	// Contact is the program's contact, at the foot of every page and
	// email (as the CDK context sets it in AWS); zero: none.
	Contact convening.ProgramContact
	// SESMaxSendRate is the mailer's emails per second; 0 means 50.
	SESMaxSendRate float64
	// SweepInterval is how often the scheduled functions run here (the
	// holds' and notices' sweeps, retention); 0 means 10 seconds, so that
	// an invitation with a deadline a minute ahead visibly lapses.
	SweepInterval time.Duration
	// Seed holds events to create (admin API bodies) if they do not exist.
	Seed []json.RawMessage
	// Samples add sample data after the events (sample.go).
	Samples []Sample
	// The payee the invoices are issued by (deploy.PayeeEnv).
	PayeeName, PayeeAddress, PayeeTaxID, PaymentInstructions string
	// Log receives the functions' and the runner's JSON logs.
	Log      *slog.Logger
	LogLevel string
	// ServiceOutput receives the child processes' output; nil discards it.
	ServiceOutput io.Writer
}

// ConfigurationSet is the SES configuration set the local mailer names,
// as the deployed one does. The local SES endpoint accepts and ignores it:
// nothing bounces locally (make invoke feeds ses-events its samples).
const ConfigurationSet = "convenings-local"

// System is the whole registration system running locally.
type System struct {
	DynamoDB, SES, Cognito *localaws.Process // nil when reused from the options
	DynamoDBURL            string
	SESURL                 string
	// Pool is the staff's user pool in cognito-local.
	Pool localaws.CognitoPool
	// LoginURL is the managed-login stand-in's base URL.
	LoginURL string
	Client   *dynamodb.Client
	Table    string
	Gateway  *Gateway
	// Handlers are the functions' typed Lambda handlers, by name.
	Handlers   map[string]any
	PollerDone <-chan error

	stopPoller context.CancelFunc
	background *sync.WaitGroup
	login      *http.Server
	stopOnce   sync.Once
}

// StartSystem starts everything and returns once the API can be served.
// The functions are built from the options' values (NewFunctions), not
// from the process environment.
func StartSystem(ctx context.Context, o SystemOptions) (sys *System, err error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	sys = &System{Table: o.Table, DynamoDBURL: o.DynamoDBEndpoint, SESURL: o.SESEndpoint, Pool: localaws.CognitoPool{Endpoint: o.CognitoEndpoint}}
	defer func() {
		if err != nil {
			sys.Stop()
		}
	}()
	if sys.SESURL == "" {
		if sys.SES, err = localaws.StartSES(ctx, localaws.SESOptions{Port: o.SESPort, Stdout: o.ServiceOutput, Stderr: o.ServiceOutput}); err != nil {
			return sys, err
		}
		sys.SESURL = sys.SES.Endpoint()
	}
	if sys.DynamoDBURL == "" {
		if sys.DynamoDB, err = localaws.StartDynamoDB(ctx, localaws.DynamoDBOptions{Port: o.DynamoDBPort,
			InMemory: o.DataDir == "", DataDir: o.DataDir, Stdout: o.ServiceOutput, Stderr: o.ServiceOutput}); err != nil {
			return sys, err
		}
		sys.DynamoDBURL = sys.DynamoDB.Endpoint()
	}
	if err = sys.startCognito(ctx, o); err != nil {
		return sys, err
	}
	if sys.Client, err = localaws.NewDynamoDBClient(ctx, sys.DynamoDBURL); err != nil {
		return sys, err
	}
	if err = ensureTable(ctx, sys.Client, o.Table); err != nil {
		return sys, err
	}
	rate := o.SESMaxSendRate
	if rate <= 0 {
		rate = 50
	}
	if sys.Handlers, err = NewFunctions(ctx, FunctionConfig{
		Config: deploy.Config{Table: o.Table, LogLevel: o.LogLevel, TokenSecret: o.TokenSecret, PublicURL: o.PublicURL,
			SenderEmail: o.Sender, SESMaxSendRate: strconv.FormatFloat(rate, 'f', -1, 64),
			SESConfigurationSet: ConfigurationSet,
			CognitoIssuer:       sys.Pool.Issuer, CognitoClientID: sys.Pool.ClientID, CognitoLoginURL: sys.LoginURL,
			PayeeName: o.PayeeName, PayeeAddress: o.PayeeAddress, PayeeTaxID: o.PayeeTaxID, PaymentInstructions: o.PaymentInstructions,
			ContactName: o.Contact.Name, ContactEmail: o.Contact.Email, ContactPhone: o.Contact.Phone},
		DynamoDBEndpoint: sys.DynamoDBURL, SESEndpoint: sys.SESURL,
	}); err != nil {
		return sys, err
	}
	fns := map[string]lambda.Handler{}
	for name, h := range sys.Handlers {
		fns[name] = lambda.NewHandler(h)
	}
	// The staff API's routes are guarded as API Gateway's JWT authorizer
	// guards them in AWS, with real tokens; cognito-local can issue only
	// the scope InitiateAuth gives (deploy.LocalAccessScope), so that is the
	// scope required here, where AWS requires deploy.StaffAPIScope.
	verifier := cognito.NewVerifier(ctx, cognito.Pool{Issuer: sys.Pool.Issuer, ClientID: sys.Pool.ClientID}, cognito.VerifierOptions{})
	if sys.Gateway, err = NewGateway(deploy.Routes, fns, GatewayOptions{
		Authorizer: JWTAuthorizer(verifier, deploy.LocalAccessScope),
		Logger:     o.Log,
	}); err != nil {
		return sys, err
	}
	if err = sys.seed(ctx, o.Users, o.Seed); err != nil {
		return sys, err
	}
	if err = sys.runSamples(ctx, o); err != nil {
		return sys, fmt.Errorf("sample data: %w", err)
	}
	arn, err := localaws.StreamARN(ctx, sys.Client, o.Table)
	if err != nil {
		return sys, err
	}
	streams, err := localaws.NewStreamsClient(ctx, sys.DynamoDBURL)
	if err != nil {
		return sys, err
	}
	poller, err := NewStreamPoller(streams, arn, StreamConsumers(fns), PollerOptions{FromStart: true, Logger: o.Log, PollInterval: 100 * time.Millisecond})
	if err != nil {
		return sys, err
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sys.stopPoller = cancel
	done := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); done <- poller.Run(pctx) }()
	// The scheduled functions run every few seconds here, so that what
	// they do shows without a wait (in AWS: deploy.Function.ScheduleMinutes).
	every := o.SweepInterval
	if every <= 0 {
		every = 10 * time.Second
	}
	for _, f := range deploy.Functions {
		if f.ScheduleMinutes > 0 {
			wg.Add(1)
			go func() { defer wg.Done(); scheduleEvery(pctx, every, f.Name, fns[f.Name], o.Log) }()
		}
	}
	sys.PollerDone = done
	sys.background = &wg
	return sys, nil
}

// scheduleEvery invokes a function with a scheduled event, as the CDK
// app's EventBridge rule does.
func scheduleEvery(ctx context.Context, every time.Duration, name string, fn lambda.Handler, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			payload, _ := json.Marshal(events.EventBridgeEvent{Version: "0", ID: strconv.FormatInt(now.UnixNano(), 36),
				DetailType: "Scheduled Event", Source: "aws.events", AccountID: "000000000000", Time: now.UTC(),
				Region: "us-west-2", Resources: []string{"arn:aws:events:us-west-2:000000000000:rule/" + name + "-schedule"},
				Detail: json.RawMessage("{}")})
			if _, err := fn.Invoke(ctx, payload); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "scheduled invocation failed", "function", name, "error", err)
			}
		}
	}
}

// Stop stops the poller and the services the System started.
func (s *System) Stop() {
	s.stopOnce.Do(func() {
		if s.stopPoller != nil {
			s.stopPoller()
			s.background.Wait()
		}
		if s.login != nil {
			_ = s.login.Close()
		}
		for _, p := range []*localaws.Process{s.SES, s.DynamoDB, s.Cognito} {
			if p != nil {
				_ = p.Stop()
			}
		}
	})
}

// StreamConsumers returns the stream triggers of deploy.Functions, with
// their batch sizes and filters, invoking the given handlers by name.
func StreamConsumers(handlers map[string]lambda.Handler) []StreamConsumer {
	var out []StreamConsumer
	for _, f := range deploy.Functions {
		if f.Stream == nil {
			continue
		}
		trigger := *f.Stream
		out = append(out, StreamConsumer{Name: f.Name, Function: handlers[f.Name], BatchSize: trigger.BatchSize,
			Filter: func(r events.DynamoDBEventRecord) bool {
				sk := r.Change.NewImage[deploy.AttrSK]
				return sk.DataType() == events.DataTypeString && trigger.Matches(r.EventName, sk.String())
			}})
	}
	return out
}

func ensureTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var nf *types.ResourceNotFoundException
	if err == nil {
		return nil
	}
	if !errors.As(err, &nf) {
		return fmt.Errorf("describe table %s: %w", table, err)
	}
	if _, err := client.CreateTable(ctx, dynamostore.CreateTableInput(table)); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", table, err)
	}
	return nil
}

// seed creates the sample events through the staff API, as staff would:
// signed in as the first staff user, with their access token.
func (s *System) seed(ctx context.Context, users []localaws.CognitoUser, bodies []json.RawMessage) error {
	if len(bodies) == 0 {
		return nil
	}
	i := slices.IndexFunc(users, func(u localaws.CognitoUser) bool { return slices.Contains(u.Groups, deploy.RoleStaff) })
	if i < 0 {
		return errors.New("seed events: no user in the staff group to sign in as")
	}
	tokens, err := localaws.SignIn(ctx, s.Pool.Endpoint, s.Pool.ClientID, users[i].Email, users[i].Password)
	if err != nil {
		return fmt.Errorf("seed events: %w", err)
	}
	for _, b := range bodies {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/admin/events", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
		rec := httptest.NewRecorder()
		s.Gateway.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated && rec.Code != http.StatusConflict {
			return fmt.Errorf("seed event: %d %s", rec.Code, rec.Body.String())
		}
	}
	return nil
}
