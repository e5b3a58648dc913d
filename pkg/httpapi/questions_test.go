package httpapi_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const questionsBody = `{"reason":"The caterer needs to know","questions":[
{"id":"arrival","label":"When does your team arrive?","type":"one_choice","per":"team","required":true,"choices":["Day before","Same day"]},
{"label":"Will you stay for the team dinner?","type":"yes_no","per":"member","required":true},
{"id":"dietary","label":"Dietary needs","type":"several_choices","per":"member","sensitive":true,"choices":["Vegan","Kosher"]}]}`

// fields are a problem's field paths and rules.
func fields(body map[string]any) map[string]string {
	out := map[string]string{}
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["rule"].(string)
	}
	return out
}

// answeredTeam is team n of two members with answers (extra goes in the
// team's object).
func answeredTeam(n int, teamAnswers, m0, m1 string) string {
	return fmt.Sprintf(`{"organization":{"name":"District %d","type":"district","county":"Fresno"},
"contact":{"name":"Contact %d","email":"c@d%d.org"},"answers":%s,"members":[
{"name":"Ana","email":"a@d%d.org","role":"superintendent","answers":%s},
{"name":"Ben","email":"b@d%d.org","role":"board_member","answers":%s}]}`, n, n, n, teamAnswers, n, m0, n, m1)
}

