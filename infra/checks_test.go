package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// suppressions returns the cdk-nag suppressions the template records, by
// rule, each with the logical id of its resource and its reason.
func suppressions(s synthesized) map[string][]struct{ resource, reason string } {
	out := map[string][]struct{ resource, reason string }{}
	for id, r := range s.cfn.Resources {
		for _, rule := range asList(dig(r.Metadata, "cdk_nag", "rules_to_suppress")) {
			ruleID, _ := dig(rule, "id").(string)
			reason, _ := dig(rule, "reason").(string)
			out[ruleID] = append(out[ruleID], struct{ resource, reason string }{id, reason})
		}
	}
	return out
}

// fullContext is every option a deployer may set, so that the checks cover
// what they add: the sender's domain, alarms by email, a restored table,
// reserved concurrency.
var fullContext = map[string]any{
	ContextSenderEmail:            "convenings@lmi.example.org",
	ContextAlarmEmail:             "ops@lmi.example.org",
	ContextSESMaxSendRate:         "14",
	ContextPublicURL:              "https://convenings.lmi.example.org",
	ContextRestoredTableName:      "Convenings-restored-2027-03-01",
	ContextRestoredTableStreamARN: "arn:aws:dynamodb:us-west-2:123456789012:table/Convenings-restored-2027-03-01/stream/2027-03-01T10:00:00.000",
	ContextPromoterConcurrency:    "4",
	ContextMailerConcurrency:      "2",
	ContextSESEventsConcurrency:   "2",
	ContextPayeeName:              "Californians Dedicated to Education Foundation",
	ContextPayeeAddress:           "CA LMI, 100 Example Street | Sacramento, CA 95814",
	ContextPayeeTaxID:             "12-3456789",
	ContextPaymentInstructions:    "ACH: write to billing@lmi.example.org for the account details.",
	ContextContactName:            "CA LMI Convenings",
	ContextContactEmail:           "help@lmi.example.org",
	ContextContactPhone:           "(916) 555-0142",
}

// TestAwsSolutions: cdk-nag's AwsSolutions pack finds nothing unsuppressed
// in the stack, by default and with every option set (synth fails the test
// on any finding, listing them), and every suppression is one this design
// explains: the routes that API Gateway's authorizer does not guard, with
// the reason the route table gives (deploy.Routes), and the dead-letter
// queues, which Lambda and EventBridge fill rather than SQS.
func TestAwsSolutions(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  map[string]any
	}{{"Default", nil}, {"EveryOption", fullContext}} {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, ConveningsStackProps{})
			}
			found := assertions.Annotations_FromStack(s.stack).FindError(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			if len(*found) != 0 {
				t.Errorf("%d cdk-nag findings: %v", len(*found), *found)
			}
			sup := suppressions(s)
			if rules := slices.Sorted(func(yield func(string) bool) {
				for r := range sup {
					if !yield(r) {
						return
					}
				}
			}); !slices.Equal(rules, []string{"AwsSolutions-APIG4", "AwsSolutions-SQS3"}) {
				t.Errorf("suppressed rules %v, want only APIG4 (routes without the authorizer) and SQS3 (dead-letter queues)", rules)
			}
			for rule, list := range sup {
				for _, x := range list {
					if len(x.reason) < 60 {
						t.Errorf("%s on %s: reason %q is too short to check", rule, x.resource, x.reason)
					}
				}
			}
			checkRouteSuppressions(t, s, sup["AwsSolutions-APIG4"])
			for _, x := range sup["AwsSolutions-SQS3"] {
				if s.cfn.Resources[x.resource].Type != "AWS::SQS::Queue" || !strings.Contains(x.reason, "dead-letter queue") {
					t.Errorf("SQS3 suppressed on %s (%s): %q", x.resource, s.cfn.Resources[x.resource].Type, x.reason)
				}
			}
			if n := len(sup["AwsSolutions-SQS3"]); n != len(s.cfn.ofType("AWS::SQS::Queue")) {
				t.Errorf("SQS3 suppressed on %d queues of %d", n, len(s.cfn.ofType("AWS::SQS::Queue")))
			}
		})
	}
}

