package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// cfnTemplate is the synthesized CloudFormation template, decoded.
type cfnTemplate struct {
	Resources map[string]cfnResource
	Outputs   map[string]map[string]any
}

type cfnResource struct {
	Type                string
	Properties          map[string]any
	Metadata            map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// synthesized is one synthesized stack: the assertions API and the decoded
// template for the checks that walk it.
type synthesized struct {
	stack    awscdk.Stack
	template assertions.Template
	cfn      cfnTemplate
}

// fakeBinDir returns a folder with a fake bootstrap for every function.
func fakeBinDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range FunctionNames() {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), []byte("fake "+name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// featureFlags returns the feature flags in ../cdk.json, so that the tests
// check the template `cdk synth` makes. Other context (settings such as
// senderEmail a deployer may add there) is left out.
func featureFlags(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		App     string
		Context map[string]any
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	flags := map[string]any{}
	for k, v := range cdkJSON.Context {
		if strings.HasPrefix(k, "@aws-cdk") {
			flags[k] = v
		}
	}
	return flags
}

// synth builds the stack in a new app with cdk.json's feature flags and
// the given context, with cdk-nag's AwsSolutions pack applied as `cdk
// synth` applies it. A synthesis that fails (a refused setting, or a
// finding not suppressed) fails the test with the report's errors.
func synth(t testing.TB, ctx map[string]any, props ConveningsStackProps) synthesized {
	t.Helper()
	s, errs := synthesize(t, ctx, props)
	if errs != nil {
		t.Fatalf("synthesis failed:\n%s", strings.Join(violationLines(errs), "\n"))
	}
	return s
}

func violationLines(errs []violation) []string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.String()
	}
	return lines
}

// synthesize builds and synthesizes the stack as synth does, and returns
// the errors of the validation report if synthesis fails.
func synthesize(t testing.TB, ctx map[string]any, props ConveningsStackProps) (s synthesized, errs []violation) {
	t.Helper()
	appCtx := featureFlags(t)
	for k, v := range ctx {
		appCtx[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &appCtx})
	if props.BinDir == "" {
		props.BinDir = fakeBinDir(t)
	}
	stack := NewConveningsStack(app, "Test", &props)
	checkAwsSolutions(app) // as main does
	defer func() {
		if r := recover(); r != nil {
			m := reportPath.FindStringSubmatch(fmt.Sprint(r))
			if m == nil {
				panic(r)
			}
			errs = readValidationErrors(t, m[1])
			if errs == nil {
				t.Fatalf("synthesis failed, and its report names no error: %v", r)
			}
		}
	}()
	tpl := assertions.Template_FromStack(stack, nil)
	raw, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	s = synthesized{stack: stack, template: tpl}
	if err := json.Unmarshal(raw, &s.cfn); err != nil {
		t.Fatal(err)
	}
	return s, nil
}

// violation is one error of the validation report that synthesis writes,
// and fails with, when a construct has an error annotation (a setting the
// stack refuses, or a cdk-nag finding): cdk.json turns on
// @aws-cdk/core:annotationsInValidationReport, as `cdk synth` reads it.
type violation struct {
	Rule, Description string
	Paths             []string
}

func (v violation) String() string {
	return fmt.Sprintf("%s at %s: %s", v.Rule, strings.Join(v.Paths, ", "), v.Description)
}

// reportPath finds the validation report's file in the panic of a failed
// synthesis.
var reportPath = regexp.MustCompile(`can be found in: (\S+validation-report\.json)`)

// synthErrors synthesizes the stack, which must fail, and returns the
// errors of its validation report.
func synthErrors(t *testing.T, ctx map[string]any, props ConveningsStackProps) []violation {
	t.Helper()
	_, errs := synthesize(t, ctx, props)
	if errs == nil {
		t.Fatal("synthesis succeeded, want it to fail")
	}
	return errs
}

// readValidationErrors reads the errors of a validation report.
func readValidationErrors(t testing.TB, path string) []violation {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				RuleName, Description, Severity string
				ViolatingConstructs             []struct{ ConstructPath string }
			}
		}
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var errs []violation
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			if v.Severity != "error" {
				continue
			}
			e := violation{Rule: v.RuleName, Description: v.Description}
			for _, c := range v.ViolatingConstructs {
				e.Paths = append(e.Paths, c.ConstructPath)
			}
			errs = append(errs, e)
		}
	}
	return errs
}

var (
	defaultOnce  sync.Once
	defaultStack synthesized
	defaultDir   string
)

// defaultSynth is the stack with no context, synthesized once for the
// tests that only read it.
func defaultSynth(t *testing.T) synthesized {
	t.Helper()
	defaultOnce.Do(func() {
		dir, err := os.MkdirTemp("", "convenings-bin-")
		if err != nil {
			t.Fatal(err)
		}
		defaultDir = dir
		for _, name := range FunctionNames() {
			_ = os.MkdirAll(filepath.Join(dir, name), 0o755)
			if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), []byte("fake "+name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		defaultStack = synth(t, nil, ConveningsStackProps{BinDir: dir})
	})
	if defaultStack.stack == nil {
		t.Fatal("default stack did not synthesize")
	}
	return defaultStack
}

func TestMain(m *testing.M) {
	code := m.Run()
	if defaultDir != "" {
		_ = os.RemoveAll(defaultDir)
	}
	os.Exit(code)
}

// noPanic turns a failed assertions.Template check, which panics, into a
// test error.
func noPanic(t *testing.T, check func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	check()
}

func ref(id string) map[string]any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }

// ofType returns the logical ids of the resources of one type, sorted.
func (c cfnTemplate) ofType(typ string) []string {
	var ids []string
	for id, r := range c.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// logicalID finds the one resource of typ made by the top-level construct
// with the given id (CDK appends an 8-digit hash).
func (c cfnTemplate) logicalID(t *testing.T, typ, constructID string) string {
	t.Helper()
	re := regexp.MustCompile("^" + regexp.QuoteMeta(constructID) + "[0-9A-F]{8}$")
	var found []string
	for _, id := range c.ofType(typ) {
		if re.MatchString(id) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s from construct %s, found %v", typ, constructID, found)
	}
	return found[0]
}

func functionID(t *testing.T, s synthesized, name string) string {
	t.Helper()
	return s.cfn.logicalID(t, "AWS::Lambda::Function", constructID(name)+"Function")
}

// dig follows keys (strings for objects, ints for arrays) into v.
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestCDKJSON(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON map[string]any
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		t.Fatal(err)
	}
	if cdkJSON["app"] != "go run ./infra" {
		t.Errorf("cdk.json app = %v, want go run ./infra", cdkJSON["app"])
	}
	if len(featureFlags(t)) == 0 {
		t.Error("cdk.json sets no feature flags")
	}
}

func TestFunctionNames(t *testing.T) {
	names := FunctionNames()
	want := []string{"events", "register", "registration", "statements", "surveys", "admin", "web", "console", "promoter", "sequencer", "mailer", "ses-events", "retention", "token-rotation"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("FunctionNames() = %v, want %v", names, want)
	}
	specs := functionSpecs()
	for _, name := range names {
		if _, ok := specs[name]; !ok {
			t.Errorf("function %s has no spec", name)
		}
	}
	if len(specs) != len(names) {
		t.Errorf("specs for %v, want exactly %v", keys(specs), names)
	}
	for _, r := range deploy.Routes {
		if !slices.Contains(names, r.Function) {
			t.Errorf("route %s is served by %s, which the stack does not define", r.Key(), r.Function)
		}
	}
}

// TestFunctionFoldersAreDeployed fails when a folder under functions/ holds
// a main package the stack does not deploy. It skips while functions/ is
// empty; main() reports folders the stack needs but cannot find.
func TestFunctionFoldersAreDeployed(t *testing.T) {
	found, err := functionFolders("..")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Skip("no functions/<name>/main.go yet")
	}
	for _, name := range found {
		if !slices.Contains(FunctionNames(), name) {
			t.Errorf("functions/%s is not in FunctionNames(): the stack would not deploy it", name)
		}
	}
}

