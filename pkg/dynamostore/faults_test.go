package dynamostore

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/storetest"
)

// These tests break the table on purpose (a state the store never writes,
// or a failing call) to see that the store answers as it should: only
// what can succeed is retried, and nothing stored is reported as failed.

func newFaultStore(t *testing.T, wrap func(API) API) (*Store, *dynamodb.Client) {
	t.Helper()
	endpoint, _ := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(context.Background(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, client, CreateTableInput)
	var db API = client
	if wrap != nil {
		db = wrap(client)
	}
	return New(db, table, slog.New(slog.DiscardHandler)), client
}

func newTeamService(t *testing.T, s *Store, eventID string, capacity int) *storetest.Services {
	t.Helper()
	svc := storetest.NewServices(s, storetest.Tokens(t), nil)
	if _, err := svc.CreateEvent(context.Background(), convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event(eventID, capacity, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestConditionThatAlwaysFailsIsNotRetried(t *testing.T) {
	var counted *countedCalls
	store, client := newFaultStore(t, func(db API) API { counted = &countedCalls{API: db}; return counted })
	svc := newTeamService(t, store, "ev", 10)
	ctx := context.Background()
	reg, token, _, err := svc.Register(ctx, "ev", storetest.Team(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The organization's claim goes missing (a hand edit): the cancel
	// transaction's condition on it can never hold.
	if _, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(store.table),
		Key: key(eventPrefix+"ev", orgPrefix+reg.Organization.Key())}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	before := counted.txs.Load()
	_, err = svc.Cancel(ctx, reg.ID, token)
	if convening.ErrorCode(err) != convening.EINTERNAL {
		t.Fatalf("cancel with a missing claim: %v, want an internal error", err)
	}
	if n := counted.txs.Load() - before; n != 1 {
		t.Fatalf("%d transactions: the refused one was retried", n)
	}
	if !strings.Contains(err.Error(), "ConditionalCheckFailed") {
		t.Fatalf("the error does not say why: %v", err)
	}
	if r, _ := store.Registration(context.Background(), reg.ID); r.Status != convening.StatusRegistered {
		t.Fatalf("registration %s", r.Status)
	}
}

func TestValidationErrorIsNotRetried(t *testing.T) {
	var counted *countedCalls
	store, client := newFaultStore(t, func(db API) API { counted = &countedCalls{API: db}; return counted })
	svc := newTeamService(t, store, "ev", 10)
	ctx := context.Background()
	// A counter that is not a number: ADD fails with a ValidationError on
	// every attempt.
	if _, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(store.table),
		Key: key(eventPrefix+"ev", skEvent), UpdateExpression: aws.String("SET registeredTeams = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": str("many")}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	before := counted.txs.Load()
	_, _, _, err := svc.Register(ctx, "ev", storetest.Team(1, 2), nil)
	if convening.ErrorCode(err) != convening.EINTERNAL {
		t.Fatalf("register over a broken counter: %v, want an internal error", err)
	}
	if n := counted.txs.Load() - before; n != 1 {
		t.Fatalf("%d transactions: the refused one was retried", n)
	}
}

// failingCount is a table whose count queries fail, as when DynamoDB is
// throttling reads just after a registration committed; it counts them.
type failingCount struct {
	API
	counts *atomic.Int64
}

func (f failingCount) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in.Select == types.SelectCount {
		f.counts.Add(1)
		return nil, &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	}
	return f.API.Query(ctx, in, opts...)
}

// Waitlisting is one transaction and nothing else: no count of the entries
// ahead on the hot path (issue 20), so a table that cannot count does not
// matter to it, first answer or replay.
func TestWaitlistingCountsNothing(t *testing.T) {
	var counts atomic.Int64
	store, _ := newFaultStore(t, func(db API) API { return failingCount{db, &counts} })
	svc := newTeamService(t, store, "ev", 4)
	ctx := context.Background()
	if _, _, _, err := svc.Register(ctx, "ev", storetest.Team(1, 4), nil); err != nil {
		t.Fatal(err)
	}
	idem := &convening.Idempotency{Key: "k-waitlisted-no-position", RequestHash: "h"}
	for _, replay := range []bool{false, true} {
		reg, token, replayed, err := svc.Register(ctx, "ev", storetest.Team(2, 2), idem)
		if err != nil || replayed != replay {
			t.Fatalf("replay=%v: %v (replayed %v)", replay, err, replayed)
		}
		if reg.Status != convening.StatusWaitlisted || reg.WaitlistPosition != nil || token == "" {
			t.Fatalf("replay=%v: %s position %v", replay, reg.Status, reg.WaitlistPosition)
		}
	}
	if n := counts.Load(); n != 0 {
		t.Fatalf("%d count queries while registering", n)
	}
}
