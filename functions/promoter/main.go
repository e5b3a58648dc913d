// Command promoter consumes the table's stream and promotes waitlisted teams
// whenever an event shows free seats and a waiting list.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
	"github.com/calmi/convenings/pkg/streamapi"
)

func main() {
	app, err := deployment.Load(context.Background(), deployment.Needs{})
	if err != nil {
		slog.Error("cannot start", "function", "promoter", "error", err)
		os.Exit(1)
	}
	p := &streamapi.Promoter{Service: app.Service, Log: app.Log}
	lambda.Start(p.Handle)
}
