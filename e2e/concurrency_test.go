package e2e

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/localaws"
)

// TestConcurrentRush races hundreds of team registrations for one event
// against cancellations, team changes (registered teams adding a member
// while others take the last seats, and substituting one), capacity
// changes, duplicate organizations and retried requests, with throttling
// and transaction conflicts injected, then judges only the final state:
// the table's items and the mail sent.
func TestConcurrentRush(t *testing.T) {
	if testing.Short() {
		t.Skip("the rush takes a while; run without -short")
	}
	const (
		teams      = 520
		capacity   = 60
		duplicates = 20 // organizations that register twice at once
		retried    = 15 // requests sent three times with one Idempotency-Key
	)
	ctx := context.Background()
	f := &faults{conflictRate: 0.05, throttleRate: 0.03}
	h := newHarness(t, f.option)
	run := fmt.Sprintf("rush%d", time.Now().UnixNano())
	eventID := "rush"
	if r := h.call(ctx, "POST /api/admin/events", nil, nil, map[string]any{
		"id": eventID, "title": "Summer Institute rush", "kind": "institute",
		"startsAt": "2030-06-25T08:00:00-07:00", "endsAt": "2030-06-26T16:00:00-07:00",
		"venue": "San Diego", "capacity": capacity, "maxTeamSize": 8,
	}); r.status != 201 {
		t.Fatalf("create event: %d %v", r.status, r.body)
	}

	type outcome struct {
		team     int
		status   int
		regID    string
		token    string
		state    string
		position int
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		bad      []string
	)
	record := func(o outcome, r response) {
		mu.Lock()
		defer mu.Unlock()
		if r.status >= 500 || (r.status != 201 && r.status != 409) {
			bad = append(bad, fmt.Sprintf("team %d: %d %v", o.team, r.status, r.body))
		}
		outcomes = append(outcomes, o)
	}
	register := func(n int, headers map[string]string) {
		tm := teamOf(run, n%10000, 2+n%7)
		r := h.call(ctx, "POST /api/events/{eventId}/registrations", map[string]string{"eventId": eventID}, headers, tm)
		o := outcome{team: n, status: r.status}
		if r.status == 201 {
			reg := r.body["registration"].(map[string]any)
			o.regID, o.token, o.state = reg["id"].(string), r.body["manageToken"].(string), reg["status"].(string)
			// Registering tells no place on the waiting list (one
			// transaction, nothing else); the team's status does, as the
			// team would read it right after.
			if p, ok := reg["waitlistPosition"].(float64); ok {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("team %d: registering told position %v", n, p))
				mu.Unlock()
			}
			if o.state == "waitlisted" {
				st := h.call(ctx, "GET /api/registrations/{registrationId}", map[string]string{"registrationId": o.regID},
					map[string]string{"Authorization": "Bearer " + o.token}, nil)
				if p, ok := st.body["registration"].(map[string]any)["waitlistPosition"].(float64); ok && st.status == 200 {
					o.position = int(p)
				}
			}
		}
		record(o, r)
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	cancels := make(chan outcome, teams)
	for n := 0; n < teams; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			register(n, nil)
		}()
	}
	for n := 0; n < duplicates; n++ { // same organization as team n, sent at the same moment
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			register(n+10000, nil)
		}()
	}
	for n := 0; n < retried; n++ {
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				register(teams+n, map[string]string{"Idempotency-Key": fmt.Sprintf("%s-retry-%d", run, n)})
			}()
		}
	}
	// Team changes interleaved with the rush: of every five successes, one
	// adds a member (a seat, if one is left and nobody waits), one names a
	// substitute (no seat); three workers at once.
	changes := make(chan outcome, teams)
	changed := map[string]int{} // registration id: accepted changes
	var changeWG sync.WaitGroup
	for range 3 {
		changeWG.Add(1)
		go func() {
			defer changeWG.Done()
			for o := range changes {
				auth := map[string]string{"Authorization": "Bearer " + o.token}
				params := map[string]string{"registrationId": o.regID}
				cur := h.call(ctx, "GET /api/registrations/{registrationId}", params, auth, nil)
				reg, _ := cur.body["registration"].(map[string]any)
				if cur.status != 200 || reg == nil {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("read %s: %d %v", o.regID, cur.status, cur.body))
					mu.Unlock()
					continue
				}
				var members []map[string]any
				for _, m := range reg["members"].([]any) {
					m := m.(map[string]any)
					members = append(members, map[string]any{"id": m["id"], "name": m["name"], "email": m["email"], "role": m["role"]})
				}
				if o.team%5 == 1 {
					members = append(members, map[string]any{"name": "Added", "email": fmt.Sprintf("added-%d@%s.example.org", o.team, run), "role": "other"})
				} else {
					members[0]["name"], members[0]["email"] = "Substitute", fmt.Sprintf("sub-%d@%s.example.org", o.team, run)
				}
				r := h.call(ctx, "PATCH /api/registrations/{registrationId}", params, auth, map[string]any{"members": members})
				reason, _ := r.body["reason"].(string)
				mu.Lock()
				switch {
				case r.status == 200:
					changed[o.regID]++
				case r.status == 409 && (reason == "not_enough_seats" || reason == "teams_waiting"):
				case r.status == 400 && len(members) > 8: // the event's team size
				default:
					bad = append(bad, fmt.Sprintf("change %s: %d %v", o.regID, r.status, r.body))
				}
				mu.Unlock()
			}
		}()
	}
	// Cancellations interleaved with the rush: every fifth success leaves.
	var cancelWG sync.WaitGroup
	cancelWG.Add(1)
	cancelled := map[string]bool{}
	go func() {
		defer cancelWG.Done()
		for o := range cancels {
			r := h.call(ctx, "DELETE /api/registrations/{registrationId}", map[string]string{"registrationId": o.regID},
				map[string]string{"Authorization": "Bearer " + o.token}, nil)
			if r.status != 200 || r.body["registration"].(map[string]any)["status"] != "cancelled" {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("cancel %s: %d %v", o.regID, r.status, r.body))
				mu.Unlock()
				continue
			}
			cancelled[o.regID] = true
		}
	}()
	began := time.Now()
	close(start)
	// Capacity changes while the rush runs: up, then down as far as allowed.
	time.Sleep(300 * time.Millisecond)
	if r := h.call(ctx, "PATCH /api/admin/events/{eventId}", map[string]string{"eventId": eventID}, nil, map[string]any{"capacity": capacity + 16}); r.status != 200 {
		t.Errorf("raise capacity: %d %v", r.status, r.body)
	}
	feed := time.NewTicker(20 * time.Millisecond)
	fed := 0
	for done := false; !done; {
		<-feed.C
		mu.Lock()
		for ; fed < len(outcomes); fed++ {
			switch o := outcomes[fed]; {
			case o.status == 201 && fed%5 == 0:
				cancels <- o
			case o.status == 201 && (o.team%5 == 1 || o.team%5 == 2) && o.team < teams:
				changes <- o
			}
		}
		done = len(outcomes) == teams+duplicates+3*retried
		mu.Unlock()
	}
	feed.Stop()
	wg.Wait()
	close(cancels)
	close(changes)
	cancelWG.Wait()
	changeWG.Wait()
	rush := time.Since(began)
	if r := h.call(ctx, "PATCH /api/admin/events/{eventId}", map[string]string{"eventId": eventID}, nil, map[string]any{"capacity": capacity + 4}); r.status != 200 && r.status != 409 {
		t.Errorf("lower capacity: %d %v", r.status, r.body)
	}
	for _, b := range bad {
		t.Error(b)
	}

	// The stream repairs what the requests left: promotion, then mail.
	sctx, stop := context.WithCancel(ctx)
	streamDone := h.runStream(sctx, h.sesURL)
	defer func() { stop(); <-streamDone }()
	h.waitQuiet(ctx, t, eventID, 90*time.Second)

	items := h.scan(ctx)
	st := dynamotest.MustHold(t, items, eventID)
	t.Logf("rush: %d requests in %v (%.0f/s); %d registered, %d waitlisted, %d cancelled; %d team changes accepted; %d transaction attempts; injected %d conflicts, %d throttles",
		len(outcomes), rush.Round(time.Millisecond), float64(len(outcomes))/rush.Seconds(),
		st.Registered, st.Waitlisted, st.Cancelled, len(changed), f.transactions.Load(), f.conflicts.Load(), f.throttles.Load())
	if len(changed) == 0 {
		t.Errorf("no team change was accepted: the rush did not exercise them")
	}
	checkPeopleIndexed(t, items)
	if f.conflicts.Load() == 0 || f.throttles.Load() == 0 {
		t.Errorf("no faults injected: the retry paths were not exercised")
	}

	// Duplicates: a 409 only for an organization that was already active,
	// and never two active registrations of one organization. (Both of a
	// pair may succeed when the first was cancelled before the second came:
	// cancelling gives the organization's claim back.)
	active := map[string]int{}
	status := map[string]string{}
	for id, r := range st.Registrations {
		status[id] = r.S("status")
		if r.S("status") != "cancelled" {
			active[r.S("orgKey")]++
		}
	}
	for org, n := range active {
		if n > 1 {
			t.Errorf("organization %s holds %d active registrations", org, n)
		}
	}
	pairs := map[int][]outcome{}
	for _, o := range outcomes {
		if o.team < duplicates || o.team >= 10000 {
			pairs[o.team%10000] = append(pairs[o.team%10000], o)
		} else if o.status == 409 {
			t.Errorf("team %d of a unique organization was refused", o.team)
		}
	}
	conflicts := 0
	for n, pair := range pairs {
		created := 0
		for _, o := range pair {
			if o.status == 201 {
				created++
			} else {
				conflicts++
			}
		}
		if created == 0 {
			t.Errorf("organization of team %d: both registrations refused", n)
		}
		if created == 2 && status[pair[0].regID] != "cancelled" && status[pair[1].regID] != "cancelled" {
			t.Errorf("organization of team %d registered twice", n)
		}
	}
	if conflicts == 0 {
		t.Errorf("no duplicate organization was refused")
	}
	// Retried requests: one registration each, the same id in every answer.
	ids := map[int]map[string]bool{}
	for _, o := range outcomes {
		if o.team >= teams && o.team < teams+retried {
			if ids[o.team] == nil {
				ids[o.team] = map[string]bool{}
			}
			ids[o.team][o.regID] = true
		}
	}
	for n, set := range ids {
		if len(set) != 1 {
			t.Errorf("retried team %d got registrations %v", n, set)
		}
	}
	// Positions told right after registering never grow: newcomers go
	// behind. (A team promoted or cancelled since has no final place.)
	final := map[string]int{}
	for _, w := range st.Waitlist {
		final[w.ID] = w.Position
	}
	for _, o := range outcomes {
		if p, ok := final[o.regID]; ok && o.state == "waitlisted" && (o.position == 0 || p > o.position) {
			t.Errorf("registration %s was told position %d but is now %d", o.regID, o.position, p)
		}
	}
	// Live positions from the API agree with the waiting list's order.
	tokens := map[string]string{}
	for _, o := range outcomes {
		tokens[o.regID] = o.token
	}
	for _, w := range st.Waitlist {
		r := h.call(ctx, "GET /api/registrations/{registrationId}", map[string]string{"registrationId": w.ID}, map[string]string{"Authorization": "Bearer " + tokens[w.ID]}, nil)
		if got := r.body["registration"].(map[string]any)["waitlistPosition"]; got != float64(w.Position) {
			t.Errorf("registration %s: live position %v, want %d", w.ID, got, w.Position)
		}
	}
	checkMail(ctx, t, h.sesURL, run, items)
}

