// Command sequencer places the registrations received at queued events,
// in arrival order, many per transaction: triggered by the table's stream
// when a registration is put in line, and every minute as a safety net.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/sequencer"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	store := dynamostore.Open(cfg, c.Table, logger)
	lambda.Start((&sequencer.Handler{Queue: convening.NewQueueService(convening.NewBasics(logger), store), Log: logger}).Invoke)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
