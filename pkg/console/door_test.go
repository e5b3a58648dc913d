package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestCheckIn checks a member in from the door's list and undoes it, as a
// check-in volunteer: one button each, back to where the list was, with
// the counts; another volunteer's tap first is no error.
func TestCheckIn(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 10, convening.PolicyStrict)
	team := f.register("cv", 1, 3)
	f.register("cv", 2, 2)
	f.event("other", 10, convening.PolicyStrict)
	stranger := f.register("other", 3, 2)
	c := f.as(deploy.RoleCheckIn)

	r := c.get("/staff/events/cv/check-in")
	// Last name first: desks go by last name.
	r.has(t, "0 of 5 checked in", "1-0, Member Superintendent · District 1 Unified Check in Member 1-0")
	page := text(r.body)
	if i, j := strings.Index(page, "Member 1-2"), strings.Index(page, "Member 2-0"); i < 0 || j < i {
		t.Errorf("not by name:\n%s", page)
	}
	if strings.Contains(r.body, `href="/staff/events/cv"`) {
		t.Error("the check-in volunteer is offered the roster")
	}
	if r := c.get("/staff/events/cv/check-in?q=district++2"); strings.Contains(text(r.body), "Member 1-") || !strings.Contains(text(r.body), "2 people match") {
		t.Errorf("search:\n%s", text(r.body))
	}

	m := team.Members[1]
	form := url.Values{"registration": {team.ID}, "member": {m.ID}, "q": {"member 1"}, "page": {"1"}}
	r = c.post("/staff/events/cv/check-in", form)
	if r.status != 303 || r.location() != "/staff/events/cv/check-in?q=member+1#m-"+m.ID {
		t.Fatalf("%d %q", r.status, r.location())
	}
	r = c.follow(r)
	r.has(t, "Member 1-1 (District 1 Unified) is checked in.", "1 of 5 checked in", "Undo the check-in of Member 1-1")
	if reg := f.registration(team.ID); reg.Members[1].CheckedInAt == nil {
		t.Error("not checked in")
	}
	c.follow(c.post("/staff/events/cv/check-in", form)).has(t, "was already checked in, by someone else just now")

	form.Set("undo", "1")
	c.follow(c.post("/staff/events/cv/check-in", form)).has(t, "The check-in of Member 1-1 (District 1 Unified) is undone.", "0 of 5 checked in")
	c.follow(c.post("/staff/events/cv/check-in", form)).has(t, "was not checked in: someone else undid it just now")
	records, _, _ := f.svc.Audit(context.Background(), convening.AuditQuery{Subject: team.ID})
	if records[0].Kind != convening.AuditCheckInUndone || records[1].Kind != convening.AuditCheckedIn || records[0].Actor.ID != "sub-checkin" {
		t.Errorf("audit %+v", records[:2])
	}

	for name, v := range map[string]url.Values{
		"another event's team": {"registration": {stranger.ID}, "member": {stranger.Members[0].ID}},
		"an unknown member":    {"registration": {team.ID}, "member": {"nobody"}},
		"an unknown team":      {"registration": {"NOPE"}, "member": {m.ID}},
	} {
		if r := c.post("/staff/events/cv/check-in", v); r.status != 404 {
			t.Errorf("%s: %d", name, r.status)
		}
	}
}

