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

// function is one Lambda function as the local runner invokes it: a pool
// of execution environments, each running one invocation at a time.
type function struct {
	name   string
	region string
	idle   chan *environment
}

// environment is one Lambda execution environment: one handler, one
// invocation at a time. Function code may rely on that (package-level
// state), and aws-lambda-go's handler returns bytes from a pooled buffer
// that the next Invoke on the same handler reuses.
type environment struct {
	handler lambda.Handler
	busy    chan struct{}
}

// environments holds one busy lock per comparable handler, so a handler
// given to both a Gateway and a StreamPoller still runs one event at a time.
var environments sync.Map // lambda.Handler -> chan struct{}

// newFunction returns a function with one execution environment per
// handler: h, then more. Invocations beyond their number wait for one to
// be free, as Lambda's would at a concurrency limit.
func newFunction(name string, h lambda.Handler, region string, more ...lambda.Handler) *function {
	handlers := append([]lambda.Handler{h}, more...)
	f := &function{name: name, region: region, idle: make(chan *environment, len(handlers))}
	for _, h := range handlers {
		busy := make(chan struct{}, 1)
		if t := reflect.TypeOf(h); t != nil && t.Comparable() {
			shared, _ := environments.LoadOrStore(h, busy)
			busy = shared.(chan struct{})
		}
		f.idle <- &environment{handler: h, busy: busy}
	}
	return f
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
	var env *environment
	select {
	case env = <-f.idle:
	case <-ctx.Done():
		return nil, f.ctxErr(ctx, timeout)
	}
	select {
	case env.busy <- struct{}{}:
	case <-ctx.Done():
		f.idle <- env
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
		defer func() {
			<-env.busy
			f.idle <- env
		}()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("function %s panicked: %v", f.name, p)}
			}
		}()
		out, err := env.handler.Invoke(ctx, payload)
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
