package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

// fuzzAPI is one API over the in-memory store with an event to register
// for, shared by a fuzz target's runs.
func fuzzAPI(f *testing.F) *api {
	a := newAPI(f)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	return a
}

// checkAnswer is what must hold of every answer to any request: never a
// server error (503 "try again" aside), never more than 16 KiB for a body
// within the limit, and an answer docs/openapi.yaml gives.
func checkAnswer(t *testing.T, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	body := req.Body
	if resp.StatusCode >= 500 && resp.StatusCode != 503 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	if len(body) <= httpapi.MaxBodyBytes && len(resp.Body) > maxAnswer {
		t.Fatalf("%d-byte answer to a %d-byte body", len(resp.Body), len(body))
	}
	// Only the answer: a fuzzed request is whatever bytes, under whatever
	// media type, the API chose to take.
	checkDocumented(t, req, resp, false)
}

// FuzzRegister sends the register route arbitrary bodies and headers.
func FuzzRegister(f *testing.F) {
	a := fuzzAPI(f)
	f.Add(teamBody(1, 3), "application/json", "")
	f.Add(`{"members":[{},{},{}]}`, "application/json", "k")
	f.Add(`{"organization":{"name":"\u202e","type":"district","county":"Fresno"}}`, "application/merge-patch+json", strings.Repeat("x", 300))
	f.Add(`[]`, "text/plain", "0123456789abcdef")
	f.Add(`{"contact":{"email":"ü@example.com"}}`, "", "retry-0123456789abcdef")
	f.Fuzz(func(t *testing.T, body, contentType, idemKey string) {
		h := map[string]string{"content-type": contentType}
		if idemKey != "" {
			h["idempotency-key"] = idemKey
		}
		req := apitest.Request("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, h, body)
		// Not a.handle: its check would report to the fuzz target's F,
		// which may not fail from inside the fuzz function.
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
	})
}

// FuzzAdmin sends the staff routes arbitrary bodies, as staff.
func FuzzAdmin(f *testing.F) {
	a := fuzzAPI(f)
	f.Add("POST /api/admin/events", eventBody)
	f.Add("POST /api/admin/events", `{"id":"y","title":"t","kind":"webinar","online":true,"startsAt":"9999-12-31T23:59:59-23:59","endsAt":"9999-12-31T23:59:59-23:59","capacity":1,"maxTeamSize":1}`)
	f.Add("PATCH /api/admin/events/{eventId}", `{"capacity":1}`)
	f.Add("PATCH /api/admin/events/{eventId}", `{"registrationClosesAt":"0000-01-01T00:00:00+01:00"}`)
	f.Fuzz(func(t *testing.T, route, body string) {
		if route != "POST /api/admin/events" {
			route = "PATCH /api/admin/events/{eventId}"
		}
		// A staff member's claims: apitest.Request carries them.
		req := apitest.Request(route, map[string]string{"eventId": "cv"}, nil, body)
		// Not a.handle: its check would report to the fuzz target's F,
		// which may not fail from inside the fuzz function.
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
	})
}

// FuzzChangeTeam sends a team's PATCH arbitrary bodies with its own
// manage token: never a server error, an answer as documented, and never
// more seats taken than the event has.
func FuzzChangeTeam(f *testing.F) {
	a := fuzzAPI(f)
	_, _, reg := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 2))
	id, token := reg["registration"].(map[string]any)["id"].(string), reg["manageToken"].(string)
	f.Add(`{"members":[{"name":"A","email":"a@d1.org","role":"other"}]}`)
	f.Add(`{"contact":{"name":"Rosa","email":"rosa@d1.org"}}`)
	f.Add(`{"members":[{"id":"x","name":"A","email":"a@d1.org","role":"other"},{"id":"x","name":"B","email":"b@d1.org","role":"other"}]}`)
	f.Add(`{"members":null,"contact":null}`)
	f.Add(`{"members":[` + strings.Repeat(`{"name":"A","email":"a@d1.org","role":"other"},`, 120) + `{}]}`)
	f.Add(`{"contact":{"name":"\u2028","email":"a@b.org"},"x":1}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := apitest.Request("PATCH /api/registrations/{registrationId}", map[string]string{"registrationId": id},
			map[string]string{"authorization": "Bearer " + token, "content-type": "application/json"}, body)
		req.RequestContext.Authorizer = nil
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
		if ev, _ := a.svc.Event(context.Background(), "cv"); ev.SeatsTaken > ev.Capacity {
			t.Fatalf("oversold: %d of %d", ev.SeatsTaken, ev.Capacity)
		}
	})
}

// FuzzLinks sends POST /api/links arbitrary bodies: 202 with the one
// answer, or a 4xx naming the field; never a server error.
func FuzzLinks(f *testing.F) {
	a := fuzzAPI(f)
	f.Add(`{"email":"c@d1.org"}`)
	f.Add(`{"email":"nobody@nowhere.org"}`)
	f.Add(`{"email":"a\r\nBcc: x@evil.org"}`)
	f.Add(`{"email":123}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		req := apitest.Request("POST /api/links", nil, map[string]string{"content-type": "application/json"}, body)
		req.RequestContext.Authorizer = nil
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
		if resp.StatusCode == 202 && !strings.Contains(resp.Body, "If this address is the contact or a member") {
			t.Fatalf("202 with another answer: %s", resp.Body)
		}
	})
}
