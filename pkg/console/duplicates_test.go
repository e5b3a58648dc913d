package console_test

import (
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestEventPageFlagsPossibleDuplicates: two teams of an event whose
// organizations look alike in one county, or with one contact, are listed
// on the event's page with links to both.
func TestEventPageFlagsPossibleDuplicates(t *testing.T) {
	f := newFixture(t).withContact(convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org"})
	f.event("cv", 40, convening.PolicyStrict)
	c := f.as(deploy.RoleStaff)
	if r := c.get("/staff/events/cv"); strings.Contains(r.body, "Possible duplicates") {
		t.Fatal("an event without teams flags duplicates")
	}
	var ids []string
	for i, name := range []string{"Selma Unified School District", "Selma Unified", "Sanger Unified"} {
		team := storetest.Team(i+1, 2)
		team.Organization = convening.Organization{Name: name, Type: convening.OrgDistrict, County: "Fresno"}
		reg, _, _, err := f.svc.Register(t.Context(), "cv", team, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, reg.ID)
	}
	r := c.get("/staff/events/cv")
	for _, want := range []string{"Possible duplicates (1)",
		`<a href="/staff/registrations/` + ids[0] + `">Selma Unified School District</a>`,
		`<a href="/staff/registrations/` + ids[1] + `">Selma Unified</a>`, "names alike in one county"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the event page lacks %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "Sanger Unified</a> (Fresno County, registered, contact Contact 3): ") {
		t.Error("Sanger Unified is flagged")
	}
}
