package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The contract of a team's own changes, its members' emails and links,
// and the people's index, in every store.

// testTeamChanges: a team substitutes, adds and removes members and
// changes its contact under the rules of a registration; every refusal
// leaves it as it was; the audit log keeps who was on the team, in words.
func testTeamChanges(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 3}, [2]int{2, 4}) // 1 seat free
	reg, _ := e.store.Registration(ctx, ids[1])
	if _, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[0].ID, false); err != nil {
		t.Fatal(err)
	}
	// A substitute given in the second member's place, and one added.
	next := slices.Clone(reg.Members)
	next[1] = convening.Member{ID: reg.Members[1].ID, Name: "Gloria Vang", Email: "gvang@district1.org", Role: next[1].Role}
	next = append(next, convening.Member{Name: "Ana Ruiz", Email: "ana@district1.org", Role: convening.RolePrincipal})
	got, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &next})
	if err != nil || got.Seats != 4 || got.Members[0].CheckedInAt == nil || got.Members[1].ID == reg.Members[1].ID ||
		len(got.FormerMembers) != 1 || got.FormerMembers[0].Name != reg.Members[1].Name {
		t.Fatalf("change: %v %+v", err, got)
	}
	records, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[1], Limit: 1})
	r := records[0]
	want := reg.Members[1].Name + " → Gloria Vang (" + reg.Members[1].Role.Label() + "); added Ana Ruiz (Principal)"
	if r.Kind != convening.AuditMembersChanged || r.Actor != convening.TeamActor || r.After["change"] != want ||
		!strings.Contains(r.Before["people"], reg.Members[1].Name) || strings.Contains(r.Before["people"], "Gloria") ||
		strings.Contains(r.Before["people"]+r.After["people"], "@") {
		t.Fatalf("audit %+v", r)
	}
	// The contact's email brings the added member's welcome and the
	// substituted one's cancellation.
	n, err := e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	if err != nil || n.Kind != convening.NoticeMembersChanged || len(n.Fanout) != 3 {
		t.Fatalf("notice %v %+v", err, n)
	}
	kinds := map[convening.NoticeKind]string{}
	for _, f := range n.Fanout {
		kinds[f.Kind] = f.MemberID
	}
	if kinds[convening.NoticeMemberRegistered] == "" || kinds[convening.NoticeMemberCancelled] != reg.Members[1].ID {
		t.Fatalf("fanout %+v", n.Fanout)
	}

	// Refusals: no seat left, a member of another's address twice, a bad
	// contact, an empty change, a wrong token; each changes nothing.
	before, _ := e.store.Registration(ctx, ids[1])
	more := append(slices.Clone(before.Members), convening.Member{Name: "One Too Many", Email: "x@district1.org", Role: convening.RoleOther})
	_, err = e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &more})
	wantReason(t, "no seat left", err, convening.ReasonNotEnoughSeats)
	dup := slices.Clone(before.Members)
	dup[2].Email = dup[0].Email
	_, err = e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &dup})
	wantReason(t, "duplicate email", err, convening.ReasonInvalidFields)
	_, err = e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Contact: &convening.Contact{Name: "X", Email: "ü@example.org"}})
	wantReason(t, "undeliverable contact", err, convening.ReasonInvalidFields)
	_, err = e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{})
	wantReason(t, "empty change", err, convening.ReasonEmptyChange)
	_, err = e.svc.ChangeTeam(ctx, ids[1], tokens[2], convening.TeamChange{Contact: &convening.Contact{Name: "X", Email: "x@x.org"}})
	wantReason(t, "another team's token", err, convening.ReasonRegistrationUnknown)
	if after, _ := e.store.Registration(ctx, ids[1]); !after.UpdatedAt.Equal(before.UpdatedAt) || after.Seats != before.Seats {
		t.Fatalf("a refused change changed the registration")
	}

	// Two members leave: their seats go to the waiting list at once.
	e.registerAll(t, "ev", [2]int{3, 2})
	fewer := before.Members[:2]
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &fewer}); err != nil {
		t.Fatal(err)
	}
	ev, l := CheckEvent(t, e.store, "ev", true)
	if ev.SeatsTaken != 8 || len(l.Waitlist) != 0 || ev.CheckedIn != 1 {
		t.Fatalf("after two left: %+v, %d waiting", ev.Counts, len(l.Waitlist))
	}

	// A new contact, told by email; a change that changes nothing is no change.
	c := convening.Contact{Name: "Rosa Diaz", Email: "rosa@district1.org"}
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Contact: &c}); err != nil {
		t.Fatal(err)
	}
	k := e.noticeKinds(t, ids[1])
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Contact: &c}); err != nil || len(e.noticeKinds(t, ids[1])) != len(k) ||
		k[len(k)-1] != convening.NoticeContactChanged {
		t.Fatalf("same contact again: %v %v", err, k)
	}
}

