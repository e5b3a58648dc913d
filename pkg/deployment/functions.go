package deployment

import (
	"context"
	"fmt"

	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/streamapi"
)

// The stream-consuming functions; the HTTP ones are named in httpapi.
const (
	FunctionPromoter = "promoter"
	FunctionMailer   = "mailer"
)

// Functions names every Lambda function, one folder each under functions/.
var Functions = []string{
	httpapi.FunctionEvents, httpapi.FunctionRegister, httpapi.FunctionRegistration, httpapi.FunctionAdmin,
	FunctionPromoter, FunctionMailer,
}

// Handler wires the named function from the environment and returns its
// Lambda handler, ready for lambda.Start. The functions' main packages and
// the local runner both call it, so they run the very same code.
func Handler(ctx context.Context, name string) (any, error) {
	needs := Needs{}
	switch name {
	case httpapi.FunctionRegister, httpapi.FunctionRegistration:
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
	h := httpapi.New(app.Service, httpapi.Options{Log: app.Log})
	return h.Function(name), nil
}
