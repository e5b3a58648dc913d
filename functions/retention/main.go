// Command retention erases, once a day, the people of every registration
// whose event ended more than convening.RetainAfterEvent ago, the
// unmatched participants of online events as long after, and the people of
// the attendance history after convening.RetainHistory.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/retention"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	store := dynamostore.Open(cfg, c.Table, logger)
	b := convening.NewBasics(logger)
	lambda.Start((&retention.Handler{Privacy: convening.NewPrivacyService(b, store), History: convening.NewHistoryService(b, store), Log: logger}).Handle)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
