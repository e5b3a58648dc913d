// Package apitest builds the requests API Gateway's HTTP API (payload
// format 2.0) sends a function, for the handler tests, the system tests and
// the benchmark: one builder instead of one per test package.
package apitest

import (
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/httpapi"
)

// Request returns what API Gateway sends for routeKey (e.g. "POST
// /api/events/{eventId}/registrations"): params filled into the path
// (escaped),
// headers lower-cased as API Gateway passes them (with a JSON content type
// unless headers name one), and body. On a staff route of deploy.Routes it
// carries the claims of a signed-in member of the staff group, as API Gateway's JWT
// authorizer lets nothing else through; a test of the handler's own check
// removes them.
func Request(routeKey string, params, headers map[string]string, body string) events.APIGatewayV2HTTPRequest {
	method, path, _ := strings.Cut(routeKey, " ")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	hdr := map[string]string{"content-type": "application/json"}
	for k, v := range headers {
		hdr[strings.ToLower(k)] = v
	}
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: routeKey, RawPath: path, PathParameters: params, Headers: hdr, Body: body}
	req.RequestContext.RouteKey = routeKey
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	if r, ok := deploy.RouteByKey(routeKey); ok && r.Authorized() {
		req.RequestContext.Authorizer = httpapi.StaffClaims("staff-1", deploy.RoleStaff)
	}
	return req
}
