package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// CDK context keys read by the stack, e.g. `cdk deploy -c senderEmail=...`.
// The limits (throttles, reserved concurrency) are explained in
// docs/architecture.md, "Limits".
const (
	ContextSenderEmail        = "senderEmail"
	ContextSESMaxSendRate     = "sesMaxSendRate"
	ContextPublicURL          = "publicUrl"
	ContextThrottleRateLimit  = "apiThrottleRateLimit"
	ContextThrottleBurstLimit = "apiThrottleBurstLimit"
	// ContextStaffLoginDomain is the managed login's domain prefix:
	// https://<prefix>.auth.<region>.amazoncognito.com. It must be unique
	// in the region.
	ContextStaffLoginDomain = "staffLoginDomain"
	ContextAlarmEmail       = "alarmEmail"
	// The program's contact, at the foot of every page and email and
	// wherever a team is told whom to reach (convening.ProgramContact): a
	// name (a person or a desk), an email and, optionally, a phone.
	ContextContactName  = "contactName"
	ContextContactEmail = "contactEmail"
	ContextContactPhone = "contactPhone"
)

// Defaults used when neither the props nor the context set a value.
const (
	DefaultSenderEmail = "noreply@example.org"
	// DefaultContactName names the program's contact when contactName is
	// not set.
	DefaultContactName    = "CA LMI Convenings"
	DefaultSESMaxSendRate = "1" // emails per second for the account: the SES sandbox rate
	// The stage's default throttle, which every route without a class of
	// its own gets (each route its own bucket): requests per second and
	// burst.
	DefaultThrottleRateLimit  = 50
	DefaultThrottleBurstLimit = 100
)

// FunctionNames returns the name of every Lambda function the stack
// defines (deploy.Functions). Each name is a folder under functions/
// and, once built, a folder under the bin dir holding its bootstrap.
func FunctionNames() []string {
	return deploy.FunctionNames()
}

// ConveningsStackProps configures NewConveningsStack. Zero values of the
// optional fields fall back to the CDK context, then to the defaults above.
type ConveningsStackProps struct {
	awscdk.StackProps

	// BinDir holds the built functions: BinDir/<name>/bootstrap for each
	// name in FunctionNames. Required. The stack does not build anything.
	BinDir string

	// SenderEmail is the From address of the notices (context
	// senderEmail). If neither is set, DefaultSenderEmail is used and
	// synth reports a warning.
	SenderEmail string
	// SESMaxSendRate caps the mailer's sending, in emails per second, as a
	// decimal string (context sesMaxSendRate).
	SESMaxSendRate string
	// PublicURL is the base of the links in emails (context publicUrl).
	// By default it is the HTTP API's endpoint.
	PublicURL string
	// ThrottleRateLimit and ThrottleBurstLimit throttle the API's default
	// stage (context apiThrottleRateLimit and apiThrottleBurstLimit).
	ThrottleRateLimit  float64
	ThrottleBurstLimit float64
	// StaffLoginDomain is the managed login's domain prefix (context
	// staffLoginDomain); by default "convenings-staff-" and the account id.
	StaffLoginDomain string
	// AlarmEmail receives the alarms (context alarmEmail). Without it the
	// alarms still go to their topic, with no subscriber, and synth warns.
	AlarmEmail string
	// Contact is the program's contact (context contactName, contactEmail,
	// contactPhone). By default its name is DefaultContactName and its
	// email the sender's, and synth warns.
	Contact Contact
}

// tableAccess is what a function may do with the table.
type tableAccess int

const (
	tableNone tableAccess = iota
	tableRead
	tableReadWrite
)

// functionSpec is what the stack decides per function, beyond what
// deploy.Functions says (its environment and triggers).
type functionSpec struct {
	timeout awscdk.Duration
	table   tableAccess
	// reserved, if set, names the context key that may reserve concurrency
	// for the function (and cap it there).
	reserved *reservation
}

