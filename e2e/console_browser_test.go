package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

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
// is on, and waits for the page it leads to.
func (b *browserSystem) signIn(email, password, waitFor string) {
	b.t.Helper()
	b.do("fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(waitFor)))
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
	// Evaluating fails while the browser swaps pages: ask again.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !document.documentElement.dataset.stale`))
		if err == nil && loaded {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after clicking %s the next page did not load: %v", sel, err)
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
	if rows[0][0] != "Organization" || strings.Join(teams, ",") != "Natomas Unified School District/registered/4,Sacramento County Office of Education/registered/3" {
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
