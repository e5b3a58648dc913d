package console_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestDashboard shows each role the upcoming events' numbers, and only
// the links its role may follow.
func TestDashboard(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	f.register("cv", 1, 4)
	waiting := f.register("cv", 2, 3)
	f.failNotice(waiting.ID, "bounced (Permanent/General)")

	tests := []struct {
		role          string
		want, notWant []string
	}{
		{deploy.RoleStaff, []string{`href="/staff/events/cv"`, `href="/staff/events/cv/check-in"`, `href="/staff/new-event"`, `href="/staff/failed-emails"`},
			nil},
		{deploy.RoleReviewer, []string{`href="/staff/events"`}, []string{`href="/staff/events/cv"`, `href="/staff/events/cv/check-in"`, `href="/staff/new-event"`, `href="/staff/failed-emails"`}},
		{deploy.RoleCheckIn, []string{`href="/staff/events/cv/check-in"`}, []string{`href="/staff/events/cv"`, `href="/staff/new-event"`, `href="/staff/events"`, `href="/staff/failed-emails"`}},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			r := f.as(tt.role).get("/staff")
			if r.status != 200 {
				t.Fatalf("%d", r.status)
			}
			r.has(t, "Test cv", "4 taken of 6, 2 left", "1 registered", "1 team, 3 seats", "Full, waiting list open until")
			r.hasHTML(t, tt.want...)
			for _, w := range tt.notWant {
				if strings.Contains(r.body, w) {
					t.Errorf("offers %s", w)
				}
			}
			if tt.role == deploy.RoleStaff {
				r.has(t, "1 email could not be delivered", "Failed emails 1")
			} else if strings.Contains(r.body, "could not be delivered") {
				t.Error("shows failed emails")
			}
		})
	}
	// The events page, past events too, for staff and reviewers.
	r := f.as(deploy.RoleReviewer).get("/staff/events")
	r.has(t, "Upcoming events", "Test cv", "4 of 6", "Past events")
}

// eventForm is a new event's form, filled.
func eventForm() url.Values {
	return url.Values{"title": {"Central Valley Convening 2027"}, "kind": {"convening"}, "description": {"A day for teams."},
		"starts": {"2027-03-04T09:00"}, "ends": {"2027-03-04T15:30"}, "venue": {"Fresno County Office of Education"},
		"capacity": {"60"}, "max_team_size": {"6"}, "policy": {"fill"}, "required_roles": {"superintendent", "board_member"}}
}

func TestCreateEvent(t *testing.T) {
	f := newFixture(t)
	c := f.as(deploy.RoleStaff)
	if r := c.get("/staff/new-event"); r.status != 200 {
		t.Fatalf("the form: %d", r.status)
	}

	t.Run("OK", func(t *testing.T) {
		r := c.post("/staff/events", eventForm())
		if r.status != 303 || r.location() != "/staff/events/central-valley-convening-2027" {
			t.Fatalf("%d %q:\n%s", r.status, r.location(), text(r.body))
		}
		c.follow(r).has(t, "Central Valley Convening 2027 is created.", "Registered (0)")
		e, err := f.svc.Event(context.Background(), "central-valley-convening-2027")
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2027, 3, 4, 17, 0, 0, 0, time.UTC); !e.StartsAt.Equal(want) {
			t.Errorf("starts %v, want %v (9 AM Pacific)", e.StartsAt, want)
		}
		if e.WaitlistPolicy != convening.PolicyFill || len(e.RequiredRoles) != 2 || !e.RegistrationClosesAt.Equal(e.StartsAt) {
			t.Errorf("event %+v", e)
		}
		records, _, _ := f.svc.Audit(context.Background(), convening.AuditQuery{EventID: e.ID})
		if len(records) != 1 || records[0].Kind != convening.AuditEventCreated || records[0].Actor.ID != "sub-staff" {
			t.Errorf("audit %+v", records)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		r := c.post("/staff/events", url.Values{"title": {"Half filled"}, "capacity": {"many"}})
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.hasHTML(t, "<title>Error: New event", `id="error-summary"`, `href="#capacity"`, `value="Half filled"`, `value="many"`,
			`aria-describedby="capacity-hint capacity-error"`)
		r.has(t, "Capacity must be a whole number from 1 to 100000")
		r = c.post("/staff/events", url.Values{"title": {"Only a title"}})
		for _, id := range []string{"kind", "starts", "ends", "venue", "capacity", "max-team-size"} {
			r.hasHTML(t, `href="#`+id+`"`)
		}
		r.has(t, "Choose kind of event", "Starts is required", "Venue is required")
		form := eventForm()
		form.Set("ends", "2027-03-03T09:00")
		r = c.post("/staff/events", form)
		r.has(t, "Ends must be after the start")
	})
	t.Run("TakenID", func(t *testing.T) {
		r := c.post("/staff/events", eventForm())
		if r.status != 409 {
			t.Fatalf("%d", r.status)
		}
		r.hasHTML(t, `href="#id"`)
		r.has(t, "Event id is already taken")
	})
}

