// Command web serves the registration website teams use (see package web).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/tokensecret"
	"github.com/calmi/convenings/pkg/web"
)

func main() {
	c, ctx := deploy.ConfigFromEnv(os.Getenv), context.Background()
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	secret := must(tokensecret.Load(ctx, cfg, c.TokenSecretARN, c.TokenSecret))
	contact := must(convening.ProgramContactFrom(c.ContactName, c.ContactEmail, c.ContactPhone))
	store, b := dynamostore.Open(cfg, c.Table, logger), convening.NewBasics(logger).WithContact(contact)
	services := web.Services{EventService: convening.NewEventService(b, store),
		RegistrationService: convening.NewRegistrationService(b, store, secret.Tokens), StatementService: convening.NewStatementService(b, store, secret.Tokens),
		LinksService:        convening.NewLinksService(b, store),
		BillingService:      convening.NewBillingService(b, store, secret.Tokens, convening.PayeeFrom(c.PayeeName, c.PayeeAddress, c.PayeeTaxID, c.PaymentInstructions)),
		SurveyAnswerService: convening.NewSurveyAnswerService(b, store, secret.Tokens),
		DuplicateService:    convening.NewDuplicateService(b, store),
		EligibilityService:  convening.NewEligibilityService(b, store), JoinService: convening.NewJoinService(b, store, secret.Tokens),
		HistoryService: convening.NewHistoryService(b, store)}
	lambda.Start(frontdoor.Lambda(must(web.New(services, web.Options{CSRFKey: secret.Derive(web.CSRFKeyLabel), CSRFPreviousKeys: secret.DerivePrevious(web.CSRFKeyLabel), Log: logger, Contact: contact}))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
