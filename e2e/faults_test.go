package e2e

import (
	"context"
	"math/rand/v2"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// faults injects what DynamoDB Local never produces: throttling (which the
// SDK retries) and transaction conflicts (which the store retries). It sits
// below the SDK's retry middleware, so every attempt may fail.
type faults struct {
	conflictRate, throttleRate float64
	conflicts, throttles       atomic.Int64
	transactions               atomic.Int64 // TransactWriteItems attempts seen
}

func (f *faults) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("InjectFaults", f.handle), middleware.After)
	})
}

func (f *faults) handle(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	op := awsmiddleware.GetOperationName(ctx)
	if op == "TransactWriteItems" {
		f.transactions.Add(1)
	}
	r := rand.Float64()
	switch {
	case op == "TransactWriteItems" && r < f.conflictRate:
		f.conflicts.Add(1)
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &types.TransactionCanceledException{
			Message: aws.String("Transaction cancelled (injected)"),
			CancellationReasons: []types.CancellationReason{
				{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")},
				{Code: aws.String("None")},
			},
		}
	case r > 1-f.throttleRate:
		f.throttles.Add(1)
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{
			Code: "ThrottlingException", Message: "Rate of requests exceeds the allowed throughput (injected)", Fault: smithy.FaultServer}
	}
	return next.HandleFinalize(ctx, in)
}
