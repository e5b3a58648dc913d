package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// waitOrder is the waiting list's order by team number.
func (e *env) waitOrder(t testing.TB, eventID string, ids map[int]string) string {
	t.Helper()
	var order []string
	for _, r := range ReadLists(t, e.store, eventID).Waitlist {
		for n, id := range ids {
			if id == r.ID {
				order = append(order, fmt.Sprint(n))
			}
		}
	}
	return strings.Join(order, ",")
}

// noticeKinds are the kinds of one registration's notices, in order.
func (e *env) noticeKinds(t testing.TB, id string) []convening.NoticeKind {
	t.Helper()
	ns, err := e.store.RegistrationNotices(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []convening.NoticeKind
	for _, n := range ns {
		kinds = append(kinds, n.Kind)
	}
	return kinds
}

func wantReason(t testing.TB, what string, err error, reason convening.Reason) {
	t.Helper()
	if convening.ErrorReason(err) != reason {
		t.Errorf("%s: %v, want reason %s", what, err, reason)
	}
}

// testPromoteNow: staff promote a waitlisted team out of turn if it fits.
func testPromoteNow(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "ev", [2]int{1, 5}, [2]int{2, 6}, [2]int{3, 2}) // 3 free; 2 heads the list, 3 behind
	reg, err := e.svc.PromoteNow(ctx, staff, ids[3], "Presenting a session")
	if err != nil || reg.Status != convening.StatusRegistered || reg.PromotedAt == nil {
		t.Fatalf("promote now: %v %+v", err, reg.Status)
	}
	wantReason(t, "head needs 6 of 1", func() error { _, err := e.svc.PromoteNow(ctx, staff, ids[2], "x"); return err }(), convening.ReasonNotEnoughSeats)
	wantReason(t, "registered team", func() error { _, err := e.svc.PromoteNow(ctx, staff, ids[1], "x"); return err }(), convening.ReasonNotWaitlisted)
	wantReason(t, "no reason", func() error { _, err := e.svc.PromoteNow(ctx, staff, ids[2], ""); return err }(), convening.ReasonInvalidFields)
	if _, err := e.svc.PromoteNow(ctx, staff, "01NOSUCHREGISTRATION", "x"); !errors.Is(err, convening.ErrRegistrationNotFound) {
		t.Errorf("unknown registration: %v", err)
	}
	CheckEvent(t, e.store, "ev", false)
	if k := e.noticeKinds(t, ids[3]); !slices.Equal(k, []convening.NoticeKind{convening.NoticeWaitlisted, convening.NoticePromoted}) {
		t.Fatalf("notices %v", k)
	}
	rec, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[3], Kinds: []convening.AuditKind{convening.AuditPromoted}})
	if len(rec) != 1 || rec[0].Actor != staff || rec[0].Reason != "Presenting a session" {
		t.Fatalf("audit %+v", rec)
	}
	e.checkOneRecordPerChange(t, "ev")
}

