package deployment

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/streamapi"
	"github.com/calmi/convenings/pkg/web"
)

// The stream-consuming functions; the HTTP ones are named in httpapi.
const (
	FunctionPromoter = "promoter"
	FunctionMailer   = "mailer"
)

// Functions names every Lambda function, one folder each under functions/.
var Functions = []string{
	httpapi.FunctionEvents, httpapi.FunctionRegister, httpapi.FunctionRegistration, httpapi.FunctionAdmin,
	httpapi.FunctionWeb, FunctionPromoter, FunctionMailer,
}

// Handler wires the named function from the environment and returns its
// Lambda handler, ready for lambda.Start. The functions' main packages and
// the local runner both call it, so they run the very same code.
func Handler(ctx context.Context, name string) (any, error) {
	needs := Needs{}
	switch name {
	case httpapi.FunctionRegister, httpapi.FunctionRegistration, httpapi.FunctionWeb:
		needs.Tokens = true
	case FunctionMailer:
		needs.Mail = true
	case httpapi.FunctionEvents, httpapi.FunctionAdmin, FunctionPromoter:
	default:
		return nil, fmt.Errorf("no function named %q", name)
	}
	app, err := Load(ctx, needs)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	switch name {
	case FunctionPromoter:
		return (&streamapi.Promoter{Service: app.Service, Log: app.Log}).Handle, nil
	case FunctionMailer:
		return (&streamapi.Mailer{Notices: app.Store, Mailer: app.Mailer, Log: app.Log}).Invoke, nil
	}
	if name == httpapi.FunctionWeb {
		site, err := web.New(app.Service, web.Options{CSRFKey: app.DeriveKey("lmi-web-csrf-v1"), Log: app.Log})
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
		return site.Handle, nil
	}
	h := httpapi.New(app.Service, httpapi.Options{Log: app.Log})
	return h.Function(name), nil
}

// Main runs the named function in Lambda: it wires the function from the
// environment and hands it to the Lambda runtime. A function that cannot
// start logs why and exits, so Lambda reports an init error.
func Main(name string) {
	h, err := Handler(context.Background(), name)
	if err != nil {
		NewLogger(os.Getenv(EnvLogLevel)).Error("cannot start", "function", name, "error", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
