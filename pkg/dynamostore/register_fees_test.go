package dynamostore

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/storetest"
)

// countedCalls counts the requests of each kind sent to the table.
type countedCalls struct {
	API
	gets, txs atomic.Int64
}

func (c *countedCalls) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets.Add(1)
	return c.API.GetItem(ctx, in, opts...)
}

func (c *countedCalls) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.txs.Add(1)
	return c.API.TransactWriteItems(ctx, in, opts...)
}

// TestRegisterAtFreeEventIsOneRequest: a team taking seats at an event
// without a fee policy costs its transaction and nothing else (no read of
// the fees for the invoice there is none of); an event stored before the
// event item said whether it has a policy (no fees attribute) still has
// its teams invoiced, at the cost of the read.
func TestRegisterAtFreeEventIsOneRequest(t *testing.T) {
	var counted *countedCalls
	store, client := newFaultStore(t, func(db API) API { counted = &countedCalls{API: db}; return counted })
	svc := newTeamService(t, store, "free", 40)
	ctx := context.Background()
	gets, txs := counted.gets.Load(), counted.txs.Load()
	reg, _, _, err := svc.Register(ctx, "free", storetest.Team(1, 3), nil)
	if err != nil || reg.Status != convening.StatusRegistered {
		t.Fatalf("register: %v %v", reg.Status, err)
	}
	if g, x := counted.gets.Load()-gets, counted.txs.Load()-txs; g != 0 || x != 1 {
		t.Errorf("registering at a free event: %d GetItem, %d TransactWriteItems; want 0 and 1", g, x)
	}

	// An event as stored before: a fee policy, no fees attribute.
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("older", 40, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	audit := convening.AuditRecord{ID: "audit-fees-older", EventID: "older", Kind: convening.AuditFeePolicyChanged,
		Actor: convening.SystemActor, At: store.clock()}
	if err := store.PutFeePolicy(ctx, convening.FeePolicy{EventID: "older", PriceCents: 5000, Terms: convening.DueNet30}, audit); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(store.table),
		Key: key(eventPrefix+"older", skEvent), UpdateExpression: aws.String("REMOVE fees")}); err != nil {
		t.Fatal(err)
	}
	for n := 2; n <= 3; n++ { // the second through the hint the first left
		reg, _, _, err := svc.Register(ctx, "older", storetest.Team(n, 2), nil)
		if err != nil || reg.Status != convening.StatusRegistered {
			t.Fatalf("register at the older event: %v %v", reg.Status, err)
		}
		if a, err := store.Account(ctx, reg.ID); err != nil || !a.Exists() || a.Awaiting != convening.AwaitingBillTo {
			t.Errorf("team %d at an event stored before: account %+v %v, want it opened", n, a, err)
		}
	}
}

// eventConflicts refuses the first n transactions that touch an event item
// with TransactionConflict on it, as DynamoDB does while another
// transaction holds the item (a queued event's sequencer placing a batch).
type eventConflicts struct {
	*countedCalls
	n atomic.Int64
}

func (c *eventConflicts) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for i, it := range in.TransactItems {
		if it.Update == nil || it.Update.Key[AttrSK].(*types.AttributeValueMemberS).Value != skEvent || c.n.Add(-1) < 0 {
			continue
		}
		c.txs.Add(1)
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for j := range reasons {
			reasons[j].Code = aws.String("None")
		}
		reasons[i].Code = aws.String("TransactionConflict")
		return nil, &types.TransactionCanceledException{Message: aws.String("injected: transaction conflict"), CancellationReasons: reasons}
	}
	return c.countedCalls.TransactWriteItems(ctx, in, opts...)
}

// TestColdFunctionReadsBusyEvent: a function that has not seen a queued
// event yet asks for seats first; when that attempt meets the sequencer's
// transaction on the event item (a conflict returns no image of the item),
// it reads the event and puts the team in line, instead of trying the busy
// item blind again.
func TestColdFunctionReadsBusyEvent(t *testing.T) {
	conflicts := &eventConflicts{}
	store, _ := newFaultStore(t, func(db API) API { conflicts.countedCalls = &countedCalls{API: db}; return conflicts })
	ev := storetest.Event("queued", 40, convening.PolicyStrict)
	ev.RegistrationMode = convening.ModeQueued
	svc := storetest.NewServices(store, storetest.Tokens(t), nil)
	ctx := context.Background()
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), ev); err != nil {
		t.Fatal(err)
	}
	cold := New(conflicts, store.table, slog.New(slog.DiscardHandler))
	coldSvc := storetest.NewServices(cold, storetest.Tokens(t), nil)
	conflicts.n.Store(1)
	gets, txs := conflicts.gets.Load(), conflicts.txs.Load()
	reg, _, _, err := coldSvc.Register(ctx, "queued", storetest.Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Status != convening.StatusReceived {
		t.Fatalf("status %s, want received (in line)", reg.Status)
	}
	if g, x := conflicts.gets.Load()-gets, conflicts.txs.Load()-txs; g != 1 || x != 2 {
		t.Errorf("%d GetItem and %d transactions; want 1 and 2 (the conflict, the read of the event, the team put in line)", g, x)
	}
}