func TestQuestionsAndAnswers(t *testing.T) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated || body["questions"] != nil {
		t.Fatalf("create: %d %v", st, body)
	}
	ev := map[string]string{"eventId": "cv"}
	// Questions need a reason; each bad field is named.
	noReason := strings.Replace(questionsBody, `"reason":"The caterer needs to know",`, "", 1)
	if st, _, body := a.do("PATCH /api/admin/events/{eventId}", ev, staff(), noReason); st != http.StatusBadRequest || fields(body)["reason"] != "required" {
		t.Fatalf("no reason: %d %v", st, body)
	}
	bad := `{"reason":"r","questions":[{"label":"","type":"essay","per":"everyone","choices":["a"]},{"id":"BAD ID","label":"x","type":"one_choice","choices":["a","A"]}]}`
	st, _, body := a.do("PATCH /api/admin/events/{eventId}", ev, staff(), bad)
	want := map[string]string{"questions[0].label": "required", "questions[0].type": "one_of", "questions[0].per": "one_of",
		"questions[1].id": "slug", "questions[1].choices[1]": "duplicate_of"}
	if got := fields(body); st != http.StatusBadRequest || !reflect.DeepEqual(got, want) {
		t.Fatalf("bad questions: %d\n got %v\nwant %v", st, got, want)
	}
	if _, _, body := a.do("GET /api/events/{eventId}", ev, nil, ""); body["questions"] != nil {
		t.Fatalf("a refused change stored questions: %v", body["questions"])
	}
	st, _, body = a.do("PATCH /api/admin/events/{eventId}", ev, staff(), questionsBody)
	qs, _ := body["questions"].([]any)
	if st != http.StatusOK || len(qs) != 3 || qs[1].(map[string]any)["id"] != "will-you-stay-for-the-team-dinner" {
		t.Fatalf("questions: %d %v", st, body)
	}

	// Registering: every answer at fault by its full path; nothing stored.
	st, _, body = a.do("POST /api/events/{eventId}/registrations", ev, nil,
		answeredTeam(1, `{"arrival":"By boat","parking":true}`, `{"will-you-stay-for-the-team-dinner":"yes","dietary":["Vegan","Paleo"]}`, `{"dietary":7}`))
	want = map[string]string{"answers.arrival": "one_of", "answers.parking": "unknown_field",
		"members[0].answers.will-you-stay-for-the-team-dinner": "type", "members[0].answers.dietary[1]": "one_of",
		"members[1].answers.dietary": "type", "members[1].answers.will-you-stay-for-the-team-dinner": "required"}
	if got := fields(body); st != http.StatusBadRequest || !reflect.DeepEqual(got, want) {
		t.Fatalf("bad answers: %d\n got %v\nwant %v", st, got, want)
	}
	if _, _, body := a.do("GET /api/events/{eventId}", ev, nil, ""); body["seatsTaken"] != 0.0 {
		t.Fatalf("a refused registration took seats: %v", body["seatsTaken"])
	}
	st, _, body = a.do("POST /api/events/{eventId}/registrations", ev, nil,
		answeredTeam(2, `{"arrival":"day before"}`, `{"will-you-stay-for-the-team-dinner":true,"dietary":["kosher"]}`, `{"will-you-stay-for-the-team-dinner":false}`))
	if st != http.StatusCreated {
		t.Fatalf("register: %d %v", st, body)
	}
	token := body["manageToken"].(string)
	reg := body["registration"].(map[string]any)
	id := reg["id"].(string)
	members := reg["members"].([]any)
	if reg["answers"].(map[string]any)["arrival"] != "Day before" ||
		!reflect.DeepEqual(members[0].(map[string]any)["answers"], map[string]any{"will-you-stay-for-the-team-dinner": true, "dietary": []any{"Kosher"}}) {
		t.Fatalf("answers as kept: %v", reg)
	}

	// The team changes its answers: named by id, a member's by the
	// member's id; a member's other fields are not for this route.
	rid := map[string]string{"registrationId": id}
	m1 := members[1].(map[string]any)["id"].(string)
	change := fmt.Sprintf(`{"answers":{"arrival":"Same day"},"members":[{"id":%q,"answers":{"will-you-stay-for-the-team-dinner":true,"dietary":null}}]}`, m1)
	if st, _, _ := a.do("PATCH /api/registrations/{registrationId}", rid, bearer("wrong"), change); st != http.StatusNotFound {
		t.Fatalf("wrong token: %d", st)
	}
	for _, c := range []struct {
		body, field, rule string
	}{
		{`{"answers":{"arrival":"Never"}}`, "answers.arrival", "one_of"},
		{`{"answers":{"arrival":null}}`, "answers.arrival", "required"},
		// Answers and people change in requests of their own.
		{fmt.Sprintf(`{"members":[{"id":%q,"name":"Zed","email":"zed@example.org","role":"superintendent","answers":{"dietary":["Vegan"]}}]}`, m1), "members[0].answers", "not_with"},
		{`{"members":[{"id":"nobody","answers":{"dietary":["Vegan"]}}]}`, "members[0].id", "one_of"},
		{`{"answers":{"arrival":["Same day"]}}`, "answers.arrival", "type"},
	} {
		st, _, body := a.do("PATCH /api/registrations/{registrationId}", rid, bearer(token), c.body)
		if got := fields(body); st != http.StatusBadRequest || got[c.field] != c.rule || len(got) != 1 {
			t.Errorf("%s: %d %v", c.body, st, body)
		}
	}
	if st, _, body := a.do("PATCH /api/registrations/{registrationId}", rid, bearer(token), `{}`); st != http.StatusBadRequest || body["reason"] != "empty_change" {
		t.Errorf("empty: %d %v", st, body)
	}
	if _, _, body := a.do("GET /api/registrations/{registrationId}", rid, bearer(token), ""); body["registration"].(map[string]any)["answers"].(map[string]any)["arrival"] != "Day before" {
		t.Fatalf("a refused change changed the answers: %v", body)
	}
	st, _, body = a.do("PATCH /api/registrations/{registrationId}", rid, bearer(token), change)
	if st != http.StatusOK {
		t.Fatalf("change: %d %v", st, body)
	}
	got := body["registration"].(map[string]any)
	if got["answers"].(map[string]any)["arrival"] != "Same day" ||
		!reflect.DeepEqual(got["members"].([]any)[1].(map[string]any)["answers"], map[string]any{"will-you-stay-for-the-team-dinner": true}) {
		t.Fatalf("changed: %v", got)
	}
	// Staff, for the team, with a reason.
	if st, _, body := a.do("PATCH /api/admin/registrations/{registrationId}/answers", rid, staff(), `{"answers":{"arrival":"Day before"}}`); st != http.StatusBadRequest || fields(body)["reason"] != "required" {
		t.Fatalf("staff without reason: %d %v", st, body)
	}
	if st, _, body := a.do("PATCH /api/admin/registrations/{registrationId}/answers", rid, staff(), `{"answers":{"arrival":"Day before"},"reason":"They phoned"}`); st != http.StatusOK {
		t.Fatalf("staff change: %d %v", st, body)
	}
	// The members' download carries the answers, the team's on each row.
	resp := a.raw("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "cv", "file": "members.csv"}, staff(), "")
	csv := resp.Body
	if resp.StatusCode != http.StatusOK || !strings.Contains(csv, "When does your team arrive?,Will you stay for the team dinner?,Dietary needs") ||
		strings.Count(csv, "Day before") != 2 {
		t.Fatalf("members.csv: %d\n%s", resp.StatusCode, csv)
	}
}

