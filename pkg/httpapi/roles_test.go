package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/httpapi"
	"github.com/calmi/convenings/pkg/httpapi/apitest"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestStaffRoutesCheckTokenAndRole sends every staff route of the JSON API
// the claims API Gateway's authorizer would pass for each kind of caller:
// the handler itself refuses an ID token (API Gateway does not look at
// token_use), no claims, and the wrong role. (Tampered and expired tokens
// never reach the function: the local gateway's tests show its verifier
// refusing them as API Gateway does.)
func TestStaffRoutesCheckTokenAndRole(t *testing.T) {
	claims := func(groups ...string) map[string]string {
		return maps.Clone(httpapi.StaffClaims("u-1", groups...).JWT.Claims)
	}
	idToken := claims(deploy.RoleStaff)
	idToken["token_use"] = "id"
	idToken["aud"] = idToken["client_id"]
	delete(idToken, "client_id")
	delete(idToken, "scope")
	callers := []struct {
		name   string
		claims map[string]string
		status int
		reason convening.Reason
	}{
		{"StaffAccessToken", claims(deploy.RoleStaff), 0, ""},
		{"StaffAmongOtherGroups", claims("volunteers", deploy.RoleCheckIn, deploy.RoleStaff), 0, ""},
		{"IDToken", idToken, 401, convening.ReasonAccessTokenRequired},
		{"NoToken", nil, 401, convening.ReasonSignInRequired},
		{deploy.RoleReviewer, claims(deploy.RoleReviewer), 403, convening.ReasonRoleRequired},
		{deploy.RoleCheckIn, claims(deploy.RoleCheckIn), 403, convening.ReasonRoleRequired},
		{"NoRole", claims("volunteers"), 403, convening.ReasonNotStaff},
	}
	var routes []deploy.Route
	for _, r := range deploy.Routes {
		if r.Authorized() {
			routes = append(routes, r)
		}
	}
	if len(routes) < 3 {
		t.Fatalf("only %d staff routes of the JSON API", len(routes))
	}
	for _, r := range routes {
		for _, c := range callers {
			t.Run(r.Key()+"/"+c.name, func(t *testing.T) {
				a := newAPI(t)
				if _, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); body["id"] != "cv" {
					t.Fatalf("set up: %v", body)
				}
				body := ""
				switch r.Method {
				case "POST":
					body = strings.Replace(eventBody, `"cv"`, `"cv-2"`, 1)
				case "PATCH":
					body = `{"capacity":8}`
				}
				req := apitest.Request(r.Key(), map[string]string{"eventId": "cv"}, nil, body)
				req.RequestContext.Authorizer = nil
				if c.claims != nil {
					req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
						JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c.claims}}
				}
				resp, err := a.handle(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				if c.status == 0 || slices.Contains(r.Roles, c.name) {
					// Past the role check the route may still refuse the
					// made-up path parameters (404) or body (400); what
					// matters is that sign-in did not refuse it.
					if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode >= 500 {
						t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
					}
					return
				}
				var p struct {
					Status int              `json:"status"`
					Reason convening.Reason `json:"reason"`
				}
				_ = json.Unmarshal([]byte(resp.Body), &p)
				if resp.StatusCode != c.status || p.Status != c.status || p.Reason != c.reason {
					t.Fatalf("status %d reason %q, want %d %q: %s", resp.StatusCode, p.Reason, c.status, c.reason, resp.Body)
				}
				if _, _, ev := a.do("GET /api/events/{eventId}", map[string]string{"eventId": "cv"}, nil, ""); ev["capacity"] != 6.0 {
					t.Errorf("a refused call changed the event: %v", ev)
				}
			})
		}
	}
}

// TestStaffCallsAreLogged checks that the request's log line names the
// staff member (sub and username) on every staff call, refused or not, and
// on no public one.
func TestStaffCallsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	svc := storetest.NewServices(memstore.New(), storetest.Tokens(t), log)
	admin := httpapi.Admin(svc.EventService, svc.StaffService, svc.ReviewService, svc.NoticeService, svc.OrganizationService, svc.PrivacyService,
		svc.Fees, svc.SurveyService, svc.AnnouncementService, people(svc), log)
	events := httpapi.Events(svc.EventService, svc.HistoryService, log)

	req := apitest.Request("GET /api/admin/events/{eventId}/registrations", map[string]string{"eventId": "none"}, nil, "")
	req.RequestContext.Authorizer = httpapi.StaffClaims("sub-7", deploy.RoleReviewer)
	req.RequestContext.Authorizer.JWT.Claims["username"] = "user-7"
	resp, _ := frontdoor.Lambda(admin)(context.Background(), req)
	if resp.StatusCode != 403 {
		t.Fatalf("reviewer on the roster: %d", resp.StatusCode)
	}
	checkDocumented(t, req, resp, true)
	list := apitest.Request("GET /api/events", nil, nil, "")
	resp, _ = frontdoor.Lambda(events)(context.Background(), list)
	if resp.StatusCode != 200 {
		t.Fatalf("public list: %d", resp.StatusCode)
	}
	checkDocumented(t, list, resp, true)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines: %q", lines)
	}
	var staffLine, publicLine struct {
		Msg   string            `json:"msg"`
		Route string            `json:"route"`
		Staff map[string]string `json:"staff"`
	}
	_ = json.Unmarshal([]byte(lines[0]), &staffLine)
	_ = json.Unmarshal([]byte(lines[1]), &publicLine)
	if staffLine.Msg != "request" || staffLine.Staff["sub"] != "sub-7" || staffLine.Staff["username"] != "user-7" {
		t.Errorf("staff call's log line: %s", lines[0])
	}
	if publicLine.Staff != nil {
		t.Errorf("public call's log line names staff: %s", lines[1])
	}
}
