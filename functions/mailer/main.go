// Command mailer sends each email the outbox holds, once, through SES.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/mailer"
	"github.com/calmi/convenings/pkg/tokensecret"
)

func main() {
	c, ctx := deploy.ConfigFromEnv(os.Getenv), context.Background()
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	secret := must(tokensecret.Load(ctx, cfg, c.TokenSecretARN, c.TokenSecret))
	ses := sesv2.NewFromConfig(cfg, mailer.SESRetries) // few SDK retries: the mailer retries sends itself
	lambda.Start(must(mailer.New(dynamostore.Open(cfg, c.Table, logger), ses, secret.Tokens, c, logger)).Invoke)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
