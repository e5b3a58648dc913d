package console_test

import (
	"context"
	"encoding/csv"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// statementScene is a statement event of 10 seats with three statements:
// team 1 (4 members, all confirmed), team 2 (5, not confirmed), team 3
// (4, all confirmed).
type statementScene struct {
	f                    *fixture
	staff, reviewer      *client
	first, second, third convening.Statement
}

func newStatementScene(t *testing.T) statementScene {
	f := newFixture(t)
	f.statementEvent("sym", 10)
	s := statementScene{f: f, staff: f.as(deploy.RoleStaff), reviewer: f.as(deploy.RoleReviewer)}
	s.first, s.second, s.third = f.submit("sym", 1, 4, true), f.submit("sym", 2, 5, false), f.submit("sym", 3, 4, true)
	return s
}

// review saves a review as the named staff member, directly.
func (s statementScene) review(who convening.Actor, st convening.Statement, score int, comment string) {
	s.f.t.Helper()
	sc := map[string]int{}
	for _, c := range convening.DefaultCriteria {
		sc[c.ID] = score
	}
	if _, err := s.f.svc.Review(context.Background(), who, st.ID, sc, comment); err != nil {
		s.f.t.Fatal(err)
	}
}

var (
	ann = convening.StaffActor("sub-ann", "ann@lmi.example.org")
	bob = convening.StaffActor("sub-bob", "bob@lmi.example.org")
)

// TestStatementsList shows an event's statements with their counts, the
// reviews as far as the reader may see them, and the filters.
func TestStatementsList(t *testing.T) {
	s := newStatementScene(t)
	s.review(ann, s.first, 4, "Strong")
	s.review(bob, s.first, 1, "Weak")
	s.review(ann, s.third, 3, "")
	if _, err := s.f.svc.Review(context.Background(), convening.StaffActor("sub-reviewer", "reviewer@lmi.example.org"), s.third.ID,
		map[string]int{"collaboration-history": 2, "readiness": 2, "need": 2, "commitment": 2}, "Fine"); err != nil {
		t.Fatal(err)
	}

	r := s.reviewer.get("/staff/events/sym/statements")
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "All (3)", "Submitted (3)", "Invited (0)", "District 1 Unified", "Complete 4 of 4 confirmed", "Not yet 0 of 5 confirmed",
		"2 reviews scores after yours", "2 reviews mean 2.50, spread 1.00 yours included", "Review next")
	if strings.Contains(r.body, "Disagreement") || strings.Contains(r.body, "statements.csv") || strings.Contains(r.body, "/statements/release") {
		t.Error("the reviewer sees a score they may not, the download or the release")
	}
	r = s.staff.get("/staff/events/sym/statements")
	r.has(t, "2 reviews mean 2.50, spread 3.00 Disagreement", "Download statements.csv", "No decision is staged.")

	tests := []struct {
		query         string
		status        int
		want, notWant []string
	}{
		{"complete=no", 200, []string{"1 statement matches", "District 2 Unified"}, []string{"District 1 Unified"}},
		{"complete=yes&county=" + url.QueryEscape(convening.Counties[3]), 200, []string{"1 statement matches", "District 3 Unified"}, []string{"District 1 Unified"}},
		{"min_score=2.5", 200, []string{"1 statement matches", "District 3 Unified"}, []string{"District 1 Unified"}},
		{"status=invited", 200, []string{"0 statements match", "None."}, []string{"District 1 Unified"}},
		{"min_score=high", 400, []string{"Lowest score must be a number from 0 to 4", "All (3)"}, []string{"District 1 Unified"}},
		{"min_score=9", 400, []string{"Lowest score must be a number from 0 to 4"}, nil},
		{"status=pending&complete=maybe", 400, []string{"Choose members confirmed"}, nil},
		{"status=pending", 400, []string{"Choose status"}, nil},
		{"county=Atlantis", 400, []string{"Choose one of California's 58 counties"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := s.reviewer.get("/staff/events/sym/statements?" + tt.query)
			if r.status != tt.status {
				t.Fatalf("%d, want %d:\n%s", r.status, tt.status, text(r.body))
			}
			r.has(t, tt.want...)
			for _, w := range tt.notWant {
				if strings.Contains(text(r.body), w) {
					t.Errorf("shows %q", w)
				}
			}
		})
	}
	if r := s.reviewer.get("/staff/events/nope/statements"); r.status != 404 {
		t.Errorf("an unknown event: %d", r.status)
	}
}

