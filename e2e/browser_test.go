package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
	"github.com/calmi/convenings/pkg/storetest"
)

// The browser tests drive Debian's Chromium, headless, through the
// registration website of the whole system running locally (the same
// gateway, functions and stream poller as `make run`). Every page, in every
// state it is shown in, is checked with axe-core for serious or critical
// accessibility violations and photographed at phone and desktop widths
// into test-artifacts/screenshots.

const chromiumHint = "Chromium is needed for the browser tests: run `make deps`, which installs it " +
	"(apt-get install chromium), or set LMI_CHROMIUM to a Chrome or Chromium binary"

// findChromium returns the browser to drive; a missing one fails the test.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LMI_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal(chromiumHint)
	return ""
}

// repoRoot is the folder of go.mod, which holds node_modules.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !strings.HasSuffix(dir, "node_modules") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// browserSystem is the local system served on a free port, with a browser.
type browserSystem struct {
	t         *testing.T
	base      string
	sesURL    string
	login     string                          // the managed-login stand-in's base URL
	users     map[string]localaws.CognitoUser // the staff users, by role
	ctx       context.Context
	axe       string
	shots     string
	run       string
	checked   []string // pages checked with axe
	minor     map[string]int
	passes    int
	shotCount int
	// strict fails on every axe-core violation, whatever its impact (the
	// console's pages), not only serious and critical ones.
	strict bool
	// svc works on the same table, for what staff do in the console and
	// for the links the emails carry.
	svc *storetest.Services
}

func startBrowserSystem(t *testing.T) *browserSystem {
	t.Helper()
	chromium := findChromium(t)
	root := repoRoot(t)
	axe, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run `make deps` (npm ci)", err)
	}
	dynamoURL, sesURL := localaws.Endpoints(t)
	ctx := context.Background()
	client, err := localaws.NewDynamoDBClient(ctx, dynamoURL)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, client, dynamostore.CreateTableInput)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	start := time.Now().AddDate(0, 2, 0).UTC().Truncate(24 * time.Hour).Add(16 * time.Hour) // 8 or 9 AM Pacific
	event := func(id, title string, capacity, maxTeam int) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"id": id, "title": title, "kind": "convening",
			"description": "A regional day for district and county-office labor-management teams.",
			"startsAt":    start.Format(time.RFC3339), "endsAt": start.Add(6 * time.Hour).Format(time.RFC3339),
			"venue": "Fresno County Office of Education, 1111 Van Ness Ave., Fresno", "capacity": capacity, "maxTeamSize": maxTeam})
		return b
	}
	now := time.Now().UTC()
	statementEvent := func(id, title string, change map[string]any) json.RawMessage {
		e := map[string]any{"id": id, "title": title, "kind": "symposium",
			"description": "Two days for labor-management teams chosen by statement of interest.",
			"startsAt":    start.Format(time.RFC3339), "endsAt": start.Add(30 * time.Hour).Format(time.RFC3339),
			"venue": "Handlery Hotel, 950 Hotel Circle North, San Diego", "capacity": 24, "maxTeamSize": 6,
			"admission": "statement", "statementsCloseAt": start.AddDate(0, 0, -30).Format(time.RFC3339),
			"requiredRoles": []string{"superintendent", "certificated_union_president", "classified_union_president", "board_member"}}
		for k, v := range change {
			e[k] = v
		}
		b, _ := json.Marshal(e)
		return b
	}
	offers := map[string]any{}
	_ = json.Unmarshal(event("valley-offers", "Valley Convening (waiting-list offers)", 4, 4), &offers)
	offers["waitlistOffers"] = map[string]int{"respondWithinHours": 48}
	offersEvent, _ := json.Marshal(offers)
	users := map[string]localaws.CognitoUser{}
	var userList []localaws.CognitoUser
	for _, role := range deploy.Roles {
		u := localaws.CognitoUser{Email: role + "@lmi.example.org", Password: "Browser-" + role + "-pass1", Groups: []string{role}}
		users[role] = u
		userList = append(userList, u)
	}
	sys, err := localrun.StartSystem(ctx, localrun.SystemOptions{
		Table: table, DynamoDBEndpoint: dynamoURL, SESEndpoint: sesURL,
		CognitoEndpoint: localaws.CognitoEndpoint(t), PoolName: "browser-" + strings.ReplaceAll(t.Name(), "/", "-"), Users: userList,
		TokenSecret: tokenSecret,
		Sender:      "CA LMI Convenings <convenings@lmi.example.org>", PublicURL: base, LogLevel: "warn",
		PayeeName: storetest.Payee.LegalName, PayeeAddress: strings.Join(storetest.Payee.Address, " | "), PayeeTaxID: storetest.Payee.TaxID,
		PaymentInstructions: storetest.Payee.HowToPay,
		Seed: []json.RawMessage{
			event("central-valley", "Central Valley Universal Convening", 40, 6),
			event("monterey-network", "Monterey County Network Convening", 4, 4),
			statementEvent("symposium-2027", "Labor-Management Symposium 2027", nil),
			statementEvent("symposium-closed", "Statewide Symposium (statements closed)", map[string]any{
				"registrationOpensAt": now.Add(-72 * time.Hour).Format(time.RFC3339),
				"statementsCloseAt":   now.Add(-time.Hour).Format(time.RFC3339)}),
			offersEvent,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Stop)
	srv := &http.Server{Handler: sys.Gateway, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	tctx, cancelTimeout := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start Chromium (%s): %v\n%s", chromium, err, chromiumHint)
	}
	shots := filepath.Join(root, "test-artifacts", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		t.Fatal(err)
	}
	store := dynamostore.Open(localaws.Config(), table, nil, localaws.DynamoDBEndpoint(dynamoURL))
	return &browserSystem{t: t, base: base, sesURL: sesURL, login: sys.LoginURL, users: users, ctx: tctx, axe: string(axe), shots: shots,
		run: fmt.Sprintf("b%d", time.Now().UnixNano()), minor: map[string]int{}, svc: storetest.NewServices(store, tokens, nil)}
}

func (b *browserSystem) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browserSystem) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browserSystem) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// check runs axe-core on the page as it is now and fails on serious or
// critical violations, then takes the screenshots.
func (b *browserSystem) check(name string) { b.t.Helper(); b.checkPage(name, false) }