func TestEditEvent(t *testing.T) {
	f := newFixture(t)
	e := f.event("cv", 6, convening.PolicyStrict)
	f.register("cv", 1, 4)
	f.register("cv", 2, 3) // waits: 2 seats left
	c := f.as(deploy.RoleStaff)
	form := func(capacity, reason string) url.Values {
		return url.Values{"capacity": {capacity}, "max_team_size": {"6"}, "opens": {pacific(e.RegistrationOpensAt)},
			"closes": {pacific(e.RegistrationClosesAt)}, "policy": {"strict"}, "reason": {reason}}
	}
	r := c.get("/staff/events/cv/edit")
	r.hasHTML(t, `value="6"`, `value="`+pacific(e.RegistrationOpensAt)+`"`)

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"NoReason", form("9", ""), 400, []string{"Reason is required"}},
		{"BelowTaken", func() url.Values { v := form("3", "Smaller room"); v.Set("max_team_size", "3"); return v }(), 409,
			[]string{"Capacity must be at least 4, the seats already taken or held"}},
		{"NothingChanged", form("6", "No change"), 400, []string{"Nothing was changed"}},
		{"BadTime", func() url.Values { v := form("6", "x"); v.Set("opens", "soon"); return v }(), 400, []string{"Registration opens must be a date and time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post("/staff/events/cv", tt.form)
			if r.status != tt.status {
				t.Fatalf("%d, want %d:\n%s", r.status, tt.status, text(r.body))
			}
			r.has(t, tt.want...)
			r.hasHTML(t, `id="error-summary"`)
		})
	}
	if e, _ := f.svc.Event(context.Background(), "cv"); e.Capacity != 6 {
		t.Fatalf("capacity changed to %d by a refused form", e.Capacity)
	}

	t.Run("RaisePromotes", func(t *testing.T) {
		r := c.post("/staff/events/cv", form("7", "A bigger room"))
		if r.status != 303 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		c.follow(r).has(t, "Test cv is changed.", "Promoted from the waiting list, and emailed: District 2 Unified")
		records, _, _ := f.svc.Audit(context.Background(), convening.AuditQuery{EventID: "cv", Kinds: []convening.AuditKind{convening.AuditEventChanged}})
		if len(records) != 1 || records[0].Reason != "A bigger room" || records[0].After["capacity"] != "7" || len(records[0].After) != 1 {
			t.Errorf("audit %+v", records)
		}
	})
}

func pacific(t time.Time) string { return t.In(convening.Pacific).Format("2006-01-02T15:04") }