// TestReviewAndNext reviews as a reviewer, with "save and next" through
// the statements, and shows the others' reviews only after one's own.
func TestReviewAndNext(t *testing.T) {
	s := newStatementScene(t)
	s.review(ann, s.first, 4, "A long shared history")
	s.review(ann, s.second, 2, "")

	// The first to review has the fewest reviews: team 3.
	r := s.reviewer.get("/staff/events/sym/statements/next")
	if r.status != 303 || r.location() != "/staff/statements/"+s.third.ID+"#review" {
		t.Fatalf("next: %d %s", r.status, r.location())
	}
	r = s.reviewer.get("/staff/statements/" + s.first.ID)
	r.has(t, "1 reviewer has reviewed this statement", "Your review", "Collaboration history", "1 (weak)", "4 (strong)")
	if strings.Contains(r.body, "A long shared history") || strings.Contains(text(r.body), "score: 4") {
		t.Error("the reviewer sees another's review before writing theirs")
	}
	if strings.Contains(r.body, `action="/staff/statements/`+s.first.ID+`/decision"`) {
		t.Error("the reviewer is offered the decision")
	}

	t.Run("Errors", func(t *testing.T) {
		form := scores(3)
		form.Del("score_need")
		form.Set("score_readiness", "five")
		r := s.reviewer.post("/staff/statements/"+s.first.ID+"/review", form)
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.has(t, "Need is required", "Readiness must be a whole number from 1 to 4")
		r.hasHTML(t, `href="#score-need-1"`, `href="#score-readiness-1"`, `id="score-commitment-3" name="score_commitment" value="3" checked`)
		form = scores(7)
		r = s.reviewer.post("/staff/statements/"+s.first.ID+"/review", form)
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.has(t, "Collaboration history must be a whole number from 1 to 4")
	})

	// Save and next: team 1, then team 3 (the fewest reviews), then 2.
	form := scores(3)
	form.Set("comment", "Ready, and the board is on board")
	form.Set("then", "next")
	r = s.reviewer.post("/staff/statements/"+s.first.ID+"/review", form)
	if r.status != 303 || r.location() != "/staff/statements/"+s.third.ID+"#review" {
		t.Fatalf("save and next: %d %s:\n%s", r.status, r.location(), text(r.body))
	}
	s.reviewer.follow(r).has(t, "Your review of District 1 Unified is saved. Here is the next statement to review.", "District 3 Unified")
	r = s.reviewer.get("/staff/statements/" + s.first.ID)
	r.has(t, "2 reviews: mean 3.50 of 4, spread 1.00", "A long shared history", "Ready, and the board is on board", "Change your review",
		"reviewer@lmi.example.org (you)")
	r.hasHTML(t, `id="score-need-3" name="score_need" value="3" checked`)

	form.Set("then", "next")
	r = s.reviewer.post("/staff/statements/"+s.third.ID+"/review", form)
	if r.location() != "/staff/statements/"+s.second.ID+"#review" {
		t.Fatalf("then team 2: %s", r.location())
	}
	r = s.reviewer.post("/staff/statements/"+s.second.ID+"/review", form)
	if r.location() != "/staff/events/sym/statements" {
		t.Fatalf("then the list: %s", r.location())
	}
	s.reviewer.follow(r).has(t, "You have reviewed every statement still being decided")
	r = s.reviewer.get("/staff/events/sym/statements/next")
	s.reviewer.follow(r).has(t, "You have reviewed every statement still being decided")

	// Save alone stays on the statement.
	form.Set("then", "stay")
	if r := s.reviewer.post("/staff/statements/"+s.second.ID+"/review", form); r.location() != "/staff/statements/"+s.second.ID {
		t.Errorf("save: %s", r.location())
	}
	records, _, _ := s.f.svc.Audit(context.Background(), convening.AuditQuery{Subject: s.first.ID, Kinds: []convening.AuditKind{convening.AuditReviewed}})
	if len(records) != 2 || records[0].Actor.ID != "sub-reviewer" {
		t.Errorf("audit %+v", records)
	}
	if r := s.reviewer.get("/staff/statements/NOPE"); r.status != 404 {
		t.Errorf("an unknown statement: %d", r.status)
	}
}

