package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

var staffActor = convening.StaffActor("staff-1", "staff@lmi.example.org")

// statementEvent creates an event that admits teams by statement of
// interest and requires the four core roles.
func (s *site) statementEvent(id string, capacity int, change func(*convening.Event)) convening.Event {
	s.t.Helper()
	return s.event(id, capacity, 6, func(e *convening.Event) {
		e.Kind = convening.KindSymposium
		e.Admission = convening.AdmissionStatement
		e.RequiredRoles = slices.Clone(convening.CoreRoles)
		if change != nil {
			change(e)
		}
	})
}

const (
	experience = "Our district and both unions have met monthly since 2019 in a joint committee.\r\nWe settled two contracts early."
	reasons    = "We want to bring interest-based bargaining to our school sites."
)

// statementForm is a valid statement for team n: its members hold the
// core roles first.
func statementForm(n, size int) url.Values {
	f := teamForm(n, size)
	f.Set("experience", experience)
	f.Set("reasons", reasons)
	return f
}

// submitStatement fills the event's statement form and submits it.
func (s *site) submitStatement(eventID string, form url.Values) page {
	s.t.Helper()
	p := s.get("/events/" + eventID)
	for k, v := range p.hidden() {
		form[k] = v
	}
	return s.follow(s.post("/events/"+eventID+"/statements", form))
}

var statementLinkRE = regexp.MustCompile(`href="(/statements/[^"?/]+\?token=[^"]+)"`)

// statementLink is the statement page's link on a page, split into the
// statement's id and token.
func (p page) statementLink(t *testing.T) (link, id, token string) {
	t.Helper()
	m := statementLinkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no statement link on the page:\n%s", p.body)
	}
	link = html.UnescapeString(m[1])
	u, _ := url.Parse(link)
	return link, strings.TrimPrefix(u.Path, "/statements/"), u.Query().Get("token")
}