// checkRouteSuppressions: each route without the JWT authorizer carries
// the reason the route table derives for it, and the staff API's routes,
// which have the authorizer, carry none.
func checkRouteSuppressions(t *testing.T, s synthesized, sup []struct{ resource, reason string }) {
	t.Helper()
	reasons := map[string]string{}
	for _, x := range sup {
		reasons[x.resource] = x.reason
	}
	routes := 0
	for _, id := range s.cfn.ofType("AWS::ApiGatewayV2::Route") {
		p := s.cfn.Resources[id].Properties
		r, ok := deploy.RouteByKey(fmt.Sprint(p["RouteKey"]))
		if !ok {
			t.Errorf("route %v is not in deploy.Routes", p["RouteKey"])
			continue
		}
		routes++
		switch {
		case r.Authorized():
			if p["AuthorizationType"] != "JWT" || reasons[id] != "" {
				t.Errorf("%s: authorization %v, suppression %q; want the JWT authorizer and no suppression", r.Key(), p["AuthorizationType"], reasons[id])
			}
		case reasons[id] != noAuthorizerReason(r) || reasons[id] == "":
			t.Errorf("%s: APIG4 suppressed with %q, want %q", r.Key(), reasons[id], noAuthorizerReason(r))
		case r.Session && !strings.Contains(reasons[id], strings.Join(r.Roles, ", ")):
			t.Errorf("%s: the reason %q does not name the page's roles %v", r.Key(), reasons[id], r.Roles)
		}
	}
	if routes != len(deploy.Routes) {
		t.Errorf("%d routes checked, deploy.Routes has %d", routes, len(deploy.Routes))
	}
}

// TestPublicRouteNeedsAReason: a public route added to the table without
// saying why anyone may call it gets no suppression, and its cdk-nag
// finding fails synthesis.
func TestPublicRouteNeedsAReason(t *testing.T) {
	saved := deploy.Routes
	t.Cleanup(func() { deploy.Routes = saved })
	deploy.Routes = append(slices.Clone(saved), deploy.Route{Method: "GET", Path: "/reports/{eventId}", Function: deploy.Web})
	errs := synthErrors(t, nil, ConveningsStackProps{})
	found := slices.ContainsFunc(errs, func(v violation) bool {
		return strings.Contains(v.Description, "AwsSolutions-APIG4") && slices.ContainsFunc(v.Paths, func(p string) bool {
			return strings.Contains(p, "reports")
		})
	})
	if !found || len(errs) != 1 {
		t.Errorf("synthesis errors %v, want the one APIG4 finding on the new route", errs)
	}
}

// TestAccessLog: the HTTP API's stage writes one JSON line per request to
// a log group kept a month, with the request id, route, status, latency
// and caller's IP, and nothing that carries a link's secret or names a
// person: no path, no query string, no user agent, no JWT claims.
func TestAccessLog(t *testing.T) {
	s := defaultSynth(t)
	stages := s.cfn.ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages %v, want one", stages)
	}
	settings := s.cfn.Resources[stages[0]].Properties["AccessLogSettings"]
	logGroupID := s.cfn.logicalID(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	if days := s.cfn.Resources[logGroupID].Properties["RetentionInDays"]; days != 30.0 {
		t.Errorf("access log retention %v days, want 30", days)
	}
	dest := fmt.Sprint(dig(settings, "DestinationArn"))
	if !strings.Contains(dest, ":log-group:") || !strings.Contains(dest, logGroupID) || strings.HasSuffix(dest, ":*]]]") {
		t.Errorf("destination %s, want the access log group's ARN (without :*)", dest)
	}
	format, _ := dig(settings, "Format").(string)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Fatalf("the format is not one JSON object: %v\n%s", err, format)
	}
	for name, variable := range map[string]string{
		"requestId": "$context.requestId", "routeKey": "$context.routeKey", "status": "$context.status",
		"responseLatency": "$context.responseLatency", "sourceIp": "$context.identity.sourceIp",
	} {
		if fields[name] != variable {
			t.Errorf("field %s = %q, want %s", name, fields[name], variable)
		}
	}
	variable := regexp.MustCompile(`\$context\.[A-Za-z.]+`)
	for name, value := range fields {
		for _, v := range variable.FindAllString(value, -1) {
			lower := strings.ToLower(v)
			for _, banned := range []string{"path", "query", "useragent", "claims", "email", "principal", "domainprefix"} {
				if strings.Contains(lower, banned) {
					t.Errorf("field %s logs %s", name, v)
				}
			}
		}
	}
}