// testTeamChangeRules: teams waiting, a closed registration and a begun
// event refuse what a new registration could not do.
func testTeamChangeRules(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 2}, [2]int{2, 4}, [2]int{3, 4}) // 2 free; team 3 waits
	reg, _ := e.store.Registration(ctx, ids[1])
	more := append(slices.Clone(reg.Members), convening.Member{Name: "Added", Email: "added@district1.org", Role: convening.RoleOther})
	_, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &more})
	wantReason(t, "a team waits", err, convening.ReasonTeamsWaiting)
	// Staff may (their override), the seat being free.
	if _, err := e.svc.ChangeMembers(ctx, staff, ids[1], more, "The district asked by phone"); err != nil {
		t.Fatalf("staff add: %v", err)
	}
	// A waitlisted team changes its size on the waiting list.
	w, _ := e.store.Registration(ctx, ids[3])
	if got, err := e.svc.ChangeTeam(ctx, ids[3], tokens[3], convening.TeamChange{Members: ptr(w.Members[:1])}); err != nil || got.Status != convening.StatusRegistered {
		t.Fatalf("waitlisted team shrinks into the free seat: %v %+v", err, got)
	}
	CheckEvent(t, e.store, "ev", true)

	// After the event has begun, the team changes nothing; staff at the door do.
	later := e.svc.WithClock(func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
	sub := slices.Clone(more)
	sub[0] = convening.Member{ID: sub[0].ID, Name: "Substitute", Email: "sub@district1.org", Role: sub[0].Role}
	_, err = later.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &sub})
	wantReason(t, "the event has begun", err, convening.ReasonEventStarted)
}

// testRaceAddedMemberAndNewTeams: registered teams adding a member race
// new teams for the last seat: exactly one gets it, and every invariant
// holds.
func testRaceAddedMemberAndNewTeams(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 9, convening.PolicyFill)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 4}) // 1 seat left
	added := make([]error, 2)
	joined := make([]convening.Registration, 8)
	errs := make([]error, 8)
	race(10, func(i int) {
		if i < 2 {
			reg, _ := e.store.Registration(ctx, ids[i+1])
			more := append(slices.Clone(reg.Members), convening.Member{Name: "Added", Email: "added@x.org", Role: convening.RoleOther})
			_, added[i] = e.svc.ChangeTeam(ctx, ids[i+1], tokens[i+1], convening.TeamChange{Members: &more})
			return
		}
		joined[i-2], _, _, errs[i-2] = e.svc.Register(ctx, "ev", Team(10+i, 1), nil)
	})
	took, newcomers := 0, 0
	for i, err := range added {
		switch convening.ErrorReason(err) {
		case "":
			took++
		case convening.ReasonNotEnoughSeats, convening.ReasonTeamsWaiting:
		default:
			t.Fatalf("team %d's added member: %v", i+1, err)
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("new team %d: %v", i, err)
		}
		if joined[i].Status == convening.StatusRegistered {
			took++
			newcomers++
		}
	}
	if took != 1 {
		t.Fatalf("%d took the last seat, want exactly 1", took)
	}
	ev, l := CheckEvent(t, e.store, "ev", true)
	if ev.SeatsTaken != 9 || len(l.Waitlist)+newcomers != 8 {
		t.Fatalf("counts %+v, %d waiting", ev.Counts, len(l.Waitlist))
	}
}