func functionSpecs() map[string]functionSpec {
	http := awscdk.Duration_Seconds(jsii.Number(10))
	stream := awscdk.Duration_Seconds(jsii.Number(60))
	return map[string]functionSpec{
		deploy.Events:       {timeout: http, table: tableRead},
		deploy.Register:     {timeout: http, table: tableReadWrite},
		deploy.Registration: {timeout: http, table: tableReadWrite},
		deploy.Statements:   {timeout: http, table: tableReadWrite},
		deploy.Surveys:      {timeout: http, table: tableReadWrite},
		deploy.Admin:        {timeout: http, table: tableReadWrite},
		deploy.Web:          {timeout: http, table: tableReadWrite},
		// Reads events; writes its sessions.
		deploy.Console:  {timeout: http, table: tableReadWrite},
		deploy.Promoter: {timeout: stream, table: tableReadWrite, reserved: &reservation{ContextPromoterConcurrency}},
		// One sequencer per queued event places its line; more invocations
		// (one per stream shard) find it at work and leave.
		deploy.Sequencer: {timeout: stream, table: tableReadWrite},
		deploy.Mailer:    {timeout: stream, table: tableReadWrite, reserved: &reservation{ContextMailerConcurrency}},
		deploy.SESEvents: {timeout: http, table: tableReadWrite, reserved: &reservation{ContextSESEventsConcurrency}},
		// A day's erasing is a few hundred registrations at most.
		deploy.Retention: {timeout: awscdk.Duration_Minutes(jsii.Number(5)), table: tableReadWrite},
		// Four short steps, each a call or two to Secrets Manager.
		deploy.TokenRotation: {timeout: awscdk.Duration_Seconds(jsii.Number(30)), table: tableNone},
	}
}

