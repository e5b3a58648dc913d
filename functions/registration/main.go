// Command registration is the Lambda function behind the HTTP API's registration routes
// (see httpapi.Routes).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
)

func main() {
	h, err := deployment.Handler(context.Background(), "registration")
	if err != nil {
		slog.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