// TestEventPage shows the roster and the waiting list in order, searched
// and a page at a time, with the members per role.
func TestEventPage(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 9, convening.PolicyStrict)
	f.register("cv", 1, 4)
	f.register("cv", 2, 5)
	f.register("cv", 3, 2) // waits
	f.register("cv", 4, 3) // waits
	c := f.as(deploy.RoleStaff)

	r := c.get("/staff/events/cv")
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "Registered (2)", "Waiting list (2)", "Superintendent 2 0", "Everyone 9 0", "9 taken of 9, 0 left")
	page := text(r.body)
	if i, j := strings.Index(page, "District 1 Unified"), strings.Index(page, "District 2 Unified"); i < 0 || j < i {
		t.Errorf("roster out of order:\n%s", page)
	}
	if strings.Contains(page, "District 3 Unified") {
		t.Error("the registered list shows a waitlisted team")
	}
	r = c.get("/staff/events/cv?status=waitlisted")
	r.has(t, "Waiting list, in order", "1 District 3 Unified", "2 District 4 Unified")

	search := []struct{ status, q, want, notWant string }{
		{"", "m1@district2.org", "District 2 Unified", "District 1 Unified"},
		{"", "member 1-3", "District 1 Unified", "District 2 Unified"},
		{"", "contact2", "District 2 Unified", "District 1 Unified"},
		{"waitlisted", "district 4", "District 4 Unified", "District 3 Unified"},
		{"", "nobody at all", "0 teams match", "District 1 Unified"},
	}
	for _, s := range search {
		t.Run("Search "+s.q, func(t *testing.T) {
			q := url.Values{"q": {s.q}}
			if s.status != "" {
				q.Set("status", s.status)
			}
			r := c.get("/staff/events/cv?" + q.Encode())
			r.has(t, s.want)
			if page := text(r.body); strings.Contains(page, s.notWant) {
				t.Errorf("shows %q:\n%s", s.notWant, page)
			}
		})
	}
	t.Run("BadQueries", func(t *testing.T) {
		if r := c.get("/staff/events/cv?status=pending"); r.status != 400 || !strings.Contains(text(r.body), "status") {
			t.Errorf("a bad status: %d %s", r.status, text(r.body))
		}
		if r := c.get("/staff/events/cv?cursor=nonsense"); r.status != 400 {
			t.Errorf("a bad cursor: %d", r.status)
		}
		if r := c.get("/staff/events/nope"); r.status != 404 || !strings.Contains(text(r.body), "no event has that id") {
			t.Errorf("an unknown event: %d %s", r.status, text(r.body))
		}
	})
}

// TestEventPagePages pages through a long roster.
func TestEventPagePages(t *testing.T) {
	f := newFixture(t)
	f.event("big", 100, convening.PolicyStrict)
	for i := range 55 {
		f.register("big", 100+i, 1)
	}
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/big")
	page := text(r.body)
	if n := strings.Count(page, " Unified "); n != 50 {
		t.Errorf("first page: %d teams", n)
	}
	next := between(r.body, `<a href="`, `">Next page</a>`)
	if next == "" {
		t.Fatalf("no next page:\n%s", page)
	}
	r = c.get(strings.ReplaceAll(next, "&amp;", "&"))
	if n := strings.Count(text(r.body), " Unified "); n != 5 || !strings.Contains(r.body, "First page") || strings.Contains(r.body, "Next page") {
		t.Errorf("second page: %d teams:\n%s", n, text(r.body))
	}
	r.has(t, fmt.Sprintf("District %d Unified", 154))
}

// between returns the last text between start and end that precedes end.
func between(s, start, end string) string {
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(s[:j], start)
	if i < 0 {
		return ""
	}
	return s[i+len(start) : j]
}

// TestOfferedList shows, for an event that offers freed seats, the teams
// holding an offer, with their deadline.
func TestOfferedList(t *testing.T) {
	f := newFixture(t)
	e := storetest.Event("offers", 4, convening.PolicyStrict)
	e.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 48}
	if _, err := f.svc.CreateEvent(context.Background(), staffActor, e); err != nil {
		t.Fatal(err)
	}
	first := f.register("offers", 1, 4)
	second := f.register("offers", 2, 3)
	if _, err := f.svc.StaffCancel(context.Background(), staffActor, first.ID, "Withdrew"); err != nil {
		t.Fatal(err)
	}
	if reg := f.registration(second.ID); reg.Status != convening.StatusOffered {
		t.Fatalf("team 2 is %s", reg.Status)
	}
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/offers?status=offered")
	r.has(t, "Offered seats", "Offers lapsed", "District 2 Unified", "answer by")
	c.get("/staff/registrations/"+second.ID).has(t, "Offered seats", "3 seats held from", "the team answers by")
}

