// Command console serves the staff console (see package console): sign-in
// through the user pool's managed login, sessions in the table, the pages.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/tokensecret"
)

func main() {
	c, ctx := deploy.ConfigFromEnv(os.Getenv), context.Background()
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	secret := must(tokensecret.Load(ctx, cfg, c.TokenSecretARN, c.TokenSecret))
	store := dynamostore.Open(cfg, c.Table, logger)
	pool := cognito.Pool{Issuer: c.CognitoIssuer, ClientID: c.CognitoClientID, LoginURL: c.CognitoLoginURL}
	contact := must(convening.ProgramContactFrom(c.ContactName, c.ContactEmail, c.ContactPhone))
	b := convening.NewBasics(logger).WithContact(contact)
	services := console.Services{EventService: convening.NewEventService(b, store), StaffService: convening.NewStaffService(b, store),
		ReviewService: convening.NewReviewService(b, store), NoticeService: convening.NewNoticeService(b, store),
		OrganizationService: convening.NewOrganizationService(b, store), PrivacyService: convening.NewPrivacyService(b, store),
		FeeService:          convening.NewFeeService(b, store, convening.PayeeFrom(c.PayeeName, c.PayeeAddress, c.PayeeTaxID, c.PaymentInstructions)),
		SurveyService:       convening.NewSurveyService(b, store, convening.ByFormat{InPerson: convening.CheckIns{Store: store}, Online: convening.OnlineAttendees{Store: store}}),
		DuplicateService:    convening.NewDuplicateService(b, store),
		AnnouncementService: convening.NewAnnouncementService(b, store),
		EligibilityService:  convening.NewEligibilityService(b, store), AttendanceService: convening.NewAttendanceService(b, store),
		HistoryService: convening.NewHistoryService(b, store), NetworkService: convening.NewNetworkService(b, store)}

	lambda.Start(frontdoor.Lambda(must(console.New(ctx, services, store,
		console.Options{Pool: pool, PublicURL: c.PublicURL, Key: secret.Derive(console.KeyLabel),
			PreviousKeys: secret.DerivePrevious(console.KeyLabel), Log: logger, Contact: contact}))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
