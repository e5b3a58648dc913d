// Command admin serves the staff API (see deploy.Routes): events, capacity,
// rosters, failed notices. API Gateway lets only signed-in staff through.
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
	lambda.Start(frontdoor.Lambda(httpapi.Admin(convening.NewEventService(b, store), convening.NewStaffService(b, store), convening.NewReviewService(b, store),
		convening.NewNoticeService(b, store), convening.NewOrganizationService(b, store), convening.NewPrivacyService(b, store),
		convening.NewFeeService(b, store, convening.PayeeFrom(c.PayeeName, c.PayeeAddress, c.PayeeTaxID, c.PaymentInstructions)),
		convening.NewSurveyService(b, store, convening.ByFormat{InPerson: convening.CheckIns{Store: store}, Online: convening.OnlineAttendees{Store: store}}),
		convening.NewAnnouncementService(b, store), httpapi.NewPeople(b, store), logger)))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