func TestAnnouncementsAPI(t *testing.T) {
	a := newAPI(t)
	if st, _, _ := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatal(st)
	}
	ev := map[string]string{"eventId": "cv"}
	for n := 1; n <= 2; n++ {
		if st, _, body := a.do("POST /api/events/{eventId}/registrations", ev, nil, teamBody(n, 2)); st != http.StatusCreated {
			t.Fatalf("register %d: %d %v", n, st, body)
		}
	}
	draft := `{"audience":["registered"],"to":"members","subject":"Parking","text":"Lot B.\n\nSee you.","reason":"Teams asked"}`
	// Bad bodies name their fields, and send nothing.
	for _, c := range []struct{ body, field, rule string }{
		{`{"audience":[],"to":"members","subject":"s","text":"t","reason":"r"}`, "audience", "min_items"},
		{`{"audience":["cancelled"],"to":"members","subject":"s","text":"t","reason":"r"}`, "audience[0]", "one_of"},
		{`{"audience":["registered"],"to":"all","subject":"s","text":"t","reason":"r"}`, "to", "one_of"},
		{`{"audience":["registered"],"to":"members","subject":"a\nb","text":"t","reason":"r"}`, "subject", "single_line"},
		{`{"audience":["registered"],"to":"members","subject":"s","text":"","reason":"r"}`, "text", "required"},
		{`{"audience":["registered"],"to":"members","subject":"s","text":"t"}`, "reason", "required"},
		{`{"audience":"registered","to":"members","subject":"s","text":"t","reason":"r"}`, "audience", "type"},
		{`{"audience":["registered"],"to":"members","subject":"s","text":"t","reason":"r","cc":"x@y.org"}`, "cc", "unknown_field"},
	} {
		st, _, body := a.do("POST /api/admin/events/{eventId}/announcements", ev, staff(), c.body)
		if got := fields(body); st != http.StatusBadRequest || got[c.field] != c.rule || len(got) != 1 {
			t.Errorf("%s: %d %v", c.body, st, body)
		}
	}
	if _, _, body := a.do("GET /api/admin/events/{eventId}/announcements", ev, staff(), ""); len(body["announcements"].([]any)) != 0 {
		t.Fatalf("refused announcements were stored: %v", body)
	}
	st, _, body := a.do("POST /api/admin/events/{eventId}/announcements/preview", ev, staff(), draft)
	if st != http.StatusOK || body["recipients"] != 4.0 || body["teams"] != 2.0 || body["sample"] == nil {
		t.Fatalf("preview: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/events/{eventId}/announcements/test", ev, staff(),
		`{"audience":["registered"],"to":"members","subject":"Parking","text":"Lot B.","email":"not an address"}`)
	if st != http.StatusBadRequest || body["reason"] != "no_staff_email" {
		t.Fatalf("test without an address: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/events/{eventId}/announcements/test", ev, staff(),
		`{"audience":["registered"],"to":"members","subject":"Parking","text":"Lot B.","email":"ana@lmi.example.org"}`)
	if st != http.StatusAccepted {
		t.Fatalf("test: %d %v", st, body)
	}
	key := map[string]string{"Idempotency-Key": "announce-key-00001"}
	st, hdr, body := a.do("POST /api/admin/events/{eventId}/announcements", ev, mergeHeaders(staff(), key), draft)
	if st != http.StatusAccepted || body["recipients"] != 4.0 || hdr["Location"] == "" {
		t.Fatalf("send: %d %v", st, body)
	}
	annID := body["announcement"].(map[string]any)["id"].(string)
	if st, hdr, body := a.do("POST /api/admin/events/{eventId}/announcements", ev, mergeHeaders(staff(), key), draft); st != http.StatusAccepted ||
		hdr["Idempotent-Replayed"] != "true" || body["announcement"].(map[string]any)["id"] != annID {
		t.Fatalf("retry: %d %v %v", st, hdr, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/announcements", ev, staff(), draft); st != http.StatusConflict || body["reason"] != "announcement_duplicate" {
		t.Fatalf("second send: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/announcements", ev, staff(),
		`{"audience":["waitlisted"],"to":"contacts","subject":"s","text":"t","reason":"r"}`); st != http.StatusConflict || body["reason"] != "no_recipients" {
		t.Fatalf("nobody: %d %v", st, body)
	}
	st, _, body = a.do("GET /api/admin/events/{eventId}/announcements", ev, staff(), "")
	list := body["announcements"].([]any)
	if st != http.StatusOK || len(list) != 1 || !reflect.DeepEqual(list[0].(map[string]any)["delivery"],
		map[string]any{"written": 4.0, "pending": 4.0, "sent": 0.0, "failed": 0.0}) {
		t.Fatalf("list: %d %v", st, body)
	}
	if st, _, body := a.do("GET /api/admin/events/{eventId}/announcements/{announcementId}", map[string]string{"eventId": "cv", "announcementId": annID}, staff(), ""); st != http.StatusOK || body["subject"] != "Parking" {
		t.Fatalf("one: %d %v", st, body)
	}
	if st, _, body := a.do("GET /api/admin/events/{eventId}/announcements/{announcementId}", map[string]string{"eventId": "cv", "announcementId": "nope"}, staff(), ""); st != http.StatusNotFound || body["reason"] != "announcement_unknown" {
		t.Fatalf("unknown: %d %v", st, body)
	}
	if st, _, _ := a.do("GET /api/admin/events/{eventId}/announcements", map[string]string{"eventId": "nowhere"}, staff(), ""); st != http.StatusNotFound {
		t.Fatalf("no event: %d", st)
	}
}

func mergeHeaders(hs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}
