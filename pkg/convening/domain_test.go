package convening_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

func TestPlanPromotion(t *testing.T) {
	w := func(seats ...int) []convening.WaitlistEntry {
		var out []convening.WaitlistEntry
		for i, s := range seats {
			out = append(out, convening.WaitlistEntry{RegistrationID: fmt.Sprint("r", i), Seq: int64(i + 1), Seats: s})
		}
		return out
	}
	ids := func(es []convening.WaitlistEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.RegistrationID)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name   string
		policy convening.WaitlistPolicy
		free   int
		list   []convening.WaitlistEntry
		want   string
	}{
		{"NoSeats", convening.PolicyStrict, 0, w(2, 2), ""},
		{"EmptyList", convening.PolicyFill, 10, nil, ""},
		{"StrictInOrder", convening.PolicyStrict, 6, w(2, 3, 4), "r0,r1"},
		{"StrictHeadBlocks", convening.PolicyStrict, 5, w(6, 2, 2), ""},
		{"StrictStopsAtFirstMisfit", convening.PolicyStrict, 7, w(3, 5, 2), "r0"},
		{"FillSkipsMisfit", convening.PolicyFill, 7, w(3, 5, 2), "r0,r2"},
		{"FillHeadTooBig", convening.PolicyFill, 5, w(6, 2, 4), "r1"},
		{"ExactFit", convening.PolicyStrict, 8, w(4, 4, 1), "r0,r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := convening.PlanPromotion(tt.policy, tt.free, tt.list)
			if ids(got) != tt.want {
				t.Fatalf("promote %q, want %q", ids(got), tt.want)
			}
			sum := 0
			for _, e := range got {
				sum += e.Seats
			}
			if sum > tt.free {
				t.Fatalf("plan takes %d seats of %d", sum, tt.free)
			}
		})
	}
}

func validTeam(size int) convening.Team {
	t := convening.Team{
		Organization: convening.Organization{Name: "Monterey County Office of Education", Type: convening.OrgCountyOffice, County: "Monterey"},
		Contact:      convening.Contact{Name: "Ana Ruiz", Email: "aruiz@montereycoe.example.org"},
	}
	for i := 0; i < size; i++ {
		t.Members = append(t.Members, convening.Member{Name: fmt.Sprint("Member ", i), Email: fmt.Sprintf("m%d@montereycoe.example.org", i), Role: convening.Roles[i%len(convening.Roles)]})
	}
	return t
}

