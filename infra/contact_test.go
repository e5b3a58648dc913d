package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// TestProgramContact: the program's contact reaches every function that
// shows it to people (the pages, the emails, the answers that tell a team
// whom to reach) and no other; by default it is the sender's address, with
// a warning; a contact that is not valid stops synth, naming the option.
func TestProgramContact(t *testing.T) {
	tests := []struct {
		name      string
		ctx       map[string]any
		want      map[string]any
		wantWarn  bool
		wantError string
	}{
		{name: "Default", wantWarn: true,
			want: map[string]any{deploy.EnvContactName: DefaultContactName, deploy.EnvContactEmail: DefaultSenderEmail}},
		{name: "Context", ctx: map[string]any{ContextContactName: "Maria Lopez, CA LMI", ContextContactEmail: "mlopez@lmi.example.org",
			ContextContactPhone: "+1 916-555-0142 ext. 12"},
			want: map[string]any{deploy.EnvContactName: "Maria Lopez, CA LMI", deploy.EnvContactEmail: "mlopez@lmi.example.org",
				deploy.EnvContactPhone: "+1 916-555-0142 ext. 12"}},
		{name: "NoPhone", ctx: map[string]any{ContextContactEmail: "help@lmi.example.org"},
			want: map[string]any{deploy.EnvContactName: DefaultContactName, deploy.EnvContactEmail: "help@lmi.example.org"}},
		{name: "BadEmail", ctx: map[string]any{ContextContactEmail: "help at lmi"}, wantError: ContextContactEmail},
		{name: "BadPhone", ctx: map[string]any{ContextContactEmail: "help@lmi.example.org", ContextContactPhone: "call us"},
			wantError: ContextContactPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantError != "" {
				_, errs := synthesize(t, tt.ctx, ConveningsStackProps{})
				if !strings.Contains(strings.Join(violationLines(errs), "\n"), tt.wantError) {
					t.Fatalf("synth errors %v, want one naming %s", violationLines(errs), tt.wantError)
				}
				return
			}
			var s synthesized
			if tt.ctx == nil {
				s = defaultSynth(t)
			} else {
				s = synth(t, tt.ctx, ConveningsStackProps{})
			}
			for _, f := range deploy.Functions {
				vars, _ := dig(s.cfn.Resources[functionID(t, s, f.Name)].Properties, "Environment", "Variables").(map[string]any)
				for _, name := range deploy.ContactEnv {
					got, want := vars[name], tt.want[name]
					if !f.Uses(deploy.EnvContactEmail) {
						want = nil
					}
					if got != want {
						t.Errorf("%s: %s = %v, want %v", f.Name, name, got, want)
					}
				}
			}
			warnings := assertions.Annotations_FromStack(s.stack).FindWarning(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String("No program contact email set")))
			if got := len(*warnings) > 0; got != tt.wantWarn {
				t.Errorf("contact warning = %v, want %v", got, tt.wantWarn)
			}
		})
	}
}
