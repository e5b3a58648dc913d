package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

const (
	experience = "Our district and both unions have met monthly since 2019 on class sizes."
	reasons    = "We want to build an interest-based bargaining practice with our new board."
)

// statementEvent creates an event that admits teams by statement, with the
// four core roles required.
func (e *env) statementEvent(t testing.TB, id string, capacity int, auto bool) convening.Event {
	t.Helper()
	ev := Event(id, capacity, convening.PolicyStrict)
	ev.Admission, ev.RequiredRoles, ev.AutoInvite = convening.AdmissionStatement, convening.CoreRoles, auto
	created, err := e.svc.CreateEvent(context.Background(), staff, ev)
	if err != nil {
		t.Fatalf("create statement event: %v", err)
	}
	return created
}

// submit submits team n of size seats and, if confirm, confirms every
// member; it returns the statement and its token.
func (e *env) submit(t testing.TB, eventID string, n, seats int, confirm bool) (convening.Statement, string) {
	t.Helper()
	ctx := context.Background()
	st, tok, _, err := e.svc.SubmitStatement(ctx, eventID, Team(n, seats), experience, reasons, nil)
	if err != nil {
		t.Fatalf("submit team %d: %v", n, err)
	}
	if confirm {
		for _, m := range st.Members {
			if st, err = e.svc.ConfirmMember(ctx, st.ID, m.ID, e.svc.MemberToken(st.ID, m.ID)); err != nil {
				t.Fatalf("confirm %s: %v", m.ID, err)
			}
		}
	}
	return st, tok
}

func decision(kind convening.DecisionKind) convening.StaffDecision {
	return convening.StaffDecision{Kind: kind, Reason: "Panel recommendation", Message: "Thank you for applying."}
}

