package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

// invokeCommand runs one function with one payload, as Lambda would invoke
// it, against a local system: the running `make run` one if its ports
// answer (LMI_DYNAMODB_ENDPOINT / LMI_SES_ENDPOINT), else a fresh one.
func invokeCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	name := fs.String("function", "", "function to invoke (events, register, registration, admin, promoter, mailer)")
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
	s.LogLevel = envOr("LMI_LOG_LEVEL", "info")
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
