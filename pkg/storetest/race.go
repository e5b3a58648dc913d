package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// race runs f(0..n-1) at once and waits for all of them.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// testRaceForTheLastSeat: 20 teams of two race for the last two seats;
// exactly one takes them, the others wait in a list numbered 1..19.
func testRaceForTheLastSeat(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 10, convening.PolicyStrict)
	e.registerAll(t, "ev", [2]int{100, 4}, [2]int{101, 4})
	results := make([]convening.Registration, 20)
	tokens := make([]string, 20)
	errs := make([]error, 20)
	race(20, func(i int) {
		results[i], tokens[i], _, errs[i] = e.svc.Register(ctx, "ev", Team(i, 2), nil)
	})
	registered, positions := 0, map[int]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("team %d: %v", i, err)
		}
		switch results[i].Status {
		case convening.StatusRegistered:
			registered++
		case convening.StatusWaitlisted:
			// Registering tells no place; the team's status does.
			live, err := e.svc.Registration(ctx, results[i].ID, tokens[i])
			if err != nil || live.Status != convening.StatusWaitlisted {
				t.Fatalf("team %d: %v %s", i, err, live.Status)
			}
			positions[position(live)] = true
		}
	}
	if registered != 1 {
		t.Fatalf("%d teams took the last seats, want exactly 1", registered)
	}
	for p := 1; p <= 19; p++ {
		if !positions[p] {
			t.Fatalf("no team was told position %d: %v", p, positions)
		}
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.SeatsTaken != 10 || ev.WaitlistLength != 19 {
		t.Fatalf("counts %+v", ev.Counts)
	}
	if n := e.notices(t); len(n) != 22 {
		t.Fatalf("%d registrations have notices, want 22", len(n))
	}
	e.checkOneRecordPerChange(t, "ev")
}

// testRaceSameOrganization: ten copies of one organization's registration
// race; one is stored, the others are told it is already registered.
func testRaceSameOrganization(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 40, convening.PolicyStrict)
	errs := make([]error, 10)
	race(10, func(i int) {
		team := Team(7, 2)
		team.Contact.Name = fmt.Sprint("Contact ", i) // same organization, other details
		_, _, _, errs[i] = e.svc.Register(ctx, "ev", team, nil)
	})
	ok := 0
	for _, err := range errs {
		switch convening.ErrorReason(err) {
		case "":
			ok++
		case convening.ReasonOrganizationRegistered:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d registrations of one organization, want 1", ok)
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.RegisteredTeams != 1 {
		t.Fatalf("counts %+v", ev.Counts)
	}
}

// testRaceSameIdempotencyKey: a client retries one request ten times at
// once; one registration results and every answer names it.
func testRaceSameIdempotencyKey(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 40, convening.PolicyStrict)
	idem := &convening.Idempotency{Key: "retry", RequestHash: "same-body"}
	ids := make([]string, 10)
	errs := make([]error, 10)
	race(10, func(i int) {
		var r convening.Registration
		r, _, _, errs[i] = e.svc.Register(ctx, "ev", Team(8, 3), idem)
		ids[i] = r.ID
	})
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("retry %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("retries answered %s and %s", ids[0], ids[i])
		}
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.RegisteredTeams != 1 || len(e.notices(t)) != 1 {
		t.Fatalf("counts %+v", ev.Counts)
	}
}

// testRaceCancelAndPromote: registered teams cancel while promotions run
// concurrently; afterwards every invariant holds, every freed seat that a
// waitlisted team fits is taken, and every promoted team got exactly one
// promotion notice.
func testRaceCancelAndPromote(t *testing.T, e *env) {
	ctx := context.Background()
	for _, policy := range []convening.WaitlistPolicy{convening.PolicyStrict, convening.PolicyFill} {
		id := "ev-" + string(policy)
		e.createEvent(t, id, 20, policy)
		var teams [][2]int
		for n := range 16 {
			teams = append(teams, [2]int{n, 2 + n%3}) // 2, 3 or 4 seats
		}
		ids, tokens := e.registerAll(t, id, teams...)
		race(16, func(i int) {
			switch {
			case i%2 == 0 && i < 12:
				if _, err := e.svc.Cancel(ctx, ids[i], tokens[i]); err != nil {
					t.Errorf("cancel %d: %v", i, err)
				}
			default:
				if _, err := e.svc.Promote(ctx, id); err != nil && convening.ErrorCode(err) != convening.EUNAVAILABLE {
					t.Errorf("promote: %v", err)
				}
			}
		})
		if _, err := e.svc.Promote(ctx, id); err != nil {
			t.Fatal(err)
		}
		_, r := CheckEvent(t, e.store, id, true)
		e.checkOneRecordPerChange(t, id)
		n := e.notices(t)
		for _, reg := range r.Registered {
			promotions := 0
			for _, k := range n[reg.ID] {
				if k == convening.NoticePromoted {
					promotions++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[reg.PromotedAt != nil]; promotions != want {
				t.Errorf("%s: %d promotion notices, want %d", reg.ID, promotions, want)
			}
		}
	}
}