// testMoveOnWaitlist: a move keeps every team's last-told place true: the
// moved team and every team it passes are told their new places.
func testMoveOnWaitlist(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 4, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "ev", [2]int{0, 4}, [2]int{1, 2}, [2]int{2, 2}, [2]int{3, 2}, [2]int{4, 2}, [2]int{5, 2})
	reg, err := e.svc.MoveOnWaitlist(ctx, staff, ids[4], 1, "Returning team that missed the window by a day")
	if err != nil || reg.WaitlistPosition == nil || *reg.WaitlistPosition != 1 {
		t.Fatalf("move up: %v %v", err, reg.WaitlistPosition)
	}
	if got := e.waitOrder(t, "ev", ids); got != "4,1,2,3,5" {
		t.Fatalf("after moving 4 up: %s", got)
	}
	for n, want := range map[int]int{4: 1, 1: 1, 2: 1, 3: 1, 5: 0} {
		if got := count(e.noticeKinds(t, ids[n]), convening.NoticeWaitlistMoved); got != want {
			t.Errorf("team %d told %d times, want %d", n, got, want)
		}
	}
	n, err := e.store.Notice(ctx, lastNotice(t, e, ids[2]))
	if err != nil || n.Kind != convening.NoticeWaitlistMoved || n.WaitlistPosition != 3 {
		t.Fatalf("team 2's notice: %v %+v", err, n)
	}
	// To the end: later arrivals still come after it.
	if _, err := e.svc.MoveOnWaitlist(ctx, staff, ids[1], 5, "Asked to wait for a later event"); err != nil {
		t.Fatal(err)
	}
	later, _ := e.registerAll(t, "ev", [2]int{6, 2})
	ids[6] = later[6]
	if got := e.waitOrder(t, "ev", ids); got != "4,2,3,5,1,6" {
		t.Fatalf("after moving 1 to the end and a new arrival: %s", got)
	}
	if got := count(e.noticeKinds(t, ids[5]), convening.NoticeWaitlistMoved); got != 0 {
		t.Errorf("team 5 moved up by one and was told %d times", got)
	}
	for _, tt := range []struct {
		id       string
		position int
		reason   convening.Reason
	}{
		{ids[4], 0, convening.ReasonInvalidFields}, {ids[4], 7, convening.ReasonInvalidFields}, {ids[4], 1, convening.ReasonInvalidFields},
		{ids[0], 1, convening.ReasonNotWaitlisted},
	} {
		_, err := e.svc.MoveOnWaitlist(ctx, staff, tt.id, tt.position, "x")
		wantReason(t, fmt.Sprint("move to ", tt.position), err, tt.reason)
	}
	rec, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[4], Kinds: []convening.AuditKind{convening.AuditMoved}})
	if len(rec) != 1 || rec[0].Before["position"] != "4" || rec[0].After["position"] != "1" || rec[0].After["passed"] != "3" {
		t.Fatalf("audit %+v", rec)
	}
	CheckEvent(t, e.store, "ev", true)
}

func lastNotice(t testing.TB, e *env, regID string) string {
	t.Helper()
	ns, err := e.store.RegistrationNotices(context.Background(), regID)
	if err != nil || len(ns) == 0 {
		t.Fatalf("notices of %s: %v", regID, err)
	}
	return ns[len(ns)-1].ID
}

// testChangeMembers: substitutes and added members within the seats left;
// freed seats go to the waiting list; ids and check-ins stay.
func testChangeMembers(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 3}, [2]int{3, 2}) // 1 free; team 3 waits
	reg, _ := e.store.Registration(ctx, ids[1])
	if _, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[0].ID, false); err != nil {
		t.Fatal(err)
	}
	members := slices.Clone(reg.Members)
	members[1] = convening.Member{Name: "Substitute Superintendent", Email: "sub@district1.org", Role: convening.RoleSuperintendent}
	members = append(members, convening.Member{Name: "Added Member", Email: "added@district1.org", Role: convening.RoleOther})
	got, err := e.svc.ChangeMembers(ctx, staff, ids[1], members, "Superintendent replaced; HR director added")
	if err != nil || got.Seats != 5 || got.Members[0].ID != reg.Members[0].ID || got.Members[0].CheckedInAt == nil ||
		got.Members[1].ID == reg.Members[1].ID || got.Members[4].ID == "" {
		t.Fatalf("change: %v %+v", err, got)
	}
	more := append(slices.Clone(got.Members), convening.Member{Name: "One Too Many", Email: "x@district1.org", Role: convening.RoleOther})
	_, err = e.svc.ChangeMembers(ctx, staff, ids[1], more, "x")
	wantReason(t, "no seat left", err, convening.ReasonNotEnoughSeats)
	dup := slices.Clone(got.Members)
	dup[2].Email = dup[0].Email
	_, err = e.svc.ChangeMembers(ctx, staff, ids[1], dup, "x")
	wantReason(t, "duplicate email", err, convening.ReasonInvalidFields)
	// Two members leave: the two seats go to team 3 at once.
	if _, err := e.svc.ChangeMembers(ctx, staff, ids[1], got.Members[:3], "Two cannot come"); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.store.Registration(ctx, ids[3]); r.Status != convening.StatusRegistered {
		t.Fatalf("team 3 %s after seats were freed", r.Status)
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.CheckedIn != 1 || ev.SeatsTaken != 8 {
		t.Fatalf("counts %+v", ev.Counts)
	}
	if k := e.noticeKinds(t, ids[1]); count(k, convening.NoticeMembersChanged) != 2 {
		t.Fatalf("team 1's notices %v", k)
	}
	e.checkOneRecordPerChange(t, "ev")
}

