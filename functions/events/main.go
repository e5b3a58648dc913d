// Command events serves the public reads of events (see deploy.Routes).
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/httpapi"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	store, b := dynamostore.Open(cfg, c.Table, logger), convening.NewBasics(logger)
	lambda.Start(frontdoor.Lambda(httpapi.Events(convening.NewEventService(b, store), convening.NewHistoryService(b, store), logger)))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
