package dynamostore

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/storetest"
)

// flakyWrites is a table whose transactions are sometimes refused before
// they reach it, as DynamoDB does under contention and load: a conflict
// with another transaction, or a throttled item inside one. The store must
// retry them, and nothing may be lost or done twice.
type flakyWrites struct {
	API
	on       atomic.Bool
	injected atomic.Int64
}

func (f *flakyWrites) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if !f.on.Load() {
		return f.API.TransactWriteItems(ctx, in, opts...)
	}
	switch r := rand.IntN(100); {
	case r < 8:
		f.injected.Add(1)
		return nil, &types.TransactionConflictException{Message: aws.String("injected: transaction conflict")}
	case r < 12:
		f.injected.Add(1)
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[rand.IntN(len(reasons))].Code = aws.String("ThrottlingError")
		return nil, &types.TransactionCanceledException{Message: aws.String("injected: throttled"), CancellationReasons: reasons}
	}
	return f.API.TransactWriteItems(ctx, in, opts...)
}

// TestRaceStatementsWithFaults races 200 statements through submission,
// decisions, withdrawals, acceptances, declines and lapses on DynamoDB
// Local while an eighth of the transactions are refused on the way. It
// takes about 30 seconds, so -short leaves it out.
func TestRaceStatementsWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30 s against DynamoDB Local; runs without -short")
	}
	var flaky *flakyWrites
	store, _ := newFaultStore(t, func(db API) API { flaky = &flakyWrites{API: db}; return flaky })
	f := storetest.RaceStatements(t, store, 200, func() { flaky.on.Store(true) })
	t.Logf("%+v; %d transactions refused on purpose", f, flaky.injected.Load())
	if flaky.injected.Load() == 0 {
		t.Error("no fault was injected")
	}
}
