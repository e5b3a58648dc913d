package convening

import "testing"

func TestEveryRoleHasALabel(t *testing.T) {
	for _, r := range Roles {
		if _, ok := roleLabels[r]; !ok {
			t.Errorf("role %q has no label", r)
		}
	}
	if got := Role("astronaut").Label(); got != "Team member" {
		t.Errorf("unknown role label %q", got)
	}
}