// NewConveningsStack defines the whole registration system: the table, the
// functions, the HTTP API with its Cognito authorizer and throttles, the
// stream consumers with their dead-letter queues, the token secret, the SES
// identity and configuration set with its bounce and complaint events, and
// the alarms.
//
// It panics if props.BinDir is missing a function's bootstrap, as CDK
// constructs do on invalid input.
func NewConveningsStack(scope constructs.Construct, id string, props *ConveningsStackProps) awscdk.Stack {
	if props == nil {
		props = &ConveningsStackProps{}
	}
	if err := checkBinDir(props.BinDir, FunctionNames()); err != nil {
		panic(err)
	}
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	cfg := resolveConfig(stack, props)

	// The stack's own table; after a point-in-time restore, the functions
	// use the restored one, and the stack keeps its own (retained) until
	// staff delete it by hand.
	ownTable := newTable(stack)
	var table awsdynamodb.ITableV2 = ownTable
	restored, isRestored := restoredTable(stack)
	if isRestored {
		table = restored
	}

	// The keyring that signs the links emailed to teams (package
	// tokensecret). CloudFormation creates it with one key; the rotation
	// function turns it into a ring (rotateTokenSecret).
	tokenSecret := awssecretsmanager.NewSecret(stack, jsii.String("TokenSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Keyring that signs the registration links sent to teams (rotated by the token-rotation function)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		// Losing the key would void every link already sent.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	specs := functionSpecs()
	payee := resolvePayee(stack)
	fns := make(map[string]awslambda.Function, len(specs))
	logs := make(map[string]awslogs.LogGroup, len(specs))
	for _, f := range deploy.Functions {
		name := f.Name
		spec, ok := specs[name]
		if !ok {
			panic(fmt.Sprintf("function %s has no spec in functionSpecs", name))
		}
		env := map[string]*string{deploy.EnvLogLevel: jsii.String("info")}
		if f.Uses(deploy.EnvTableName) {
			env[deploy.EnvTableName] = table.TableName()
		}
		for k, v := range payee {
			if f.Uses(k) {
				env[k] = jsii.String(v)
			}
		}
		tokens := f.Uses(deploy.EnvTokenSecretARN)
		if tokens {
			env[deploy.EnvTokenSecretARN] = tokenSecret.SecretArn()
		}
		if f.Uses(deploy.EnvContactEmail) {
			env[deploy.EnvContactName], env[deploy.EnvContactEmail] = jsii.String(cfg.contact.Name), jsii.String(cfg.contact.Email)
			if cfg.contact.Phone != "" {
				env[deploy.EnvContactPhone] = jsii.String(cfg.contact.Phone)
			}
		}
		fn, logGroup := newFunction(stack, name, filepath.Join(props.BinDir, name), spec.timeout, cfg.reserved[name], env)
		if spec.table != tableNone {
			grantTable(fn, table, spec.table)
		}
		if f.RotatesTokenSecret {
			rotateTokenSecret(stack, tokenSecret, fn)
		}
		if tokens {
			tokenSecret.GrantRead(fn, nil)
		}
		fns[name], logs[name] = fn, logGroup
	}

	var userPool awscognito.UserPool
	var userPoolClient awscognito.UserPoolClient
	api := newHTTPAPI(stack, cfg, fns, func(api awsapigatewayv2.HttpApi) awsapigatewayv2.IHttpRouteAuthorizer {
		site := api.ApiEndpoint()
		if cfg.publicURL != "" {
			site = jsii.String(cfg.publicURL)
		}
		var domain awscognito.UserPoolDomain
		userPool, userPoolClient, domain = newUserPool(stack, cfg, site)
		console := fns[deploy.Console]
		console.AddEnvironment(jsii.String(deploy.EnvPublicURL), site, nil)
		console.AddEnvironment(jsii.String(deploy.EnvCognitoIssuer), jsii.String(fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s",
			*stack.Region(), *userPool.UserPoolId())), nil)
		console.AddEnvironment(jsii.String(deploy.EnvCognitoClientID), userPoolClient.UserPoolClientId(), nil)
		console.AddEnvironment(jsii.String(deploy.EnvCognitoLoginURL), domain.BaseUrl(nil), nil)
		// Staff routes need a valid access token from the console's client
		// carrying the staff API's scope (ID tokens carry none); the admin
		// function then checks token_use and the route's roles.
		return awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("StaffAuthorizer"), userPool,
			&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
				UserPoolClients: &[]awscognito.IUserPoolClient{userPoolClient},
			})
	})

	// The mailer links to the public site in its emails; by default that
	// is the API's endpoint, the base URL of its $default stage without a
	// trailing slash. The SES identity is created here and verified by
	// staff after deploy.
	publicURL := api.ApiEndpoint()
	if cfg.publicURL != "" {
		publicURL = jsii.String(cfg.publicURL)
	}
	mailer := fns[deploy.Mailer]
	mailer.AddEnvironment(jsii.String(deploy.EnvPublicURL), publicURL, nil)
	mailer.AddEnvironment(jsii.String(deploy.EnvSenderEmail), jsii.String(cfg.senderEmail), nil)
	mailer.AddEnvironment(jsii.String(deploy.EnvSESMaxSendRate), jsii.String(cfg.mailerSendRate()), nil)
	// The queues that keep what a consumer gave up on: the stream
	// triggers' records, and the SES events that SNS could not deliver or
	// that Lambda's retries could not record.
	deadLetters := map[string]struct{ id, holds string }{
		deploy.Mailer:    {"NotificationDeadLetterQueue", "the stream records of new notices the mailer function gave up on (the mail sweep still sends the notices)"},
		deploy.Promoter:  {"PromotionDeadLetterQueue", "the stream records of changed events the promoter function gave up on (seats a cancellation freed that no waitlisted team was promoted to)"},
		deploy.Sequencer: {"QueueDeadLetterQueue", "the stream records of registrations put in line at a queued event that the sequencer function gave up on (the minute's sweep still places them)"},
		deploy.SESEvents: {"MailEventsDeadLetterQueue", "the SES bounce and complaint events that SNS could not deliver to the ses-events function, or that its retries could not record"},
	}
	dlqs := map[string]awssqs.Queue{}
	for _, f := range deploy.Functions {
		if f.Stream != nil || len(f.SESEvents) > 0 {
			q, ok := deadLetters[f.Name]
			if !ok {
				panic(fmt.Sprintf("function %s has a trigger but no dead-letter queue", f.Name))
			}
			dlqs[f.Name] = newFailureQueue(stack, q.id, q.holds)
		}
	}

	// Addresses that bounce for good or complain are suppressed, and those
	// events reach the functions that fail their notices (ses-events).
	topicKey := newTopicKey(stack)
	configSet := newMailConfigurationSet(stack, fns, dlqs, topicKey)
	mailer.AddEnvironment(jsii.String(deploy.EnvSESConfigurationSet), configSet.ConfigurationSetName(), nil)
	sender := newSender(stack, cfg, configSet)
	sender.grantSendEmail(mailer)

	// The stream triggers, and the retries of the functions SNS invokes
	// (asynchronously), each into its queue.
	for _, f := range deploy.Functions {
		switch {
		case f.Stream != nil:
			fns[f.Name].AddEventSource(awslambdaeventsources.NewDynamoEventSource(table, streamSourceProps(*f.Stream, dlqs[f.Name])))
		case len(f.SESEvents) > 0:
			fns[f.Name].ConfigureAsyncInvoke(asyncInvokeOptions(dlqs[f.Name]))
		}
	}

	// The schedules: every few minutes the mailer sends any notice that is
	// due (one put off, or one the stream could not deliver) and the
	// promoter reminds teams of held seats and lapses the holds past their
	// deadlines; once a day the retention function erases the people of
	// events long over. EventBridge retries an invocation it could not
	// make (Lambda throttled it at the door, say) until the next one is
	// due, which does the same work, and then keeps it in a queue.
	schedules := map[string][2]string{
		deploy.Mailer:    {"MailSweepSchedule", "Send the notices that are due"},
		deploy.Promoter:  {"HoldSweepSchedule", "Remind teams of held seats; lapse offers and invitations past their deadlines"},
		deploy.Sequencer: {"QueueSweepSchedule", "Place the registrations left in line at queued events"},
		deploy.Retention: {"RetentionSchedule", "Erase the personal data of events long over"},
	}
	scheduleDLQ := newFailureQueue(stack, "ScheduleDeadLetterQueue",
		"the scheduled invocations EventBridge could not make (the mail sweep, the held-seat sweep, the queue sweep, the daily retention)")
	for _, f := range deploy.Functions {
		if f.ScheduleMinutes == 0 {
			continue
		}
		s, ok := schedules[f.Name]
		if !ok {
			panic(fmt.Sprintf("function %s has a schedule but no rule name", f.Name))
		}
		every := awscdk.Duration_Minutes(jsii.Number(float64(f.ScheduleMinutes)))
		awsevents.NewRule(stack, jsii.String(s[0]), &awsevents.RuleProps{
			Description: jsii.String(s[1]),
			Schedule:    awsevents.Schedule_Rate(every),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fns[f.Name], &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: scheduleDLQ,
				RetryAttempts:   jsii.Number(scheduleRetryAttempts),
				MaxEventAge:     scheduleMaxEventAge(f.ScheduleMinutes),
			})},
		})
	}

	output := func(id string, value *string, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{
			Value:       value,
			Description: jsii.String(description),
		})
	}
	output("ApiUrl", api.ApiEndpoint(), "Base URL of the HTTP API")
	output("UserPoolId", userPool.UserPoolId(), "Cognito user pool of the staff")
	output("UserPoolClientId", userPoolClient.UserPoolClientId(), "Cognito app client for the staff pages")
	output("TableName", table.TableName(), "DynamoDB table the functions use")
	output("TokenSecretArn", tokenSecret.SecretArn(), "Secrets Manager secret: the keyring that signs the links emailed to teams")
	if isRestored {
		output("RetainedTableName", ownTable.TableName(), "The stack's own table, which the restored one replaces: kept (deletion protection) until staff delete it")
	}
	output("NotificationDeadLetterQueueUrl", dlqs[deploy.Mailer].QueueUrl(), "Stream records the mailer failed to process")
	output("PromotionDeadLetterQueueUrl", dlqs[deploy.Promoter].QueueUrl(), "Stream records the promoter failed to process")
	output("QueueDeadLetterQueueUrl", dlqs[deploy.Sequencer].QueueUrl(), "Stream records the sequencer failed to process")
	output("MailEventsDeadLetterQueueUrl", dlqs[deploy.SESEvents].QueueUrl(), "SES events the ses-events function failed to record")
	output("ScheduleDeadLetterQueueUrl", scheduleDLQ.QueueUrl(), "Scheduled sweeps EventBridge could not start")
	output("MailConfigurationSetName", configSet.ConfigurationSetName(), "SES configuration set the mailer sends with (suppression, bounce and complaint events)")
	sender.outputs(output)

	alarmTopic := newAlarms(stack, cfg, topicKey, alarmSources{functions: fns, logs: logs, queues: dlqs, scheduleQueue: scheduleDLQ, api: api})
	output("AlarmTopicArn", alarmTopic.TopicArn(), "SNS topic every alarm notifies")

	return stack
}