func TestTeamValidate(t *testing.T) {
	ev := convening.Event{MaxTeamSize: 6}
	tests := []struct {
		name   string
		modify func(*convening.Team)
		fields []string
	}{
		{"OK", func(*convening.Team) {}, nil},
		{"CountyAnyCase", func(t *convening.Team) { t.Organization.County = "san luis obispo county" }, nil},
		{"MissingOrganization", func(t *convening.Team) { t.Organization = convening.Organization{} }, []string{"organization.name", "organization.type", "organization.county"}},
		{"UnknownCounty", func(t *convening.Team) { t.Organization.County = "Cascadia" }, []string{"organization.county"}},
		{"BadType", func(t *convening.Team) { t.Organization.Type = "charter" }, []string{"organization.type"}},
		{"ContactEmailWithName", func(t *convening.Team) { t.Contact.Email = "Ana <aruiz@montereycoe.example.org>" }, []string{"contact.email"}},
		{"HeaderInjection", func(t *convening.Team) { t.Contact.Email = "a@b.org\r\nBcc: x@evil.org" }, []string{"contact.email"}},
		{"NameWithNewline", func(t *convening.Team) { t.Contact.Name = "Ana\nBcc: x" }, []string{"contact.name"}},
		{"NoMembers", func(t *convening.Team) { t.Members = nil }, []string{"members"}},
		{"TooMany", func(t *convening.Team) { *t = validTeam(7) }, []string{"members"}},
		{"DuplicateMemberEmail", func(t *convening.Team) { t.Members[2].Email = strings.ToUpper(t.Members[0].Email) }, []string{"members[2].email"}},
		{"BadRole", func(t *convening.Team) { t.Members[1].Role = "mascot" }, []string{"members[1].role"}},
		{"LongName", func(t *convening.Team) { t.Members[0].Name = strings.Repeat("x", 201) }, []string{"members[0].name"}},
		{"NonASCIIEmail", func(t *convening.Team) { t.Contact.Email = "ü@example.com" }, []string{"contact.email"}},
		{"IDNDomain", func(t *convening.Team) { t.Members[0].Email = "ana@bücher.example" }, []string{"members[0].email"}},
		{"PunycodeDomain", func(t *convening.Team) { t.Members[0].Email = "ana@xn--bcher-kva.example" }, nil},
		{"ZeroWidthInEmail", func(t *convening.Team) { t.Contact.Email = "ana\u200b@example.org" }, []string{"contact.email"}},
		{"NumericTLD", func(t *convening.Team) { t.Contact.Email = "ana@10.0.0.1" }, []string{"contact.email"}},
		{"ZeroWidthInName", func(t *convening.Team) { t.Contact.Name = "Ana\u200bRuiz" }, []string{"contact.name"}},
		{"BidiOverrideInOrg", func(t *convening.Team) { t.Organization.Name = "Fresno \u202eUnified" }, []string{"organization.name"}},
		{"NoLetterInOrg", func(t *convening.Team) { t.Organization.Name = "-- ..." }, []string{"organization.name"}},
		{"AbsurdlyManyMembers", func(t *convening.Team) { *t = validTeam(150) }, []string{"members"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team := validTeam(4)
			tt.modify(&team)
			team.Normalize()
			err := team.Validate(ev)
			var got []string
			var de *convening.Error
			if errors.As(err, &de) {
				if de.Code != convening.EINVALID {
					t.Fatalf("code %s", de.Code)
				}
				for _, f := range de.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatalf("not a domain error: %v", err)
			}
			if strings.Join(got, " ") != strings.Join(tt.fields, " ") {
				t.Fatalf("fields %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestOrganizationKey(t *testing.T) {
	a := convening.Organization{Name: "Fresno Unified School District", County: "Fresno"}
	b := convening.Organization{Name: "  fresno unified, school-district. ", County: "Fresno"}
	c := convening.Organization{Name: "Fresno Unified School District", County: "Madera"}
	if a.Key() != b.Key() {
		t.Errorf("%q != %q", a.Key(), b.Key())
	}
	if a.Key() == c.Key() {
		t.Errorf("same name in another county must be another organization")
	}
	for _, name := range []string{"Fres\u200bno Unified School District", "ＦＲＥＳＮＯ Unified School District", "Fresno\u00a0Unified School District", "FRESNO UNIFIED SCHOOL DISTRICT"} {
		if k := (convening.Organization{Name: name, County: "Fresno"}).Key(); k != a.Key() {
			t.Errorf("%q has key %q, want %q", name, k, a.Key())
		}
	}
}

func TestEventTimesAreBounded(t *testing.T) {
	start := time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC)
	ok := convening.Event{ID: "si", Title: "Summer Institute", Kind: convening.KindInstitute, StartsAt: start, EndsAt: start.Add(8 * time.Hour),
		Venue: "San Diego", Capacity: 10, MaxTeamSize: 4, WaitlistPolicy: convening.PolicyStrict,
		RegistrationOpensAt: start.AddDate(0, -3, 0), RegistrationClosesAt: start}
	farOffset := time.FixedZone("-23:59", -(23*3600 + 59*60))
	tests := []struct {
		name   string
		modify func(*convening.Event)
		field  string
		rule   convening.Rule
	}{
		{"OK", func(*convening.Event) {}, "", ""},
		{"YearTenThousand", func(e *convening.Event) { e.EndsAt = time.Date(9999, 12, 31, 23, 59, 59, 0, farOffset) }, "endsAt", convening.RuleDateRange},
		{"YearZero", func(e *convening.Event) { e.StartsAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.FixedZone("+1", 3600)) }, "startsAt", convening.RuleDateRange},
		{"OpensIn1999", func(e *convening.Event) { e.RegistrationOpensAt = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) }, "registrationOpensAt", convening.RuleDateRange},
		{"TwoMonthsLong", func(e *convening.Event) { e.EndsAt = start.AddDate(0, 2, 0) }, "endsAt", convening.RuleMaxDays},
		{"EndsBeforeStart", func(e *convening.Event) { e.EndsAt = start.Add(-time.Hour) }, "endsAt", convening.RuleAfter},
		{"ClosesAfterItEnds", func(e *convening.Event) { e.RegistrationClosesAt = e.EndsAt.Add(time.Hour) }, "registrationClosesAt", convening.RuleNotAfter},
		{"ClosesBeforeItOpens", func(e *convening.Event) { e.RegistrationClosesAt = e.RegistrationOpensAt }, "registrationClosesAt", convening.RuleAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.modify(&e)
			checkFirstFieldError(t, e.Validate(), tt.field, tt.rule)
		})
	}
}

// checkFirstFieldError checks that err is nil when field is "", else that
// its first field error is field's, under rule.
func checkFirstFieldError(t *testing.T, err error, field string, rule convening.Rule) {
	t.Helper()
	de := convening.AsError(err)
	switch {
	case field == "" && err != nil:
		t.Fatalf("valid event refused: %v", err)
	case field == "":
	case de == nil || len(de.Fields) == 0 || de.Fields[0].Field != field || de.Fields[0].Rule != rule:
		t.Fatalf("error %v, want %s %s", err, field, rule)
	}
}

// TestAdmissionSettings checks that each admission setting goes only with
// the admission it is for.
func TestAdmissionSettings(t *testing.T) {
	start := time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC)
	closes := start.Add(-24 * time.Hour)
	open := convening.Event{ID: "si", Title: "Summer Institute", Kind: convening.KindInstitute, StartsAt: start, EndsAt: start.Add(8 * time.Hour),
		Venue: "San Diego", Capacity: 10, MaxTeamSize: 4, WaitlistPolicy: convening.PolicyStrict}
	tests := []struct {
		name   string
		modify func(*convening.Event)
		field  string // "" if valid
	}{
		{"OpenWithOffers", func(e *convening.Event) { e.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 48} }, ""},
		{"OpenWithStatementsClose", func(e *convening.Event) { e.StatementsCloseAt = &closes }, "statementsCloseAt"},
		{"OpenWithAutoInvite", func(e *convening.Event) { e.AutoInvite = true }, "autoInvite"},
		{"StatementWithAutoInvite", func(e *convening.Event) {
			e.Admission, e.StatementsCloseAt, e.AutoInvite = convening.AdmissionStatement, &closes, true
		}, ""},
		{"StatementWithOffers", func(e *convening.Event) {
			e.Admission, e.WaitlistOffers = convening.AdmissionStatement, &convening.WaitlistOffers{RespondWithinHours: 48}
		}, "waitlistOffers"},
		{"UnknownAdmission", func(e *convening.Event) { e.Admission = "lottery" }, "admission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := open
			tt.modify(&e)
			err := e.Validate()
			checkFirstFieldError(t, err, tt.field, convening.RuleOneOf)
			if de := convening.AsError(err); de != nil && len(de.Fields) != 1 {
				t.Errorf("%d field errors, want 1: %v", len(de.Fields), err)
			}
		})
	}
}

