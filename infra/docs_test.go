package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readDoc reads a file of the repository.
func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// contextKeys returns the values of the Context* constants of the CDK app:
// every option a deployer may set.
func contextKeys(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range spec.Names {
				if !strings.HasPrefix(id.Name, "Context") || i >= len(spec.Values) {
					continue
				}
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					keys = append(keys, v)
				}
			}
			return true
		})
	}
	if len(keys) < 15 {
		t.Fatalf("found %d context keys: %v", len(keys), keys)
	}
	return keys
}

// outputKeyInDoc finds the outputs a doc's commands read by key.
var outputKeyInDoc = regexp.MustCompile(`OutputKey=='([A-Za-z0-9]+)'`)

// TestDocsAgreeWithTheStack: the runbook and the README's deploy section
// name every output the stack has (with every option set) and every
// context option the app reads, and the commands they give read only
// outputs that exist.
func TestDocsAgreeWithTheStack(t *testing.T) {
	s := synth(t, fullContext, ConveningsStackProps{})
	runbook, readme := readDoc(t, "docs/operations.md"), readDoc(t, "README.md")
	start := strings.Index(readme, "## Deploying to AWS")
	end := strings.Index(readme[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no deploy section")
	}
	deploySection := readme[start : start+1+end]
	docs := map[string]string{"docs/operations.md": runbook, "README.md's deploy section": deploySection}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			for _, out := range keys(s.cfn.Outputs) {
				if !strings.Contains(doc, "`"+out+"`") && !strings.Contains(doc, out+"`") {
					t.Errorf("output %s is not named", out)
				}
			}
			for _, key := range contextKeys(t) {
				if !strings.Contains(doc, "`"+key+"`") {
					t.Errorf("context option %s is not named", key)
				}
			}
		})
	}
	for _, doc := range []string{runbook, readme} {
		for _, m := range outputKeyInDoc.FindAllStringSubmatch(doc, -1) {
			if _, ok := s.cfn.Outputs[m[1]]; !ok {
				t.Errorf("a command reads output %s, which the stack does not have", m[1])
			}
		}
	}
	for _, m := range regexp.MustCompile(`--stack-name (\S+)`).FindAllStringSubmatch(runbook+readme, -1) {
		if m[1] != StackName {
			t.Errorf("a command names the stack %q, want %s", m[1], StackName)
		}
	}
	// The alarms the runbook explains are the stack's.
	for _, id := range s.cfn.ofType("AWS::CloudWatch::Alarm") {
		name := id[:len(id)-8]
		explained := strings.Contains(runbook, "`"+name+"`") ||
			slices.ContainsFunc([]string{"ErrorsAlarm", "ThrottlesAlarm"}, func(suffix string) bool { return strings.HasSuffix(name, suffix) })
		if !explained {
			t.Errorf("the runbook does not explain %s", name)
		}
	}
}
