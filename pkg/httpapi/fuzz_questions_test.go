package httpapi_test

import (
	"context"
	"testing"

	"github.com/calmi/convenings/pkg/httpapi/apitest"
)

// fuzzAnswersAPI is the API with an event that asks questions and one
// registration of it, shared by a fuzz target's runs.
func fuzzAnswersAPI(f *testing.F) (*api, string, string) {
	a := fuzzAPI(f)
	a.do("PATCH /api/admin/events/{eventId}", map[string]string{"eventId": "cv"}, staff(), questionsBody)
	_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil,
		answeredTeam(9, `{"arrival":"Same day"}`, `{"will-you-stay-for-the-team-dinner":true}`, `{"will-you-stay-for-the-team-dinner":false}`))
	return a, body["registration"].(map[string]any)["id"].(string), body["manageToken"].(string)
}

// FuzzPatchRegistration sends a team's change of its answers arbitrary
// bodies, with its manage token.
func FuzzPatchRegistration(f *testing.F) {
	a, id, token := fuzzAnswersAPI(f)
	f.Add(`{"answers":{"arrival":"Day before"}}`)
	f.Add(`{"answers":{"arrival":null},"members":[{"id":"x","answers":{"dietary":["Vegan","vegan"]}}]}`)
	f.Add(`{"members":[{"id":"","answers":{"":7}}],"answers":[]}`)
	f.Add(`{"answers":{"arrival":"\ud800"}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := apitest.Request("PATCH /api/registrations/{registrationId}", map[string]string{"registrationId": id},
			map[string]string{"authorization": "Bearer " + token}, body)
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
	})
}

// FuzzAnnouncements sends the announcements' routes arbitrary bodies, as
// staff.
func FuzzAnnouncements(f *testing.F) {
	a, _, _ := fuzzAnswersAPI(f)
	routes := []string{"POST /api/admin/events/{eventId}/announcements", "POST /api/admin/events/{eventId}/announcements/preview",
		"POST /api/admin/events/{eventId}/announcements/test", "PATCH /api/admin/events/{eventId}"}
	f.Add(uint8(0), `{"audience":["registered"],"to":"members","subject":"s","text":"t","reason":"r"}`)
	f.Add(uint8(1), `{"audience":["registered","registered","offered"],"to":"contacts","subject":"\u2028","text":"\u0000"}`)
	f.Add(uint8(2), `{"audience":["registered"],"to":"members","subject":"s","text":"t","email":"a@b.org"}`)
	f.Add(uint8(3), `{"reason":"r","reminders":[{"hoursBefore":0,"subject":"","text":"","audience":["x"],"to":"y"}]}`)
	f.Add(uint8(3), `{"reason":"r","questions":[{"label":"L","type":"one_choice","choices":["a"]}]}`)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		req := apitest.Request(routes[int(route)%len(routes)], map[string]string{"eventId": "cv"}, nil, body)
		resp, err := a.serve(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkAnswer(t, req, resp)
	})
}