// TestStatementPage shows the answers, the team and who has confirmed, the
// organization's history, the emails and the audit trail.
func TestStatementPage(t *testing.T) {
	s := newStatementScene(t)
	f := s.f
	f.event("cv", 20, convening.PolicyStrict)
	reg := f.register("cv", 2, 3) // the same organization, at an open event
	r := s.staff.get("/staff/statements/" + s.second.ID)
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "District 2 Unified", "Submitted", "Not yet complete : 0 of the 4 members the event requires", experience, reasons,
		"Member 2-0 m0@district2.org Superintendent required not yet", "Member 2-4 m4@district2.org Human resources administrator not yet",
		"Test cv Registration: Registered", "Test sym this statement Statement of interest: Submitted",
		"Statement received , to the contact Pending", "Please confirm you will attend , to Member 2-3 Pending",
		"The team Statement submitted", "Not every required member has confirmed : Member 2-0 (Superintendent)")
	r.hasHTML(t, `href="/staff/registrations/`+reg.ID+`"`, `href="/staff/organizations?county=`)
	// The reviewer reads the history but not the team page.
	r = s.reviewer.get("/staff/statements/" + s.second.ID)
	r.has(t, "Test cv Registration: Registered")
	if strings.Contains(r.body, "/staff/registrations/") {
		t.Error("the reviewer is offered a team page")
	}
}

