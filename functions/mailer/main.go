// Command mailer consumes the table's stream and sends each notice the
// outbox holds, once, through SES.
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
	app, err := deployment.Load(context.Background(), deployment.Needs{Mail: true})
	if err != nil {
		slog.Error("cannot start", "function", "mailer", "error", err)
		os.Exit(1)
	}
	m := &streamapi.Mailer{Notices: app.Store, Mailer: app.Mailer, Log: app.Log}
	lambda.Start(m.Handle)
}