// testMemberAttendance: a member says they can't attend: the contact is
// told, the seat stays the team's until the contact releases it, and then
// the waiting list has it.
func testMemberAttendance(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 6, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 2}, [2]int{3, 1})
	reg, _ := e.store.Registration(ctx, ids[1])
	m := reg.Members[2]
	own := e.svc.AttendeeToken(ids[1], m.ID)
	if _, err := e.svc.SetAttendance(ctx, ids[1], m.ID, tokens[1], true); convening.ErrorReason(err) != convening.ReasonRegistrationUnknown {
		t.Fatalf("the manage token says a member can't attend: %v", err)
	}
	got, err := e.svc.SetAttendance(ctx, ids[1], m.ID, own, true)
	if err != nil || got.Members[2].CantAttendAt == nil || got.Seats != 4 {
		t.Fatalf("can't attend: %v %+v", err, got)
	}
	n, err := e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	if err != nil || n.Kind != convening.NoticeMemberCantAttend || n.AboutMember == nil || n.AboutMember.Name != m.Name || n.To != reg.Contact {
		t.Fatalf("contact's notice %v %+v", err, n)
	}
	k := len(e.noticeKinds(t, ids[1]))
	if _, err := e.svc.SetAttendance(ctx, ids[1], m.ID, own, true); err != nil || len(e.noticeKinds(t, ids[1])) != k {
		t.Fatalf("saying it twice: %v", err)
	}
	if a, err := e.svc.Attendee(ctx, ids[1], m.ID, own); err != nil || a.ID != ids[1] {
		t.Fatalf("member's view: %v", err)
	}
	// The contact releases the seat: the waitlisted team of one takes it.
	rest := slices.DeleteFunc(slices.Clone(got.Members), func(x convening.Member) bool { return x.ID == m.ID })
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &rest}); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.store.Registration(ctx, ids[3]); r.Status != convening.StatusRegistered {
		t.Fatalf("the released seat did not go to the waiting list: %s", r.Status)
	}
	_, err = e.svc.Attendee(ctx, ids[1], m.ID, own)
	wantReason(t, "the member who left", err, convening.ReasonMemberLeft)
	// The member who left is owed their cancellation, addressed to them.
	n, _ = e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	var cancel convening.NoticeSpec
	for _, f := range n.Fanout {
		if f.Kind == convening.NoticeMemberCancelled {
			cancel = f
		}
	}
	if err := e.store.AddNotices(ctx, "ev", n.Fanout, time.Now()); err != nil {
		t.Fatal(err)
	}
	mn, err := e.store.Notice(ctx, cancel.ID)
	if err != nil || mn.To.Email != m.Email || mn.MemberID != m.ID || mn.Kind != convening.NoticeMemberCancelled {
		t.Fatalf("the cancellation of the member who left: %v %+v", err, mn)
	}
	CheckEvent(t, e.store, "ev", true)
}

// testMemberNotices: a registered team's email brings every member's own
// welcome; written twice, each is written once; a member who left before
// theirs went out is owed nothing.
func testMemberNotices(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 3})
	n, err := e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	if err != nil || n.Kind != convening.NoticeRegistered || len(n.Fanout) != 3 {
		t.Fatalf("registered: %v %+v", err, n)
	}
	for range 2 {
		if err := e.store.AddNotices(ctx, "ev", n.Fanout, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if k := e.noticeKinds(t, ids[1]); count(k, convening.NoticeMemberRegistered) != 3 {
		t.Fatalf("notices %v", k)
	}
	reg, _ := e.store.Registration(ctx, ids[1])
	for i, f := range n.Fanout {
		mn, err := e.store.Notice(ctx, f.ID)
		if err != nil || mn.To.Email != reg.Members[i].Email || mn.MemberID != reg.Members[i].ID || mn.SubmittedBy == nil {
			t.Fatalf("member %d's notice: %v %+v", i, err, mn)
		}
	}
	// The team cancels: every member's cancellation comes with the contact's.
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	c, _ := e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	if c.Kind != convening.NoticeCancelled || len(c.Fanout) != 3 || c.Fanout[0].Kind != convening.NoticeMemberCancelled {
		t.Fatalf("cancelled: %+v", c)
	}
}

// testPeopleAndLinks: the people's index files every contact and member
// (a new member too) without a Scan; a request for links writes one email
// with each active link, counted against its limits; an unknown address
// writes none.
func testPeopleAndLinks(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 20, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 2}, [2]int{2, 2})
	reg, _ := e.store.Registration(ctx, ids[1])
	for _, email := range []string{reg.Contact.Email, reg.Members[1].Email, strings.ToUpper(reg.Members[1].Email)} {
		refs, err := e.store.PersonSubjects(ctx, convening.PersonKey(email))
		if err != nil || !slices.Contains(refs, convening.LinkRef{SubjectID: ids[1]}) {
			t.Fatalf("%s: %v %v", email, err, refs)
		}
	}
	more := append(slices.Clone(reg.Members), convening.Member{Name: "New", Email: "new@district1.org", Role: convening.RoleOther})
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &more}); err != nil {
		t.Fatal(err)
	}
	if refs, _ := e.store.PersonSubjects(ctx, convening.PersonKey("new@district1.org")); len(refs) != 1 {
		t.Fatalf("the new member is not filed: %v", refs)
	}
	ev := e.statementEvent(t, "sym", 20, false)
	st, _ := e.submit(t, ev.ID, 5, 4, false)
	member := st.Members[0]

	links := func(email string) []convening.PrivateLink {
		t.Helper()
		before := map[string]bool{}
		for _, id := range dueIDs(t, e) {
			before[id] = true
		}
		if err := e.svc.SendLinks(ctx, email, "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		var out []convening.PrivateLink
		for _, id := range dueIDs(t, e) {
			if before[id] {
				continue
			}
			n, err := e.store.Notice(ctx, id)
			if err != nil || n.Kind != convening.NoticeLinks || !strings.EqualFold(n.To.Email, email) {
				t.Fatalf("links notice: %v %+v", err, n)
			}
			out = append(out, n.Links...)
		}
		return out
	}
	if l := links(reg.Members[1].Email); len(l) != 1 || l[0].MemberID != reg.Members[1].ID || l[0].SubjectID != ids[1] {
		t.Fatalf("a member's links %+v", l)
	}
	if l := links(reg.Contact.Email); len(l) != 1 || l[0].MemberID != "" || l[0].Role != "Contact" {
		t.Fatalf("a contact's links %+v", l)
	}
	if l := links(member.Email); len(l) != 1 || l[0].SubjectKind != convening.SubjectStatement || l[0].MemberID != member.ID {
		t.Fatalf("a statement member's links %+v", l)
	}
	if l := links("nobody@nowhere.org"); len(l) != 0 {
		t.Fatalf("an unknown address got %+v", l)
	}
	// A cancelled registration gives no link; the limit per address holds.
	if _, err := e.svc.Cancel(ctx, ids[2], tokens[2]); err != nil {
		t.Fatal(err)
	}
	reg2, _ := e.store.Registration(ctx, ids[2])
	if l := links(reg2.Contact.Email); len(l) != 0 {
		t.Fatalf("a cancelled registration's links %+v", l)
	}
	for range 2 {
		links(reg.Contact.Email)
	}
	if l := links(reg.Contact.Email); len(l) != 0 {
		t.Fatalf("a fourth request within the hour sent %+v", l)
	}
}

