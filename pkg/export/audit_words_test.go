package export_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestAuditCSVKeepsNamesAsTheyWere: replacing Kevin Lor by Gloria Vang is
// in the audit file as it happened, in words, and the file holds no
// member id.
func TestAuditCSVKeepsNamesAsTheyWere(t *testing.T) {
	ctx := context.Background()
	svc := storetest.NewServices(memstore.New(), storetest.Tokens(t), nil)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("s", "staff@lmi.example.org"), storetest.Event("ev", 20, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	team := storetest.Team(1, 3)
	team.Members[1] = convening.Member{Name: "Kevin Lor", Email: "klor@fta.example.org", Role: convening.RoleCertificatedUnionPresident}
	team.Members[2] = convening.Member{Name: "Xiong Her", Email: "xher@csea.example.org", Role: convening.RoleClassifiedUnionPresident}
	reg, token, _, err := svc.Register(ctx, "ev", team, nil)
	if err != nil {
		t.Fatal(err)
	}
	next := []convening.Member{reg.Members[0], {ID: reg.Members[1].ID, Name: "Gloria Vang", Email: "gvang@fta.example.org",
		Role: convening.RoleCertificatedUnionPresident}, reg.Members[2]}
	if _, err := svc.ChangeTeam(ctx, reg.ID, token, convening.TeamChange{Members: &next}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckIn(ctx, convening.StaffActor("s", "staff@lmi.example.org"), reg.ID, reg.Members[2].ID, false); err != nil {
		t.Fatal(err)
	}
	records, err := svc.AllAudit(ctx, "ev")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := export.Audit(&b, records); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Kevin Lor → Gloria Vang (Certificated union president)",
		"Kevin Lor (Certificated union president); Xiong Her (Classified union president)", "person: Xiong Her"} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit file lacks %q:\n%s", want, out)
		}
	}
	for _, m := range append(reg.Members, next[1]) {
		if strings.Contains(out, m.ID) || strings.Contains(out, m.Email) {
			t.Errorf("the audit file holds %s's id or address:\n%s", m.Name, out)
		}
	}
	if regexp.MustCompile(`members: [0-9A-Z]{26}`).MatchString(out) {
		t.Errorf("member ids:\n%s", out)
	}
}
