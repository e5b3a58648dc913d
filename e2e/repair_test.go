package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/mailer"
)

// TestStreamRepairsWhatACrashLeft cancels a registration the way a function
// that died before promoting would leave it (the cancel committed, no
// promotion), and sends the mail while SES is unreachable. The stream must
// still promote the waitlisted team, and every notice must go out once SES
// is back: nothing is lost, nothing is sent twice.
func TestStreamRepairsWhatACrashLeft(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	run := "repair" + time.Now().Format("150405.000000")
	run = strings.ReplaceAll(run, ".", "")
	start := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Hour)
	if _, err := h.svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), convening.Event{ID: "ev", Title: "Regional convening", Kind: convening.KindConvening,
		StartsAt: start, EndsAt: start.Add(6 * time.Hour), Venue: "Salinas", Capacity: 6, MaxTeamSize: 6}); err != nil {
		t.Fatal(err)
	}
	first, _, _, err := h.svc.Register(ctx, "ev", teamOf(run, 1, 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting, token, _, err := h.svc.Register(ctx, "ev", teamOf(run, 2, 4), nil)
	if err != nil || waiting.Status != convening.StatusWaitlisted {
		t.Fatalf("setup: %v %s", err, waiting.Status)
	}
	// The "crash": the cancel commits, the promotion that should follow never runs.
	store := h.store
	if r, err := store.UpdateRegistration(ctx, first.ID, convening.ReadRegistration,
		convening.DecideCancel(convening.TeamActor, convening.NewID(), convening.NewID(), "", time.Now())); err != nil || r.Status != convening.StatusCancelled {
		t.Fatalf("cancel: %v %s", err, r.Status)
	}

	// SES unreachable: a port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	sctx, stop := context.WithCancel(ctx)
	done := h.runStream(sctx, dead)
	waitFor(t, 20*time.Second, "promotion by the stream", func() bool {
		r, err := h.svc.Registration(ctx, waiting.ID, token)
		return err == nil && r.Status == convening.StatusRegistered
	})
	waitFor(t, 30*time.Second, "failed send recorded", func() bool {
		failed := false
		for _, it := range h.scan(ctx) {
			if it.Kind() == dynamotest.Notice && it.S("state") == "sent" {
				t.Fatalf("notice %s sent while SES was unreachable", it.S("id"))
			}
			failed = failed || (it.Kind() == dynamotest.Notice && it.S("cause") != "")
		}
		return failed
	})
	stop()
	<-done

	// SES back. A sender that died mid-send still holds its notice's lease,
	// and Lambda's retries of the records may be spent: the scheduled sweep
	// sends what is left. Its clock runs ahead past the sweep age instead of
	// the test waiting minutes for it.
	later := func() time.Time { return time.Now().Add(mailer.SweepAge + mail.Lease) }
	sweeper := h.sweeper(t, later)
	if _, err := sweeper.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	// And a redelivery of every stream record afterwards sends nothing twice.
	sctx, stop = context.WithCancel(ctx)
	done = h.runStream(sctx, h.sesURL)
	defer func() { stop(); <-done }()
	h.waitQuiet(ctx, t, "ev", 30*time.Second)
	items := h.scan(ctx)
	dynamotest.MustHold(t, items, "ev")
	checkMail(ctx, t, h.sesURL, run, items)
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
