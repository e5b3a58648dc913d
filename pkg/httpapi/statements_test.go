package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

const symposiumBody = `{"id":"sym","title":"2027 Symposium","kind":"symposium","startsAt":"2030-03-10T09:00:00-08:00",
"endsAt":"2030-03-11T15:00:00-08:00","venue":"Sacramento","capacity":8,"maxTeamSize":6,
"admission":"statement","requiredRoles":["superintendent","certificated_union_president","classified_union_president","board_member"]}`

// coreTeam is team n with the four core roles.
func coreTeam(n int, extra string) string {
	roles := []string{"superintendent", "certificated_union_president", "classified_union_president", "board_member"}
	var members []string
	for i, r := range roles {
		members = append(members, fmt.Sprintf(`{"name":"Member %d","email":"m%d@d%d.org","role":%q}`, i, i, n, r))
	}
	return fmt.Sprintf(`{"organization":{"name":"District %d","type":"district","county":"Fresno"},
"contact":{"name":"Contact %d","email":"c@d%d.org"},"members":[%s]%s}`, n, n, n, strings.Join(members, ","), extra)
}

const answers = `,"experience":"We have met monthly since 2019 on class sizes and calendars.","reasons":"We want to practice interest-based bargaining with our new board."`

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// asRole sends a staff request with the claims of a member of role.
func (a *api) asRole(role, routeKey string, params map[string]string, body string) (int, map[string]any) {
	a.t.Helper()
	req := apitest.Request(routeKey, params, nil, body)
	req.RequestContext.Authorizer = httpapi.StaffClaims(role+"-1", role)
	resp, err := a.handle(context.Background(), req)
	if err != nil {
		a.t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return resp.StatusCode, out
}

func TestStatementFlow(t *testing.T) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), symposiumBody); st != http.StatusCreated || body["admission"] != "statement" {
		t.Fatalf("create: %d %v", st, body)
	}
	ev := map[string]string{"eventId": "sym"}
	// Registering is refused; a statement without answers names them.
	if st, _, body := a.do("POST /api/events/{eventId}/registrations", ev, nil, coreTeam(1, "")); st != http.StatusConflict || body["reason"] != "statement_required" {
		t.Fatalf("register: %d %v", st, body)
	}
	st, _, body := a.do("POST /api/events/{eventId}/statements", ev, nil, coreTeam(1, ""))
	if st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["errors"]), "experience") {
		t.Fatalf("no answers: %d %v", st, body)
	}
	st, hdr, body := a.do("POST /api/events/{eventId}/statements", ev, map[string]string{"Idempotency-Key": "statement-key-0001"}, coreTeam(1, answers))
	if st != http.StatusCreated || hdr["Location"] == "" {
		t.Fatalf("submit: %d %v", st, body)
	}
	token := body["manageToken"].(string)
	stmt := body["statement"].(map[string]any)
	id := stmt["id"].(string)
	if stmt["status"] != "submitted" || stmt["complete"] != false || stmt["invitation"] != nil || stmt["registrationId"] != nil {
		t.Fatalf("statement: %v", stmt)
	}
	if st, hdr, _ := a.do("POST /api/events/{eventId}/statements", ev, map[string]string{"Idempotency-Key": "statement-key-0001"}, coreTeam(1, answers)); st != http.StatusCreated || hdr["Idempotent-Replayed"] != "true" {
		t.Fatalf("replay: %d %v", st, hdr)
	}
	if st, _, body := a.do("POST /api/events/{eventId}/statements", ev, nil, coreTeam(1, answers)); st != http.StatusConflict || body["reason"] != "organization_already_registered" {
		t.Fatalf("second statement: %d %v", st, body)
	}
	sid := map[string]string{"statementId": id}
	if st, _, _ := a.do("GET /api/statements/{statementId}", sid, bearer("wrong"), ""); st != http.StatusNotFound {
		t.Fatalf("wrong token: %d", st)
	}
	// Each member confirms with their own token.
	for _, m := range stmt["members"].([]any) {
		mid := m.(map[string]any)["id"].(string)
		p := map[string]string{"statementId": id, "memberId": mid}
		if st, _, _ := a.do("POST /api/statements/{statementId}/members/{memberId}/confirm", p, bearer(token), ""); st != http.StatusNotFound {
			t.Fatalf("confirm with the team's token: %d", st)
		}
		if st, _, _ := a.do("POST /api/statements/{statementId}/members/{memberId}/confirm", p, bearer(a.svc.MemberToken(id, mid)), ""); st != http.StatusOK {
			t.Fatalf("confirm: %d", st)
		}
	}
	if _, _, body := a.do("GET /api/statements/{statementId}", sid, bearer(token), ""); body["statement"].(map[string]any)["complete"] != true {
		t.Fatalf("after confirmations: %v", body)
	}

	// A reviewer lists and reviews, and may not decide.
	if st, body := a.asRole(deploy.RoleReviewer, "GET /api/admin/events/{eventId}/statements", ev, ""); st != http.StatusOK || len(body["statements"].([]any)) != 1 {
		t.Fatalf("list: %d %v", st, body)
	}
	if st, body := a.asRole(deploy.RoleReviewer, "GET /api/admin/events/{eventId}/statements/next", ev, ""); st != http.StatusOK || body["statement"] == nil {
		t.Fatalf("next: %d %v", st, body)
	}
	review := `{"scores":{"collaboration-history":4,"readiness":3,"need":2,"commitment":4},"comment":"Strong"}`
	if st, body := a.asRole(deploy.RoleReviewer, "POST /api/admin/statements/{statementId}/reviews", sid, review); st != http.StatusOK {
		t.Fatalf("review: %d %v", st, body)
	}
	if st, body := a.asRole(deploy.RoleReviewer, "POST /api/admin/statements/{statementId}/reviews", sid, `{"scores":{"collaboration":9}}`); st != http.StatusBadRequest {
		t.Fatalf("bad review: %d %v", st, body)
	}
	// A second reviewer sees neither the first one's scores nor, in the
	// trail, their mean until they have reviewed.
	req := apitest.Request("GET /api/admin/statements/{statementId}", sid, nil, "")
	req.RequestContext.Authorizer = httpapi.StaffClaims("reviewer-2", deploy.RoleReviewer)
	resp, err := a.handle(context.Background(), req)
	var page struct {
		Reviews []any `json:"reviews"`
		Audit   []struct {
			Kind  string            `json:"kind"`
			After map[string]string `json:"after"`
		} `json:"audit"`
	}
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &page) != nil || len(page.Reviews) != 0 {
		t.Fatalf("second reviewer's view: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	reviewed := 0
	for _, r := range page.Audit {
		if r.Kind == "reviewed" {
			reviewed++
			if r.After["mean"] != "" {
				t.Errorf("the trail shows a review's mean before one's own: %v", r.After)
			}
		}
	}
	if reviewed != 1 {
		t.Errorf("%d reviewed records in the trail", reviewed)
	}
	if st, body := a.asRole(deploy.RoleReviewer, "GET /api/admin/events/{eventId}/statements/next", ev, ""); st != http.StatusOK || body["statement"] != nil {
		t.Fatalf("next after reviewing all: %d %v", st, body)
	}
	decision := `{"decision":"invite","reason":"Panel","message":"Welcome","respondBy":"` + time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339) + `"}`
	if st, body := a.asRole(deploy.RoleReviewer, "POST /api/admin/statements/{statementId}/decision", sid, decision); st != http.StatusForbidden {
		t.Fatalf("a reviewer decides: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/statements/{statementId}/decision", sid, staff(), `{"decision":"invite","reason":"x","respondBy":"soon"}`); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(body["errors"]), "respondBy") {
		t.Fatalf("bad respondBy: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/statements/{statementId}/decision", sid, staff(), decision); st != http.StatusOK ||
		body["statement"].(map[string]any)["status"] != "invited" {
		t.Fatalf("invite: %d %v", st, body)
	}
	if _, _, body := a.do("GET /api/events/{eventId}", ev, nil, ""); body["seatsHeld"] != 4.0 || body["seatsLeft"] != 4.0 {
		t.Fatalf("event after the invitation: %v", body)
	}
	if st, _, body := a.do("GET /api/admin/statements/{statementId}", sid, staff(), ""); st != http.StatusOK || len(body["reviews"].([]any)) != 1 ||
		len(body["notices"].([]any)) < 6 || len(body["audit"].([]any)) < 6 || body["history"] == nil {
		t.Fatalf("statement page: %d %v", st, body)
	}
	// Accept: 201 with the registration; twice, the same one.
	st, _, body = a.do("POST /api/statements/{statementId}/accept", sid, bearer(token), "")
	if st != http.StatusCreated || body["registration"].(map[string]any)["status"] != "registered" || body["manageToken"] == "" {
		t.Fatalf("accept: %d %v", st, body)
	}
	regID := body["registration"].(map[string]any)["id"]
	if _, _, again := a.do("POST /api/statements/{statementId}/accept", sid, bearer(token), ""); again["registration"].(map[string]any)["id"] != regID {
		t.Fatalf("accept twice: %v", again)
	}
	if st, _, body := a.do("POST /api/statements/{statementId}/decline", sid, bearer(token), ""); st != http.StatusConflict || body["reason"] != "statement_closed" {
		t.Fatalf("decline after accepting: %d %v", st, body)
	}
	csv := a.raw("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "sym", "file": "statements.csv"}, staff(), "")
	if csv.StatusCode != http.StatusOK || !strings.Contains(csv.Body, "Collaboration history") || !strings.Contains(csv.Body, "Invited by") ||
		!strings.Contains(csv.Body, "District 1") || strings.Count(csv.Body, "\r\n") != 2 {
		t.Fatalf("statements.csv: %d %q", csv.StatusCode, csv.Body)
	}
	q := map[string]string{"name": "District 1", "county": "Fresno"}
	if st, _, body := a.doQuery("GET /api/admin/organizations/history", nil, q, staff()); st != http.StatusOK || len(body["statements"].([]any)) != 1 || len(body["registrations"].([]any)) != 1 {
		t.Fatalf("history: %d %v", st, body)
	}
}

func TestOfferAcceptance(t *testing.T) {
	a := newAPI(t)
	body := strings.Replace(eventBody, `"maxTeamSize":4`, `"maxTeamSize":4,"waitlistOffers":{"respondWithinHours":48}`, 1)
	if st, _, b := a.do("POST /api/admin/events", nil, staff(), body); st != http.StatusCreated || b["waitlistOffers"] == nil {
		t.Fatalf("create: %d %v", st, b)
	}
	ev := map[string]string{"eventId": "cv"}
	var ids, tokens []string
	for n, size := range []int{4, 2, 3} {
		_, _, b := a.do("POST /api/events/{eventId}/registrations", ev, nil, teamBody(n, size))
		reg := b["registration"].(map[string]any)
		ids, tokens = append(ids, reg["id"].(string)), append(tokens, b["manageToken"].(string))
	}
	if st, _, _ := a.do("DELETE /api/registrations/{registrationId}", map[string]string{"registrationId": ids[0]}, bearer(tokens[0]), ""); st != http.StatusOK {
		t.Fatal("cancel")
	}
	p := map[string]string{"registrationId": ids[2]}
	_, _, b := a.do("GET /api/registrations/{registrationId}", p, bearer(tokens[2]), "")
	reg := b["registration"].(map[string]any)
	if reg["status"] != "offered" || reg["offer"] == nil {
		t.Fatalf("team 3 after the cancel: %v", reg)
	}
	if st, _, b := a.do("POST /api/registrations/{registrationId}/accept", p, bearer("wrong"), ""); st != http.StatusNotFound {
		t.Fatalf("accept with a wrong token: %d %v", st, b)
	}
	if st, _, b := a.do("POST /api/registrations/{registrationId}/accept", p, bearer(tokens[2]), ""); st != http.StatusOK || b["registration"].(map[string]any)["status"] != "registered" {
		t.Fatalf("accept: %d %v", st, b)
	}
	// Team 2 fitted at once: it has no offer to accept.
	p1 := map[string]string{"registrationId": ids[1]}
	if st, _, b := a.do("POST /api/registrations/{registrationId}/accept", p1, bearer(tokens[1]), ""); st != http.StatusConflict || b["reason"] != "no_offer" {
		t.Fatalf("accept without an offer: %d %v", st, b)
	}
	if st, _, b := a.doQuery("GET /api/admin/events/{eventId}/registrations", ev, map[string]string{"status": "offered"}, staff()); st != http.StatusOK || len(b["registrations"].([]any)) != 0 {
		t.Fatalf("offered list: %d %v", st, b)
	}
}

// TestReleaseNeedsAReason: releasing staged decisions takes a reason, as
// every staff action does.
func TestReleaseNeedsAReason(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), symposiumBody)
	ev := map[string]string{"eventId": "sym"}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/statements/release", ev, staff(), `{}`); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(body["errors"]), "reason") {
		t.Fatalf("release without a reason: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/statements/release", ev, staff(), `{"reason":"The panel met"}`); st != http.StatusConflict ||
		body["reason"] != "nothing_staged" {
		t.Fatalf("release with nothing staged: %d %v", st, body)
	}
}

