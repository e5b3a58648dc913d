package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// teamAPI registers a team of two on the six-seat convening and returns
// its id and manage token.
func teamAPI(t *testing.T) (*api, string, string) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatalf("create event: %d %v", st, body)
	}
	st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 2))
	if st != http.StatusCreated {
		t.Fatalf("register: %d %v", st, body)
	}
	return a, body["registration"].(map[string]any)["id"].(string), body["manageToken"].(string)
}

func members(body map[string]any) []map[string]any {
	var out []map[string]any
	for _, m := range body["registration"].(map[string]any)["members"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

// TestTeamChangesItsRegistration: the team substitutes, adds and removes
// members and changes its contact with its manage token, under the rules
// of a registration, and the audit log says the team did it.
func TestTeamChangesItsRegistration(t *testing.T) {
	a, id, token := teamAPI(t)
	reg := map[string]string{"registrationId": id}
	_, _, before := a.do("GET /api/registrations/{registrationId}", reg, bearer(token), "")
	kept := members(before)[0]

	// A substitute for the second member, and a third member: one more seat.
	body := `{"members":[{"id":"` + kept["id"].(string) + `","name":"Member 0","email":"m0@d1.org","role":"other"},
		{"id":"` + members(before)[1]["id"].(string) + `","name":"Gloria Vang","email":"gvang@d1.org","role":"certificated_union_president"},
		{"name":"Ana Ruiz","email":"ana@d1.org","role":"principal"}]}`
	st, _, got := a.do("PATCH /api/registrations/{registrationId}", reg, bearer(token), body)
	if st != http.StatusOK || got["registration"].(map[string]any)["seats"] != 3.0 || members(got)[0]["id"] != kept["id"] {
		t.Fatalf("change: %d %v", st, got)
	}
	if f := got["registration"].(map[string]any)["formerMembers"].([]any); len(f) != 1 || f[0].(map[string]any)["name"] != "Member 1" {
		t.Fatalf("former members %v", f)
	}
	_, _, ev := a.do("GET /api/events/{eventId}", map[string]string{"eventId": "cv"}, nil, "")
	if ev["seatsLeft"] != 3.0 {
		t.Fatalf("seats left %v after one member added", ev["seatsLeft"])
	}
	records, _, err := a.svc.Audit(context.Background(), convening.AuditQuery{Subject: id})
	if err != nil || records[0].Kind != convening.AuditMembersChanged || records[0].Actor.Kind != convening.ActorTeam ||
		records[0].After["change"] != "Member 1 → Gloria Vang (Certificated union president); added Ana Ruiz (Principal)" {
		t.Fatalf("audit %v %+v", err, records[0])
	}

	// The contact changes; the new contact is told.
	st, _, got = a.do("PATCH /api/registrations/{registrationId}", reg, bearer(token), `{"contact":{"name":"Rosa Diaz","email":"rosa@d1.org"}}`)
	if st != http.StatusOK || got["registration"].(map[string]any)["contact"].(map[string]any)["email"] != "rosa@d1.org" {
		t.Fatalf("contact: %d %v", st, got)
	}

	// Refusals change nothing.
	refused := []struct {
		name, token, body string
		status            int
		reason, field     string
	}{
		{"WrongToken", "x" + token, `{"contact":{"name":"X","email":"x@d1.org"}}`, 404, "registration_unknown", ""},
		{"ManageTokenOfAnother", a.svc.Tokens.Token("other"), `{"contact":{"name":"X","email":"x@d1.org"}}`, 404, "registration_unknown", ""},
		{"Empty", token, `{}`, 400, "empty_change", ""},
		{"UnknownField", token, `{"organization":{"name":"Other"}}`, 400, "invalid_fields", "organization"},
		{"BadEmail", token, `{"members":[{"name":"A","email":"a@d1.org","role":"other"},{"name":"B","email":"not an address","role":"other"}]}`, 400, "invalid_fields", "members[1].email"},
		{"BadContact", token, `{"contact":{"name":"","email":"c@d1.org"}}`, 400, "invalid_fields", "contact.name"},
		{"TooMany", token, `{"members":[` + strings.Repeat(`{"name":"A","email":"a@d1.org","role":"other"},`, 4) + `{"name":"E","email":"e@d1.org","role":"other"}]}`, 400, "invalid_fields", "members"},
		{"WrongType", token, `{"members":{"name":"A"}}`, 400, "invalid_fields", "members"},
	}
	_, _, now := a.do("GET /api/registrations/{registrationId}", reg, bearer(token), "")
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			st, _, got := a.do("PATCH /api/registrations/{registrationId}", reg, bearer(tt.token), tt.body)
			if st != tt.status || got["reason"] != tt.reason {
				t.Fatalf("%d %v, want %d %s", st, got, tt.status, tt.reason)
			}
			if tt.field != "" {
				found := false
				for _, e := range got["errors"].([]any) {
					found = found || e.(map[string]any)["field"] == tt.field
				}
				if !found {
					t.Errorf("no error names %s: %v", tt.field, got["errors"])
				}
			}
			_, _, after := a.do("GET /api/registrations/{registrationId}", reg, bearer(token), "")
			if b, _ := json.Marshal(after); string(b) != string(mustJSON(t, now)) {
				t.Errorf("a refused change changed the registration")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAddedMemberNeedsASeat: an added member takes a seat; with none left
// the change is refused (409 not_enough_seats), and while teams wait for
// seats it would overtake them (409 teams_waiting).
func TestAddedMemberNeedsASeat(t *testing.T) {
	a, id, token := teamAPI(t)
	reg := map[string]string{"registrationId": id}
	if st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(2, 4)); st != 201 {
		t.Fatalf("second team: %d %v", st, body)
	}
	_, _, now := a.do("GET /api/registrations/{registrationId}", reg, bearer(token), "")
	ms := members(now)
	three := `{"members":[{"id":"` + ms[0]["id"].(string) + `","name":"Member 0","email":"m0@d1.org","role":"other"},
		{"id":"` + ms[1]["id"].(string) + `","name":"Member 1","email":"m1@d1.org","role":"other"},
		{"name":"Added","email":"added@d1.org","role":"other"}]}`
	if st, _, got := a.do("PATCH /api/registrations/{registrationId}", reg, bearer(token), three); st != 409 || got["reason"] != "not_enough_seats" {
		t.Fatalf("full event: %d %v", st, got)
	}
	// A third team waits; a seat freed by the second team's member goes to
	// the waiting list, not to the first team's added member.
	if st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(3, 1)); st != 201 ||
		body["registration"].(map[string]any)["status"] != "waitlisted" {
		t.Fatalf("third team: %d %v", st, body)
	}
	if st, _, got := a.do("PATCH /api/registrations/{registrationId}", reg, bearer(token), three); st != 409 || got["reason"] != "not_enough_seats" && got["reason"] != "teams_waiting" {
		t.Fatalf("with a team waiting: %d %v", st, got)
	}
}

// TestMemberLink: a member's own token shows their view (no one else's
// address) and lets them say they can't attend; it opens nothing else,
// and the manage token does not open it.
func TestMemberLink(t *testing.T) {
	a, id, token := teamAPI(t)
	_, _, now := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": id}, bearer(token), "")
	ms := members(now)
	mid := ms[1]["id"].(string)
	own := a.svc.AttendeeToken(id, mid)
	params := map[string]string{"registrationId": id, "memberId": mid}
	st, headers, got := a.do("GET /api/registrations/{registrationId}/members/{memberId}", params, bearer(own), "")
	if st != 200 || got["member"].(map[string]any)["email"] != "m1@d1.org" || len(got["team"].([]any)) != 2 {
		t.Fatalf("member view: %d %v", st, got)
	}
	raw, _ := json.Marshal(got)
	if strings.Contains(string(raw), "m0@d1.org") || strings.Contains(string(raw), "c@d1.org") || headers["Cache-Control"] == "" {
		t.Errorf("a member sees another's address: %s", raw)
	}
	for name, tok := range map[string]string{"manage token": token, "another member's": a.svc.AttendeeToken(id, ms[0]["id"].(string))} {
		if st, _, _ := a.do("GET /api/registrations/{registrationId}/members/{memberId}", params, bearer(tok), ""); st != 404 {
			t.Errorf("%s opens the member's view: %d", name, st)
		}
	}
	if st, _, _ := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": id}, bearer(own), ""); st != 404 {
		t.Errorf("a member's token opens the manage route: %d", st)
	}
	if st, _, _ := a.do("PATCH /api/registrations/{registrationId}", map[string]string{"registrationId": id}, bearer(own), `{"contact":{"name":"X","email":"x@x.org"}}`); st != 404 {
		t.Errorf("a member's token changes the team: %d", st)
	}
	st, _, got = a.do("POST /api/registrations/{registrationId}/members/{memberId}/decline", params, bearer(own), "")
	if st != 200 || got["member"].(map[string]any)["cantAttendAt"] == nil {
		t.Fatalf("decline: %d %v", st, got)
	}
	_, _, ev := a.do("GET /api/events/{eventId}", map[string]string{"eventId": "cv"}, nil, "")
	if ev["seatsLeft"] != 4.0 {
		t.Errorf("the seat left the team: %v", ev["seatsLeft"])
	}
	st, _, got = a.do("POST /api/registrations/{registrationId}/members/{memberId}/confirm", params, bearer(own), "")
	if st != 200 || got["member"].(map[string]any)["cantAttendAt"] != nil {
		t.Fatalf("can attend after all: %d %v", st, got)
	}
	// Substituted, the member's link says they left.
	body := `{"members":[{"id":"` + ms[0]["id"].(string) + `","name":"Member 0","email":"m0@d1.org","role":"other"},{"name":"Sub","email":"sub@d1.org","role":"other"}]}`
	if st, _, got := a.do("PATCH /api/registrations/{registrationId}", map[string]string{"registrationId": id}, bearer(token), body); st != 200 {
		t.Fatalf("substitute: %d %v", st, got)
	}
	if st, _, got := a.do("GET /api/registrations/{registrationId}/members/{memberId}", params, bearer(own), ""); st != 404 || got["reason"] != "member_left" {
		t.Errorf("a substituted member's link: %d %v", st, got)
	}
}

// TestLinksAlwaysAnswerTheSame: known or not, the answer is the same;
// the known address gets one email, limited per address.
func TestLinksAlwaysAnswerTheSame(t *testing.T) {
	a, id, _ := teamAPI(t)
	ctx := context.Background()
	var first string
	for _, email := range []string{"m1@d1.org", "nobody@nowhere.org", "M1@D1.ORG", "c@d1.org"} {
		resp := a.raw("POST /api/links", nil, nil, `{"email":"`+email+`"}`)
		var body map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d %s", email, resp.StatusCode, resp.Body)
		}
		if first == "" {
			first = body["message"].(string)
		} else if body["message"] != first {
			t.Errorf("%s answered otherwise: %v", email, body)
		}
	}
	notices, _ := a.store.RegistrationNotices(ctx, id)
	links := 0
	for _, n := range notices {
		if n.Kind == convening.NoticeLinks {
			links++
		}
	}
	if links != 3 { // the member twice (any case), the contact once; the stranger nothing
		t.Fatalf("%d links emails", links)
	}
	// A fourth request within the hour from the same address sends nothing, and answers the same.
	for range 3 {
		if resp := a.raw("POST /api/links", nil, nil, `{"email":"m1@d1.org"}`); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("over the limit: %d", resp.StatusCode)
		}
	}
	notices, _ = a.store.RegistrationNotices(ctx, id)
	if n := countKind(notices, convening.NoticeLinks); n != 4 {
		t.Fatalf("%d links emails after the limit (want 4: three for the member, one for the contact)", n)
	}
	for body, field := range map[string]string{`{"email":"not an address"}`: "email", `{}`: "email", `{"email":"a@b.org","x":1}`: "x"} {
		st, _, got := a.do("POST /api/links", nil, nil, body)
		if st != 400 || !strings.Contains(string(mustJSON(t, got["errors"])), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %v", body, st, got)
		}
	}
}

func countKind(ns []convening.NoticeRecord, k convening.NoticeKind) int {
	n := 0
	for _, r := range ns {
		if r.Kind == k {
			n++
		}
	}
	return n
}