// form returns the hidden fields of the page's form that posts to action.
func (p page) form(t *testing.T, action string) url.Values {
	t.Helper()
	i := strings.Index(p.body, `<form method="post" action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s on the page (%d):\n%s", action, p.status, p.body)
	}
	end := strings.Index(p.body[i:], "</form>")
	return page{body: p.body[i : i+end]}.hidden()
}

func (p page) lacks(t *testing.T, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(p.body, u) {
			t.Errorf("page (%d) has %q:\n%s", p.status, u, p.body)
		}
	}
}

// memberLinks are the members' confirmation links of a statement, as the
// emails give them.
func (s *site) memberLinks(id string) []string {
	s.t.Helper()
	st, err := s.svc.StaffStatement(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	var links []string
	for _, m := range st.Members {
		links = append(links, "/statements/"+id+"/members/"+m.ID+"?"+url.Values{"token": {s.svc.MemberToken(id, m.ID)}}.Encode())
	}
	return links
}

// confirm opens a member's link and presses the button.
func (s *site) confirm(link string) page {
	s.t.Helper()
	p := s.get(link)
	u, _ := url.Parse(link)
	return s.post(u.Path, p.form(s.t, u.Path))
}

func (s *site) invite(id string, respondBy time.Time, message string) {
	s.t.Helper()
	if _, err := s.svc.Decide(context.Background(), staffActor, id, convening.StaffDecision{Kind: convening.DecideInvite,
		Reason: "Strong statement", Message: message, RespondBy: respondBy, Override: true}); err != nil {
		s.t.Fatal(err)
	}
}

// freeze stops the site's clock at now, to the minute, and returns it.
func (s *site) freeze() time.Time {
	now := time.Now().UTC().Truncate(time.Minute)
	s.svc.Clock = func() time.Time { return now }
	return now
}

// sweep runs the hold sweep until it has nothing left to do (a late sweep
// sends a reminder owed before it lapses a hold).
func (s *site) sweep() {
	s.t.Helper()
	for range 5 {
		n, err := s.svc.SweepHolds(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	s.t.Fatal("the sweep does not settle")
}

func (s *site) statementStatus(id string) convening.StatementStatus {
	s.t.Helper()
	st, err := s.svc.StaffStatement(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return st.Status
}

func TestStatementEventPage(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	p := s.get("/events/sym")
	if p.status != 200 {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, "How teams are chosen", "Statements of interest open", "Statements due", "(Pacific time)",
		"Every member confirms by email", "the superintendent, certificated union president, classified union president and school board member must all confirm",
		"usually 7 days after it is sent", "Every team must include these members:", "<li>School board member</li>",
		`action="/events/sym/statements#register"`, `<textarea id="experience" name="experience"`, `<textarea id="reasons" name="reasons"`,
		`data-min="20" data-max="3000"`, "Between 20 and 3,000 characters.", `aria-describedby="experience-hint experience-count"`,
		`<option value="board_member" selected>`, `<label for="member-3-name">`, "Submit our statement", `src="/static/form.js"`)
	p.lacks(t, "Register our team", "Seats left")
	if n := strings.Count(p.body, `name="member_name"`); n != 4 {
		t.Errorf("%d member rows, want one per required role", n)
	}
	home := s.get("/")
	home.has(t, "Submit a statement of interest", "Statements of interest open", "Statements due")
}

func TestStatementSubmittedAndConfirmed(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	done := s.submitStatement("sym", statementForm(1, 5))
	if done.status != 200 {
		t.Fatalf("submit: %d\n%s", done.status, done.body)
	}
	done.has(t, "Your statement is submitted", "What happens next", "Every member confirms.", "each of the 5 members a personal link",
		"https://"+host+"/statements/")
	if done.headers["X-Robots-Tag"] != "noindex, nofollow" {
		t.Errorf("the submitted page may be indexed: %v", done.headers)
	}
	link, id, token := done.statementLink(t)

	p := s.get(link)
	p.has(t, "<strong>Submitted.</strong> Waiting for 4 members to confirm.", "0 of 5 members have confirmed.",
		"Not confirmed yet", "(Superintendent, required)", "(Human resources administrator)", "m0@d1.example.org", "Withdraw our statement")
	p.has(t, "Our district and both unions have met monthly since 2019 in a joint committee.\nWe settled two contracts early.")
	p.lacks(t, "Accept the invitation", "\r")
	if p.headers["X-Robots-Tag"] != "noindex, nofollow" {
		t.Errorf("the statement page may be indexed")
	}

	members := s.memberLinks(id)
	m := s.get(members[0])
	m.has(t, "Confirm that you will attend", "María López submitted a statement of interest for the labor-management team of District 1",
		"(Superintendent)", "What confirming means", "Convening sym", "I confirm I will attend", "Not confirmed yet")
	// A member sees nothing of the contact's powers: no statement token,
	// no link to the statement page, no accept or decline, no answers.
	m.lacks(t, token, `href="/statements/`+id+`?`, "/accept", "/decline", "Withdraw", "Accept", experience[:20], "m1@d1.example.org")

	u, _ := url.Parse(members[0])
	first := s.post(u.Path, m.form(t, u.Path))
	if first.status != 303 || first.headers["Location"] != members[0] {
		t.Fatalf("confirm: %d %q, want 303 to %q", first.status, first.headers["Location"], members[0])
	}
	thanks := s.get(first.headers["Location"])
	thanks.has(t, "Thank you, Member 1", "<strong>You confirmed</strong>")
	thanks.lacks(t, "I confirm I will attend")
	before, _ := s.svc.StaffStatement(context.Background(), id)

	// Twice: the same thanks, and the first confirmation stands.
	again := s.post(u.Path, m.form(t, u.Path))
	if again.status != 303 {
		t.Fatalf("confirming twice: %d", again.status)
	}
	after, _ := s.svc.StaffStatement(context.Background(), id)
	if !after.Members[0].ConfirmedAt.Equal(*before.Members[0].ConfirmedAt) {
		t.Errorf("confirming twice moved the time: %v to %v", before.Members[0].ConfirmedAt, after.Members[0].ConfirmedAt)
	}
	s.get(link).has(t, "Waiting for 3 members to confirm.", "1 of 5 members have confirmed.", "Confirmed ")

	// Every required member confirms (the principal need not).
	for _, l := range members[1:4] {
		if p := s.browser().confirm(l); p.status != 303 {
			t.Fatalf("confirm %s: %d", l, p.status)
		}
	}
	s.get(link).has(t, "<strong>Submitted and complete.</strong> Every required member has confirmed.", "4 of 5 members have confirmed.")
}

func TestStatementFormErrors(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	f := statementForm(1, 3) // no board member
	f.Set("experience", "Too short.")
	f.Set("reasons", "   ")
	f["member_email"][1] = "not-an-email"
	p := s.submitStatement("sym", f)
	if p.status != 400 {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, `<title>Error: Convening sym`, `id="error-summary"`, "Please correct these 4 things",
		`<a href="#members">Your team must include a school board member: please add one</a>`,
		`<a href="#member-1-email">Member 2 email must be an email address like name@district.org</a>`,
		`<a href="#experience">Your experience of labor-management collaboration must be at least 20 characters</a>`,
		`<a href="#reasons">Why your team wants to attend is required</a>`,
		`id="experience-error"`, `aria-describedby="experience-hint experience-count experience-error" aria-invalid="true">Too short.</textarea>`,
		`value="not-an-email"`, "Submit our statement")
	// The summary follows the page: members, then the answers.
	if strings.Index(p.body, `href="#members"`) > strings.Index(p.body, `href="#experience"`) {
		t.Error("the summary is not in page order")
	}

	two := statementForm(4, 2)
	s.submitStatement("sym", two).has(t, `<a href="#members">Your team must include a classified union president and a school board member: please add a member in each of these roles</a>`)

	long := statementForm(2, 4)
	long.Set("reasons", strings.Repeat("é", convening.MaxAnswerLen+1))
	p = s.submitStatement("sym", long)
	p.has(t, `<a href="#reasons">Why your team wants to attend must be at most 3,000 characters</a>`)

	// Exactly the bounds, with line breaks as browsers send them: taken.
	edge := statementForm(3, 4)
	edge.Set("experience", strings.Repeat("a\r\n", 10)) // 20 characters once CR LF is LF (trailing one trimmed: 19)
	p = s.submitStatement("sym", edge)
	p.has(t, "must be at least 20 characters")
	edge.Set("experience", "12345678901234567890")
	edge.Set("reasons", strings.Repeat("ü", convening.MaxAnswerLen))
	if p := s.submitStatement("sym", edge); p.status != 200 {
		t.Fatalf("answers at the bounds: %d\n%s", p.status, p.body)
	}
}

func TestStatementRowsWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	f := statementForm(1, 4)
	for k, v := range s.get("/events/sym").hidden() {
		f[k] = v
	}
	f.Set("op", "add")
	p := s.post("/events/sym/statements", f)
	if p.status != 200 || strings.Count(p.body, `name="member_name"`) != 5 {
		t.Fatalf("add: %d, %d rows", p.status, strings.Count(p.body, `name="member_name"`))
	}
	p.has(t, `action="/events/sym/statements#register"`, "We settled two contracts early.</textarea>")
	if s.statementCount("sym") != 0 {
		t.Fatal("adding a row submitted the statement")
	}
}