// TestWalkIn adds a member at the door to a registered team, seats
// permitting, with a reason.
func TestWalkIn(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 12, convening.PolicyStrict)
	team := f.register("cv", 1, 3)
	full := f.register("cv", 2, 8) // the event's limit
	c := f.as(deploy.RoleCheckIn)
	walkIn := func(reg convening.Registration, name, email, reason string) url.Values {
		return url.Values{"registration": {reg.ID}, "member_name": {name}, "member_email": {email}, "member_role": {"principal"}, "reason": {reason}}
	}
	r := c.get("/staff/events/cv/walk-in")
	r.has(t, "District 1 Unified (3)", "District 2 Unified (8, full)")

	r = c.post("/staff/events/cv/walk-in", url.Values{"registration": {team.ID}, "member_email": {"x"}})
	if r.status != 400 {
		t.Fatalf("%d", r.status)
	}
	r.hasHTML(t, `href="#member-name"`, `href="#member-email"`, `href="#member-role"`, `href="#reason"`, `value="x"`)
	r.has(t, "Name is required", "Role is required", "Reason is required")
	if r := c.post("/staff/events/cv/walk-in", walkIn(convening.Registration{ID: "NOPE"}, "A", "a@d.org", "x")); r.status != 400 ||
		!strings.Contains(text(r.body), "Team is required") {
		t.Errorf("no team: %d", r.status)
	}

	r = c.post("/staff/events/cv/walk-in", walkIn(team, "Ana Ruiz", "ana@district1.org", "Came with the superintendent"))
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "Ana Ruiz is added to District 1 Unified and checked in.", "1 of 12 checked in")
	reg := f.registration(team.ID)
	if reg.Seats != 4 || reg.Members[3].Name != "Ana Ruiz" || reg.Members[3].CheckedInAt == nil {
		t.Errorf("team %+v", reg)
	}

	// No seat left now (12 of 12), and team 2 is at the event's limit.
	// The door may not raise the capacity: the page says what it can do.
	r = c.post("/staff/events/cv/walk-in", walkIn(team, "Ben Ortiz", "ben@district1.org", "x"))
	if r.status != 409 || !strings.Contains(text(r.body), "The event is full") || !strings.Contains(text(r.body), "ask staff, who may raise") {
		t.Errorf("no seat: %d %s", r.status, text(r.body))
	}
	r = c.post("/staff/events/cv/walk-in", walkIn(full, "Cy Lee", "cy@district2.org", "x"))
	if r.status != 400 || !strings.Contains(text(r.body), "The team may have at most 8 members") {
		t.Errorf("a full team: %d %s", r.status, text(r.body))
	}
}

// TestWalkInForNoShow puts a walk-in in the place of a member who has not
// come, as a check-in volunteer at a full event: from the list's link,
// checked in, the member replaced off the team, audited as the
// volunteer's. A mistake names its field and stores nothing.
func TestWalkInForNoShow(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	team := f.register("cv", 1, 3)
	other := f.register("cv", 2, 3) // full
	c := f.as(deploy.RoleCheckIn)
	ctx := context.Background()
	if _, err := f.svc.CheckIn(ctx, staffActor, team.ID, team.Members[0].ID, false); err != nil {
		t.Fatal(err)
	}
	noShow := team.Members[1]

	r := c.get("/staff/events/cv/check-in")
	link := "/staff/events/cv/walk-in?registration=" + team.ID + "&amp;replaces=" + noShow.ID
	r.hasHTML(t, `href="`+link+`"`)
	r.has(t, "if the event is full and nobody is missing, ask staff")
	if strings.Contains(r.body, "replaces="+team.Members[0].ID) {
		t.Error("a member who came is offered for replacement")
	}
	r = c.get(strings.ReplaceAll(link, "&amp;", "&"))
	r.hasHTML(t, `<option value="`+noShow.ID+`" selected>`, `<optgroup label="District 1 Unified">`, `<option value="`+string(noShow.Role)+`" selected>`)
	r.has(t, "If the event is full and nobody of the team is missing, do not add the person: ask staff")

	form := func(reg convening.Registration, replaces, name, email string) url.Values {
		return url.Values{"registration": {reg.ID}, "replaces": {replaces}, "member_name": {name}, "member_email": {email},
			"member_role": {string(noShow.Role)}, "reason": {"Came in place of a colleague"}}
	}
	before := f.registration(team.ID)
	for _, m := range []struct {
		name       string
		form       url.Values
		status     int
		field, say string
	}{
		{"one who came", form(team, team.Members[0].ID, "Gloria Vang", "gvang@district1.org"), 409, "replaces", "has checked in since the page was loaded"},
		{"another team's member", form(team, other.Members[0].ID, "Gloria Vang", "gvang@district1.org"), 400, "replaces", "Choose in place of"},
		{"the no-show's address", form(team, noShow.ID, "Gloria Vang", noShow.Email), 400, "member-email", "check them in instead"},
		{"no name", form(team, noShow.ID, "", "gvang@district1.org"), 400, "member-name", "Name is required"},
	} {
		r := c.post("/staff/events/cv/walk-in", m.form)
		if r.status != m.status || !strings.Contains(r.body, `href="#`+m.field+`"`) || !strings.Contains(text(r.body), m.say) {
			t.Errorf("%s: %d\n%s", m.name, r.status, text(r.body))
		}
	}
	if after := f.registration(team.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatal("a refused walk-in changed the team")
	}

	r = c.post("/staff/events/cv/walk-in", form(team, noShow.ID, "Gloria Vang", "gvang@district1.org"))
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "Gloria Vang is checked in for District 1 Unified in the place of "+noShow.Name+", who leaves the team.", "2 of 6 checked in")
	reg := f.registration(team.ID)
	if reg.Seats != 3 || reg.Members[1].Name != "Gloria Vang" || reg.Members[1].CheckedInAt == nil ||
		len(reg.FormerMembers) != 1 || reg.FormerMembers[0].ID != noShow.ID {
		t.Errorf("team %+v", reg)
	}
	records, _, _ := f.svc.Audit(ctx, convening.AuditQuery{Subject: team.ID, Limit: 1})
	if r := records[0]; r.Kind != convening.AuditMembersChanged || r.Actor.ID != "sub-checkin" || r.Reason != "Came in place of a colleague" ||
		!strings.Contains(r.After["walkIn"], "Gloria Vang") {
		t.Errorf("audit %+v", r)
	}
}

