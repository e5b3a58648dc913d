package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

// TestStaffActions walks through every staff action on a team through the
// staff API: each needs a reason, answers the registration as it is now,
// and shows in the team's page and the event's audit log.
func TestStaffActions(t *testing.T) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatalf("create event: %d %v", st, body)
	}
	register := func(n, size int) map[string]any {
		st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n, size))
		if st != http.StatusCreated {
			t.Fatalf("register %d: %d %v", n, st, body)
		}
		return body["registration"].(map[string]any)
	}
	first, second, third := register(1, 4), register(2, 3), register(3, 2) // capacity 6: 4 registered, 3 and 2 wait
	reg := func(m map[string]any) map[string]string { return map[string]string{"registrationId": m["id"].(string)} }
	do := func(route string, params map[string]string, body string, want int) map[string]any {
		t.Helper()
		st, _, out := a.do(route, params, staff(), body)
		if st != want {
			t.Fatalf("%s: %d %v, want %d", route, st, out, want)
		}
		return out
	}
	status := func(out map[string]any) string { return out["registration"].(map[string]any)["status"].(string) }

	do("POST /api/admin/registrations/{registrationId}/cancel", reg(first), `{}`, http.StatusBadRequest)
	do("POST /api/admin/registrations/{registrationId}/promote", reg(second), `{"reason":"x"}`, http.StatusConflict) // needs 3 of 2
	if out := do("POST /api/admin/registrations/{registrationId}/promote", reg(third), `{"reason":"Speaker's team"}`, http.StatusOK); status(out) != "registered" {
		t.Fatalf("promote now: %v", out)
	}
	members := first["members"].([]any)
	keep := fmt.Sprintf(`{"id":%q,"name":"Member 0","email":"m0@d1.org","role":"other"}`, members[0].(map[string]any)["id"])
	do("PUT /api/admin/registrations/{registrationId}/members", reg(first), `{"members":[`+keep+`],"reason":"Three cannot come"}`, http.StatusOK)
	// Three seats freed: team 2 (3) is promoted at once.
	if out := do("GET /api/admin/registrations/{registrationId}", reg(second), "", http.StatusOK); status(out) != "registered" {
		t.Fatalf("team 2 after seats were freed: %v", out)
	}
	do("PUT /api/admin/registrations/{registrationId}/contact", reg(first), `{"contact":{"name":"Rosa Diaz","email":"rosa@d1.org"},"reason":"New contact"}`, http.StatusOK)
	memberID := members[0].(map[string]any)["id"].(string)
	checkIn := map[string]string{"registrationId": first["id"].(string), "memberId": memberID}
	do("PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in", checkIn, "", http.StatusOK)
	do("PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in", checkIn, "", http.StatusConflict)
	do("DELETE /api/admin/registrations/{registrationId}/members/{memberId}/check-in", checkIn, "", http.StatusOK)
	do("PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in", map[string]string{"registrationId": first["id"].(string), "memberId": "nobody"}, "", http.StatusNotFound)
	do("POST /api/admin/registrations/{registrationId}/walk-ins", reg(first), `{"member":{"name":"Walk In","email":"walk@d1.org","role":"other"},"reason":"At the door"}`, http.StatusConflict) // full
	page := do("GET /api/admin/registrations/{registrationId}", reg(first), "", http.StatusOK)
	notices := page["notices"].([]any)
	if len(notices) != 3 || len(page["history"].([]any)) != 5 {
		t.Fatalf("team page: %d notices, %d history: %v", len(notices), len(page["history"].([]any)), page)
	}
	firstNotice := notices[0].(map[string]any)["id"].(string)
	if out := do("POST /api/admin/notices/{noticeId}/resend", map[string]string{"noticeId": firstNotice}, `{"reason":"Lost in spam"}`, http.StatusCreated); out["notice"].(map[string]any)["kind"] != "registered" {
		t.Fatalf("resend: %v", out)
	}
	do("POST /api/admin/notices/{noticeId}/resend", map[string]string{"noticeId": "01NOSUCHNOTICE"}, `{"reason":"x"}`, http.StatusNotFound)
	if out := do("POST /api/admin/registrations/{registrationId}/cancel", reg(first), `{"reason":"Registered twice"}`, http.StatusOK); status(out) != "cancelled" {
		t.Fatalf("cancel: %v", out)
	}
	do("POST /api/admin/registrations/{registrationId}/move", reg(first), `{"position":1,"reason":"x"}`, http.StatusConflict)
	do("GET /api/admin/registrations/{registrationId}", map[string]string{"registrationId": "01NOSUCHREGISTRATION"}, "", http.StatusNotFound)

	a.query = map[string]string{"actor": "staff-1", "limit": "3"}
	log := do("GET /api/admin/events/{eventId}/audit", map[string]string{"eventId": "cv"}, "", http.StatusOK)
	a.query = nil
	if recs := log["records"].([]any); len(recs) != 3 || log["next"] == nil || recs[0].(map[string]any)["kind"] != "cancelled" ||
		recs[0].(map[string]any)["reason"] != "Registered twice" {
		t.Fatalf("audit log: %v", log)
	}
}