func (s *site) statementCount(eventID string) int {
	s.t.Helper()
	all, _, err := s.store.Statements(context.Background(), eventID, "", "", 100)
	if err != nil {
		s.t.Fatal(err)
	}
	return len(all)
}

func TestStatementsOutsideTheirWindow(t *testing.T) {
	s := newSite(t)
	now := s.svc.Now()
	s.statementEvent("closed", 40, func(e *convening.Event) {
		closed := now.Add(-time.Hour)
		e.RegistrationOpensAt, e.StatementsCloseAt = now.Add(-72*time.Hour), &closed
	})
	s.statementEvent("later", 40, func(e *convening.Event) { e.RegistrationOpensAt = now.Add(72 * time.Hour) })
	tests := []struct {
		event, page, post string
	}{
		{"closed", "Statements of interest for this event are closed.", "Statements of interest for this event are closed. Your statement is not submitted."},
		{"later", "Please come back then", "Statements of interest for this event open "},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			p := s.get("/events/" + tt.event)
			p.has(t, tt.page, "How teams are chosen")
			p.lacks(t, "<form", "<textarea")
			p = s.post("/events/"+tt.event+"/statements", statementForm(1, 4))
			if p.status != 409 {
				t.Fatalf("post: %d", p.status)
			}
			p.has(t, tt.post)
		})
	}
	if s.statementCount("closed")+s.statementCount("later") != 0 {
		t.Fatal("a statement was taken outside the window")
	}
}

