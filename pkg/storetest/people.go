package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The contract of people and their history: individuals (one person, one
// seat, the same waiting list as teams), attendance facts written with
// every check-in, eligibility checked member by member against the
// history and conditioned on the rule's version, online attendance from a
// participant report, past rosters, networks and the participation list.
var peopleTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"IndividualsRegisterOnce", testIndividualsRegisterOnce},
	{"IndividualsWaitAndArePromoted", testIndividualsWaitAndArePromoted},
	{"PersonOnATeam", testPersonOnATeam},
	{"RaceTeamsAndIndividuals", testRaceTeamsAndIndividuals},
	{"RaceSamePerson", testRaceSamePerson},
	{"FactsFromCheckIn", testFactsFromCheckIn},
	{"EligibilityPerMember", testEligibilityPerMember},
	{"EligibilityVersioned", testEligibilityVersioned},
	{"OnlineAttendance", testOnlineAttendance},
	{"RosterImport", testRosterImport},
	{"NetworksAndParticipation", testNetworksAndParticipation},
	{"HistoryErasure", testHistoryErasure},
	{"OrganizationHistoryPrivacy", testOrganizationHistoryPrivacy},
	{"HistoryRetention", testHistoryRetention},
}

// PersonN is a person registering on their own, from organization n's
// district (or none, for n < 0).
func PersonN(i, n int) convening.Person {
	p := convening.Person{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person%d@example.org", i), Role: convening.RolePrincipal}
	if n >= 0 {
		p.Organization = &convening.Organization{Name: fmt.Sprintf("District %d Unified", n), Type: convening.OrgDistrict, County: convening.Counties[n%58]}
	}
	return p
}

// createWith creates Event(id, capacity, fill) changed by change.
func (e *env) createWith(t testing.TB, id string, capacity int, change func(*convening.Event)) convening.Event {
	t.Helper()
	ev := Event(id, capacity, convening.PolicyFill)
	change(&ev)
	out, err := e.svc.CreateEvent(context.Background(), staff, ev)
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	return out
}

// mustReason fails the test at once unless err has the reason.
func mustReason(t testing.TB, err error, reason convening.Reason) {
	t.Helper()
	if convening.ErrorReason(err) != reason {
		t.Fatalf("got %v, want %s", err, reason)
	}
}

func testIndividualsRegisterOnce(t *testing.T, e *env) {
	ctx := context.Background()
	web := e.createWith(t, "webinar", 50, func(ev *convening.Event) { ev.Kind, ev.Online, ev.Venue = convening.KindWebinar, true, "" })
	if web.Admits() != convening.RegistrantsIndividuals {
		t.Fatalf("a webinar admits %q by default, want individuals", web.Admits())
	}
	reg, tok, _, err := e.svc.RegisterPerson(ctx, "webinar", PersonN(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.Individual() || reg.Seats != 1 || reg.Status != convening.StatusRegistered || len(reg.Members) != 1 || reg.Contact.Email != "person1@example.org" {
		t.Fatalf("individual registration %+v", reg)
	}
	if got, err := e.svc.Registration(ctx, reg.ID, tok); err != nil || !got.Individual() {
		t.Fatalf("read back %+v, %v", got, err)
	}
	// The same person again, with the address spelled otherwise.
	again := PersonN(1, 4)
	again.Email = "  PERSON1@Example.ORG "
	_, _, _, err = e.svc.RegisterPerson(ctx, "webinar", again, nil)
	mustReason(t, err, convening.ReasonPersonRegistered)
	if f := convening.AsError(err).Fields; len(f) != 1 || f[0].Field != "person.email" {
		t.Fatalf("fields %+v", f)
	}
	// Another person of the same district is welcome; so is one with no district.
	if _, _, _, err := e.svc.RegisterPerson(ctx, "webinar", PersonN(2, 3), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.RegisterPerson(ctx, "webinar", PersonN(3, -1), nil); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.svc.Register(ctx, "webinar", Team(9, 2), nil)
	mustReason(t, err, convening.ReasonTeamsNotAdmitted)
	e.createEvent(t, "institute", 50, convening.PolicyStrict)
	_, _, _, err = e.svc.RegisterPerson(ctx, "institute", PersonN(4, 1), nil)
	mustReason(t, err, convening.ReasonIndividualsNotAdmitted)
	bad := PersonN(5, 1)
	bad.Email, bad.Role, bad.Organization.County = "not an address", "", "Atlantis"
	_, _, _, err = e.svc.RegisterPerson(ctx, "webinar", bad, nil)
	mustReason(t, err, convening.ReasonInvalidFields)
	var fields []string
	for _, f := range convening.AsError(err).Fields {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"person.email", "person.role", "person.organization.county"}) {
		t.Fatalf("fields %v", fields)
	}
	// Cancelled, the person may register again.
	if _, err := e.svc.Cancel(ctx, reg.ID, tok); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.RegisterPerson(ctx, "webinar", again, nil); err != nil {
		t.Fatalf("register again after cancelling: %v", err)
	}
	// Staff change a team's members, not a person's.
	_, err = e.svc.ChangeMembers(ctx, staff, reg.ID, nil, "x")
	if convening.ErrorReason(err) != convening.ReasonIndividualRegistration && convening.ErrorReason(err) != convening.ReasonNotActive {
		t.Fatalf("change an individual's members: %v", err)
	}
	CheckEvent(t, e.store, "webinar", true)
}

func testIndividualsWaitAndArePromoted(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "web", 2, func(ev *convening.Event) {
		ev.Kind, ev.Online, ev.Venue, ev.MaxTeamSize = convening.KindWebinar, true, "", 1
	})
	var ids, toks []string
	for i := range 4 {
		r, tok, _, err := e.svc.RegisterPerson(ctx, "web", PersonN(i, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, toks = append(ids, r.ID), append(toks, tok)
		if want := convening.StatusRegistered; i >= 2 {
			// Registering tells no place (waitlisting is one transaction);
			// reading the registration does.
			if r, err = e.svc.Registration(ctx, r.ID, tok); err != nil {
				t.Fatal(err)
			}
			if r.Status != convening.StatusWaitlisted || position(r) != i-1 {
				t.Fatalf("person %d: %s at %d", i, r.Status, position(r))
			}
		} else if r.Status != want {
			t.Fatalf("person %d: %s", i, r.Status)
		}
	}
	if _, err := e.svc.Cancel(ctx, ids[0], toks[0]); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.Registration(ctx, ids[2], toks[2])
	if err != nil || r.Status != convening.StatusRegistered {
		t.Fatalf("the head of the waiting list: %s %v", r.Status, err)
	}
	kinds := e.notices(t)
	if !slices.Equal(kinds[ids[2]], []convening.NoticeKind{convening.NoticeWaitlisted, convening.NoticePromoted}) {
		t.Fatalf("notices of the promoted person %v", kinds[ids[2]])
	}
	CheckEvent(t, e.store, "web", true)
}

func testPersonOnATeam(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "both", 40, func(ev *convening.Event) { ev.Registrants = convening.RegistrantsBoth })
	team := Team(1, 3)
	teamReg, teamTok, _, err := e.svc.Register(ctx, "both", team, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := PersonN(50, 1)
	p.Email = strings.ToUpper(team.Members[1].Email)
	_, _, _, err = e.svc.RegisterPerson(ctx, "both", p, nil)
	mustReason(t, err, convening.ReasonPersonOnTeam)
	if f := convening.AsError(err).Fields; len(f) != 1 || f[0].Args["team"] != team.Organization.Name {
		t.Fatalf("the refusal names %+v, want the team %s", f, team.Organization.Name)
	}
	// A team bringing someone registered on their own is told which member.
	solo, _, _, err := e.svc.RegisterPerson(ctx, "both", PersonN(60, -1), nil)
	if err != nil {
		t.Fatal(err)
	}
	other := Team(2, 3)
	other.Members[2].Email = "Person60@example.org"
	_, _, _, err = e.svc.Register(ctx, "both", other, nil)
	mustReason(t, err, convening.ReasonPersonRegistered)
	if f := convening.AsError(err).Fields; len(f) != 1 || f[0].Field != "members[2].email" {
		t.Fatalf("fields %+v", f)
	}
	// Staff swap a member in for one who registered alone: refused too.
	members := slices.Clone(teamReg.Members)
	members[0].Email = "person60@example.org"
	_, err = e.svc.ChangeMembers(ctx, staff, teamReg.ID, members, "substitute")
	mustReason(t, err, convening.ReasonPersonRegistered)
	// Once the team cancels, its members may register on their own.
	if _, err := e.svc.Cancel(ctx, teamReg.ID, teamTok); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.RegisterPerson(ctx, "both", p, nil); err != nil {
		t.Fatalf("after the team cancelled: %v", err)
	}
	_ = solo
	CheckEvent(t, e.store, "both", true)
}

// testRaceTeamsAndIndividuals: teams and individuals race for the last
// seats of an event that admits both: never over capacity, the counts
// equal the registrations, the waiting list in one order for both kinds.
func testRaceTeamsAndIndividuals(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "both", 12, func(ev *convening.Event) { ev.Registrants, ev.MaxTeamSize = convening.RegistrantsBoth, 3 })
	e.registerAll(t, "both", [2]int{100, 3}, [2]int{101, 3})
	const teams, people = 8, 16
	errs := make([]error, teams+people)
	regs := make([]convening.Registration, teams+people)
	race(teams+people, func(i int) {
		if i < teams {
			regs[i], _, _, errs[i] = e.svc.Register(ctx, "both", Team(i, 3), nil)
		} else {
			regs[i], _, _, errs[i] = e.svc.RegisterPerson(ctx, "both", PersonN(i, i), nil)
		}
	})
	seats, waiting := 0, map[int]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("arrival %d: %v", i, err)
		}
		switch regs[i].Status {
		case convening.StatusRegistered:
			seats += regs[i].Seats
		case convening.StatusWaitlisted:
			if waiting[position(regs[i])] && position(regs[i]) != 0 {
				t.Fatalf("two arrivals told position %d", position(regs[i]))
			}
			waiting[position(regs[i])] = true
		}
	}
	if seats > 6 {
		t.Fatalf("%d seats taken of the 6 left", seats)
	}
	// The promoter runs on the stream in AWS: seats left by a team too
	// large for them go to the individuals behind it (fill).
	if _, err := e.svc.Promote(ctx, "both"); err != nil {
		t.Fatal(err)
	}
	ev, lists := CheckEvent(t, e.store, "both", true)
	if ev.SeatsTaken != ev.Capacity || ev.WaitlistLength+len(lists.Registered) != teams+people+2 {
		t.Fatalf("counts %+v with %d registered", ev.Counts, len(lists.Registered))
	}
	// Free the seats: the waiting list is promoted in one order, teams and
	// individuals alike.
	if _, err := e.svc.UpdateEvent(ctx, staff, "both", convening.EventChange{Capacity: ptr(12 + 3*teams + people)}, "more room"); err != nil {
		t.Fatal(err)
	}
	ev, _ = CheckEvent(t, e.store, "both", true)
	if ev.WaitlistLength != 0 || ev.SeatsTaken != 6+3*teams+people {
		t.Fatalf("after raising capacity %+v", ev.Counts)
	}
}

// testRaceSamePerson: one person registers ten times at once: one seat.
func testRaceSamePerson(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "web", 40, func(ev *convening.Event) { ev.Kind, ev.Online, ev.Venue = convening.KindWebinar, true, "" })
	errs := make([]error, 10)
	race(10, func(i int) {
		p := PersonN(7, i)
		if i%2 == 1 {
			p.Email = strings.ToUpper(p.Email)
		}
		_, _, _, errs[i] = e.svc.RegisterPerson(ctx, "web", p, nil)
	})
	ok := 0
	for _, err := range errs {
		switch convening.ErrorReason(err) {
		case "":
			ok++
		case convening.ReasonPersonRegistered:
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d registrations of one person", ok)
	}
	ev, _ := CheckEvent(t, e.store, "web", true)
	if ev.SeatsTaken != 1 {
		t.Fatalf("counts %+v", ev.Counts)
	}
}

func testFactsFromCheckIn(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 40, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "ev", [2]int{1, 3}, [2]int{2, 2})
	reg, err := e.svc.StaffRegistration(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range reg.Members[:2] {
		if _, err := e.svc.CheckIn(ctx, staff, ids[1], m.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	facts, err := e.store.EventAttendance(ctx, "ev")
	if err != nil || len(facts) != 2 {
		t.Fatalf("%d facts, %v", len(facts), err)
	}
	f := facts[0]
	if f.Source != convening.FactCheckIn || f.EventKind != convening.KindInstitute || f.Organization.Key() != reg.Organization.Key() ||
		f.PersonKey != convening.PersonKey(f.PersonEmail) || f.Role == "" || f.Date != convening.EventDate(Event("ev", 1, "").StartsAt) {
		t.Fatalf("fact %+v", f)
	}
	byPerson, _ := e.store.PersonAttendance(ctx, convening.PersonKey(reg.Members[0].Email))
	byOrg, _ := e.store.OrganizationAttendance(ctx, reg.Organization.Key())
	if len(byPerson) != 1 || len(byOrg) != 2 {
		t.Fatalf("by person %d, by organization %d", len(byPerson), len(byOrg))
	}
	// The undo removes the fact; a walk-in adds one.
	if _, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddWalkIn(ctx, staff, ids[2], convening.Member{Name: "Walk In", Email: "walkin@district2.org", Role: convening.RolePrincipal}, "came along"); err != nil {
		t.Fatal(err)
	}
	facts, _ = e.store.EventAttendance(ctx, "ev")
	parts, _ := e.store.Participants(ctx)
	if len(facts) != 2 || len(parts) != 2 {
		t.Fatalf("%d facts, %d organizations participating", len(facts), len(parts))
	}
	for _, p := range parts {
		if p.Facts != 1 {
			t.Fatalf("participation %+v", p)
		}
	}
	CheckEvent(t, e.store, "ev", true)
}

// pastFacts records a roster's attendance of a past institute for team n.
func (e *env) pastFacts(t testing.TB, team convening.Team, members []int, date string) {
	t.Helper()
	var changes []convening.FactChange
	for _, i := range members {
		m := team.Members[i]
		changes = append(changes, convening.FactChange{Fact: convening.AttendanceFact{EventID: convening.PastEventID(date, "CA LMI Summer Institute"),
			EventTitle: "CA LMI Summer Institute", EventKind: convening.KindInstitute, Date: date, Organization: team.Organization,
			PersonKey: convening.PersonKey(m.Email), PersonName: m.Name, PersonEmail: m.Email, Role: m.Role, Source: convening.FactRoster, Ref: "roster"}})
	}
	if n, err := e.store.WriteFacts(context.Background(), changes); err != nil || n != len(changes) {
		t.Fatalf("write facts: %d, %v", n, err)
	}
}

var newOrMember = &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNewOrganization}, {Kind: convening.PredNewMember}}}