func TestTable(t *testing.T) {
	s := defaultSynth(t)
	ids := s.cfn.ofType("AWS::DynamoDB::GlobalTable")
	if len(ids) != 1 || len(s.cfn.ofType("AWS::DynamoDB::Table")) != 0 {
		t.Fatalf("want exactly one table, got global tables %v", ids)
	}
	table := s.cfn.Resources[ids[0]]
	p := table.Properties

	t.Run("KeysFromDynamostore", func(t *testing.T) {
		wantKeys := []any{
			map[string]any{"AttributeName": deploy.AttrPK, "KeyType": "HASH"},
			map[string]any{"AttributeName": deploy.AttrSK, "KeyType": "RANGE"},
		}
		if got := p["KeySchema"]; !reflect.DeepEqual(got, wantKeys) {
			t.Errorf("KeySchema = %v, want %v", got, wantKeys)
		}
		gsis, _ := p["GlobalSecondaryIndexes"].([]any)
		if len(gsis) != 2 {
			t.Fatalf("GlobalSecondaryIndexes = %v, want two", gsis)
		}
		for i, names := range [][3]string{{deploy.IndexGSI1, deploy.AttrGSI1PK, deploy.AttrGSI1SK}, {deploy.IndexGSI2, deploy.AttrGSI2PK, deploy.AttrGSI2SK}} {
			wantGSI := map[string]any{
				"IndexName": names[0],
				"KeySchema": []any{
					map[string]any{"AttributeName": names[1], "KeyType": "HASH"},
					map[string]any{"AttributeName": names[2], "KeyType": "RANGE"},
				},
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}
			if !reflect.DeepEqual(gsis[i], wantGSI) {
				t.Errorf("GSI = %v, want %v", gsis[i], wantGSI)
			}
		}
		types := map[string]any{}
		for _, d := range p["AttributeDefinitions"].([]any) {
			types[dig(d, "AttributeName").(string)] = dig(d, "AttributeType")
		}
		wantTypes := map[string]any{
			deploy.AttrPK: "S", deploy.AttrSK: "S",
			deploy.AttrGSI1PK: "S", deploy.AttrGSI1SK: "S",
			deploy.AttrGSI2PK: "S", deploy.AttrGSI2SK: "S",
		}
		if !reflect.DeepEqual(types, wantTypes) {
			t.Errorf("AttributeDefinitions = %v, want %v", types, wantTypes)
		}
	})

	tests := []struct {
		name string
		got  any
		want any
	}{
		{"OnDemand", p["BillingMode"], "PAY_PER_REQUEST"},
		{"Stream", dig(p, "StreamSpecification", "StreamViewType"), "NEW_AND_OLD_IMAGES"},
		{"TTLAttribute", dig(p, "TimeToLiveSpecification", "AttributeName"), deploy.AttrExpiresAt},
		{"TTLEnabled", dig(p, "TimeToLiveSpecification", "Enabled"), true},
		{"PointInTimeRecovery", dig(p, "Replicas", 0, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), true},
		{"DeletionProtection", dig(p, "Replicas", 0, "DeletionProtectionEnabled"), true},
		{"DeletionPolicyRetain", table.DeletionPolicy, "Retain"},
		{"UpdateReplacePolicyRetain", table.UpdateReplacePolicy, "Retain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	s := defaultSynth(t)
	if n := len(s.cfn.ofType("AWS::Lambda::Function")); n != len(deploy.Functions) {
		t.Errorf("%d functions, want %d", n, len(deploy.Functions))
	}
	tableID := s.cfn.ofType("AWS::DynamoDB::GlobalTable")[0]
	secretID := s.cfn.logicalID(t, "AWS::SecretsManager::Secret", "TokenSecret")
	apiID := s.cfn.logicalID(t, "AWS::ApiGatewayV2::Api", "HttpApi")
	configSetID := s.cfn.logicalID(t, "AWS::SES::ConfigurationSet", "MailConfigurationSet")

	base := map[string]any{deploy.EnvTableName: ref(tableID), deploy.EnvLogLevel: "info"}
	noTable := map[string]any{deploy.EnvLogLevel: "info"}
	with := func(extra map[string]any) map[string]any {
		env := copyMap(base)
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	secret := map[string]any{deploy.EnvTokenSecretARN: ref(secretID)}
	// The program's contact by default: the sender's address.
	contact := map[string]any{deploy.EnvContactName: DefaultContactName, deploy.EnvContactEmail: DefaultSenderEmail}
	secretAndContact := copyMap(secret)
	for k, v := range contact {
		secretAndContact[k] = v
	}
	tests := []struct {
		name    string
		timeout float64
		env     map[string]any
	}{
		{"events", 10, base},
		{"register", 10, with(secretAndContact)},
		{"registration", 10, with(secretAndContact)},
		{"statements", 10, with(secretAndContact)},
		{"surveys", 10, with(secret)},
		{"admin", 10, base},
		{"web", 10, with(secretAndContact)},
		{"promoter", 60, base},
		{"sequencer", 60, base},
		{"mailer", 60, with(map[string]any{
			deploy.EnvTokenSecretARN: ref(secretID),
			deploy.EnvPublicURL:      getAtt(apiID, "ApiEndpoint"),
			deploy.EnvSenderEmail:    DefaultSenderEmail,
			// The account's rate (1/s) shared by the mailer's 2 instances.
			deploy.EnvSESMaxSendRate:      "0.5",
			deploy.EnvSESConfigurationSet: ref(configSetID),
			deploy.EnvContactName:         DefaultContactName,
			deploy.EnvContactEmail:        DefaultSenderEmail,
		})},
		{"ses-events", 10, base},
		{"retention", 300, base},
		{"token-rotation", 30, noTable},
	}
	// (The console's environment is TestConsole's.)
	if len(tests) != len(deploy.Functions)-1 {
		t.Errorf("the test knows %d functions and the console, the stack has %d", len(tests), len(deploy.Functions))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := s.cfn.Resources[functionID(t, s, tt.name)].Properties
			checks := []struct {
				what      string
				got, want any
			}{
				{"Runtime", fn["Runtime"], "provided.al2023"},
				{"Architectures", fn["Architectures"], []any{"arm64"}},
				{"Handler", fn["Handler"], "bootstrap"},
				{"MemorySize", fn["MemorySize"], 256.0},
				{"Timeout", fn["Timeout"], tt.timeout},
				{"Environment", dig(fn, "Environment", "Variables"), tt.env},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if _, ok := dig(fn, "Code", "S3Key").(string); !ok {
				t.Errorf("Code = %v, want an asset", fn["Code"])
			}
			logGroup, _ := dig(fn, "LoggingConfig", "LogGroup", "Ref").(string)
			if days := dig(s.cfn.Resources[logGroup].Properties, "RetentionInDays"); days != 30.0 {
				t.Errorf("log group %q retention = %v, want 30 days", logGroup, days)
			}
		})
	}
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// policyActions returns every action the function's role policies allow,
// with the resources of each.
func policyActions(t *testing.T, s synthesized, fnID string) map[string][]any {
	t.Helper()
	role, _ := dig(s.cfn.Resources[fnID].Properties, "Role", "Fn::GetAtt", 0).(string)
	actions := map[string][]any{}
	for _, id := range s.cfn.ofType("AWS::IAM::Policy") {
		p := s.cfn.Resources[id].Properties
		roles, _ := p["Roles"].([]any)
		if !slices.ContainsFunc(roles, func(r any) bool { return reflect.DeepEqual(r, ref(role)) }) {
			continue
		}
		for _, st := range statements(p["PolicyDocument"]) {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range asList(st["Action"]) {
				actions[a.(string)] = append(actions[a.(string)], asList(st["Resource"])...)
			}
		}
	}
	return actions
}

func statements(doc any) []map[string]any {
	var out []map[string]any
	for _, st := range asList(dig(doc, "Statement")) {
		if m, ok := st.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// asList reads an IAM field that holds one value or a list of them.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

func TestFunctionPermissions(t *testing.T) {
	s := defaultSynth(t)
	tableID := s.cfn.ofType("AWS::DynamoDB::GlobalTable")[0]
	secretID := s.cfn.logicalID(t, "AWS::SecretsManager::Secret", "TokenSecret")
	tests := []struct {
		name    string
		table   bool // reads the table
		write   bool
		secret  bool
		rotates bool // writes and relabels the secret
		ses     bool
		stream  bool   // reads the table's stream
		queue   string // construct id of the queue of what it gave up on
	}{
		{name: "events", table: true},
		{name: "register", table: true, write: true, secret: true},
		{name: "registration", table: true, write: true, secret: true},
		{name: "statements", table: true, write: true, secret: true},
		{name: "surveys", table: true, write: true, secret: true},
		{name: "admin", table: true, write: true},
		{name: "web", table: true, write: true, secret: true},
		// Sessions in the table; the key that seals them comes from the secret.
		{name: "console", table: true, write: true, secret: true},
		{name: "promoter", table: true, write: true, stream: true, queue: "PromotionDeadLetterQueue"},
		{name: "sequencer", table: true, write: true, stream: true, queue: "QueueDeadLetterQueue"},
		{name: "mailer", table: true, write: true, secret: true, ses: true, stream: true, queue: "NotificationDeadLetterQueue"},
		// The table and its failure queue only: no SES, no secret, no stream.
		{name: "ses-events", table: true, write: true, queue: "MailEventsDeadLetterQueue"},
		// Erases and deletes registrations; no secret, no mail.
		{name: "retention", table: true, write: true},
		// The secret alone: no table, no mail.
		{name: "token-rotation", secret: true, rotates: true},
	}
	if len(tests) != len(deploy.Functions) {
		t.Errorf("the test knows %d functions, the stack has %d", len(tests), len(deploy.Functions))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fnID := functionID(t, s, tt.name)
			actions := policyActions(t, s, fnID)
			has := func(a string) bool { _, ok := actions[a]; return ok }

			if has("dynamodb:GetItem") != tt.table || has("dynamodb:Query") != tt.table {
				t.Errorf("table read allowed = %v, want %v: %v", has("dynamodb:Query"), tt.table, keys(actions))
			}
			if tt.table {
				// The table and each index by name: no index/* wildcard.
				want := []any{getAtt(tableID, "Arn")}
				for _, index := range []string{deploy.IndexGSI1, deploy.IndexGSI2} {
					want = append(want, map[string]any{"Fn::Join": []any{"", []any{getAtt(tableID, "Arn"), "/index/" + index}}})
				}
				if !reflect.DeepEqual(actions["dynamodb:Query"], want) {
					t.Errorf("dynamodb:Query on %v, want the table and its indexes by name %v", actions["dynamodb:Query"], want)
				}
			}
			for _, a := range []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} {
				if has(a) != tt.write {
					t.Errorf("%s allowed = %v, want %v", a, has(a), tt.write)
				}
			}
			if has("secretsmanager:GetSecretValue") != tt.secret {
				t.Errorf("secretsmanager:GetSecretValue allowed = %v, want %v", !tt.secret, tt.secret)
			} else if tt.secret && !reflect.DeepEqual(actions["secretsmanager:GetSecretValue"], []any{ref(secretID)}) {
				t.Errorf("GetSecretValue on %v, want only the token secret", actions["secretsmanager:GetSecretValue"])
			}
			for _, a := range []string{"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"} {
				if has(a) != tt.rotates {
					t.Errorf("%s allowed = %v, want %v", a, has(a), tt.rotates)
				} else if tt.rotates && !reflect.DeepEqual(actions[a], []any{ref(secretID)}) {
					t.Errorf("%s on %v, want only the token secret", a, actions[a])
				}
			}
			for _, a := range []string{"ses:SendEmail", "ses:SendRawEmail"} {
				if has(a) != tt.ses {
					t.Errorf("%s allowed = %v, want %v", a, has(a), tt.ses)
				}
			}
			if tt.ses {
				checkSESResources(t, actions["ses:SendEmail"], s, DefaultSenderEmail)
			}
			streamRead := has("dynamodb:GetRecords") && has("dynamodb:DescribeStream")
			if streamRead != tt.stream {
				t.Errorf("stream read allowed = %v, want %v", streamRead, tt.stream)
			}
			if tt.queue != "" {
				queueID := s.cfn.logicalID(t, "AWS::SQS::Queue", tt.queue)
				if !reflect.DeepEqual(actions["sqs:SendMessage"], []any{getAtt(queueID, "Arn")}) {
					t.Errorf("sqs:SendMessage on %v, want only %s", actions["sqs:SendMessage"], queueID)
				}
			} else if has("sqs:SendMessage") {
				t.Errorf("sqs:SendMessage allowed")
			}
			// Its logs: its own log group, by a role of its own without
			// AWS's managed policies (AWSLambdaBasicExecutionRole may write
			// any log group).
			logGroup := dig(s.cfn.Resources[fnID].Properties, "LoggingConfig", "LogGroup", "Ref")
			for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
				if !reflect.DeepEqual(actions[a], []any{getAtt(fmt.Sprint(logGroup), "Arn")}) {
					t.Errorf("%s on %v, want only its log group %v", a, actions[a], logGroup)
				}
			}
			role, _ := dig(s.cfn.Resources[fnID].Properties, "Role", "Fn::GetAtt", 0).(string)
			if managed := s.cfn.Resources[role].Properties["ManagedPolicyArns"]; managed != nil {
				t.Errorf("the role has managed policies %v", managed)
			}
		})
	}
}

// checkSESResources checks that sending is allowed on exactly the sender's
// email identity, its domain identity and the configuration set.
func checkSESResources(t *testing.T, resources []any, s synthesized, sender string) {
	t.Helper()
	identityID := s.cfn.logicalID(t, "AWS::SES::EmailIdentity", "SenderIdentity")
	configSetID := s.cfn.logicalID(t, "AWS::SES::ConfigurationSet", "MailConfigurationSet")
	domainIdentity := map[string]any{} // the domain's identity, when the stack makes one
	for _, id := range s.cfn.ofType("AWS::SES::EmailIdentity") {
		if strings.HasPrefix(id, "SenderDomainIdentity") {
			domainIdentity = ref(id)
		}
	}
	if len(resources) != 3 {
		t.Fatalf("ses:SendEmail on %v, want the email and domain identities and the configuration set", resources)
	}
	for _, r := range resources {
		parts, _ := dig(r, "Fn::Join", 1).([]any)
		if len(parts) == 0 {
			t.Fatalf("SES resource %v is not an ARN join", r)
		}
		last := parts[len(parts)-1]
		switch {
		case reflect.DeepEqual(last, ref(identityID)):
		case reflect.DeepEqual(last, domainIdentity) && parts[len(parts)-2] == ":identity/":
		case last == ":identity/"+strings.SplitN(sender, "@", 2)[1]:
		case reflect.DeepEqual(last, ref(configSetID)) && parts[len(parts)-2] == ":configuration-set/":
		default:
			t.Errorf("SES resource %v is neither the sender's identity, its domain, nor the configuration set", r)
		}
		if !slices.Contains(parts, ":ses:") {
			t.Errorf("SES resource %v is not an SES ARN", r)
		}
	}
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var serviceWildcard = regexp.MustCompile(`^[A-Za-z0-9-]+:\*$`)

func TestNoWildcardActions(t *testing.T) {
	s := defaultSynth(t)
	var docs []struct {
		where string
		doc   any
	}
	for _, id := range s.cfn.ofType("AWS::IAM::Policy") {
		docs = append(docs, struct {
			where string
			doc   any
		}{id, s.cfn.Resources[id].Properties["PolicyDocument"]})
	}
	// Inline policies of roles, in case a construct writes them there.
	for _, id := range s.cfn.ofType("AWS::IAM::Role") {
		for i, p := range asList(s.cfn.Resources[id].Properties["Policies"]) {
			docs = append(docs, struct {
				where string
				doc   any
			}{fmt.Sprintf("%s.Policies[%d]", id, i), dig(p, "PolicyDocument")})
		}
	}
	if len(docs) < 6 {
		t.Fatalf("found %d policies, want one per function at least", len(docs))
	}
	for _, d := range docs {
		t.Run(d.where, func(t *testing.T) {
			for _, st := range statements(d.doc) {
				if _, ok := st["NotAction"]; ok {
					t.Errorf("statement uses NotAction: %v", st)
				}
				for _, a := range asList(st["Action"]) {
					if a == "*" || serviceWildcard.MatchString(fmt.Sprint(a)) {
						t.Errorf("statement allows %q: %v", a, st)
					}
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	s := defaultSynth(t)
	routeIDs := s.cfn.ofType("AWS::ApiGatewayV2::Route")
	if len(routeIDs) != len(deploy.Routes) {
		t.Errorf("%d routes, want %d (deploy.Routes)", len(routeIDs), len(deploy.Routes))
	}
	byKey := map[string]map[string]any{}
	for _, id := range routeIDs {
		p := s.cfn.Resources[id].Properties
		key := p["RouteKey"].(string)
		if _, dup := byKey[key]; dup {
			t.Errorf("route %s defined twice", key)
		}
		byKey[key] = p
	}
	authorizers := s.cfn.ofType("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("authorizers %v, want one", authorizers)
	}
	authorizer := s.cfn.Resources[authorizers[0]].Properties
	poolID := s.cfn.logicalID(t, "AWS::Cognito::UserPool", "StaffPool")
	clientID := s.cfn.logicalID(t, "AWS::Cognito::UserPoolClient", "StaffPoolStaffClient")
	if authorizer["AuthorizerType"] != "JWT" ||
		!reflect.DeepEqual(dig(authorizer, "JwtConfiguration", "Audience"), []any{ref(clientID)}) ||
		!slices.ContainsFunc(asList(dig(authorizer, "JwtConfiguration", "Issuer", "Fn::Join", 1)), func(v any) bool {
			return reflect.DeepEqual(v, ref(poolID))
		}) {
		t.Errorf("authorizer %v is not a JWT authorizer of the staff pool and client", authorizer)
	}

	for _, r := range deploy.Routes {
		t.Run(r.Key(), func(t *testing.T) {
			p, ok := byKey[r.Key()]
			if !ok {
				t.Fatalf("route missing")
			}
			if r.Authorized() {
				if p["AuthorizationType"] != "JWT" || !reflect.DeepEqual(p["AuthorizerId"], ref(authorizers[0])) ||
					!reflect.DeepEqual(p["AuthorizationScopes"], []any{deploy.StaffAPIScope}) {
					t.Errorf("staff route: AuthorizationType %v, AuthorizerId %v, scopes %v; want JWT with the staff authorizer and the staff API's scope",
						p["AuthorizationType"], p["AuthorizerId"], p["AuthorizationScopes"])
				}
			} else if p["AuthorizerId"] != nil || (p["AuthorizationType"] != nil && p["AuthorizationType"] != "NONE") {
				t.Errorf("public route has authorization %v / %v", p["AuthorizationType"], p["AuthorizerId"])
			}
			integrationID, _ := dig(p, "Target", "Fn::Join", 1, 1, "Ref").(string)
			integration := s.cfn.Resources[integrationID].Properties
			if got, want := integration["IntegrationUri"], getAtt(functionID(t, s, r.Function), "Arn"); !reflect.DeepEqual(got, want) {
				t.Errorf("route integrates %v, want function %s", got, r.Function)
			}
			if integration["PayloadFormatVersion"] != "2.0" || integration["IntegrationType"] != "AWS_PROXY" {
				t.Errorf("integration %v, want AWS_PROXY with payload 2.0", integration)
			}
		})
	}
	if got, want := len(s.cfn.ofType("AWS::ApiGatewayV2::Integration")), 8; got != want {
		t.Errorf("%d integrations, want one per HTTP function (%d)", got, want)
	}
	api := s.cfn.Resources[s.cfn.logicalID(t, "AWS::ApiGatewayV2::Api", "HttpApi")].Properties
	if api["ProtocolType"] != "HTTP" || api["CorsConfiguration"] != nil {
		t.Errorf("api %v, want an HTTP API without CORS", api)
	}
}

func TestStageThrottling(t *testing.T) {
	tests := []struct {
		name        string
		ctx         map[string]any
		props       ConveningsStackProps
		rate, burst float64
	}{
		{name: "Defaults", rate: DefaultThrottleRateLimit, burst: DefaultThrottleBurstLimit},
		{name: "ContextStrings", ctx: map[string]any{ContextThrottleRateLimit: "5", ContextThrottleBurstLimit: "8"}, rate: 5, burst: 8},
		{name: "ContextNumbers", ctx: map[string]any{ContextThrottleRateLimit: 7, ContextThrottleBurstLimit: 9}, rate: 7, burst: 9},
		{name: "PropsOverContext", ctx: map[string]any{ContextThrottleRateLimit: 7},
			props: ConveningsStackProps{ThrottleRateLimit: 3, ThrottleBurstLimit: 4}, rate: 3, burst: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil && tt.props == (ConveningsStackProps{}) {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, tt.props)
			}
			noPanic(t, func() {
				s.template.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Stage"), jsii.Number(1))
				s.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
					"StageName":  "$default",
					"AutoDeploy": true,
					"DefaultRouteSettings": map[string]any{
						"ThrottlingRateLimit":  tt.rate,
						"ThrottlingBurstLimit": tt.burst,
					},
				})
			})
		})
	}
}

// TestRouteThrottling: the public routes that write have their class's
// limits in the stage's route settings (the rest keep the stage default),
// and the stage comes after those routes.
func TestRouteThrottling(t *testing.T) {
	tests := []struct {
		name     string
		ctx      map[string]any
		register throttle
		cancel   throttle
	}{
		{name: "Defaults", register: throttle{DefaultRegisterRateLimit, DefaultRegisterBurstLimit},
			cancel: throttle{DefaultCancelRateLimit, DefaultCancelBurstLimit}},
		{name: "Context", ctx: map[string]any{ContextRegisterRateLimit: "30", ContextRegisterBurstLimit: 60,
			ContextCancelRateLimit: "2", ContextCancelBurstLimit: "4"}, register: throttle{30, 60}, cancel: throttle{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, ConveningsStackProps{})
			}
			stages := s.cfn.ofType("AWS::ApiGatewayV2::Stage")
			if len(stages) != 1 {
				t.Fatalf("stages %v", stages)
			}
			var stage struct {
				DependsOn  []string
				Properties struct {
					RouteSettings map[string]map[string]any
				}
			}
			raw, _ := json.Marshal(s.template.ToJSON())
			var all struct{ Resources map[string]json.RawMessage }
			if err := json.Unmarshal(raw, &all); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(all.Resources[stages[0]], &stage); err != nil {
				t.Fatal(err)
			}
			routeIDs := map[string]string{}
			for _, id := range s.cfn.ofType("AWS::ApiGatewayV2::Route") {
				routeIDs[s.cfn.Resources[id].Properties["RouteKey"].(string)] = id
			}
			want := map[string]map[string]any{}
			for _, r := range deploy.Routes {
				var c throttle
				switch r.Throttle {
				case "":
					// Signing out of the console deletes only the caller's own
					// session: the stage's default covers it.
					if !r.SignedIn() && r.Function != deploy.Console && r.Method != "GET" && r.Path != deploy.DefaultRoute {
						t.Errorf("%s is a public route that writes, with no throttling class", r.Key())
					}
					continue
				case deploy.ThrottleRegister:
					c = tt.register
				case deploy.ThrottleCancel:
					c = tt.cancel
				}
				want[r.Key()] = map[string]any{"ThrottlingRateLimit": c.rate, "ThrottlingBurstLimit": c.burst}
				if !slices.Contains(stage.DependsOn, routeIDs[r.Key()]) {
					t.Errorf("the stage does not depend on route %s (%s): %v", r.Key(), routeIDs[r.Key()], stage.DependsOn)
				}
			}
			classed := 0
			for _, r := range deploy.Routes {
				if r.Throttle != "" {
					classed++
				}
			}
			if len(want) != classed || classed < 4 {
				t.Errorf("%d throttled routes, want the %d with a class (at least register and cancel, API and website)", len(want), classed)
			}
			// Both classes are in use, on the API and on the website.
			for _, key := range []string{"POST /api/events/{eventId}/registrations", "POST /events/{eventId}",
				"DELETE /api/registrations/{registrationId}", "POST /manage/{registrationId}/cancel"} {
				if want[key] == nil {
					t.Errorf("%s has no throttling class", key)
				}
			}
			if !reflect.DeepEqual(stage.Properties.RouteSettings, want) {
				t.Errorf("RouteSettings = %v, want %v", stage.Properties.RouteSettings, want)
			}
		})
	}
}

// TestReservedConcurrency: by default no function reserves concurrency, so
// that the stack deploys on a new account, whose concurrency quota may be
// as low as 10 (Lambda keeps 100 unreserved); staff may reserve some for
// the promoter, the mailer and ses-events once the quota allows.
func TestReservedConcurrency(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want map[string]any
	}{
		{name: "NoneByDefault", want: map[string]any{}},
		{name: "Context", ctx: map[string]any{ContextPromoterConcurrency: "6", ContextMailerConcurrency: 3, ContextSESEventsConcurrency: "1"},
			want: map[string]any{deploy.Promoter: 6.0, deploy.Mailer: 3.0, deploy.SESEvents: 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, ConveningsStackProps{})
			}
			for _, f := range deploy.Functions {
				got := s.cfn.Resources[functionID(t, s, f.Name)].Properties["ReservedConcurrentExecutions"]
				if got != tt.want[f.Name] {
					t.Errorf("%s: ReservedConcurrentExecutions = %v, want %v", f.Name, got, tt.want[f.Name])
				}
			}
		})
	}
}

