package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/storetest"
)

// people are the staff API's services of people, from the test's services.
func people(svc *storetest.Services) httpapi.People {
	return httpapi.People{Eligibility: svc.EligibilityService, Attendance: svc.AttendanceService, History: svc.HistoryService, Networks: svc.NetworkService}
}

const secretMeeting = "https://meet.example.org/j/SECRET-4711?pwd=hush"

const webinarBody = `{"id":"web","title":"Webinar: Interest-Based Bargaining","kind":"webinar","online":true,
"startsAt":"2030-01-20T15:30:00-08:00","endsAt":"2030-01-20T16:30:00-08:00","capacity":2,"maxTeamSize":1}`

func personBody(i int, org string) string {
	o := ""
	if org != "" {
		o = fmt.Sprintf(`,"organization":{"name":%q,"type":"district","county":"Monterey"}`, org)
	}
	return fmt.Sprintf(`{"person":{"name":"Person %d","email":"person%d@example.org","role":"principal"%s}}`, i, i, o)
}

// TestIndividualsRegister: a person registers for a webinar at the
// registrations route, waits on the same waiting list, is told when they
// are registered already; no answer of any route ever carries the meeting's
// address.
func TestIndividualsRegister(t *testing.T) {
	a := newAPI(t)
	var answers []string
	seen := func(status int, body map[string]any) {
		b, _ := json.Marshal(body)
		answers = append(answers, string(b))
	}
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), webinarBody); st != http.StatusCreated || body["registrants"] != "individuals" {
		t.Fatalf("create: %d %v", st, body)
	}
	st, _, body := a.do("PUT /api/admin/events/{eventId}/online", map[string]string{"eventId": "web"}, staff(),
		`{"meetingUrl":"`+secretMeeting+`","reason":"the Zoom webinar"}`)
	if st != http.StatusOK || body["meetingUrlSet"] != true || body["meetingHost"] != "meet.example.org" {
		t.Fatalf("online settings: %d %v", st, body)
	}
	seen(st, body)
	for i := range 3 {
		st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "web"}, nil, personBody(i, "Alisal Union School District"))
		if st != http.StatusCreated {
			t.Fatalf("person %d: %d %v", i, st, body)
		}
		reg := body["registration"].(map[string]any)
		if reg["registrant"] != "individual" || reg["seats"] != 1.0 {
			t.Fatalf("person %d: %v", i, reg)
		}
		if want := map[bool]string{true: "waitlisted", false: "registered"}[i == 2]; reg["status"] != want {
			t.Fatalf("person %d is %v, want %s", i, reg["status"], want)
		}
		seen(st, body)
	}
	st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "web"}, nil,
		strings.Replace(personBody(1, ""), "person1@", "PERSON1@", 1))
	if st != http.StatusConflict || body["reason"] != "person_already_registered" {
		t.Fatalf("the same person again: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "web"}, nil, teamBody(1, 1))
	if st != http.StatusConflict || body["reason"] != "teams_not_admitted" {
		t.Fatalf("a team at a webinar: %d %v", st, body)
	}
	both := `{"person":{"name":"X","email":"x@example.org","role":"other"},"members":[]}`
	if st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "web"}, nil, both); st != http.StatusBadRequest {
		t.Fatalf("a team and a person at once: %d %v", st, body)
	}
	for _, r := range []struct{ key, param string }{
		{"GET /api/events", ""}, {"GET /api/events/{eventId}", "web"}, {"GET /api/participation", ""},
		{"GET /api/admin/events/{eventId}/online", "web"}, {"GET /api/admin/events/{eventId}/registrations", "web"},
		{"GET /api/admin/events/{eventId}/attendance", "web"}, {"GET /api/admin/events/{eventId}/audit", "web"},
	} {
		st, _, body := a.do(r.key, map[string]string{"eventId": r.param}, staff(), "")
		if st != http.StatusOK {
			t.Fatalf("%s: %d %v", r.key, st, body)
		}
		seen(st, body)
	}
	for _, s := range answers {
		if strings.Contains(s, "SECRET-4711") || strings.Contains(s, "pwd=hush") {
			t.Fatalf("an answer carries the meeting's address: %s", s)
		}
	}
}

