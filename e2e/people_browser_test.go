package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// TestBrowserPeople walks issue 18's people in Chromium, every page at 360
// and 1280 px with axe-core finding no violation of any impact:
//   - an individual registers for a webinar and follows their join link:
//     before the window it says when it opens; with the event moved so the
//     window is open it redirects to the meeting; once the registration is
//     cancelled it no longer works;
//   - a returning team registers for a pre-conference for new
//     organizations and new members: "Check who qualifies" marks each
//     member, registering everyone is refused naming the returning
//     members, and the new members alone are registered; another returning
//     team registering for the Summer Institute is offered the
//     pre-conference for its qualifying members on its confirmation, and
//     takes it;
//   - staff upload a roster with a mistake for a dry run in the console,
//     see every row matched, created, uncertain or not readable, and
//     nothing is stored.
func TestBrowserPeople(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	b.strict = true
	started := time.Now()
	ctx := context.Background()
	staff := convening.StaffActor("browser-staff", "staff@lmi.example.org")
	addr := func(n int, who string) string { return fmt.Sprintf("%s@d%d.%s.example.org", who, n, b.run) }

	// --- An individual and their join link ---
	meeting := "https://meet.example.org/j/81234567890?pwd=e2e"
	start := time.Now().AddDate(0, 1, 0).UTC().Truncate(24 * time.Hour).Add(18 * time.Hour) // 10 or 11 AM Pacific
	if _, err := b.svc.CreateEvent(ctx, staff, convening.Event{ID: "webinar-ibb", Title: "Interest-Based Bargaining Webinar",
		Kind: convening.KindWebinar, Online: true, Registrants: convening.RegistrantsIndividuals,
		Description: "An hour on interest-based bargaining for union and management leaders.",
		StartsAt:    start, EndsAt: start.Add(time.Hour), Capacity: 100, MaxTeamSize: 1}); err != nil {
		t.Fatalf("create the webinar: %v", err)
	}
	if _, err := b.svc.SetOnlineSettings(ctx, staff, "webinar-ibb", convening.OnlineChange{MeetingURL: &meeting}, "the webinar's meeting"); err != nil {
		t.Fatalf("set the meeting: %v", err)
	}
	b.do("open the webinar", chromedp.Navigate(b.base+"/events/webinar-ibb"), chromedp.WaitVisible(chromedp.CSS("form.person-form")))
	if got := b.eval(`document.querySelector("form.team-form") ? "team form" : ""`); got != "" {
		t.Errorf("the webinar for individuals shows a %s", got)
	}
	if strings.Contains(b.eval(`document.documentElement.outerHTML`), "meet.example.org") {
		t.Errorf("the webinar's page shows the meeting's address")
	}
	b.checkStrict("person-form")
	person := addr(31, "gloria")
	b.do("fill the person form with a mistake",
		chromedp.SendKeys(chromedp.ID("person-name"), "Gloria Vang"),
		chromedp.SendKeys(chromedp.ID("person-email"), "gloria-at-fta"),
		chromedp.SetValue(chromedp.ID("person-role"), "certificated_union_president"),
		chromedp.Click(chromedp.CSS("form.person-form button.primary")),
		chromedp.WaitVisible(chromedp.ID("person-error-summary")))
	b.has("Your email must be an email address")
	b.focused("person-error-summary")
	b.checkStrict("person-form-errors")
	b.do("fix the email",
		chromedp.Clear(chromedp.ID("person-email")), chromedp.SendKeys(chromedp.ID("person-email"), person),
		chromedp.SendKeys(chromedp.ID("person-org-name"), "Fresno Unified School District"),
		chromedp.Click(chromedp.ID("person-org-type")),
		chromedp.SetValue(chromedp.ID("person-county"), "Fresno"),
		chromedp.Click(chromedp.CSS("form.person-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.has("you have a seat at Interest-Based Bargaining Webinar", "Fresno Unified School District")
	b.checkStrict("person-registered")
	manage := b.eval(`document.querySelector(".private-link a").href`)
	join := b.eval(`(document.querySelector('a[href*="/join/"]') || {}).href || ""`)
	if join == "" {
		t.Fatalf("the registration's page has no join link")
	}
	if strings.Contains(b.eval(`document.documentElement.outerHTML`), "meet.example.org") {
		t.Errorf("the registration's page shows the meeting's address")
	}
	welcome := b.sentTo(person, "")
	if got := linkIn(t, welcome.Text, "/join/"); got != join {
		t.Errorf("the confirmation email (%q) gives the join link %s, the page %s", welcome.Subject, got, join)
	}
	if strings.Contains(welcome.Text+welcome.HTML, "meet.example.org") {
		t.Errorf("the confirmation email (%q) shows the meeting's address", welcome.Subject)
	}

	// Before the window: when it opens.
	b.do("follow the join link early", chromedp.Navigate(join), chromedp.WaitVisible(chromedp.CSS("h1")))
	b.has("Hello Gloria Vang: the meeting opens")
	b.checkStrict("join-early")

	// The event moved to start in five minutes: the window is open, and
	// the link leads to the meeting.
	soon := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Minute)
	ends := soon.Add(time.Hour)
	if _, err := b.svc.UpdateEvent(ctx, staff, "webinar-ibb", convening.EventChange{StartsAt: &soon, EndsAt: &ends, RegistrationClosesAt: &soon}, "the webinar moved to today"); err != nil {
		t.Fatalf("move the webinar: %v", err)
	}
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	follow := func(want int) string {
		t.Helper()
		resp, err := noFollow.Get(join)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("the join link answers %d, want %d", resp.StatusCode, want)
		}
		return resp.Header.Get("Location")
	}
	if got := follow(http.StatusSeeOther); got != meeting {
		t.Errorf("the open join link leads to %q, want the meeting", got)
	}

	// Cancelled: the link stops working.
	b.do("open the registration", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.do("ask to cancel", chromedp.Click(chromedp.CSS("button.danger-outline")), chromedp.WaitVisible(chromedp.CSS("button.danger")))
	b.checkStrict("person-cancel-confirm")
	b.do("confirm", chromedp.Click(chromedp.CSS("button.danger")), chromedp.WaitVisible(chromedp.CSS(".status-cancelled")))
	b.checkStrict("person-cancelled")
	if got := follow(http.StatusGone); got != "" {
		t.Errorf("the cancelled registration's join link leads to %q", got)
	}
	b.do("follow the join link after cancelling", chromedp.Navigate(join), chromedp.WaitVisible(chromedp.CSS("h1")))
	b.has("This join link no longer works.")
	if strings.Contains(b.eval(`document.documentElement.outerHTML`), "meet.example.org") {
		t.Errorf("the cancelled join page shows the meeting's address")
	}
	b.checkStrict("join-cancelled")

	// --- A returning team and its new members ---
	inst := time.Now().AddDate(0, 3, 0).UTC().Truncate(24 * time.Hour).Add(16 * time.Hour)
	if _, err := b.svc.CreateEvent(ctx, staff, convening.Event{ID: "summer-institute-e2e", Title: "CA LMI Summer Institute",
		Kind: convening.KindInstitute, Description: "Three days for labor-management teams.",
		StartsAt: inst, EndsAt: inst.Add(54 * time.Hour), Venue: "Hilton Sacramento Arden West, 2200 Harvard St., Sacramento",
		Capacity: 200, MaxTeamSize: 8}); err != nil {
		t.Fatalf("create the institute: %v", err)
	}
	pre := inst.Add(-24 * time.Hour)
	if _, err := b.svc.CreateEvent(ctx, staff, convening.Event{ID: "summer-preconference-e2e", Title: "Summer Institute Pre-Conference",
		Kind: convening.KindPreconference, ParentEventID: "summer-institute-e2e", Description: "A day for teams and members new to CA LMI.",
		StartsAt: pre, EndsAt: pre.Add(7 * time.Hour), Venue: "Hilton Sacramento Arden West, 2200 Harvard St., Sacramento",
		Capacity: 60, MaxTeamSize: 8}); err != nil {
		t.Fatalf("create the pre-conference: %v", err)
	}
	newcomers := &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNewOrganization}, {Kind: convening.PredNewMember}}}
	if _, err := b.svc.SetRule(ctx, staff, "summer-preconference-e2e", newcomers, "for new districts and new members"); err != nil {
		t.Fatalf("set the rule: %v", err)
	}
	// Two returning districts: members 1 and 2 of Clovis, member 1 of
	// Madera came to the 2023 Summer Institute (fillTeam's addresses).
	history := "Organization,County,Name,Email,Role,Event,Date,Kind\n" +
		fmt.Sprintf("Clovis Unified School District,Fresno,Person 1 of Clovis Unified School District,%s,Superintendent,CA LMI Summer Institute 2023,2023-06-20,institute\n", addr(21, "m0")) +
		fmt.Sprintf("Clovis Unified School District,Fresno,Person 2 of Clovis Unified School District,%s,Teachers Association President,CA LMI Summer Institute 2023,2023-06-20,institute\n", addr(21, "m1")) +
		fmt.Sprintf("Madera Unified School District,Fresno,Person 1 of Madera Unified School District,%s,Superintendent,CA LMI Summer Institute 2023,2023-06-20,institute\n", addr(22, "m0"))
	if res, err := b.svc.ImportRoster(ctx, staff, "past.csv", strings.NewReader(history), false); err != nil || res.Counts[convening.RowCreated] != 3 {
		t.Fatalf("import the history: %+v %v", res.Counts, err)
	}

	b.do("open the pre-conference", chromedp.Navigate(b.base+"/events/summer-preconference-e2e"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.has("Who may attend:")
	b.fillTeam(21, "Clovis Unified School District", 4)
	b.do("check who qualifies", chromedp.Click(chromedp.CSS(`button[value="check"]`)), chromedp.WaitVisible(chromedp.ID("member-0-eligibility")))
	for i, want := range []string{"Does not qualify:", "Does not qualify:", "Qualifies:", "Qualifies:"} {
		if got := b.text(fmt.Sprintf("#member-%d-eligibility", i)); !strings.HasPrefix(got, want) {
			t.Errorf("member %d: %q, want %q…", i+1, got, want)
		}
	}
	b.checkStrict("preconference-check")
	b.submit("#error-summary")
	b.has("Not every member qualifies for this event: Person 1 of Clovis Unified School District and Person 2 of Clovis Unified School District do not.")
	if got := b.eval(`document.activeElement.id`); got != "error-summary" {
		t.Errorf("after the refusal the focus is on %q, want the error summary", got)
	}
	b.checkStrict("preconference-refused")
	// Remove the two returning members (the rows renumber: the first twice).
	for range 2 {
		b.do("remove a returning member", chromedp.Click(chromedp.CSS(`button[value="remove-0"]`)), chromedp.WaitVisible(chromedp.ID("member-0-name")))
	}
	if got := b.eval(`document.getElementById("member-0-name").value + "|" + document.getElementById("member-1-name").value`); got != "Person 3 of Clovis Unified School District|Person 4 of Clovis Unified School District" {
		t.Errorf("after removing the returning members the rows are %q", got)
	}
	b.submit(".status-registered")
	b.has("Person 3 of Clovis Unified School District", "Person 4 of Clovis Unified School District")
	if strings.Contains(b.text("main"), "Person 1 of Clovis") {
		t.Errorf("a refused member is registered:\n%s", b.text("main"))
	}
	b.checkStrict("preconference-registered")

	// The Summer Institute offers the pre-conference to the qualifying.
	b.do("open the institute", chromedp.Navigate(b.base+"/events/summer-institute-e2e"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.fillTeam(22, "Madera Unified School District", 3)
	b.submit(".status-registered")
	b.do("see the offer", chromedp.WaitVisible(chromedp.CSS("section.offer")))
	b.has("Also: Summer Institute Pre-Conference", "Person 1 of Madera Unified School District (Superintendent) does not qualify")
	if got := b.eval(`String(document.querySelectorAll('section.offer input[name="offer_pick"]:checked').length)`); got != "2" {
		t.Errorf("%s members offered the pre-conference, want the 2 new ones", got)
	}
	b.checkStrict("institute-offer")
	b.clickThrough("section.offer button[type=submit]")
	b.do("the pre-conference registration", chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.has("Summer Institute Pre-Conference", "Person 2 of Madera Unified School District", "Person 3 of Madera Unified School District")
	if strings.Contains(b.text("main"), "Person 1 of Madera") {
		t.Errorf("the returning member is registered for the pre-conference:\n%s", b.text("main"))
	}
	b.checkStrict("institute-offer-taken")

	// --- Staff's roster import, dry run ---
	before, err := b.svc.RecentImports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := b.users[deploy.RoleStaff]
	b.do("open the imports", chromedp.Navigate(b.base+"/staff/imports"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(u.Email, u.Password, "#roster-file")
	b.checkStrict("staff-imports")
	roster := "Organization,County,Name,Email,Role,Event,Date\n" +
		// matched by address
		fmt.Sprintf("Clovis Unified School District,Fresno,Person 1 of Clovis Unified School District,%s,Superintendent,CA LMI Summer Institute 2024,2024-06-18\n", addr(21, "m0")) +
		// a new person
		"Kings Canyon Unified School District,Fresno,Rosa Medina,rmedina@kcusd.example.org,Superintendent,CA LMI Summer Institute 2024,2024-06-18\n" +
		// someone on record under another address: uncertain
		"Madera Unified School District,Fresno,Person 1 of Madera Unified School District,p1@madera-home.example.org,Superintendent,CA LMI Summer Institute 2024,2024-06-18\n" +
		// the mistake: no such date
		"Kings Canyon Unified School District,Fresno,Luis Ortega,lortega@kcusd.example.org,Board Member,CA LMI Summer Institute 2024,2024-13-40\n"
	file := filepath.Join(t.TempDir(), "rosters-2024.csv")
	if err := os.WriteFile(file, []byte(roster), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("roster-file"), []string{file}))
	b.clickThrough(`button[value="dry-run"]`)
	b.do("the dry run", chromedp.WaitVisible(chromedp.ID("dry-run")))
	b.has("Dry run: nothing was changed", "4 rows: 1 matched, 1 new people, 1 uncertain, 0 already on record, 1 not readable")
	for _, c := range []struct{ outcome, name string }{
		{"matched", "Person 1 of Clovis"}, {"created", "Rosa Medina"}, {"uncertain", "Person 1 of Madera"}, {"invalid", ""},
	} {
		got := b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("tr.outcome-%s")).map(r => r.textContent).join("|")`, c.outcome))
		if got == "" || !strings.Contains(got, c.name) {
			t.Errorf("the %s row: %q, want %q", c.outcome, got, c.name)
		}
	}
	if got := b.eval(`document.querySelector("tr.outcome-invalid").textContent`); !strings.Contains(strings.ToLower(got), "date") {
		t.Errorf("the unreadable row does not say what is wrong: %q", got)
	}
	b.checkStrict("staff-import-dry-run")
	after, err := b.svc.RecentImports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the dry run stored an import: %d before, %d after", len(before), len(after))
	}
	rec, err := b.svc.OrganizationHistory(ctx, convening.Organization{Name: "Kings Canyon Unified School District", Type: convening.OrgDistrict, County: "Fresno"})
	if err == nil && (len(rec.Years) > 0 || len(rec.People) > 0) {
		t.Errorf("the dry run stored history: %+v", rec)
	} else if err != nil && convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatal(err)
	}

	t.Logf("people browser test: %d pages checked with axe-core, no violation of any impact (%s; %d rule passes), %d screenshots in %s; "+
		"system start %v, browser flows %v",
		len(b.checked), strings.Join(b.checked, ", "), b.passes, b.shotCount, b.shots,
		started.Sub(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}