// TestDecisions records staff decisions from the statement's page: done
// with a reason (303, the page says so, the audit log has it), refused
// without one (400, naming the field), refused when the statement or the
// seats do not allow it (409, in words).
func TestDecisions(t *testing.T) {
	soon := time.Now().Add(72 * time.Hour)
	tests := []struct {
		name   string
		st     func(statementScene) convening.Statement
		form   url.Values
		setup  func(t *testing.T, s statementScene)
		status int
		want   []string
		check  func(t *testing.T, s statementScene, st convening.Statement)
	}{
		{name: "Invite", st: func(s statementScene) convening.Statement { return s.first },
			form:   url.Values{"decision": {"invite"}, "reason": {"Panel recommendation"}, "message": {"Welcome!"}, "respond_by": {pacific(soon)}},
			status: 303, want: []string{"District 1 Unified is invited: 4 seats are held until " + dateTime(soon), "Invited"},
			check: func(t *testing.T, s statementScene, st convening.Statement) {
				e, _ := s.f.svc.Event(context.Background(), "sym")
				if st.Status != convening.StatementInvited || e.SeatsHeld != 4 || *st.Message != "Welcome!" {
					t.Errorf("%s, %d held", st.Status, e.SeatsHeld)
				}
			}},
		{name: "NoReason", st: func(s statementScene) convening.Statement { return s.first },
			form: url.Values{"decision": {"invite"}}, status: 400, want: []string{"Reason is required", `href="#decision-reason"`, `id="decision-invite" name="decision" value="invite" checked`}},
		{name: "NoDecision", st: func(s statementScene) convening.Statement { return s.first },
			form: url.Values{"reason": {"x"}}, status: 400, want: []string{"Choose decision", `href="#decision-invite"`}},
		{name: "BadDeadline", st: func(s statementScene) convening.Statement { return s.first },
			form: url.Values{"decision": {"invite"}, "reason": {"x"}, "respond_by": {"friday"}}, status: 400, want: []string{"Answer by must be a date and time"}},
		{name: "PastDeadline", st: func(s statementScene) convening.Statement { return s.first },
			form:   url.Values{"decision": {"invite"}, "reason": {"x"}, "respond_by": {pacific(time.Now().Add(-time.Hour))}},
			status: 400, want: []string{"Answer by must be after a minute from now"}},
		{name: "Incomplete", st: func(s statementScene) convening.Statement { return s.second },
			form: url.Values{"decision": {"invite"}, "reason": {"x"}}, status: 409,
			want: []string{"Not every required member of this team has confirmed. Invite anyway with the override"}},
		{name: "Override", st: func(s statementScene) convening.Statement { return s.second },
			form: url.Values{"decision": {"invite"}, "reason": {"The board member confirmed by phone"}, "override": {"no", "yes"}}, status: 303,
			want: []string{"District 2 Unified is invited: 5 seats are held"},
			check: func(t *testing.T, s statementScene, st convening.Statement) {
				records, _, _ := s.f.svc.Audit(context.Background(), convening.AuditQuery{Subject: st.ID, Kinds: []convening.AuditKind{convening.AuditInvited}})
				if len(records) != 1 || records[0].Before["override"] != "incomplete" {
					t.Errorf("audit %+v", records)
				}
			}},
		{name: "NotEnoughSeats", st: func(s statementScene) convening.Statement { return s.third },
			setup: func(t *testing.T, s statementScene) {
				d := convening.StaffDecision{Kind: convening.DecideInvite, Reason: "x"}
				if _, err := s.f.svc.Decide(context.Background(), staffActor, s.first.ID, d); err != nil {
					t.Fatal(err)
				}
				d.Override = true
				if _, err := s.f.svc.Decide(context.Background(), staffActor, s.second.ID, d); err != nil {
					t.Fatal(err)
				}
			},
			form: url.Values{"decision": {"invite"}, "reason": {"x"}}, status: 409,
			want: []string{"There are not enough seats: this team needs 4 seats and 1 is left (9 held for other invitations or offers)",
				"1 seat is left and this team needs 4"}},
		{name: "Shortlist", st: func(s statementScene) convening.Statement { return s.third },
			form: url.Values{"decision": {"shortlist"}, "reason": {"Strong, but the room is small"}}, status: 303,
			want: []string{"District 3 Unified is shortlisted, and the team is emailed.", "Shortlisted"}},
		{name: "Decline", st: func(s statementScene) convening.Statement { return s.third },
			form: url.Values{"decision": {"decline"}, "reason": {"Outside the program's region"}, "message": {"Please apply next year."}}, status: 303,
			want: []string{"District 3 Unified is declined", "Told the team Please apply next year."}},
		{name: "Staged", st: func(s statementScene) convening.Statement { return s.first },
			form: url.Values{"decision": {"invite"}, "reason": {"Panel"}, "staged": {"no", "yes"}}, status: 303,
			want: []string{"The decision to invite District 1 Unified is staged", "Staged: invite", "A decision is staged: invite , by staff@lmi.example.org"},
			check: func(t *testing.T, s statementScene, st convening.Statement) {
				if st.Status != convening.StatementSubmitted || st.Staged == nil {
					t.Errorf("%s staged %v", st.Status, st.Staged)
				}
			}},
		{name: "Closed", st: func(s statementScene) convening.Statement { return s.third },
			setup: func(t *testing.T, s statementScene) {
				if _, err := s.f.svc.Decide(context.Background(), staffActor, s.third.ID, convening.StaffDecision{Kind: convening.DecideDecline, Reason: "x"}); err != nil {
					t.Fatal(err)
				}
			},
			form: url.Values{"decision": {"shortlist"}, "reason": {"x"}}, status: 409, want: []string{"This statement is no longer open to that decision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStatementScene(t)
			if tt.setup != nil {
				tt.setup(t, s)
			}
			st := tt.st(s)
			path := "/staff/statements/" + st.ID
			if r := s.reviewer.post(path+"/decision", maps.Clone(tt.form)); r.status != 403 {
				t.Errorf("a reviewer decides: %d", r.status)
			}
			r := s.staff.post(path+"/decision", tt.form)
			if r.status != tt.status {
				t.Fatalf("%d, want %d:\n%s", r.status, tt.status, text(r.body))
			}
			if r.status == 303 {
				if r.location() != path {
					t.Errorf("redirect to %s", r.location())
				}
				r = s.staff.follow(r)
			}
			for _, w := range tt.want {
				if strings.Contains(w, `="`) {
					r.hasHTML(t, w)
				} else {
					r.has(t, w)
				}
			}
			if tt.check != nil {
				tt.check(t, s, s.f.statement(st.ID))
			}
		})
	}
}