// TestStaffPasswordPolicy: staff passwords are long and mixed, on the Plus
// plan's threat protection, with breached passwords refused.
func TestStaffPasswordPolicy(t *testing.T) {
	s := defaultSynth(t)
	pool := s.cfn.Resources[s.cfn.logicalID(t, "AWS::Cognito::UserPool", "StaffPool")].Properties
	want := map[string]any{
		"MinimumLength": float64(staffPasswordMinLength), "RequireLowercase": true, "RequireUppercase": true,
		"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 3.0,
	}
	if got := dig(pool, "Policies", "PasswordPolicy"); !reflect.DeepEqual(got, want) {
		t.Errorf("password policy %v, want %v", got, want)
	}
	if staffPasswordMinLength < 8 {
		t.Errorf("passwords of %d characters, want 8 at least", staffPasswordMinLength)
	}
	if pool["UserPoolTier"] != "PLUS" || dig(pool, "UserPoolAddOns", "AdvancedSecurityMode") != "ENFORCED" {
		t.Errorf("tier %v, add-ons %v: want the Plus plan with threat protection enforced", pool["UserPoolTier"], pool["UserPoolAddOns"])
	}
	risk := s.cfn.ofType("AWS::Cognito::UserPoolRiskConfigurationAttachment")
	if len(risk) != 1 || dig(s.cfn.Resources[risk[0]].Properties, "CompromisedCredentialsRiskConfiguration", "Actions", "EventAction") != "BLOCK" {
		t.Errorf("risk configuration %v, want breached passwords blocked", risk)
	}
}

