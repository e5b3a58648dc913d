package main

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// accessLogRetention is how long the HTTP API's access log is kept: long
// enough to look into a registration day's trouble or a stranger guessing
// links after the fact, short because each line holds a caller's IP
// address.
const accessLogRetention = awslogs.RetentionDays_ONE_MONTH

// accessLogFields are the HTTP API's access log: one JSON object per
// request, a field each, from API Gateway's $context variables. They say
// what happened (route, status, how long, the integration's status and
// API Gateway's own error, e.g. a throttled request's) and who asked (the
// caller's IP), and nothing that names a person or opens a private link:
// no path ($context.path holds the registration, statement and member ids
// that, with a token, make a team's link), no query string (where the
// tokens are), no user agent, no JWT claims (a staff member's email). The
// route key is the route's template, e.g. "GET /manage/{registrationId}".
var accessLogFields = []struct{ name, variable string }{
	{"requestId", "$context.requestId"},
	{"requestTime", "$context.requestTime"},
	{"routeKey", "$context.routeKey"},
	{"status", "$context.status"},
	{"responseLatency", "$context.responseLatency"},
	{"integrationLatency", "$context.integrationLatency"},
	{"integrationStatus", "$context.integrationStatus"},
	{"responseLength", "$context.responseLength"},
	{"sourceIp", "$context.identity.sourceIp"},
	{"protocol", "$context.protocol"},
	{"error", "$context.error.message"},
	{"authorizerError", "$context.authorizer.error"},
	{"integrationError", "$context.integrationErrorMessage"},
}

// accessLogFormat is accessLogFields as the one-line JSON template API
// Gateway fills in. Every value is a string: a variable with no value
// becomes "-", which a bare number could not hold.
func accessLogFormat() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range accessLogFields {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.name)
		value, _ := json.Marshal(f.variable)
		b.Write(name)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.String()
}

// accessLog is the stage's access log settings: accessLogFormat into a log
// group of its own. It implements awsapigatewayv2.IAccessLogSettings (as a
// pointer: the jsii runtime keeps a reference to it).
type accessLog struct {
	group awslogs.ILogGroup
}

func (a *accessLog) Destination() awsapigatewayv2.IAccessLogDestination {
	return awsapigatewayv2.NewLogGroupLogDestination(a.group)
}

func (a *accessLog) Format() awsapigateway.AccessLogFormat {
	return awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat()))
}

// newAccessLog creates the HTTP API's access log group. CloudWatch Logs
// delivers API Gateway's lines to it once the stage names it (the deployer's
// permissions set up the delivery): no role of the stack's is involved.
func newAccessLog(stack awscdk.Stack) *accessLog {
	return &accessLog{group: awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     accessLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})}
}

// pinDestination writes the stage's destination as API Gateway stores it,
// the log group's ARN without the ":*" its Arn attribute ends with, so
// that CloudFormation's drift detection does not report the stage changed
// on every run (what @aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard
// does for REST APIs' stages).
func (a *accessLog) pinDestination(stack awscdk.Stack, stage awsapigatewayv2.HttpStage) {
	arn := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("logs"),
		Resource:     jsii.String("log-group"),
		ResourceName: a.group.LogGroupName(),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).AddPropertyOverride(jsii.String("AccessLogSettings.DestinationArn"), arn)
}
