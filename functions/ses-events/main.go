// Command ses-events records what SES reports about the email the mailer
// sent (see package mailevents): a hard bounce or a complaint fails the
// notice, for staff to see. SNS invokes it with the configuration set's
// bounce and complaint events.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/sesevents"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	store := dynamostore.Open(cfg, c.Table, logger)
	lambda.Start(sesevents.New(store, logger).Handle)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