// config is the props merged with the context and the defaults.
type config struct {
	senderEmail    string
	sesMaxSendRate string
	publicURL      string
	throttleRate   float64
	throttleBurst  float64
	// staffLoginDomain is the managed login's domain prefix.
	staffLoginDomain string
	alarmEmail       string
	// contact is the program's contact.
	contact Contact
	// senderDomain is the domain SES signs the notices for, with its MAIL
	// FROM domain; both empty without one (resolveSenderDomain).
	senderDomain, mailFromDomain string
	// routeThrottles are the throttling classes' limits.
	routeThrottles map[deploy.Throttle]throttle
	// reserved is the reserved concurrency of the functions that have one.
	reserved map[string]int
}

func resolveConfig(stack awscdk.Stack, props *ConveningsStackProps) config {
	node := stack.Node()
	cfg := config{
		senderEmail:    firstNonEmpty(props.SenderEmail, contextString(node, ContextSenderEmail)),
		sesMaxSendRate: firstNonEmpty(props.SESMaxSendRate, contextString(node, ContextSESMaxSendRate), DefaultSESMaxSendRate),
		publicURL:      firstNonEmpty(props.PublicURL, contextString(node, ContextPublicURL)),
		throttleRate:   firstPositive(props.ThrottleRateLimit, contextNumber(stack, ContextThrottleRateLimit), DefaultThrottleRateLimit),
		throttleBurst:  firstPositive(props.ThrottleBurstLimit, contextNumber(stack, ContextThrottleBurstLimit), DefaultThrottleBurstLimit),
		alarmEmail:     firstNonEmpty(props.AlarmEmail, contextString(node, ContextAlarmEmail)),
		routeThrottles: resolveRouteThrottles(stack),
		reserved:       resolveReserved(stack),
	}
	cfg.staffLoginDomain = firstNonEmpty(props.StaffLoginDomain, contextString(node, ContextStaffLoginDomain))
	if cfg.staffLoginDomain == "" {
		// Domain prefixes are unique per region across all accounts.
		cfg.staffLoginDomain = *awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("convenings-staff-"), stack.Account()})
	}
	annotations := awscdk.Annotations_Of(stack)
	explicitSender := cfg.senderEmail != ""
	if cfg.senderEmail == "" {
		cfg.senderEmail = DefaultSenderEmail
		annotations.AddWarningV2(jsii.String("convenings:senderEmail"), jsii.String(fmt.Sprintf(
			"No sender email set: notices will be sent from %s, which cannot be verified in SES. "+
				"Deploy with `cdk deploy -c %s=you@yourdomain`.", DefaultSenderEmail, ContextSenderEmail)), nil)
	}
	if _, ok := emailDomain(cfg.senderEmail); !ok {
		annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not an email address", ContextSenderEmail, cfg.senderEmail)))
	}
	cfg.senderDomain, cfg.mailFromDomain = resolveSenderDomain(stack, cfg.senderEmail, explicitSender)
	if rate, err := strconv.ParseFloat(cfg.sesMaxSendRate, 64); err != nil || rate <= 0 {
		annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not a positive number of emails per second", ContextSESMaxSendRate, cfg.sesMaxSendRate)))
	}
	if cfg.publicURL != "" {
		if u, err := url.Parse(cfg.publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not an absolute http(s) URL", ContextPublicURL, cfg.publicURL)))
		}
	}
	cfg.contact = resolveContact(stack, props.Contact, cfg.senderEmail)
	switch _, ok := emailDomain(cfg.alarmEmail); {
	case cfg.alarmEmail == "":
		annotations.AddWarningV2(jsii.String("convenings:alarmEmail"), jsii.String(fmt.Sprintf(
			"No alarm email set: the alarms notify a topic nobody subscribes to. "+
				"Deploy with `cdk deploy -c %s=ops@yourdomain`, or subscribe to the AlarmTopicArn output.", ContextAlarmEmail)), nil)
	case !ok:
		annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not an email address", ContextAlarmEmail, cfg.alarmEmail)))
	}
	return cfg
}

