package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 5 * time.Second

// Process is a running local service.
type Process struct {
	name     string
	endpoint string
	cmd      *exec.Cmd
	output   *tailBuffer

	exited  chan struct{} // closed once the process has exited
	waitErr error         // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Endpoint is the service's base URL, e.g. http://127.0.0.1:8000.
func (p *Process) Endpoint() string { return p.endpoint }

// Done is closed when the process exits, whether through Stop or not, so a
// runner can notice a service that died under it.
func (p *Process) Done() <-chan struct{} { return p.exited }

// Stop ends the process and everything it started: SIGTERM to its process
// group, then SIGKILL if it is still there after a grace period. It is safe
// to call more than once and from several goroutines; later calls return
// the first call's result.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop() })
	return p.stopErr
}

func (p *Process) stop() error {
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("%s had already exited: %w", p.name, p.waitErr)
		}
		return nil
	default:
	}
	if err := terminate(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopGrace):
	}
	if err := kill(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-p.exited
	return nil
}

// serviceSpec says how to run and probe one local service.
type serviceSpec struct {
	name    string
	port    int // 0 picks a free one
	command func(port int) (*exec.Cmd, error)
	// probe returns nil once the service answers at endpoint.
	probe          func(ctx context.Context, endpoint string) error
	timeout        time.Duration
	stdout, stderr io.Writer
}

// startService starts the service and waits until it answers. ctx bounds
// only the start-up; the process runs until Stop.
func startService(ctx context.Context, spec serviceSpec) (*Process, error) {
	// A free port found by listening and closing can be taken by someone
	// else before the child binds it; try again with another one then.
	attempts := 1
	if spec.port == 0 {
		attempts = 3
	}
	var err error
	for range attempts {
		port := spec.port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, fmt.Errorf("start %s: %w", spec.name, err)
			}
		}
		var p *Process
		var exitedEarly bool
		p, exitedEarly, err = startOnce(ctx, spec, port)
		if err == nil {
			return p, nil
		}
		if !exitedEarly || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func startOnce(ctx context.Context, spec serviceSpec, port int) (p *Process, exitedEarly bool, err error) {
	cmd, err := spec.command(port)
	if err != nil {
		return nil, false, fmt.Errorf("start %s: %w", spec.name, err)
	}
	tail := &tailBuffer{max: 4096}
	cmd.Stdout = teeWriter(spec.stdout, tail)
	cmd.Stderr = teeWriter(spec.stderr, tail)
	// Its own process group: a Ctrl-C in the terminal reaches only the
	// parent, which then stops the service in order, and Stop can signal
	// the whole group.
	setProcessGroup(cmd)
	// Bounds Wait when something the child started still holds its output.
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		return nil, false, fmt.Errorf("start %s: %w", spec.name, err)
	}
	p = &Process{
		name:     spec.name,
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		output:   tail,
		exited:   make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()

	ctx, cancel := context.WithTimeout(ctx, spec.timeout)
	defer cancel()
	var probeErr error
	for {
		probeCtx, cancelProbe := context.WithTimeout(ctx, 2*time.Second)
		probeErr = spec.probe(probeCtx, p.endpoint)
		cancelProbe()
		if probeErr == nil {
			return p, false, nil
		}
		select {
		case <-p.exited:
			return nil, true, fmt.Errorf("%s exited before it answered (%v); its output ends with:\n%s", spec.name, p.waitErr, tail)
		case <-ctx.Done():
			_ = p.Stop()
			return nil, false, fmt.Errorf("%s did not answer at %s within %s (last probe: %v): %w; its output ends with:\n%s",
				spec.name, p.endpoint, spec.timeout, probeErr, ctx.Err(), tail)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a port that is free right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func teeWriter(w io.Writer, tail *tailBuffer) io.Writer {
	if w == nil {
		return tail
	}
	return io.MultiWriter(w, tail)
}

// tailBuffer keeps the last max bytes written, to explain a failed start.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
