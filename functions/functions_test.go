// Package functions_test checks the Lambda functions as built: that each
// links only what it uses, and that the function folders, the deployed
// system's description (pkg/deploy, which the CDK app deploys) and the
// local runner's registry name the same functions. (e2e's
// TestFunctionBinaries runs each binary against a local Runtime API.)
package functions_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localrun"
)

const module = "github.com/calmi/convenings/"

// pkg is what `go list -json` says of a package.
type pkg struct {
	ImportPath string
	Imports    []string
}

// graph is the import graph of the packages go list reported.
type graph map[string][]string

// listDeps runs `go list -deps -json` on the packages, with the build tags
// the functions are built with (without lambda.norpc, aws-lambda-go links
// net/rpc and with it html/template), and returns their import graph.
func listDeps(t *testing.T, patterns ...string) graph {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json", "-tags", "lambda.norpc"}, patterns...)...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	g := graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g
}

// deps returns every package root links.
func (g graph) deps(root string) map[string]bool {
	seen := map[string]bool{root: true}
	stack := []string{root}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, q := range g[p] {
			if !seen[q] {
				seen[q] = true
				stack = append(stack, q)
			}
		}
	}
	return seen
}

// links reports whether any of deps is prefix or below it.
func links(deps map[string]bool, prefix string) bool {
	for d := range deps {
		if d == prefix || strings.HasPrefix(d, prefix+"/") {
			return true
		}
	}
	return false
}

// TestDependencies checks that each function links only what it calls, so
// that a function's binary, its cold start and its attack surface carry
// nothing another function needs.
func TestDependencies(t *testing.T) {
	g := listDeps(t, "./functions/...", "./infra")
	uses := func(fns ...string) func(string) bool {
		return func(fn string) bool { return slices.Contains(fns, fn) }
	}
	tokens := func(fn string) bool { f, _ := deploy.Lookup(fn); return f.Uses(deploy.EnvTokenSecretARN) }
	// The secret's readers, and its rotation.
	secrets := func(fn string) bool { f, _ := deploy.Lookup(fn); return tokens(fn) || f.RotatesTokenSecret }
	table := func(fn string) bool { f, _ := deploy.Lookup(fn); return f.Uses(deploy.EnvTableName) }
	rules := []struct {
		pkg  string
		want func(function string) bool // which functions link pkg
	}{
		// The console links the SES client only through pkg/mail (below);
		// it has no permission to send. Moving mail.SES into a package of
		// its own would take it out again.
		{"github.com/aws/aws-sdk-go-v2/service/sesv2", uses(deploy.Mailer, deploy.Console)},
		// The SDK's default configuration chain (STS, SSO, IMDS, shared
		// files) is not needed in Lambda: see package awsconfig.
		{"github.com/aws/aws-sdk-go-v2/config", uses()},
		{"github.com/aws/aws-sdk-go-v2/service/sts", uses()},
		{"github.com/aws/aws-sdk-go-v2/service/secretsmanager", secrets},
		{module + "pkg/tokensecret", secrets},
		{module + "pkg/dynamostore", table},
		// The website's pages and the emails (rendered with html/template
		// too) are the only HTML.
		{"html/template", uses(deploy.Web, deploy.Mailer, deploy.Console)},
		// Only the console signs staff in (OAuth 2.0, JWT verification);
		// the staff API trusts API Gateway's authorizer.
		{"golang.org/x/oauth2", uses(deploy.Console)},
		{"github.com/coreos/go-oidc", uses(deploy.Console)},
		{module + "pkg/cognito", uses(deploy.Console)},
		{module + "pkg/console", uses(deploy.Console)},
		// Cognito's API is the local tools' (cognito-local's setup).
		{"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider", uses()},
		{"github.com/aws/aws-cdk-go", uses()},
		{"github.com/aws/jsii-runtime-go", uses()},
		// The console renders an announcement's preview as the email is
		// sent (mail.Render); only the mailer sends.
		{module + "pkg/mail", uses(deploy.Mailer, deploy.Console)},
		{module + "pkg/mailer", uses(deploy.Mailer)},
		{module + "pkg/dynamostream", uses(deploy.Promoter, deploy.Mailer, deploy.Sequencer)},
		{module + "pkg/promoter", uses(deploy.Promoter)},
		{module + "pkg/sequencer", uses(deploy.Sequencer)},
		// SES's events about sent mail; only ses-events reads them.
		{module + "pkg/sesevents", uses(deploy.SESEvents)},
		{module + "pkg/web", uses(deploy.Web)},
		{module + "pkg/httpapi", uses(deploy.Events, deploy.Register, deploy.Registration, deploy.Statements, deploy.Surveys, deploy.Admin)},
		// The one table of HTTP statuses, for the API and the website alike.
		{module + "pkg/problem", uses(deploy.Events, deploy.Register, deploy.Registration, deploy.Statements, deploy.Surveys, deploy.Admin, deploy.Web, deploy.Console)},
		// The in-memory store and the contract suite are for tests only.
		{module + "pkg/memstore", uses()},
		{module + "pkg/storetest", uses()},
		{module + "pkg/localaws", uses()},
		{module + "pkg/localrun", uses()},
	}
	for _, fn := range deploy.FunctionNames() {
		t.Run(fn, func(t *testing.T) {
			deps := g.deps(module + "functions/" + fn)
			if len(deps) < 2 {
				t.Fatalf("go list reported nothing for functions/%s", fn)
			}
			for _, r := range rules {
				if got, want := links(deps, r.pkg), r.want(fn); got != want {
					t.Errorf("links %s: %v, want %v", r.pkg, got, want)
				}
			}
		})
	}
	// The CDK app describes the system; it does not link what runs in it.
	t.Run("infra", func(t *testing.T) {
		deps := g.deps(module + "infra")
		for _, p := range []string{"github.com/aws/aws-lambda-go", "github.com/aws/aws-sdk-go-v2/service/dynamodb",
			module + "pkg/httpapi", module + "pkg/web", module + "pkg/mail", module + "pkg/dynamostream",
			module + "pkg/dynamostore", module + "pkg/convening"} {
			if links(deps, p) {
				t.Errorf("the CDK app links %s", p)
			}
		}
		for d := range deps {
			if strings.HasPrefix(d, module) && d != module+"infra" && d != module+"pkg/deploy" {
				t.Errorf("the CDK app links %s; it should need only pkg/deploy", d)
			}
		}
	})
}

// TestFunctionsAgree checks that the folders under functions/, the
// deployed system's description (deploy.Functions, from which the CDK app
// creates one Lambda function each) and the local runner's registry name
// the same functions.
func TestFunctionsAgree(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if _, err := os.Stat(e.Name() + "/main.go"); e.IsDir() && err == nil {
			folders = append(folders, e.Name())
		}
	}
	described, registry := deploy.FunctionNames(), localrun.FunctionNames()
	slices.Sort(folders)
	slices.Sort(described)
	slices.Sort(registry)
	if !slices.Equal(folders, described) {
		t.Errorf("functions/ holds %v, deploy.Functions names %v", folders, described)
	}
	if !slices.Equal(registry, described) {
		t.Errorf("the local runner builds %v, deploy.Functions names %v", registry, described)
	}
}