// TestWrongFormForTheEvent: a registration posted to an event that takes
// statements (a page loaded before, or a crafted post) gets the statement
// form back with the team kept, and the reverse; outside the event's
// window, the reason there is no form; never a server error.
func TestWrongFormForTheEvent(t *testing.T) {
	s := newSite(t)
	now := s.svc.Now()
	closed := func(e *convening.Event) {
		shut := now.Add(-time.Hour)
		e.RegistrationOpensAt, e.RegistrationClosesAt, e.StatementsCloseAt = now.Add(-72*time.Hour), shut, nil
		if e.Admission == convening.AdmissionStatement {
			e.StatementsCloseAt = &shut
		}
	}
	s.statementEvent("sym", 40, nil)
	s.statementEvent("sym-closed", 40, closed)
	s.event("open", 40, 6, nil)
	s.event("open-closed", 40, 6, closed)
	tests := []struct {
		name, target string
		form         url.Values
		want         []string
		unwanted     []string
	}{
		{"RegistrationToStatementEvent", "sym", teamForm(1, 4), []string{"This event admits teams by statement of interest, not by registration.",
			`value="District 1"`, `action="/events/sym/statements#register"`, `<textarea id="experience"`, "Your statement is not submitted yet"}, nil},
		{"RegistrationToClosedStatementEvent", "sym-closed", teamForm(1, 4),
			[]string{"Statements of interest for this event are closed. Your statement is not submitted."}, []string{"<form"}},
		{"StatementToOpenEvent", "open/statements", statementForm(2, 4), []string{"This event takes registrations directly, not statements of interest.",
			`value="District 2"`, `action="/events/open#register"`, "Register our team"}, []string{"<textarea"}},
		{"StatementToClosedOpenEvent", "open-closed/statements", statementForm(2, 4),
			[]string{"Registration for this event is not open right now. Your team is not registered."}, []string{"<form"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.post("/events/"+tt.target, tt.form)
			if p.status != 409 {
				t.Fatalf("status %d", p.status)
			}
			p.has(t, tt.want...)
			p.lacks(t, tt.unwanted...)
		})
	}
	for _, id := range []string{"sym", "sym-closed", "open", "open-closed"} {
		if ev, _ := s.svc.Event(context.Background(), id); ev.SeatsTaken != 0 || s.statementCount(id) != 0 {
			t.Errorf("%s: %+v, %d statements", id, ev.Counts, s.statementCount(id))
		}
	}
}

func TestOneStatementPerOrganization(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	if p := s.submitStatement("sym", statementForm(1, 4)); p.status != 200 {
		t.Fatalf("first: %d", p.status)
	}
	p := s.browser().submitStatement("sym", statementForm(1, 4))
	if p.status != 409 {
		t.Fatalf("second: %d", p.status)
	}
	// The refusal says who holds the place and whom to ask (duplicates.go).
	p.has(t, "District 1</strong> already has a statement of interest for this event (submitted), made by its contact,", `href="/links"`)

	// The same form sent twice is one statement.
	f := statementForm(2, 4)
	for k, v := range s.get("/events/sym").hidden() {
		f[k] = v
	}
	// Each is answered with a redirect to the one statement's page.
	a, b := s.post("/events/sym/statements", f), s.post("/events/sym/statements", f)
	if a.status != 303 || b.status != 303 || a.headers["Location"] != b.headers["Location"] {
		t.Fatalf("double submit: %d %d", a.status, b.status)
	}
	a, b = s.follow(a), s.follow(b)
	la, _, _ := a.statementLink(t)
	lb, _, _ := b.statementLink(t)
	if la != lb || s.statementCount("sym") != 2 {
		t.Errorf("a double submit made two statements: %s and %s", la, lb)
	}
}

