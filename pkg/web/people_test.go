package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// formFields returns the hidden fields of the page's form that posts to
// action (the page may hold several forms).
func (p page) formFields(t *testing.T, action string) url.Values {
	t.Helper()
	i := strings.Index(p.body, `action="`+action)
	if i < 0 {
		t.Fatalf("no form posts to %s:\n%s", action, p.body)
	}
	rest := p.body[i:]
	rest = rest[:strings.Index(rest, "</form>")]
	v := url.Values{}
	for _, m := range hiddenFieldRE.FindAllStringSubmatch(rest, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

var hiddenFieldRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

const meeting = "https://zoom.example.org/j/81234567890?pwd=SECRET-hush"

func (s *site) webinar(id string, capacity int, start time.Time) convening.Event {
	s.t.Helper()
	e := s.event(id, capacity, 1, func(e *convening.Event) {
		e.Kind, e.Online, e.Venue, e.Title = convening.KindWebinar, true, "", "Webinar: Interest-Based Bargaining"
		e.StartsAt, e.EndsAt, e.RegistrationClosesAt = start, start.Add(time.Hour), start
	})
	if _, err := s.svc.SetOnlineSettings(context.Background(), convening.StaffActor("s", "s"), id,
		convening.OnlineChange{MeetingURL: ptrTo(meeting)}, "the Zoom webinar"); err != nil {
		s.t.Fatal(err)
	}
	return e
}

func ptrTo[T any](v T) *T { return &v }

func personForm(name, email string) url.Values {
	return url.Values{"person_name": {name}, "person_email": {email}, "person_role": {"principal"},
		"person_org_name": {"Alisal Union School District"}, "person_org_type": {"district"}, "person_county": {"Monterey"}}
}

// TestPersonRegistersAndJoins: a person registers on their own for a
// webinar, gets their join link, which leads to the meeting only in its
// window and stops working once they cancel; no public page ever shows
// the meeting's address.
func TestPersonRegistersAndJoins(t *testing.T) {
	s := newSite(t)
	start := s.svc.Now().Add(2 * time.Hour)
	s.webinar("web", 2, start)
	var bodies []string
	ev := s.get("/events/web")
	bodies = append(bodies, ev.body)
	ev.has(t, "Register", `action="/events/web/individuals`, "Your organization (optional)")
	if strings.Contains(ev.body, "Register your team") {
		t.Error("a webinar for individuals offers the team form")
	}
	// Nor does it speak of teams in its facts.
	ev.lacks(t, "Team size")
	// Mistakes are answered next to their fields.
	bad := personForm("", "not-an-address")
	for k, v := range ev.formFields(t, "/events/web/individuals") {
		bad[k] = v
	}
	bad.Set("person_county", "")
	p := s.post("/events/web/individuals", bad)
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad form: %d", p.status)
	}
	p.has(t, "Your name is required", "Your email must be an email address", "Choose your organization&#39;s county")
	form := personForm("Ana Ruiz", "ana.ruiz@alisal.example.org")
	for k, v := range p.formFields(t, "/events/web/individuals") {
		form[k] = v
	}
	// Registering redirects to the confirmation (post/redirect/get).
	p = s.follow(s.post("/events/web/individuals", form))
	if p.status != http.StatusOK {
		t.Fatalf("register: %d\n%s", p.status, p.body)
	}
	p.has(t, "You are registered", "Ana Ruiz, you have a seat", "Join Webinar: Interest-Based Bargaining")
	bodies = append(bodies, p.body)
	join := regexp.MustCompile(`href="(/join/[^"]+)"`).FindStringSubmatch(p.body)
	manage := regexp.MustCompile(`href="(/manage/[^"]+)"`).FindStringSubmatch(p.body)
	if join == nil || manage == nil {
		t.Fatalf("no join or manage link:\n%s", p.body)
	}
	joinURL, manageURL := html.UnescapeString(join[1]), html.UnescapeString(manage[1])
	// The same person again, another day.
	other := s.browser()
	again := other.get("/events/web")
	f2 := personForm("Ana Ruiz", "ANA.RUIZ@alisal.example.org")
	for k, v := range again.formFields(t, "/events/web/individuals") {
		f2[k] = v
	}
	p = other.post("/events/web/individuals", f2)
	if p.status != http.StatusConflict {
		t.Fatalf("the same person again: %d", p.status)
	}
	p.has(t, "You are registered for this event already")
	// Two hours before the start the link says when it opens.
	j := s.get(joinURL)
	if j.status != http.StatusOK || j.headers["Location"] != "" {
		t.Fatalf("early: %d %v", j.status, j.headers)
	}
	j.has(t, "the meeting opens")
	bodies = append(bodies, j.body)
	// Ten minutes before, it leads to the meeting.
	s.svc.Clock = func() time.Time { return start.Add(-10 * time.Minute) }
	j = s.get(joinURL)
	if j.status != http.StatusSeeOther || j.headers["Location"] != meeting {
		t.Fatalf("in the window: %d %v", j.status, j.headers)
	}
	// A wrong token opens nothing.
	if j = s.get(strings.Replace(joinURL, "token=", "token=x", 1)); j.status != http.StatusNotFound {
		t.Fatalf("a wrong token: %d", j.status)
	}
	m := s.get(manageURL)
	m.has(t, "Your registration", "Joining online")
	bodies = append(bodies, m.body)
	// Cancelled, the link no longer works.
	reg := regexp.MustCompile(`/manage/([^?]+)\?token=([^"&]+)`).FindStringSubmatch(manageURL)
	tok, _ := url.QueryUnescape(reg[2])
	if _, err := s.svc.Cancel(context.Background(), reg[1], tok); err != nil {
		t.Fatal(err)
	}
	j = s.get(joinURL)
	if j.status != http.StatusGone || j.headers["Location"] != "" {
		t.Fatalf("after cancelling: %d %v", j.status, j.headers)
	}
	j.has(t, "This join link no longer works")
	bodies = append(bodies, j.body, s.get("/").body, s.get("/participation").body, s.get(manageURL).body)
	for _, b := range bodies {
		if strings.Contains(b, "SECRET-hush") || strings.Contains(b, "81234567890") {
			t.Fatalf("a page shows the meeting's address:\n%s", b)
		}
	}
}

// TestEligibilityOnTheForm: the team form asks who qualifies before it
// registers; a refusal names the members; the institute's registration
// offers the pre-conference to the members who qualify, and registers
// only those.
func TestEligibilityOnTheForm(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	inst := s.event("institute", 100, 8, func(e *convening.Event) { e.Kind, e.Title = convening.KindInstitute, "Summer Institute" })
	s.event("pre", 40, 8, func(e *convening.Event) {
		e.Kind, e.Title, e.ParentEventID = convening.KindPreconference, "Pre-conference for new teams", inst.ID
		e.StartsAt, e.EndsAt = inst.StartsAt.Add(-24*time.Hour), inst.StartsAt.Add(-20*time.Hour)
		e.RegistrationClosesAt = e.StartsAt
		e.Eligibility = &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNewOrganization}, {Kind: convening.PredNewMember}}}
		e.EligibilityVersion = 1
	})
	// District 1's first two members came in 2019.
	if _, err := s.svc.ImportRoster(ctx, convening.StaffActor("s", "s"), "2019.csv", strings.NewReader("Organization,County,Person,Email,Role,Event,Date\n"+
		"District 1,Fresno,Member 1,m0@d1.example.org,Superintendent,CA LMI Summer Institute,2019-06-25\n"+
		"District 1,Fresno,Member 2,m1@d1.example.org,Teachers Association President,CA LMI Summer Institute,2019-06-25\n"), false); err != nil {
		t.Fatal(err)
	}
	pre := s.get("/events/pre")
	pre.has(t, "Who may attend:", "new organizations", "Check who qualifies")
	form := teamForm(1, 4)
	for k, v := range pre.formFields(t, "/events/pre#register") {
		form[k] = v
	}
	form.Set("op", "check")
	p := s.post("/events/pre", form)
	p.has(t, "Does not qualify:</strong> District 1 attended a CA LMI institute in 2019", "Qualifies:</strong> no CA LMI attendance recorded for this person")
	form.Set("op", "submit")
	for k, v := range p.formFields(t, "/events/pre#register") {
		form[k] = v
	}
	p = s.post("/events/pre", form)
	if p.status != http.StatusConflict {
		t.Fatalf("a refused team: %d\n%s", p.status, p.body)
	}
	p.has(t, "Not every member qualifies for this event: Member 1 and Member 2 do not.", "Does not qualify:")
	// The institute: the whole team registers, and is offered the
	// pre-conference for its new members.
	ip := s.get("/events/institute")
	tf := teamForm(1, 4)
	for k, v := range ip.formFields(t, "/events/institute#register") {
		tf[k] = v
	}
	p = s.follow(s.post("/events/institute", tf))
	if p.status != http.StatusOK {
		t.Fatalf("institute: %d\n%s", p.status, p.body)
	}
	p.has(t, "Also: Pre-conference for new teams", "These members of your team qualify", "Member 1</strong> <span class=\"role\">(Superintendent)</span> does not qualify")
	offer := p.formFields(t, "/events/pre#register")
	offer["offer_pick"] = []string{"2", "3"}
	p = s.follow(s.post("/events/pre", offer))
	if p.status != http.StatusOK {
		t.Fatalf("the offer: %d\n%s", p.status, p.body)
	}
	p.has(t, "Your team is registered", "Member 3", "Member 4")
	if strings.Contains(p.body, "Member 1 <span") {
		t.Error("a member who does not qualify was registered")
	}
}