func testEligibilityPerMember(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "pre", 40, func(ev *convening.Event) { ev.Kind = convening.KindPreconference })
	if _, err := e.svc.SetRule(ctx, staff, "pre", newOrMember, "new districts and new members"); err != nil {
		t.Fatal(err)
	}
	returning := Team(1, 4)
	e.pastFacts(t, returning, []int{0, 1}, "2019-06-25")
	el, err := e.svc.CheckTeam(ctx, "pre", returning)
	if err != nil {
		t.Fatal(err)
	}
	var qual []bool
	for _, m := range el.Members {
		qual = append(qual, m.Qualifies)
	}
	if !slices.Equal(qual, []bool{false, false, true, true}) || !strings.Contains(el.Members[2].Why, "no CA LMI attendance recorded") {
		t.Fatalf("eligibility %+v", el)
	}
	_, _, _, err = e.svc.Register(ctx, "pre", returning, nil)
	mustReason(t, err, convening.ReasonNotEligible)
	var fields []string
	for _, f := range convening.AsError(err).Fields {
		fields = append(fields, f.Field)
		if f.Rule != convening.RuleEligibility || f.Args["member"] == "" || !strings.Contains(f.Args["rule"].(string), "new organizations") {
			t.Fatalf("field %+v", f)
		}
	}
	if !slices.Equal(fields, []string{"members[0]", "members[1]"}) {
		t.Fatalf("refused %v", fields)
	}
	if ev, _ := CheckEvent(t, e.store, "pre", true); ev.SeatsTaken != 0 {
		t.Fatalf("a refusal took seats: %+v", ev.Counts)
	}
	// Only the new members register; a new district registers whole.
	newOnly := returning
	newOnly.Members = returning.Members[2:]
	reg, _, _, err := e.svc.Register(ctx, "pre", newOnly, nil)
	if err != nil || reg.EligibilityVersion != 1 {
		t.Fatalf("the new members: %+v %v", reg.EligibilityVersion, err)
	}
	if _, _, _, err := e.svc.Register(ctx, "pre", Team(2, 4), nil); err != nil {
		t.Fatalf("a new district: %v", err)
	}
	// Staff admit a returning member anyway.
	m := returning.Members[0]
	if _, err := e.svc.Exempt(ctx, staff, "pre", m.Name, m.Email, "facilitates the new-member session"); err != nil {
		t.Fatal(err)
	}
	late := returning
	late.Organization.Name += " (second team)"
	late.Members = returning.Members[:1]
	if _, _, _, err := e.svc.Register(ctx, "pre", late, nil); err != nil {
		t.Fatalf("exempted member: %v", err)
	}
	p, err := e.svc.Preview(ctx, "pre", nil)
	if err != nil || len(p.Teams) != 3 || p.Members != 7 || p.Qualifying != 7 {
		t.Fatalf("preview %+v %v", p, err)
	}
	CheckEvent(t, e.store, "pre", true)
}

