package storetest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The contract of queued registration (convening/queue.go): a queued
// event receives teams at once and places them later, in the order
// received, with the same rules, counters, notices and audit records as a
// direct registration.

// queuedEvent creates a queued event of capacity seats (strict policy)
// and makes the services place without waiting (no grace: the tests
// receive everything before they place it, or say what they check).
func (e *env) queuedEvent(t testing.TB, id string, capacity int) convening.Event {
	t.Helper()
	ev := Event(id, capacity, convening.PolicyStrict)
	ev.RegistrationMode = convening.ModeQueued
	created, err := e.svc.CreateEvent(context.Background(), staff, ev)
	if err != nil {
		t.Fatalf("create queued event: %v", err)
	}
	if created.RegistrationMode != convening.ModeQueued {
		t.Fatalf("created in mode %q", created.RegistrationMode)
	}
	e.svc.QueueService.Grace = 0
	return created
}

// testQueuedPlacesInArrivalOrder: teams are received, told so (no place
// yet), then placed in the order received: seats while nobody waits and
// they fit, the waiting list after, with exact places, one notice each
// (a waitlisted one telling its place) and an audit record each.
func testQueuedPlacesInArrivalOrder(t *testing.T, e *env) {
	ctx := context.Background()
	e.queuedEvent(t, "rush", 10)
	steps := []struct {
		team, size int
		status     convening.Status
		position   int
	}{
		{1, 4, convening.StatusRegistered, 0},
		{2, 4, convening.StatusRegistered, 0},
		{3, 4, convening.StatusWaitlisted, 1}, // 2 seats left, team of 4 waits
		{4, 2, convening.StatusWaitlisted, 2}, // fits, but nobody jumps the list
		{5, 3, convening.StatusWaitlisted, 3},
	}
	ids, tokens := map[int]string{}, map[int]string{}
	for _, s := range steps {
		reg, token, _, err := e.svc.Register(ctx, "rush", Team(s.team, s.size), nil)
		if err != nil {
			t.Fatalf("team %d: %v", s.team, err)
		}
		if reg.Status != convening.StatusReceived || reg.WaitlistPosition != nil || token == "" {
			t.Fatalf("team %d: answered %s (position %v), want received", s.team, reg.Status, reg.WaitlistPosition)
		}
		live, err := e.svc.Registration(ctx, reg.ID, token)
		if err != nil || live.Status != convening.StatusReceived {
			t.Fatalf("team %d in line: %v %s", s.team, err, live.Status)
		}
		ids[s.team], tokens[s.team] = reg.ID, token
	}
	if ev, _ := e.svc.Event(ctx, "rush"); ev.Counts != (convening.Counts{}) {
		t.Fatalf("teams in line count already: %+v", ev.Counts)
	}
	// Another registration of an organization in line is refused at once.
	if _, _, _, err := e.svc.Register(ctx, "rush", Team(3, 2), nil); convening.ErrorReason(err) != convening.ReasonOrganizationRegistered {
		t.Fatalf("the same organization again: %v", err)
	}
	if n, err := e.svc.QueueService.Sequence(ctx, "rush"); err != nil || n != 5 {
		t.Fatalf("sequence: placed %d: %v", n, err)
	}
	for _, s := range steps {
		live, err := e.svc.Registration(ctx, ids[s.team], tokens[s.team])
		if err != nil || live.Status != s.status || position(live) != s.position {
			t.Fatalf("team %d: %v %s at %d, want %s at %d", s.team, err, live.Status, position(live), s.status, s.position)
		}
	}
	ev, _ := CheckEvent(t, e.store, "rush", false)
	if ev.SeatsTaken != 8 || ev.RegisteredTeams != 2 || ev.WaitlistLength != 3 || ev.WaitlistSeats != 9 {
		t.Fatalf("counts %+v", ev.Counts)
	}
	n := e.notices(t)
	for _, s := range steps {
		want := convening.NoticeRegistered
		if s.status == convening.StatusWaitlisted {
			want = convening.NoticeWaitlisted
		}
		if !slices.Equal(n[ids[s.team]], []convening.NoticeKind{want}) {
			t.Errorf("team %d: notices %v, want %s", s.team, n[ids[s.team]], want)
		}
	}
	// The waitlisted notices tell the place the sequencer knew.
	for id, notice := range e.noticesOf(t) {
		if notice.Kind == convening.NoticeWaitlisted && notice.SubjectID == ids[5] && notice.WaitlistPosition != 3 {
			t.Errorf("notice %s tells place %d, want 3", id, notice.WaitlistPosition)
		}
	}
	e.checkOneRecordPerChange(t, "rush")
	// Nothing is left in line: placing again places nothing.
	if n, err := e.svc.QueueService.Sequence(ctx, "rush"); err != nil || n != 0 {
		t.Fatalf("sequence again: placed %d: %v", n, err)
	}
}