// TestExtendAndReinstate gives an invited team more time, and invites a
// team whose invitation lapsed again.
func TestExtendAndReinstate(t *testing.T) {
	s := newStatementScene(t)
	ctx := context.Background()
	deadline := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	if _, err := s.f.svc.Decide(ctx, staffActor, s.first.ID, convening.StaffDecision{Kind: convening.DecideInvite, Reason: "x", RespondBy: deadline}); err != nil {
		t.Fatal(err)
	}
	path := "/staff/statements/" + s.first.ID
	s.staff.get(path).has(t, "Extend the deadline", "the team answers by "+dateTime(deadline))
	for _, p := range []string{"/extend", "/reinstate"} {
		if r := s.reviewer.post(path+p, url.Values{"reason": {"x"}}); r.status != 403 {
			t.Errorf("a reviewer %s: %d", p, r.status)
		}
	}
	r := s.staff.post(path+"/extend", url.Values{})
	if r.status != 400 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "New deadline is required", "Reason is required")
	r = s.staff.post(path+"/extend", url.Values{"respond_by": {pacific(deadline.Add(-time.Hour))}, "reason": {"x"}})
	if r.status != 400 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "New deadline must be after the current deadline")
	later := deadline.Add(72 * time.Hour)
	r = s.staff.post(path+"/extend", url.Values{"respond_by": {pacific(later)}, "reason": {"The board meets Thursday"}})
	s.staff.follow(r).has(t, "District 1 Unified now has until "+dateTime(later)+" to answer")
	if r := s.staff.post(path+"/reinstate", url.Values{"reason": {"x"}}); r.status != 409 || !strings.Contains(text(r.body), "Only a lapsed invitation can be reinstated") {
		t.Errorf("reinstate an invited team: %d", r.status)
	}

	// The invitation lapses.
	clock := s.f.svc.Clock
	s.f.svc.Clock = func() time.Time { return later.Add(time.Minute) }
	for { // the reminders first, then the lapse
		n, err := s.f.svc.SweepHolds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	s.f.svc.Clock = clock
	if st := s.f.statement(s.first.ID); st.Status != convening.StatementExpired {
		t.Fatalf("%s", st.Status)
	}
	r = s.staff.get(path)
	r.has(t, "Invitation lapsed", "Reinstate the invitation", "4 seats fit (10 left now)", "The system Invitation lapsed")
	if strings.Contains(r.body, `/extend"`) {
		t.Error("a lapsed invitation offers an extension")
	}
	r = s.staff.post(path+"/extend", url.Values{"respond_by": {pacific(later.Add(time.Hour))}, "reason": {"x"}})
	if r.status != 409 || !strings.Contains(text(r.body), "This team is not invited (any more)") {
		t.Errorf("extend a lapsed invitation: %d", r.status)
	}
	r = s.staff.post(path+"/reinstate", url.Values{"reason": {"The superintendent was ill"}})
	s.staff.follow(r).has(t, "District 1 Unified is invited again: 4 seats are held until")
	if st := s.f.statement(s.first.ID); st.Status != convening.StatementInvited {
		t.Errorf("%s", st.Status)
	}
}

