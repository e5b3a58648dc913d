package main

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// The limits staff may change with `-c key=value` (docs/architecture.md,
// "Limits", explains each number).
const (
	// The public routes that write: registration (the API's POST and the
	// website's form) and cancellation (the API's DELETE and the website's
	// cancel), each route its own bucket.
	ContextRegisterRateLimit  = "apiRegisterRateLimit"
	ContextRegisterBurstLimit = "apiRegisterBurstLimit"
	ContextCancelRateLimit    = "apiCancelRateLimit"
	ContextCancelBurstLimit   = "apiCancelBurstLimit"
	// Reserved concurrency of the functions no rush of HTTP traffic may
	// starve: none unless set, so that the stack deploys on a new account
	// (docs/architecture.md, "Limits", says when to set them).
	ContextPromoterConcurrency  = "promoterReservedConcurrency"
	ContextMailerConcurrency    = "mailerReservedConcurrency"
	ContextSESEventsConcurrency = "sesEventsReservedConcurrency"
)

// Their defaults.
const (
	// 20 registrations a second is 40 or so transactions on an event's
	// item when most teams are waitlisted (two each), inside the 50-100 a
	// second one item takes (docs/performance.md): past it, requests would
	// fight on the item until they answer 503 after 10 s; throttled, they
	// get a 429 at once, before any Lambda runs.
	DefaultRegisterRateLimit  = 20
	DefaultRegisterBurstLimit = 40
	// A cancellation is a transaction and a promotion (two more, and
	// reads); teams cancel one at a time, so a handful a second is plenty,
	// and a stranger guessing manage links gets no further.
	DefaultCancelRateLimit  = 5
	DefaultCancelBurstLimit = 10
	// UnreservedMailers is how many mailers the SES rate is shared by when
	// the mailer has no reserved concurrency to cap it: one for the
	// stream, one for the sweep, which is what a table of this size runs.
	// More at once would exceed the rate; SES then refuses the excess,
	// and each refused notice is put off a minute and sent again.
	UnreservedMailers = 2
)

// throttle is one class's limits.
type throttle struct{ rate, burst float64 }

// reservation names a function's reserved concurrency in the context.
type reservation struct {
	contextKey string
}

// resolveRouteThrottles reads each throttling class's limits from the
// context, or its defaults. A burst is a whole number of requests.
func resolveRouteThrottles(stack awscdk.Stack) map[deploy.Throttle]throttle {
	classes := map[deploy.Throttle]throttle{
		deploy.ThrottleRegister: {
			rate:  firstPositive(contextNumber(stack, ContextRegisterRateLimit), DefaultRegisterRateLimit),
			burst: firstPositive(contextNumber(stack, ContextRegisterBurstLimit), DefaultRegisterBurstLimit),
		},
		deploy.ThrottleCancel: {
			rate:  firstPositive(contextNumber(stack, ContextCancelRateLimit), DefaultCancelRateLimit),
			burst: firstPositive(contextNumber(stack, ContextCancelBurstLimit), DefaultCancelBurstLimit),
		},
	}
	for class, t := range classes {
		if t.burst != math.Trunc(t.burst) {
			awscdk.Annotations_Of(stack).AddError(jsii.String(fmt.Sprintf("the %s routes' burst limit %v is not a whole number", class, t.burst)))
		}
	}
	return classes
}

// resolveReserved reads the reserved concurrency of each function the
// context gives one (none by default). A number that is not a whole one
// is a synth error.
func resolveReserved(stack awscdk.Stack) map[string]int {
	out := map[string]int{}
	for name, spec := range functionSpecs() {
		if spec.reserved == nil {
			continue
		}
		n := contextNumber(stack, spec.reserved.contextKey)
		if n == 0 {
			continue
		}
		if n != math.Trunc(n) {
			awscdk.Annotations_Of(stack).AddError(jsii.String(fmt.Sprintf("context %s=%v is not a whole number", spec.reserved.contextKey, n)))
		}
		out[name] = int(n)
	}
	return out
}

// throttleRoutes gives each throttled route its class's limits in the
// stage's route settings; the other routes keep the stage's default. The
// stage must come after the routes: CloudFormation refuses settings for a
// route key that does not exist yet.
func throttleRoutes(stage awsapigatewayv2.HttpStage, classes map[deploy.Throttle]throttle, routes map[string][]awsapigatewayv2.HttpRoute) {
	settings := map[string]any{}
	for _, r := range deploy.Routes {
		if r.Throttle == "" {
			continue
		}
		c, ok := classes[r.Throttle]
		if !ok {
			panic(fmt.Sprintf("route %s: no limits for throttling class %q", r.Key(), r.Throttle))
		}
		// RouteSettings is free-form JSON to CloudFormation: the keys are
		// written as its RouteSettings type names them.
		settings[r.Key()] = map[string]any{"ThrottlingRateLimit": c.rate, "ThrottlingBurstLimit": c.burst}
		for _, route := range routes[r.Key()] {
			stage.Node().AddDependency(route)
		}
	}
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetRouteSettings(settings)
}