func TestInvitationAccepted(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	link, id, token := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	respondBy := time.Date(2031, 3, 14, 7, 0, 0, 0, time.UTC) // midnight Pacific (PDT)
	s.invite(id, respondBy, "We'd love to have your team.\nPlease bring your site leads.")
	p := s.get(link)
	p.has(t, "<strong>Invited.</strong> 4 seats are held for District 1 until Friday, March 14, 2031, at 12:00 AM (Pacific time).",
		" left</strong> to accept.", "Message from CA LMI staff", "We&#39;d love to have your team.\nPlease bring your site leads.",
		"Accept the invitation", "Decline the invitation")
	p.lacks(t, "Withdraw our statement")

	// A forged accept is refused.
	forged := s.browser().post("/statements/"+id+"/accept", url.Values{"token": {token}})
	if forged.status != 403 || s.statementStatus(id) != convening.StatementInvited {
		t.Fatalf("forged accept: %d, %s", forged.status, s.statementStatus(id))
	}
	form := p.form(t, "/statements/"+id+"/accept")
	bad := s.post("/statements/"+id+"/accept", url.Values{"token": {token}, "csrf": {"forged"}})
	if bad.status != 403 || !strings.Contains(bad.body, "For your security, please press “Accept the invitation” again.") {
		t.Fatalf("bad CSRF: %d", bad.status)
	}

	done := s.post("/statements/"+id+"/accept", form)
	loc := done.headers["Location"]
	if done.status != 303 || !strings.HasPrefix(loc, "/manage/") || !strings.Contains(loc, "done=accepted") {
		t.Fatalf("accept: %d %q", done.status, loc)
	}
	m := s.get(loc)
	m.has(t, "Thank you: your team is registered.", "<strong>Registered.</strong>", "Add to calendar")
	st := s.get(link)
	st.has(t, "<strong>Accepted.</strong> District 1 is registered for Convening sym.", "See your team's registration")
	regLink := st.manageLink(t)
	if !strings.HasPrefix(loc, strings.SplitN(regLink, "?", 2)[0]) {
		t.Errorf("the statement page links to %q, the accept went to %q", regLink, loc)
	}
	if p := s.get(regLink); p.status != 200 {
		t.Errorf("registration link: %d", p.status)
	}
	// Accepting again (a stale page) goes to the same registration.
	again := s.post("/statements/"+id+"/accept", form)
	if again.status != 303 || again.headers["Location"] != loc {
		t.Errorf("accepting twice: %d %q, want %q", again.status, again.headers["Location"], loc)
	}
}

func TestInvitationExpired(t *testing.T) {
	s := newSite(t)
	s.freeze()
	s.statementEvent("sym", 40, nil)
	link, id, _ := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	now := s.svc.Now()
	s.invite(id, now.Add(2*time.Hour), "")
	p := s.get(link)
	p.has(t, "2 hours left</strong> to accept.")
	accept := p.form(t, "/statements/"+id+"/accept")

	later := now.Add(3 * time.Hour)
	s.svc.Clock = func() time.Time { return later }
	// Past the deadline, before the sweep: already over on the page.
	p = s.get(link)
	p.has(t, "<strong>The invitation expired.</strong>", "write to CA LMI staff at once", `class="panel status-expired"`)
	p.lacks(t, "Accept the invitation", "Withdraw our statement")
	// A page loaded in time, sent too late.
	late := s.post("/statements/"+id+"/accept", accept)
	if late.status != 409 {
		t.Fatalf("late accept: %d", late.status)
	}
	late.has(t, "The invitation expired before you accepted it, and its seats were released.", "they can invite your team again if seats remain")
	s.sweep()
	if st := s.statementStatus(id); st != convening.StatementExpired {
		t.Fatalf("after the sweep: %s", st)
	}
	s.get(link).has(t, "<strong>The invitation expired.</strong>")
	if p := s.post("/statements/"+id+"/accept", accept); p.status != 409 || !strings.Contains(p.body, "The invitation expired before you accepted it") {
		t.Errorf("accept after the sweep: %d", p.status)
	}
}