// TestRelease releases staged decisions: what fits goes out, what does
// not stays staged, and the page says why.
func TestRelease(t *testing.T) {
	f := newFixture(t)
	f.statementEvent("sym", 6)
	first, second := f.submit("sym", 1, 4, true), f.submit("sym", 2, 4, true)
	staff := f.as(deploy.RoleStaff)
	for _, st := range []convening.Statement{first, second} {
		r := staff.post("/staff/statements/"+st.ID+"/decision", url.Values{"decision": {"invite"}, "reason": {"Panel"}, "staged": {"no", "yes"}})
		if r.status != 303 {
			t.Fatalf("stage: %d:\n%s", r.status, text(r.body))
		}
	}
	r := staff.get("/staff/events/sym/statements")
	r.has(t, "Staged: invite", "Release 2 staged decisions")
	if r := f.as(deploy.RoleReviewer).post("/staff/events/sym/statements/release", url.Values{"reason": {"x"}}); r.status != 403 {
		t.Errorf("a reviewer releases: %d", r.status)
	}
	r = staff.post("/staff/events/sym/statements/release", url.Values{})
	if r.status != 400 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "Reason is required")
	r.hasHTML(t, `href="#release-reason"`)
	r = staff.post("/staff/events/sym/statements/release", url.Values{"reason": {"The panel met on Monday"}})
	if r.status != 303 || r.location() != "/staff/events/sym/statements" {
		t.Fatalf("%d %s", r.status, r.location())
	}
	staff.follow(r).has(t, "1 staged decision is released, and the team is emailed: District 1 Unified .",
		"Still staged: District 2 Unified : needs 4 seats, more than are left (2 now).", "Release 1 staged decision")
	if st := f.statement(first.ID); st.Status != convening.StatementInvited {
		t.Errorf("team 1 is %s", st.Status)
	}
	if st := f.statement(second.ID); st.Status != convening.StatementSubmitted || st.Staged == nil {
		t.Errorf("team 2 is %s", st.Status)
	}
	// Decline team 2 directly: nothing is staged any more.
	staff.post("/staff/statements/"+second.ID+"/decision", url.Values{"decision": {"decline"}, "reason": {"x"}})
	staff.get("/staff/events/sym/statements").has(t, "No decision is staged.")
	r = staff.post("/staff/events/sym/statements/release", url.Values{"reason": {"Again"}})
	if r.status != 409 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "No decision is staged for this event")
}

// TestStatementsCSV downloads the statements with their scores.
func TestStatementsCSV(t *testing.T) {
	s := newStatementScene(t)
	s.review(ann, s.first, 4, "Strong")
	r := s.staff.get("/staff/events/sym/exports/statements.csv")
	if r.status != 200 || r.header["Content-Disposition"] != `attachment; filename="sym-statements.csv"` {
		t.Fatalf("%d %v", r.status, r.header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) < 4 || rows[0][0] != "Organization" || !strings.Contains(strings.Join(rows[1], "|"), "ann@lmi.example.org") {
		t.Errorf("rows %v %v", rows, err)
	}
	if r := s.reviewer.get("/staff/events/sym/exports/statements.csv"); r.status != 403 {
		t.Errorf("a reviewer downloads everyone's scores: %d", r.status)
	}
}

// TestStatementCounts: the dashboard and the event's page sum up a
// statement event's statements and link to them.
func TestStatementCounts(t *testing.T) {
	s := newStatementScene(t)
	if _, err := s.f.svc.Decide(context.Background(), staffActor, s.first.ID, convening.StaffDecision{Kind: convening.DecideInvite, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{s.staff, s.reviewer} {
		r := c.get("/staff")
		r.has(t, "Taking statements until", "0 taken of 10, 6 left (4 held for invitations)", "Statements 3 received: 2 to decide, 1 invited, 0 accepted")
		r.hasHTML(t, `href="/staff/events/sym/statements"`)
	}
	s.staff.get("/staff/events/sym").has(t, "Admission by statement of interest", "3 received: 2 to decide, 1 invited", "Review and decide",
		"Statements : every statement of interest")
	s.reviewer.get("/staff/events").hasHTML(t, `href="/staff/events/sym/statements"`)
}