// TestAuditPage filters an event's log by who and by kind, a page at a
// time, and one team's.
func TestAuditPage(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 10, convening.PolicyStrict)
	team := f.register("cv", 1, 2)
	f.register("cv", 2, 2)
	ctx := context.Background()
	for i := range 30 { // 60 records of the door
		if _, err := f.svc.CheckIn(ctx, staffActor, team.ID, team.Members[i%2].ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(ctx, staffActor, team.ID, team.Members[i%2].ID, true); err != nil {
			t.Fatal(err)
		}
	}
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/cv/audit")
	if n := strings.Count(r.body, "<tr>") - 1; n != 50 {
		t.Errorf("first page: %d records", n)
	}
	r.has(t, "seed@lmi.example.org Check-in undone District 1 Unified member: Member 1-1")
	next := strings.ReplaceAll(between(r.body, `<a href="`, `">Older</a>`), "&amp;", "&")
	r = c.get(next)
	if n := strings.Count(r.body, "<tr>") - 1; n != 13 { // 10 more of the door, 2 registrations, the event's creation
		t.Errorf("second page: %d records", n)
	}
	r.has(t, "Event created", "Newest")

	r = c.get("/staff/events/cv/audit?actor=team")
	if n := strings.Count(r.body, "<tr>") - 1; n != 2 || !strings.Contains(r.body, `<option value="team" selected>`) {
		t.Errorf("the teams' changes: %d", n)
	}
	r = c.get("/staff/events/cv/audit?kind=registered&team=" + team.ID)
	if n := strings.Count(r.body, "<tr>") - 1; n != 1 {
		t.Errorf("team 1's registration: %d", n)
	}
	r.has(t, "Audit log: District 1 Unified")
	if r := c.get("/staff/events/cv/audit?kind=bought"); r.status != 400 || !strings.Contains(text(r.body), "Choose kind") {
		t.Errorf("a bad kind: %d %s", r.status, text(r.body))
	}
	if r := c.get("/staff/events/cv/audit?team=NOPE"); r.status != 404 {
		t.Errorf("an unknown team: %d", r.status)
	}
}