// TestTopicsAreEncrypted: both topics (SES's events carry recipients'
// addresses) are encrypted with the stack's rotated key, which SES and
// CloudWatch of this account alone may publish with.
func TestTopicsAreEncrypted(t *testing.T) {
	s := defaultSynth(t)
	keyID := s.cfn.logicalID(t, "AWS::KMS::Key", "TopicKey")
	key := s.cfn.Resources[keyID].Properties
	if key["EnableKeyRotation"] != true {
		t.Error("the topic key is not rotated")
	}
	topics := s.cfn.ofType("AWS::SNS::Topic")
	if len(topics) != 2 {
		t.Fatalf("%d topics, want the alarm and SES events topics", len(topics))
	}
	for _, id := range topics {
		if got := s.cfn.Resources[id].Properties["KmsMasterKeyId"]; !reflect.DeepEqual(got, getAtt(keyID, "Arn")) {
			t.Errorf("topic %s KmsMasterKeyId = %v, want the topic key", id, got)
		}
	}
	publishers := map[string]bool{}
	for _, st := range statements(key["KeyPolicy"]) {
		services := asList(dig(st, "Principal", "Service"))
		if len(services) == 0 {
			continue
		}
		actions := asList(st["Action"])
		if !reflect.DeepEqual(actions, []any{"kms:Decrypt", "kms:GenerateDataKey*"}) && !reflect.DeepEqual(actions, []any{"kms:GenerateDataKey*", "kms:Decrypt"}) ||
			!reflect.DeepEqual(dig(st, "Condition", "StringEquals", "aws:SourceAccount"), map[string]any{"Ref": "AWS::AccountId"}) {
			t.Errorf("key policy statement for %v: %v", services, st)
		}
		for _, s := range services {
			publishers[s.(string)] = true
		}
	}
	if !publishers["ses.amazonaws.com"] || !publishers["cloudwatch.amazonaws.com"] || len(publishers) != 2 {
		t.Errorf("services that may use the key: %v, want SES and CloudWatch", publishers)
	}
}