// testWaitlistedTeamChangesSize: a waitlisted team's size moves the
// waiting list's seats, and promotion uses the new size.
func testWaitlistedTeamChangesSize(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 6, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 4})
	reg, _ := e.store.Registration(ctx, ids[2])
	if _, err := e.svc.ChangeMembers(ctx, staff, ids[2], reg.Members[:2], "Only two can come"); err != nil {
		t.Fatal(err)
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.WaitlistSeats != 0 || ev.SeatsTaken != 6 {
		t.Fatalf("the smaller team (2 of 2 free seats) should have been promoted: %+v", ev.Counts)
	}
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	CheckEvent(t, e.store, "ev", true)
}

// testContactAndResend: staff replace a contact, and resend an email.
func testContactAndResend(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 3})
	first := lastNotice(t, e, ids[1])
	fixed := convening.Contact{Name: "Rosa Diaz", Email: "rdiaz@district1.org"}
	if _, err := e.svc.ChangeContact(ctx, staff, ids[1], fixed, "The first address bounced"); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.ChangeContact(ctx, staff, ids[1], convening.Contact{Name: "X", Email: "ü@example.org"}, "x")
	wantReason(t, "undeliverable address", err, convening.ReasonInvalidFields)
	resent, err := e.svc.ResendNotice(ctx, staff, first, "Sent to the wrong address")
	if err != nil || resent.Kind != convening.NoticeRegistered || resent.ID == first || resent.State != convening.NoticePending {
		t.Fatalf("resend: %v %+v", err, resent)
	}
	n, err := e.store.Notice(ctx, resent.ID)
	if err != nil || n.To != fixed {
		t.Fatalf("resent to %+v: %v", n.To, err)
	}
	if k := e.noticeKinds(t, ids[1]); !slices.Equal(k, []convening.NoticeKind{convening.NoticeRegistered, convening.NoticeContactChanged, convening.NoticeRegistered}) {
		t.Fatalf("notices %v", k)
	}
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ChangeContact(ctx, staff, ids[1], fixed, "x")
	wantReason(t, "cancelled registration", err, convening.ReasonNotActive)
	if _, err := e.svc.ResendNotice(ctx, staff, "01NOSUCHNOTICE", "x"); !errors.Is(err, convening.ErrNoticeNotFound) {
		t.Errorf("unknown notice: %v", err)
	}
}

// testCheckIn: members check in and out at the door; walk-ins are added
// seats permitting; the event counts who is in.
func testCheckIn(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 6, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 3}, [2]int{2, 2}, [2]int{3, 2}) // 1 free; team 3 waits
	reg, _ := e.store.Registration(ctx, ids[1])
	for _, m := range reg.Members[:2] {
		if _, err := e.svc.CheckIn(ctx, staff, ids[1], m.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[0].ID, false)
	wantReason(t, "twice", err, convening.ReasonAlreadyCheckedIn)
	_, err = e.svc.CheckIn(ctx, staff, ids[1], "nobody", false)
	wantReason(t, "unknown member", err, convening.ReasonMemberUnknown)
	w, _ := e.store.Registration(ctx, ids[3])
	_, err = e.svc.CheckIn(ctx, staff, ids[3], w.Members[0].ID, false)
	wantReason(t, "waitlisted team", err, convening.ReasonNotRegistered)
	if _, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[1].ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CheckIn(ctx, staff, ids[1], reg.Members[1].ID, true)
	wantReason(t, "undo twice", err, convening.ReasonNotCheckedIn)
	walk, err := e.svc.AddWalkIn(ctx, staff, ids[2], convening.Member{Name: "Walk In", Email: "walkin@district2.org", Role: convening.RoleOther}, "Came with the team")
	if err != nil || walk.Seats != 3 || walk.Members[2].CheckedInAt == nil {
		t.Fatalf("walk-in: %v %+v", err, walk)
	}
	_, err = e.svc.AddWalkIn(ctx, staff, ids[2], convening.Member{Name: "No Room", Email: "noroom@district2.org", Role: convening.RoleOther}, "x")
	wantReason(t, "no seat", err, convening.ReasonNotEnoughSeats)
	ev, _ := CheckEvent(t, e.store, "ev", false)
	if ev.CheckedIn != 2 {
		t.Fatalf("checked in %d, want 2", ev.CheckedIn)
	}
	// A team that leaves takes its checked-in members off the count.
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	if ev, _ := CheckEvent(t, e.store, "ev", true); ev.CheckedIn != 1 {
		t.Fatalf("checked in %d after team 1 left, want 1", ev.CheckedIn)
	}
}

