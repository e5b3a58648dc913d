package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// at sets the service's clock to now+d for the rest of the test.
func (e *env) at(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	now := time.Now().UTC().Add(d)
	e.svc.Clock = func() time.Time { return now }
	return now
}

// sweep runs the hold sweep and reports how many holds it acted on.
func (e *env) sweep(t testing.TB) int {
	t.Helper()
	n, err := e.svc.SweepHolds(context.Background())
	if err != nil {
		t.Fatalf("sweep holds: %v", err)
	}
	return n
}

// countKind counts the notices of one kind about subject.
func countKind(notices map[string][]convening.NoticeKind, subject string, kind convening.NoticeKind) int {
	n := 0
	for _, k := range notices[subject] {
		if k == kind {
			n++
		}
	}
	return n
}

// testWaitlistOffers: on an event with waiting-list offers, freed seats
// are offered to the next teams and held for them; a team that accepts in
// time is registered, one that does not lapses (its seats go to the next
// team), reminders go out once, and a cancelled offer gives its seats back.
func testWaitlistOffers(t *testing.T, e *env) {
	ctx := context.Background()
	ev := Event("ev", 6, convening.PolicyStrict)
	ev.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 48}
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	// team1(6) registered; waiting: team2(2) team3(2) team4(2) team5(2).
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 6}, [2]int{2, 2}, [2]int{3, 2}, [2]int{4, 2}, [2]int{5, 2})
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	got, lists := CheckEvent(t, e.store, "ev", false)
	if got.SeatsHeld != 6 || got.SeatsTaken != 0 || got.SeatsLeft() != 0 || len(lists.Offered) != 3 || len(lists.Waitlist) != 1 {
		t.Fatalf("after the cancel: counts %+v, %d offered, %d waiting", got.Counts, len(lists.Offered), len(lists.Waitlist))
	}
	r2, err := e.svc.Registration(ctx, ids[2], tokens[2])
	if err != nil || r2.Status != convening.StatusOffered || r2.Offer == nil || r2.Offer.Seats != 2 {
		t.Fatalf("team 2: %+v %v", r2, err)
	}
	if d := r2.Offer.RespondBy.Sub(r2.Offer.OfferedAt); d != 48*time.Hour {
		t.Fatalf("offer window %v", d)
	}
	// A team that joins now waits: the seats are held, not free.
	more, _ := e.registerAll(t, "ev", [2]int{6, 1})
	if r, _ := e.store.Registration(ctx, more[6]); r.Status != convening.StatusWaitlisted {
		t.Fatalf("a team joining while seats are held: %s", r.Status)
	}

	// Team 2 accepts; twice is the same answer.
	for range 2 {
		r, err := e.svc.AcceptOffer(ctx, ids[2], tokens[2])
		if err != nil || r.Status != convening.StatusRegistered {
			t.Fatalf("accept: %+v %v", r, err)
		}
	}
	if _, err := e.svc.AcceptOffer(ctx, ids[2], "wrong"); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("accept with a wrong token: %v", err)
	}
	_, err = e.svc.AcceptOffer(ctx, ids[5], tokens[5])
	wantReason(t, "accept without an offer", err, convening.ReasonNoOffer)
	// Team 4 cancels its offer: its seats go to team 5.
	if _, err := e.svc.Cancel(ctx, ids[4], tokens[4]); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.store.Registration(ctx, ids[5]); r.Status != convening.StatusOffered {
		t.Fatalf("team 5 after team 4 cancelled its offer: %s", r.Status)
	}
	got, _ = CheckEvent(t, e.store, "ev", false)
	if got.SeatsTaken != 2 || got.SeatsHeld != 4 {
		t.Fatalf("counts %+v", got.Counts)
	}

	// Nothing is due yet; 24 hours before the deadline one reminder goes
	// to each offered team, once.
	if n := e.sweep(t); n != 0 {
		t.Fatalf("swept %d holds with nothing due", n)
	}
	e.at(t, 25*time.Hour)
	if n := e.sweep(t); n != 2 {
		t.Fatalf("reminders: swept %d, want 2", n)
	}
	if n := e.sweep(t); n != 0 {
		t.Fatalf("second sweep acted on %d", n)
	}
	notices := e.notices(t)
	if countKind(notices, ids[3], convening.NoticeOfferReminder) != 1 || countKind(notices, ids[3], convening.NoticeOffered) != 1 {
		t.Fatalf("team 3's notices: %v", notices[ids[3]])
	}

	// Past the deadline: teams 3 and 5 lapse, team 6 is offered.
	e.at(t, 49*time.Hour)
	if n := e.sweep(t); n != 2 {
		t.Fatalf("lapses: swept %d, want 2", n)
	}
	_, err = e.svc.AcceptOffer(ctx, ids[3], tokens[3])
	wantReason(t, "accept after the deadline", err, convening.ReasonOfferExpired)
	got, lists = CheckEvent(t, e.store, "ev", false)
	if len(lists.Expired) != 2 || len(lists.Offered) != 1 || lists.Offered[0].ID != more[6] || got.SeatsHeld != 1 {
		t.Fatalf("after the lapse: counts %+v, expired %d, offered %v", got.Counts, len(lists.Expired), lists.Offered)
	}
	notices = e.notices(t)
	if countKind(notices, ids[3], convening.NoticeOfferExpired) != 1 || countKind(notices, more[6], convening.NoticeOffered) != 1 {
		t.Fatalf("notices: team 3 %v, team 6 %v", notices[ids[3]], notices[more[6]])
	}
	// A lapsed team may register again: its place is free.
	if _, _, _, err := e.svc.Register(ctx, "ev", Team(3, 2), nil); err != nil {
		t.Fatalf("register again after a lapse: %v", err)
	}
	CheckEvent(t, e.store, "ev", false)
	// The roster's active lists run registered, offered, waiting.
	_, page, err := e.svc.Roster(ctx, "ev", convening.RosterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []convening.Status
	for _, r := range page.Registrations {
		statuses = append(statuses, r.Status)
	}
	if !slices.IsSortedFunc(statuses, func(a, b convening.Status) int {
		return slices.Index(convening.RosterLists, a) - slices.Index(convening.RosterLists, b)
	}) || len(statuses) != 3 {
		t.Fatalf("active roster %v", statuses)
	}
}

