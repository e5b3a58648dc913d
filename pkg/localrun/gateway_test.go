package localrun_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localrun"
)

// invocation is what a fake function saw.
type invocation struct {
	function string
	req      events.APIGatewayV2HTTPRequest
	lc       *lambdacontext.LambdaContext
}

// fakeFunctions returns a function for every name in deploy.Routes; each
// reports what it received on calls and answers with respond.
func fakeFunctions(calls chan<- invocation, respond func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) map[string]lambda.Handler {
	fns := map[string]lambda.Handler{}
	for _, rt := range deploy.Routes {
		name := rt.Function
		fns[name] = lambda.NewHandler(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			lc, _ := lambdacontext.FromContext(ctx)
			calls <- invocation{function: name, req: req, lc: lc}
			if respond == nil {
				return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: "ok"}, nil
			}
			return respond(req)
		})
	}
	return fns
}

// explicitRoutes is deploy.Routes without the $default route, so that
// requests no route matches reach the gateway's own 404 or fallback.
func explicitRoutes() []deploy.Route {
	var out []deploy.Route
	for _, rt := range deploy.Routes {
		if rt.Path != deploy.DefaultRoute {
			out = append(out, rt)
		}
	}
	return out
}

// newGatewayServer serves a Gateway over explicitRoutes and returns its URL.
func newGatewayServer(t *testing.T, fns map[string]lambda.Handler, opts localrun.GatewayOptions) string {
	t.Helper()
	return serveGateway(t, explicitRoutes(), fns, opts)
}