// TestEligibilityAPI: the check before registering, the refusal naming
// the member and the rule, staff's rule, preview and exemption.
func TestEligibilityAPI(t *testing.T) {
	a := newAPI(t)
	pre := `{"id":"pre","title":"Pre-conference","kind":"preconference","startsAt":"2030-06-21T13:00:00-07:00","endsAt":"2030-06-21T17:00:00-07:00",
"venue":"San Diego","capacity":60,"maxTeamSize":8,"eligibility":{"anyOf":[{"kind":"new_organization"},{"kind":"new_member"}]}}`
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), pre); st != http.StatusCreated || body["eligibilityVersion"] != 1.0 {
		t.Fatalf("create: %d %v", st, body)
	}
	// District 1's first member came to the 2019 institute.
	a.svc.HistoryService.ImportRoster(t.Context(), convening.StaffActor("s", "s"), "r.csv", strings.NewReader(
		"Organization,County,Person,Email,Role,Event,Date\nDistrict 1,Fresno,Member 0,m0@d1.org,Superintendent,CA LMI Summer Institute,2019-06-25\n"), false)
	st, _, body := a.do("POST /api/events/{eventId}/eligibility", map[string]string{"eventId": "pre"}, nil, teamBody(1, 3))
	if st != http.StatusOK {
		t.Fatalf("check: %d %v", st, body)
	}
	members := body["members"].([]any)
	if members[0].(map[string]any)["qualifies"] != false || members[1].(map[string]any)["qualifies"] != true {
		t.Fatalf("members %v", members)
	}
	st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "pre"}, nil, teamBody(1, 3))
	if st != http.StatusConflict || body["reason"] != "not_eligible" {
		t.Fatalf("register: %d %v", st, body)
	}
	f := body["errors"].([]any)[0].(map[string]any)
	if f["field"] != "members[0]" || f["rule"] != "eligibility" || !strings.Contains(f["args"].(map[string]any)["rule"].(string), "new organizations") {
		t.Fatalf("the refusal %v", f)
	}
	if st, _, body = a.do("POST /api/admin/events/{eventId}/exemptions", map[string]string{"eventId": "pre"}, staff(),
		`{"name":"Member 0","email":"m0@d1.org","reason":"facilitates the session"}`); st != http.StatusCreated {
		t.Fatalf("exempt: %d %v", st, body)
	}
	if st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "pre"}, nil, teamBody(1, 3)); st != http.StatusCreated {
		t.Fatalf("register after the exemption: %d %v", st, body)
	}
	if st, _, body = a.do("POST /api/admin/events/{eventId}/eligibility/preview", map[string]string{"eventId": "pre"}, staff(),
		`{"eligibility":{"anyOf":[{"kind":"new_member"}]}}`); st != http.StatusOK || body["members"] != 3.0 {
		t.Fatalf("preview: %d %v", st, body)
	}
	if st, _, body = a.do("PUT /api/admin/events/{eventId}/eligibility", map[string]string{"eventId": "pre"}, staff(),
		`{"eligibility":null,"reason":"open to all now"}`); st != http.StatusOK || body["eligibilityVersion"] != 2.0 || body["eligibility"] != nil {
		t.Fatalf("remove the rule: %d %v", st, body)
	}
	if st, _, body = a.do("PUT /api/admin/events/{eventId}/eligibility", map[string]string{"eventId": "pre"}, staff(),
		`{"eligibility":{"anyOf":[{"kind":"network_member","networkId":"nowhere"}]},"reason":"x"}`); st != http.StatusBadRequest {
		t.Fatalf("a network that does not exist: %d %v", st, body)
	}
}