// testEligibilityVersioned: a registration checked against one rule is
// never written under another: the rule changes, the arrival is checked
// again.
func testEligibilityVersioned(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "pre", 40, func(ev *convening.Event) { ev.Kind = convening.KindPreconference })
	returning := Team(1, 2)
	e.pastFacts(t, returning, []int{0, 1}, "2018-06-26")
	// No rule yet: the returning team registers.
	if _, _, _, err := e.svc.Register(ctx, "pre", returning, nil); err != nil {
		t.Fatal(err)
	}
	newMembers := &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNewMember}}}
	if _, err := e.svc.SetRule(ctx, staff, "pre", newMembers, "new members only"); err != nil {
		t.Fatal(err)
	}
	other := Team(1, 2)
	other.Organization.Name = "District 1 Unified"
	other.Organization.County = convening.Counties[2]
	other.Members = returning.Members
	_, _, _, err := e.svc.Register(ctx, "pre", other, nil)
	mustReason(t, err, convening.ReasonNotEligible)
	// Removing the rule is a new version, which admits everyone again.
	ev, err := e.svc.SetRule(ctx, staff, "pre", nil, "open to all")
	if err != nil || ev.EligibilityVersion != 2 || ev.Eligibility != nil {
		t.Fatalf("rule removed: %+v %v", ev.Eligibility, err)
	}
	if _, _, _, err := e.svc.Register(ctx, "pre", other, nil); err != nil {
		t.Fatal(err)
	}
	// Changing the rule drops nobody admitted before.
	_, lists := CheckEvent(t, e.store, "pre", true)
	if len(lists.Registered) != 2 {
		t.Fatalf("%d registered", len(lists.Registered))
	}
	recs, _, _ := e.svc.Audit(ctx, convening.AuditQuery{EventID: "pre", Kinds: []convening.AuditKind{convening.AuditEligibilityChanged}})
	if len(recs) != 2 || recs[0].After["rule"] != "Open to everyone." {
		t.Fatalf("audit %+v", recs)
	}
}

