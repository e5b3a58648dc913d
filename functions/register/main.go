// Command register serves team registration (see deploy.Routes).
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
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/tokensecret"
)

func main() {
	c, ctx := deploy.ConfigFromEnv(os.Getenv), context.Background()
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	secret := must(tokensecret.Load(ctx, cfg, c.TokenSecretARN, c.TokenSecret))
	store, b := dynamostore.Open(cfg, c.Table, logger), convening.NewBasics(logger)
	contact := must(convening.ProgramContactFrom(c.ContactName, c.ContactEmail, c.ContactPhone))
	lambda.Start(frontdoor.Lambda(httpapi.Register(convening.NewRegistrationService(b.WithContact(contact), store, secret.Tokens), convening.NewEligibilityService(b, store), logger)))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
