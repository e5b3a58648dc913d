package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deploy"
)

// invokeCommand runs one function with one payload, as Lambda would invoke
// it, against a local system: the running `make run` one if its ports
// answer (LMI_DYNAMODB_ENDPOINT / LMI_SES_ENDPOINT), else a fresh one.
func invokeCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	name := fs.String("function", "", "function to invoke: "+strings.Join(deploy.FunctionNames(), ", "))
	file := fs.String("event", "", "JSON payload file, e.g. events/api-register.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || *file == "" {
		return fmt.Errorf("usage: lmi-local invoke -function NAME -event FILE")
	}
	payload, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	s, err := settingsFromEnv()
	if err != nil {
		return err
	}
	s.LogLevel = envOr(deploy.EnvLogLevel, "info")
	// Reuse the services of a running `make run`, so the function sees its
	// data; else start private ones on free ports.
	for _, svc := range []struct {
		name     string
		endpoint *string
		port     *int
	}{{"DYNAMODB", &s.DynamoDBEndpoint, &s.DynamoDBPort}, {"SES", &s.SESEndpoint, &s.SESPort}, {"COGNITO", &s.CognitoEndpoint, &s.CognitoPort}} {
		if *svc.endpoint != "" {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", *svc.port)
		if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
			c.Close()
			*svc.endpoint = "http://" + addr
			fmt.Fprintf(os.Stderr, "using the running %s at %s\n", svc.name, addr)
		} else {
			*svc.port = 0
		}
	}
	s.LoginPort = 0 // the running system's sign-in page keeps its port
	if st, err := readRunState(); err == nil && joinRunning(&s, st) {
		fmt.Fprintln(os.Stderr, "using the running system's staff users and link secret")
	}
	sys, err := start(ctx, s, os.Stderr)
	if err != nil {
		return err
	}
	defer sys.Stop()
	h, ok := sys.Handlers[*name]
	if !ok {
		names := make([]string, 0, len(sys.Handlers))
		for n := range sys.Handlers {
			names = append(names, n)
		}
		return fmt.Errorf("no function %q; one of %s", *name, strings.Join(names, ", "))
	}
	resp, err := lambda.NewHandler(h).Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", *name, err)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, resp, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(resp)
	}
	fmt.Fprintln(out, pretty.String())
	return nil
}