// TestSenderDomain: a sender at the deployer's own domain gets that domain
// as an SES identity with Easy DKIM and a MAIL FROM domain under it, and
// the stack's outputs list the DNS records to publish; a sender at a
// mailbox provider, or the default, gets none (with a warning).
func TestSenderDomain(t *testing.T) {
	tests := []struct {
		name       string
		ctx        map[string]any
		wantDomain string
		wantFrom   string
		wantDMARC  string
		wantWarn   bool
	}{
		{name: "FromSenderEmail", ctx: map[string]any{ContextSenderEmail: "convenings@lmi.example.org", ContextAlarmEmail: "ops@lmi.example.org"},
			wantDomain: "lmi.example.org", wantFrom: "bounce.lmi.example.org", wantDMARC: "v=DMARC1; p=none; rua=mailto:ops@lmi.example.org"},
		{name: "ParentDomain", ctx: map[string]any{ContextSenderEmail: "convenings@events.lmi.example.org", ContextSenderDomain: "lmi.example.org",
			ContextMailFromDomain: "ses-bounce.lmi.example.org", ContextAlarmEmail: "ops@elsewhere.example"},
			wantDomain: "lmi.example.org", wantFrom: "ses-bounce.lmi.example.org", wantDMARC: "v=DMARC1; p=none"},
		{name: "MailboxProvider", ctx: map[string]any{ContextSenderEmail: "lmi.convenings@gmail.com"}, wantWarn: true},
		{name: "OptedOut", ctx: map[string]any{ContextSenderEmail: "convenings@lmi.example.org", ContextSenderDomain: "none"}},
		{name: "Default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, ConveningsStackProps{})
			}
			var domains []string
			for _, id := range s.cfn.ofType("AWS::SES::EmailIdentity") {
				if strings.HasPrefix(id, "SenderDomainIdentity") {
					domains = append(domains, id)
				}
			}
			warnings := assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String("is a mailbox at")))
			if got := len(*warnings) > 0; got != tt.wantWarn {
				t.Errorf("mailbox warning = %v, want %v", got, tt.wantWarn)
			}
			if tt.wantDomain == "" {
				if len(domains) != 0 || s.cfn.Outputs["SenderDkimRecord1"] != nil {
					t.Errorf("domain identities %v, outputs %v: want none", domains, keys(s.cfn.Outputs))
				}
				return
			}
			if len(domains) != 1 {
				t.Fatalf("domain identities %v, want one", domains)
			}
			p := s.cfn.Resources[domains[0]].Properties
			checks := []struct {
				what      string
				got, want any
			}{
				{"EmailIdentity", p["EmailIdentity"], tt.wantDomain},
				{"DKIM signing", dig(p, "DkimAttributes", "SigningEnabled"), true},
				{"Easy DKIM, 2048 bits", dig(p, "DkimSigningAttributes", "NextSigningKeyLength"), "RSA_2048_BIT"},
				{"MAIL FROM", dig(p, "MailFromAttributes", "MailFromDomain"), tt.wantFrom},
				{"MX failure", dig(p, "MailFromAttributes", "BehaviorOnMxFailure"), "USE_DEFAULT_VALUE"},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			for i := 1; i <= 3; i++ {
				out := fmt.Sprint(s.cfn.Outputs[fmt.Sprintf("SenderDkimRecord%d", i)]["Value"])
				if !strings.Contains(out, fmt.Sprintf("DkimDNSTokenName%d", i)) || !strings.Contains(out, " CNAME ") ||
					!strings.Contains(out, fmt.Sprintf("DkimDNSTokenValue%d", i)) {
					t.Errorf("DKIM record %d output %s", i, out)
				}
			}
			mx := fmt.Sprint(s.cfn.Outputs["SenderMailFromMxRecord"]["Value"])
			if !strings.Contains(mx, tt.wantFrom+" MX 10 feedback-smtp.") || !strings.Contains(mx, "AWS::Region") {
				t.Errorf("MX record output %s", mx)
			}
			if got := s.cfn.Outputs["SenderMailFromSpfRecord"]["Value"]; got != tt.wantFrom+` TXT "v=spf1 include:amazonses.com ~all"` {
				t.Errorf("SPF record output %v", got)
			}
			if got := s.cfn.Outputs["SenderDmarcRecord"]["Value"]; got != "_dmarc."+tt.wantDomain+` TXT "`+tt.wantDMARC+`"` {
				t.Errorf("DMARC record output %v, want %s", got, tt.wantDMARC)
			}
			actions := policyActions(t, s, functionID(t, s, deploy.Mailer))
			if !slices.ContainsFunc(actions["ses:SendEmail"], func(r any) bool { return strings.Contains(fmt.Sprint(r), domains[0]) }) {
				t.Errorf("the mailer may not send as the domain identity: %v", actions["ses:SendEmail"])
			}
		})
	}
}

func TestSenderDomainMistakesFailSynth(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		message string
	}{
		{"NotADomain", map[string]any{ContextSenderEmail: "a@lmi.example.org", ContextSenderDomain: "lmi example"}, "is not a domain name"},
		{"OtherDomain", map[string]any{ContextSenderEmail: "a@lmi.example.org", ContextSenderDomain: "other.example.org"}, "DMARC would not align"},
		{"MailFromOutside", map[string]any{ContextSenderEmail: "a@lmi.example.org", ContextMailFromDomain: "bounce.other.example"}, "is not a subdomain of lmi.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := synthErrors(t, tt.ctx, ConveningsStackProps{})
			if !slices.ContainsFunc(errs, func(v violation) bool { return strings.Contains(v.Description, tt.message) }) {
				t.Errorf("synthesis errors %v, want one saying %q", errs, tt.message)
			}
		})
	}
}