// mailerSendRate is one mailer instance's share of the account's SES rate:
// the rate divided by the most instances that run at once, its reserved
// concurrency, or UnreservedMailers without one (each instance's limiter
// knows only itself).
func (c config) mailerSendRate() string {
	rate, err := strconv.ParseFloat(c.sesMaxSendRate, 64)
	if err != nil || rate <= 0 {
		return c.sesMaxSendRate // reported by resolveConfig
	}
	mailers := c.reserved[deploy.Mailer]
	if mailers <= 0 {
		mailers = UnreservedMailers
	}
	return strconv.FormatFloat(rate/float64(mailers), 'f', -1, 64)
}

func contextString(node constructs.Node, key string) string {
	switch v := node.TryGetContext(jsii.String(key)).(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return ""
	}
}

// contextNumber reads a number from the context, which holds a string when
// given with -c and a number when written in cdk.json. It returns 0 when
// unset and reports a synth error when set to something else.
func contextNumber(stack awscdk.Stack, key string) float64 {
	s := contextString(stack.Node(), key)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		awscdk.Annotations_Of(stack).AddError(jsii.String(fmt.Sprintf("context %s=%q is not a positive number", key, s)))
		return 0
	}
	return f
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstPositive(values ...float64) float64 {
	for _, v := range values {
		if v > 0 {
			return v
		}
	}
	return 0
}

