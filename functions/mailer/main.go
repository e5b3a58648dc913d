// Command mailer consumes the table's stream and sends each notice the
// outbox holds, once, through SES.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deployment"
)

func main() {
	h, err := deployment.Handler(context.Background(), "mailer")
	if err != nil {
		slog.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