// TestParticipationPage: the public list by county with its map, readable
// without script, as a table; opted-out organizations are not on it.
func TestParticipationPage(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.svc.ImportRoster(ctx, convening.StaffActor("s", "s"), "r.csv", strings.NewReader("Organization,County,Person,Email,Role,Event,Date\n"+
		"Alisal Union School District,Monterey,A,a@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25\n"+
		"Salinas City Elementary School District,Monterey,B,b@salinas.org,Board member,CA LMI Summer Institute,2019-06-25\n"+
		"Fresno Unified School District,Fresno,C,c@fresno.org,Superintendent,CA LMI Symposium,2015-05-08\n"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.SetOptOut(ctx, convening.StaffActor("s", "s"), convening.Organization{Name: "Fresno Unified School District", County: "Fresno"}, true, "asked"); err != nil {
		t.Fatal(err)
	}
	p := s.get("/participation")
	if p.status != http.StatusOK {
		t.Fatalf("%d", p.status)
	}
	p.has(t, `role="img"`, "Map of California", "<th scope=\"row\">Monterey</th><td>2</td>", "Alisal Union School District; Salinas City Elementary School District",
		"2 organizations have taken part, from 1 county")
	if n := strings.Count(p.body, `<path class="county`); n != 58 {
		t.Fatalf("%d counties drawn", n)
	}
	if strings.Contains(p.body, "Fresno Unified") || strings.Contains(p.body, "<script") {
		t.Fatal("the page lists an organization that opted out, or needs a script")
	}
}