// TestReleaseKeepsWhatNoLongerFits stages three invitations of four seats
// for an event of eight: the release sends two and keeps the third, saying
// why in words and by machine reason.
func TestReleaseKeepsWhatNoLongerFits(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), symposiumBody)
	ev := map[string]string{"eventId": "sym"}
	var ids []string
	for n := 1; n <= 3; n++ {
		st, _, body := a.do("POST /api/events/{eventId}/statements", ev, nil, coreTeam(n, answers))
		if st != http.StatusCreated {
			t.Fatalf("submit %d: %d %v", n, st, body)
		}
		stmt := body["statement"].(map[string]any)
		id := stmt["id"].(string)
		for _, m := range stmt["members"].([]any) {
			p := map[string]string{"statementId": id, "memberId": m.(map[string]any)["id"].(string)}
			if st, _, _ := a.do("POST /api/statements/{statementId}/members/{memberId}/confirm", p, bearer(a.svc.MemberToken(id, p["memberId"])), ""); st != http.StatusOK {
				t.Fatalf("confirm: %d", st)
			}
		}
		if st, _, body := a.do("POST /api/admin/statements/{statementId}/decision", map[string]string{"statementId": id}, staff(),
			`{"decision":"invite","reason":"Panel","staged":true}`); st != http.StatusOK {
			t.Fatalf("stage %d: %d %v", n, st, body)
		}
		ids = append(ids, id)
	}
	st, _, body := a.do("POST /api/admin/events/{eventId}/statements/release", ev, staff(), `{"reason":"The panel met"}`)
	if st != http.StatusOK {
		t.Fatalf("release: %d %v", st, body)
	}
	if got := fmt.Sprint(body["released"]); got != fmt.Sprint([]any{ids[0], ids[1]}) {
		t.Errorf("released %v, want the first two", got)
	}
	kept, reasons := body["kept"].(map[string]any), body["keptReasons"].(map[string]any)
	if len(kept) != 1 || kept[ids[2]] == "" || len(reasons) != 1 || reasons[ids[2]] != "not_enough_seats" {
		t.Errorf("kept %v, keptReasons %v; want the third for not_enough_seats", kept, reasons)
	}
}

func TestEditEventDetails(t *testing.T) {
	a := newAPI(t)
	if st, _, b := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, b)
	}
	ev := map[string]string{"eventId": "cv"}
	body := `{"title":"Central Valley Convening (new room)","venue":"Clovis","startsAt":"2030-02-11T09:00:00-08:00","endsAt":"2030-02-11T15:00:00-08:00","reason":"Moved a day"}`
	st, _, b := a.do("PATCH /api/admin/events/{eventId}", ev, staff(), body)
	if st != http.StatusOK || b["title"] != "Central Valley Convening (new room)" || b["venue"] != "Clovis" || b["startsAt"] != "2030-02-11T17:00:00Z" {
		t.Fatalf("edit: %d %v", st, b)
	}
	if st, _, b := a.do("PATCH /api/admin/events/{eventId}", ev, staff(), `{"endsAt":"2030-02-10T09:00:00-08:00"}`); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(b["errors"]), "endsAt") {
		t.Fatalf("ends before it starts: %d %v", st, b)
	}
	if st, _, b := a.do("PATCH /api/admin/events/{eventId}", ev, staff(), `{"title":""}`); st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(b["errors"]), "title") {
		t.Fatalf("empty title: %d %v", st, b)
	}
}
