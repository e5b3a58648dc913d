package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/calmi/convenings/pkg/deploy"
)

// checkAwsSolutions applies cdk-nag's AwsSolutions pack to every construct
// of the app: each finding not suppressed is an error annotation, which
// fails `cdk synth` and the template tests alike. The suppressions are
// made where the constructs are, each with a reason that holds for this
// design only (docs/operations.md lists them).
func checkAwsSolutions(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppress records on c's CloudFormation resource (its default child) that
// the rule's finding does not apply there, and why. appliesTo, if given,
// limits it to those findings of a granular rule (e.g. "Resource::*" of
// AwsSolutions-IAM5).
func suppress(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	if child := c.Node().DefaultChild(); child != nil {
		c = child
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		applies := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			applies[i] = a
		}
		s.AppliesTo = &applies
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// noAuthorizerReason says why a route that API Gateway's authorizer does
// not guard needs none (the reason for AwsSolutions-APIG4), from the route
// table: the staff API has the authorizer (""); a console page's function
// checks its own sign-in session and the page's roles; a public route says
// why in deploy.Route.Public, and without it gets no suppression, so that
// its finding fails synthesis.
func noAuthorizerReason(r deploy.Route) string {
	switch {
	case r.Authorized():
		return ""
	case r.Session:
		return fmt.Sprintf("A staff console page for the roles %s: the console function admits only a signed-in "+
			"staff member with one of these roles, on every request, from its own session (a Cognito sign-in kept "+
			"server-side behind a cookie, which API Gateway's JWT authorizer cannot read).", strings.Join(r.Roles, ", "))
	default:
		return r.Public
	}
}

// suppressNoAuthorizer records noAuthorizerReason on the route's construct.
func suppressNoAuthorizer(route constructs.IConstruct, r deploy.Route) {
	if reason := noAuthorizerReason(r); reason != "" {
		suppress(route, "AwsSolutions-APIG4", reason)
	}
}
