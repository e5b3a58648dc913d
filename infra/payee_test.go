package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/deploy"
)

// TestPayee: the payee's settings reach exactly the functions that write
// invoice PDFs (deploy.PayeeEnv), and a malformed tax id fails synth.
func TestPayee(t *testing.T) {
	s := synth(t, map[string]any{ContextPayeeName: "Californians Dedicated to Education Foundation",
		ContextPayeeAddress: "CA LMI, 100 Example Street | Sacramento, CA 95814", ContextPayeeTaxID: "12-3456789"}, ConveningsStackProps{})
	for _, f := range deploy.Functions {
		env, _ := dig(s.cfn.Resources[functionID(t, s, f.Name)].Properties, "Environment", "Variables").(map[string]any)
		got := env[deploy.EnvPayeeTaxID]
		if f.Uses(deploy.EnvPayeeTaxID) != (got == "12-3456789") {
			t.Errorf("%s: tax id %v (uses it: %v)", f.Name, got, f.Uses(deploy.EnvPayeeTaxID))
		}
		if f.Uses(deploy.EnvPayeeName) && env[deploy.EnvPayeeName] != "Californians Dedicated to Education Foundation" {
			t.Errorf("%s: name %v", f.Name, env[deploy.EnvPayeeName])
		}
	}
	for _, name := range []string{deploy.Admin, deploy.Console, deploy.Web, deploy.Registration, deploy.Mailer} {
		if f, _ := deploy.Lookup(name); !f.Uses(deploy.EnvPayeeAddress) {
			t.Errorf("%s writes invoices but is not given the payee", name)
		}
	}
	errs := synthErrors(t, map[string]any{ContextPayeeTaxID: "123456789"}, ConveningsStackProps{})
	if !slices.ContainsFunc(errs, func(v violation) bool {
		return strings.Contains(v.Description, "is not an employer identification number")
	}) {
		t.Errorf("synthesis errors %v", errs)
	}
}