func serveGateway(t *testing.T, routes []deploy.Route, fns map[string]lambda.Handler, opts localrun.GatewayOptions) string {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g, err := localrun.NewGateway(routes, fns, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv.URL
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func received(t *testing.T, calls <-chan invocation) (invocation, bool) {
	t.Helper()
	select {
	case c := <-calls:
		return c, true
	default:
		return invocation{}, false
	}
}

func TestGatewayRouting(t *testing.T) {
	calls := make(chan invocation, 1)
	base := newGatewayServer(t, fakeFunctions(calls, nil), localrun.GatewayOptions{})
	tests := []struct {
		method, path string
		wantRoute    string // "" for 404
		wantFunction string
		wantParams   map[string]string
	}{
		{"GET", "/api/events", "GET /api/events", deploy.Events, nil},
		{"GET", "/api/events/e1", "GET /api/events/{eventId}", deploy.Events, map[string]string{"eventId": "e1"}},
		{"GET", "/api/events/e%201", "GET /api/events/{eventId}", deploy.Events, map[string]string{"eventId": "e 1"}},
		{"POST", "/api/events/e1/registrations", "POST /api/events/{eventId}/registrations", deploy.Register, map[string]string{"eventId": "e1"}},
		{"GET", "/api/registrations/r1", "GET /api/registrations/{registrationId}", deploy.Registration, map[string]string{"registrationId": "r1"}},
		{"DELETE", "/api/registrations/r1", "DELETE /api/registrations/{registrationId}", deploy.Registration, map[string]string{"registrationId": "r1"}},
		{"GET", "/api/events/", "", "", nil},
		{"POST", "/api/events//registrations", "", "", nil},
		{"GET", "/api/events/e1/extra", "", "", nil},
		{"PUT", "/api/events", "", "", nil},
		{"HEAD", "/api/events", "", "", nil},
		{"GET", "/", "GET /", deploy.Web, nil},
		{"GET", "/api", "", "", nil},
		{"GET", "/events", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, newRequest(t, tt.method, base+tt.path, nil))
			call, invoked := received(t, calls)
			if tt.wantRoute == "" {
				if resp.StatusCode != http.StatusNotFound || invoked {
					t.Fatalf("status %d, invoked %v; want 404 and no invocation", resp.StatusCode, invoked)
				}
				if tt.method != "HEAD" && body != `{"message":"Not Found"}` {
					t.Errorf("body %q, want API Gateway's not-found message", body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || !invoked {
				t.Fatalf("status %d, invoked %v; want 200 from the function", resp.StatusCode, invoked)
			}
			if call.function != tt.wantFunction || call.req.RouteKey != tt.wantRoute || call.req.RequestContext.RouteKey != tt.wantRoute {
				t.Errorf("function %q got route %q (context %q); want %q, %q",
					call.function, call.req.RouteKey, call.req.RequestContext.RouteKey, tt.wantFunction, tt.wantRoute)
			}
			if !maps.Equal(call.req.PathParameters, tt.wantParams) {
				t.Errorf("path parameters %v, want %v", call.req.PathParameters, tt.wantParams)
			}
			if call.req.RawPath != tt.path || call.req.RequestContext.HTTP.Path != tt.path {
				t.Errorf("rawPath %q, http.path %q; want %q", call.req.RawPath, call.req.RequestContext.HTTP.Path, tt.path)
			}
		})
	}
}

func TestGatewayExactRouteWins(t *testing.T) {
	routes := []deploy.Route{
		{Method: "GET", Path: "/things/{id}", Function: "f"},
		{Method: "GET", Path: "/things/new", Function: "f"},
		{Method: "ANY", Path: "/any/{id}", Function: "f"},
		{Method: "POST", Path: "/any/{id}", Function: "f"},
	}
	var got string
	fn := lambda.NewHandler(func(req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got = req.RouteKey
		return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
	})
	g, err := localrun.NewGateway(routes, map[string]lambda.Handler{"f": fn}, localrun.GatewayOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, path, want string }{
		{"GET", "/things/new", "GET /things/new"},
		{"GET", "/things/n1", "GET /things/{id}"},
		{"POST", "/any/1", "POST /any/{id}"},
		{"PUT", "/any/1", "ANY /any/{id}"},
	}
	for _, tt := range tests {
		got = ""
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != 204 || got != tt.want {
			t.Errorf("%s %s: status %d, route %q; want 204, %q", tt.method, tt.path, rec.Code, got, tt.want)
		}
	}
}

func TestGatewayRequestEvent(t *testing.T) {
	calls := make(chan invocation, 1)
	var logs bytes.Buffer
	base := newGatewayServer(t, fakeFunctions(calls, nil), localrun.GatewayOptions{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	u, _ := url.Parse(base)
	before := time.Now()
	req := newRequest(t, "POST", base+"/api/events/e1/registrations?b=x%20y&a=1&a=2&token=secret-query", strings.NewReader(`{"team":"Owls"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gateway-test")
	req.Header.Set("Authorization", "Bearer secret-token")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Add("Cookie", "a=1; b=2")
	resp, _ := do(t, req)
	call, ok := received(t, calls)
	if !ok || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, invoked %v", resp.StatusCode, ok)
	}
	ev := call.req

	if ev.Version != "2.0" || ev.RouteKey != "POST /api/events/{eventId}/registrations" || ev.RawPath != "/api/events/e1/registrations" {
		t.Errorf("version %q, routeKey %q, rawPath %q", ev.Version, ev.RouteKey, ev.RawPath)
	}
	if ev.RawQueryString != "b=x%20y&a=1&a=2&token=secret-query" {
		t.Errorf("rawQueryString %q", ev.RawQueryString)
	}
	if want := map[string]string{"a": "1,2", "b": "x y", "token": "secret-query"}; !maps.Equal(ev.QueryStringParameters, want) {
		t.Errorf("queryStringParameters %v, want %v", ev.QueryStringParameters, want)
	}
	if !slices.Equal(ev.Cookies, []string{"a=1", "b=2"}) {
		t.Errorf("cookies %q, want [a=1 b=2]", ev.Cookies)
	}
	wantHeaders := map[string]string{
		"content-type":      "application/json",
		"user-agent":        "gateway-test",
		"authorization":     "Bearer secret-token",
		"x-multi":           "one,two",
		"host":              u.Host,
		"x-forwarded-for":   "127.0.0.1",
		"x-forwarded-proto": "http",
		"x-forwarded-port":  u.Port(),
		"content-length":    "15",
	}
	for name, want := range wantHeaders {
		if got := ev.Headers[name]; got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) || name == "cookie" {
			t.Errorf("header %q: names must be lower case and cookies moved out", name)
		}
	}
	if ev.Body != `{"team":"Owls"}` || ev.IsBase64Encoded {
		t.Errorf("body %q (base64 %v), want the JSON as text", ev.Body, ev.IsBase64Encoded)
	}

	rc := ev.RequestContext
	if rc.Stage != "$default" || rc.DomainName != u.Host || rc.DomainPrefix != "127" || rc.APIID == "" || rc.AccountID == "" {
		t.Errorf("stage %q, domainName %q, domainPrefix %q, apiId %q, accountId %q", rc.Stage, rc.DomainName, rc.DomainPrefix, rc.APIID, rc.AccountID)
	}
	if rc.RequestID == "" || resp.Header.Get("Apigw-Requestid") != rc.RequestID {
		t.Errorf("requestId %q, apigw-requestid header %q; want the same, not empty", rc.RequestID, resp.Header.Get("Apigw-Requestid"))
	}
	if h := rc.HTTP; h.Method != "POST" || h.Path != "/api/events/e1/registrations" || h.Protocol != "HTTP/1.1" || h.SourceIP != "127.0.0.1" || h.UserAgent != "gateway-test" {
		t.Errorf("requestContext.http = %+v", h)
	}
	at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
	if err != nil || at.Before(before.Truncate(time.Second)) || at.After(time.Now()) {
		t.Errorf("time %q (%v): want now in API Gateway's format", rc.Time, err)
	}
	if epoch := time.UnixMilli(rc.TimeEpoch); epoch.Before(before.Truncate(time.Millisecond)) || epoch.After(time.Now()) {
		t.Errorf("timeEpoch %d is not now", rc.TimeEpoch)
	}
	if rc.Authorizer != nil {
		t.Errorf("authorizer %+v on a public route", rc.Authorizer)
	}
	if call.lc == nil || call.lc.AwsRequestID == "" || !strings.HasSuffix(call.lc.InvokedFunctionArn, ":function:register") {
		t.Errorf("lambda context %+v, want a request ID and the function's ARN", call.lc)
	}

	for _, secret := range []string{"secret-query", "secret-token", "x%20y"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "POST /api/events/{eventId}/registrations") {
		t.Errorf("log does not name the route:\n%s", logs.String())
	}
}

func TestGatewayRequestBody(t *testing.T) {
	calls := make(chan invocation, 1)
	base := newGatewayServer(t, fakeFunctions(calls, nil), localrun.GatewayOptions{})
	binary := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	tests := []struct {
		name, contentType string
		body              []byte
		wantBase64        bool
	}{
		{"json", "application/json", []byte(`{"a":1}`), false},
		{"json with charset", "application/json; charset=utf-8", []byte(`{"a":1}`), false},
		{"text", "text/plain", []byte("hello"), false},
		{"xml", "application/xml", []byte("<a/>"), false},
		{"octet stream", "application/octet-stream", binary, true},
		{"image", "image/png", binary, true},
		{"form", "application/x-www-form-urlencoded", []byte("a=1&b=2"), true},
		{"no content type", "", []byte("hello"), true},
		{"empty", "application/json", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, "POST", base+"/api/events/e1/registrations", bytes.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			do(t, req)
			call, ok := received(t, calls)
			if !ok {
				t.Fatal("function not invoked")
			}
			if call.req.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("isBase64Encoded = %v, want %v", call.req.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(call.req.Body)
			if call.req.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(call.req.Body); err != nil {
					t.Fatalf("body %q is not base64: %v", call.req.Body, err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body %q, want %q", got, tt.body)
			}
		})
	}

	t.Run("too large", func(t *testing.T) {
		req := newRequest(t, "POST", base+"/api/events/e1/registrations", bytes.NewReader(make([]byte, 10<<20+1)))
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, body := do(t, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || body != `{"message":"Request Entity Too Large"}` {
			t.Errorf("status %d, body %q; want 413", resp.StatusCode, body)
		}
		if _, ok := received(t, calls); ok {
			t.Error("function invoked for a body over 10 MB")
		}
	})
}

func TestGatewayResponse(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	tests := []struct {
		name        string
		resp        events.APIGatewayV2HTTPResponse
		wantStatus  int
		wantHeaders map[string][]string
		wantBody    []byte
	}{
		{
			name: "text with cookies",
			resp: events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusCreated,
				Headers:    map[string]string{"Content-Type": "application/json", "X-List": "a,b", "Location": "/api/registrations/r1"},
				Cookies:    []string{"session=abc; HttpOnly; Secure", "theme=dark"},
				Body:       `{"id":"r1"}`,
			},
			wantStatus: http.StatusCreated,
			wantHeaders: map[string][]string{
				"Content-Type": {"application/json"},
				"X-List":       {"a,b"},
				"Location":     {"/api/registrations/r1"},
				"Set-Cookie":   {"session=abc; HttpOnly; Secure", "theme=dark"},
			},
			wantBody: []byte(`{"id":"r1"}`),
		},
		{
			name: "base64 body",
			resp: events.APIGatewayV2HTTPResponse{
				StatusCode:      http.StatusOK,
				Headers:         map[string]string{"content-type": "image/png"},
				Body:            base64.StdEncoding.EncodeToString(png),
				IsBase64Encoded: true,
			},
			wantStatus:  http.StatusOK,
			wantHeaders: map[string][]string{"Content-Type": {"image/png"}},
			wantBody:    png,
		},
		{
			name: "multiValueHeaders are ignored as in format 2.0",
			resp: events.APIGatewayV2HTTPResponse{
				StatusCode:        http.StatusOK,
				Headers:           map[string]string{"Content-Type": "text/plain"},
				MultiValueHeaders: map[string][]string{"X-Multi": {"1", "2"}},
				Body:              "hi",
			},
			wantStatus:  http.StatusOK,
			wantHeaders: map[string][]string{"Content-Type": {"text/plain"}, "X-Multi": nil},
			wantBody:    []byte("hi"),
		},
		{
			name:       "no content",
			resp:       events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent},
			wantStatus: http.StatusNoContent,
			wantBody:   []byte{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make(chan invocation, 1)
			base := newGatewayServer(t, fakeFunctions(calls, func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return tt.resp, nil
			}), localrun.GatewayOptions{})
			resp, body := do(t, newRequest(t, "GET", base+"/api/events", nil))
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for name, want := range tt.wantHeaders {
				if got := resp.Header.Values(name); !slices.Equal(got, want) {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if resp.Header.Get("Apigw-Requestid") == "" {
				t.Error("no apigw-requestid header")
			}
			if !bytes.Equal([]byte(body), tt.wantBody) {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestGatewayFunctionFailures(t *testing.T) {
	tests := []struct {
		name       string
		fn         any
		wantStatus int
		wantBody   string
	}{
		{
			name: "error",
			fn: func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{}, errors.New("table not found")
			},
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name: "panic",
			fn: func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				panic("nil map")
			},
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name:       "no status code",
			fn:         func() (map[string]string, error) { return map[string]string{"hello": "world"}, nil },
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name: "bad base64",
			fn: func() (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "%%%", IsBase64Encoded: true}, nil
			},
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"message":"Internal Server Error"}`,
		},
		{
			name: "timeout",
			fn: func(ctx context.Context) (events.APIGatewayV2HTTPResponse, error) {
				<-ctx.Done()
				return events.APIGatewayV2HTTPResponse{}, ctx.Err()
			},
			wantStatus: http.StatusServiceUnavailable,
			wantBody:   `{"message":"Service Unavailable"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fns := map[string]lambda.Handler{}
			for _, rt := range deploy.Routes {
				fns[rt.Function] = lambda.NewHandler(tt.fn)
			}
			base := newGatewayServer(t, fns, localrun.GatewayOptions{Timeout: 100 * time.Millisecond})
			resp, body := do(t, newRequest(t, "GET", base+"/api/events", nil))
			if resp.StatusCode != tt.wantStatus || body != tt.wantBody {
				t.Errorf("status %d, body %q; want %d, %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q, want application/json", ct)
			}
		})
	}
}

func TestGatewayFallback(t *testing.T) {
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "static "+r.URL.Path)
	})
	calls := make(chan invocation, 1)
	base := newGatewayServer(t, fakeFunctions(calls, nil), localrun.GatewayOptions{Fallback: fallback})
	resp, body := do(t, newRequest(t, "GET", base+"/pages/e1.html", nil))
	if resp.StatusCode != http.StatusOK || body != "static /pages/e1.html" {
		t.Errorf("status %d, body %q; want the fallback's page", resp.StatusCode, body)
	}
	if resp, _ := do(t, newRequest(t, "GET", base+"/api/events", nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("a route answered %d with a fallback set", resp.StatusCode)
	}
}

func TestGatewayStaffRoutes(t *testing.T) {
	const path = "/api/admin/events/e1/registrations"
	claims := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": "staff-1", "cognito:groups": "[staff]"},
		},
	}
	authorizer := func(r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
		if r.Header.Get("Authorization") != "Bearer local-staff" {
			return nil, errors.New("bad token")
		}
		return claims, nil
	}
	tests := []struct {
		name       string
		authorizer func(*http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error)
		token      string
		wantStatus int
	}{
		{"no authorizer configured", nil, "Bearer local-staff", http.StatusUnauthorized},
		{"no token", authorizer, "", http.StatusUnauthorized},
		{"wrong token", authorizer, "Bearer guess", http.StatusUnauthorized},
		{"staff token", authorizer, "Bearer local-staff", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make(chan invocation, 1)
			base := newGatewayServer(t, fakeFunctions(calls, nil), localrun.GatewayOptions{Authorizer: tt.authorizer})
			req := newRequest(t, "GET", base+path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", tt.token)
			}
			resp, body := do(t, req)
			call, invoked := received(t, calls)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				if invoked || body != `{"message":"Unauthorized"}` {
					t.Errorf("invoked %v, body %q; want API Gateway's 401 and no invocation", invoked, body)
				}
				return
			}
			if got := call.req.RequestContext.Authorizer; got == nil || got.JWT == nil || !maps.Equal(got.JWT.Claims, claims.JWT.Claims) {
				t.Errorf("authorizer %+v, want the claims", got)
			}
		})
	}
}

func TestNewGatewayRejects(t *testing.T) {
	fn := lambda.NewHandler(func() error { return nil })
	tests := []struct {
		name   string
		routes []deploy.Route
	}{
		{"missing function", []deploy.Route{{Method: "GET", Path: "/a", Function: "nope"}}},
		{"duplicate route", []deploy.Route{{Method: "GET", Path: "/a", Function: "f"}, {Method: "GET", Path: "/a", Function: "f"}}},
		{"relative path", []deploy.Route{{Method: "GET", Path: "a", Function: "f"}}},
		{"greedy variable", []deploy.Route{{Method: "GET", Path: "/a/{proxy+}", Function: "f"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := localrun.NewGateway(tt.routes, map[string]lambda.Handler{"f": fn}, localrun.GatewayOptions{}); err == nil {
				t.Error("NewGateway() succeeded")
			}
		})
	}
}

func TestGatewayDefaultRoute(t *testing.T) {
	calls := make(chan invocation, 1)
	base := serveGateway(t, deploy.Routes, fakeFunctions(calls, nil), localrun.GatewayOptions{})
	resp, _ := do(t, newRequest(t, "GET", base+"/no/such/page?x=1", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want the default route's answer", resp.StatusCode)
	}
	got := <-calls
	if got.function != deploy.Web || got.req.RouteKey != deploy.DefaultRoute || got.req.RawPath != "/no/such/page" || len(got.req.PathParameters) != 0 {
		t.Errorf("invoked %s with route %q path %q params %v", got.function, got.req.RouteKey, got.req.RawPath, got.req.PathParameters)
	}
}
