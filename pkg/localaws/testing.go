package localaws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Environment variables that hold the endpoints tests use. Set both to
// share one pair of services across test binaries (go test ./... starts a
// JVM per package otherwise).
const (
	EnvDynamoDBEndpoint = "LMI_DYNAMODB_ENDPOINT"
	EnvSESEndpoint      = "LMI_SES_ENDPOINT"
	// EnvCognitoEndpoint names a running cognito-local for CognitoEndpoint.
	EnvCognitoEndpoint = "LMI_COGNITO_ENDPOINT"
)

// started holds the endpoints RunTests started, for Endpoints: values, not
// the process environment, which only a function's main reads.
var started struct{ dynamo, ses string }

// cognito is cognito-local, started for the test binary by the first
// CognitoEndpoint call (most packages need none) and stopped by RunTests.
var cognito struct {
	once     sync.Once
	running  bool // inside RunTests
	endpoint string
	proc     *Process
	err      error
}

// RunTests runs a test binary's tests against DynamoDB Local and the SES
// endpoint. Endpoints already named by EnvDynamoDBEndpoint and
// EnvSESEndpoint are used as they are; the others are started once for
// the binary, handed to the tests by Endpoints, and stopped after the tests.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }
func RunTests(m *testing.M) int {
	var procs []*Process
	stopAll := func() {
		for _, p := range procs {
			if err := p.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "localaws: %v\n", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if os.Getenv(EnvSESEndpoint) == "" {
		p, err := StartSES(ctx, SESOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "localaws: %v\n", err)
			return 1
		}
		procs = append(procs, p)
		started.ses = p.Endpoint()
	}
	if os.Getenv(EnvDynamoDBEndpoint) == "" {
		p, err := StartDynamoDB(ctx, DynamoDBOptions{InMemory: true})
		if err != nil {
			fmt.Fprintf(os.Stderr, "localaws: %v\n", err)
			stopAll()
			return 1
		}
		procs = append(procs, p)
		started.dynamo = p.Endpoint()
	}
	defer stopAll()
	cognito.running = true
	defer func() {
		if cognito.proc != nil {
			if err := cognito.proc.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "localaws: %v\n", err)
			}
		}
	}()

	// The services sit in their own process groups, so a Ctrl-C reaches
	// only this binary: stop them before dying.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if sig, ok := <-sigs; ok {
			stopAll()
			if cognito.proc != nil {
				_ = cognito.proc.Stop()
			}
			fmt.Fprintf(os.Stderr, "localaws: %v: stopped local services\n", sig)
			os.Exit(2)
		}
	}()
	return m.Run()
}

// Endpoints returns the DynamoDB and SES endpoints RunTests provides.
func Endpoints(tb testing.TB) (dynamo, ses string) {
	tb.Helper()
	dynamo, ses = os.Getenv(EnvDynamoDBEndpoint), os.Getenv(EnvSESEndpoint)
	if dynamo == "" {
		dynamo = started.dynamo
	}
	if ses == "" {
		ses = started.ses
	}
	if dynamo == "" || ses == "" {
		tb.Fatalf("localaws: %s and %s are not set: add "+
			"`func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }` to this package's tests",
			EnvDynamoDBEndpoint, EnvSESEndpoint)
	}
	return dynamo, ses
}

// CognitoEndpoint returns the endpoint of a cognito-local for the test
// binary: the one EnvCognitoEndpoint names, or one started on first use
// and stopped when RunTests ends. Each test makes its own pool
// (SetupCognito with a unique PoolName) so tests do not see each other's
// users.
func CognitoEndpoint(tb testing.TB) string {
	tb.Helper()
	if e := os.Getenv(EnvCognitoEndpoint); e != "" {
		return e
	}
	if !cognito.running {
		tb.Fatalf("localaws: CognitoEndpoint needs RunTests: add " +
			"`func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }` to this package's tests")
	}
	cognito.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cognito.proc, cognito.err = StartCognito(ctx, CognitoOptions{})
		if cognito.err == nil {
			cognito.endpoint = cognito.proc.Endpoint()
		}
	})
	if cognito.err != nil {
		tb.Fatalf("localaws: %v", cognito.err)
	}
	return cognito.endpoint
}

// NewTestTable creates a table with a unique name from the input create
// returns (pass dynamostore.CreateTableInput for the real schema), waits
// until it is ACTIVE, and deletes it when the test ends. It returns the name.
func NewTestTable(tb testing.TB, client *dynamodb.Client, create func(name string) *dynamodb.CreateTableInput) string {
	tb.Helper()
	ctx := tb.Context()
	name := testTableName(tb.Name())
	if _, err := client.CreateTable(ctx, create(name)); err != nil {
		tb.Fatalf("create table %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// tb.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			tb.Errorf("delete table %s: %v", name, err)
		}
	})
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		tb.Fatalf("wait for table %s: %v", name, err)
	}
	return name
}

// testTableName makes a valid table name ([A-Za-z0-9_.-], at most 255)
// that says which test made it and cannot collide with another test's.
func testTableName(testName string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		default:
			return '-'
		}
	}, testName)
	if len(clean) > 100 {
		clean = clean[:100]
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	return "test-" + clean + "-" + hex.EncodeToString(suffix[:])
}