// testStatementLifecycle: submission with every member's confirmation,
// invitation holding seats, acceptance into a registration, declines and
// withdrawals freeing places, and the errors on the way.
func testStatementLifecycle(t *testing.T, e *env) {
	ctx := context.Background()
	e.statementEvent(t, "sym", 8, false)
	st, tok := e.submit(t, "sym", 1, 4, false)
	if st.Status != convening.StatementSubmitted || st.Complete || len(st.Members) != 4 || st.Members[0].ID == "" {
		t.Fatalf("submitted: %+v", st)
	}
	notices := e.notices(t)
	if countKind(notices, st.ID, convening.NoticeStatementReceived) != 1 || countKind(notices, st.ID, convening.NoticeMemberConfirmation) != 4 {
		t.Fatalf("submission notices: %v", notices[st.ID])
	}
	// One place per organization, across statements and registrations.
	_, _, _, err := e.svc.SubmitStatement(ctx, "sym", Team(1, 4), experience, reasons, nil)
	wantReason(t, "a second statement", err, convening.ReasonOrganizationRegistered)
	_, _, _, err = e.svc.SubmitStatement(ctx, "sym", Team(2, 2), experience, reasons, nil)
	wantReason(t, "a team without the core roles", err, convening.ReasonInvalidFields)
	_, _, _, err = e.svc.Register(ctx, "sym", Team(3, 4), nil)
	wantReason(t, "register on a statement event", err, convening.ReasonStatementRequired)
	_, _, _, err = e.svc.SubmitStatement(ctx, "nope", Team(4, 4), experience, reasons, nil)
	if convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("unknown event: %v", err)
	}

	// Incomplete: inviting needs an override.
	_, err = e.svc.Decide(ctx, staff, st.ID, decision(convening.DecideInvite))
	wantReason(t, "invite an incomplete team", err, convening.ReasonIncomplete)
	for i, m := range st.Members {
		if _, err := e.svc.ConfirmMember(ctx, st.ID, m.ID, "bad"); convening.ErrorCode(err) != convening.ENOTFOUND {
			t.Fatalf("confirm with a wrong token: %v", err)
		}
		for range 2 { // twice is not an error
			if st, err = e.svc.ConfirmMember(ctx, st.ID, m.ID, e.svc.MemberToken(st.ID, m.ID)); err != nil {
				t.Fatalf("confirm member %d: %v", i, err)
			}
		}
	}
	if !st.Complete {
		t.Fatalf("every member confirmed, not complete: %+v", st.Members)
	}
	st, err = e.svc.Decide(ctx, staff, st.ID, decision(convening.DecideInvite))
	if err != nil || st.Status != convening.StatementInvited || st.Invitation == nil || st.Invitation.Seats != 4 {
		t.Fatalf("invite: %+v %v", st, err)
	}
	if ev, _ := CheckEvent(t, e.store, "sym", false); ev.SeatsHeld != 4 || ev.SeatsLeft() != 4 {
		t.Fatalf("after the invitation: %+v", ev.Counts)
	}
	// A second team of 6 does not fit the 4 seats left.
	big, _ := e.submit(t, "sym", 5, 6, true)
	_, err = e.svc.Decide(ctx, staff, big.ID, decision(convening.DecideInvite))
	wantReason(t, "invite past the seats left", err, convening.ReasonNotEnoughSeats)

	// Accept: registered with the held seats; twice, the same registration.
	reg, regTok, acc, err := e.svc.AcceptInvitation(ctx, st.ID, tok)
	if err != nil || reg.Status != convening.StatusRegistered || reg.Seats != 4 || acc.Status != convening.StatementAccepted || *acc.RegistrationID != reg.ID {
		t.Fatalf("accept: %+v %+v %v", reg, acc, err)
	}
	again, _, _, err := e.svc.AcceptInvitation(ctx, st.ID, tok)
	if err != nil || again.ID != reg.ID {
		t.Fatalf("accept twice: %v %v", again.ID, err)
	}
	if r, err := e.svc.Registration(ctx, reg.ID, regTok); err != nil || r.Organization != st.Organization {
		t.Fatalf("the registration with its token: %v", err)
	}
	ev, lists := CheckEvent(t, e.store, "sym", false)
	if ev.SeatsTaken != 4 || ev.SeatsHeld != 0 || len(lists.Registered) != 1 {
		t.Fatalf("after acceptance: %+v", ev.Counts)
	}
	if countKind(e.notices(t), reg.ID, convening.NoticeRegistered) != 1 {
		t.Fatal("no registered email after acceptance")
	}
	_, err = e.svc.DeclineStatement(ctx, st.ID, tok)
	wantReason(t, "decline after accepting", err, convening.ReasonStatementClosed)

	// Shortlist, then decline with a message: the place is free again.
	big, err = e.svc.Decide(ctx, staff, big.ID, decision(convening.DecideShortlist))
	if err != nil || big.Status != convening.StatementShortlisted {
		t.Fatalf("shortlist: %v", err)
	}
	big, err = e.svc.Decide(ctx, staff, big.ID, decision(convening.DecideDecline))
	if err != nil || big.Status != convening.StatementDeclined || big.Message == nil {
		t.Fatalf("decline: %+v %v", big, err)
	}
	if again, _ := e.submit(t, "sym", 5, 4, false); again.Status != convening.StatementSubmitted {
		t.Fatal("the declined organization cannot submit again")
	}
	// A team withdraws its statement.
	w, wTok := e.submit(t, "sym", 6, 4, false)
	if w, err = e.svc.DeclineStatement(ctx, w.ID, wTok); err != nil || w.Status != convening.StatementWithdrawn {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	CheckEvent(t, e.store, "sym", false)
	notices = e.notices(t)
	if countKind(notices, big.ID, convening.NoticeShortlisted) != 1 || countKind(notices, big.ID, convening.NoticeStatementDeclined) != 1 {
		t.Fatalf("decision notices: %v", notices[big.ID])
	}
	if n, _ := e.store.Notice(ctx, firstOfKind(t, e, big.ID, convening.NoticeStatementDeclined)); n.Message != "Thank you for applying." || n.SubjectKind != convening.SubjectStatement {
		t.Fatalf("declined notice: %+v", n)
	}
	if n, _ := e.store.Notice(ctx, firstOfKind(t, e, w.ID, convening.NoticeMemberConfirmation)); n.MemberID == "" || n.To.Email != w.Members[0].Email ||
		n.SubmittedBy == nil || *n.SubmittedBy != w.Contact {
		t.Fatalf("member confirmation addressed to %+v, submitted by %+v", n.To, n.SubmittedBy)
	}
	if n, _ := e.store.Notice(ctx, firstOfKind(t, e, big.ID, convening.NoticeShortlisted)); n.SubmittedBy != nil {
		t.Fatalf("the contact's own notice names a submitter: %+v", n.SubmittedBy)
	}
}

