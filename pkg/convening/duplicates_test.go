package convening_test

import (
	"context"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

func TestLooksAlike(t *testing.T) {
	org := func(name, county string, typ convening.OrganizationType) convening.Organization {
		return convening.Organization{Name: name, County: county, Type: typ}
	}
	d, c := convening.OrgDistrict, convening.OrgCountyOffice
	tests := []struct {
		a, b convening.Organization
		want bool
	}{
		{org("Selma Unified", "Fresno", d), org("Selma Unified School District", "Fresno", d), true},
		{org("Clovis USD", "Fresno", d), org("Clovis Unified School District", "Fresno", d), true},
		{org("Fresno COE", "Fresno", c), org("Fresno County Office of Education", "Fresno", c), true},
		{org("Kings Canyon Joint Unified", "Fresno", d), org("Kings Canyon Unified School District", "fresno county", d), true},
		{org("Sеlma Unified", "Fresno", d), org("Selma USD", "Fresno", d), true}, // a Cyrillic е
		{org("Selma Unified", "Fresno", d), org("Selma Unified School District", "Madera", d), false},
		{org("Fresno Unified", "Fresno", d), org("Fresno County Office of Education", "Fresno", c), false},
		{org("Del Norte County Unified School District", "Del Norte", d), org("Del Norte County Office of Education", "Del Norte", c), false},
		{org("Clovis Unified", "Fresno", d), org("Fresno Unified", "Fresno", d), false},
		{org("Sanger Unified", "Fresno", d), org("Selma Unified", "Fresno", d), false},
	}
	for _, tt := range tests {
		if got := convening.LooksAlike(tt.a, tt.b); got != tt.want {
			t.Errorf("LooksAlike(%q, %q) = %v, want %v", tt.a.Name, tt.b.Name, got, tt.want)
		}
		if got := convening.LooksAlike(tt.b, tt.a); got != tt.want {
			t.Errorf("LooksAlike(%q, %q) = %v, want %v (not symmetric)", tt.b.Name, tt.a.Name, got, tt.want)
		}
	}
}

// duplicateServices are a store's services with the program's contact,
// and the checks for duplicates.
func duplicateServices(t *testing.T) (*storetest.Services, *convening.RegistrationService, *convening.StatementService, *convening.DuplicateService) {
	t.Helper()
	store := memstore.New()
	svc := newService(t, store)
	b := convening.NewBasics(nil).WithContact(convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org", Phone: "(916) 555-0142"})
	return svc, convening.NewRegistrationService(b, store, svc.Tokens), convening.NewStatementService(b, store, svc.Tokens), convening.NewDuplicateService(b, store)
}

// TestRefusalNamesWhoRegistered: a second registration of an organization
// (in any spelling its key folds) is refused with who holds the place,
// its contact's name and never an address, and whom at CA LMI to ask;
// never "use your link".
func TestRefusalNamesWhoRegistered(t *testing.T) {
	ctx := context.Background()
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	svc, regs, statements, _ := duplicateServices(t)
	if _, err := svc.CreateEvent(ctx, staff, storetest.Event("cv", 2, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := regs.Register(ctx, "cv", storetest.Team(9, 2), nil); err != nil { // the event is full
		t.Fatal(err)
	}
	first := storetest.Team(1, 2) // waitlisted
	first.Organization = convening.Organization{Name: "Selma Unified School District", Type: convening.OrgDistrict, County: "Fresno"}
	first.Contact = convening.Contact{Name: "Rosa Diaz", Email: "rosa.diaz@selmausd.org"}
	if _, _, _, err := regs.Register(ctx, "cv", first, nil); err != nil {
		t.Fatal(err)
	}
	second := storetest.Team(2, 1)
	second.Organization = convening.Organization{Name: "SELMA UNIFIED SCHOOL DISTRICT.", Type: convening.OrgDistrict, County: "Fresno"}
	_, _, _, err := regs.Register(ctx, "cv", second, nil)
	e := convening.AsError(err)
	if e == nil || e.Reason != convening.ReasonOrganizationRegistered || e.Taken == nil {
		t.Fatalf("second registration: %v, want %s with who holds the place", err, convening.ReasonOrganizationRegistered)
	}
	want := convening.TakenPlace{Organization: "Selma Unified School District", ContactName: "Rosa Diaz", Subject: "registration", Status: "waitlisted"}
	got := *e.Taken
	got.ProgramContact = nil
	if got != want || e.Taken.ProgramContact == nil || e.Taken.ProgramContact.Email != "help@lmi.example.org" {
		t.Errorf("taken %+v (program contact %+v), want %+v", got, e.Taken.ProgramContact, want)
	}
	for _, w := range []string{"Rosa Diaz", "on the waiting list", "CA LMI Convenings at help@lmi.example.org or (916) 555-0142"} {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q lacks %q", e.Message, w)
		}
	}
	if strings.Contains(e.Message, "rosa.diaz@") || strings.Contains(strings.ToLower(e.Message), "link") {
		t.Errorf("message %q gives an address or sends to a link", e.Message)
	}

	// A statement for an event that takes them is refused alike.
	sym := storetest.Event("sym", 40, convening.PolicyStrict)
	sym.Admission, sym.RequiredRoles = convening.AdmissionStatement, convening.CoreRoles
	if _, err := svc.CreateEvent(ctx, staff, sym); err != nil {
		t.Fatal(err)
	}
	first.Members, second.Members = storetest.Team(1, 4).Members, storetest.Team(2, 4).Members
	if _, _, _, err := statements.SubmitStatement(ctx, "sym", first, strings.Repeat("x", 200), strings.Repeat("y", 200), nil); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = statements.SubmitStatement(ctx, "sym", second, strings.Repeat("x", 200), strings.Repeat("y", 200), nil)
	if e := convening.AsError(err); e == nil || e.Taken == nil || e.Taken.ContactName != "Rosa Diaz" || e.Taken.Subject != "statement" {
		t.Fatalf("second statement: %v (%+v)", err, e)
	}
}

// TestLookAlikesAndPossibleDuplicates: a team about to register is told of
// teams that look like it (a name alike in its county, the same contact),
// not of its own organization; staff see every such pair.
func TestLookAlikesAndPossibleDuplicates(t *testing.T) {
	ctx := context.Background()
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	svc, regs, _, dups := duplicateServices(t)
	if _, err := svc.CreateEvent(ctx, staff, storetest.Event("cv", 40, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	team := func(n int, name, county, email string) convening.Team {
		t := storetest.Team(n, 2)
		t.Organization = convening.Organization{Name: name, Type: convening.OrgDistrict, County: county}
		t.Contact.Email = email
		return t
	}
	for _, tm := range []convening.Team{
		team(1, "Selma Unified School District", "Fresno", "rosa@selmausd.org"),
		team(2, "Clovis Unified School District", "Fresno", "ana@cusd.org"),
		team(3, "Sanger Unified", "Fresno", "lee@sanger.k12.ca.us"),
	} {
		if _, _, _, err := regs.Register(ctx, "cv", tm, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		team convening.Team
		want string // the organizations named, and "contact" for the same contact
	}{
		{"AlikeName", team(4, "Selma Unified", "Fresno", "new@selmausd.org"), "Selma Unified School District"},
		{"SameContact", team(5, "Kerman Unified", "Fresno", "ANA@cusd.org"), "contact"},
		{"Both", team(6, "Clovis USD", "Fresno", "ana@cusd.org"), "Clovis Unified School District+contact"},
		{"OtherCounty", team(7, "Selma Unified", "Madera", "x@madera.org"), ""},
		{"ItsOwnOrganization", team(8, "selma unified school district", "Fresno", "rosa@selmausd.org"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dups.LookAlikes(ctx, "cv", tt.team)
			if err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, r := range got {
				if r.SameName {
					said = append(said, r.Organization.Name)
				}
				if r.SameContact {
					said = append(said, "contact")
				}
			}
			if strings.Join(said, "+") != tt.want {
				t.Errorf("look-alikes %q, want %q", said, tt.want)
			}
		})
	}
	if _, err := dups.LookAlikes(ctx, "nope", tests[0].team); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Errorf("an unknown event: %v", err)
	}

	// Staff: register the look-alikes (the team confirmed), then list.
	for _, tm := range []convening.Team{tests[0].team, tests[1].team} {
		if _, _, _, err := regs.Register(ctx, "cv", tm, nil); err != nil {
			t.Fatal(err)
		}
	}
	pairs, err := dups.PossibleDuplicates(ctx, "cv")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pairs {
		got = append(got, p.A.Organization.Name+" / "+p.B.Organization.Name+": "+p.Why())
	}
	want := []string{"Selma Unified School District / Selma Unified: names alike in one county",
		"Clovis Unified School District / Kerman Unified: the same contact"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("possible duplicates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