// TestMailEvents: the mailer's configuration set suppresses addresses that
// bounce or complain and publishes those events to a topic that only SES
// (for this configuration set) may publish to and that invokes ses-events,
// whose failed invocations are retried twice and then kept in a queue.
func TestMailEvents(t *testing.T) {
	s := defaultSynth(t)
	configSetID := s.cfn.logicalID(t, "AWS::SES::ConfigurationSet", "MailConfigurationSet")
	topicID := s.cfn.logicalID(t, "AWS::SNS::Topic", "SesEventsTopic")
	fnID := functionID(t, s, deploy.SESEvents)
	queueID := s.cfn.logicalID(t, "AWS::SQS::Queue", "MailEventsDeadLetterQueue")

	t.Run("Suppression", func(t *testing.T) {
		got := dig(s.cfn.Resources[configSetID].Properties, "SuppressionOptions", "SuppressedReasons")
		if !reflect.DeepEqual(got, []any{"BOUNCE", "COMPLAINT"}) {
			t.Errorf("SuppressedReasons = %v", got)
		}
	})
	t.Run("Destination", func(t *testing.T) {
		noPanic(t, func() {
			s.template.ResourceCountIs(jsii.String("AWS::SES::ConfigurationSetEventDestination"), jsii.Number(1))
			s.template.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSetEventDestination"), map[string]any{
				"ConfigurationSetName": ref(configSetID),
				"EventDestination": map[string]any{
					"Enabled":            true,
					"MatchingEventTypes": []any{"bounce", "complaint"},
					"SnsDestination":     map[string]any{"TopicARN": ref(topicID)},
				},
			})
		})
	})
	t.Run("OnlySESPublishes", func(t *testing.T) {
		var found bool
		for _, id := range s.cfn.ofType("AWS::SNS::TopicPolicy") {
			p := s.cfn.Resources[id].Properties
			if !reflect.DeepEqual(p["Topics"], []any{ref(topicID)}) {
				continue
			}
			for _, st := range statements(p["PolicyDocument"]) {
				found = true
				sourceARN, _ := dig(st, "Condition", "StringEquals", "AWS:SourceArn", "Fn::Join", 1).([]any)
				if st["Action"] != "sns:Publish" || dig(st, "Principal", "Service") != "ses.amazonaws.com" ||
					len(sourceARN) == 0 || !reflect.DeepEqual(sourceARN[len(sourceARN)-1], ref(configSetID)) {
					t.Errorf("topic policy statement %v, want SES publishing for the configuration set only", st)
				}
			}
		}
		if !found {
			t.Error("the topic has no policy letting SES publish")
		}
	})
	t.Run("Subscription", func(t *testing.T) {
		var subs []map[string]any
		for _, id := range s.cfn.ofType("AWS::SNS::Subscription") {
			if p := s.cfn.Resources[id].Properties; reflect.DeepEqual(p["TopicArn"], ref(topicID)) {
				subs = append(subs, p)
			}
		}
		if len(subs) != 1 || subs[0]["Protocol"] != "lambda" || !reflect.DeepEqual(subs[0]["Endpoint"], getAtt(fnID, "Arn")) {
			t.Fatalf("subscriptions %v, want ses-events alone", subs)
		}
		// What SNS cannot deliver waits in the function's queue.
		if got := dig(subs[0], "RedrivePolicy", "deadLetterTargetArn"); !reflect.DeepEqual(got, getAtt(queueID, "Arn")) {
			t.Errorf("the subscription's dead-letter queue is %v, want %s", got, queueID)
		}
		perms := 0
		for _, id := range s.cfn.ofType("AWS::Lambda::Permission") {
			p := s.cfn.Resources[id].Properties
			if p["Principal"] == "sns.amazonaws.com" && reflect.DeepEqual(p["SourceArn"], ref(topicID)) {
				if !reflect.DeepEqual(p["FunctionName"], getAtt(fnID, "Arn")) {
					t.Errorf("the topic may invoke %v", p["FunctionName"])
				}
				perms++
			}
		}
		if perms != 1 {
			t.Errorf("%d permissions for the topic to invoke ses-events, want 1", perms)
		}
	})
	t.Run("Retries", func(t *testing.T) {
		noPanic(t, func() {
			s.template.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
			s.template.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
				"FunctionName":             ref(fnID),
				"MaximumRetryAttempts":     2,
				"MaximumEventAgeInSeconds": 6 * 3600,
				"DestinationConfig":        map[string]any{"OnFailure": map[string]any{"Destination": getAtt(queueID, "Arn")}},
			})
		})
	})
}

