package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/problem"
)

// Problem is an RFC 9457 problem details body (see package problem).
type Problem = problem.Document

// errNoRoute answers a route key the function does not serve.
var errNoRoute = problem.ErrNoRoute

func problemResponse(p Problem) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(p)
	h := baseHeaders()
	h["Content-Type"] = "application/problem+json"
	if p.Status == http.StatusServiceUnavailable {
		h["Retry-After"] = "1"
	}
	if p.Status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = `Bearer realm="lmi"`
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: h, Body: string(body)}
}

func baseHeaders() map[string]string {
	return map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}