func testOnlineAttendance(t *testing.T, e *env) {
	ctx := context.Background()
	ev := e.createWith(t, "web", 40, func(ev *convening.Event) {
		ev.Kind, ev.Online, ev.Venue, ev.Registrants = convening.KindWebinar, true, "", convening.RegistrantsBoth
		ev.StartsAt = time.Date(2030, 1, 20, 23, 30, 0, 0, time.UTC) // 3:30 PM Pacific
		ev.EndsAt = ev.StartsAt.Add(time.Hour)
	})
	if _, err := e.svc.SetOnlineSettings(ctx, staff, "web", convening.OnlineChange{MeetingURL: ptr("https://meet.example.org/j/123")}, ""); err != nil {
		t.Fatal(err)
	}
	ana, _, _, _ := e.svc.RegisterPerson(ctx, "web", convening.Person{Name: "Ana Ruiz", Email: "ana@alisal.org", Role: convening.RoleSuperintendent,
		Organization: &convening.Organization{Name: "Alisal Union School District", Type: convening.OrgDistrict, County: "Monterey"}}, nil)
	bo, _, _, _ := e.svc.RegisterPerson(ctx, "web", convening.Person{Name: "Bo Chen", Email: "bo@example.org", Role: convening.RoleOther}, nil)
	cy, _, _, _ := e.svc.RegisterPerson(ctx, "web", convening.Person{Name: "Cy Diaz", Email: "cy@example.org", Role: convening.RoleOther}, nil)
	report := "Meeting ID,Topic,Start Time\n123,Webinar,01/20/2030 03:25 PM\n\n" +
		"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n" +
		"Ana Ruiz,ANA@alisal.org,01/20/2030 03:20:00 PM,01/20/2030 04:00:00 PM,40\n" + // 30 min in the event
		"Ana (phone),ana@alisal.org,01/20/2030 03:50:00 PM,01/20/2030 04:25:00 PM,35\n" + // overlaps: 25 more
		"Bo Chen,,01/20/2030 03:30 PM,01/20/2030 03:45 PM,15\n" + // by name, below the threshold
		"Dee Visitor,dee@elsewhere.org,01/20/2030 03:30 PM,01/20/2030 04:30 PM,60\n" +
		"Broken,,yesterday,01/20/2030 04:30 PM,\n"
	dry, err := e.svc.UploadReport(ctx, staff, "web", strings.NewReader(report), true)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []convening.RowOutcome
	for _, a := range dry.Answers {
		outcomes = append(outcomes, a.Outcome)
	}
	if !slices.Equal(outcomes, []convening.RowOutcome{convening.RowMatched, convening.RowMatched, convening.RowMatchedByName, convening.RowUnmatched, convening.RowInvalid}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if recs, unm, _ := e.store.EventOnlineAttendance(ctx, "web"); len(recs) != 0 || len(unm) != 0 {
		t.Fatal("a dry run wrote")
	}
	if _, err := e.svc.UploadReport(ctx, staff, "web", strings.NewReader(report), false); err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.Attendance(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	minutes := map[string]int{}
	for _, a := range v.Attendees {
		minutes[a.Member.Name] = a.Record.Minutes
	}
	if minutes["Ana Ruiz"] != 55 || minutes["Bo Chen"] != 15 || minutes["Cy Diaz"] != 0 || v.ThresholdMinutes != 45 || v.Attended != 1 || len(v.Unmatched) != 1 {
		t.Fatalf("minutes %v, threshold %d, attended %d, unmatched %d", minutes, v.ThresholdMinutes, v.Attended, len(v.Unmatched))
	}
	if v.Settings.MeetingURL != "" {
		t.Fatal("the attendance view carries the meeting")
	}
	facts, _ := e.store.EventAttendance(ctx, "web")
	if len(facts) != 1 || facts[0].PersonKey != convening.PersonKey("ana@alisal.org") || facts[0].Source != convening.FactOnline {
		t.Fatalf("facts %+v", facts)
	}
	// Dee joined with another address: staff match her to Cy.
	if err := e.svc.ResolveParticipant(ctx, staff, "web", v.Unmatched[0].Key, cy.ID, cy.Members[0].ID, "Cy joined from a colleague's account"); err != nil {
		t.Fatal(err)
	}
	// Bo was there, by phone: staff say so.
	if _, err := e.svc.Override(ctx, staff, "web", bo.ID, bo.Members[0].ID, true, "dialed in by phone"); err != nil {
		t.Fatal(err)
	}
	v, _ = e.svc.Attendance(ctx, "web")
	if v.Attended != 3 {
		t.Fatalf("%d attended after staff's word", v.Attended)
	}
	// The same report again changes nothing staff decided.
	if _, err := e.svc.UploadReport(ctx, staff, "web", strings.NewReader(report), false); err != nil {
		t.Fatal(err)
	}
	v, _ = e.svc.Attendance(ctx, "web")
	facts, _ = e.store.EventAttendance(ctx, "web")
	if v.Attended != 3 || len(facts) != 3 || len(v.Unmatched) != 1 || v.Unmatched[0].Resolution == "" {
		t.Fatalf("after uploading again: %d attended, %d facts, %+v", v.Attended, len(facts), v.Unmatched)
	}
	// Taking attendance back removes the fact.
	if _, err := e.svc.Override(ctx, staff, "web", ana.ID, ana.Members[0].ID, false, "left her camera on and went away"); err != nil {
		t.Fatal(err)
	}
	if facts, _ = e.store.EventAttendance(ctx, "web"); len(facts) != 2 {
		t.Fatalf("%d facts", len(facts))
	}
	_, err = e.svc.UploadReport(ctx, staff, "web", strings.NewReader("just,some,columns\n1,2,3\n"), false)
	mustReason(t, err, convening.ReasonUnreadableFile)
	_ = ev
}

func testRosterImport(t *testing.T, e *env) {
	ctx := context.Background()
	roster := "Organization,County,Person,Email,Role,Event,Date\n" +
		"Alisal Union School District,Monterey,Ana Ruiz,ana@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25\n" +
		"Alisal Union School District,Monterey,Ben Ortiz,,Teachers Association President,CA LMI Summer Institute,6/25/2019\n" +
		"Alisal Union School District,Monterey,Ben Ortiz,,Teachers Association President,Monterey Network Convening,2019-10-02\n" +
		"Alisal Union School District,Monterey,Ana Ruiz,a.ruiz@alisal.org,Superintendent,Monterey Network Convening,2019-10-02\n" +
		"Salinas City Elementary,Atlantis,Cy Diaz,cy@salinas.org,Board Member,CA LMI Summer Institute,2019-06-25\n" +
		"Salinas City Elementary,Monterey,Cy Diaz,cy@salinas.org,Board Member,CA LMI Summer Institute,June 31 2019\n" +
		"Alisal Union School District,Monterey,Ana Ruiz,ana@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25\n"
	dry, err := e.svc.ImportRoster(ctx, staff, "2019.csv", strings.NewReader(roster), true)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []convening.RowOutcome
	for _, a := range dry.Answers {
		outcomes = append(outcomes, a.Outcome)
	}
	want := []convening.RowOutcome{convening.RowCreated, convening.RowCreated, convening.RowMatched, convening.RowUncertain,
		convening.RowInvalid, convening.RowInvalid, convening.RowRecorded}
	if !slices.Equal(outcomes, want) {
		t.Fatalf("outcomes %v, want %v", outcomes, want)
	}
	if !strings.Contains(dry.Answers[4].Note, "county") || !strings.Contains(dry.Answers[5].Note, "date") || dry.Answers[2].MatchedBy != "name" {
		t.Fatalf("answers %+v", dry.Answers)
	}
	if facts, _ := e.store.OrganizationAttendance(ctx, convening.Organization{Name: "Alisal Union School District", County: "Monterey"}.Key()); len(facts) != 0 {
		t.Fatal("a dry run wrote")
	}
	res, err := e.svc.ImportRoster(ctx, staff, "2019.csv", strings.NewReader(roster), false)
	if err != nil || res.Import == nil || res.Import.Open != 1 {
		t.Fatalf("import %+v %v", res.Import, err)
	}
	_, rows, err := e.svc.Import(ctx, res.Import.ID)
	if err != nil || len(rows) != 1 || len(rows[0].Candidates) != 1 {
		t.Fatalf("uncertain rows %+v %v", rows, err)
	}
	if _, err := e.svc.ResolveImportRow(ctx, staff, res.Import.ID, rows[0].Row.Line, rows[0].Candidates[0].PersonKey, "her new address"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ResolveImportRow(ctx, staff, res.Import.ID, rows[0].Row.Line, convening.ResolveSkip, "again")
	mustReason(t, err, convening.ReasonRowNotPending)
	ana, err := e.svc.PersonHistory(ctx, convening.PersonKey("ana@alisal.org"))
	if err != nil || len(ana.Events) != 2 {
		t.Fatalf("Ana's history %+v %v", ana.Events, err)
	}
	org, err := e.svc.OrganizationHistory(ctx, convening.Organization{Name: "alisal union school district", County: "monterey"})
	if err != nil || len(org.Years) != 1 || len(org.Years[0].Events) != 2 || len(org.People) != 2 {
		t.Fatalf("organization %+v %v", org, err)
	}
	// Importing again records nothing twice.
	again, err := e.svc.ImportRoster(ctx, staff, "2019.csv", strings.NewReader(roster), true)
	if err != nil || again.Counts[convening.RowRecorded] != 5 {
		t.Fatalf("again %+v %v", again.Counts, err)
	}
}

func testNetworksAndParticipation(t *testing.T, e *env) {
	ctx := context.Background()
	members := []convening.Organization{}
	for i := range 4 {
		members = append(members, convening.Organization{Name: fmt.Sprintf("Monterey District %d", i), Type: convening.OrgDistrict, County: "Monterey"})
	}
	n, err := e.svc.SaveNetwork(ctx, staff, convening.Network{Name: "Monterey County Regional Labor-Management Network",
		Host:    convening.Organization{Name: "Monterey County Office of Education", Type: convening.OrgCountyOffice, County: "Monterey"},
		Members: members, ActiveFrom: 2018, ActiveTo: 2019, Convenings: []string{"past-2018-10-01-net-1", "past-2019-02-01-net-2"}}, "started")
	if err != nil {
		t.Fatal(err)
	}
	write := func(event, date string, orgs ...int) {
		var cs []convening.FactChange
		for _, i := range orgs {
			cs = append(cs, convening.FactChange{Fact: convening.AttendanceFact{EventID: event, EventTitle: event, EventKind: convening.KindConvening, Date: date,
				Organization: members[i], PersonKey: convening.PersonKey(fmt.Sprintf("p%d@m.org", i)), PersonName: "P", Role: convening.RoleOther,
				Source: convening.FactRoster, Ref: "roster"}})
		}
		if _, err := e.store.WriteFacts(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	write("past-2018-10-01-net-1", "2018-10-01", 0, 1, 2)
	write("past-2019-02-01-net-2", "2019-02-01", 0, 1)
	rep, err := e.svc.NetworkReport(ctx, n.ID)
	if err != nil || len(rep.Convenings) != 2 || rep.Convenings[0].Share != 0.75 || len(rep.Years) != 1 || rep.Years[0].Share != 0.5 {
		t.Fatalf("report %+v %v", rep, err)
	}
	e.createWith(t, "net-2030", 40, func(ev *convening.Event) { ev.Kind = convening.KindConvening })
	rule := &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNetworkMember, NetworkID: n.ID}}}
	if _, err := e.svc.SetRule(ctx, staff, "net-2030", rule, "members only"); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.svc.Register(ctx, "net-2030", Team(1, 2), nil)
	mustReason(t, err, convening.ReasonNotEligible)
	member := Team(1, 2)
	member.Organization = members[3]
	if _, _, _, err := e.svc.Register(ctx, "net-2030", member, nil); err != nil {
		t.Fatalf("a member: %v", err)
	}
	if rep, _ = e.svc.NetworkReport(ctx, n.ID); len(rep.Convenings) != 3 || !rep.Convenings[2].Upcoming {
		t.Fatalf("the members-only event is a convening of the network: %+v", rep.Convenings)
	}
	list, err := e.svc.Participation(ctx)
	if err != nil || list.Organizations != 3 {
		t.Fatalf("participation %d %v", list.Organizations, err)
	}
	if err := e.svc.SetOptOut(ctx, staff, members[1], true, "asked to be left off the public list"); err != nil {
		t.Fatal(err)
	}
	list, _ = e.svc.Participation(ctx)
	for _, c := range list.Counties {
		for _, o := range c.Organizations {
			if o.Key() == members[1].Key() {
				t.Fatal("an organization that opted out is listed")
			}
		}
	}
	if list.Organizations != 2 {
		t.Fatalf("%d organizations after the opt-out", list.Organizations)
	}
}

func testHistoryErasure(t *testing.T, e *env) {
	ctx := context.Background()
	team := Team(3, 2)
	e.pastFacts(t, team, []int{0, 1}, "2017-06-20")
	key := convening.PersonKey(team.Members[0].Email)
	n, err := e.svc.ErasePerson(ctx, staff, key, "asked to be forgotten")
	if err != nil || n != 1 {
		t.Fatalf("erased %d, %v", n, err)
	}
	if _, err := e.svc.PersonHistory(ctx, key); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("an erased person's history: %v", err)
	}
	org, err := e.svc.OrganizationHistory(ctx, team.Organization)
	if err != nil || len(org.People) != 1 || len(org.Years[0].Events[0].People) != 2 {
		t.Fatalf("the organization keeps its record: %+v %v", org, err)
	}
	parts, _ := e.store.Participants(ctx)
	if len(parts) != 1 || parts[0].Facts != 2 {
		t.Fatalf("participation %+v", parts)
	}
}

// testOrganizationHistoryPrivacy: an organization known only from the
// history is exported with its attendance, and its erasure anonymizes its
// people there (audited) while its record stays.
func testOrganizationHistoryPrivacy(t *testing.T, e *env) {
	ctx := context.Background()
	team := Team(4, 2)
	e.pastFacts(t, team, []int{0, 1}, "2018-06-20")
	data, err := e.svc.ExportOrganization(ctx, team.Organization)
	if err != nil || len(data.Attendance) != 2 || len(data.Registrations) != 0 || data.Attendance[0].PersonEmail == "" {
		t.Fatalf("export: %v %+v", err, data)
	}
	n, err := e.svc.EraseOrganization(ctx, staff, team.Organization, "The district asked us to")
	if err != nil || n != 0 {
		t.Fatalf("erase: %d %v", n, err)
	}
	data, err = e.svc.ExportOrganization(ctx, team.Organization)
	if err != nil || len(data.Attendance) != 2 {
		t.Fatalf("export after erasure: %v %+v", err, data)
	}
	for _, f := range data.Attendance {
		if f.PersonKey != "" || f.PersonName != "" || f.PersonEmail != "" || f.Role == "" || f.Organization.Name == "" {
			t.Fatalf("an erased fact %+v", f)
		}
	}
	if _, err := e.svc.PersonHistory(ctx, convening.PersonKey(team.Members[0].Email)); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("an erased person's history: %v", err)
	}
	recs, _, _ := e.svc.HistoryAudit(ctx, "")
	if len(recs) != 1 || recs[0].Kind != convening.AuditHistoryErased || recs[0].Reason != "The district asked us to" {
		t.Fatalf("audit %+v", recs)
	}
	if parts, _ := e.store.Participants(ctx); len(parts) != 1 || parts[0].Facts != 2 {
		t.Fatalf("participation %+v", parts)
	}
	_, err = e.svc.ExportOrganization(ctx, Team(5, 1).Organization)
	wantReason(t, "an organization of no record", err, convening.ReasonOrganizationUnknown)
}