// firstOfKind returns the id of the first notice of kind about subject.
func firstOfKind(t testing.TB, e *env, subject string, kind convening.NoticeKind) string {
	t.Helper()
	ids, err := e.store.DueNotices(context.Background(), time.Now().AddDate(1, 0, 0), 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if n, err := e.store.Notice(context.Background(), id); err == nil && n.SubjectID == subject && n.Kind == kind {
			return id
		}
	}
	t.Fatalf("no %s notice about %s", kind, subject)
	return ""
}

// testInvitationLapses: an invitation not accepted in time lapses with its
// reminders, frees its seats, and the next shortlisted team is invited
// automatically; staff may reinstate the lapsed team, extend a deadline,
// and stage decisions to release together.
func testInvitationLapses(t *testing.T, e *env) {
	ctx := context.Background()
	e.statementEvent(t, "sym", 8, true)
	a, aTok := e.submit(t, "sym", 1, 4, true)
	b, _ := e.submit(t, "sym", 2, 4, true)
	c, _ := e.submit(t, "sym", 3, 4, true)
	var err error
	if a, err = e.svc.Decide(ctx, staff, a.ID, decision(convening.DecideInvite)); err != nil {
		t.Fatal(err)
	}
	for _, st := range []convening.Statement{b, c} {
		if _, err := e.svc.Decide(ctx, staff, st.ID, decision(convening.DecideShortlist)); err != nil {
			t.Fatal(err)
		}
	}
	// Invited for a week: reminders at 72 and 24 hours before, once each.
	for _, tt := range []struct {
		after time.Duration
		acted int
	}{{time.Hour, 0}, {5 * 24 * time.Hour, 1}, {5*24*time.Hour + time.Hour, 0}, {6*24*time.Hour + time.Hour, 1}} {
		e.at(t, tt.after)
		if n := e.sweep(t); n < tt.acted || (tt.acted == 0 && n != 0) {
			t.Fatalf("sweep at +%v acted on %d, want %d", tt.after, n, tt.acted)
		}
	}
	if n := countKind(e.notices(t), a.ID, convening.NoticeInvitationReminder); n != 2 {
		t.Fatalf("%d reminders", n)
	}
	// Past the deadline: a lapses, b (first on the shortlist) is invited.
	e.at(t, 7*24*time.Hour+time.Minute)
	e.sweep(t)
	_, _, _, err = e.svc.AcceptInvitation(ctx, a.ID, aTok)
	wantReason(t, "accept after the deadline", err, convening.ReasonInvitationExpired)
	a, _ = e.svc.StaffStatement(ctx, a.ID)
	b, _ = e.svc.StaffStatement(ctx, b.ID)
	c, _ = e.svc.StaffStatement(ctx, c.ID)
	if a.Status != convening.StatementExpired || b.Status != convening.StatementInvited || c.Status != convening.StatementInvited {
		t.Fatalf("after the lapse: a %s, b %s, c %s", a.Status, b.Status, c.Status)
	}
	CheckEvent(t, e.store, "sym", false)
	if countKind(e.notices(t), a.ID, convening.NoticeInvitationExpired) != 1 {
		t.Fatal("no expiry email")
	}
	// Full: reinstating a does not fit; extending b's deadline works.
	_, err = e.svc.Reinstate(ctx, staff, a.ID, time.Time{}, "Their superintendent was ill")
	wantReason(t, "reinstate into a full event", err, convening.ReasonNotEnoughSeats)
	_, err = e.svc.ExtendDeadline(ctx, staff, b.ID, b.Invitation.RespondBy.Add(-time.Hour), "More time")
	wantReason(t, "extend to an earlier deadline", err, convening.ReasonInvalidFields)
	later := b.Invitation.RespondBy.Add(48 * time.Hour)
	if b, err = e.svc.ExtendDeadline(ctx, staff, b.ID, later, "Board meets Thursday"); err != nil || !b.Invitation.RespondBy.Equal(later) {
		t.Fatalf("extend: %v", err)
	}
	// c declines: a can be reinstated into its seats.
	if _, err := e.svc.Decide(ctx, staff, c.ID, decision(convening.DecideDecline)); err != nil {
		t.Fatal(err)
	}
	if a, err = e.svc.Reinstate(ctx, staff, a.ID, time.Time{}, "Their superintendent was ill"); err != nil || a.Status != convening.StatementInvited {
		t.Fatalf("reinstate: %+v %v", a, err)
	}
	CheckEvent(t, e.store, "sym", false)

	// Staged decisions: nothing happens until release; a release that
	// runs out of seats keeps the rest staged and says why.
	e.statementEvent(t, "sym2", 4, false)
	d, _ := e.submit(t, "sym2", 4, 4, true)
	f, _ := e.submit(t, "sym2", 5, 4, true)
	for _, st := range []convening.Statement{d, f} {
		dec := decision(convening.DecideInvite)
		dec.Staged = true
		if _, err := e.svc.Decide(ctx, staff, st.ID, dec); err != nil {
			t.Fatal(err)
		}
	}
	if ev, _ := CheckEvent(t, e.store, "sym2", false); ev.SeatsHeld != 0 {
		t.Fatalf("staged decisions hold seats: %+v", ev.Counts)
	}
	report, err := e.svc.ReleaseStaged(ctx, staff, "sym2")
	if err != nil || len(report.Released) != 1 || report.Released[0] != d.ID || report.Kept[f.ID] == "" ||
		report.KeptReasons[f.ID] != convening.ReasonNotEnoughSeats {
		t.Fatalf("release: %+v %v", report, err)
	}
	if counts, err := e.svc.StatementCounts(ctx, "sym2"); err != nil || counts[convening.StatementInvited] != 1 || counts[convening.StatementSubmitted] != 1 {
		t.Fatalf("counts %v %v", counts, err)
	}
	if ev, _ := CheckEvent(t, e.store, "sym2", false); ev.SeatsHeld != 4 {
		t.Fatalf("after release: %+v", ev.Counts)
	}
}