// noticesOf returns every notice as the mailer would render it, by id.
func (e *env) noticesOf(t testing.TB) map[string]convening.Notice {
	t.Helper()
	ctx := context.Background()
	ids, err := e.store.DueNotices(ctx, time.Now().AddDate(1, 0, 0), 100000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]convening.Notice{}
	for _, id := range ids {
		n, err := e.store.Notice(ctx, id)
		if err != nil {
			t.Fatalf("notice %s: %v", id, err)
		}
		out[id] = n
	}
	return out
}

// testQueuedRefusedAndCancelledInLine: the event refuses at once what it
// refuses as read (registration closed); a team whose turn comes after
// staff made the event refuse it is refused then, with the reason, its
// organization's place released and a notice saying why; a team that
// cancels while in line is simply not placed.
func testQueuedRefusedAndCancelledInLine(t *testing.T, e *env) {
	ctx := context.Background()
	e.queuedEvent(t, "q", 20)
	big, _, _, err := e.svc.Register(ctx, "q", Team(1, 6), nil)
	if err != nil {
		t.Fatal(err)
	}
	leaving, leavingToken, _, err := e.svc.Register(ctx, "q", Team(2, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := e.svc.Cancel(ctx, leaving.ID, leavingToken); err != nil || c.Status != convening.StatusCancelled {
		t.Fatalf("cancel in line: %v %s", err, c.Status)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "q", convening.EventChange{MaxTeamSize: ptr(4)}, "smaller rooms"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.QueueService.Sequence(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	r, err := e.store.Registration(ctx, big.ID)
	if err != nil || r.Status != convening.StatusRefused || r.RefusedReason != convening.ReasonInvalidFields {
		t.Fatalf("team of 6 after the limit fell to 4: %v %s (%s)", err, r.Status, r.RefusedReason)
	}
	if c, _ := e.store.Registration(ctx, leaving.ID); c.Status != convening.StatusCancelled {
		t.Fatalf("cancelled in line, then %s", c.Status)
	}
	n := e.notices(t)
	if !slices.Equal(n[big.ID], []convening.NoticeKind{convening.NoticeRefused}) ||
		!slices.Equal(n[leaving.ID], []convening.NoticeKind{convening.NoticeCancelled}) {
		t.Fatalf("notices %v", n)
	}
	for _, notice := range e.noticesOf(t) {
		if notice.Kind == convening.NoticeRefused && notice.RefusedReason != convening.ReasonInvalidFields {
			t.Errorf("refusal tells reason %q", notice.RefusedReason)
		}
	}
	ev, _ := CheckEvent(t, e.store, "q", false)
	if ev.Counts != (convening.Counts{}) {
		t.Fatalf("counts %+v", ev.Counts)
	}
	// Both organizations may register again.
	for _, team := range []convening.Team{Team(1, 4), Team(2, 2)} {
		if r, _, _, err := e.svc.Register(ctx, "q", team, nil); err != nil || r.Status != convening.StatusReceived {
			t.Fatalf("register again: %v %s", err, r.Status)
		}
	}
	// Closed registration is refused at once.
	past := time.Now().Add(-time.Minute)
	if _, err := e.svc.UpdateEvent(ctx, staff, "q", convening.EventChange{RegistrationClosesAt: &past, RegistrationOpensAt: ptr(past.Add(-time.Hour))}, ""); err != nil {
		t.Fatal(err)
	}
	// (The DynamoDB store checks against the event as read within a
	// couple of seconds; wait that out.)
	time.Sleep(2100 * time.Millisecond)
	if _, _, _, err := e.svc.Register(ctx, "q", Team(3, 2), nil); convening.ErrorReason(err) != convening.ReasonRegistrationClosed {
		t.Fatalf("closed: %v", err)
	}
	// Those received before it closed are placed all the same: they came
	// in time.
	if n, err := e.svc.QueueService.Sequence(ctx, "q"); err != nil || n != 2 {
		t.Fatalf("placed %d: %v", n, err)
	}
	CheckEvent(t, e.store, "q", false)
	e.checkOneRecordPerChange(t, "q")
}

// testQueuedPlacementsInvoiced: at a queued event with a fee policy,
// the teams the sequencer gives seats are invoiced as direct
// registrations are (their accounts await the billing details); those it
// puts on the waiting list are not, and at a free queued event nobody is.
func testQueuedPlacementsInvoiced(t *testing.T, e *env) {
	ctx := context.Background()
	e.queuedEvent(t, "paidq", 4)
	if _, err := e.svc.Fees.SetFeePolicy(ctx, staff, "paidq", fifty, "the year's price"); err != nil {
		t.Fatal(err)
	}
	e.queuedEvent(t, "freeq", 4)
	type placed struct {
		event, name string
		reg         convening.Registration
		want        convening.Status
		account     bool
	}
	var all []placed
	for _, ev := range []string{"paidq", "freeq"} {
		for i, size := range []int{3, 3} {
			reg, _, _, err := e.svc.Register(ctx, ev, Team(10+i, size), nil)
			if err != nil || reg.Status != convening.StatusReceived {
				t.Fatalf("%s: received %v %v", ev, reg.Status, err)
			}
			want := []convening.Status{convening.StatusRegistered, convening.StatusWaitlisted}[i]
			all = append(all, placed{ev, reg.Organization.Name, reg, want, ev == "paidq" && i == 0})
		}
		if n, err := e.svc.QueueService.Sequence(ctx, ev); err != nil || n != 2 {
			t.Fatalf("%s: placed %d, %v", ev, n, err)
		}
	}
	for _, p := range all {
		r, err := e.store.Registration(ctx, p.reg.ID)
		if err != nil || r.Status != p.want {
			t.Fatalf("%s at %s: %v %v, want %s", p.name, p.event, r.Status, err, p.want)
		}
		a, err := e.store.Account(ctx, p.reg.ID)
		if err != nil || a.Exists() != p.account || (p.account && a.Awaiting != convening.AwaitingBillTo) {
			t.Errorf("%s (%s at %s): account %+v %v, want one: %v", p.name, p.want, p.event, a, err, p.account)
		}
	}
}

// testQueuedModeLocked: a queued event cannot go back to direct
// registration while registration is open; before it opens, it can.
func testQueuedModeLocked(t *testing.T, e *env) {
	ctx := context.Background()
	e.queuedEvent(t, "open", 10)
	direct := convening.ModeDirect
	_, err := e.svc.UpdateEvent(ctx, staff, "open", convening.EventChange{RegistrationMode: &direct}, "")
	if convening.ErrorReason(err) != convening.ReasonRegistrationModeLocked {
		t.Fatalf("back to direct while open: %v", err)
	}
	soon := Event("soon", 10, convening.PolicyStrict)
	soon.RegistrationOpensAt = time.Now().Add(time.Hour)
	if _, err := e.svc.CreateEvent(ctx, staff, soon); err != nil {
		t.Fatal(err)
	}
	queued := convening.ModeQueued
	for _, m := range []*convening.RegistrationMode{&queued, &direct, &queued} {
		ev, err := e.svc.UpdateEvent(ctx, staff, "soon", convening.EventChange{RegistrationMode: m}, "")
		if err != nil || ev.RegistrationMode != *m {
			t.Fatalf("to %s before opening: %v %s", *m, err, ev.RegistrationMode)
		}
	}
	// A statement event takes no queue.
	st := Event("st", 10, convening.PolicyStrict)
	st.Admission, st.RegistrationMode = convening.AdmissionStatement, convening.ModeQueued
	if _, err := e.svc.CreateEvent(ctx, staff, st); convening.ErrorReason(err) != convening.ReasonInvalidFields {
		t.Fatalf("queued statement event: %v", err)
	}
}

// testRaceQueuedLastSeats: 40 teams race to register for the last 10
// seats of a queued event while sequencers race each other; then the
// line is placed across several batches. Exactly the seats there are are
// taken, by the teams first in arrival order, and the rest wait in
// arrival order with exact places; every invariant holds. A second wave
// registers while sequencers run, with no grace: the invariants hold
// whatever the interleaving.
func testRaceQueuedLastSeats(t *testing.T, e *env) {
	ctx := context.Background()
	e.queuedEvent(t, "ev", 20)
	e.registerAll(t, "ev", [2]int{100, 5}, [2]int{101, 5})
	if _, err := e.svc.QueueService.Sequence(ctx, "ev"); err != nil {
		t.Fatal(err)
	}
	const teams = 40
	regs := make([]convening.Registration, teams)
	tokens := make([]string, teams)
	race(teams, func(i int) {
		var err error
		if regs[i], tokens[i], _, err = e.svc.Register(ctx, "ev", Team(i, 2+i%2), nil); err != nil {
			t.Errorf("team %d: %v", i, err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	placed := make([]int, 3)
	race(3, func(i int) {
		var err error
		if placed[i], err = e.svc.QueueService.Sequence(ctx, "ev"); err != nil {
			t.Errorf("sequencer %d: %v", i, err)
		}
	})
	if got := placed[0] + placed[1] + placed[2]; got != teams {
		// One sequencer at a time; those that found another at work rang
		// it and left.
		t.Fatalf("placed %v, want %d in all", placed, teams)
	}
	// Arrival order: by the time received, then id.
	order := make([]int, teams)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(regs[a].CreatedAt.Compare(regs[b].CreatedAt), cmp.Compare(regs[a].ID, regs[b].ID))
	})
	free, waiting := 10, 0
	for _, i := range order {
		live, err := e.svc.Registration(ctx, regs[i].ID, tokens[i])
		if err != nil {
			t.Fatal(err)
		}
		want, place := convening.StatusRegistered, 0
		if waiting > 0 || regs[i].Seats > free {
			waiting++
			want, place = convening.StatusWaitlisted, waiting
		} else {
			free -= regs[i].Seats
		}
		if live.Status != want || position(live) != place {
			t.Errorf("team %d (%s): %s at %d, want %s at %d", i, regs[i].CreatedAt.Format(time.StampMicro), live.Status, position(live), want, place)
		}
	}
	ev, _ := CheckEvent(t, e.store, "ev", false)
	if ev.SeatsTaken != 20-free {
		t.Fatalf("%d seats taken, want %d", ev.SeatsTaken, 20-free)
	}
	e.checkOneRecordPerChange(t, "ev")

	// Second wave: registrations and sequencers at once.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				if _, err := e.svc.QueueService.Sequence(ctx, "ev"); err != nil {
					t.Errorf("sequencer: %v", err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	race(20, func(i int) {
		if _, _, _, err := e.svc.Register(ctx, "ev", Team(200+i, 2), nil); err != nil {
			t.Errorf("wave 2, team %d: %v", i, err)
		}
	})
	close(stop)
	wg.Wait()
	if _, err := e.svc.QueueService.Sequence(ctx, "ev"); err != nil {
		t.Fatal(err)
	}
	ev, lists := CheckEvent(t, e.store, "ev", false)
	if ev.RegisteredTeams+ev.WaitlistLength != 2+teams+20 || len(lists.Waitlist) != ev.WaitlistLength {
		t.Fatalf("after the second wave: %+v", ev.Counts)
	}
	e.checkOneRecordPerChange(t, "ev")
}
