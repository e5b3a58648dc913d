// Command token-rotation rotates the manage-token secret (see package
// tokensecret): Secrets Manager invokes it with each step of a rotation,
// on the schedule the stack sets (deploy.TokenKeyRotationSchedule) or when
// staff rotate the secret by hand. The secret's id comes with each event.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/calmi/convenings/pkg/awsconfig"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/tokensecret"
)

func main() {
	c := deploy.ConfigFromEnv(os.Getenv)
	logger, cfg := c.Logger(os.Stderr), must(awsconfig.FromEnvironment(os.Getenv))
	rotator := &tokensecret.Rotator{Secrets: secretsmanager.NewFromConfig(cfg), Log: logger}
	lambda.Start(rotator.Handle)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err) // at start-up: Lambda reports an init error
	}
	return v
}