// checkStrict is check failing on any violation, whatever its impact.
func (b *browserSystem) checkStrict(name string) { b.t.Helper(); b.checkPage(name, true) }

func (b *browserSystem) checkPage(name string, strict bool) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](b.axe+"\n;true")); err != nil {
		b.t.Fatalf("%s: inject axe-core: %v", name, err)
	}
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))}))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: run axe-core: %v", name, err)
	}
	var result struct {
		Passes     int            `json:"passes"`
		Violations []axeViolation `json:"violations"`
	}
	if err := json.Unmarshal([]byte(raw), &result); err != nil {
		b.t.Fatalf("%s: axe result: %v", name, err)
	}
	if result.Passes < 10 {
		b.t.Errorf("%s: axe-core passed only %d rules; did it run?", name, result.Passes)
	}
	b.passes += result.Passes
	for _, v := range result.Violations {
		if strict || b.strict || v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("%s: accessibility (%s) %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		} else {
			b.minor[v.ID]++
			b.t.Logf("%s: accessibility (%s) %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
	b.checked = append(b.checked, name)
	b.screenshot(name)
}

func (b *browserSystem) screenshot(name string) {
	b.t.Helper()
	for _, w := range []int64{360, 1280} {
		b.do("viewport", chromedp.EmulateViewport(w, 800))
		if got := b.eval(`String(document.documentElement.scrollWidth)`); got != fmt.Sprint(w) {
			b.t.Errorf("%s is %s px wide in a %d px window: it scrolls sideways", name, got, w)
		}
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.shotCount++
	}
	b.do("viewport", chromedp.EmulateViewport(1280, 900))
}

// fillTeam fills the open team form: the organization, the contact and
// the members, adding rows with the form's own button.
func (b *browserSystem) fillTeam(n int, org string, members int) {
	b.t.Helper()
	email := func(who string) string { return fmt.Sprintf("%s@d%d.%s.example.org", who, n, b.run) }
	b.do("fill organization",
		chromedp.SendKeys(chromedp.CSS("#org-name"), org),
		chromedp.Click(chromedp.CSS("#org-type")),
		chromedp.SetValue(chromedp.CSS("#county"), "Fresno"),
		chromedp.SendKeys(chromedp.CSS("#contact-name"), "Contact "+org),
		chromedp.SendKeys(chromedp.CSS("#contact-email"), email("contact")),
	)
	roles := []string{"superintendent", "certificated_union_president", "classified_union_president", "board_member", "principal", "other"}
	for i := 0; i < members; i++ {
		// A form starts with a row per required role; add rows past them.
		if i > 0 && b.eval(fmt.Sprintf(`document.getElementById("member-%d-name") ? "yes" : ""`, i)) == "" {
			b.do("add a member row", chromedp.Click(chromedp.CSS("button.add")), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("member-%d-name", i))))
		}
		b.do("fill member",
			chromedp.SendKeys(chromedp.ID(fmt.Sprintf("member-%d-name", i)), fmt.Sprintf("Person %d of %s", i+1, org)),
			chromedp.SendKeys(chromedp.ID(fmt.Sprintf("member-%d-email", i)), email(fmt.Sprintf("m%d", i))),
			chromedp.SetValue(chromedp.ID(fmt.Sprintf("member-%d-role", i)), roles[i%len(roles)]),
		)
	}
}