// TestRestoredTable is the restore drill's check here: with the restored
// table's name and stream in the context, every function reads and writes
// that table (its indexes by name), the stream triggers read its stream,
// and the stack keeps its own table, retained, with an output naming it.
func TestRestoredTable(t *testing.T) {
	name := fullContext[ContextRestoredTableName].(string)
	stream := fullContext[ContextRestoredTableStreamARN].(string)
	s := synth(t, map[string]any{ContextRestoredTableName: name, ContextRestoredTableStreamARN: stream}, ConveningsStackProps{})
	own := s.cfn.ofType("AWS::DynamoDB::GlobalTable")
	if len(own) != 1 || s.cfn.Resources[own[0]].DeletionPolicy != "Retain" {
		t.Fatalf("the stack's own table %v, want it kept", own)
	}
	for _, f := range deploy.Functions {
		fnID := functionID(t, s, f.Name)
		env, _ := dig(s.cfn.Resources[fnID].Properties, "Environment", "Variables").(map[string]any)
		if f.Uses(deploy.EnvTableName) && env[deploy.EnvTableName] != name {
			t.Errorf("%s: %s = %v, want %s", f.Name, deploy.EnvTableName, env[deploy.EnvTableName], name)
		}
		query := fmt.Sprint(policyActions(t, s, fnID)["dynamodb:Query"])
		if f.Uses(deploy.EnvTableName) && (!strings.Contains(query, ":table/"+name) || !strings.Contains(query, "/index/"+deploy.IndexGSI2) || strings.Contains(query, own[0])) {
			t.Errorf("%s: Query on %s, want the restored table and its indexes only", f.Name, query)
		}
	}
	mappings := s.cfn.ofType("AWS::Lambda::EventSourceMapping")
	for _, id := range mappings {
		if got := s.cfn.Resources[id].Properties["EventSourceArn"]; got != stream {
			t.Errorf("event source %s reads %v, want the restored table's stream", id, got)
		}
	}
	if len(mappings) != 3 {
		t.Errorf("%d stream triggers, want 3", len(mappings))
	}
	if got := s.cfn.Outputs["TableName"]["Value"]; got != name {
		t.Errorf("TableName output %v, want %s", got, name)
	}
	if got := s.cfn.Outputs["RetainedTableName"]["Value"]; !reflect.DeepEqual(got, ref(own[0])) {
		t.Errorf("RetainedTableName output %v, want the stack's own table", got)
	}
}

func TestRestoredTableMistakesFailSynth(t *testing.T) {
	stream := "arn:aws:dynamodb:us-west-2:123456789012:table/Restored/stream/2027-03-01T10:00:00.000"
	tests := []struct {
		name    string
		ctx     map[string]any
		message string
	}{
		{"NameOnly", map[string]any{ContextRestoredTableName: "Restored"}, "set both"},
		{"OtherTablesStream", map[string]any{ContextRestoredTableName: "Other", ContextRestoredTableStreamARN: stream}, "is the stream of table Restored"},
		{"NotAStream", map[string]any{ContextRestoredTableName: "Restored", ContextRestoredTableStreamARN: "Restored"}, "is not a DynamoDB stream ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := synthErrors(t, tt.ctx, ConveningsStackProps{})
			if !slices.ContainsFunc(errs, func(v violation) bool { return strings.Contains(v.Description, tt.message) }) {
				t.Errorf("synthesis errors %v, want one saying %q", errs, tt.message)
			}
		})
	}
}
