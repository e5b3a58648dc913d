package dynamostore

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestWaitlistArrivalsDoNotRefuseOneAnother: at a full event, teams that
// do not fit the seats left join the waiting list in one transaction each,
// however many arrive at once (they do not raise the event's floor of
// arrival numbers, so none refuses another), in the order of their
// arrival numbers; a team that would fit the seats left but finds teams
// waiting reads the last of them and comes after it, never first.
func TestWaitlistArrivalsDoNotRefuseOneAnother(t *testing.T) {
	var counted *countedCalls
	store, client := newFaultStore(t, func(db API) API { counted = &countedCalls{API: db}; return counted })
	svc := newTeamService(t, store, "ev", 10)
	ctx := context.Background()
	register := func(n, size int) convening.Registration {
		t.Helper()
		reg, _, _, err := svc.Register(ctx, "ev", storetest.Team(n, size), nil)
		if err != nil {
			t.Fatalf("team %d: %v", n, err)
		}
		return reg
	}
	if r := register(1, 8); r.Status != convening.StatusRegistered {
		t.Fatalf("first team: %s", r.Status)
	}
	// Two seats left; a team of four waits (its first attempt, for seats,
	// teaches the store that the event is full for it).
	first := register(2, 4)
	if first.Status != convening.StatusWaitlisted {
		t.Fatalf("team of four: %s", first.Status)
	}

	const teams = 24
	txs := counted.txs.Load()
	var wg sync.WaitGroup
	errs := make([]error, teams)
	ids := make([]string, teams)
	for i := range teams {
		wg.Go(func() {
			reg, _, _, err := svc.Register(ctx, "ev", storetest.Team(10+i, 3+i%4), nil)
			if err == nil && reg.Status != convening.StatusWaitlisted {
				err = fmt.Errorf("status %s", reg.Status)
			}
			errs[i], ids[i] = err, reg.ID
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("team %d: %v", 10+i, err)
		}
	}
	if n := counted.txs.Load() - txs; n != teams {
		t.Errorf("%d teams joined the waiting list at once in %d transactions, want one each", teams, n)
	}

	// Every team looks at its place at once: each is told a different one,
	// and the places of one tick are settled by one write.
	txs = counted.txs.Load()
	places := make([]int, teams)
	ticks := map[int64]bool{}
	for i := range teams {
		wg.Go(func() {
			reg, err := store.SettledRegistration(ctx, ids[i])
			if err != nil || reg.WaitlistPosition == nil {
				errs[i] = fmt.Errorf("place %v: %w", reg.WaitlistPosition, err)
				return
			}
			places[i] = *reg.WaitlistPosition
		})
		reg, err := store.Registration(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		ticks[time.UnixMicro(reg.WaitlistSeq).Truncate(settleTick).UnixMicro()] = true
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("team %d: %v", 10+i, err)
		}
	}
	slices.Sort(places)
	for i, p := range places {
		if p != i+2 {
			t.Fatalf("places told %v, want 2 to %d", places, teams+1)
		}
	}
	if n := counted.txs.Load() - txs; n > int64(len(ticks)) {
		t.Errorf("%d places settled in %d transactions, want at most one per tick (%d)", teams, n, len(ticks))
	}

	// A team of two fits the two seats left, but teams wait: it comes last.
	small := register(99, 2)
	if small.Status != convening.StatusWaitlisted {
		t.Fatalf("team of two behind the waiting teams: %s", small.Status)
	}
	mine, err := store.Registration(ctx, small.ID)
	if err != nil || mine.WaitlistPosition == nil || *mine.WaitlistPosition != teams+2 {
		t.Errorf("team of two's place: %v %v, want %d (last)", mine.WaitlistPosition, err, teams+2)
	}

	st := checkedTable(t, client, store.table, "ev")
	if len(st.Waitlist) != teams+2 || st.Waitlist[0].ID != first.ID {
		t.Errorf("waiting list of %d, head %s; want %d, head %s", len(st.Waitlist), st.Waitlist[0].ID, teams+2, first.ID)
	}
}

// TestToldPlaceNeverGrows: teams join the waiting list in arrival order,
// so a team whose arrival was decided earlier but written later goes ahead
// of one written before it, unless that one has been told its place:
// telling settles it (the event's floor of arrival numbers rises to it),
// and the late arrival is written behind it instead.
func TestToldPlaceNeverGrows(t *testing.T) {
	store, client := newFaultStore(t, nil)
	svc := newTeamService(t, store, "ev", 2)
	ctx := context.Background()
	// A second function whose arrivals were all decided five seconds ago:
	// its attempts stand for ones that were in flight that long.
	late := New(client, store.table, slog.New(slog.DiscardHandler))
	late.clock = func() time.Time { return time.Now().Add(-5 * time.Second) }
	lateSvc := storetest.NewServices(late, storetest.Tokens(t), nil)
	register := func(svc *storetest.Services, n int) convening.Registration {
		t.Helper()
		reg, _, _, err := svc.Register(ctx, "ev", storetest.Team(n, 2), nil)
		if err != nil {
			t.Fatalf("team %d: %v", n, err)
		}
		return reg
	}
	place := func(r convening.Registration) int {
		t.Helper()
		got, err := store.SettledRegistration(ctx, r.ID)
		if err != nil || got.WaitlistPosition == nil {
			t.Fatalf("%s: %v, place %v", r.ID, err, got.WaitlistPosition)
		}
		return *got.WaitlistPosition
	}
	if r := register(svc, 1); r.Status != convening.StatusRegistered {
		t.Fatalf("first team: %s", r.Status)
	}
	second := register(svc, 2)
	earlier := register(lateSvc, 3) // arrived before the second team
	if second.Status != convening.StatusWaitlisted || earlier.Status != convening.StatusWaitlisted {
		t.Fatalf("statuses %s, %s", second.Status, earlier.Status)
	}
	if p := place(earlier); p != 1 {
		t.Errorf("the team that arrived first is told place %d, want 1", p)
	}
	told := place(second)
	if told != 2 {
		t.Fatalf("second team told place %d, want 2", told)
	}
	last := register(lateSvc, 4) // decided before the second team was told its place
	if p := place(second); p != told {
		t.Errorf("second team's place went from %d to %d", told, p)
	}
	if p := place(last); p != 3 {
		t.Errorf("the team written after a place was told is at %d, want 3 (last)", p)
	}

	st := checkedTable(t, client, store.table, "ev")
	var order []string
	for _, w := range st.Waitlist {
		order = append(order, w.ID)
	}
	if want := []string{earlier.ID, second.ID, last.ID}; !slices.Equal(order, want) {
		t.Errorf("waiting list %v, want %v", order, want)
	}
}

// checkedTable scans the table and checks event eventID's invariants
// (dynamotest.Check), failing the test on any violation; it returns the
// state found.
func checkedTable(t *testing.T, client *dynamodb.Client, table, eventID string) dynamotest.State {
	t.Helper()
	items, err := dynamotest.Scan(context.Background(), client, table)
	if err != nil {
		t.Fatal(err)
	}
	return dynamotest.MustHold(t, items, eventID)
}
