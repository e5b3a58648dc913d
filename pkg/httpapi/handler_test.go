package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/openapidoc"
	"github.com/calmi/convenings/pkg/storetest"
	"github.com/calmi/convenings/pkg/web"
)

const staffToken = "local-staff-token-for-tests"

// api is the HTTP functions over one in-memory store, each built as its
// main builds it (a service without manage tokens where the function needs
// none). Storage is the contract suite's business (package storetest).
type api struct {
	t         testing.TB
	functions map[string]*httpapi.Handler
	svc       *storetest.Services // for setting up
	store     *memstore.Store
	query     map[string]string // query parameters of the next request
}

func newAPI(t testing.TB) *api {
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("s", 32)))
	store := memstore.New()
	log := slog.New(slog.DiscardHandler)
	svc := storetest.NewServices(store, tokens, log)
	return &api{t: t, svc: svc, store: store, functions: map[string]*httpapi.Handler{
		deploy.Events:       httpapi.Events(svc.EventService, svc.HistoryService, log),
		deploy.Register:     httpapi.Register(svc.RegistrationService, svc.EligibilityService, log),
		deploy.Registration: httpapi.Registration(svc.RegistrationService, svc.LinksService, svc.Billing, log),
		deploy.Statements:   httpapi.Statements(svc.StatementService, log),
		deploy.Surveys:      httpapi.Surveys(svc.SurveyAnswerService, log),
		deploy.Admin: httpapi.Admin(svc.EventService, svc.StaffService, svc.ReviewService, svc.NoticeService,
			svc.OrganizationService, svc.PrivacyService, svc.Fees, svc.SurveyService, svc.AnnouncementService, people(svc), log),
	}}
}

// handle sends req to the function its route belongs to, as API Gateway
// does, and fails the test that made it if the exchange is not as
// docs/openapi.yaml has it (see openapidoc.Document.Check).
func (a *api) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a.t.Helper()
	resp, err := a.serve(ctx, req)
	if err == nil {
		checkDocumented(a.t, req, resp, true)
	}
	return resp, err
}

// serve sends req to the function its route belongs to, as API Gateway
// does; a route key of no API function goes to the events function.
func (a *api) serve(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	h := a.functions[deploy.Events]
	if r, ok := deploy.RouteByKey(req.RouteKey); ok && a.functions[r.Function] != nil {
		h = a.functions[r.Function]
	}
	return frontdoor.Lambda(h)(ctx, req)
}

// openAPI is docs/openapi.yaml, loaded once for the package's tests.
var openAPI = sync.OnceValues(func() (*openapidoc.Document, error) {
	return openapidoc.Load(context.Background(), "../../docs/openapi.yaml")
})

// checkDocumented fails t unless the answer to req is one the OpenAPI
// document gives and, with refusals, a request the document refuses was
// refused.
func checkDocumented(t testing.TB, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, refusals bool) {
	t.Helper()
	doc, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	check := doc.CheckAnswer
	if refusals {
		check = doc.Check
	}
	if err := check(context.Background(), req, resp); err != nil {
		t.Errorf("docs/openapi.yaml: %v", err)
	}
}

// do sends a request through the handler as API Gateway would: the route
// key and path parameters set, headers lower-cased.
func (a *api) do(routeKey string, params map[string]string, headers map[string]string, body string) (int, map[string]string, map[string]any) {
	a.t.Helper()
	resp := a.raw(routeKey, params, headers, body)
	var out map[string]any
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			a.t.Fatalf("%s: body is not JSON: %v: %s", routeKey, err, resp.Body)
		}
	}
	return resp.StatusCode, resp.Headers, out
}

// doQuery is do for a GET with query parameters.
func (a *api) doQuery(routeKey string, params, query, headers map[string]string) (int, map[string]string, map[string]any) {
	a.t.Helper()
	a.query = query
	defer func() { a.query = nil }()
	return a.do(routeKey, params, headers, "")
}

// raw sends a request and returns the handler's answer as it is.
func (a *api) raw(routeKey string, params map[string]string, headers map[string]string, body string) events.APIGatewayV2HTTPResponse {
	a.t.Helper()
	req := apitest.Request(routeKey, params, headers, body)
	req.QueryStringParameters = a.query
	if req.Headers["authorization"] != "Bearer "+staffToken {
		// The handler's own check: without the staff token the request
		// carries no staff member's claims.
		req.RequestContext.Authorizer = nil
	}
	resp, err := a.handle(context.Background(), req)
	if err != nil {
		a.t.Fatalf("%s: handler returned an error: %v", routeKey, err)
	}
	return resp
}

