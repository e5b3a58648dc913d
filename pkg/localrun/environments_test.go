package localrun_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localrun"
)

// concurrencyProbe is a typed handler that records how many invocations
// run at once and echoes the request's path, so that a response mixed up
// with another's (a shared output buffer) shows.
type concurrencyProbe struct {
	running, peak atomic.Int64
	hold          time.Duration
}

func (p *concurrencyProbe) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		peak := p.peak.Load()
		if n <= peak || p.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	time.Sleep(p.hold)
	// A long body, so that each response fills the handler's buffer.
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: strings.Repeat(req.RawPath+";", 200)}, nil
}

func (p *concurrencyProbe) functions() map[string]lambda.Handler {
	fns := map[string]lambda.Handler{}
	for _, rt := range deploy.Routes {
		fns[rt.Function] = lambda.NewHandler(p.handle)
	}
	return fns
}

// rush sends n GET /api/events/{id} requests at once and checks that each
// gets its own answer.
func rush(t *testing.T, url string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			path := fmt.Sprintf("/api/events/e%d", i)
			resp, err := http.Get(url + path)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || string(body) != strings.Repeat(path+";", 200) {
				t.Errorf("%s: %d %v, body for another request: %.60q", path, resp.StatusCode, err, body)
			}
		})
	}
	wg.Wait()
}

func TestGatewayOneEnvironmentByDefault(t *testing.T) {
	p := &concurrencyProbe{hold: 5 * time.Millisecond}
	url := newGatewayServer(t, p.functions(), localrun.GatewayOptions{})
	rush(t, url, 12)
	if got := p.peak.Load(); got != 1 {
		t.Errorf("%d invocations ran at once, want 1 (one execution environment)", got)
	}
}

func TestGatewayEnvironments(t *testing.T) {
	const envs = 4
	p := &concurrencyProbe{hold: 30 * time.Millisecond}
	var made atomic.Int64
	url := newGatewayServer(t, p.functions(), localrun.GatewayOptions{
		Environments: envs,
		NewEnvironment: func(string) lambda.Handler {
			made.Add(1)
			return lambda.NewHandler(p.handle)
		},
	})
	// One function serves /api/events/{eventId}: it gets envs-1 new
	// handlers; the others get theirs too.
	functions := map[string]bool{}
	for _, rt := range deploy.Routes {
		functions[rt.Function] = true
	}
	if want := int64(len(functions) * (envs - 1)); made.Load() != want {
		t.Errorf("NewEnvironment called %d times, want %d", made.Load(), want)
	}
	rush(t, url, 40)
	if got := p.peak.Load(); got != envs {
		t.Errorf("%d invocations ran at once, want %d (one per environment)", got, envs)
	}
}

func TestGatewayEnvironmentsNeedFactory(t *testing.T) {
	p := &concurrencyProbe{}
	if _, err := localrun.NewGateway(deploy.Routes, p.functions(), localrun.GatewayOptions{Environments: 2}); err == nil {
		t.Error("Environments: 2 without NewEnvironment was accepted")
	}
	_, err := localrun.NewGateway(deploy.Routes, p.functions(), localrun.GatewayOptions{
		Environments: 2, NewEnvironment: func(string) lambda.Handler { return nil }})
	if err == nil {
		t.Error("a NewEnvironment that returns nil was accepted")
	}
}