func TestStaffMovesOnTheWaitingList(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	var ids []string
	for n, size := range []int{4, 3, 3, 3} {
		_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n, size))
		ids = append(ids, body["registration"].(map[string]any)["id"].(string))
	}
	st, _, body := a.do("POST /api/admin/registrations/{registrationId}/move", map[string]string{"registrationId": ids[3]}, staff(), `{"position":1,"reason":"Priority district"}`)
	if st != 200 || body["registration"].(map[string]any)["waitlistPosition"] != 1.0 {
		t.Fatalf("move: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/registrations/{registrationId}/move", map[string]string{"registrationId": ids[3]}, staff(), `{"position":9,"reason":"x"}`)
	if errs, _ := body["errors"].([]any); st != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != "position" {
		t.Fatalf("move out of range: %d %v", st, body)
	}
}

func TestExports(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	for n, size := range []int{4, 3} {
		a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n, size))
	}
	for file, want := range map[string]int{"roster.csv": 2, "waitlist.csv": 2, "cancelled.csv": 1, "members.csv": 5, "audit.csv": 4} {
		resp := a.raw("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "cv", "file": file}, staff(), "")
		if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "text/csv; charset=utf-8" ||
			resp.Headers["Content-Disposition"] != `attachment; filename="cv-`+file+`"` {
			t.Fatalf("%s: %d %v", file, resp.StatusCode, resp.Headers)
		}
		if rows := strings.Count(resp.Body, "\r\n"); rows != want {
			t.Errorf("%s: %d lines, want %d:\n%s", file, rows, want, resp.Body)
		}
	}
	if st, _, _ := a.do("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "cv", "file": "secrets.csv"}, staff(), ""); st != 404 {
		t.Fatalf("unknown export: %d", st)
	}
	if st, _, _ := a.do("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "nope", "file": "audit.csv"}, staff(), ""); st != 404 {
		t.Fatalf("unknown event: %d", st)
	}
}

func TestOrganizationExportAndErase(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 2))
	id := body["registration"].(map[string]any)["id"].(string)
	a.query = map[string]string{"county": "fresno", "name": "district 1"}
	st, hdr, data := a.do("GET /api/admin/organizations/export", nil, staff(), "")
	a.query = nil
	if st != 200 || hdr["Content-Disposition"] == "" || len(data["registrations"].([]any)) != 1 {
		t.Fatalf("export: %d %v", st, data)
	}
	erase := `{"organization":{"name":"District 1","county":"Fresno"},"reason":"Asked by the district"}`
	if st, _, out := a.do("POST /api/admin/organizations/erase", nil, staff(), erase); st != 409 || out["reason"] != "organization_active" {
		t.Fatalf("erase an active registration: %d %v", st, out)
	}
	a.do("POST /api/admin/registrations/{registrationId}/cancel", map[string]string{"registrationId": id}, staff(), `{"reason":"Asked by the district"}`)
	if st, _, out := a.do("POST /api/admin/organizations/erase", nil, staff(), erase); st != 200 || out["erased"] != 1.0 {
		t.Fatalf("erase: %d %v", st, out)
	}
	if st, _, out := a.do("GET /api/admin/registrations/{registrationId}", map[string]string{"registrationId": id}, staff(), ""); st != 200 ||
		out["registration"].(map[string]any)["contact"].(map[string]any)["email"] != "" {
		t.Fatalf("after erase: %v", out)
	}
	a.query = map[string]string{"county": "Atlantis", "name": "x"}
	if st, _, _ := a.do("GET /api/admin/organizations/export", nil, staff(), ""); st != 400 {
		t.Fatalf("unknown county: %d", st)
	}
	a.query = nil
}

