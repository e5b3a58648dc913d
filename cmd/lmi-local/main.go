// Command lmi-local runs the whole registration system on one machine: AWS's
// DynamoDB Local and a local SES endpoint as child processes, the table,
// the sample events, the HTTP API served by the very handlers the Lambda
// functions run, and a stream poller feeding the promoter and the mailer as
// Lambda's event source mappings would.
//
//	lmi-local                 run everything until Ctrl-C
//	lmi-local invoke -function register -event events/api-register.json
//
// Ports and tokens come from the environment (see README.md).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "invoke" {
		err = invokeCommand(ctx, os.Args[2:], os.Stdout)
	} else {
		err = runCommand(ctx, os.Args[1:], os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "lmi-local:", err)
		os.Exit(1)
	}
}

// settings are what the environment may change.
type settings struct {
	HTTPPort, DynamoDBPort, SESPort int
	// DynamoDBEndpoint and SESEndpoint name running services to use
	// instead of starting them.
	DynamoDBEndpoint, SESEndpoint string
	Table                         string
	StaffToken, TokenSecret       string
	DataDir                       string
	Sender                        string
	LogLevel                      string
}

func settingsFromEnv() (settings, error) {
	s := settings{
		Table:            envOr("LMI_TABLE_NAME", "convenings"),
		DynamoDBEndpoint: os.Getenv("LMI_DYNAMODB_ENDPOINT"),
		SESEndpoint:      os.Getenv("LMI_SES_ENDPOINT"),
		StaffToken:       os.Getenv("LMI_STAFF_TOKEN"),
		TokenSecret:      os.Getenv("LMI_TOKEN_SECRET"),
		DataDir:          os.Getenv("LMI_DATA_DIR"),
		Sender:           envOr("LMI_SENDER_EMAIL", "CA LMI Convenings <convenings@lmi.example.org>"),
		LogLevel:         envOr("LMI_LOG_LEVEL", "warn"),
	}
	for _, p := range []struct {
		name string
		def  int
		dst  *int
	}{{"LMI_HTTP_PORT", 8080, &s.HTTPPort}, {"LMI_DYNAMODB_PORT", 8000, &s.DynamoDBPort}, {"LMI_SES_PORT", 8005, &s.SESPort}} {
		*p.dst = p.def
		if v := os.Getenv(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 65535 {
				return s, fmt.Errorf("%s must be a port number, not %q", p.name, v)
			}
			*p.dst = n
		}
	}
	var err error
	if s.StaffToken == "" {
		if s.StaffToken, err = randomToken(); err != nil {
			return s, err
		}
	}
	if s.TokenSecret == "" {
		if s.TokenSecret, err = randomToken(); err != nil {
			return s, err
		}
	}
	return s, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func runCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lmi-local", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := settingsFromEnv()
	if err != nil {
		return err
	}
	sys, err := start(ctx, s, os.Stderr)
	if err != nil {
		return err
	}
	defer sys.Stop()

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTPPort))
	if err != nil {
		return fmt.Errorf("listen on port %d (set LMI_HTTP_PORT to use another): %w", s.HTTPPort, err)
	}
	srv := &http.Server{Handler: sys.Gateway, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	api := "http://" + ln.Addr().String()
	fmt.Fprintf(out, `
CA LMI convenings, running locally
  Website        %[1]s/   (teams register here)
  API            %[1]s/api/events
  Mail viewer    %[2]s/   (every email the system sends)
  DynamoDB Local %[3]s   table %[4]q
  Staff token    %[5]s
                 (export LMI_STAFF_TOKEN to keep it across runs)

Try:
  curl -s %[1]s/api/events
  curl -s -X POST %[1]s/api/events/central-valley-convening-2027/registrations \
    -H 'Content-Type: application/json' -d @docs/examples/team.json
  curl -s %[1]s/api/admin/events/central-valley-convening-2027/registrations \
    -H "Authorization: Bearer %[5]s"

Ctrl-C stops everything.
`, api, sys.SESURL, sys.DynamoDBURL, s.Table, s.StaffToken)

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("HTTP server: %w", err)
	case err := <-sys.PollerDone:
		return fmt.Errorf("stream poller stopped: %w", err)
	}
	fmt.Fprintln(out, "\nstopping…")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}