func dueIDs(t testing.TB, e *env) []string {
	t.Helper()
	ids, err := e.store.DueNotices(context.Background(), time.Now().AddDate(1, 0, 0), 100000)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// testAuditNamesErased: the names the audit log keeps go when the team's
// people are erased; the roles stay.
func testAuditNamesErased(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 20, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 2})
	reg, _ := e.store.Registration(ctx, ids[1])
	next := []convening.Member{reg.Members[0], {ID: reg.Members[1].ID, Name: "Gloria Vang", Email: "gvang@district1.org", Role: reg.Members[1].Role}}
	if _, err := e.svc.ChangeTeam(ctx, ids[1], tokens[1], convening.TeamChange{Members: &next}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.EraseOrganization(ctx, staff, reg.Organization, "The district asked"); err != nil {
		t.Fatal(err)
	}
	records, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[1]})
	for _, r := range records {
		if r.NamesPeople() {
			t.Errorf("record %s still names people: %+v", r.Kind, r)
		}
		if r.Kind == convening.AuditMembersChanged && r.After["roles"] == "" {
			t.Errorf("the roles went too: %+v", r)
		}
	}
}

// testLargestTeams: the largest team an event takes registers, and
// replaces every member and its contact at once, each in one transaction
// (DynamoDB's hold at most 100 items: the people's index has one per
// person); so does the largest statement.
func testLargestTeams(t *testing.T, e *env) {
	ctx := context.Background()
	ev := Event("big", 500, convening.PolicyStrict)
	ev.MaxTeamSize = convening.MaxTeamSizeCap
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	team := Team(1, convening.MaxTeamSizeCap)
	reg, token, _, err := e.svc.Register(ctx, "big", team, nil)
	if err != nil {
		t.Fatalf("register %d: %v", convening.MaxTeamSizeCap, err)
	}
	others := Team(2, convening.MaxTeamSizeCap).Members
	c := convening.Contact{Name: "New Contact", Email: "new.contact@district1.org"}
	if _, err := e.svc.ChangeTeam(ctx, reg.ID, token, convening.TeamChange{Members: &others, Contact: &c}); err != nil {
		t.Fatalf("replace every member: %v", err)
	}
	CheckEvent(t, e.store, "big", true)
	sym := Event("sym", 500, convening.PolicyStrict)
	sym.Admission, sym.RequiredRoles, sym.MaxTeamSize = convening.AdmissionStatement, convening.CoreRoles, convening.MaxStatementTeam
	if _, err := e.svc.CreateEvent(ctx, staff, sym); err != nil {
		t.Fatal(err)
	}
	st := Team(3, convening.MaxStatementTeam)
	for i := range st.Members {
		st.Members[i].Role = convening.Roles[i%len(convening.Roles)]
	}
	if _, _, _, err := e.svc.SubmitStatement(ctx, sym.ID, st, strings.Repeat("Experience. ", 3), strings.Repeat("Reasons to attend. ", 2), nil); err != nil {
		t.Fatalf("submit a statement of %d: %v", convening.MaxStatementTeam, err)
	}
}