// testReviews: reviewers score statements; each sees the others' reviews
// only after submitting their own.
func testReviews(t *testing.T, e *env) {
	ctx := context.Background()
	ev := e.statementEvent(t, "sym", 40, false)
	st, _ := e.submit(t, "sym", 1, 4, false)
	scores := map[string]int{}
	for i, c := range ev.ReviewCriteria {
		scores[c.ID] = 1 + i%4
	}
	ann := convening.StaffActor("rev-1", "ann@lmi.example.org")
	bob := convening.StaffActor("rev-2", "bob@lmi.example.org")
	if _, err := e.svc.Review(ctx, ann, st.ID, scores, "Strong history"); err != nil {
		t.Fatal(err)
	}
	rs, _, mine, err := e.svc.StatementReviews(ctx, bob, false, st.ID)
	if err != nil || mine || len(rs) != 0 {
		t.Fatalf("before reviewing, bob sees %d reviews (%v, %v)", len(rs), mine, err)
	}
	scores[ev.ReviewCriteria[0].ID] = 4
	if _, err := e.svc.Review(ctx, bob, st.ID, scores, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Review(ctx, bob, st.ID, scores, "Changed my mind"); err != nil { // replaces his
		t.Fatal(err)
	}
	rs, sum, mine, err := e.svc.StatementReviews(ctx, bob, false, st.ID)
	if err != nil || !mine || len(rs) != 2 || sum.Count != 2 {
		t.Fatalf("after reviewing: %d reviews, %+v, %v", len(rs), sum, err)
	}
	delete(scores, ev.ReviewCriteria[1].ID)
	_, err = e.svc.Review(ctx, ann, st.ID, scores, "")
	wantReason(t, "a review missing a criterion", err, convening.ReasonInvalidFields)
	if rs, sum, _, err := e.svc.StatementReviews(ctx, staff, true, st.ID); err != nil || len(rs) != 2 || sum.Mean == 0 {
		t.Fatalf("staff who decide see %d reviews, %+v (%v)", len(rs), sum, err)
	}
	items, counts, err := e.svc.StatementList(ctx, ann, false, "sym", convening.StatementFilter{})
	if err != nil || len(items) != 1 || counts[convening.StatementSubmitted] != 1 || !items[0].ReviewedByMe || items[0].Reviews.Count != 2 {
		t.Fatalf("list: %+v %v %v", items, counts, err)
	}
	h, err := e.svc.History(ctx, st.Organization)
	if err != nil || len(h.Statements) != 1 {
		t.Fatalf("history: %+v %v", h, err)
	}
}

// testMergeOrganizations: staff merge two spellings of one organization;
// its history shows both, from either spelling, and a second merge of the
// same spelling or a merge into itself is refused.
func testMergeOrganizations(t *testing.T, e *env) {
	ctx := context.Background()
	e.statementEvent(t, "sym", 40, false)
	e.createEvent(t, "inst", 40, convening.PolicyStrict)
	st, _ := e.submit(t, "sym", 1, 4, false)
	odd := Team(1, 2)
	odd.Organization.Name = "Dist. 1 Unified S.D."
	if _, _, _, err := e.svc.Register(ctx, "inst", odd, nil); err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.MergeOrganizations(ctx, staff, odd.Organization, st.Organization, "Same district, abbreviated")
	if err != nil || len(h.Statements) != 1 || len(h.Registrations) != 1 || len(h.Aliases) != 1 || h.Aliases[0].Reason == "" {
		t.Fatalf("merge: %+v %v", h, err)
	}
	if h2, err := e.svc.History(ctx, odd.Organization); err != nil || h2.Organization != st.Organization || len(h2.Registrations) != 1 {
		t.Fatalf("history of the merged spelling: %+v %v", h2, err)
	}
	_, err = e.svc.MergeOrganizations(ctx, staff, odd.Organization, Team(7, 1).Organization, "again")
	if convening.ErrorCode(err) != convening.ENOTFOUND && convening.ErrorReason(err) != convening.ReasonAlreadyMerged {
		t.Fatalf("second merge: %v", err)
	}
	_, err = e.svc.MergeOrganizations(ctx, staff, st.Organization, odd.Organization, "backwards")
	wantReason(t, "merge into its own alias", err, convening.ReasonSameOrganization)
	_, err = e.svc.MergeOrganizations(ctx, staff, st.Organization, st.Organization, "")
	wantReason(t, "merge without a reason", err, convening.ReasonInvalidFields)
}

// testStatementPrivacy: an organization's export holds its statements;
// erasing needs its open statement withdrawn first, then erases the
// statement's people; a statement's email can be sent again, to the same
// reader.
func testStatementPrivacy(t *testing.T, e *env) {
	ctx := context.Background()
	e.statementEvent(t, "sym", 40, false)
	st, tok := e.submit(t, "sym", 1, 4, false)
	n, err := e.svc.ResendNotice(ctx, staff, firstOfKind(t, e, st.ID, convening.NoticeMemberConfirmation), "Bounced; address fixed")
	if err != nil || n.MemberID == "" || n.SubjectKind != convening.SubjectStatement {
		t.Fatalf("resend: %+v %v", n, err)
	}
	data, err := e.svc.ExportOrganization(ctx, st.Organization)
	if err != nil || len(data.Statements) != 1 || len(data.Statements[0].Notices) != 6 || len(data.Registrations) != 0 {
		t.Fatalf("export: %+v %v", data, err)
	}
	_, err = e.svc.EraseOrganization(ctx, staff, st.Organization, "The district asked")
	wantReason(t, "erase with an open statement", err, convening.ReasonOrganizationActive)
	if _, err := e.svc.DeclineStatement(ctx, st.ID, tok); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.EraseOrganization(ctx, staff, st.Organization, "The district asked"); err != nil || n != 1 {
		t.Fatalf("erase: %d %v", n, err)
	}
	erased, _ := e.svc.StaffStatement(ctx, st.ID)
	if erased.ErasedAt == nil || erased.Contact.Email != "" || erased.Members[0].Email != "" || erased.Members[0].Role == "" || erased.Experience == "" {
		t.Fatalf("erased statement: %+v", erased)
	}
}