// TestWalkInForNoShow puts a walk-in in the place of a member who has not
// come, as the check-in role at a full event; a mistake names its field.
func TestWalkInForNoShow(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	var regs []map[string]any
	for n, size := range []int{3, 3} { // capacity 6: full
		_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n, size))
		regs = append(regs, body["registration"].(map[string]any))
	}
	id := regs[0]["id"].(string)
	members := regs[0]["members"].([]any)
	memberID := func(i int) string { return members[i].(map[string]any)["id"].(string) }
	door := func(body string) (int, map[string]any) {
		t.Helper()
		req := apitest.Request("POST /api/admin/registrations/{registrationId}/walk-ins", map[string]string{"registrationId": id}, nil, body)
		req.RequestContext.Authorizer = httpapi.StaffClaims("sub-door", deploy.RoleCheckIn)
		resp, err := a.handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkDocumented(t, req, resp, true)
		var out map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &out)
		return resp.StatusCode, out
	}
	field := func(out map[string]any) string {
		if errs, _ := out["errors"].([]any); len(errs) > 0 {
			return errs[0].(map[string]any)["field"].(string)
		}
		return ""
	}
	checkIn := map[string]string{"registrationId": id, "memberId": memberID(0)}
	if st, _, out := a.do("PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in", checkIn, staff(), ""); st != 200 {
		t.Fatalf("check-in: %d %v", st, out)
	}
	walkIn := `{"name":"Gloria Vang","email":"gvang@d0.org","role":"other"}`
	for _, c := range []struct {
		name, body, reason, field string
		status                    int
	}{
		{"a seat of their own", `{"member":` + walkIn + `,"reason":"At the door"}`, "not_enough_seats", "", 409},
		{"in place of one who came", `{"member":` + walkIn + `,"replaces":"` + memberID(0) + `","reason":"x"}`, "member_checked_in", "replaces", 409},
		{"nobody of that id", `{"member":` + walkIn + `,"replaces":"nobody","reason":"x"}`, "invalid_fields", "replaces", 400},
		{"empty", `{"member":` + walkIn + `,"replaces":"","reason":"x"}`, "invalid_fields", "replaces", 400},
		{"the no-show's address", `{"member":{"name":"G","email":"m1@d0.org","role":"other"},"replaces":"` + memberID(1) + `","reason":"x"}`, "invalid_fields", "members[1].email", 400},
	} {
		st, out := door(c.body)
		if st != c.status || out["reason"] != c.reason || field(out) != c.field {
			t.Errorf("%s: %d %v", c.name, st, out)
		}
	}
	st, out := door(`{"member":` + walkIn + `,"replaces":"` + memberID(1) + `","reason":"Came in place of a colleague"}`)
	reg, _ := out["registration"].(map[string]any)
	if st != 200 || reg["seats"] != 3.0 || len(reg["members"].([]any)) != 3 {
		t.Fatalf("walk-in for a no-show: %d %v", st, out)
	}
	m := reg["members"].([]any)[1].(map[string]any)
	if m["name"] != "Gloria Vang" || m["checkedInAt"] == nil || m["id"] == memberID(1) {
		t.Errorf("the walk-in: %v", m)
	}
	page := func() map[string]any {
		_, _, out := a.do("GET /api/admin/registrations/{registrationId}", map[string]string{"registrationId": id}, staff(), "")
		return out
	}()
	h := page["history"].([]any)[0].(map[string]any)
	if h["kind"] != "members_changed" || h["reason"] != "Came in place of a colleague" || h["actor"].(map[string]any)["id"] != "sub-door" {
		t.Errorf("history %v", h)
	}
}
