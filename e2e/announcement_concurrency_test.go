package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/localaws"
)

// TestConcurrentAnnouncement sends announcements while teams register and
// cancel, with transaction conflicts and throttling injected, through the
// functions as deployed (the admin function sends, the mailer delivers
// from the stream): two staff press send on the same announcement at
// once, another goes to the contacts. Judged from the table and the mail
// the local SES endpoint received: every recipient of each announcement's
// snapshot gets it exactly once, nobody else does, a team in the lists
// for the whole send is a recipient, one that registered after it or
// left before it is not, and no email names another recipient.
func TestConcurrentAnnouncement(t *testing.T) {
	if testing.Short() {
		t.Skip("the rush takes a while; run without -short")
	}
	ctx := context.Background()
	f := &faults{conflictRate: 0.05, throttleRate: 0.03}
	h := newHarness(t, f.option)
	run := fmt.Sprintf("ann%d", time.Now().UnixNano())
	eventID := "announce-rush"
	if r := h.call(ctx, "POST /api/admin/events", nil, nil, map[string]any{
		"id": eventID, "title": "Institute announcements", "kind": "institute",
		"startsAt": "2030-06-25T08:00:00-07:00", "endsAt": "2030-06-26T16:00:00-07:00",
		"venue": "San Diego", "capacity": 60, "maxTeamSize": 6,
	}); r.status != 201 {
		t.Fatalf("create event: %d %v", r.status, r.body)
	}
	sctx, stop := context.WithCancel(ctx)
	streamDone := h.runStream(sctx, h.sesURL)

	const teams = 80
	type fate struct {
		id, token                           string
		registeredBefore, registeredAfter   bool
		cancelled, cancelledBefore, lateCxl bool
	}
	var started, finished atomic.Bool
	var registered atomic.Int32
	fates := make([]fate, teams)
	var wg sync.WaitGroup
	for i := range teams {
		wg.Go(func() {
			fa := &fates[i]
			fa.registeredAfter = finished.Load()
			r := h.call(ctx, "POST /api/events/{eventId}/registrations", map[string]string{"eventId": eventID}, nil, teamOf(run, i, 1+i%4))
			if r.status != 201 {
				t.Errorf("register %d: %d %v", i, r.status, r.body)
				return
			}
			reg := r.body["registration"].(map[string]any)
			fa.id, fa.token, fa.registeredBefore = reg["id"].(string), r.body["manageToken"].(string), !started.Load()
			registered.Add(1)
			if i%3 == 0 {
				fa.lateCxl = finished.Load()
				c := h.call(ctx, "DELETE /api/registrations/{registrationId}", map[string]string{"registrationId": fa.id},
					map[string]string{"Authorization": "Bearer " + fa.token}, nil)
				if c.status != 200 {
					t.Errorf("cancel %d: %d %v", i, c.status, c.body)
					return
				}
				fa.cancelled, fa.cancelledBefore = true, !started.Load()
			}
		})
	}
	for registered.Load() < teams/3 {
		time.Sleep(time.Millisecond)
	}
	// Two staff press send on the same announcement at once, while
	// another goes to the contacts.
	members := map[string]any{"audience": []string{"registered", "waitlisted"}, "to": "members",
		"subject": "Parking at the institute " + run, "text": "Park in lot B.\n\nLunch at noon.", "reason": "Teams asked"}
	contacts := map[string]any{"audience": []string{"registered", "waitlisted"}, "to": "contacts",
		"subject": "Invoices " + run, "text": "Invoices go out next week.", "reason": "Billing"}
	started.Store(true)
	answers := make([]response, 3)
	var sends sync.WaitGroup
	for i, body := range []map[string]any{members, members, contacts} {
		sends.Go(func() {
			answers[i] = h.call(ctx, "POST /api/admin/events/{eventId}/announcements", map[string]string{"eventId": eventID}, nil, body)
		})
	}
	sends.Wait()
	finished.Store(true)
	wg.Wait()

	sent := 0
	var anns []convening.Announcement
	for i, a := range answers {
		switch {
		case a.status == 202:
			sent++
			got, err := h.svc.Announcement(ctx, eventID, a.body["announcement"].(map[string]any)["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			anns = append(anns, got)
		case i < 2 && a.status == 409 && a.body["reason"] == "announcement_duplicate":
		default:
			t.Fatalf("send %d: %d %v", i, a.status, a.body)
		}
	}
	if sent != 2 {
		t.Fatalf("%d sends went out, want one of the two presses and the contacts'", sent)
	}

	// Whom each reached, from its snapshot, by address.
	want := map[string]map[string]int{} // subject -> address -> emails expected
	for _, a := range anns {
		pages, err := h.store.RecipientPages(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		in := map[string]bool{}
		want[a.Subject] = map[string]int{}
		for _, p := range pages {
			for _, team := range p.Teams {
				in[team.RegistrationID] = true
				reg, err := h.svc.StaffRegistration(ctx, team.RegistrationID)
				if err != nil {
					t.Fatal(err)
				}
				if len(team.Members) == 0 {
					want[a.Subject][reg.Contact.Email]++
				}
				for _, id := range team.Members {
					for _, m := range reg.Members {
						if m.ID == id {
							want[a.Subject][m.Email]++
						}
					}
				}
			}
		}
		total := 0
		for _, n := range want[a.Subject] {
			total += n
		}
		if total != a.Recipients {
			t.Errorf("%s: %d recipients in its snapshot, %d answered", a.Subject, total, a.Recipients)
		}
		// The moment of sending: in the lists for its whole span, in the
		// snapshot; out of them for its whole span, not.
		for i, fa := range fates {
			switch {
			case fa.id == "":
			case fa.registeredBefore && (!fa.cancelled || fa.lateCxl) && !in[fa.id]:
				t.Errorf("%s: team %d, registered before the send and not cancelled during it, is not a recipient", a.Subject, i)
			case (fa.registeredAfter || fa.cancelledBefore) && in[fa.id]:
				t.Errorf("%s: team %d, out of the lists for the whole send, is a recipient", a.Subject, i)
			}
		}
	}

	// Every recipient gets it exactly once, and nobody else.
	expected := 0
	for _, m := range want {
		for range m {
			expected++
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	var got map[string]map[string]int
	for {
		emails, err := localaws.SentEmails(ctx, h.sesURL)
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]map[string]int{}
		n := 0
		for _, m := range emails {
			for subject := range want {
				if !strings.HasPrefix(m.Subject, subject) {
					continue
				}
				if len(m.To) != 1 || len(m.CC)+len(m.BCC) != 0 {
					t.Fatalf("%q addressed to %v, cc %v, bcc %v", m.Subject, m.To, m.CC, m.BCC)
				}
				to := m.To[0]
				if i := strings.LastIndex(to, "<"); i >= 0 {
					to = strings.TrimSuffix(to[i+1:], ">")
				}
				if got[subject] == nil {
					got[subject] = map[string]int{}
				}
				if got[subject][to] == 0 {
					n++
				}
				got[subject][to]++
			}
		}
		if n >= expected {
			time.Sleep(2 * time.Second) // a duplicate would come now
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90 s %d of %d recipients got their email", n, expected)
		}
		time.Sleep(250 * time.Millisecond)
	}
	emails, _ := localaws.SentEmails(ctx, h.sesURL)
	final := map[string]map[string]int{}
	for _, m := range emails {
		for subject := range want {
			if strings.HasPrefix(m.Subject, subject) {
				to := m.To[0]
				if i := strings.LastIndex(to, "<"); i >= 0 {
					to = strings.TrimSuffix(to[i+1:], ">")
				}
				if final[subject] == nil {
					final[subject] = map[string]int{}
				}
				final[subject][to]++
			}
		}
	}
	for subject, addrs := range want {
		for addr, n := range addrs {
			if final[subject][addr] != n {
				t.Errorf("%s: %s got it %d times, want %d", subject, addr, final[subject][addr], n)
			}
		}
		for addr, n := range final[subject] {
			if addrs[addr] == 0 {
				t.Errorf("%s: %s, not a recipient, got it %d times", subject, addr, n)
			}
		}
	}
	stop()
	<-streamDone
	items := h.scan(ctx)
	dynamotest.MustHold(t, items, eventID)
	if (f.conflicts.Load() + f.throttles.Load()) == 0 {
		t.Errorf("no faults injected: the retry paths were not exercised")
	}
	t.Logf("%d teams registered and cancelled around 3 sends; %d and %d recipients, each emailed once; %d faults injected",
		teams, anns[0].Recipients, anns[1].Recipients, (f.conflicts.Load() + f.throttles.Load()))
}
