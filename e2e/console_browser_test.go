package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// url returns the page's address now.
func (b *browserSystem) url() string {
	b.t.Helper()
	return b.eval(`location.href`)
}

// status is the HTTP status of the page the browser is on.
func (b *browserSystem) status() string {
	b.t.Helper()
	return b.eval(`String(performance.getEntriesByType("navigation")[0].responseStatus)`)
}

// signIn fills the sign-in page (the managed-login stand-in) the browser
// is on, and waits for the page it leads to. The sign-in page is marked
// first: waitFor may match on it too (its own h1), and reading the page
// while the browser swaps it for the next fails ("No node with given id").
func (b *browserSystem) signIn(email, password, waitFor string) {
	b.t.Helper()
	b.do("fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.eval(`document.documentElement.dataset.stale = "1"; ""`)
	b.do("sign in", chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	b.nextPage("signing in")
	b.do("wait for "+waitFor, chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// open navigates to a console page and waits for its heading.
func (b *browserSystem) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// has fails unless the main part of the page says each of wants (with its
// spaces, tabs and line ends evened out).
func (b *browserSystem) has(wants ...string) {
	b.t.Helper()
	page := strings.Join(strings.Fields(b.text("main")), " ")
	for _, w := range wants {
		if !strings.Contains(page, w) {
			b.t.Errorf("%s lacks %q:\n%s", b.url(), w, page)
		}
	}
}

// clickThrough clicks what sel matches and waits until the page it leads
// to has loaded (the page it leaves is marked, so as not to mistake it for
// the next one).
func (b *browserSystem) clickThrough(sel string) {
	b.t.Helper()
	b.eval(`document.documentElement.dataset.stale = "1"; ""`)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	b.nextPage("clicking " + sel)
}

// nextPage waits until the page marked stale has been replaced by a new
// one, loaded.
func (b *browserSystem) nextPage(after string) {
	b.t.Helper()
	// Evaluating fails while the browser swaps pages: ask again.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !document.documentElement.dataset.stale`))
		if err == nil && loaded {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after %s the next page did not load: %v", after, err)
		}
	}
}

// submitForm clicks the submit button of the form matched by sel and
// waits for the next page.
func (b *browserSystem) submitForm(sel string) {
	b.t.Helper()
	b.clickThrough(sel + ` button[type="submit"]`)
}

// focused waits for the element with the given id to have the focus
// (autofocus applies once the page has been laid out).
func (b *browserSystem) focused(id string) {
	b.t.Helper()
	var got string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = b.eval(`document.activeElement.id`); got == id {
			return
		}
	}
	b.t.Errorf("focus is on %q, want #%s", got, id)
}

// download clicks the link sel matches, lets Chromium save the file, and
// returns what it saved.
func (b *browserSystem) download(sel string) string {
	b.t.Helper()
	dir := b.t.TempDir()
	progress := chromedp.Events(b.ctx, browser.DownloadProgress)
	b.do("download "+sel,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)))
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			b.t.Fatalf("download %s: cancelled", sel)
		case browser.DownloadProgressStateCompleted:
			body, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.t.Fatal(err)
			}
			return string(body)
		}
	}
	b.t.Fatalf("download %s: no progress", sel)
	return ""
}

func ptr[T any](v T) *T { return &v }

// signOut signs out from any console page.
func (b *browserSystem) signOut() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/sign-in"]`)))
}

