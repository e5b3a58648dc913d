package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

// sentSurvey is the cv event (see eventBody) over, with a team of four of
// whom three were checked in, its default survey sent; it returns the
// invitations.
func (a *api) sentSurvey() []convening.SurveyInvitation {
	a.t.Helper()
	ctx := context.Background()
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 4))
	reg := body["registration"].(map[string]any)
	for _, m := range reg["members"].([]any)[:3] {
		params := map[string]string{"registrationId": reg["id"].(string), "memberId": m.(map[string]any)["id"].(string)}
		if st, _, body := a.do("PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in", params, staff(), ""); st != 200 {
			a.t.Fatalf("check in: %d %v", st, body)
		}
	}
	def, _ := json.Marshal(convening.DefaultSurvey())
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey", map[string]string{"eventId": "cv"}, staff(), string(def)); st != 200 || body["state"] != "draft" {
		a.t.Fatalf("put survey: %d %v", st, body)
	}
	after := time.Date(2030, 2, 11, 9, 0, 0, 0, convening.Pacific)
	a.svc.Clock = func() time.Time { return after }
	closes := after.Add(14 * 24 * time.Hour).Format(time.RFC3339)
	st, _, body := a.do("POST /api/admin/events/{eventId}/survey/send", map[string]string{"eventId": "cv"}, staff(), `{"closesAt":"`+closes+`"}`)
	if st != 200 || body["newlyInvited"] != 3.0 || body["attendees"] != 3.0 {
		a.t.Fatalf("send: %d %v", st, body)
	}
	invs, err := a.store.SurveyInvitations(ctx, "cv", "")
	if err != nil || len(invs) != 3 {
		a.t.Fatalf("invitations %v %v", err, invs)
	}
	return invs
}

func (a *api) personParams(inv convening.SurveyInvitation) (map[string]string, map[string]string) {
	return map[string]string{"eventId": "cv", "personId": inv.PersonID}, bearer(a.svc.SurveyToken("cv", inv.PersonID))
}