// emailDomain returns the part of addr after its single @.
func emailDomain(addr string) (string, bool) {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(domain, "@ /*") {
		return "", false
	}
	return domain, true
}

// checkBinDir reports the first function whose bootstrap is missing.
func checkBinDir(binDir string, names []string) error {
	if binDir == "" {
		return fmt.Errorf("ConveningsStackProps.BinDir is required: the folder holding <function>/bootstrap")
	}
	for _, name := range names {
		p := filepath.Join(binDir, name, "bootstrap")
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("function %s is not built: %s is missing (main() builds it with go build)", name, p)
		}
	}
	return nil
}

// constructID turns a function name into a construct id prefix: "events"
// becomes "Events", "ses-events" "SesEvents".
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// newFunction defines a function and its log group. reserved > 0 reserves
// that much concurrency for it.
func newFunction(stack awscdk.Stack, name, codeDir string, timeout awscdk.Duration, reserved int, env map[string]*string) (awslambda.Function, awslogs.LogGroup) {
	id := constructID(name)
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// A role of its own, which may write to the function's own log group
	// (and whatever the stack grants it besides), instead of AWS's managed
	// AWSLambdaBasicExecutionRole, which may create and write any log group
	// of the account.
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("convenings " + name + " function"),
	})
	logs.GrantWrite(role)
	props := &awslambda.FunctionProps{
		Role:         role,
		Description:  jsii.String("convenings " + name),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(codeDir), nil),
		MemorySize:   jsii.Number(256),
		Timeout:      timeout,
		LogGroup:     logs,
		Environment:  &env,
	}
	if reserved > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(float64(reserved))
	}
	return awslambda.NewFunction(stack, jsii.String(id+"Function"), props), logs
}

// staffPasswordMinLength is the shortest password a staff member may
// choose; it must also hold a lower and an upper case letter, a digit and
// a symbol. With an authenticator app's code on every sign-in, length
// matters more than the mix.
const staffPasswordMinLength = 12

