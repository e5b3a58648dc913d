package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
)

// staffInBrowserTest is who decides in these tests: the console's pages
// for decisions are another test's; here staff act through the service on
// the same table.
var staffInBrowserTest = convening.StaffActor("browser-staff", "staff@lmi.example.org")

// memberLinks are a statement's members' confirmation links, as their
// emails give them (each member's own token, from the store's ids).
func (b *browserSystem) memberLinks(id string) []string {
	b.t.Helper()
	st, err := b.svc.StaffStatement(context.Background(), id)
	if err != nil {
		b.t.Fatal(err)
	}
	var links []string
	for _, m := range st.Members {
		links = append(links, b.base+"/statements/"+id+"/members/"+m.ID+"?"+url.Values{"token": {b.svc.MemberToken(id, m.ID)}}.Encode())
	}
	return links
}

// team is a team of n members for the statement event, core roles first.
func (b *browserSystem) team(n, size int, org string) convening.Team {
	roles := []convening.Role{convening.RoleSuperintendent, convening.RoleCertificatedUnionPresident,
		convening.RoleClassifiedUnionPresident, convening.RoleBoardMember, convening.RolePrincipal}
	t := convening.Team{Organization: convening.Organization{Name: org, Type: convening.OrgDistrict, County: "San Diego"},
		Contact: convening.Contact{Name: "Contact " + org, Email: fmt.Sprintf("contact@d%d.%s.example.org", n, b.run)}}
	for i := range size {
		t.Members = append(t.Members, convening.Member{Name: fmt.Sprintf("Person %d of %s", i+1, org),
			Email: fmt.Sprintf("m%d@d%d.%s.example.org", i, n, b.run), Role: roles[i%len(roles)]})
	}
	return t
}