func TestDeclineAndWithdraw(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	tests := []struct {
		name                     string
		invite                   bool
		button, heading, confirm string
		done                     string
		status                   convening.StatementStatus
	}{
		{"DeclineInvitation", true, "Decline the invitation", "Decline the invitation?", "Yes, decline the invitation",
			"You declined the invitation. Its seats are released", convening.StatementDeclined},
		{"WithdrawStatement", false, "Withdraw our statement", "Withdraw your statement?", "Yes, withdraw our statement",
			"Your statement is withdrawn.", convening.StatementWithdrawn},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, id, _ := s.submitStatement("sym", statementForm(i+1, 4)).statementLink(t)
			if tt.invite {
				s.invite(id, time.Time{}, "")
			}
			p := s.get(link)
			p.has(t, tt.button)
			ask := s.post("/statements/"+id+"/decline", p.form(t, "/statements/"+id+"/decline"))
			if ask.status != 200 {
				t.Fatalf("ask: %d", ask.status)
			}
			ask.has(t, "<h1>"+tt.heading+"</h1>", tt.confirm, "No, go back", `name="confirm" value="yes"`)
			if st := s.statementStatus(id); !st.Active() {
				t.Fatalf("declined without confirmation: %s", st)
			}
			form := ask.form(t, "/statements/"+id+"/decline")
			done := s.post("/statements/"+id+"/decline", form)
			loc := done.headers["Location"]
			if done.status != 303 || !strings.HasPrefix(loc, "/statements/"+id+"?") {
				t.Fatalf("decline: %d %q", done.status, loc)
			}
			s.get(loc).has(t, tt.done)
			if st := s.statementStatus(id); st != tt.status {
				t.Fatalf("status %s, want %s", st, tt.status)
			}
			if ev, _ := s.svc.Event(context.Background(), "sym"); ev.SeatsHeld != 0 {
				t.Errorf("%d seats still held", ev.SeatsHeld)
			}
			// A second click changes nothing and shows where it stands.
			if p := s.post("/statements/"+id+"/decline", form); p.status != 303 || strings.Contains(p.headers["Location"], "done=") {
				t.Errorf("twice: %d %q", p.status, p.headers["Location"])
			}
			// Its members have nothing left to confirm.
			member := s.memberLinks(id)[0]
			m := s.get(member)
			m.has(t, "so there is nothing to confirm")
			m.lacks(t, "I confirm I will attend")
			u, _ := url.Parse(member)
			late := s.post(u.Path, url.Values{"token": {u.Query().Get("token")}, "csrf": {m.hidden().Get("csrf")}})
			if late.status != 403 && late.status != 409 {
				t.Errorf("confirming a closed statement: %d", late.status)
			}
		})
	}
}

// TestConfirmingAClosedStatement: a member who loaded the page before the
// statement was withdrawn is told, not shown an error page.
func TestConfirmingAClosedStatement(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	_, id, token := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	member := s.memberLinks(id)[1]
	u, _ := url.Parse(member)
	form := s.get(member).form(t, u.Path)
	if _, err := s.svc.DeclineStatement(context.Background(), id, token); err != nil {
		t.Fatal(err)
	}
	p := s.post(u.Path, form)
	if p.status != 409 {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, "This statement no longer takes confirmations.", "This statement was withdrawn")
}

// TestStatementPagesNeedTheirTokens: every statement page and action
// answers a wrong token with the same 404 page as an unknown id.
func TestStatementPagesNeedTheirTokens(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	_, id, token := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	s.invite(id, time.Time{}, "")
	members := s.memberLinks(id)
	mu, _ := url.Parse(members[0])
	memberToken := mu.Query().Get("token")
	otherMember := strings.TrimPrefix(strings.SplitN(members[1], "?", 2)[0], "/statements/"+id+"/members/")
	gets := []string{
		"/statements/" + id,
		"/statements/" + id + "?token=wrong",
		"/statements/" + id + "?token=" + memberToken,
		"/statements/01UNKNOWN?token=" + token,
		mu.Path,
		mu.Path + "?token=" + token,
		"/statements/" + id + "/members/" + otherMember + "?token=" + memberToken,
		"/statements/" + id + "/members/01UNKNOWN?token=" + memberToken,
	}
	for _, target := range gets {
		t.Run("GET "+target, func(t *testing.T) {
			p := s.get(target)
			if p.status != 404 || !strings.Contains(p.body, "We can&#39;t find that page") || strings.Contains(p.body, "District 1") {
				t.Errorf("%d", p.status)
			}
		})
	}
	csrf := s.get("/events/sym").hidden().Get("csrf") // any valid form token: the token check comes first
	posts := []struct{ path, token string }{
		{"/statements/" + id + "/accept", "wrong"},
		{"/statements/" + id + "/accept", memberToken},
		{"/statements/" + id + "/decline", ""},
		{"/statements/" + id + "/decline", memberToken},
		{mu.Path, token},
		{mu.Path, "wrong"},
	}
	for _, tt := range posts {
		t.Run("POST "+tt.path+" "+tt.token, func(t *testing.T) {
			p := s.post(tt.path, url.Values{"token": {tt.token}, "csrf": {csrf}, "confirm": {"yes"}})
			if p.status != 404 || !strings.Contains(p.body, "We can&#39;t find that page") {
				t.Errorf("%d", p.status)
			}
		})
	}
	if st, _ := s.svc.StaffStatement(context.Background(), id); st.Status != convening.StatementInvited || st.Members[0].ConfirmedAt != nil {
		t.Fatalf("a wrong token changed the statement: %s", st.Status)
	}
}