// TestAttendanceAndHistoryAPI: a participant report (dry run, then
// applied), staff's word, a roster import with a dry run, people,
// organizations, networks and the participation list.
func TestAttendanceAndHistoryAPI(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), strings.Replace(webinarBody, `"capacity":2`, `"capacity":20`, 1))
	_, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "web"}, nil, personBody(1, "Alisal Union School District"))
	reg := body["registration"].(map[string]any)
	member := reg["members"].([]any)[0].(map[string]any)["id"].(string)
	report := "Name (Original Name),User Email,Join Time,Leave Time\nPerson 1,person1@example.org,01/20/2030 03:30 PM,01/20/2030 04:30 PM\n" +
		"Guest,,01/20/2030 03:30 PM,01/20/2030 03:31 PM\nBad,,never,01/20/2030 03:31 PM\n"
	csv := map[string]string{"Authorization": "Bearer " + staffToken, "Content-Type": "text/csv"}
	a.query = map[string]string{"dryRun": "true"}
	st, _, body := a.do("POST /api/admin/events/{eventId}/attendance/report", map[string]string{"eventId": "web"}, csv, report)
	a.query = nil
	if st != http.StatusOK || len(body["answers"].([]any)) != 3 || body["dryRun"] != true {
		t.Fatalf("dry run: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/events/{eventId}/attendance/report", map[string]string{"eventId": "web"}, csv, report)
	if st != http.StatusOK {
		t.Fatalf("report: %d %v", st, body)
	}
	st, _, body = a.do("PUT /api/admin/events/{eventId}/attendance/{registrationId}/members/{memberId}",
		map[string]string{"eventId": "web", "registrationId": reg["id"].(string), "memberId": member}, staff(), `{"attended":false,"reason":"camera on, nobody there"}`)
	if st != http.StatusOK || body["attended"] != false {
		t.Fatalf("override: %d %v", st, body)
	}
	st, _, body = a.do("GET /api/admin/events/{eventId}/attendance", map[string]string{"eventId": "web"}, staff(), "")
	unmatched := body["unmatched"].([]any)
	if st != http.StatusOK || len(unmatched) != 1 {
		t.Fatalf("attendance: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/events/{eventId}/attendance/unmatched/{key}", map[string]string{"eventId": "web", "key": unmatched[0].(map[string]any)["key"].(string)},
		staff(), `{"reason":"a test of the sound"}`)
	if st != http.StatusOK {
		t.Fatalf("dismiss: %d %v", st, body)
	}
	if st, _, body = a.do("POST /api/admin/events/{eventId}/attendance/report", map[string]string{"eventId": "web"}, csv, "nothing,here\n1,2\n"); st != http.StatusBadRequest || body["reason"] != "unreadable_file" {
		t.Fatalf("not a report: %d %v", st, body)
	}

	roster := "Organization,County,Person,Email,Role,Event,Date\n" +
		"Alisal Union School District,Monterey,Ana Ruiz,ana@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25\n" +
		"Alisal Union School District,Nowhere,Ben Ortiz,,Board member,CA LMI Summer Institute,2019-06-25\n"
	a.query = map[string]string{"dryRun": "true"}
	st, _, body = a.do("POST /api/admin/imports", nil, csv, roster)
	if st != http.StatusOK || body["counts"].(map[string]any)["invalid"] != 1.0 || body["import"] != nil {
		t.Fatalf("dry run: %d %v", st, body)
	}
	a.query = map[string]string{"fileName": "2019.csv"}
	st, hdr, body := a.do("POST /api/admin/imports", nil, csv, roster)
	a.query = nil
	if st != http.StatusCreated || !strings.HasPrefix(hdr["Location"], "/api/admin/imports/") {
		t.Fatalf("import: %d %v", st, body)
	}
	if st, _, body = a.do("GET /api/admin/imports", nil, staff(), ""); st != http.StatusOK || len(body["imports"].([]any)) != 1 {
		t.Fatalf("imports: %d %v", st, body)
	}
	key := convening.PersonKey("ana@alisal.org")
	if st, _, body = a.do("GET /api/admin/people/{personKey}", map[string]string{"personKey": key}, staff(), ""); st != http.StatusOK || body["name"] != "Ana Ruiz" {
		t.Fatalf("person: %d %v", st, body)
	}
	a.query = map[string]string{"name": "Alisal Union School District", "county": "Monterey"}
	st, _, body = a.do("GET /api/admin/organizations/attendance", nil, staff(), "")
	a.query = nil
	if st != http.StatusOK || len(body["years"].([]any)) != 1 {
		t.Fatalf("organization: %d %v", st, body)
	}
	network := `{"name":"Monterey County Regional Labor-Management Network","host":{"name":"Monterey County Office of Education","type":"county_office","county":"Monterey"},
"members":[{"name":"Alisal Union School District","type":"district","county":"Monterey"}],"activeFrom":2018,"convenings":["past-2019-06-25-ca-lmi-summer-institute"],"reason":"the network"}`
	if st, _, body = a.do("PUT /api/admin/networks/{networkId}", map[string]string{"networkId": "monterey"}, staff(), network); st != http.StatusOK {
		t.Fatalf("network: %d %v", st, body)
	}
	if st, _, body = a.do("GET /api/admin/networks/{networkId}", map[string]string{"networkId": "monterey"}, staff(), ""); st != http.StatusOK ||
		body["convenings"].([]any)[0].(map[string]any)["share"] != 1.0 {
		t.Fatalf("network report: %d %v", st, body)
	}
	if st, _, body = a.do("GET /api/participation", nil, nil, ""); st != http.StatusOK || body["organizations"] != 1.0 {
		t.Fatalf("participation: %d %v", st, body)
	}
	if st, _, body = a.do("PUT /api/admin/participants/opt-out", nil, staff(),
		`{"organization":{"name":"Alisal Union School District","county":"Monterey"},"optOut":true,"reason":"asked"}`); st != http.StatusOK {
		t.Fatalf("opt out: %d %v", st, body)
	}
	if st, _, body = a.do("GET /api/participation", nil, nil, ""); st != http.StatusOK || body["organizations"] != 0.0 {
		t.Fatalf("participation after the opt-out: %d %v", st, body)
	}
	if st, _, body = a.do("POST /api/admin/people/{personKey}/erase", map[string]string{"personKey": key}, staff(), `{"reason":"asked to be forgotten"}`); st != http.StatusOK || body["anonymized"] != 1.0 {
		t.Fatalf("erase: %d %v", st, body)
	}
	if st, _, body = a.do("GET /api/admin/history-audit", nil, staff(), ""); st != http.StatusOK || len(body["records"].([]any)) < 4 {
		t.Fatalf("history audit: %d %v", st, body)
	}
}
