package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// upload posts a form with a file, as a browser sends it.
func (c *client) upload(target string, fields url.Values, name, content string) response {
	c.f.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fields.Set("csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	saved := c.header["content-type"]
	c.header["content-type"] = mw.FormDataContentType()
	defer func() {
		if saved == "" {
			delete(c.header, "content-type")
		} else {
			c.header["content-type"] = saved
		}
	}()
	return c.do("POST", target, b.String())
}

const roster = "Organization,County,Person,Email,Role,Event,Date\n" +
	"Alisal Union School District,Monterey,Ana Ruiz,ana@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25\n" +
	"Alisal Union School District,Monterey,Ben Ortiz,,Teachers Association President,CA LMI Summer Institute,2019-06-25\n" +
	"Alisal Union School District,Monterey,Ana Ruiz,a.ruiz@alisal.org,Superintendent,Monterey Network Convening,2019-10-02\n" +
	"Salinas City Elementary,Atlantis,Cy Diaz,cy@salinas.org,Board Member,CA LMI Summer Institute,2019-06-25\n"

// TestRosterImportPages: the staff import's dry run answers every row and
// changes nothing; the import keeps the uncertain row for staff, who
// decide it; the person's and the organization's pages show the history.
func TestRosterImportPages(t *testing.T) {
	f := newFixture(t)
	staff := f.as(deploy.RoleStaff)
	r := staff.get("/staff/imports")
	r.has(t, "Past rosters", "Organization, County, Person, Email, Role, Event, Date")
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	if r = staff.upload("/staff/imports", url.Values{"op": {"apply"}}, "", ""); r.status != 400 {
		t.Fatalf("no file: %d", r.status)
	}
	r = staff.upload("/staff/imports", url.Values{"op": {"dry-run"}}, "2019.csv", roster)
	if r.status != 200 {
		t.Fatalf("dry run: %d\n%s", r.status, text(r.body))
	}
	r.has(t, "Dry run: nothing was changed", "4 rows: 0 matched, 2 new people, 1 uncertain, 0 already on record, 1 not readable",
		"the county must be one of California's 58 counties", "on record with another address")
	if parts, _ := f.svc.Participants(context.Background()); len(parts) != 0 {
		t.Fatal("a dry run wrote")
	}
	r = staff.upload("/staff/imports", url.Values{"op": {"apply"}}, "2019.csv", roster)
	r = staff.follow(r)
	r.has(t, "The roster is imported", "Who is Ana Ruiz?", "Rows that could not be read")
	imports, _ := f.svc.RecentImports(context.Background())
	_, rows, _ := f.svc.Import(context.Background(), imports[0].ID)
	r = staff.post("/staff/imports/"+imports[0].ID, url.Values{"line": {"4"}, "choice": {rows[0].Candidates[0].PersonKey}, "reason": {""}})
	if r.status != 400 {
		t.Fatalf("no reason: %d", r.status)
	}
	r = staff.post("/staff/imports/"+imports[0].ID, url.Values{"line": {"4"}, "choice": {rows[0].Candidates[0].PersonKey}, "reason": {"her new address"}})
	staff.follow(r).has(t, "Row 4 is decided", "Decided: the same person as on record")
	h := staff.get("/staff/history?" + url.Values{"name": {"Alisal Union School District"}, "county": {"Monterey"}}.Encode())
	h.has(t, "Events by year", "2019", "Monterey Network Convening", "Ana Ruiz", "Superintendent (2019)")
	p := staff.get("/staff/people/" + convening.PersonKey("ana@alisal.org"))
	p.has(t, "Ana Ruiz", "CA LMI Summer Institute", "Monterey Network Convening", "a past roster")
	// Erase, in two steps.
	r = staff.post("/staff/people/"+convening.PersonKey("ana@alisal.org"), url.Values{"reason": {"asked to be forgotten"}})
	r.has(t, "Erase Ana Ruiz from the history?")
	r = staff.post("/staff/people/"+convening.PersonKey("ana@alisal.org"), url.Values{"reason": {"asked to be forgotten"}, "confirm": {"yes"}})
	staff.follow(r).has(t, "The person is erased from the history: 2 attendance facts")
	if r = staff.get("/staff/people/" + convening.PersonKey("ana@alisal.org")); r.status != 404 {
		t.Fatalf("an erased person's page: %d", r.status)
	}
	// Reviewers read the history, not the imports.
	if r = f.as(deploy.RoleReviewer).get("/staff/imports"); r.status != 403 {
		t.Fatalf("a reviewer on the imports: %d", r.status)
	}
	staff.get("/staff/participants").has(t, "Alisal Union School District", "Leave off the list")
}

// TestAttendancePages: an online event's settings never show the meeting's
// address; a participant report tried then applied; staff's word and an
// unmatched participant resolved.
func TestAttendancePages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Date(2030, 1, 20, 23, 30, 0, 0, time.UTC)
	e, err := f.svc.CreateEvent(ctx, convening.StaffActor("s", "s"), convening.Event{ID: "web", Title: "Webinar", Kind: convening.KindWebinar, Online: true,
		StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 20, MaxTeamSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	reg, _, _, err := f.svc.RegisterPerson(ctx, e.ID, convening.Person{Name: "Ana Ruiz", Email: "ana@alisal.org", Role: convening.RolePrincipal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	staff := f.as(deploy.RoleStaff)
	r := staff.post("/staff/events/web/online", url.Values{"meeting_url": {"https://zoom.us/j/999?pwd=SECRET"}, "join_opens": {"15"}, "threshold": {"75"}})
	r = staff.follow(r)
	r.has(t, "The online settings are saved", "Set, at zoom.us")
	if strings.Contains(r.body, "SECRET") {
		t.Fatal("the console shows the meeting's address")
	}
	if r = staff.post("/staff/events/web/online", url.Values{"meeting_url": {"http://insecure.example.org"}, "join_opens": {"15"}, "threshold": {"75"}}); r.status != 400 {
		t.Fatalf("an http meeting: %d", r.status)
	}
	report := "Name (Original Name),User Email,Join Time,Leave Time\nAna Ruiz,ana@alisal.org,01/20/2030 03:30 PM,01/20/2030 04:30 PM\nGuest,,01/20/2030 03:30 PM,01/20/2030 04:00 PM\n"
	r = staff.upload("/staff/events/web/attendance", url.Values{"op": {"dry-run"}}, "zoom.csv", report)
	r.has(t, "Dry run: nothing was changed", "2 rows: 1 matched by email", "Ana Ruiz")
	r = staff.upload("/staff/events/web/attendance", url.Values{"op": {"apply"}}, "zoom.csv", report)
	r.has(t, "The report is applied", "Attended 1 of 1 registered person", "In the report, but matched to nobody", "Guest")
	r = staff.post("/staff/events/web/attendance", url.Values{"op": {"override"}, "attendee": {reg.ID + "." + reg.Members[0].ID}, "attended": {"no"}, "reason": {"camera on, away"}})
	staff.follow(r).has(t, "Staff's word on", "did not attend: camera on, away", "Attended 0 of 1")
	v, _ := f.svc.Attendance(ctx, "web")
	r = staff.post("/staff/events/web/attendance", url.Values{"op": {"resolve"}, "key": {v.Unmatched[0].Key}, "attendee": {"dismiss"}, "reason": {"the speaker"}})
	staff.follow(r).has(t, "is resolved", "Set aside: the speaker")
	r = staff.upload("/staff/events/web/attendance", url.Values{"op": {"apply"}}, "other.csv", "a,b\n1,2\n")
	if r.status != 400 {
		t.Fatalf("not a report: %d", r.status)
	}
	r.has(t, "The file could not be read as expected")
}

// TestEligibilityAndNetworkPages: a rule with its preview, published; an
// exemption; a network and its report.
func TestEligibilityAndNetworkPages(t *testing.T) {
	f := newFixture(t)
	f.event("pre", 40, convening.PolicyFill)
	f.register("pre", 1, 3)
	staff := f.as(deploy.RoleStaff)
	r := staff.get("/staff/events/pre/eligibility")
	r.has(t, "Who may attend", "Open to everyone.")
	r = staff.post("/staff/events/pre/eligibility", url.Values{"op": {"preview"}, "new_organization": {"no", "yes"}, "org_since": {"2015"},
		"new_member": {"no", "yes"}, "member_since": {"2015"}, "network_member": {"no"}})
	r.has(t, "Who would qualify: Open to new organizations", "3 of 3 members")
	r = staff.post("/staff/events/pre/eligibility", url.Values{"op": {"save"}, "new_organization": {"no", "yes"}, "org_since": {"2015"},
		"new_member": {"no"}, "network_member": {"no"}, "reason": {""}})
	if r.status != 400 {
		t.Fatalf("no reason: %d", r.status)
	}
	r = staff.post("/staff/events/pre/eligibility", url.Values{"op": {"save"}, "new_organization": {"no", "yes"}, "org_since": {"2015"},
		"new_member": {"no"}, "network_member": {"no"}, "reason": {"new districts only"}})
	staff.follow(r).has(t, "The rule is published (version 1)")
	r = staff.post("/staff/events/pre/eligibility", url.Values{"op": {"exempt"}, "name": {"Ed H"}, "email": {"ed@cdefoundation.org"}, "reason": {"facilitates"}})
	staff.follow(r).has(t, "Ed H may attend", ": facilitates (")

	r = staff.post("/staff/networks", url.Values{"name": {"Monterey County Regional Labor-Management Network"}, "host_name": {"Monterey County Office of Education"},
		"host_county": {"Monterey"}, "members": {"Alisal Union School District, Monterey\nNowhere Unified, Atlantis"}, "active_from": {"2018"}, "reason": {"the network"}})
	if r.status != 400 {
		t.Fatalf("a member in no county: %d", r.status)
	}
	r.has(t, "line 2, Nowhere Unified")
	r = staff.post("/staff/networks", url.Values{"name": {"Monterey County Regional Labor-Management Network"}, "host_name": {"Monterey County Office of Education"},
		"host_county": {"Monterey"}, "members": {"Alisal Union School District, Monterey\nSalinas City Elementary, Monterey"}, "active_from": {"2018"}, "reason": {"the network"}})
	r = staff.follow(r)
	r.has(t, "is saved", "Alisal Union School District : 0 convenings")
	f.as(deploy.RoleReviewer).get("/staff/networks").has(t, "Monterey County Regional Labor-Management Network", "2 members")
}