// checkPeopleIndexed checks that every contact and member of every
// registration has its people's index entry (written in the transaction
// that brought them to the team), so "email me my links" finds them.
func checkPeopleIndexed(t *testing.T, items []dynamotest.Item) {
	t.Helper()
	indexed := map[string]bool{}
	for _, it := range items {
		if strings.HasPrefix(it.S("pk"), "PERSON#") {
			indexed[it.S("pk")+"|"+it.S("sk")] = true
		}
	}
	people := 0
	for _, it := range items {
		if it.Kind() != dynamotest.Registration {
			continue
		}
		emails := []string{}
		if c, ok := it["contact"].(map[string]any); ok {
			e, _ := c["email"].(string)
			emails = append(emails, e)
		}
		ms, _ := it["members"].([]any)
		for _, m := range ms {
			e, _ := m.(map[string]any)["email"].(string)
			emails = append(emails, e)
		}
		for _, e := range emails {
			people++
			if !indexed["PERSON#"+convening.PersonKey(e)+"|REG#"+it.S("id")] {
				t.Errorf("%s of registration %s is not in the people's index", e, it.S("id"))
			}
		}
	}
	t.Logf("people's index: %d people of registrations, each filed", people)
}

// waitQuiet waits until every notice is sent and nothing more is promoted.
func (h *harness) waitQuiet(ctx context.Context, t *testing.T, eventID string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		pending := 0
		items := h.scan(ctx)
		for _, it := range items {
			if it.Kind() == dynamotest.Notice && it.S("state") != "sent" {
				pending++
			}
		}
		st, _, err := dynamotest.Check(items, eventID)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && !st.Promotable() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d notices unsent, promotable=%v", limit, pending, st.Promotable())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkMail checks that the local SES endpoint received exactly one email
// per notice, to the team's contact, with the subject of its kind.
func checkMail(ctx context.Context, t *testing.T, sesURL, run string, items []dynamotest.Item) {
	t.Helper()
	sent, err := localaws.SentEmails(ctx, sesURL)
	if err != nil {
		t.Fatal(err)
	}
	contact := map[string]string{}
	member := map[string]string{} // registration id "|" member id: address (former members too)
	for _, it := range items {
		if it.Kind() == dynamotest.Registration {
			c, _ := it["contact"].(map[string]any)
			contact[it.S("id")], _ = c["email"].(string)
			for _, list := range []string{"members", "formerMembers"} {
				ms, _ := it[list].([]any)
				for _, m := range ms {
					m := m.(map[string]any)
					id, _ := m["id"].(string)
					member[it.S("id")+"|"+id], _ = m["email"].(string)
				}
			}
		}
	}
	// A member's cancellation says "Cancelled: " when the team cancelled,
	// "You are no longer" when they left it: either will do ("").
	prefix := map[string]string{"registered": "Registered: ", "waitlisted": "Waiting list", "promoted": "Seat", "cancelled": "Cancelled: ",
		"members_changed": "Your team's members changed", "member_registered": "You are registered for ", "member_cancelled": ""}
	want := map[string][]string{}
	total := 0
	for _, it := range items {
		if it.Kind() == dynamotest.Notice {
			if it.S("state") == "sent" && it.S("messageId") == "" {
				continue // owed nothing: its member left the team before it went out
			}
			addr := contact[it.S("registrationId")]
			if m := it.S("memberId"); m != "" {
				addr = member[it.S("registrationId")+"|"+m]
			}
			p, ok := prefix[it.S("kind")]
			if !ok {
				t.Errorf("notice %s of an unexpected kind %s", it.S("id"), it.S("kind"))
			}
			want[addr] = append(want[addr], p)
			total++
		}
	}
	got := map[string][]string{}
	n := 0
	for _, m := range sent {
		for _, to := range m.To {
			if strings.Contains(to, "@"+run+".example.org") {
				addr := to[strings.LastIndex(to, "<")+1 : len(to)-1]
				got[addr] = append(got[addr], m.Subject)
				n++
			}
		}
	}
	if n != total {
		t.Errorf("%d emails sent for %d notices", n, total)
	}
	for addr, kinds := range want {
		if len(got[addr]) != len(kinds) {
			t.Errorf("%s: %d emails %v, want %d", addr, len(got[addr]), got[addr], len(kinds))
			continue
		}
		// Each expected prefix takes a subject of its own, the longest
		// prefixes first (so that "" takes what is left).
		sort.Slice(kinds, func(i, j int) bool { return len(kinds[i]) > len(kinds[j]) })
		subjects := append([]string(nil), got[addr]...)
		for _, k := range kinds {
			i := slices.IndexFunc(subjects, func(s string) bool { return strings.HasPrefix(s, k) })
			if i < 0 {
				t.Errorf("%s: subjects %v, want prefixes %v", addr, got[addr], kinds)
				break
			}
			subjects = slices.Delete(subjects, i, i+1)
		}
	}
	t.Logf("mail: %d emails for %d notices", n, total)
}