// testRaceStaffAndTeam: staff act while the team acts; every invariant
// holds and each change has one notice and one audit record.
func testRaceStaffAndTeam(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 6, convening.PolicyFill)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 2}, [2]int{3, 2}, [2]int{4, 4})
	// A staff cancel against the team's own cancel of team 1, and a manual
	// promotion of team 3 against the automatic one the cancel triggers.
	race(3, func(i int) {
		var err error
		switch i {
		case 0:
			_, err = e.svc.StaffCancel(ctx, staff, ids[1], "Duplicate registration")
		case 1:
			_, err = e.svc.Cancel(ctx, ids[1], tokens[1])
		case 2:
			_, err = e.svc.PromoteNow(ctx, staff, ids[3], "Early bird")
			if r := convening.ErrorReason(err); r == convening.ReasonNotEnoughSeats || r == convening.ReasonNotWaitlisted {
				err = nil // lost to the team's cancel or the automatic promotion: fine
			}
		}
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	})
	if _, err := e.svc.Promote(ctx, "ev"); err != nil {
		t.Fatal(err)
	}
	CheckEvent(t, e.store, "ev", true)
	if got := count(e.noticeKinds(t, ids[1]), convening.NoticeCancelled); got != 1 {
		t.Fatalf("team 1 told of %d cancellations", got)
	}
	if got := count(e.noticeKinds(t, ids[3]), convening.NoticePromoted); got != 1 {
		t.Fatalf("team 3 told of %d promotions", got)
	}
	e.checkOneRecordPerChange(t, "ev")
}

// count counts k in kinds.
func count(kinds []convening.NoticeKind, k convening.NoticeKind) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

