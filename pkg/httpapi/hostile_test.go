package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/storetest"
)

// maxAnswer bounds any answer to a body of at most httpapi.MaxBodyBytes.
const maxAnswer = 16 << 10

func TestHostileBodiesGetSmallAnswers(t *testing.T) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != 201 {
		t.Fatalf("create event: %d %v", st, body)
	}
	fill := func(unit string, n int) string { return strings.TrimSuffix(strings.Repeat(unit+",", n), ",") }
	reg := "POST /api/events/{eventId}/registrations"
	cv := map[string]string{"eventId": "cv"}
	long := strings.Repeat("f", 60<<10)
	tests := []struct {
		name, route, body string
		params            map[string]string
		status            int
	}{
		{"EmptyMembers20K", reg, `{"members":[` + fill("{}", 20<<10/3) + `]}`, cv, 400},
		{"EmptyMembers64K", reg, `{"members":[` + fill("{}", (64<<10-20)/3) + `]}`, cv, 400},
		{"BadMembers", reg, `{"members":[` + fill(`{"name":"\u0000","email":"x","role":"y"}`, 1500) + `]}`, cv, 400},
		{"LongUnknownField", reg, `{"` + long + `":1}`, cv, 400},
		{"LongStrings", reg, `{"organization":{"name":"` + long + `"}}`, cv, 400},
		{"EventWithLongID", "POST /api/admin/events", strings.Replace(eventBody, `"cv"`, `"`+long+`"`, 1), nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > httpapi.MaxBodyBytes {
				t.Fatalf("test body is %d bytes", len(tt.body))
			}
			h := map[string]string{}
			if strings.HasPrefix(tt.route, "POST /api/admin") {
				h = staff()
			}
			resp := a.raw(tt.route, tt.params, h, tt.body)
			if resp.StatusCode != tt.status || len(resp.Body) > maxAnswer {
				t.Fatalf("status %d, %d-byte answer (want %d, at most %d)", resp.StatusCode, len(resp.Body), tt.status, maxAnswer)
			}
		})
	}
	if _, _, body := a.do("GET /api/events/{eventId}", cv, nil, ""); body["seatsTaken"] != 0.0 {
		t.Fatalf("bad requests changed the event: %v", body)
	}
}

func TestEventDatesOutOfRangeAreRefusedAndNotStored(t *testing.T) {
	a := newAPI(t)
	for i, tt := range []struct{ field, value string }{
		{"endsAt", "9999-12-31T23:59:59-23:59"},
		{"startsAt", "0000-01-01T00:30:00+01:00"},
		{"registrationOpensAt", "1970-01-01T00:00:00Z"},
	} {
		id := fmt.Sprint("dates-", i)
		event := map[string]any{"id": id, "title": "Dates", "kind": "convening", "startsAt": "2030-02-10T09:00:00-08:00",
			"endsAt": "2030-02-10T15:00:00-08:00", "venue": "Fresno", "capacity": 6, "maxTeamSize": 4}
		event[tt.field] = tt.value
		body, _ := json.Marshal(event)
		st, _, out := a.do("POST /api/admin/events", nil, staff(), string(body))
		errs, _ := out["errors"].([]any)
		if st != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != tt.field {
			t.Fatalf("%s=%s: %d %v", tt.field, tt.value, st, out)
		}
		if st, _, _ := a.do("GET /api/events/{eventId}", map[string]string{"eventId": id}, nil, ""); st != 404 {
			t.Fatalf("%s=%s: the refused event was stored (%d)", tt.field, tt.value, st)
		}
	}
}

// TestRosterPagesStayUnderLambdasLimit registers the largest teams the
// system accepts and pages through the roster: every page stays well under
// Lambda's 6 MB answer, and the pages together hold every team once.
func TestRosterPagesStayUnderLambdasLimit(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	ev := storetest.Event("big", convening.MaxCapacity, convening.PolicyStrict)
	ev.MaxTeamSize = convening.MaxTeamSizeCap
	if _, err := a.svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), ev); err != nil {
		t.Fatal(err)
	}
	const teams = 220
	for n := range teams {
		team := storetest.Team(n, convening.MaxTeamSizeCap)
		team.Organization.Name = fmt.Sprintf("%d %s", n, strings.Repeat("<", 190)) // escaped as \u003c: six bytes each
		team.Contact.Name = strings.Repeat("\"", 200)
		for i := range team.Members {
			team.Members[i].Name = strings.Repeat("<", 200)
			team.Members[i].Email = fmt.Sprintf("%s%03d@%s.example.org", strings.Repeat("&", 60), i, strings.Repeat("d", 60))
		}
		if _, _, _, err := a.svc.Register(ctx, "big", team, nil); err != nil {
			t.Fatalf("team %d: %v", n, err)
		}
	}
	seen := map[string]bool{}
	query := map[string]string{"limit": "200"}
	for pages := 0; ; pages++ {
		a.query = query
		resp := a.raw("GET /api/admin/events/{eventId}/registrations", map[string]string{"eventId": "big"}, staff(), "")
		a.query = nil
		if resp.StatusCode != 200 || len(resp.Body) > 5<<20 {
			t.Fatalf("page %d: status %d, %d bytes", pages, resp.StatusCode, len(resp.Body))
		}
		var page struct {
			Registrations []struct{ ID string } `json:"registrations"`
			Next          *string               `json:"next"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Registrations {
			if seen[r.ID] {
				t.Fatalf("%s on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		if page.Next == nil {
			break
		}
		query = map[string]string{"limit": "200", "cursor": *page.Next}
	}
	if len(seen) != teams {
		t.Fatalf("pages hold %d teams, want %d", len(seen), teams)
	}
}