// TestAdmissionSettings creates events that admit by statement and that
// offer freed seats, with their settings and defaults, and reports what
// does not go with the admission chosen, field by field.
func TestAdmissionSettings(t *testing.T) {
	f := newFixture(t)
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/new-event")
	r.has(t, "Open to all (the default)", "By statement of interest", "Offer freed seats with a deadline",
		"Left empty, 168 hours (7 days).", "Review criteria", "Criterion 5 (to add one)",
		"The four core roles Superintendent", "Other roles Human resources administrator")
	r.hasHTML(t, `id="admission-open" name="admission" value="open" checked`, `name="offer_hours" type="number" value="48"`,
		`name="criterion_label_0" type="text" value="Collaboration history"`,
		`name="criterion_description_0" type="text" value="What the district&#39;s labor and management have already done together."`)

	t.Run("Statement", func(t *testing.T) {
		form := eventForm()
		form.Set("title", "Symposium 2027")
		form.Set("admission", "statement")
		form["required_roles"] = []string{"superintendent", "certificated_union_president", "classified_union_president", "board_member"}
		form.Set("statements_close", "2027-02-01T17:00")
		form.Set("respond_hours", "72")
		form["auto_invite"] = []string{"no", "yes"}
		r := c.post("/staff/events", form)
		if r.status != 303 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		e, err := f.svc.Event(context.Background(), "symposium-2027")
		if err != nil {
			t.Fatal(err)
		}
		if e.Admission != convening.AdmissionStatement || len(e.RequiredRoles) != 4 || e.RespondWithinHours != 72 || !e.AutoInvite ||
			e.StatementsCloseAt == nil || pacific(*e.StatementsCloseAt) != "2027-02-01T17:00" || len(e.ReviewCriteria) != 4 || e.WaitlistOffers != nil {
			t.Errorf("event %+v", e)
		}
		c.follow(r).has(t, "Symposium 2027 is created. Teams can submit statements of interest once registration opens.", "Admission by statement of interest, until Mon, Feb 1, 2027, 5:00 PM; invited teams answer within 72 hours; the next shortlisted team is invited automatically")
	})
	t.Run("Offers", func(t *testing.T) {
		form := eventForm()
		form.Set("title", "Central Valley Convening with offers")
		form["offers"] = []string{"no", "yes"}
		form.Set("offer_hours", "24")
		if r := c.post("/staff/events", form); r.status != 303 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		e, _ := f.svc.Event(context.Background(), "central-valley-convening-with-offers")
		if e.Admission != convening.AdmissionOpen || e.WaitlistOffers == nil || e.WaitlistOffers.RespondWithinHours != 24 || e.AutoInvite {
			t.Errorf("event %+v", e)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		form := eventForm()
		form.Set("title", "Mixed up")
		form.Set("admission", "statement")
		form["offers"] = []string{"no", "yes"}
		form.Set("offer_hours", "12")
		form.Set("respond_hours", "many")
		form.Set("statements_close", "2027-03-05T09:00") // after the event ends
		r := c.post("/staff/events", form)
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.has(t, "Hours to answer an invitation must be a whole number from 1 to 720")
		r.hasHTML(t, `href="#respond-hours"`, `id="admission-statement" name="admission" value="statement" checked`)
		form.Set("respond_hours", "0")
		if r := c.post("/staff/events", form); r.status != 400 || !strings.Contains(text(r.body), "Hours to answer an invitation must be a whole number from 1 to 720") {
			t.Errorf("0 hours: %d", r.status)
		}
		form.Set("respond_hours", "")
		r = c.post("/staff/events", form)
		// The form hides the other admission's settings (the waiting
		// list's here) and ignores them: no error points at a hidden field.
		r.has(t, "Statements close must not be after the end")
		r.hasHTML(t, `href="#statements-close"`)
		if strings.Contains(text(r.body), "Waiting-list offers: not for this admission") {
			t.Error("an error names the waiting-list offers of a statement event, which the form hides")
		}
		form = eventForm()
		form.Set("statements_close", "2027-02-01T17:00")
		form.Set("admission", "lottery")
		r = c.post("/staff/events", form)
		r.has(t, "Choose admission")
		r.hasHTML(t, `href="#admission-open"`)
		form = eventForm()
		form.Set("title", "Open with a stray setting")
		form.Set("auto_invite", "yes")
		if r := c.post("/staff/events", form); r.status != 303 {
			t.Fatalf("an open event with the (hidden) automatic invitations ticked: %d", r.status)
		}
		if e, err := f.svc.Event(context.Background(), "open-with-a-stray-setting"); err != nil || e.AutoInvite {
			t.Errorf("the open event: %+v, %v", e, err)
		}
	})
}

// TestEditDetailsAndAdmission changes an event's details and its
// statements' settings from the edit page; the audit log says what.
func TestEditDetailsAndAdmission(t *testing.T) {
	f := newFixture(t)
	e := f.statementEvent("sym", 10)
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/sym/edit")
	r.has(t, "Admission By statement of interest: staff invite teams", "Statements of interest", "Hours to answer an invitation", "Title")
	r.hasHTML(t, `name="title" type="text" value="Test sym"`, `name="respond_hours" type="number" value="168"`)
	if strings.Contains(r.body, `name="offers"`) || strings.Contains(r.body, `name="policy"`) {
		t.Error("a statement event is offered waiting-list settings")
	}
	starts := e.StartsAt.Add(24 * time.Hour)
	form := url.Values{"title": {"Symposium 2027"}, "description": {"Two days."}, "venue": {"Handlery Hotel, San Diego"}, "online": {"no"},
		"starts": {pacific(starts)}, "ends": {pacific(starts.Add(8 * time.Hour))}, "capacity": {"10"}, "max_team_size": {"8"},
		"opens": {pacific(e.RegistrationOpensAt)}, "closes": {pacific(e.RegistrationClosesAt)}, "statements_close": {pacific(*e.StatementsCloseAt)},
		"respond_hours": {"48"}, "auto_invite": {"no", "yes"},
		"required_roles": {"superintendent", "certificated_union_president", "classified_union_president", "board_member"}, "reason": {"The hotel moved us"}}
	r = c.post("/staff/events/sym", form)
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "Symposium 2027 is changed.", "Handlery Hotel, San Diego", "answer within 48 hours")
	got, _ := f.svc.Event(context.Background(), "sym")
	if got.Title != "Symposium 2027" || !got.StartsAt.Equal(starts) || got.RespondWithinHours != 48 || !got.AutoInvite || got.Description != "Two days." {
		t.Errorf("event %+v", got)
	}
	r = c.get("/staff/events/sym/audit")
	r.has(t, "title: Test sym → Symposium 2027", "venue: DoubleTree, San Diego → Handlery Hotel, San Diego", "hours to answer an invitation: 168 → 48",
		"automatic invitations: no → yes", "The hotel moved us")

	form.Set("title", "")
	form.Set("statements_close", "")
	form.Set("starts", "tomorrow")
	r = c.post("/staff/events/sym", form)
	if r.status != 400 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "Title is required", "Statements close is required", "Starts must be a date and time")

	// An open event: its waiting-list offers, on and off.
	f.event("cv", 10, convening.PolicyStrict)
	cv, _ := f.svc.Event(context.Background(), "cv")
	open := url.Values{"capacity": {"10"}, "max_team_size": {"8"}, "opens": {pacific(cv.RegistrationOpensAt)}, "closes": {pacific(cv.RegistrationClosesAt)},
		"policy": {"strict"}, "offers": {"no", "yes"}, "offer_hours": {"36"}, "reason": {"Offers this time"}}
	if r := c.post("/staff/events/cv", open); r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	if cv, _ = f.svc.Event(context.Background(), "cv"); cv.WaitlistOffers == nil || cv.WaitlistOffers.RespondWithinHours != 36 {
		t.Errorf("offers %+v", cv.WaitlistOffers)
	}
	open["offers"] = []string{"no"}
	c.post("/staff/events/cv", open)
	if cv, _ = f.svc.Event(context.Background(), "cv"); cv.WaitlistOffers != nil {
		t.Errorf("offers still on: %+v", cv.WaitlistOffers)
	}
	c.get("/staff/events/cv/audit").has(t, "waiting-list offers: 36 hours to accept → off")
}

