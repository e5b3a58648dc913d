// Command admin is the Lambda function behind the HTTP API's admin routes
// (see httpapi.Routes).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/httpapi"
)

func main() {
	app, err := deployment.Load(context.Background(), deployment.Needs{})
	if err != nil {
		slog.Error("cannot start", "function", httpapi.FunctionAdmin, "error", err)
		os.Exit(1)
	}
	h := httpapi.New(app.Service, httpapi.Options{StaffToken: app.StaffToken, Log: app.Log})
	lambda.Start(h.Function(httpapi.FunctionAdmin))
}
