package localrun

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The account and region in the ARNs and request contexts made up locally.
const (
	localAccountID = "000000000000"
	defaultRegion  = "us-west-2"
)

// errTimedOut marks an invocation that outran its deadline.
var errTimedOut = errors.New("task timed out")

// function is one Lambda function as the local runner invokes it.
type function struct {
	name    string
	handler lambda.Handler
	region  string
	// env admits one invocation at a time, as one Lambda execution
	// environment does. Function code may rely on that (package-level
	// state), and aws-lambda-go's handler returns bytes from a pooled
	// buffer that the next Invoke on the same handler reuses.
	env chan struct{}
}

// environments holds one env per comparable handler, so a handler given
// to both a Gateway and a StreamPoller still runs one event at a time.
var environments sync.Map // lambda.Handler -> chan struct{}

func newFunction(name string, h lambda.Handler, region string) *function {
	env := make(chan struct{}, 1)
	if t := reflect.TypeOf(h); t != nil && t.Comparable() {
		shared, _ := environments.LoadOrStore(h, env)
		env = shared.(chan struct{})
	}
	return &function{name: name, handler: h, region: region, env: env}
}

func (f *function) arn() string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.region, localAccountID, f.name)
}

// invoke calls the function with payload as Lambda would: with a Lambda
// context and a deadline, a panic turned into a function error. It returns
// when the deadline passes even if the function has not, since Lambda
// would have stopped it; the function then keeps its environment busy
// until it does return.
func (f *function) invoke(ctx context.Context, payload []byte, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case f.env <- struct{}{}:
	case <-ctx.Done():
		return nil, f.ctxErr(ctx, timeout)
	}
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newUUID(),
		InvokedFunctionArn: f.arn(),
	})
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-f.env }()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("function %s panicked: %v", f.name, p)}
			}
		}()
		out, err := f.handler.Invoke(ctx, payload)
		// Copy before the environment is released: the next Invoke may
		// reuse the buffer out points into.
		done <- result{out: append([]byte(nil), out...), err: err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, f.ctxErr(ctx, timeout)
	}
}

func (f *function) ctxErr(ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("function %s: %w after %s", f.name, errTimedOut, timeout)
	}
	return fmt.Errorf("function %s: %w", f.name, ctx.Err())
}

// newUUID returns a random (version 4) UUID, the form of Lambda request IDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