// newUserPool creates the staff's user pool: sign-in by email, accounts
// made by an administrator only, MFA with an authenticator app required,
// the roles as groups, the staff API's scope, the managed login on a
// Cognito domain, and the console's app client: a public client (PKCE, no
// secret) for the authorization code grant only, redirecting to the
// console under site. It returns the pool, the client and the domain.
func newUserPool(stack awscdk.Stack, cfg config, site *string) (awscognito.UserPool, awscognito.UserPoolClient, awscognito.UserPoolDomain) {
	pool := awscognito.NewUserPool(stack, jsii.String("StaffPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   awscognito.AccountRecovery_EMAIL_ONLY,
		// Every staff member enrols an authenticator app at their first
		// sign-in; no SMS (costly, and weaker).
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		// Chosen by staff at their first sign-in, in the managed login.
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(staffPasswordMinLength),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// The Plus plan (the managed login's newer version needs Essentials
		// at least) adds threat protection, enforced: Cognito scores each
		// sign-in's risk and checks passwords against those leaked from
		// other sites (blocked below). A few staff accounts hold every
		// team's personal data; it costs cents a month (docs/cost.md).
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})
	// A sign-in, or a new password, with a password known from a breach
	// elsewhere is refused: the staff member resets it by email.
	awscognito.NewCfnUserPoolRiskConfigurationAttachment(stack, jsii.String("StaffPoolRisk"), &awscognito.CfnUserPoolRiskConfigurationAttachmentProps{
		UserPoolId: pool.UserPoolId(),
		ClientId:   jsii.String("ALL"),
		CompromisedCredentialsRiskConfiguration: &awscognito.CfnUserPoolRiskConfigurationAttachment_CompromisedCredentialsRiskConfigurationTypeProperty{
			EventFilter: jsii.Strings("SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"),
			Actions:     &awscognito.CfnUserPoolRiskConfigurationAttachment_CompromisedCredentialsActionsTypeProperty{EventAction: jsii.String("BLOCK")},
		},
	})
	descriptions := map[string]string{
		deploy.RoleStaff:    "Staff who manage events and registrations: every page and action",
		deploy.RoleReviewer: "Reviewers: read events and statements of interest, write reviews",
		deploy.RoleCheckIn:  "Check-in volunteers: the check-in pages only",
	}
	for _, role := range deploy.Roles {
		awscognito.NewCfnUserPoolGroup(stack, jsii.String(constructID(role)+"Group"), &awscognito.CfnUserPoolGroupProps{
			UserPoolId:  pool.UserPoolId(),
			GroupName:   jsii.String(role),
			Description: jsii.String(descriptions[role]),
		})
	}
	apiScope := awscognito.NewResourceServerScope(&awscognito.ResourceServerScopeProps{
		ScopeName:        jsii.String(strings.TrimPrefix(deploy.StaffAPIScope, deploy.StaffAPIResourceServer+"/")),
		ScopeDescription: jsii.String("The staff JSON API (/api/admin), within the caller's roles"),
	})
	api := pool.AddResourceServer(jsii.String("StaffApi"), &awscognito.UserPoolResourceServerOptions{
		Identifier: jsii.String(deploy.StaffAPIResourceServer),
		Scopes:     &[]awscognito.ResourceServerScope{apiScope},
	})
	domain := pool.AddDomain(jsii.String("StaffLogin"), &awscognito.UserPoolDomainOptions{
		CognitoDomain:       &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(cfg.staffLoginDomain)},
		ManagedLoginVersion: awscognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN,
	})
	hour := awscdk.Duration_Hours(jsii.Number(1))
	client := pool.AddClient(jsii.String("StaffClient"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			CallbackUrls: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{site, jsii.String("/staff/callback")})},
			LogoutUrls:   &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{site, jsii.String("/staff/signed-out")})},
			Scopes: &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(),
				awscognito.OAuthScope_ResourceServer(api, apiScope)},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		// An hour: a staff member taken out of a group loses it within the
		// hour (the console checks again when the token expires). The
		// refresh token lasts as long as a console session may.
		AccessTokenValidity:        hour,
		IdTokenValidity:            hour,
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(10)),
		EnableTokenRevocation:      jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
	})
	// The managed login signs staff in; the console needs no password flow
	// of its own, only refreshing (CDK would otherwise leave Cognito's
	// defaults, which include SRP and custom authentication).
	client.Node().DefaultChild().(awscognito.CfnUserPoolClient).AddPropertyOverride(
		jsii.String("ExplicitAuthFlows"), []string{"ALLOW_REFRESH_TOKEN_AUTH"})
	// The newer managed login shows a page only for a client with branding;
	// Cognito's own look will do.
	awscognito.NewCfnManagedLoginBranding(stack, jsii.String("StaffLoginBranding"), &awscognito.CfnManagedLoginBrandingProps{
		UserPoolId:               pool.UserPoolId(),
		ClientId:                 client.UserPoolClientId(),
		UseCognitoProvidedValues: jsii.Bool(true),
	}).AddResourceDependency(domain.Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("the branding names the managed login, which exists once its domain does"))
	return pool, client, domain
}