// TestSurveyFlow: staff build the default survey, send it once the event
// is over to the people checked in; a person reads it and answers once by
// their token; a second answer, answers out of range or to items the
// survey lacks are refused naming the field, changing nothing; staff see
// the response rate, the report and its CSV, and mark a comment for
// publication.
func TestSurveyFlow(t *testing.T) {
	a := newAPI(t)
	ev := map[string]string{"eventId": "cv"}
	if st, _, body := a.do("GET /api/admin/events/{eventId}/survey", map[string]string{"eventId": "nope"}, staff(), ""); st != 404 || body["reason"] != "event_not_found" {
		t.Fatalf("no event: %d %v", st, body)
	}
	invs := a.sentSurvey()
	params, tok := a.personParams(invs[0])

	if st, _, body := a.do("GET /api/surveys/{eventId}/{personId}", params, bearer("wrong"), ""); st != 404 || body["reason"] != "survey_unknown" {
		t.Fatalf("wrong token: %d %v", st, body)
	}
	// The manage token of the person's registration opens no survey.
	if st, _, _ := a.do("GET /api/surveys/{eventId}/{personId}", params, bearer(a.svc.Tokens.Token(invs[0].RegistrationID)), ""); st != 404 {
		t.Fatalf("manage token: %d", st)
	}
	st, _, body := a.do("GET /api/surveys/{eventId}/{personId}", params, tok, "")
	if st != 200 || body["state"] != "open" || len(body["items"].([]any)) != 4 || body["answeredAt"] != nil {
		t.Fatalf("read: %d %v", st, body)
	}

	bad := []struct {
		body, field, rule string
	}{
		{`{"answers":{"useful":{"rating":6},"recommend":{"rating":4}}}`, "answers.useful.rating", "range"},
		{`{"answers":{"useful":{"rating":0},"recommend":{"rating":4}}}`, "answers.useful", "required"},
		{`{"answers":{"useful":{"rating":5},"recommend":{"rating":4},"venue":{"rating":5}}}`, "answers.venue", "unknown_field"},
		{`{"answers":{"useful":{"rating":"five"},"recommend":{"rating":4}}}`, "answers.useful.rating", "type"},
		{`{"answers":{"useful":{"rating":5,"stars":5},"recommend":{"rating":4}}}`, "answers.useful.stars", "unknown_field"},
		{`{"answers":{"useful":{"rating":5},"recommend":{"rating":4},"interest":{"choices":["golf"]}}}`, "answers.interest.choices[0]", "one_of"},
		{`{}`, "answers", "required"},
	}
	for _, tt := range bad {
		st, _, body := a.do("POST /api/surveys/{eventId}/{personId}/response", params, tok, tt.body)
		if st != 400 || !hasFieldRule(body, tt.field, tt.rule) {
			t.Errorf("%s: %d %v, want 400 naming %s (%s)", tt.body, st, body, tt.field, tt.rule)
		}
	}
	if _, _, body := a.do("GET /api/admin/events/{eventId}/survey", ev, staff(), ""); body["survey"].(map[string]any)["answered"] != 0.0 {
		t.Fatalf("bad answers were counted: %v", body)
	}

	good := `{"answers":{"useful":{"rating":5},"recommend":{"rating":4},"interest":{"choices":["regional-convenings"]},"comments":{"text":"Loved the team time."}}}`
	st, hdr, body := a.do("POST /api/surveys/{eventId}/{personId}/response", params, tok, good)
	if st != 201 || body["state"] != "answered" || body["answeredAt"] == nil || hdr["Location"] != "/api/surveys/cv/"+invs[0].PersonID {
		t.Fatalf("answer: %d %v %v", st, hdr, body)
	}
	if st, _, body := a.do("POST /api/surveys/{eventId}/{personId}/response", params, tok, good); st != 409 || body["reason"] != "survey_answered" {
		t.Fatalf("second answer: %d %v", st, body)
	}
	p1, tok1 := a.personParams(invs[1])
	a.do("POST /api/surveys/{eventId}/{personId}/response", p1, tok1, `{"answers":{"useful":{"rating":3},"recommend":{"rating":5}}}`)

	st, _, body = a.do("GET /api/admin/events/{eventId}/survey", ev, staff(), "")
	if rate := body["responseRate"].(map[string]any); st != 200 || body["state"] != "open" || rate["part"] != 2.0 || rate["whole"] != 3.0 || rate["percent"] != 66.7 {
		t.Fatalf("staff survey: %d %v", st, body)
	}
	st, _, body = a.do("GET /api/admin/events/{eventId}/survey/report", ev, staff(), "")
	report := body["report"].(map[string]any)
	useful := report["items"].([]any)[0].(map[string]any)
	if st != 200 || useful["n"] != 2.0 || fmt.Sprint(useful["ratings"]) != "[0 0 1 0 1]" || useful["agree"].(map[string]any)["percent"] != 50.0 ||
		!strings.Contains(report["headline"].(string), "50% of respondents indicated 4 or 5 for both") {
		t.Fatalf("report: %d %v", st, report)
	}
	comments := report["items"].([]any)[3].(map[string]any)["comments"].([]any)
	id := comments[0].(map[string]any)["id"].(string)
	cp := map[string]string{"eventId": "cv", "commentId": id}
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey/comments/{commentId}", cp, staff(), `{"published":true}`); st != 200 || body["published"] != true {
		t.Fatalf("publish: %d %v", st, body)
	}
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey/comments/{commentId}", cp, staff(), `{}`); st != 400 || !hasFieldRule(body, "published", "required") {
		t.Fatalf("publish without a value: %d %v", st, body)
	}
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey/comments/{commentId}", map[string]string{"eventId": "cv", "commentId": "nope"}, staff(), `{"published":true}`); st != 404 || body["reason"] != "comment_unknown" {
		t.Fatalf("unknown comment: %d %v", st, body)
	}
	resp := a.raw("GET /api/admin/events/{eventId}/exports/{file}", map[string]string{"eventId": "cv", "file": "survey.csv"}, staff(), "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Comment,comments,") || !strings.Contains(resp.Body, ",yes\r\n") ||
		!strings.Contains(resp.Body, "Response rate,,,Answered,2,3,66.7%") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Body)
	}

	// Sent: the items are fixed. Closed: no more answers.
	def, _ := json.Marshal(convening.DefaultSurvey())
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey", ev, staff(), string(def)); st != 409 || body["reason"] != "survey_sent" {
		t.Fatalf("change a sent survey: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/close", ev, staff(), `{"closesAt":"2099-01-01T00:00:00Z"}`); st != 400 || !hasFieldRule(body, "closesAt", "max_days") {
		t.Fatalf("close far ahead: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/close", ev, staff(), ""); st != 200 || body["state"] != "closed" {
		t.Fatalf("close: %d %v", st, body)
	}
	p2, tok2 := a.personParams(invs[2])
	if st, _, body := a.do("POST /api/surveys/{eventId}/{personId}/response", p2, tok2, `{"answers":{"useful":{"rating":3},"recommend":{"rating":5}}}`); st != 409 || body["reason"] != "survey_closed" {
		t.Fatalf("answer a closed survey: %d %v", st, body)
	}
	if st, _, body := a.do("GET /api/surveys/{eventId}/{personId}", p2, tok2, ""); st != 200 || body["state"] != "closed" {
		t.Fatalf("read a closed survey: %d %v", st, body)
	}

	// The person's invitation is in the organization's export.
	a.query = map[string]string{"name": "District 1", "county": "Fresno"}
	st, _, body = a.do("GET /api/admin/organizations/export", nil, staff(), "")
	a.query = nil
	if got := body["surveyInvitations"].([]any); st != 200 || len(got) != 3 || got[0].(map[string]any)["email"] == "" {
		t.Fatalf("export: %d %v", st, body)
	}
}

