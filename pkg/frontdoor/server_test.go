package frontdoor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/staffauth"
)

// events is a server of the events function, the two routes of events'
// handlers given by the test (the participation list answers as list).
func eventsServer(t *testing.T, list, get frontdoor.Handler, o frontdoor.Options) *frontdoor.Server {
	t.Helper()
	s, err := frontdoor.New(deploy.Events, map[string]frontdoor.Handler{
		"GET /api/events": list, "GET /api/events/{eventId}": get, "GET /api/participation": list}, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ok(w http.ResponseWriter, r *http.Request) error {
	return frontdoor.JSON(w, http.StatusOK, map[string]string{"route": frontdoor.RouteKey(r), "eventId": r.PathValue("eventId")})
}

func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestNewHoldsRoutesAndHandlersTogether: a route of the function without
// a handler, or a handler of no route of the function, is an error.
func TestNewHoldsRoutesAndHandlersTogether(t *testing.T) {
	if _, err := frontdoor.New(deploy.Events, map[string]frontdoor.Handler{"GET /api/events": ok}, frontdoor.Options{}); err == nil {
		t.Error("a route without its handler")
	}
	if _, err := frontdoor.New(deploy.Events, map[string]frontdoor.Handler{"GET /api/events": ok, "GET /api/events/{eventId}": ok,
		"GET /api/participation": ok, "POST /api/admin/events": ok}, frontdoor.Options{}); err == nil {
		t.Error("a handler of another function's route")
	}
	s := eventsServer(t, ok, ok, frontdoor.Options{})
	if got := strings.Join(s.RouteKeys(), ", "); got != "GET /api/events, GET /api/events/{eventId}, GET /api/participation" {
		t.Errorf("route keys %s", got)
	}
}

// TestRouting routes by method and path as API Gateway does: a path or a
// method no route has is a 404 (not net/http's 405), and a GET with a
// trailing slash goes to the route without it, whichever function serves
// that.
func TestRouting(t *testing.T) {
	s := eventsServer(t, ok, ok, frontdoor.Options{Log: slog.New(slog.DiscardHandler)})
	for _, tt := range []struct {
		method, target string
		status         int
		body, location string
	}{
		{"GET", "/api/events", 200, `"route":"GET /api/events"`, ""},
		{"GET", "/api/events/cv", 200, `"eventId":"cv"`, ""},
		{"GET", "/api/events/a%2Fb", 200, `"eventId":"a/b"`, ""},
		{"POST", "/api/events", 404, `"reason":"no_route"`, ""},
		{"DELETE", "/api/events/cv", 404, `"reason":"no_route"`, ""},
		{"GET", "/api/nothing", 404, `"reason":"no_route"`, ""},
		{"GET", "/api/events/", 301, "", "/api/events"},
		{"GET", "/staff/", 301, "", "/staff"},
		{"GET", "/staff/events/?status=waitlisted", 301, "", "/staff/events?status=waitlisted"},
		{"HEAD", "/staff//", 301, "", "/staff"},
		{"POST", "/staff/", 404, `"reason":"no_route"`, ""},
		{"GET", "/no/such/page/", 404, `"reason":"no_route"`, ""},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := serve(s, tt.method, tt.target)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) || w.Header().Get("Location") != tt.location {
				t.Fatalf("%d %q %s", w.Code, w.Header().Get("Location"), w.Body)
			}
		})
	}
}

// TestRoutesMatchAPIGateway checks that every route of deploy.Routes, with
// its parameters filled in, is matched by its own pattern and no other,
// as API Gateway matches it: the servers route alike in AWS and here.
func TestRoutesMatchAPIGateway(t *testing.T) {
	for _, rt := range deploy.Routes {
		if rt.Key() == deploy.DefaultRoute {
			continue
		}
		var handlers = map[string]frontdoor.Handler{}
		for _, key := range deploy.RouteKeys(rt.Function) {
			if key != deploy.DefaultRoute {
				handlers[key] = func(w http.ResponseWriter, r *http.Request) error {
					_, _ = fmt.Fprint(w, frontdoor.RouteKey(r))
					return nil
				}
			}
		}
		s, err := frontdoor.New(rt.Function, handlers, frontdoor.Options{Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		path := rt.Path
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "x-1" + path[j+1:]
		}
		if w := serve(s, rt.Method, path); w.Code != 200 || w.Body.String() != rt.Key() {
			t.Errorf("%s %s: %d %s, want %s", rt.Method, path, w.Code, w.Body, rt.Key())
		}
	}
}

// TestSecurityHeaders: every answer, errors too, carries the one set;
// HSTS only over HTTPS (the local runner says http); a handler may change
// one for its own answer, not for an error's.
func TestSecurityHeaders(t *testing.T) {
	cached := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "public, max-age=300")
		if r.PathValue("eventId") == "fail" {
			return convening.NewError(convening.ENOTFOUND, convening.ReasonEventNotFound, "No such event.")
		}
		return nil
	}
	s := eventsServer(t, ok, cached, frontdoor.Options{ContentSecurityPolicy: "default-src 'self'", Log: slog.New(slog.DiscardHandler)})
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	}
	for _, target := range []string{"/api/events", "/api/nothing", "/api/events/fail"} {
		w := serve(s, "GET", target)
		for k, v := range want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s: %s: %q, want %q", target, k, got, v)
			}
		}
	}
	if w := serve(s, "GET", "/api/events/cv"); w.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("the handler's own Cache-Control: %q", w.Header().Get("Cache-Control"))
	}
	if w := serve(s, "GET", "/api/events", "X-Forwarded-Proto", "http"); w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain http")
	}
}

