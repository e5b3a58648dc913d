package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Function is a Lambda function's binary running as Lambda runs it: a
// process whose AWS_LAMBDA_RUNTIME_API points at a Runtime API served here,
// which hands it one event per Invoke. It is how a function's main is run
// for real outside AWS (the benchmark's cold start, the functions' smoke
// test).
type Function struct {
	srv     *http.Server
	cmd     *exec.Cmd
	started time.Time
	stderr  *lockedBuffer
	exited  chan struct{}
	waitErr error

	ready     chan time.Time // the first GET .../invocation/next
	initError chan string    // the body of POST .../init/error
	events    chan invocation
	mu        sync.Mutex
	pending   map[string]chan result // by request id
	seq       int
}

type invocation struct {
	id      string
	payload []byte
	result  chan result
}

type result struct {
	body []byte
	err  error // the function reported an error
}

// StartFunction starts the binary bin with the environment env (the
// function's own variables; AWS_LAMBDA_RUNTIME_API is added) and returns
// at once, before the function has initialized: see Ready.
func StartFunction(bin string, env []string) (*Function, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	f := &Function{ready: make(chan time.Time, 1), initError: make(chan string, 1), events: make(chan invocation),
		pending: map[string]chan result{}, exited: make(chan struct{}), stderr: &lockedBuffer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", f.answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case f.initError <- string(b):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()

	f.cmd = exec.Command(bin)
	f.cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	f.cmd.Stdout, f.cmd.Stderr = f.stderr, f.stderr
	f.started = time.Now()
	if err := f.cmd.Start(); err != nil {
		_ = f.srv.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { f.waitErr = f.cmd.Wait(); close(f.exited) }()
	return f, nil
}

// Ready waits until the function asks for its first event, which is where
// Lambda's Init Duration ends, and returns the time since its exec.
func (f *Function) Ready(ctx context.Context) (time.Duration, error) {
	select {
	case at := <-f.ready:
		f.ready <- at // for later callers
		return at.Sub(f.started), nil
	case body := <-f.initError:
		return 0, fmt.Errorf("init failed: %s", body)
	case <-f.exited:
		return 0, fmt.Errorf("exited before asking for an event (%v): %s", f.waitErr, f.stderr.String())
	case <-ctx.Done():
		return 0, fmt.Errorf("waiting for the first request for an event: %w", ctx.Err())
	}
}

// Invoke hands the function one event and returns its answer; an error the
// function reports (its handler's error) is returned as an error.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	f.seq++
	inv := invocation{id: "req-" + strconv.Itoa(f.seq), payload: payload, result: make(chan result, 1)}
	f.pending[inv.id] = inv.result
	f.mu.Unlock()
	select {
	case f.events <- inv:
	case <-f.exited:
		return nil, fmt.Errorf("the function exited (%v): %s", f.waitErr, f.stderr.String())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-inv.result:
		return r.body, r.err
	case <-f.exited:
		return nil, fmt.Errorf("the function exited during the invocation (%v): %s", f.waitErr, f.stderr.String())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Output is what the function wrote to stdout and stderr so far.
func (f *Function) Output() string { return f.stderr.String() }

// Stop kills the process and stops the Runtime API.
func (f *Function) Stop() {
	_ = f.cmd.Process.Kill()
	<-f.exited
	_ = f.srv.Close()
}

// next serves GET .../invocation/next: the next event, once there is one.
func (f *Function) next(w http.ResponseWriter, r *http.Request) {
	select {
	case f.ready <- time.Now():
	default:
	}
	select {
	case inv := <-f.events:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:"+Region+":000000000000:function:local")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done(): // the process went away
	}
}

// answer serves POST .../invocation/{id}/response and .../error.
func (f *Function) answer(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		ch := f.pending[r.PathValue("id")]
		delete(f.pending, r.PathValue("id"))
		f.mu.Unlock()
		if ch == nil {
			http.Error(w, "unknown request id", http.StatusBadRequest)
			return
		}
		res := result{body: b}
		if isError {
			res = result{err: errors.New("function error: " + strings.TrimSpace(string(b)))}
		}
		ch <- res
		w.WriteHeader(http.StatusAccepted)
	}
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
