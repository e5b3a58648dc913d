package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestQueuedRegistration: staff create a queued event (and cannot take it
// back to direct while it is open); a team is answered 202 with its
// registration received and where to read it; once the sequencer has
// placed the line, reading it says registered or waitlisted, with the
// place. Every exchange is held to docs/openapi.yaml.
func TestQueuedRegistration(t *testing.T) {
	a := newAPI(t)
	a.svc.QueueService.Grace = 0
	body := strings.Replace(eventBody, `"maxTeamSize":4`, `"maxTeamSize":4,"registrationMode":"queued"`, 1)
	if st, _, ev := a.do("POST /api/admin/events", nil, staff(), body); st != http.StatusCreated || ev["registrationMode"] != "queued" {
		t.Fatalf("create queued event: %d %v", st, ev)
	}
	if st, _, ev := a.do("PATCH /api/admin/events/{eventId}", map[string]string{"eventId": "cv"}, staff(), `{"registrationMode":"direct"}`); st != http.StatusConflict ||
		ev["reason"] != "registration_mode_locked" {
		t.Fatalf("back to direct while open: %d %v", st, ev)
	}
	type answer struct{ id, token string }
	var answers []answer
	for n, size := range []int{4, 3} {
		st, hdr, b := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n+1, size))
		reg, _ := b["registration"].(map[string]any)
		if st != http.StatusAccepted || reg["status"] != "received" || reg["waitlistPosition"] != nil || hdr["Location"] != "/api/registrations/"+reg["id"].(string) {
			t.Fatalf("team %d: %d %v %v", n+1, st, hdr, b)
		}
		answers = append(answers, answer{reg["id"].(string), b["manageToken"].(string)})
	}
	read := func(a *api, x answer) map[string]any {
		st, _, b := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": x.id},
			map[string]string{"Authorization": "Bearer " + x.token}, "")
		if st != 200 {
			t.Fatalf("read %s: %d %v", x.id, st, b)
		}
		return b["registration"].(map[string]any)
	}
	if r := read(a, answers[0]); r["status"] != "received" {
		t.Fatalf("in line: %v", r)
	}
	if n, err := a.svc.QueueService.Sequence(context.Background(), "cv"); err != nil || n != 2 {
		t.Fatalf("sequence: %d %v", n, err)
	}
	if r := read(a, answers[0]); r["status"] != "registered" {
		t.Fatalf("first: %v", r)
	}
	if r := read(a, answers[1]); r["status"] != "waitlisted" || r["waitlistPosition"] != 1.0 {
		t.Fatalf("second (3 seats of 2 left): %v", r)
	}
}
