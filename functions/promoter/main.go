// Command promoter consumes the table's stream and promotes waitlisted teams
// whenever an event shows free seats and a waiting list.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/promoter"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	store := dynamostore.Open(cfg, c.Table, logger)
	b := convening.NewBasics(logger)
	lambda.Start((&promoter.Handler{Promotion: convening.NewPromotionService(b, store), Holds: convening.NewHoldService(b, store),
		Surveys: convening.NewSurveyService(b, store, convening.ByFormat{InPerson: convening.CheckIns{Store: store}, Online: convening.OnlineAttendees{Store: store}}), Log: logger}).Invoke)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