func TestStreamConsumers(t *testing.T) {
	s := defaultSynth(t)
	tableID := s.cfn.ofType("AWS::DynamoDB::GlobalTable")[0]
	mappings := map[string]map[string]any{}
	for _, id := range s.cfn.ofType("AWS::Lambda::EventSourceMapping") {
		p := s.cfn.Resources[id].Properties
		fn, _ := dig(p, "FunctionName", "Ref").(string)
		mappings[fn] = p
	}
	if len(mappings) != 3 {
		t.Errorf("%d event source mappings, want 3", len(mappings))
	}
	tests := []struct {
		function  string
		batchSize float64
		queue     string
		pattern   map[string]any
	}{
		{deploy.Mailer, 10, "NotificationDeadLetterQueue", map[string]any{
			"eventName": []any{"INSERT"},
			"dynamodb":  map[string]any{"NewImage": map[string]any{deploy.AttrSK: map[string]any{"S": []any{deploy.SortKeyNotice}}}},
		}},
		{deploy.Promoter, 100, "PromotionDeadLetterQueue", map[string]any{
			"eventName": []any{"INSERT", "MODIFY"},
			"dynamodb":  map[string]any{"NewImage": map[string]any{deploy.AttrSK: map[string]any{"S": []any{deploy.SortKeyEvent}}}},
		}},
		{deploy.Sequencer, 100, "QueueDeadLetterQueue", map[string]any{
			"eventName": []any{"INSERT"},
			"dynamodb": map[string]any{"NewImage": map[string]any{deploy.AttrSK: map[string]any{"S": []any{
				map[string]any{"prefix": deploy.SortKeyQueuePrefix}}}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			m, ok := mappings[functionID(t, s, tt.function)]
			if !ok {
				t.Fatalf("no event source mapping")
			}
			queueID := s.cfn.logicalID(t, "AWS::SQS::Queue", tt.queue)
			checks := []struct {
				what      string
				got, want any
			}{
				{"EventSourceArn", m["EventSourceArn"], getAtt(tableID, "StreamArn")},
				{"StartingPosition", m["StartingPosition"], "LATEST"},
				{"BatchSize", m["BatchSize"], tt.batchSize},
				{"BisectBatchOnFunctionError", m["BisectBatchOnFunctionError"], true},
				{"FunctionResponseTypes", m["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}},
				{"OnFailure", dig(m, "DestinationConfig", "OnFailure", "Destination"), getAtt(queueID, "Arn")},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if r, _ := m["MaximumRetryAttempts"].(float64); r < 1 || r > 10 {
				t.Errorf("MaximumRetryAttempts = %v, want 1..10", m["MaximumRetryAttempts"])
			}
			if age, _ := m["MaximumRecordAgeInSeconds"].(float64); age < 60 || age > 6*3600 {
				t.Errorf("MaximumRecordAgeInSeconds = %v, want at most 6 hours", m["MaximumRecordAgeInSeconds"])
			}
			filters, _ := dig(m, "FilterCriteria", "Filters").([]any)
			if len(filters) != 1 {
				t.Fatalf("filters %v, want one", filters)
			}
			var pattern map[string]any
			if err := json.Unmarshal([]byte(dig(filters[0], "Pattern").(string)), &pattern); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pattern, tt.pattern) {
				t.Errorf("filter pattern %v, want %v", pattern, tt.pattern)
			}
			q := s.cfn.Resources[queueID].Properties
			if q["MessageRetentionPeriod"] != 14*24*3600.0 || q["SqsManagedSseEnabled"] != true {
				t.Errorf("failure queue %v, want 14 days retention and encryption", q)
			}
		})
	}
}

func TestCognito(t *testing.T) {
	s := defaultSynth(t)
	poolID := s.cfn.logicalID(t, "AWS::Cognito::UserPool", "StaffPool")
	pool := s.cfn.Resources[poolID]
	clientID := s.cfn.logicalID(t, "AWS::Cognito::UserPoolClient", "StaffPoolStaffClient")
	client := s.cfn.Resources[clientID].Properties
	var groups []string
	for _, id := range s.cfn.ofType("AWS::Cognito::UserPoolGroup") {
		if p := s.cfn.Resources[id].Properties; reflect.DeepEqual(p["UserPoolId"], ref(poolID)) {
			groups = append(groups, p["GroupName"].(string))
		}
	}
	slices.Sort(groups)
	wantGroups := slices.Sorted(slices.Values(deploy.Roles))
	servers := s.cfn.ofType("AWS::Cognito::UserPoolResourceServer")
	domains := s.cfn.ofType("AWS::Cognito::UserPoolDomain")
	brandings := s.cfn.ofType("AWS::Cognito::ManagedLoginBranding")
	joined := func(v any) string { // a Fn::Join's literal parts, for URLs built on the API's endpoint
		var b strings.Builder
		for _, p := range asList(dig(v, "Fn::Join", 1)) {
			if s, ok := p.(string); ok {
				b.WriteString(s)
			}
		}
		return b.String()
	}
	tests := []struct {
		name string
		ok   bool
		got  any
	}{
		{"NoSelfSignUp", dig(pool.Properties, "AdminCreateUserConfig", "AllowAdminCreateUserOnly") == true, pool.Properties["AdminCreateUserConfig"]},
		{"EmailSignIn", reflect.DeepEqual(pool.Properties["UsernameAttributes"], []any{"email"}), pool.Properties["UsernameAttributes"]},
		{"MFARequired", pool.Properties["MfaConfiguration"] == "ON", pool.Properties["MfaConfiguration"]},
		{"MFAByAuthenticatorApp", reflect.DeepEqual(pool.Properties["EnabledMfas"], []any{"SOFTWARE_TOKEN_MFA"}), pool.Properties["EnabledMfas"]},
		{"RetainPool", pool.DeletionPolicy == "Retain", pool.DeletionPolicy},
		{"GroupsAreTheRoles", slices.Equal(groups, wantGroups), groups},
		{"ClientWithoutSecret", client["GenerateSecret"] == false, client["GenerateSecret"]},
		{"ClientOfPool", reflect.DeepEqual(client["UserPoolId"], ref(poolID)), client["UserPoolId"]},
		{"CodeGrantOnly", reflect.DeepEqual(client["AllowedOAuthFlows"], []any{"code"}) && client["AllowedOAuthFlowsUserPoolClient"] == true, client["AllowedOAuthFlows"]},
		{"NoPasswordFlows", reflect.DeepEqual(client["ExplicitAuthFlows"], []any{"ALLOW_REFRESH_TOKEN_AUTH"}), client["ExplicitAuthFlows"]},
		{"Scopes", slices.Contains(asList(client["AllowedOAuthScopes"]), any("openid")) &&
			slices.ContainsFunc(asList(client["AllowedOAuthScopes"]), func(v any) bool { return strings.HasSuffix(joined(v), "/api") || v == deploy.StaffAPIScope }),
			client["AllowedOAuthScopes"]},
		{"CallbackURL", len(asList(client["CallbackURLs"])) == 1 && strings.HasSuffix(joined(asList(client["CallbackURLs"])[0]), "/staff/callback"), client["CallbackURLs"]},
		{"SignOutURL", len(asList(client["LogoutURLs"])) == 1 && strings.HasSuffix(joined(asList(client["LogoutURLs"])[0]), "/staff/signed-out"), client["LogoutURLs"]},
		{"TokenRevocation", client["EnableTokenRevocation"] == true, client["EnableTokenRevocation"]},
		{"RefreshLastsASession", client["RefreshTokenValidity"] == 600.0 && dig(client, "TokenValidityUnits", "RefreshToken") == "minutes" ||
			client["RefreshTokenValidity"] == 10.0 && dig(client, "TokenValidityUnits", "RefreshToken") == "hours", []any{client["RefreshTokenValidity"], client["TokenValidityUnits"]}},
		{"StaffAPIResourceServer", len(servers) == 1 && s.cfn.Resources[servers[0]].Properties["Identifier"] == deploy.StaffAPIResourceServer &&
			dig(s.cfn.Resources[servers[0]].Properties, "Scopes", 0, "ScopeName") == "api", servers},
		{"ManagedLoginDomain", len(domains) == 1 && s.cfn.Resources[domains[0]].Properties["ManagedLoginVersion"] == 2.0, domains},
		{"ManagedLoginBranding", len(brandings) == 1 && reflect.DeepEqual(s.cfn.Resources[brandings[0]].Properties["ClientId"], ref(clientID)), brandings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("got %v", tt.got)
			}
		})
	}
}

// TestConsole checks the console's function: its environment names the
// pool, its client and the managed login, and it may read the table and
// the token secret, nothing else of note.
func TestConsole(t *testing.T) {
	s := defaultSynth(t)
	fn := s.cfn.Resources[functionID(t, s, deploy.Console)].Properties
	env, _ := dig(fn, "Environment", "Variables").(map[string]any)
	for _, name := range []string{deploy.EnvTableName, deploy.EnvTokenSecretARN, deploy.EnvPublicURL,
		deploy.EnvCognitoIssuer, deploy.EnvCognitoClientID, deploy.EnvCognitoLoginURL, deploy.EnvContactName, deploy.EnvContactEmail} {
		if env[name] == nil {
			t.Errorf("environment lacks %s: %v", name, env)
		}
	}
	clientID := s.cfn.logicalID(t, "AWS::Cognito::UserPoolClient", "StaffPoolStaffClient")
	if !reflect.DeepEqual(env[deploy.EnvCognitoClientID], ref(clientID)) {
		t.Errorf("%s = %v, want the console's client", deploy.EnvCognitoClientID, env[deploy.EnvCognitoClientID])
	}
	if !strings.Contains(fmt.Sprint(env[deploy.EnvCognitoIssuer]), "https://cognito-idp.") {
		t.Errorf("%s = %v", deploy.EnvCognitoIssuer, env[deploy.EnvCognitoIssuer])
	}
}

// TestTokenSecret: the keyring is kept if the stack goes, and Secrets
// Manager rotates it with the token-rotation function on its schedule;
// only Secrets Manager, for this secret, may invoke the function.
func TestTokenSecret(t *testing.T) {
	s := defaultSynth(t)
	noPanic(t, func() {
		s.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(1))
		s.template.HasResource(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties": map[string]any{
				"GenerateSecretString": map[string]any{
					"PasswordLength":     64,
					"ExcludePunctuation": true,
				},
			},
		})
	})
	secretID := s.cfn.logicalID(t, "AWS::SecretsManager::Secret", "TokenSecret")
	fnID := functionID(t, s, deploy.TokenRotation)
	schedules := s.cfn.ofType("AWS::SecretsManager::RotationSchedule")
	if len(schedules) != 1 {
		t.Fatalf("rotation schedules %v, want one", schedules)
	}
	sched := s.cfn.Resources[schedules[0]]
	checks := []struct {
		what      string
		got, want any
	}{
		{"SecretId", sched.Properties["SecretId"], ref(secretID)},
		{"RotationLambdaARN", sched.Properties["RotationLambdaARN"], getAtt(fnID, "Arn")},
		{"ScheduleExpression", dig(sched.Properties, "RotationRules", "ScheduleExpression"), deploy.TokenKeyRotationSchedule},
		{"Duration", dig(sched.Properties, "RotationRules", "Duration"), deploy.TokenKeyRotationWindow},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("rotation schedule %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	var invokers []map[string]any
	for _, id := range s.cfn.ofType("AWS::Lambda::Permission") {
		if p := s.cfn.Resources[id].Properties; reflect.DeepEqual(p["FunctionName"], getAtt(fnID, "Arn")) {
			invokers = append(invokers, p)
		}
	}
	if len(invokers) != 1 || invokers[0]["Principal"] != "secretsmanager.amazonaws.com" ||
		!reflect.DeepEqual(invokers[0]["SourceArn"], ref(secretID)) || !reflect.DeepEqual(invokers[0]["SourceAccount"], ref("AWS::AccountId")) {
		t.Errorf("who may invoke token-rotation: %v, want Secrets Manager for the token secret alone", invokers)
	}
}

func TestSender(t *testing.T) {
	tests := []struct {
		name        string
		ctx         map[string]any
		props       ConveningsStackProps
		wantEmail   string
		wantRate    string
		wantWarning bool
	}{
		// The mailer's environment holds one instance's share of the
		// account's rate: the rate over its reserved concurrency.
		{name: "Default", wantEmail: DefaultSenderEmail, wantRate: "0.5", wantWarning: true},
		{name: "Context", ctx: map[string]any{ContextSenderEmail: "events@lmi.example", ContextSESMaxSendRate: "14"},
			wantEmail: "events@lmi.example", wantRate: "7"},
		{name: "ContextRateNumber", ctx: map[string]any{ContextSenderEmail: "events@lmi.example", ContextSESMaxSendRate: 2.5},
			wantEmail: "events@lmi.example", wantRate: "1.25"},
		{name: "Props", ctx: map[string]any{ContextSenderEmail: "ignored@lmi.example"},
			props:     ConveningsStackProps{SenderEmail: "staff@lmi.example", SESMaxSendRate: "3"},
			wantEmail: "staff@lmi.example", wantRate: "1.5"},
		{name: "SharedByMoreMailers", ctx: map[string]any{ContextSenderEmail: "events@lmi.example", ContextSESMaxSendRate: "14",
			ContextMailerConcurrency: "4"}, wantEmail: "events@lmi.example", wantRate: "3.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil && tt.props == (ConveningsStackProps{}) {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, tt.props)
			}
			vars := dig(s.cfn.Resources[functionID(t, s, deploy.Mailer)].Properties, "Environment", "Variables")
			if got := dig(vars, deploy.EnvSenderEmail); got != tt.wantEmail {
				t.Errorf("%s = %v, want %s", deploy.EnvSenderEmail, got, tt.wantEmail)
			}
			if got := dig(vars, deploy.EnvSESMaxSendRate); got != tt.wantRate {
				t.Errorf("%s = %v, want %s", deploy.EnvSESMaxSendRate, got, tt.wantRate)
			}
			// The address's identity (TestSenderDomain checks the domain's).
			address := s.cfn.Resources[s.cfn.logicalID(t, "AWS::SES::EmailIdentity", "SenderIdentity")].Properties
			if address["EmailIdentity"] != tt.wantEmail {
				t.Errorf("the sender identity is %v, want %s", address["EmailIdentity"], tt.wantEmail)
			}
			actions := policyActions(t, s, functionID(t, s, deploy.Mailer))
			checkSESResources(t, actions["ses:SendRawEmail"], s, tt.wantEmail)

			warnings := assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String("No sender email set")))
			if got := len(*warnings) > 0; got != tt.wantWarning {
				t.Errorf("sender warning = %v, want %v", got, tt.wantWarning)
			}
			noPanic(t, func() {
				assertions.Annotations_FromStack(s.stack).HasNoError(jsii.String("*"), assertions.Match_AnyValue())
			})
		})
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		props ConveningsStackProps
		want  func(s synthesized) any
	}{
		{name: "DefaultIsTheAPI", want: func(s synthesized) any {
			return getAtt(s.cfn.logicalID(t, "AWS::ApiGatewayV2::Api", "HttpApi"), "ApiEndpoint")
		}},
		{name: "Context", ctx: map[string]any{ContextPublicURL: "https://convenings.example.org"},
			want: func(synthesized) any { return "https://convenings.example.org" }},
		{name: "Props", props: ConveningsStackProps{PublicURL: "https://lmi.example.org/convenings"},
			want: func(synthesized) any { return "https://lmi.example.org/convenings" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil && tt.props == (ConveningsStackProps{}) {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, tt.props)
			}
			vars := dig(s.cfn.Resources[functionID(t, s, deploy.Mailer)].Properties, "Environment", "Variables")
			if got, want := dig(vars, deploy.EnvPublicURL), tt.want(s); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %v, want %v", deploy.EnvPublicURL, got, want)
			}
		})
	}
}

