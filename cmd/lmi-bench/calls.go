package main

import (
	"context"
	"sort"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// callCounter counts DynamoDB requests by operation name. It sits on the
// Finalize step after the SDK's retry middleware, so it counts every
// attempt that goes over the wire, retries included: round trips, not API
// calls.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func newCallCounter() *callCounter { return &callCounter{calls: map[string]int{}} }

// option adds the counter to a DynamoDB client.
func (c *callCounter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("CountCalls", c.handle), middleware.After)
	})
}

func (c *callCounter) handle(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	op := awsmiddleware.GetOperationName(ctx)
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
	return next.HandleFinalize(ctx, in)
}

// take returns the counts since the last take and starts again from zero.
func (c *callCounter) take() callCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := callCounts(c.calls)
	c.calls = map[string]int{}
	return out
}

// callCounts is requests by operation name.
type callCounts map[string]int

func (c callCounts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// String lists the counts by operation, e.g. "GetItem 1, TransactWriteItems 2".
func (c callCounts) String() string {
	ops := make([]string, 0, len(c))
	for op := range c {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		parts = append(parts, op+" "+itoa(c[op]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