// testRaceAcceptAndLapse: an acceptance racing the deadline's lapse —
// exactly one wins, and the loser's answer says so.
func testRaceAcceptAndLapse(t *testing.T, e *env) {
	ctx := context.Background()
	ev := Event("ev", 2, convening.PolicyStrict)
	ev.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 1}
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 2}, [2]int{2, 2})
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
		t.Fatal(err)
	}
	r, _ := e.store.Registration(ctx, ids[2])
	if r.Offer == nil {
		t.Fatalf("team 2 not offered: %+v", r)
	}
	// The team answers a moment before the deadline, the sweep runs a
	// moment after it: each service sees its own clock.
	before := r.Offer.RespondBy.Add(-time.Millisecond)
	team := e.svc.WithClock(func() time.Time { return before })
	after := r.Offer.RespondBy.Add(time.Millisecond)
	e.svc.Clock = func() time.Time { return after }
	accepted := make(chan error, 1)
	go func() {
		_, err := team.AcceptOffer(ctx, ids[2], tokens[2])
		accepted <- err
	}()
	e.sweep(t)
	err := <-accepted
	final, _ := e.store.Registration(ctx, ids[2])
	switch final.Status {
	case convening.StatusRegistered:
		if err != nil {
			t.Fatalf("registered, but the team was told %v", err)
		}
	case convening.StatusExpired:
		wantReason(t, "accept that lost to the lapse", err, convening.ReasonOfferExpired)
	default:
		t.Fatalf("final status %s (accept: %v)", final.Status, err)
	}
	CheckEvent(t, e.store, "ev", false)
	notices := e.notices(t)
	if n := countKind(notices, ids[2], convening.NoticeRegistered) + countKind(notices, ids[2], convening.NoticeOfferExpired); n != 1 {
		t.Fatalf("notices of team 2: %v", notices[ids[2]])
	}
}