// TestStatementPostsNeedTheSitesForm: every post that changes something
// is refused without the page's anti-forgery token, and changes nothing.
func TestStatementPostsNeedTheSitesForm(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	_, id, token := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	s.invite(id, time.Time{}, "")
	member := s.memberLinks(id)[0]
	mu, _ := url.Parse(member)
	attacker := s.browser()
	tests := []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"Accept", "/statements/" + id + "/accept", url.Values{"token": {token}}, "For your security, please press “Accept the invitation” again."},
		{"Decline", "/statements/" + id + "/decline", url.Values{"token": {token}, "confirm": {"yes"}}, "For your security, please confirm again."},
		{"Confirm", mu.Path, url.Values{"token": {mu.Query().Get("token")}}, "For your security, please press “I confirm” again."},
		{"Submit", "/events/sym/statements", statementForm(2, 4), "For your security, please check your details and press “Submit our statement” again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := attacker.post(tt.path, tt.form)
			if p.status != 403 {
				t.Fatalf("status %d", p.status)
			}
			p.has(t, tt.want)
		})
	}
	st, _ := s.svc.StaffStatement(context.Background(), id)
	if st.Status != convening.StatementInvited || st.Members[0].ConfirmedAt != nil || s.statementCount("sym") != 1 {
		t.Fatalf("a forged post changed something: %s", st.Status)
	}
}

// offerSite is an event with 48-hour waiting-list offers whose two
// waitlisted teams have just been offered the seats a cancellation freed.
func offerSite(t *testing.T) (s *site, b, c string) {
	s = newSite(t)
	s.freeze()
	s.event("cv", 4, 4, func(e *convening.Event) { e.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 48} })
	a := s.register("cv", teamForm(1, 4)).manageLink(t)
	b = s.browser().register("cv", teamForm(2, 2)).manageLink(t)
	c = s.browser().register("cv", teamForm(3, 2)).manageLink(t)
	s.get(b).has(t, "we offer them to your team and email María López, who then has 2 days to accept")
	u, _ := url.Parse(a)
	if _, err := s.svc.Cancel(context.Background(), strings.TrimPrefix(u.Path, "/manage/"), u.Query().Get("token")); err != nil {
		t.Fatal(err)
	}
	return s, b, c
}

func TestWaitingListOfferAccepted(t *testing.T) {
	s, b, _ := offerSite(t)
	p := s.get(b)
	p.has(t, "<strong>Seats offered.</strong> 2 seats are held for District 2 at Convening cv until ", "(Pacific time)",
		"2 days left</strong> to accept.", "Accept the offer", "Cancel our registration", `class="panel status-offered"`)
	p.lacks(t, "Add to calendar")
	u, _ := url.Parse(b)
	accept := u.Path + "/accept"
	if f := s.browser().post(accept, url.Values{"token": {u.Query().Get("token")}}); f.status != 403 {
		t.Fatalf("forged accept: %d", f.status)
	}
	if f := s.post(accept, url.Values{"token": {"wrong"}, "csrf": {p.form(t, accept).Get("csrf")}}); f.status != 404 {
		t.Fatalf("wrong token: %d", f.status)
	}
	done := s.post(accept, p.form(t, accept))
	loc := done.headers["Location"]
	if done.status != 303 || !strings.HasPrefix(loc, u.Path+"?") || !strings.Contains(loc, "done=accepted") {
		t.Fatalf("accept: %d %q", done.status, loc)
	}
	s.get(loc).has(t, "Thank you: your team is registered.", "<strong>Registered.</strong>", "Add to calendar")
	if again := s.post(accept, p.form(t, accept)); again.status != 303 {
		t.Errorf("accepting twice: %d", again.status)
	}
}