func TestInvalidSettingsFailSynth(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		message string
	}{
		{"SenderNotAnEmail", map[string]any{ContextSenderEmail: "noreply"}, "is not an email address"},
		{"RateNotANumber", map[string]any{ContextSESMaxSendRate: "fast"}, "not a positive number of emails"},
		{"ThrottleNotANumber", map[string]any{ContextThrottleRateLimit: "lots"}, "is not a positive number"},
		{"PublicURLNotAbsolute", map[string]any{ContextPublicURL: "convenings.example.org"}, "is not an absolute http(s) URL"},
		{"AlarmEmailNotAnEmail", map[string]any{ContextAlarmEmail: "ops"}, "alarmEmail \"ops\" is not an email address"},
		{"ConcurrencyZero", map[string]any{ContextMailerConcurrency: "0"}, "is not a positive number"},
		{"ConcurrencyNotWhole", map[string]any{ContextPromoterConcurrency: "2.5"}, "is not a whole number"},
		{"BurstNotWhole", map[string]any{ContextRegisterBurstLimit: 7.5}, "burst limit 7.5 is not a whole number"},
		{"RouteRateNotANumber", map[string]any{ContextCancelRateLimit: "slow"}, "is not a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := synthErrors(t, tt.ctx, ConveningsStackProps{})
			found := slices.ContainsFunc(errs, func(v violation) bool { return strings.Contains(v.Description, tt.message) })
			if !found {
				t.Errorf("synthesis errors %v, want one saying %q", errs, tt.message)
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	s := defaultSynth(t)
	apiID := s.cfn.logicalID(t, "AWS::ApiGatewayV2::Api", "HttpApi")
	tests := []struct {
		name string
		want any
	}{
		{"ApiUrl", getAtt(apiID, "ApiEndpoint")},
		{"UserPoolId", ref(s.cfn.logicalID(t, "AWS::Cognito::UserPool", "StaffPool"))},
		{"UserPoolClientId", ref(s.cfn.logicalID(t, "AWS::Cognito::UserPoolClient", "StaffPoolStaffClient"))},
		{"TableName", ref(s.cfn.ofType("AWS::DynamoDB::GlobalTable")[0])},
		{"TokenSecretArn", ref(s.cfn.logicalID(t, "AWS::SecretsManager::Secret", "TokenSecret"))},
		{"NotificationDeadLetterQueueUrl", ref(s.cfn.logicalID(t, "AWS::SQS::Queue", "NotificationDeadLetterQueue"))},
		{"PromotionDeadLetterQueueUrl", ref(s.cfn.logicalID(t, "AWS::SQS::Queue", "PromotionDeadLetterQueue"))},
		{"MailEventsDeadLetterQueueUrl", ref(s.cfn.logicalID(t, "AWS::SQS::Queue", "MailEventsDeadLetterQueue"))},
		{"ScheduleDeadLetterQueueUrl", ref(s.cfn.logicalID(t, "AWS::SQS::Queue", "ScheduleDeadLetterQueue"))},
		{"MailConfigurationSetName", ref(s.cfn.logicalID(t, "AWS::SES::ConfigurationSet", "MailConfigurationSet"))},
		{"AlarmTopicArn", ref(s.cfn.logicalID(t, "AWS::SNS::Topic", "AlarmTopic"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := s.cfn.Outputs[tt.name]
			if !ok {
				t.Fatalf("output missing; outputs: %v", keys(s.cfn.Outputs))
			}
			if !reflect.DeepEqual(out["Value"], tt.want) {
				t.Errorf("value %v, want %v", out["Value"], tt.want)
			}
		})
	}
}

func TestMissingBinaryPanics(t *testing.T) {
	dir := fakeBinDir(t)
	if err := os.Remove(filepath.Join(dir, deploy.Mailer, "bootstrap")); err != nil {
		t.Fatal(err)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "function mailer is not built") {
			t.Errorf("recovered %v, want a panic naming the mailer", r)
		}
	}()
	NewConveningsStack(awscdk.NewApp(nil), "Test", &ConveningsStackProps{BinDir: dir})
}

func TestSchedules(t *testing.T) {
	s := defaultSynth(t)
	rules := s.cfn.ofType("AWS::Events::Rule")
	if len(rules) != 4 {
		t.Fatalf("want four schedule rules, found %v", rules)
	}
	// EventBridge retries an invocation Lambda refused until the next one is
	// due, then keeps it in the schedule queue.
	queue := getAtt(s.cfn.logicalID(t, "AWS::SQS::Queue", "ScheduleDeadLetterQueue"), "Arn")
	for name, every := range map[string]struct {
		rate   string
		maxAge float64
	}{deploy.Mailer: {"rate(5 minutes)", 300}, deploy.Promoter: {"rate(5 minutes)", 300}, deploy.Sequencer: {"rate(1 minute)", 60},
		deploy.Retention: {"rate(1 day)", 86400}} {
		fn := functionID(t, s, name)
		found := 0
		for _, id := range rules {
			rule := s.cfn.Resources[id].Properties
			if !reflect.DeepEqual(dig(rule, "Targets", 0, "Arn"), getAtt(fn, "Arn")) {
				continue
			}
			found++
			if rule["ScheduleExpression"] != every.rate || rule["State"] == "DISABLED" {
				t.Errorf("%s: schedule %v state %v, want %s", name, rule["ScheduleExpression"], rule["State"], every.rate)
			}
			target := dig(rule, "Targets", 0)
			if !reflect.DeepEqual(dig(target, "DeadLetterConfig", "Arn"), queue) ||
				dig(target, "RetryPolicy", "MaximumRetryAttempts") != float64(scheduleRetryAttempts) ||
				dig(target, "RetryPolicy", "MaximumEventAgeInSeconds") != every.maxAge {
				t.Errorf("%s: target %v, want the schedule queue, %d retries within %v s", name, target, scheduleRetryAttempts, every.maxAge)
			}
		}
		if found != 1 {
			t.Errorf("%s has %d schedules, want 1", name, found)
		}
		perms := 0
		for _, id := range s.cfn.ofType("AWS::Lambda::Permission") {
			p := s.cfn.Resources[id].Properties
			if p["Principal"] == "events.amazonaws.com" && reflect.DeepEqual(p["FunctionName"], getAtt(fn, "Arn")) {
				perms++
			}
		}
		if perms != 1 {
			t.Errorf("EventBridge may invoke %s through %d permissions, want 1", name, perms)
		}
	}
}

// TestAlarms checks every alarm: its metric, threshold, period and
// evaluation, and that it notifies the alarm topic when it goes off and
// when it clears.
func TestAlarms(t *testing.T) {
	s := defaultSynth(t)
	topic := ref(s.cfn.logicalID(t, "AWS::SNS::Topic", "AlarmTopic"))
	byID := map[string]map[string]any{}
	for _, id := range s.cfn.ofType("AWS::CloudWatch::Alarm") {
		byID[id[:len(id)-8]] = s.cfn.Resources[id].Properties // construct id, without CDK's hash
	}
	type alarm struct {
		id, namespace, metric, statistic string
		dimension                        map[string]any
		threshold, periods               float64
	}
	queue := func(id string) map[string]any {
		return map[string]any{"Name": "QueueName", "Value": getAtt(s.cfn.logicalID(t, "AWS::SQS::Queue", id), "QueueName")}
	}
	want := []alarm{
		{"PromoterDeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", queue("PromotionDeadLetterQueue"), 1, 1},
		{"SequencerDeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", queue("QueueDeadLetterQueue"), 1, 1},
		{"MailerDeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", queue("NotificationDeadLetterQueue"), 1, 1},
		{"SesEventsDeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", queue("MailEventsDeadLetterQueue"), 1, 1},
		{"ScheduleDeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", queue("ScheduleDeadLetterQueue"), 1, 1},
		{"FailedNoticesAlarm", "Convenings/Test", FailedNoticesMetric, "Sum", nil, 1, 1},
		{"Api5xxAlarm", "AWS/ApiGateway", "5xx", "Sum",
			map[string]any{"Name": "ApiId", "Value": ref(s.cfn.logicalID(t, "AWS::ApiGatewayV2::Api", "HttpApi"))}, 5, 1},
	}
	for _, f := range deploy.Functions {
		fn := map[string]any{"Name": "FunctionName", "Value": ref(functionID(t, s, f.Name))}
		id := constructID(f.Name)
		throttled := 1.0 // an HTTP function throttled is a request answered 5xx
		if f.Stream != nil || len(f.SESEvents) > 0 {
			throttled = 3 // a consumer throttled waits: alarm on a backlog only
		}
		want = append(want,
			alarm{id + "ErrorsAlarm", "AWS/Lambda", "Errors", "Sum", fn, 1, 1},
			alarm{id + "ThrottlesAlarm", "AWS/Lambda", "Throttles", "Sum", fn, 1, throttled})
	}
	if len(byID) != len(want) {
		t.Errorf("%d alarms, want %d: %v", len(byID), len(want), keys(byID))
	}
	for _, w := range want {
		t.Run(w.id, func(t *testing.T) {
			a, ok := byID[w.id]
			if !ok {
				t.Fatalf("no alarm %s", w.id)
			}
			var dims []any
			if w.dimension != nil {
				dims = []any{w.dimension}
			}
			checks := []struct {
				what      string
				got, want any
			}{
				{"Namespace", a["Namespace"], w.namespace},
				{"MetricName", a["MetricName"], w.metric},
				{"Statistic", a["Statistic"], w.statistic},
				{"Dimensions", asList(a["Dimensions"]), dims},
				{"Threshold", a["Threshold"], w.threshold},
				{"ComparisonOperator", a["ComparisonOperator"], "GreaterThanOrEqualToThreshold"},
				{"Period", a["Period"], 300.0},
				{"EvaluationPeriods", a["EvaluationPeriods"], w.periods},
				{"DatapointsToAlarm", a["DatapointsToAlarm"], w.periods},
				{"TreatMissingData", a["TreatMissingData"], "notBreaching"},
				{"AlarmActions", a["AlarmActions"], []any{topic}},
				{"OKActions", a["OKActions"], []any{topic}},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}

	// The failed-notice metric counts the mailer's and ses-events' log line.
	t.Run("FailedNoticeFilters", func(t *testing.T) {
		var groups []any
		for _, id := range s.cfn.ofType("AWS::Logs::MetricFilter") {
			p := s.cfn.Resources[id].Properties
			if p["FilterPattern"] != `{ $.msg = "notice failed" }` ||
				!reflect.DeepEqual(p["MetricTransformations"], []any{map[string]any{
					"MetricName": FailedNoticesMetric, "MetricNamespace": "Convenings/Test", "MetricValue": "1"}}) {
				t.Errorf("metric filter %v", p)
			}
			groups = append(groups, p["LogGroupName"])
		}
		var want []any
		for _, name := range []string{deploy.Mailer, deploy.SESEvents} {
			want = append(want, dig(s.cfn.Resources[functionID(t, s, name)].Properties, "LoggingConfig", "LogGroup"))
		}
		if !reflect.DeepEqual(groups, want) && !reflect.DeepEqual(groups, []any{want[1], want[0]}) {
			t.Errorf("metric filters on %v, want the mailer's and ses-events' log groups %v", groups, want)
		}
	})
}

// TestAlarmEmail: the alarm topic gets an email subscription from the
// context; without one, synth warns.
func TestAlarmEmail(t *testing.T) {
	tests := []struct {
		name        string
		ctx         map[string]any
		props       ConveningsStackProps
		wantEmail   string
		wantWarning bool
	}{
		{name: "None", wantWarning: true},
		{name: "Context", ctx: map[string]any{ContextAlarmEmail: "ops@lmi.example.org"}, wantEmail: "ops@lmi.example.org"},
		{name: "Props", ctx: map[string]any{ContextAlarmEmail: "ignored@lmi.example.org"},
			props: ConveningsStackProps{AlarmEmail: "oncall@lmi.example.org"}, wantEmail: "oncall@lmi.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s synthesized
			if tt.ctx == nil && tt.props == (ConveningsStackProps{}) {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, tt.props)
			}
			topic := ref(s.cfn.logicalID(t, "AWS::SNS::Topic", "AlarmTopic"))
			var emails []any
			for _, id := range s.cfn.ofType("AWS::SNS::Subscription") {
				if p := s.cfn.Resources[id].Properties; reflect.DeepEqual(p["TopicArn"], topic) {
					if p["Protocol"] != "email" {
						t.Errorf("alarm subscription %v", p)
					}
					emails = append(emails, p["Endpoint"])
				}
			}
			var want []any
			if tt.wantEmail != "" {
				want = []any{tt.wantEmail}
			}
			if !reflect.DeepEqual(emails, want) {
				t.Errorf("alarm emails %v, want %v", emails, want)
			}
			warnings := assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String("No alarm email set")))
			if got := len(*warnings) > 0; got != tt.wantWarning {
				t.Errorf("alarm email warning = %v, want %v", got, tt.wantWarning)
			}
		})
	}
}

// TestStackFitsCloudFormation: a stack of more than 500 resources does
// not deploy. Each route is a resource; its Lambda permission is not (one
// per function), which keeps room for the routes to come.
func TestStackFitsCloudFormation(t *testing.T) {
	s := defaultSynth(t)
	const limit, headroom = 500, 50
	if n := len(s.cfn.Resources); n > limit-headroom {
		t.Errorf("%d resources: CloudFormation takes at most %d in a stack; keep %d spare", n, limit, headroom)
	}
	perms := s.cfn.ofType("AWS::Lambda::Permission")
	if len(perms) > 3*len(deploy.Functions) {
		t.Errorf("%d Lambda permissions for %d functions: one per route again?", len(perms), len(deploy.Functions))
	}
	t.Logf("%d resources, %d Lambda permissions, %d routes", len(s.cfn.Resources), len(perms), len(deploy.Routes))
}