func staff() map[string]string { return map[string]string{"Authorization": "Bearer " + staffToken} }

const eventBody = `{"id":"cv","title":"Central Valley Convening","kind":"convening","startsAt":"2030-02-10T09:00:00-08:00",
"endsAt":"2030-02-10T15:00:00-08:00","venue":"Fresno","capacity":6,"maxTeamSize":4}`

func teamBody(n, size int) string {
	var members []string
	for i := 0; i < size; i++ {
		members = append(members, fmt.Sprintf(`{"name":"Member %d","email":"m%d@d%d.org","role":"other"}`, i, i, n))
	}
	return fmt.Sprintf(`{"organization":{"name":"District %d","type":"district","county":"Fresno"},
"contact":{"name":"Contact %d","email":"c@d%d.org"},"members":[%s]}`, n, n, n, strings.Join(members, ","))
}

func TestRegistrationFlow(t *testing.T) {
	a := newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated || body["id"] != "cv" || body["seatsLeft"] != 6.0 {
		t.Fatalf("create event: %d %v", st, body)
	}
	st, hdr, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 4))
	if st != http.StatusCreated || hdr["Cache-Control"] != "no-store" {
		t.Fatalf("register: %d %v", st, body)
	}
	reg := body["registration"].(map[string]any)
	token := body["manageToken"].(string)
	if reg["status"] != "registered" || reg["seats"] != 4.0 || reg["waitlistPosition"] != nil || len(token) < 22 {
		t.Fatalf("registration %v token %q", reg, token)
	}
	id := reg["id"].(string)

	st, _, body = a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(2, 3))
	wl := body["registration"].(map[string]any)
	// Registering tells no place on the waiting list (one transaction
	// cannot return it); reading the registration does.
	if st != http.StatusCreated || wl["status"] != "waitlisted" || wl["waitlistPosition"] != nil {
		t.Fatalf("waitlist: %d %v", st, body)
	}
	wlAuth := map[string]string{"Authorization": "Bearer " + body["manageToken"].(string)}
	if st, _, body := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": wl["id"].(string)}, wlAuth, ""); st != 200 ||
		body["registration"].(map[string]any)["waitlistPosition"] != 1.0 {
		t.Fatalf("waitlisted read: %d %v", st, body)
	}
	st, _, body = a.do("GET /api/events/{eventId}", map[string]string{"eventId": "cv"}, nil, "")
	if st != 200 || body["seatsTaken"] != 4.0 || body["waitlistLength"] != 1.0 || body["registrationOpen"] != true {
		t.Fatalf("event: %d %v", st, body)
	}

	auth := map[string]string{"Authorization": "Bearer " + token}
	if st, _, _ := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": id}, map[string]string{"Authorization": "Bearer wrong"}, ""); st != 404 {
		t.Fatalf("wrong token: %d", st)
	}
	if st, _, _ := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": id}, nil, ""); st != 404 {
		t.Fatalf("no token: %d", st)
	}
	if st, _, body := a.do("GET /api/registrations/{registrationId}", map[string]string{"registrationId": id}, auth, ""); st != 200 || body["registration"].(map[string]any)["status"] != "registered" {
		t.Fatalf("read: %d %v", st, body)
	}
	for i := 0; i < 2; i++ { // cancelling twice is not an error
		if st, _, body := a.do("DELETE /api/registrations/{registrationId}", map[string]string{"registrationId": id}, auth, ""); st != 200 || body["registration"].(map[string]any)["status"] != "cancelled" {
			t.Fatalf("cancel %d: %d %v", i, st, body)
		}
	}
	st, _, body = a.do("GET /api/admin/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, staff(), "")
	// The roster shows the active registrations by default (issue 8 #8):
	// the promoted team; the cancelled one only when asked for.
	if regs, _ := body["registrations"].([]any); st != 200 || len(regs) != 1 || regs[0].(map[string]any)["status"] != "registered" || body["next"] != nil {
		t.Fatalf("roster after promotion: %d %v", st, body)
	}
	st, _, body = a.doQuery("GET /api/admin/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, map[string]string{"status": "cancelled"}, staff())
	if regs, _ := body["registrations"].([]any); st != 200 || len(regs) != 1 || regs[0].(map[string]any)["id"] != id {
		t.Fatalf("cancelled: %d %v", st, body)
	}
}

func TestProblems(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	reg := "POST /api/events/{eventId}/registrations"
	cv := map[string]string{"eventId": "cv"}
	tests := []struct {
		name    string
		route   string
		params  map[string]string
		headers map[string]string
		body    string
		status  int
		field   string
		reason  convening.Reason
	}{
		{"InvalidJSON", reg, cv, nil, `{"organization":`, 400, "", "malformed_body"},
		{"NotAnObject", reg, cv, nil, `[1,2]`, 400, "", "malformed_body"},
		{"UnknownField", reg, cv, nil, `{"organisation":{}}`, 400, "organisation", "invalid_fields"},
		{"WrongType", reg, cv, nil, `{"members":"four"}`, 400, "members", "invalid_fields"},
		{"MissingEverything", reg, cv, nil, `{}`, 400, "organization.name", "invalid_fields"},
		{"BadMemberEmail", reg, cv, nil, strings.Replace(teamBody(3, 2), "m1@d3.org", "m1@", 1), 400, "members[1].email", "invalid_fields"},
		{"TooManyMembers", reg, cv, nil, teamBody(4, 5), 400, "members", "invalid_fields"},
		{"UnknownEvent", reg, map[string]string{"eventId": "nope"}, nil, teamBody(5, 2), 404, "", "event_not_found"},
		{"BadEventID", reg, map[string]string{"eventId": "../../x"}, nil, teamBody(5, 2), 404, "", "event_not_found"},
		{"TooLarge", reg, cv, nil, `{"x":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`, 413, "", "body_too_large"},
		{"WrongContentType", reg, cv, map[string]string{"Content-Type": "text/plain"}, teamBody(6, 2), 415, "", "unsupported_media"},
		{"BadIdempotencyKey", reg, cv, map[string]string{"Idempotency-Key": "has space"}, teamBody(6, 2), 400, "Idempotency-Key", "invalid_fields"},
		{"StaffWithoutToken", "POST /api/admin/events", nil, nil, eventBody, 401, "", "sign_in_required"},
		{"StaffWrongToken", "POST /api/admin/events", nil, map[string]string{"Authorization": "Bearer nope"}, eventBody, 401, "", "sign_in_required"},
		{"EventExists", "POST /api/admin/events", nil, staff(), eventBody, 409, "id", "event_exists"},
		{"EventBadTime", "POST /api/admin/events", nil, staff(), strings.Replace(eventBody, "2030-02-10T09:00:00-08:00", "Feb 10", 1), 400, "startsAt", "invalid_fields"},
		{"EventBadCapacity", "POST /api/admin/events", nil, staff(), strings.Replace(strings.Replace(eventBody, `"capacity":6`, `"capacity":-1`, 1), `"id":"cv"`, `"id":"cv2"`, 1), 400, "capacity", "invalid_fields"},
		{"PatchEmpty", "PATCH /api/admin/events/{eventId}", cv, staff(), `{}`, 400, "", "empty_change"},
		{"PatchUnknownField", "PATCH /api/admin/events/{eventId}", cv, staff(), `{"kind":"webinar"}`, 400, "kind", "invalid_fields"},
		{"NoRoute", "GET /api/nothing", nil, nil, "", 404, "", "no_route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, hdr, body := a.do(tt.route, tt.params, tt.headers, tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %v", st, tt.status, body)
			}
			if hdr["Content-Type"] != "application/problem+json" || body["status"] != float64(tt.status) || body["title"] == "" || body["type"] == "" || body["detail"] == "" {
				t.Fatalf("not a problem document: %v %v", hdr, body)
			}
			if body["reason"] != string(tt.reason) {
				t.Fatalf("reason %v, want %s", body["reason"], tt.reason)
			}
			if tt.field != "" {
				errs, _ := body["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tt.field {
					t.Fatalf("errors %v, want field %s first", body["errors"], tt.field)
				}
			}
		})
	}
	if _, _, body := a.do("GET /api/events/{eventId}", cv, nil, ""); body["capacity"] != 6.0 || body["seatsTaken"] != 0.0 {
		t.Fatalf("bad requests changed the event: %v", body)
	}
}