// TestEditReviewCriteria renames, removes, adds and weighs review criteria
// from the event's form; the audit log says what changed, and a form with
// mistakes names each row's field and changes nothing.
func TestEditReviewCriteria(t *testing.T) {
	f := newFixture(t)
	e := f.statementEvent("sym", 10)
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/sym/edit")
	r.hasHTML(t, `<input type="hidden" name="criterion_id_3" value="commitment">`, `name="criterion_label_3" type="text" value="Commitment"`,
		`name="criterion_label_5" type="text" value=""`)
	if strings.Contains(r.body, `name="criterion_label_6"`) {
		t.Error("more than two blank rows")
	}
	form := func() url.Values {
		v := url.Values{"capacity": {"10"}, "max_team_size": {"8"}, "opens": {pacific(e.RegistrationOpensAt)}, "closes": {pacific(e.RegistrationClosesAt)},
			"statements_close": {pacific(*e.StatementsCloseAt)}, "respond_hours": {"168"}, "auto_invite": {"no"},
			"required_roles": {"superintendent", "certificated_union_president", "classified_union_president", "board_member"},
			"title":          {e.Title}, "venue": {e.Venue}, "starts": {pacific(e.StartsAt)}, "ends": {pacific(e.EndsAt)}, "online": {"no"},
			"reason": {"The panel's rubric for 2027"}}
		for i, cr := range e.ReviewCriteria {
			n := strconv.Itoa(i)
			v.Set("criterion_id_"+n, cr.ID)
			v.Set("criterion_label_"+n, cr.Label)
			v.Set("criterion_description_"+n, cr.Description)
			v.Set("criterion_weight_"+n, strconv.Itoa(cr.Weight))
		}
		v.Set("criterion_label_4", "")
		v.Set("criterion_label_5", "")
		return v
	}

	t.Run("Mistakes", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			set  map[string]string
			want []string
		}{
			{"DescriptionWithoutLabel", map[string]string{"criterion_description_4": "Equity of access"}, []string{"Criterion 5 label is required"}},
			{"Weight", map[string]string{"criterion_weight_0": "heavy", "criterion_weight_1": "11"},
				[]string{"Criterion 1 weight must be a whole number from 1 to 10", "Criterion 2 weight must be a whole number from 1 to 10"}},
			{"SameLabelTwice", map[string]string{"criterion_label_4": "Equity focus", "criterion_label_5": "Equity  focus!"},
				[]string{"Criterion 6 label names the same criterion as another one: make the labels differ"}},
			{"NoLetters", map[string]string{"criterion_label_4": "!!!"}, []string{"Criterion 5 label must contain a letter or digit"}},
			{"NoneLeft", map[string]string{"criterion_label_0": "", "criterion_label_1": "", "criterion_label_2": "", "criterion_label_3": ""},
				[]string{"Give from 1 to 10 review criteria"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				v := form()
				for k, val := range tt.set {
					v.Set(k, val)
				}
				r := c.post("/staff/events/sym", v)
				if r.status != 400 {
					t.Fatalf("%d:\n%s", r.status, text(r.body))
				}
				r.has(t, tt.want...)
				if got, _ := f.svc.Event(context.Background(), "sym"); !slices.Equal(got.ReviewCriteria, e.ReviewCriteria) {
					t.Errorf("criteria changed by a form with mistakes: %+v", got.ReviewCriteria)
				}
			})
		}
	})

	v := form()
	v.Set("criterion_label_0", "History of collaboration")
	v.Set("criterion_weight_0", "2")
	v.Set("criterion_label_3", "") // removed
	v.Set("criterion_label_4", "Equity focus")
	v.Set("criterion_description_4", "How the team will widen access.")
	r = c.post("/staff/events/sym", v)
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	got, _ := f.svc.Event(context.Background(), "sym")
	want := []convening.Criterion{
		{ID: "collaboration-history", Label: "History of collaboration", Description: e.ReviewCriteria[0].Description, Weight: 2},
		e.ReviewCriteria[1], e.ReviewCriteria[2],
		{ID: "equity-focus", Label: "Equity focus", Description: "How the team will widen access.", Weight: 1},
	}
	if !slices.Equal(got.ReviewCriteria, want) {
		t.Errorf("criteria\n%+v, want\n%+v", got.ReviewCriteria, want)
	}
	c.get("/staff/events/sym/audit").has(t,
		"review criteria: Collaboration history; Readiness; Need; Commitment → History of collaboration ×2; Readiness; Need; Equity focus",
		"The panel's rubric for 2027")
	// Saving again without a change records nothing about criteria.
	e = got // the form as the page now shows it
	v = form()
	v.Set("reason", "Nothing to change")
	v.Set("title", "Symposium, renamed")
	r = c.post("/staff/events/sym", v)
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	if a := c.get("/staff/events/sym/audit"); strings.Count(a.body, "review criteria:") != 1 {
		t.Error("an unchanged rubric is recorded as a change")
	}
}