// testHistoryRetention: people stay named in the history for
// RetainHistory, then only their organization's record stays.
func testHistoryRetention(t *testing.T, e *env) {
	ctx := context.Background()
	old, recent := Team(1, 2), Team(2, 1)
	oldDate := convening.EventDate(e.svc.Clock().Add(-convening.RetainHistory - 30*24*time.Hour))
	e.pastFacts(t, old, []int{0, 1}, oldDate)
	e.pastFacts(t, recent, []int{0}, "2024-06-20")
	anon, _, err := e.svc.ApplyHistoryRetention(ctx)
	if err != nil || anon != 2 {
		t.Fatalf("retention: %d %v", anon, err)
	}
	if anon, _, _ := e.svc.ApplyHistoryRetention(ctx); anon != 0 {
		t.Fatalf("anonymized %d again", anon)
	}
	if _, err := e.svc.PersonHistory(ctx, convening.PersonKey(old.Members[0].Email)); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("a person past RetainHistory: %v", err)
	}
	if _, err := e.svc.PersonHistory(ctx, convening.PersonKey(recent.Members[0].Email)); err != nil {
		t.Fatalf("a recent person: %v", err)
	}
	if parts, _ := e.store.Participants(ctx); len(parts) != 2 {
		t.Fatalf("participation %+v", parts)
	}
}
