package convening_test

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// TestEveryAuditKindHasWords: every AuditKind the package declares has
// words for the audit log, the console and the CSV (a kind added without
// them shows as its code).
func TestEveryAuditKindHasWords(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "AuditKind" {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						kinds = append(kinds, constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0)))
					}
				}
			}
		}
	}
	if len(kinds) < 40 {
		t.Fatalf("found %d audit kinds: the test reads the wrong files", len(kinds))
	}
	for _, k := range kinds {
		if convening.AuditKind(k).Label() == "" {
			t.Errorf("no words for the audit kind %q (labels.go)", k)
		}
	}
}