// TestDownloads answers the event's spreadsheets, as package export
// writes them.
func TestDownloads(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	f.register("cv", 1, 4)
	f.register("cv", 2, 3)
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/cv/exports/roster.csv")
	if r.status != 200 || r.header["Content-Type"] != "text/csv; charset=utf-8" ||
		r.header["Content-Disposition"] != `attachment; filename="cv-roster.csv"` {
		t.Fatalf("%d %v", r.status, r.header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "District 1 Unified" || rows[1][5] != "4" {
		t.Errorf("roster %v %v", rows, err)
	}
	for file, want := range map[string]string{"waitlist.csv": "District 2 Unified", "members.csv": "Member 1-3", "audit.csv": "Event created"} {
		if r := c.get("/staff/events/cv/exports/" + file); r.status != 200 || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d lacks %q", file, r.status, want)
		}
	}
	if r := c.get("/staff/events/cv/exports/secrets.csv"); r.status != 404 {
		t.Errorf("an unknown file: %d", r.status)
	}
	if r := c.get("/staff/events/nope/exports/roster.csv"); r.status != 404 {
		t.Errorf("an unknown event: %d", r.status)
	}
}

// TestPrivacy exports an organization's data and erases its people in two
// steps, with a reason, once it has nothing active.
func TestPrivacy(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	reg := f.register("cv", 1, 3)
	org := reg.Organization
	c := f.as(deploy.RoleStaff)

	r := c.get("/staff/privacy/export?" + url.Values{"name": {org.Name}, "county": {org.County}}.Encode())
	var data convening.OrganizationData
	if r.status != 200 || json.Unmarshal([]byte(r.body), &data) != nil || len(data.Registrations) != 1 ||
		!strings.Contains(r.header["Content-Disposition"], "attachment") {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	r = c.get("/staff/privacy/export?name=" + url.QueryEscape(org.Name))
	if r.status != 400 || !strings.Contains(r.body, `href="#export-county"`) {
		t.Errorf("no county: %d", r.status)
	}
	r = c.get("/staff/privacy/export?name=Nowhere+Unified&county=Fresno")
	if r.status != 404 || !strings.Contains(text(r.body), "No registration of this organization was found") {
		t.Errorf("an unknown organization: %d", r.status)
	}

	erase := url.Values{"name": {org.Name}, "county": {org.County}, "reason": {"The district asked on 3 May"}}
	r = c.post("/staff/privacy/erase", url.Values{"name": {org.Name}, "county": {org.County}})
	if r.status != 400 || !strings.Contains(r.body, `href="#erase-reason"`) {
		t.Errorf("no reason: %d", r.status)
	}
	r = c.post("/staff/privacy/erase", erase)
	if r.status != 200 {
		t.Fatalf("the confirmation: %d", r.status)
	}
	r.has(t, "Erase the people of District 1 Unified?", "Test cv Registered 3 no")
	r.hasHTML(t, `name="confirm" value="yes"`)
	erase.Set("confirm", "yes")
	if r := c.post("/staff/privacy/erase", erase); r.status != 409 || !strings.Contains(text(r.body), "Cancel it first") {
		t.Errorf("an active registration: %d %s", r.status, text(r.body))
	}
	if _, err := f.svc.StaffCancel(context.Background(), staffActor, reg.ID, "The district withdrew"); err != nil {
		t.Fatal(err)
	}
	r = c.post("/staff/privacy/erase", erase)
	c.follow(r).has(t, "The people of District 1 Unified are erased from 1 registration.")
	if reg := f.registration(reg.ID); reg.Contact.Email != "" || reg.ErasedAt == nil {
		t.Errorf("not erased: %+v", reg)
	}
}

// TestFailedEmails lists the emails that failed, with their causes and
// their teams.
func TestFailedEmails(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	reg := f.register("cv", 1, 3)
	c := f.as(deploy.RoleStaff)
	c.get("/staff/failed-emails").has(t, "No email has failed.")
	f.failNotice(reg.ID, "complaint (abuse)")
	r := c.get("/staff/failed-emails")
	r.has(t, "District 1 Unified Test cv Registration confirmed")
	r.has(t, "complaint (abuse)")
	r.hasHTML(t, fmt.Sprintf(`href="/staff/registrations/%s#emails"`, reg.ID))
}

// TestCheckInGoesByLastName: the door's list is in the order of last
// names, each shown last name first.
func TestCheckInGoesByLastName(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 10, convening.PolicyStrict)
	team := storetest.Team(1, 3)
	team.Members[0].Name, team.Members[1].Name, team.Members[2].Name = "Ana Ruiz", "Kevin Lor", "Xiong Her"
	if _, _, _, err := f.svc.Register(context.Background(), "cv", team, nil); err != nil {
		t.Fatal(err)
	}
	page := text(f.as(deploy.RoleCheckIn).get("/staff/events/cv/check-in").body)
	her, lor, ruiz := strings.Index(page, "Her, Xiong"), strings.Index(page, "Lor, Kevin"), strings.Index(page, "Ruiz, Ana")
	if her < 0 || lor < her || ruiz < lor {
		t.Errorf("not by last name:\n%s", page)
	}
}
