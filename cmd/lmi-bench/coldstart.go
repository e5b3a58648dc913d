package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/localaws"
)

// coldRow is one function's shipped size and init time.
type coldRow struct {
	function string
	arm64    int64         // bytes, stripped linux/arm64 as `make build` and cdk deploy build it
	amd64    int64         // bytes, the same for linux/amd64, the build that runs here
	init     time.Duration // median wall time from exec to its first GET .../invocation/next
	runs     latencies
}

// measureColdStart builds every function as Lambda gets it and measures
// how long each takes from exec until it asks the Runtime API for its
// first event: the moment Lambda's Init Duration ends.
func measureColdStart(ctx context.Context, l *lab, rep *report) error {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "bin", "bench")
	for _, arch := range []string{"arm64", "amd64"} {
		if err := buildFunctions(ctx, root, filepath.Join(dir, arch), arch); err != nil {
			return err
		}
	}
	rt, err := startRuntimeAPI()
	if err != nil {
		return err
	}
	defer rt.close()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_REGION=us-west-2",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_RUNTIME_API=" + rt.addr,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		deployment.EnvTableName + "=bench", deployment.EnvDynamoDBEndpoint + "=" + l.dynamoURL,
		deployment.EnvSESEndpoint + "=" + l.sesURL, deployment.EnvTokenSecret + "=" + tokenSecret,
		deployment.EnvPublicURL + "=" + publicURL, deployment.EnvSenderEmail + "=" + senderEmail,
		deployment.EnvSESMaxSendRate + "=1", deployment.EnvLogLevel + "=warn",
	}
	for _, fn := range deployment.Functions {
		row := coldRow{function: fn}
		for arch, size := range map[string]*int64{"arm64": &row.arm64, "amd64": &row.amd64} {
			st, err := os.Stat(filepath.Join(dir, arch, fn))
			if err != nil {
				return err
			}
			*size = st.Size()
		}
		bin := filepath.Join(dir, "amd64", fn)
		for i := range rep.config.coldRuns + 1 {
			d, err := rt.coldStart(ctx, bin, append(env, "AWS_LAMBDA_FUNCTION_NAME="+fn))
			if err != nil {
				return fmt.Errorf("%s: %w", fn, err)
			}
			if i > 0 { // the first run warms the page cache
				row.runs = append(row.runs, d)
			}
		}
		row.init = row.runs.median()
		rep.cold = append(rep.cold, row)
		fmt.Printf("  %-14s arm64 %5.1f MB  init %6s ms (median of %d)\n", fn, float64(row.arm64)/1e6, ms(row.init), len(row.runs))
	}
	return nil
}

// buildFunctions builds every function stripped, as `make build` does.
func buildFunctions(ctx context.Context, root, out, arch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", out+string(filepath.Separator), "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build functions for %s: %w\n%s", arch, err, b)
	}
	return nil
}

// runtimeAPI is a fake Lambda Runtime API: it notes when the function
// first asks for an event and never gives it one.
type runtimeAPI struct {
	addr  string
	srv   *http.Server
	asked chan time.Time
	init  chan string // the body of an init error
}

func startRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rt := &runtimeAPI{addr: ln.Addr().String(), asked: make(chan time.Time, 1), init: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case rt.asked <- time.Now():
		default:
		}
		<-r.Context().Done() // no event: hold the request until the process goes
	})
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case rt.init <- string(b):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})
	rt.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = rt.srv.Serve(ln) }()
	return rt, nil
}

func (rt *runtimeAPI) close() { _ = rt.srv.Close() }

// coldStart runs bin once and returns the time from exec to its first
// GET /2018-06-01/runtime/invocation/next; then it kills the process.
func (rt *runtimeAPI) coldStart(ctx context.Context, bin string, env []string) (time.Duration, error) {
	select { // a stale signal from an earlier run
	case <-rt.asked:
	default:
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	select {
	case at := <-rt.asked:
		return at.Sub(start), nil
	case body := <-rt.init:
		return 0, fmt.Errorf("init failed: %s", body)
	case err := <-exited:
		exited <- err
		return 0, fmt.Errorf("exited before asking for an event (%v): %s", err, stderr.String())
	case <-timeout.C:
		return 0, errors.New("did not ask for an event within 15 s")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