// newHTTPAPI creates the API with a throttled $default stage and exactly
// the routes in deploy.Routes; newAuthorizer makes the JWT authorizer of
// the staff routes once the API exists (the user pool's client redirects
// to the API's URL by default).
func newHTTPAPI(stack awscdk.Stack, cfg config, fns map[string]awslambda.Function,
	newAuthorizer func(awsapigatewayv2.HttpApi) awsapigatewayv2.IHttpRouteAuthorizer) awsapigatewayv2.HttpApi {
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("convenings registration API"),
		// The stage is created below, with throttling.
		CreateDefaultStage: jsii.Bool(false),
	})
	accessLog := newAccessLog(stack)
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:         jsii.String("$default"),
		AutoDeploy:        jsii.Bool(true),
		AccessLogSettings: accessLog,
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.throttleRate),
			BurstLimit: jsii.Number(cfg.throttleBurst),
		},
	})
	accessLog.pinDestination(stack, stage)
	throttled := map[string][]awsapigatewayv2.HttpRoute{}

	authorizer := newAuthorizer(api)

	integrations := make(map[string]awsapigatewayv2integrations.HttpLambdaIntegration)
	for _, r := range deploy.Routes {
		integration, ok := integrations[r.Function]
		if !ok {
			fn, ok := fns[r.Function]
			if !ok {
				panic(fmt.Sprintf("route %s: no function %q", r.Key(), r.Function))
			}
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(
				jsii.String(constructID(r.Function)+"Integration"), fn,
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
					// One permission per function for this API, not one per
					// route: 230 routes' permissions would take the stack past
					// CloudFormation's 500 resources. Each function's front
					// door answers only its own routes (404 for any other).
					ScopePermissionToRoute: jsii.Bool(false),
				})
			integrations[r.Function] = integration
		}
		if r.Path == deploy.DefaultRoute {
			route := awsapigatewayv2.NewHttpRoute(stack, jsii.String("DefaultRoute"), &awsapigatewayv2.HttpRouteProps{
				HttpApi: api, RouteKey: awsapigatewayv2.HttpRouteKey_DEFAULT(), Integration: integration,
			})
			suppressNoAuthorizer(route, r)
			continue
		}
		opts := &awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
		}
		if r.Authorized() {
			opts.Authorizer = authorizer
			opts.AuthorizationScopes = jsii.Strings(deploy.StaffAPIScope)
		}
		routes := api.AddRoutes(opts)
		for _, route := range *routes {
			suppressNoAuthorizer(route, r)
		}
		if r.Throttle != "" {
			throttled[r.Key()] = *routes
		}
	}
	throttleRoutes(stage, cfg.routeThrottles, throttled)
	return api
}

// newFailureQueue is a dead-letter queue: it keeps what holds says, for 14
// days, encrypted, over TLS only. Lambda or EventBridge sends to it, not
// an SQS redrive policy, which is all cdk-nag recognises of a dead-letter
// queue (AwsSolutions-SQS3), so the finding is suppressed with what it
// holds; an alarm goes off at its first message (newAlarms).
func newFailureQueue(stack awscdk.Stack, id, holds string) awssqs.Queue {
	q := awssqs.NewQueue(stack, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	suppress(q, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue: it keeps "+holds+
		". Nothing reads from it but staff, so a queue behind it would catch nothing; its alarm goes off at the first message.")
	return q
}

// scheduleRetryAttempts is how often EventBridge retries a scheduled
// invocation Lambda refused, within scheduleMaxEventAge.
const scheduleRetryAttempts = 8

// scheduleMaxEventAge is how long EventBridge keeps trying to start a
// scheduled invocation: until the next one is due (which does the same
// work), at most a day, at least a minute (EventBridge's own bounds).
func scheduleMaxEventAge(everyMinutes int) awscdk.Duration {
	return awscdk.Duration_Minutes(jsii.Number(float64(min(max(everyMinutes, 1), 24*60))))
}

// streamSourceProps is the event source mapping of a stream trigger: its
// batch size, partial batch failures, bounded retries into dlq, and its
// filter (the record types, and the sort key of the new image).
func streamSourceProps(trigger deploy.Stream, dlq awssqs.IQueue) *awslambdaeventsources.DynamoEventSourceProps {
	names := make([]*string, len(trigger.EventNames))
	for i, n := range trigger.EventNames {
		names[i] = jsii.String(n)
	}
	eventName := awslambda.FilterRule_IsEqual(names[0])
	if len(names) > 1 {
		eventName = awslambda.FilterRule_Or(names...)
	}
	sortKey := awslambda.FilterRule_IsEqual(jsii.String(trigger.SortKey))
	if trigger.SortKeyPrefix != "" {
		sortKey = awslambda.FilterRule_BeginsWith(jsii.String(trigger.SortKeyPrefix))
	}
	filter := awslambda.FilterCriteria_Filter(&map[string]interface{}{
		"eventName": eventName,
		"dynamodb": map[string]interface{}{
			"NewImage": map[string]interface{}{
				deploy.AttrSK: map[string]interface{}{"S": sortKey},
			},
		},
	})
	return &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_LATEST,
		BatchSize:               jsii.Number(float64(trigger.BatchSize)),
		BisectBatchOnError:      jsii.Bool(true),
		RetryAttempts:           jsii.Number(10),
		MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(6)),
		ReportBatchItemFailures: jsii.Bool(true),
		OnFailure:               awslambdaeventsources.NewSqsDlq(dlq),
		Filters:                 &[]*map[string]interface{}{filter},
	}
}