func (b *browserSystem) submit(waitFor string) {
	b.t.Helper()
	b.do("submit", chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// sentTo waits for an email to addr whose subject starts with prefix.
func (b *browserSystem) sentTo(addr, prefix string) localaws.SentEmail {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		emails, err := localaws.SentEmails(b.ctx, b.sesURL)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, e := range emails {
			if strings.HasPrefix(e.Subject, prefix) && strings.Contains(strings.Join(e.To, ","), addr) {
				return e
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no email to %s with subject %q", addr, prefix)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBrowserRegistration(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	started := time.Now()

	// The list of events.
	b.do("open the site", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.CSS("ul.events")))
	if got := b.text("main"); !strings.Contains(got, "Central Valley Universal Convening") || !strings.Contains(got, "Open for registration") {
		t.Fatalf("home page: %s", got)
	}
	b.check("home")

	// An empty form; a validation error, kept input, fixed.
	b.do("open the event", chromedp.Click(chromedp.CSS(`a[href="/events/central-valley"]`)), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.check("event-form-empty")
	if got := b.eval(`document.documentElement.className`); got != "js" {
		t.Errorf("the form script did not run (html class %q)", got)
	}
	b.fillTeam(1, "Fresno Unified School District", 2)
	b.do("remove and re-add a row in place",
		chromedp.Click(chromedp.CSS(`button[value="remove-1"]`)),
		chromedp.Click(chromedp.CSS("button.add")),
		chromedp.SendKeys(chromedp.ID("member-1-name"), "Person 2 again"),
		chromedp.SendKeys(chromedp.ID("member-1-email"), "not-an-email"),
		chromedp.SetValue(chromedp.ID("member-1-role"), "board_member"),
	)
	b.submit("#error-summary")
	if got := b.text("#error-summary"); !strings.Contains(got, "Member 2 email must be an email address") {
		t.Errorf("error summary: %q", got)
	}
	if got := b.eval(`document.activeElement.id`); got != "error-summary" {
		t.Errorf("focus is on %q, want the error summary", got)
	}
	if got := b.eval(`document.getElementById("member-1-email").getAttribute("aria-describedby")`); got != "member-1-email-error" {
		t.Errorf("aria-describedby %q", got)
	}
	if got := b.eval(`document.getElementById("org-name").value + "|" + document.getElementById("member-1-name").value + "|" + document.getElementById("county").value`); got != "Fresno Unified School District|Person 2 again|Fresno" {
		t.Errorf("input lost: %q", got)
	}
	b.check("event-form-errors")
	b.do("fix the email",
		chromedp.Click(chromedp.CSS(`#error-summary a[href="#member-1-email"]`)),
		chromedp.Clear(chromedp.ID("member-1-email")),
		chromedp.SendKeys(chromedp.ID("member-1-email"), "second@d1."+b.run+".example.org"),
	)
	// Enter in a field submits the registration (the form's default button),
	// not the first "Remove member" button.
	b.do("press Enter", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	if got := b.text("h1"); got != "Your team is registered" {
		t.Errorf("confirmation heading %q", got)
	}
	b.check("confirmation-registered")
	b.sentTo("contact@d1."+b.run, "Registered: ")

	// Fill a small event and land on the waiting list.
	b.do("open the small event", chromedp.Navigate(b.base+"/events/monterey-network"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.fillTeam(2, "Salinas Union High School District", 4)
	b.submit(".status-registered")
	firstLink := b.eval(`document.querySelector(".private-link a").href`)
	b.do("reopen the small event", chromedp.Navigate(b.base+"/events/monterey-network"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	if got := b.text("main"); !strings.Contains(got, "This event is full.") || !strings.Contains(got, "Full — waiting list open") {
		t.Errorf("full event page: %s", got)
	}
	b.check("event-full")
	b.fillTeam(3, "Monterey County Office of Education", 2)
	b.submit(".status-waitlisted")
	if got := b.text(".status-waitlisted"); !strings.Contains(got, "You are number 1 on the waiting list") {
		t.Errorf("waitlisted confirmation: %q", got)
	}
	b.check("confirmation-waitlisted")
	waitLink := b.eval(`document.querySelector(".private-link a").href`)
	b.do("open the waitlisted team's page", chromedp.Navigate(waitLink), chromedp.WaitVisible(chromedp.CSS(".status-waitlisted")))
	b.check("manage-waitlisted")

	// Cancel the first team from its manage page; the waitlisted team is
	// promoted and told by email.
	b.do("open the manage page", chromedp.Navigate(firstLink), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	if got := b.eval(`document.referrer + "|" + document.querySelector('meta[name="referrer"]').content`); got != "|no-referrer" {
		t.Errorf("referrer: %q", got)
	}
	b.check("manage-registered")
	b.do("ask to cancel", chromedp.Click(chromedp.CSS("button.danger-outline")), chromedp.WaitVisible(chromedp.CSS("button.danger")))
	b.check("cancel-confirm")
	b.do("confirm", chromedp.Click(chromedp.CSS("button.danger")), chromedp.WaitVisible(chromedp.CSS(".status-cancelled")))
	b.check("manage-cancelled")
	b.do("the waitlisted team's page", chromedp.Navigate(waitLink), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	if got := b.text(".status-registered"); !strings.Contains(got, "moved up from the waiting list") {
		t.Errorf("promoted team's page: %q", got)
	}
	promoted := b.sentTo("contact@d3."+b.run, "Seats confirmed from the waiting list: ")
	if len(promoted.Attachments) != 1 || promoted.Attachments[0].Filename != "invitation.ics" {
		t.Errorf("promotion email attachments: %+v", promoted.Attachments)
	}
	cancelled := b.sentTo("contact@d2."+b.run, "Cancelled: ")
	if len(cancelled.Attachments) != 1 || cancelled.Attachments[0].Filename != "cancellation.ics" {
		t.Errorf("cancellation email attachments: %+v", cancelled.Attachments)
	}

	// The friendly 404.
	b.do("a wrong link", chromedp.Navigate(b.base+"/events/no-such-event"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := b.text("h1"); got != "We can't find that page" {
		t.Errorf("404 heading %q", got)
	}
	b.check("not-found")

	t.Logf("browser test: %d pages checked with axe-core (%s; %d rule passes), %d screenshots in %s; minor or moderate findings %v; "+
		"system start %v, browser flows %v",
		len(b.checked), strings.Join(b.checked, ", "), b.passes, b.shotCount, b.shots, b.minor,
		started.Sub(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}