// TestErrors: a handler's error is answered by the ErrorWriter with the
// status of its code (package problem); a request out of time is a 503,
// a panic a 500 that says nothing of its cause; what the handler set for
// its own answer goes, cookies stay.
func TestErrors(t *testing.T) {
	var logs bytes.Buffer
	fail := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Location", "/somewhere")
		w.Header().Add("Set-Cookie", "state=; Max-Age=0")
		switch r.PathValue("eventId") {
		case "conflict":
			return fmt.Errorf("register: %w", convening.NewError(convening.ECONFLICT, convening.ReasonRegistrationClosed, "Closed."))
		case "late":
			return fmt.Errorf("read event: %w", context.DeadlineExceeded)
		case "panic":
			panic("bug")
		}
		return errors.New("a plain error")
	}
	var written []string
	page := func(w http.ResponseWriter, r *http.Request, status int, err error) {
		written = append(written, fmt.Sprintf("%d %s", status, convening.ErrorReason(err)))
		w.WriteHeader(status)
	}
	s := eventsServer(t, ok, fail, frontdoor.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	for _, tt := range []struct {
		id     string
		status int
		reason string
	}{
		{"conflict", 409, "registration_closed"},
		{"late", 503, "timed_out"},
		{"panic", 500, "internal"},
		{"plain", 500, "internal"},
	} {
		w := serve(s, "GET", "/api/events/"+tt.id)
		var p map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != tt.status || p["reason"] != tt.reason || w.Header().Get("Location") != "" || w.Header().Get("Set-Cookie") == "" {
			t.Errorf("%s: %d %v %v", tt.id, w.Code, w.Header(), p)
		}
		if tt.status == 500 && p["detail"] != "Internal error." {
			t.Errorf("%s: the cause is shown: %v", tt.id, p)
		}
		if tt.status == 503 && w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", tt.id)
		}
	}
	if !strings.Contains(logs.String(), `"error":"panic: bug"`) || !strings.Contains(logs.String(), `"stack"`) {
		t.Errorf("the panic is not logged:\n%s", logs.String())
	}
	s = eventsServer(t, ok, fail, frontdoor.Options{Errors: page, Log: slog.New(slog.DiscardHandler)})
	serve(s, "GET", "/api/events/conflict")
	serve(s, "GET", "/api/nothing")
	if got := strings.Join(written, ", "); got != "409 registration_closed, 404 no_route" {
		t.Errorf("the ErrorWriter was given %s", got)
	}
}

// TestRequestLog: one line per request, with the route key (never the
// path: it may hold tokens), the status, the request id and the staff
// member a handler recorded.
func TestRequestLog(t *testing.T) {
	var logs bytes.Buffer
	who := func(w http.ResponseWriter, r *http.Request) error {
		frontdoor.SetStaff(r, staffauth.Staff{Sub: "sub-1", Username: "user-1", Email: "pm@example.org"})
		return staffauth.ErrSignInRequired
	}
	s := eventsServer(t, ok, who, frontdoor.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	serve(s, "GET", "/api/events?token=secret")
	serve(s, "GET", "/api/events/secret-id")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines: %q", lines)
	}
	var first, second struct {
		Msg, Route string
		Status     int
		RequestID  string `json:"requestId"`
		Staff      map[string]string
	}
	_ = json.Unmarshal([]byte(lines[0]), &first)
	_ = json.Unmarshal([]byte(lines[1]), &second)
	if first.Msg != "request" || first.Route != "GET /api/events" || first.Status != 200 || first.Staff != nil {
		t.Errorf("first line: %s", lines[0])
	}
	if second.Route != "GET /api/events/{eventId}" || second.Status != 401 || second.Staff["sub"] != "sub-1" || second.Staff["username"] != "user-1" {
		t.Errorf("second line: %s", lines[1])
	}
	if strings.Contains(logs.String(), "secret") || strings.Contains(logs.String(), "pm@example.org") {
		t.Errorf("the log holds a path, a query or an address:\n%s", logs.String())
	}
}

// BenchmarkNew measures what building a function's server adds to its
// cold start: the console's, the function with the most routes.
func BenchmarkNew(b *testing.B) {
	handlers := map[string]frontdoor.Handler{}
	for _, key := range deploy.RouteKeys(deploy.Console) {
		handlers[key] = ok
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := frontdoor.New(deploy.Console, handlers, frontdoor.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