func TestFieldErrorsAreBounded(t *testing.T) {
	team := validTeam(40)
	for i := range team.Members {
		team.Members[i].Email = "not an address"
	}
	err := team.Validate(convening.Event{})
	de := convening.AsError(err)
	if de == nil || len(de.Fields) != convening.MaxFieldErrors || de.Omitted != 40-convening.MaxFieldErrors {
		t.Fatalf("%d fields, %d omitted", len(de.Fields), de.Omitted)
	}
}

func TestSlugAndEventValidate(t *testing.T) {
	for in, want := range map[string]string{
		"CA LMI Summer Institute 2019": "ca-lmi-summer-institute-2019",
		"  Pre-conference: new teams!": "pre-conference-new-teams",
		"Convening — Central Valley":   "convening-central-valley",
	} {
		if got := convening.Slug(in); got != want || !convening.ValidEventID(got) {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	start := time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC)
	ok := convening.Event{ID: "si", Title: "Summer Institute", Kind: convening.KindInstitute, StartsAt: start, EndsAt: start.Add(time.Hour),
		Venue: "San Diego", Capacity: 10, MaxTeamSize: 4, WaitlistPolicy: convening.PolicyStrict}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.EndsAt, bad.Capacity, bad.MaxTeamSize, bad.Kind, bad.WaitlistPolicy = start, 0, 0, "party", "random"
	var de *convening.Error
	if err := bad.Validate(); !errors.As(err, &de) || len(de.Fields) != 5 {
		t.Fatalf("want 5 field errors, got %v", err)
	}
}

func TestEventChange(t *testing.T) {
	start := time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC)
	e := convening.Event{ID: "si", Title: "SI", Kind: convening.KindInstitute, StartsAt: start, EndsAt: start.Add(time.Hour),
		Venue: "San Diego", Capacity: 10, MaxTeamSize: 4, WaitlistPolicy: convening.PolicyStrict, Counts: convening.Counts{SeatsTaken: 8}}
	seven, twelve := 7, 12
	if _, err := (convening.EventChange{}).Apply(e, nil); convening.ErrorCode(err) != convening.EINVALID {
		t.Errorf("empty change: %v", err)
	}
	if _, err := (convening.EventChange{Capacity: &seven}).Apply(e, nil); convening.ErrorCode(err) != convening.ECONFLICT {
		t.Errorf("below seats taken: %v", err)
	}
	got, err := (convening.EventChange{Capacity: &twelve}).Apply(e, nil)
	if err != nil || got.Capacity != 12 || got.SeatsLeft() != 4 {
		t.Errorf("raise: %v %+v", err, got)
	}
}

func TestManageTokens(t *testing.T) {
	if _, err := convening.NewManageTokens([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
	m, _ := convening.NewManageTokens([]byte(strings.Repeat("k", 32)))
	other, _ := convening.NewManageTokens([]byte(strings.Repeat("j", 32)))
	tok := m.Token("01ABC")
	if len(tok) < 22 || !m.Valid("01ABC", tok) {
		t.Fatalf("token %q not valid", tok)
	}
	for _, tt := range []struct{ id, token string }{
		{"01ABD", tok}, {"01ABC", tok[:len(tok)-1]}, {"01ABC", ""}, {"01ABC", "!!!"}, {"01ABC", other.Token("01ABC")},
	} {
		if m.Valid(tt.id, tt.token) {
			t.Errorf("Valid(%q, %q) = true", tt.id, tt.token)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	wrapped := fmt.Errorf("store: %w", convening.ErrEventNotFound)
	if !errors.Is(wrapped, convening.ErrEventNotFound) || convening.ErrorCode(wrapped) != convening.ENOTFOUND {
		t.Fatal("wrapped sentinel lost")
	}
	if convening.ErrorMessage(errors.New("dynamodb: connection refused at 10.0.0.1")) != "Internal error." {
		t.Fatal("internal detail leaked")
	}
}