// TestBrowserConsole runs an event from the staff console in Chromium, as
// the staff would: sign in through the sign-in page (a wrong
// password first), create an event, watch teams fill it through the
// public site, cancel one team with a reason and see the waitlisted team
// promoted and both changes in the audit log, download the roster, check
// a member in and undo it, and sign out, after which the console refuses.
// The reviewer and the check-in volunteer see only their pages and get
// 403 elsewhere. Every console page, in every state, passes axe-core with
// no violation at all, and is photographed at 360 and 1280 px.
func TestBrowserConsole(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	b.strict = true
	staff := b.users[deploy.RoleStaff]

	// Sign in, through the managed-login stand-in.
	b.do("open the console", chromedp.Navigate(b.base+"/staff/new-event"), chromedp.WaitVisible(chromedp.ID("email")))
	if got := b.url(); !strings.HasPrefix(got, b.login+"/oauth2/authorize?") {
		t.Fatalf("the console sent the browser to %s, want the sign-in page", got)
	}
	b.check("staff-sign-in")
	b.signIn(staff.Email, "not-the-password", "#sign-in-error")
	if got := b.text("#sign-in-error"); got != "Incorrect email or password." {
		t.Errorf("sign-in error %q", got)
	}
	b.check("staff-sign-in-error")
	b.do("clear the email", chromedp.Clear(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "form#new-event")
	if got := b.url(); got != b.base+"/staff/new-event" {
		t.Errorf("after signing in the browser is at %s, want the page it asked for", got)
	}
	if got := b.text("header.bar"); !strings.Contains(got, staff.Email) || !strings.Contains(got, "Staff") {
		t.Errorf("header %q does not name the staff member and role", got)
	}
	// Page scripts see no cookie at all: the session's is HttpOnly.
	if got := b.eval(`document.cookie`); got != "" {
		t.Errorf("page scripts see cookies %q", got)
	}
	b.check("staff-new-event")

	// Create an event: first with errors, then right.
	b.do("a title only", chromedp.SendKeys(chromedp.ID("title"), "Sacramento Valley Network Convening"))
	b.submitForm("form#new-event")
	b.focused("error-summary")
	b.has("Kind of event", "Starts is required", "Capacity must be a whole number from 1 to 100000")
	if got := b.eval(`document.getElementById("title").value`); got != "Sacramento Valley Network Convening" {
		t.Errorf("the title was lost: %q", got)
	}
	b.check("staff-new-event-errors")
	start := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	b.do("fill the event",
		chromedp.SetValue(chromedp.ID("kind"), "convening"),
		chromedp.SetValue(chromedp.ID("starts"), start+"T09:00"),
		chromedp.SetValue(chromedp.ID("ends"), start+"T15:00"),
		chromedp.SendKeys(chromedp.ID("venue"), "Sacramento County Office of Education, 10474 Mather Blvd."),
		chromedp.SendKeys(chromedp.ID("capacity"), "8"),
		chromedp.SendKeys(chromedp.ID("max-team-size"), "4"),
	)
	b.submitForm("form#new-event")
	const event = "/staff/events/sacramento-valley-network-convening"
	if got := b.url(); got != b.base+event {
		t.Fatalf("after creating the event the browser is at %s", got)
	}
	b.has("Sacramento Valley Network Convening is created.", "0 taken of 8, 8 left", "Registered (0)")
	b.check("staff-event-empty")

	// Teams register through the public site until it is full, and one more.
	for i, team := range []struct {
		org     string
		members int
		want    string
	}{
		{"Elk Grove Unified School District", 4, ".status-registered"},
		{"Natomas Unified School District", 4, ".status-registered"},
		{"Sacramento County Office of Education", 3, ".status-waitlisted"},
	} {
		b.do("open the public page", chromedp.Navigate(b.base+"/events/sacramento-valley-network-convening"),
			chromedp.WaitVisible(chromedp.CSS("form.team-form")))
		b.fillTeam(10+i, team.org, team.members)
		b.submit(team.want)
	}

	// The dashboard and the event's lists.
	b.open("/staff")
	b.has("Sacramento Valley Network Convening", "8 taken of 8, 0 left", "2 registered", "1 team, 3 seats")
	b.check("staff-dashboard")
	b.open("/staff/events")
	b.check("staff-events")
	b.open(event)
	b.has("Registered (2)", "Waiting list (1)", "Elk Grove Unified School District", "Everyone 8 0")
	b.check("staff-event-roster")
	b.open(event + "?status=waitlisted")
	b.has("1 Sacramento County Office of Education")
	b.check("staff-event-waitlist")
	b.open(event)
	b.do("search", chromedp.SendKeys(chromedp.ID("q"), "natomas"))
	b.clickThrough(`form.search button`)
	b.has("1 team matches “natomas”", "Natomas Unified School District")
	b.check("staff-event-search")

	// Cancel the first team on its behalf: without a reason, then with one.
	b.open(event)
	b.do("open the first team", chromedp.Click(chromedp.CSS(`table.roster tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS("details.danger-zone")))
	teamURL := b.url()
	b.check("staff-team")
	b.do("unfold the cancellation", chromedp.Click(chromedp.CSS("details.danger-zone summary")))
	b.submitForm("details.danger-zone form")
	if got := b.status(); got != "400" {
		t.Errorf("a cancellation without a reason: %s, want 400", got)
	}
	b.has("Reason is required")
	b.focused("error-summary")
	b.check("staff-team-cancel-errors")
	b.do("give the reason", chromedp.SendKeys(chromedp.ID("cancel-reason"), "Registered by a consultant in the district's name"))
	b.submitForm("details.danger-zone form")
	if got := b.url(); got != teamURL {
		t.Errorf("after cancelling the browser is at %s, want the team's page", got)
	}
	b.has("The registration of Elk Grove Unified School District is cancelled",
		"Promoted from the waiting list, and emailed: Sacramento County Office of Education")
	b.check("staff-team-cancelled")
	b.sentTo("contact@d12."+b.run, "Seats confirmed from the waiting list: ")

	// Both changes, and who made them, in the audit log.
	b.open(event + "/audit")
	b.has("Cancelled Elk Grove Unified School District", "Registered by a consultant in the district's name",
		"The system Promoted from the waiting list Sacramento County Office of Education")
	if got := b.text("main table"); !strings.Contains(got, staff.Email) {
		t.Errorf("the audit log does not name the staff member: %s", got)
	}
	b.check("staff-audit")

	// The roster as a spreadsheet, downloaded as a browser downloads it.
	b.open(event)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.download(`a[href$="/exports/roster.csv"]`), "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("roster.csv: %v %v", rows, err)
	}
	var teams []string
	for _, row := range rows[1:] {
		teams = append(teams, row[0]+"/"+row[3]+"/"+row[5])
	}
	if rows[0][0] != "Organization" || strings.Join(teams, ",") != "Natomas Unified School District/Registered/4,Sacramento County Office of Education/Registered/3" {
		t.Errorf("roster.csv rows %v", rows)
	}

	// Change the event: one more seat, with a reason.
	b.open(event + "/edit")
	b.check("staff-event-edit")
	b.do("one more seat", chromedp.SetValue(chromedp.ID("capacity"), "9"),
		chromedp.SendKeys(chromedp.ID("reason"), "A bigger room"))
	b.submitForm("form#event-change")
	b.has("Sacramento Valley Network Convening is changed.", "7 taken of 9, 2 left")
	b.check("staff-event-changed")

	// The door: check a member in, and undo.
	b.open(event + "/check-in")
	b.has("0 of 7 checked in")
	b.check("staff-check-in")
	b.clickThrough(`.people li:first-child button`)
	b.has("is checked in.", "1 of 7 checked in")
	if got := b.text(".people li:first-child button"); !strings.HasPrefix(got, "Undo") {
		t.Errorf("the first person's button says %q", got)
	}
	b.check("staff-check-in-done")
	b.clickThrough(`.people li:first-child button`)
	b.has("is undone.", "0 of 7 checked in")
	b.open(event + "/walk-in")
	b.check("staff-walk-in")
	b.submitForm("main form")
	b.has("Team is required", "Reason is required")
	b.check("staff-walk-in-errors")
	// Someone comes in place of a member who has not: from the list.
	b.open(event + "/check-in")
	b.clickThrough(`.people li:first-child a.instead`)
	b.do("the walk-in", chromedp.SendKeys(chromedp.ID("member-name"), "Gloria Vang"),
		chromedp.SendKeys(chromedp.ID("member-email"), "gvang@"+b.run+".example.org"),
		chromedp.SendKeys(chromedp.ID("reason"), "Came in place of a colleague"))
	b.check("staff-walk-in-for-no-show")
	b.submitForm("main form")
	b.has("Gloria Vang is checked in for", "who leaves the team", "1 of 7 checked in")
	b.check("staff-walk-in-done")

	// The other pages and states.
	b.open("/staff/failed-emails")
	b.check("staff-failed-emails")
	b.open("/staff/privacy")
	b.check("staff-privacy")
	b.do("ask to erase",
		chromedp.SendKeys(chromedp.ID("erase-name"), "Natomas Unified School District"),
		chromedp.SetValue(chromedp.ID("erase-county"), "Fresno"),
		chromedp.SendKeys(chromedp.ID("erase-reason"), "The district asked by letter"))
	b.submitForm("form[action='/staff/privacy/erase']")
	b.has("Erase the people of Natomas Unified School District?")
	b.check("staff-privacy-confirm")
	b.submitForm("main form")
	if got := b.status(); got != "409" {
		t.Errorf("erasing an organization with an active registration: %s, want 409", got)
	}
	b.has("Cancel it first")
	b.check("staff-privacy-active")
	b.open("/staff/registrations/NOPE")
	if got := b.status(); got != "404" {
		t.Errorf("an unknown team: %s, want 404", got)
	}
	b.check("staff-not-found")

	// Sign out; the console refuses afterwards.
	b.signOut()
	if got := b.url(); got != b.base+"/staff/signed-out" {
		t.Errorf("signed out at %s", got)
	}
	b.check("staff-signed-out")
	b.do("the console after signing out", chromedp.Navigate(b.base+event), chromedp.WaitVisible(chromedp.ID("email")))
	if got := b.url(); !strings.HasPrefix(got, b.login+"/oauth2/authorize?") {
		t.Errorf("after signing out the console is at %s, want the sign-in page", got)
	}

	// The reviewer and the check-in volunteer: their pages, 403 elsewhere.
	type page struct{ path, name string }
	for _, tt := range []struct {
		role    string
		own     []page
		refused []string
	}{
		{deploy.RoleReviewer, []page{{"/staff", "dashboard"}, {"/staff/events", "events"}}, []string{event, event + "/check-in", "/staff/privacy"}},
		{deploy.RoleCheckIn, []page{{"/staff", "dashboard"}, {event + "/check-in", "check-in"}}, []string{"/staff/events", event, event + "/audit"}},
	} {
		u := b.users[tt.role]
		b.do("open the console", chromedp.Navigate(b.base+tt.own[0].path), chromedp.WaitVisible(chromedp.ID("email")))
		b.signIn(u.Email, u.Password, "header.bar")
		for _, p := range tt.own {
			b.open(p.path)
			if got := b.status(); got != "200" {
				t.Errorf("%s on %s: %s", tt.role, p.path, got)
			}
			if n := b.eval(`String(document.querySelectorAll('a[href="` + event + `"]').length)`); n != "0" {
				t.Errorf("%s is offered the roster on %s", tt.role, p.path)
			}
			b.check(fmt.Sprintf("staff-%s-%s", tt.role, p.name))
		}
		for _, page := range tt.refused {
			b.open(page)
			if got, status := b.text("h1"), b.status(); got != "You do not have access to this page" || status != "403" {
				t.Errorf("%s on %s: %s %q", tt.role, page, status, got)
			}
		}
		b.check("staff-forbidden-" + tt.role)
		b.signOut()
	}
	t.Logf("console browser test: %d pages checked with axe-core (%s), %d screenshots in %s; minor findings %v; %v",
		len(b.checked), strings.Join(b.checked, ", "), b.shotCount, b.shots, b.minor, time.Since(began).Round(time.Millisecond))
}

// submitStatement submits a team's statement of interest through the
// public API, as the website's form would, and confirms the members
// listed in confirm (by index) with their personal tokens, as their
// emails' links would. It returns the statement's id.
func (b *browserSystem) submitStatement(eventID string, n int, org string, members int, confirm ...int) string {
	b.t.Helper()
	roles := []string{"superintendent", "certificated_union_president", "classified_union_president", "board_member", "hr_administrator"}
	team := map[string]any{
		"organization": map[string]any{"name": org, "type": "district", "county": "Fresno"},
		"contact":      map[string]any{"name": "Contact of " + org, "email": fmt.Sprintf("contact@s%d.%s.example.org", n, b.run)},
		"experience":   "Our superintendent and both union presidents have met monthly since 2019 to solve problems before they reach the table.",
		"reasons":      "We are starting interest-based bargaining next year and want to learn from districts further along.",
	}
	var ms []map[string]any
	for i := range members {
		ms = append(ms, map[string]any{"name": fmt.Sprintf("Person %d of %s", i+1, org), "email": fmt.Sprintf("m%d@s%d.%s.example.org", i, n, b.run),
			"role": roles[i%len(roles)]})
	}
	team["members"] = ms
	var out struct {
		Statement struct {
			ID      string `json:"id"`
			Members []struct {
				ID string `json:"id"`
			} `json:"members"`
		} `json:"statement"`
	}
	if status := b.api("POST", "/api/events/"+eventID+"/statements", "", team, &out); status != 201 {
		b.t.Fatalf("submit %s: %d", org, status)
	}
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, i := range confirm {
		m := out.Statement.Members[i]
		path := "/api/statements/" + out.Statement.ID + "/members/" + m.ID + "/confirm"
		if status := b.api("POST", path, tokens.Token(convening.MemberTokenSubject(out.Statement.ID, m.ID)), nil, nil); status != 200 {
			b.t.Fatalf("confirm member %d of %s: %d", i, org, status)
		}
	}
	return out.Statement.ID
}

// api calls the JSON API as a script would, with a bearer token if any.
func (b *browserSystem) api(method, path, bearer string, body, out any) int {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.base+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// TestBrowserConsoleStatements runs a symposium's admission from the
// console in Chromium: staff create an event that admits by statement of
// interest; teams submit statements and confirm; the reviewer reviews one
// with "save and next" (others' scores hidden until then); staff read the
// reviews and invite the team, meet a conflict in words, stage and release
// a decision, and merge two spellings of a district. Every new page, in
// every state, passes axe-core with no violation and is photographed at
// 360 and 1280 px.
func TestBrowserConsoleStatements(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	b.strict = true
	staff, reviewer := b.users[deploy.RoleStaff], b.users[deploy.RoleReviewer]

	// Staff create the symposium: admission by statement, the four core roles.
	b.do("open the console", chromedp.Navigate(b.base+"/staff/new-event"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "form#new-event")
	start := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	end := time.Now().AddDate(0, 3, 1).Format("2006-01-02")
	b.do("fill the symposium",
		chromedp.SendKeys(chromedp.ID("title"), "Symposium on Labor-Management Collaboration"),
		chromedp.SetValue(chromedp.ID("kind"), "symposium"),
		chromedp.SetValue(chromedp.ID("starts"), start+"T09:00"),
		chromedp.SetValue(chromedp.ID("ends"), end+"T15:00"),
		chromedp.SendKeys(chromedp.ID("venue"), "Handlery Hotel, 950 Hotel Circle North, San Diego"),
		chromedp.SendKeys(chromedp.ID("capacity"), "9"),
		chromedp.SendKeys(chromedp.ID("max-team-size"), "6"),
		chromedp.Click(chromedp.ID("admission-statement")),
		chromedp.Click(chromedp.ID("role-superintendent")),
		chromedp.Click(chromedp.ID("role-certificated_union_president")),
		chromedp.Click(chromedp.ID("role-classified_union_president")),
		chromedp.Click(chromedp.ID("role-board_member")),
		chromedp.SendKeys(chromedp.ID("respond-hours"), "0"),
	)
	b.submitForm("form#new-event")
	if got := b.status(); got != "400" {
		t.Errorf("an answer window of 0 hours: %s, want 400", got)
	}
	b.has("Hours to answer an invitation must be a whole number from 1 to 720")
	b.check("staff-new-event-statement-errors")
	b.do("fix the window", chromedp.SetValue(chromedp.ID("respond-hours"), "72"))
	b.submitForm("form#new-event")
	const event = "/staff/events/symposium-on-labor-management-collaboration"
	if got := b.url(); got != b.base+event {
		t.Fatalf("after creating the symposium the browser is at %s", got)
	}
	b.has("Admission by statement of interest", "invited teams answer within 72 hours", "0 received")
	b.check("staff-event-statement")
	b.open(event + "/edit")
	b.has("Statements of interest", "Hours to answer an invitation", "Review criteria", "Criterion 5 (to add one)")
	if got := b.eval(`document.getElementById("criterion-label-0").value`); got != "Collaboration history" {
		t.Errorf("the first criterion's label reads %q", got)
	}
	b.check("staff-event-edit-statement")

	// Teams submit statements; teams 1 and 2 confirm every member, team 3 not yet.
	const id = "symposium-on-labor-management-collaboration"
	first := b.submitStatement(id, 1, "Fresno Unified School District", 4, 0, 1, 2, 3)
	second := b.submitStatement(id, 2, "Clovis Unified School District", 4, 0, 1, 2, 3)
	third := b.submitStatement(id, 3, "Sanger Unified School District", 5, 0)
	// Another spelling of the first district, registered for an open event.
	var reg map[string]any
	if status := b.api("POST", "/api/events/central-valley/registrations", "", map[string]any{
		"organization": map[string]any{"name": "Fresno Unified Sch. Dist.", "type": "district", "county": "Fresno"},
		"contact":      map[string]any{"name": "A contact", "email": "contact@fusd2." + b.run + ".example.org"},
		"members":      []map[string]any{{"name": "A member", "email": "m@fusd2." + b.run + ".example.org", "role": "superintendent"}},
	}, &reg); status != 201 {
		t.Fatalf("register: %d", status)
	}
	b.open("/staff")
	b.has("Statements 3 received: 3 to decide, 0 invited, 0 accepted")
	b.check("staff-dashboard-statements")
	b.signOut()

	// The reviewer: the list, the next statement, a review with errors,
	// then saved with "save and next".
	b.do("open the console", chromedp.Navigate(b.base+"/staff"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(reviewer.Email, reviewer.Password, "header.bar")
	b.clickThrough(`a[href="/staff/events/` + id + `/statements"]`)
	b.has("All (3)", "Submitted (3)", "Fresno Unified School District", "Complete 4 of 4 confirmed", "Not yet 1 of 5 confirmed", "0 reviews")
	if n := b.eval(`String(document.querySelectorAll('a[href$="statements.csv"], form[action$="/release"]').length)`); n != "0" {
		t.Errorf("the reviewer is offered the download or the release (%s)", n)
	}
	b.check("staff-reviewer-statements")
	b.do("filter", chromedp.SetValue(chromedp.ID("filter-complete"), "no"))
	b.submitForm("form.filters")
	b.has("1 statement matches the filter.", "Sanger Unified School District")
	b.check("staff-reviewer-statements-filtered")
	b.open("/staff/events/" + id + "/statements")
	b.clickThrough(`form[action$="/statements/next"] button`)
	if got := b.url(); got != b.base+"/staff/statements/"+first+"#review" {
		t.Errorf("review next opened %s, want the first statement", got)
	}
	b.has("Fresno Unified School District", "Our superintendent and both union presidents", "No review yet: yours will be the first.")
	b.check("staff-reviewer-statement")
	b.clickThrough(`button[value="next"]`)
	if got := b.status(); got != "400" {
		t.Errorf("a review without scores: %s, want 400", got)
	}
	b.has("Collaboration history is required", "Commitment is required")
	b.focused("error-summary")
	b.check("staff-reviewer-statement-errors")
	for _, c := range []string{"collaboration-history-4", "readiness-3", "need-4", "commitment-4"} {
		b.do("score "+c, chromedp.Click(chromedp.ID("score-"+c)))
	}
	b.do("comment", chromedp.SendKeys(chromedp.ID("review-comment"), "Years of joint work; the board is on board."))
	b.clickThrough(`button[value="next"]`)
	if got := b.url(); got != b.base+"/staff/statements/"+second+"#review" {
		t.Errorf("save and next opened %s, want the second statement", got)
	}
	b.has("Your review of Fresno Unified School District is saved. Here is the next statement to review.", "Clovis Unified School District")
	b.check("staff-reviewer-statement-next")
	b.open("/staff/statements/" + first)
	b.has("1 review: mean 3.75 of 4", "Years of joint work", "(you)")
	if n := b.eval(`String(document.querySelectorAll('form[action$="/decision"]').length)`); n != "0" {
		t.Error("the reviewer is offered the decision")
	}
	b.clickThrough(`a[href^="/staff/organizations?"]`)
	b.has("Fresno Unified School District", "Symposium on Labor-Management Collaboration Statement of interest: Submitted")
	b.check("staff-reviewer-organization")
	b.signOut()

	// Staff: the reviews, the invitation, a conflict in words, a staged
	// decision released, the statements' spreadsheet.
	b.do("open the console", chromedp.Navigate(b.base+"/staff/statements/"+first), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "form[action$='/decision']")
	b.has("1 review: mean 3.75 of 4, spread 0.00", "reviewer@lmi.example.org", "Years of joint work")
	b.check("staff-statement")
	b.do("invite",
		chromedp.Click(chromedp.ID("decision-invite")),
		chromedp.SendKeys(chromedp.ID("decision-reason"), "The panel's first choice"),
		chromedp.SendKeys(chromedp.ID("decision-message"), "We look forward to seeing your team in San Diego."))
	b.submitForm("form[action$='/decision']")
	if got := b.url(); got != b.base+"/staff/statements/"+first {
		t.Errorf("after inviting the browser is at %s", got)
	}
	b.has("Fresno Unified School District is invited: 4 seats are held until", "the team answers by", "Extend the deadline")
	b.check("staff-statement-invited")
	b.sentTo("contact@s1."+b.run, "Action required")
	b.submitForm("form[action$='/extend']")
	b.has("New deadline is required", "Reason is required")
	b.check("staff-statement-extend-errors")

	b.open("/staff/statements/" + third)
	b.has("Not every required member has confirmed", "Invite anyway (override)")
	b.check("staff-statement-incomplete")
	b.do("invite without override", chromedp.Click(chromedp.ID("decision-invite")), chromedp.SendKeys(chromedp.ID("decision-reason"), "Strong answers"))
	b.submitForm("form[action$='/decision']")
	if got := b.status(); got != "409" {
		t.Errorf("inviting an incomplete team: %s, want 409", got)
	}
	b.has("Not every required member of this team has confirmed. Invite anyway with the override")
	b.check("staff-statement-conflict")

	b.open("/staff/statements/" + second)
	b.do("stage", chromedp.Click(chromedp.ID("decision-invite")), chromedp.SendKeys(chromedp.ID("decision-reason"), "The panel's second choice"),
		chromedp.Click(chromedp.ID("staged")))
	b.submitForm("form[action$='/decision']")
	b.has("The decision to invite Clovis Unified School District is staged")
	b.open("/staff/events/" + id + "/statements")
	b.has("Staged: invite", "Release 1 staged decision")
	b.do("the release's reason", chromedp.SendKeys(chromedp.ID("release-reason"), "The panel met on Monday"))
	b.submitForm("form[action$='/release']")
	b.has("1 staged decision is released, and the team is emailed: Clovis Unified School District.", "Invited (2)")
	b.check("staff-statements-released")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.download(`a[href$="/exports/statements.csv"]`), "\ufeff"))).ReadAll()
	if err != nil || len(rows) < 4 || rows[0][0] != "Organization" {
		t.Fatalf("statements.csv: %v %v", rows, err)
	}
	if got := strings.Join(rows[1], "|"); !strings.Contains(got, "Fresno Unified School District") || !strings.Contains(got, "reviewer@lmi.example.org") {
		t.Errorf("statements.csv's first row: %s", got)
	}

	// The district's two spellings: merged after the confirmation step.
	b.open("/staff/organizations?name=Fresno+Unified+Sch.+Dist.&county=Fresno")
	b.has("Central Valley Universal Convening Registration: Registered", "Spellings merged into it None.")
	b.check("staff-organization")
	b.do("merge into the district",
		chromedp.SendKeys(chromedp.ID("merge-name"), "Fresno Unified School District"),
		chromedp.SetValue(chromedp.ID("merge-county"), "Fresno"),
		chromedp.SendKeys(chromedp.ID("merge-reason"), "The same district; its website spells it in full"))
	b.submitForm("form[action='/staff/organizations/merge']")
	b.has("Merge Fresno Unified Sch. Dist. into Fresno Unified School District?")
	b.check("staff-organization-merge")
	b.submitForm("main form")
	b.has("Fresno Unified Sch. Dist. is now recorded as another spelling of Fresno Unified School District.",
		"Central Valley Universal Convening Registration: Registered", "Symposium on Labor-Management Collaboration Statement of interest: Invited")
	b.check("staff-organization-merged")
	b.open("/staff/organizations")
	b.check("staff-organizations-search")
	b.open(event)
	b.has("3 received: 1 to decide, 2 invited, 0 accepted")
	b.signOut()

	t.Logf("console statements browser test: %d pages checked with axe-core (%s), %d screenshots in %s; %v",
		len(b.checked), strings.Join(b.checked, ", "), b.shotCount, b.shots, time.Since(began).Round(time.Millisecond))
}