// submitted is a statement submitted as the website would, with its page.
func (b *browserSystem) submitted(n int, org string) (convening.Statement, string) {
	b.t.Helper()
	answer := "Our labor and management leaders have met monthly since 2019 and settled two contracts early."
	st, token, _, err := b.svc.SubmitStatement(context.Background(), "symposium-2027", b.team(n, 4, org), answer, answer, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return st, b.base + "/statements/" + st.ID + "?" + url.Values{"token": {token}}.Encode()
}

func (b *browserSystem) decide(id string, d convening.StaffDecision) {
	b.t.Helper()
	if d.Reason == "" {
		d.Reason = "Browser test"
	}
	if _, err := b.svc.Decide(context.Background(), staffInBrowserTest, id, d); err != nil {
		b.t.Fatalf("decide %s on %s: %v", d.Kind, id, err)
	}
}

// sweepAt runs the hold sweep as if it were at, until it has nothing left
// to do: what the promoter's schedule does when deadlines pass.
func (b *browserSystem) sweepAt(at time.Time) {
	b.t.Helper()
	later := b.svc.WithClock(func() time.Time { return at })
	for range 5 {
		n, err := later.SweepHolds(context.Background())
		if err != nil {
			b.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	b.t.Fatal("the sweep does not settle")
}

func (b *browserSystem) visit(what, link, waitFor string) {
	b.t.Helper()
	b.do(what, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func (b *browserSystem) mainHas(what string, want ...string) {
	b.t.Helper()
	got := b.text("main")
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s lacks %q: %s", what, w, got)
		}
	}
}

// TestBrowserStatements: a team submits a statement of interest on the
// website (a first try with errors, the answers counted as typed), each
// member confirms from their link, the statement is complete, staff invite
// the team and it accepts; then every other state of the statement pages
// (withdrawn, shortlisted, declined with staff's message, expired, an
// accept from a page loaded before the deadline), the closed event, and a waiting-list offer accepted
// and one lapsed. Every page, in every state, has no axe-core violation
// of any impact, and is photographed at 360 and 1280 px.
func TestBrowserStatements(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	started := time.Now()

	// An invitation that will lapse while the test runs, its page open in
	// a tab of its own (a team that waits too long, then presses Accept).
	// Invitations last a week: sweeps run as if days had passed.
	late, lateLink := b.submitted(9, "Escondido Union School District")
	b.decide(late.ID, convening.StaffDecision{Kind: convening.DecideInvite, Override: true})
	lateTab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	if err := chromedp.Do(lateTab, chromedp.Navigate(lateLink), chromedp.WaitVisible(chromedp.CSS(".status-invited"))); err != nil {
		t.Fatalf("open the invitation in a tab: %v", err)
	}

	// The home page offers the statement; the event page explains it.
	b.visit("open the site", b.base+"/", "ul.events")
	b.mainHas("home", "Labor-Management Symposium 2027", "Submit a statement of interest", "Statements of interest closed")
	b.checkStrict("home-with-statements")
	b.visit("open the symposium", b.base+"/events/symposium-2027", "form.team-form")
	b.mainHas("statement event", "How teams are chosen", "Every member confirms by email", "Every team must include these members:",
		"School board member", "Submit our statement")
	b.checkStrict("statement-event")

	// A first try: too short, a required role missing, one answer empty.
	b.fillTeam(1, "San Diego Unified School District", 3)
	b.do("remove the board member's row, write too little",
		chromedp.Click(chromedp.CSS(`button[value="remove-3"]`)),
		chromedp.SendKeys(chromedp.ID("experience"), "We meet monthly."),
	)
	if got := b.text("#experience-count"); got != "16 characters: at least 20 needed" {
		t.Errorf("the counter says %q", got)
	}
	b.submit("#error-summary")
	for _, want := range []string{"Your team must include a school board member", "must be at least 20 characters", "Why your team wants to attend is required"} {
		if got := b.text("#error-summary"); !strings.Contains(got, want) {
			t.Errorf("error summary lacks %q: %s", want, got)
		}
	}
	if got := b.eval(`document.getElementById("experience").value`); got != "We meet monthly." {
		t.Errorf("answer lost: %q", got)
	}
	b.checkStrict("statement-form-errors")

	// Fixed: the board member back, the answers written (two lines).
	reasons := "We want interest-based bargaining at our school sites.\nAll four of us will come."
	b.do("add the board member",
		chromedp.Click(chromedp.CSS("button.add")),
		chromedp.SendKeys(chromedp.ID("member-3-name"), "Person 4 of San Diego Unified School District"),
		chromedp.SendKeys(chromedp.ID("member-3-email"), "m3@d1."+b.run+".example.org"),
		chromedp.SetValue(chromedp.ID("member-3-role"), "board_member"),
		chromedp.Clear(chromedp.ID("experience")),
		chromedp.SendKeys(chromedp.ID("experience"), "We meet monthly. Our joint committee settled two contracts early."),
		chromedp.SendKeys(chromedp.ID("reasons"), reasons),
	)
	// 80 characters, the line break one, as the server counts them.
	if got := b.text("#reasons-count"); got != "2,920 characters left" {
		t.Errorf("the counter says %q", got)
	}
	b.submit(".status-submitted")
	b.mainHas("submitted", "Your statement is submitted", "What happens next", "each of the 4 members a personal link")
	b.checkStrict("statement-submitted")

	// The statement's page: nobody has confirmed yet.
	statementLink := b.eval(`document.querySelector(".private-link a").href`)
	u, _ := url.Parse(statementLink)
	id := strings.TrimPrefix(u.Path, "/statements/")
	b.visit("open the statement", statementLink, ".status-submitted")
	b.mainHas("statement", "Waiting for 4 members to confirm", "0 of 4 members have confirmed", "Not confirmed yet")
	b.checkStrict("statement-waiting")

	// Each member opens their link and confirms.
	for i, link := range b.memberLinks(id) {
		b.visit("open a member's link", link, "button.primary")
		if i == 0 {
			b.mainHas("member", "Confirm that you will attend", "What confirming means", "San Diego Unified School District")
			if strings.Contains(b.text("main"), "Accept") || strings.Contains(b.eval(`document.body.innerHTML`), u.Query().Get("token")) {
				t.Error("a member's page shows the contact's powers")
			}
			b.checkStrict("member-confirm")
		}
		b.do("confirm", chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".status-accepted")))
		if i == 0 {
			b.mainHas("member thanked", "Thank you, Person 1", "You confirmed")
			b.checkStrict("member-confirmed")
		}
	}
	b.visit("the statement again", statementLink, ".status-submitted")
	b.mainHas("complete statement", "Submitted and complete", "4 of 4 members have confirmed")
	if !strings.Contains(b.text(".panel"), "complete") {
		t.Errorf("the statement is not complete: %s", b.text(".panel"))
	}
	b.checkStrict("statement-complete")

	// Staff invite the team; it sees the deadline, looks at declining, and
	// accepts.
	b.decide(id, convening.StaffDecision{Kind: convening.DecideInvite,
		Message: "We're glad to invite your team.\nPlease arrive by 8:30 AM for the team breakfast."})
	b.visit("the invitation", statementLink, ".status-invited")
	b.mainHas("invitation", "Invited.", "4 seats are held", "(Pacific time)", "left to accept", "Message from CA LMI staff", "team breakfast")
	b.checkStrict("statement-invited")
	b.do("ask to decline", chromedp.Click(chromedp.CSS("button.danger-outline")), chromedp.WaitVisible(chromedp.CSS("button.danger")))
	b.mainHas("decline step", "Decline the invitation?", "You cannot undo this")
	b.checkStrict("statement-decline-confirm")
	b.do("go back", chromedp.Click(chromedp.CSS("a.button.secondary")), chromedp.WaitVisible(chromedp.CSS(".status-invited")))
	b.do("accept", chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.mainHas("registration after accepting", "Thank you: your team is registered.", "Registered.")
	b.checkStrict("statement-accepted-registration")
	b.sentTo("contact@d1."+b.run, "Registered: ")
	b.visit("the accepted statement", statementLink, ".status-accepted")
	b.mainHas("accepted statement", "Accepted.", "See your team's registration")
	b.checkStrict("statement-accepted")

	// A team withdraws; its members have nothing left to confirm.
	withdrawn, withdrawnLink := b.submitted(2, "Chula Vista Elementary School District")
	b.visit("a second statement", withdrawnLink, ".status-submitted")
	b.do("ask to withdraw", chromedp.Click(chromedp.CSS("button.danger-outline")), chromedp.WaitVisible(chromedp.CSS("button.danger")))
	b.mainHas("withdraw step", "Withdraw your statement?")
	b.checkStrict("statement-withdraw-confirm")
	b.do("withdraw", chromedp.Click(chromedp.CSS("button.danger")), chromedp.WaitVisible(chromedp.CSS(".status-withdrawn")))
	b.mainHas("withdrawn", "Your statement is withdrawn.", "Withdrawn.")
	b.checkStrict("statement-withdrawn")
	b.visit("a member of a withdrawn statement", b.memberLinks(withdrawn.ID)[1], ".notice")
	b.mainHas("member of a withdrawn statement", "nothing to confirm")
	b.checkStrict("member-closed")

	// Shortlisted, then declined by staff with a message.
	shortlisted, shortlistedLink := b.submitted(3, "Poway Unified School District")
	b.decide(shortlisted.ID, convening.StaffDecision{Kind: convening.DecideShortlist})
	b.visit("a shortlisted statement", shortlistedLink, ".status-shortlisted")
	b.checkStrict("statement-shortlisted")
	b.decide(shortlisted.ID, convening.StaffDecision{Kind: convening.DecideDecline,
		Message: "We had many more statements than seats this year. Please apply again next year."})
	b.visit("a declined statement", shortlistedLink, ".status-declined")
	b.mainHas("declined", "Declined.", "apply again next year")
	b.checkStrict("statement-declined")

	// An invitation that lapsed.
	expired, expiredLink := b.submitted(4, "Oceanside Unified School District")
	b.decide(expired.ID, convening.StaffDecision{Kind: convening.DecideInvite, Override: true})
	b.sweepAt(time.Now().Add(8 * 24 * time.Hour))
	b.visit("an expired invitation", expiredLink, ".status-expired")
	b.mainHas("expired", "The invitation expired.", "write to CA LMI staff at once")
	b.checkStrict("statement-expired")

	// An event whose statements are closed.
	b.visit("the closed symposium", b.base+"/events/symposium-closed", ".notice.closed")
	b.mainHas("closed", "Statements of interest for this event are closed.")
	if n := b.eval(`String(document.querySelectorAll("form").length)`); n != "0" {
		t.Errorf("%s forms on a closed event's page", n)
	}
	b.checkStrict("statement-event-closed")

	// Waiting-list offers: two teams wait; a cancellation offers them the
	// seats; one accepts, the other's offer lapses.
	ctx := context.Background()
	var links []string
	var first convening.Registration
	var firstToken string
	for i, size := range []int{4, 2, 2} {
		team := b.team(10+i, size, fmt.Sprintf("Offer District %d", i+1))
		reg, token, _, err := b.svc.Register(ctx, "valley-offers", team, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first, firstToken = reg, token
		}
		links = append(links, b.base+"/manage/"+reg.ID+"?"+url.Values{"token": {token}}.Encode())
	}
	b.visit("a waitlisted team with offers", links[1], ".status-waitlisted")
	b.mainHas("waitlisted with offers", "who then has 2 days to accept")
	b.checkStrict("manage-waitlisted-offers")
	if _, err := b.svc.Cancel(ctx, first.ID, firstToken); err != nil {
		t.Fatal(err)
	}
	b.visit("an offer", links[1], ".status-offered")
	b.mainHas("offer", "Seats offered.", "2 seats are held", "(Pacific time)", "left to accept")
	b.checkStrict("manage-offered")
	b.do("accept the offer", chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.mainHas("offer accepted", "Thank you: your team is registered.")
	b.checkStrict("manage-offer-accepted")
	b.sweepAt(time.Now().Add(49 * time.Hour))
	b.visit("a lapsed offer", links[2], ".status-expired")
	b.mainHas("lapsed offer", "The offer expired.", "register your team again")
	b.checkStrict("manage-offer-expired")

	// Back to the tab left open: the deadline passed (the sweep of eight
	// days on has lapsed it), and Accept says so.
	if st, err := b.svc.StaffStatement(ctx, late.ID); err != nil || st.Status != convening.StatementExpired {
		t.Fatalf("the invitation left open: %s %v", st.Status, err)
	}
	if err := chromedp.Do(lateTab, chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".error-summary"))); err != nil {
		t.Fatalf("accept too late: %v", err)
	}
	lateCtx := b.ctx
	b.ctx = lateTab
	b.mainHas("accept too late", "The invitation expired before you accepted it")
	b.checkStrict("statement-accept-too-late")
	b.ctx = lateCtx

	t.Logf("statement browser test: %d pages checked with axe-core, failing on a violation of any impact (%s; %d rule passes), %d screenshots in %s; "+
		"system start %v, browser flows %v",
		len(b.checked), strings.Join(b.checked, ", "), b.passes, b.shotCount, b.shots,
		started.Sub(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}
