// Command promoter consumes the table's stream and promotes waitlisted teams
// whenever an event shows free seats and a waiting list.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
)

func main() {
	h, err := deployment.Handler(context.Background(), "promoter")
	if err != nil {
		slog.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