// testWalkInForNoShow: at a full event the door puts a walk-in in the
// place of a member of the team who has not checked in: the seat stays
// the team's (nothing oversold, the waiting list untouched), the walk-in
// is checked in, the member replaced leaves the team as in a substitution,
// and the audit record is the door's, with its reason. Every refusal names
// its field and changes nothing.
func testWalkInForNoShow(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 6, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "ev", [2]int{1, 3}, [2]int{2, 3}, [2]int{3, 2}) // full; team 3 waits
	reg, _ := e.store.Registration(ctx, ids[1])
	if _, err := e.svc.CheckIn(ctx, staff, ids[1], reg.Members[0].ID, false); err != nil {
		t.Fatal(err)
	}
	reg, _ = e.store.Registration(ctx, ids[1])
	noShow := reg.Members[1]
	walkIn := convening.Member{Name: "Gloria Vang", Email: "gvang@district1.org", Role: noShow.Role}

	// A seat of their own: none is left.
	_, err := e.svc.AddWalkIn(ctx, staff, ids[1], walkIn, "Came for the team")
	wantReason(t, "own seat at a full event", err, convening.ReasonNotEnoughSeats)
	fieldOf := func(err error) string {
		if e := convening.AsError(err); e != nil && len(e.Fields) > 0 {
			return e.Fields[0].Field
		}
		return ""
	}
	w, _ := e.store.Registration(ctx, ids[3])
	for _, c := range []struct {
		name, id, replaces string
		member             convening.Member
		reason             string
		wantReason         convening.Reason
		wantField          string
	}{
		{"in place of one who came", ids[1], reg.Members[0].ID, walkIn, "x", convening.ReasonNoShowCheckedIn, "replaces"},
		{"nobody of that id", ids[1], "nobody", walkIn, "x", convening.ReasonInvalidFields, "replaces"},
		{"no member named", ids[1], "", walkIn, "x", convening.ReasonInvalidFields, "replaces"},
		{"the no-show's own address", ids[1], noShow.ID, convening.Member{Name: "Gloria Vang", Email: strings.ToUpper(noShow.Email), Role: noShow.Role},
			"x", convening.ReasonInvalidFields, "members[1].email"},
		{"another member's address", ids[1], noShow.ID, convening.Member{Name: "Gloria Vang", Email: reg.Members[2].Email, Role: noShow.Role},
			"x", convening.ReasonInvalidFields, "members[2].email"},
		{"no name", ids[1], noShow.ID, convening.Member{Email: "g@district1.org", Role: noShow.Role}, "x", convening.ReasonInvalidFields, "members[1].name"},
		{"no reason", ids[1], noShow.ID, walkIn, " ", convening.ReasonInvalidFields, "reason"},
		{"a waitlisted team", ids[3], w.Members[0].ID, walkIn, "x", convening.ReasonNotRegistered, ""},
	} {
		_, err := e.svc.SubstituteWalkIn(ctx, staff, c.id, c.replaces, c.member, c.reason)
		wantReason(t, c.name, err, c.wantReason)
		if got := fieldOf(err); got != c.wantField {
			t.Errorf("%s: field %q, want %q (%v)", c.name, got, c.wantField, err)
		}
	}
	if after, _ := e.store.Registration(ctx, ids[1]); !after.UpdatedAt.Equal(reg.UpdatedAt) || len(after.FormerMembers) != 0 {
		t.Fatalf("a refused walk-in changed the registration")
	}

	got, err := e.svc.SubstituteWalkIn(ctx, staff, ids[1], noShow.ID, walkIn, "Came in place of a colleague")
	if err != nil || got.Seats != 3 || got.Members[1].Name != "Gloria Vang" || got.Members[1].ID == noShow.ID ||
		got.Members[1].CheckedInAt == nil || got.Members[0].CheckedInAt == nil || got.Members[2].CheckedInAt != nil ||
		len(got.FormerMembers) != 1 || got.FormerMembers[0].ID != noShow.ID {
		t.Fatalf("walk-in for a no-show: %v %+v", err, got)
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.SeatsTaken != 6 || ev.CheckedIn != 2 || ev.WaitlistLength != 1 {
		t.Fatalf("event after: taken %d, in %d, waiting %d; want 6, 2, 1", ev.SeatsTaken, ev.CheckedIn, ev.WaitlistLength)
	}
	records, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[1], Limit: 1})
	r := records[0]
	if r.Kind != convening.AuditMembersChanged || r.Actor != staff || r.Reason != "Came in place of a colleague" ||
		r.After["walkIn"] != "Gloria Vang ("+noShow.Role.Label()+")" ||
		r.After["change"] != noShow.Name+" → Gloria Vang ("+noShow.Role.Label()+")" || r.After["seats"] != "3" {
		t.Fatalf("audit %+v", r)
	}
	// The contact is emailed as for a substitution: the walk-in welcomed,
	// the no-show's calendar entry cancelled.
	n, err := e.store.Notice(ctx, lastNotice(t, e, ids[1]))
	if err != nil || n.Kind != convening.NoticeMembersChanged {
		t.Fatalf("notice %v %+v", err, n)
	}
	kinds := map[convening.NoticeKind]string{}
	for _, f := range n.Fanout {
		kinds[f.Kind] = f.MemberID
	}
	if kinds[convening.NoticeMemberRegistered] != got.Members[1].ID || kinds[convening.NoticeMemberCancelled] != noShow.ID {
		t.Fatalf("fanout %+v", n.Fanout)
	}
	// The one replaced cannot be replaced again, nor checked in.
	_, err = e.svc.SubstituteWalkIn(ctx, staff, ids[1], noShow.ID, convening.Member{Name: "Late", Email: "late@district1.org", Role: noShow.Role}, "x")
	wantReason(t, "the former member again", err, convening.ReasonInvalidFields)
	e.checkOneRecordPerChange(t, "ev")
}