func TestIdempotencyKeyReplaysFirstAnswer(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	key := map[string]string{"Idempotency-Key": "b7f0c6d2-retry-1"}
	cv := map[string]string{"eventId": "cv"}
	st1, _, first := a.do("POST /api/events/{eventId}/registrations", cv, key, teamBody(1, 2))
	st2, hdr, again := a.do("POST /api/events/{eventId}/registrations", cv, key, teamBody(1, 2))
	if st1 != 201 || st2 != 201 || hdr["Idempotent-Replayed"] != "true" {
		t.Fatalf("statuses %d %d headers %v", st1, st2, hdr)
	}
	if first["registration"].(map[string]any)["id"] != again["registration"].(map[string]any)["id"] || first["manageToken"] != again["manageToken"] {
		t.Fatalf("replay differs:\n%v\n%v", first, again)
	}
	if st, _, _ := a.do("POST /api/events/{eventId}/registrations", cv, key, teamBody(2, 2)); st != 409 {
		t.Fatalf("same key, other body: %d", st)
	}
	_, _, ev := a.do("GET /api/events/{eventId}", cv, nil, "")
	if ev["seatsTaken"] != 2.0 {
		t.Fatalf("seats taken %v, want 2", ev["seatsTaken"])
	}
}

func TestFunctionServesOnlyItsRoutes(t *testing.T) {
	a := newAPI(t)
	fn := frontdoor.Lambda(a.functions[deploy.Events])
	// API Gateway never sends a function another's route, so this
	// exchange is not one docs/openapi.yaml describes: it is not checked.
	resp, _ := fn(context.Background(), apitest.Request("POST /api/admin/events", nil, nil, eventBody))
	if resp.StatusCode != 404 {
		t.Fatalf("events function served an admin route: %d", resp.StatusCode)
	}
	list := apitest.Request("GET /api/events", nil, nil, "")
	resp, _ = fn(context.Background(), list)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"events":[]`) {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Body)
	}
	checkDocumented(t, list, resp, true)
}

func TestOutOfTimeIsUnavailable(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	req := apitest.Request("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(9, 2))
	resp, err := a.handle(ctx, req)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
		t.Fatalf("status %d %v: %s", resp.StatusCode, err, resp.Body)
	}
}

// TestEveryRouteHasAHandler holds deploy.Routes and the functions'
// handlers together: every route's function serves it, and no function
// serves a route key the table does not give it.
func TestEveryRouteHasAHandler(t *testing.T) {
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("s", 32)))
	svc := storetest.NewServices(memstore.New(), tokens, nil)
	site, err := web.New(web.Services{EventService: svc.EventService, RegistrationService: svc.RegistrationService,
		StatementService: svc.StatementService, LinksService: svc.LinksService, BillingService: svc.Billing, SurveyAnswerService: svc.SurveyAnswerService,
		EligibilityService: svc.EligibilityService, JoinService: svc.JoinService, HistoryService: svc.HistoryService}, web.Options{CSRFKey: []byte(strings.Repeat("c", 32))})
	if err != nil {
		t.Fatal(err)
	}
	pool := cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE", ClientID: "client", LoginURL: "https://login.example.org"}
	staffConsole, err := console.New(t.Context(), console.Services{EventService: svc.EventService, StaffService: svc.StaffService,
		ReviewService: svc.ReviewService, NoticeService: svc.NoticeService, OrganizationService: svc.OrganizationService,
		PrivacyService: svc.PrivacyService, FeeService: svc.Fees, SurveyService: svc.SurveyService,
		EligibilityService: svc.EligibilityService, AttendanceService: svc.AttendanceService,
		HistoryService: svc.HistoryService, NetworkService: svc.NetworkService}, memstore.NewSessions(), console.Options{Pool: pool, PublicURL: "https://convenings.example.org",
		Key: []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	functions := map[string]interface{ RouteKeys() []string }{
		deploy.Console:      staffConsole,
		deploy.Events:       httpapi.Events(svc.EventService, svc.HistoryService, nil),
		deploy.Register:     httpapi.Register(svc.RegistrationService, svc.EligibilityService, nil),
		deploy.Registration: httpapi.Registration(svc.RegistrationService, svc.LinksService, svc.Billing, nil),
		deploy.Statements:   httpapi.Statements(svc.StatementService, nil),
		deploy.Surveys:      httpapi.Surveys(svc.SurveyAnswerService, nil),
		deploy.Admin: httpapi.Admin(svc.EventService, svc.StaffService, svc.ReviewService, svc.NoticeService,
			svc.OrganizationService, svc.PrivacyService, svc.Fees, svc.SurveyService, svc.AnnouncementService, people(svc), nil),
		deploy.Web: site,
	}
	for _, f := range deploy.Functions {
		t.Run(f.Name, func(t *testing.T) {
			want := deploy.RouteKeys(f.Name)
			slices.Sort(want)
			h, ok := functions[f.Name]
			if !ok {
				if len(want) > 0 {
					t.Fatalf("routes %v have no handler", want)
				}
				return
			}
			if got := h.RouteKeys(); !slices.Equal(got, want) {
				t.Errorf("serves %v, deploy.Routes gives it %v", got, want)
			}
		})
	}
}

// TestFailedNotices: staff list the notices that failed for good, the
// latest first, with their causes and no address; a bad query is a 400
// naming the field.
func TestFailedNotices(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	route := "GET /api/admin/notices"
	if st, _, body := a.do(route, nil, staff(), ""); st != 200 || len(body["notices"].([]any)) != 0 {
		t.Fatalf("no notices: %d %v", st, body)
	}
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	for n := 1; n <= 3; n++ {
		if st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(n, 1)); st != 201 {
			t.Fatalf("register: %d %v", st, body)
		}
	}
	ids, err := a.store.DueNotices(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(ids) != 3 {
		t.Fatalf("due %v %v", ids, err)
	}
	at := time.Date(2030, 1, 5, 10, 0, 0, 0, time.UTC)
	causes := []string{"ses MessageRejected (HTTP 400)", "bounced (Permanent/General)"}
	for i, cause := range causes {
		if _, err := a.store.ClaimNotice(ctx, ids[i], at, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := a.store.FailNotice(ctx, ids[i], at.Add(time.Duration(i)*time.Minute), cause); err != nil {
			t.Fatal(err)
		}
	}

	st, _, body := a.doQuery(route, nil, map[string]string{"state": "failed"}, staff())
	list, _ := body["notices"].([]any)
	if st != 200 || len(list) != 2 {
		t.Fatalf("failed notices: %d %v", st, body)
	}
	for i, want := range []struct{ id, cause string }{{ids[1], causes[1]}, {ids[0], causes[0]}} {
		n := list[i].(map[string]any)
		if n["id"] != want.id || n["cause"] != want.cause || n["state"] != "failed" || n["failedAt"] == nil ||
			n["registrationId"] == "" || n["eventId"] != "cv" {
			t.Errorf("notice %d: %v, want %s %q", i, n, want.id, want.cause)
		}
	}
	if raw := a.raw(route, nil, staff(), ""); strings.Contains(raw.Body, "@") {
		t.Errorf("the answer holds an address: %s", raw.Body)
	}
	if st, _, body := a.doQuery(route, nil, map[string]string{"limit": "1"}, staff()); st != 200 || len(body["notices"].([]any)) != 1 ||
		body["notices"].([]any)[0].(map[string]any)["id"] != ids[1] {
		t.Errorf("limit 1: %d %v", st, body)
	}

	tests := []struct {
		name   string
		query  map[string]string
		status int
		field  string
	}{
		{"OtherState", map[string]string{"state": "pending"}, 400, "state"},
		{"LimitZero", map[string]string{"limit": "0"}, 400, "limit"},
		{"LimitTooLarge", map[string]string{"limit": "201"}, 400, "limit"},
		{"LimitNotANumber", map[string]string{"limit": "all"}, 400, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, body := a.doQuery(route, nil, tt.query, staff())
			errs, _ := body["errors"].([]any)
			if st != tt.status || len(errs) != 1 || errs[0].(map[string]any)["field"] != tt.field {
				t.Errorf("%d %v, want %d naming %s", st, body, tt.status, tt.field)
			}
		})
	}
	if st, _, body := a.do(route, nil, nil, ""); st != 401 {
		t.Errorf("without staff: %d %v", st, body)
	}
}