func TestWaitingListOfferLapsed(t *testing.T) {
	s, _, c := offerSite(t)
	p := s.get(c)
	u, _ := url.Parse(c)
	accept := u.Path + "/accept"
	form := p.form(t, accept)
	later := s.svc.Now().Add(49 * time.Hour)
	s.svc.Clock = func() time.Time { return later }
	// Past the deadline, before the sweep.
	p = s.get(c)
	p.has(t, "<strong>The offer expired.</strong>", "register your team again on <a href=\"/events/cv#register\">the event's page</a>")
	p.lacks(t, "Accept the offer", "Cancel our registration")
	late := s.post(accept, form)
	if late.status != 409 {
		t.Fatalf("late accept: %d", late.status)
	}
	late.has(t, "The offer expired before you accepted it")
	s.sweep()
	p = s.get(c)
	p.has(t, "<strong>The offer expired.</strong>", `class="panel status-expired"`)
	// Rejoining is registering again.
	if again := s.browser().register("cv", teamForm(3, 2)); again.status != 200 {
		t.Fatalf("registering again: %d\n%s", again.status, again.body)
	}
}

func TestDuration(t *testing.T) {
	s := newSite(t)
	s.freeze()
	s.statementEvent("sym", 40, nil)
	link, id, _ := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	now := s.svc.Now()
	s.invite(id, now.Add(50*time.Hour+30*time.Minute), "")
	tests := []struct {
		after time.Duration
		want  string
	}{
		{0, "2 days and 2 hours left"},
		{26*time.Hour + 30*time.Minute, "1 day left"},
		{49 * time.Hour, "1 hour and 30 minutes left"},
		{50*time.Hour + 29*time.Minute, "1 minute left"},
		{50*time.Hour + 29*time.Minute + 30*time.Second, "less than a minute left"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.after), func(t *testing.T) {
			at := now.Add(tt.after)
			s.svc.Clock = func() time.Time { return at }
			s.get(link).has(t, "<strong>"+tt.want+"</strong>")
		})
	}
}

// TestStatementPagesLeakNothing: the statement's pages, the members' and
// the offer's keep to the site's security rules, send no token to the log,
// and a member's page holds neither the statement's token nor another
// member's.
func TestStatementPagesLeakNothing(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 40, nil)
	bad := statementForm(1, 4)
	bad.Set("reasons", "short")
	pages := []page{s.get("/events/sym"), s.submitStatement("sym", bad)}
	sent := s.submitStatement("sym", statementForm(1, 4))
	link, id, token := sent.statementLink(t)
	members := s.memberLinks(id)
	tokens := []string{token}
	for _, l := range members {
		u, _ := url.Parse(l)
		tokens = append(tokens, u.Query().Get("token"))
	}
	m := s.get(members[0])
	for _, other := range tokens[2:] {
		if strings.Contains(m.body, other) {
			t.Error("a member's page holds another member's token")
		}
	}
	if strings.Contains(m.body, token) {
		t.Error("a member's page holds the statement's token")
	}
	if m.headers["X-Robots-Tag"] != "noindex, nofollow" {
		t.Errorf("a member's page may be indexed")
	}
	confirmed := s.confirm(members[0])
	pages = append(pages, sent, s.get(link), m, confirmed, s.get(confirmed.headers["Location"]))
	s.invite(id, time.Time{}, "See you there.")
	invited := s.get(link)
	ask := s.post("/statements/"+id+"/decline", invited.form(t, "/statements/"+id+"/decline"))
	accepted := s.post("/statements/"+id+"/accept", invited.form(t, "/statements/"+id+"/accept"))
	pages = append(pages, invited, ask, accepted, s.get(accepted.headers["Location"]), s.get(link))
	u, _ := url.Parse(accepted.headers["Location"])
	tokens = append(tokens, u.Query().Get("token"))
	checkNoLeaks(t, s, pages, tokens...)
	for _, route := range []string{"POST /statements/{statementId}/accept", "POST /statements/{statementId}/members/{memberId}", "POST /events/{eventId}/statements"} {
		if !strings.Contains(s.logs.String(), `"route":"`+route+`"`) {
			t.Errorf("%s is not logged", route)
		}
	}
}