// TestSurveyBeforeTheEvent: a survey is sent once the event is over, and
// to the people who came.
func TestSurveyBeforeTheEvent(t *testing.T) {
	a := newAPI(t)
	ev := map[string]string{"eventId": "cv"}
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/send", ev, staff(), ""); st != 404 || body["reason"] != "survey_unknown" {
		t.Fatalf("no survey: %d %v", st, body)
	}
	bad := `{"items":[{"id":"a","type":"rating","text":"x","choices":[{"id":"b","label":"B"}]}],"reminderDays":[7,3]}`
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/survey", ev, staff(), bad); st != 400 || !hasFieldRule(body, "items[0].choices", "max_items") || !hasFieldRule(body, "reminderDays[1]", "after") {
		t.Fatalf("bad definition: %d %v", st, body)
	}
	def, _ := json.Marshal(convening.DefaultSurvey())
	a.do("PUT /api/admin/events/{eventId}/survey", ev, staff(), string(def))
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/send", ev, staff(), `{"closesAt":"2030-03-01T00:00:00Z"}`); st != 409 || body["reason"] != "event_not_over" {
		t.Fatalf("send before the event: %d %v", st, body)
	}
	a.svc.Clock = func() time.Time { return time.Date(2030, 2, 11, 9, 0, 0, 0, time.UTC) }
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/send", ev, staff(), ""); st != 400 || !hasFieldRule(body, "closesAt", "required") {
		t.Fatalf("send without a closing date: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/send", ev, staff(), `{"closesAt":"2030-03-01T00:00:00Z"}`); st != 409 || body["reason"] != "no_attendees" {
		t.Fatalf("send with nobody checked in: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/events/{eventId}/survey/close", ev, staff(), ""); st != 409 || body["reason"] != "survey_not_sent" {
		t.Fatalf("close a draft: %d %v", st, body)
	}
}

func hasFieldRule(body map[string]any, field, rule string) bool {
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["field"] == field && m["rule"] == rule {
			return true
		}
	}
	return false
}

// FuzzSurveyAnswer sends the answer route arbitrary bodies with a valid
// link: never a server error, always a documented answer.
func FuzzSurveyAnswer(f *testing.F) {
	a := newAPI(f)
	invs := a.sentSurvey()
	params, tok := a.personParams(invs[0])
	f.Add(`{"answers":{"useful":{"rating":6}}}`, "application/json")
	f.Add(`{"answers":{"useful":{"rating":5},"recommend":{"rating":5},"interest":{"choices":["webinars","webinars"]}}}`, "application/json")
	f.Add(`{"answers":{"x":{"text":"\u0000"}},"answers":{}}`, "application/json")
	f.Add(`{"answers":[]}`, "text/plain")
	f.Add(`{"answers":{"comments":{"text":"`+strings.Repeat("a", 5000)+`"}}}`, "")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		// A survey person who answers stays answered: a later valid body
		// is refused 409, which is documented too.
		req := apitest.Request("POST /api/surveys/{eventId}/{personId}/response", params,
			map[string]string{"content-type": contentType, "authorization": tok["Authorization"]}, body)
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
		if resp.StatusCode == http.StatusBadRequest && !strings.Contains(resp.Body, `"reason"`) {
			t.Fatalf("400 without a reason: %s", resp.Body)
		}
	})
}

// FuzzSurveyDefinition sends staff's survey route arbitrary bodies.
func FuzzSurveyDefinition(f *testing.F) {
	a := fuzzAPI(f)
	def, _ := json.Marshal(convening.DefaultSurvey())
	f.Add(string(def))
	f.Add(`{"items":[{"id":"a","type":"rating","text":"x","choices":[]}],"reminderDays":[0]}`)
	f.Add(`{"items":[{"id":"a","type":"choice","text":"x","choices":[{"id":"b","label":"b"},{"id":"b","label":"B"}]}],"intro":null}`)
	f.Add(`{"items":null,"reminderDays":[1,2,3,4]}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := apitest.Request("PUT /api/admin/events/{eventId}/survey", map[string]string{"eventId": "cv"}, staff(), body)
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
	})
}
