// Package frontdoor is the one way into every HTTP function. Lambda turns
// API Gateway's HTTP API event (payload format 2.0) into a net/http
// request and the answer back; a Server serves one function's routes of
// deploy.Routes with Go's method-and-path patterns, each by a Handler
// that returns its error instead of writing it. Around every Handler the
// Server sets the one set of security headers, recovers a panic, turns an
// error into its status by package problem's one table and hands it to
// the function's ErrorWriter (Problem for the JSON API, a page for the
// website and the console), and logs one line per request with its route
// key, status, duration, request id and the signed-in staff member.
//
// The same Server answers Lambda (through Lambda), the local runner's
// gateway (which invokes the Lambda handler as API Gateway would) and the
// tests (through Lambda with the payloads in events/, or httptest).
package frontdoor

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/problem"
	"github.com/calmi/convenings/pkg/staffauth"
)

// Handler serves one route. It returns its error rather than writing it:
// the Server writes every error the same way (see ErrorWriter). A Handler
// that has begun its answer should not return an error.
type Handler func(w http.ResponseWriter, r *http.Request) error

// ErrorWriter writes the answer to a request that failed with err, whose
// status is status (problem.Status of err): a problem document (Problem)
// or a page. The Server has set the security headers already.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int, err error)

// Options configure a Server.
type Options struct {
	// Errors writes errors; nil means Problem.
	Errors ErrorWriter
	// ContentSecurityPolicy is every answer's; empty means APIPolicy.
	ContentSecurityPolicy string
	Log                   *slog.Logger
}

// Server serves one function's routes (see New).
type Server struct {
	mux    *http.ServeMux
	keys   []string
	errors ErrorWriter
	csp    string
	log    *slog.Logger
}

// New returns the server of the named function (deploy.Functions): every
// route of the function in deploy.Routes is served by its handler, keyed
// by route key ("GET /api/events/{eventId}"), with the route's path as a
// Go pattern (r.PathValue("eventId")). The function's $default route, and
// every request that matches no route, gets the 404 (ErrNoRoute) through
// the ErrorWriter; a GET that differs from a route only by a trailing
// slash (/staff/) is redirected to the route, whichever function serves it.
//
// It is an error for a route of the function to have no handler, and for
// a handler to have no route of the function: the route table and the
// handlers are held together.
func New(function string, handlers map[string]Handler, o Options) (*Server, error) {
	s := &Server{mux: http.NewServeMux(), errors: o.Errors, csp: o.ContentSecurityPolicy, log: o.Log}
	if s.errors == nil {
		s.errors = Problem
	}
	if s.csp == "" {
		s.csp = APIPolicy
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	left := maps.Clone(handlers)
	for _, rt := range deploy.Routes {
		if rt.Function != function {
			continue
		}
		key := rt.Key()
		s.keys = append(s.keys, key)
		if key == deploy.DefaultRoute {
			continue // the not-found answer
		}
		h, ok := left[key]
		if !ok {
			return nil, fmt.Errorf("frontdoor: %s: route %s has no handler", function, key)
		}
		delete(left, key)
		s.mux.Handle(Pattern(rt), s.route(key, h))
	}
	if len(left) > 0 {
		return nil, fmt.Errorf("frontdoor: %s: handlers of no route of the function: %s", function,
			strings.Join(slices.Sorted(maps.Keys(left)), ", "))
	}
	slices.Sort(s.keys)
	return s, nil
}

// Pattern is a route's net/http pattern: its method and path, a path that
// ends in a slash matching only itself ("GET /{$}").
func Pattern(rt deploy.Route) string {
	p := rt.Path
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}
	return rt.Method + " " + p
}

// RouteKeys returns the route keys s serves, sorted.
func (s *Server) RouteKeys() []string { return slices.Clone(s.keys) }

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &requestState{route: deploy.DefaultRoute}
	if rc, ok := Gateway(r); ok {
		st.requestID = rc.RequestID
	}
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	rw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(r.Context(), "panic", "route", st.route, "requestId", st.requestID,
				"error", fmt.Sprint(p), "stack", string(debug.Stack()))
			s.fail(rw, r, fmt.Errorf("panic: %v", p))
		}
		// The route key only: paths and query strings hold ids and tokens.
		attrs := []any{"route", st.route, "status", rw.status, "requestId", st.requestID, "ms", time.Since(start).Milliseconds()}
		if st.staff != nil {
			attrs = append(attrs, slog.Group("staff", "sub", st.staff.Sub, "username", st.staff.Username))
		}
		s.log.InfoContext(r.Context(), "request", attrs...)
	}()
	securityHeaders(rw.Header(), r, s.csp)
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// No route (or not with this method: 404 as API Gateway answers,
		// not net/http's 405).
		if to, ok := withoutSlash(r); ok {
			http.Redirect(rw, r, to, http.StatusMovedPermanently)
			return
		}
		s.fail(rw, r, problem.ErrNoRoute)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

func (s *Server) route(key string, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateOf(r).route = key
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail answers err through the ErrorWriter, with the status of its code,
// and logs what is not the caller's doing.
func (s *Server) fail(rw http.ResponseWriter, r *http.Request, err error) {
	w, ok := rw.(*statusWriter)
	if !ok {
		w = &statusWriter{ResponseWriter: rw}
	}
	st := stateOf(r)
	err = Classify(err)
	status := problem.Status(err)
	switch {
	case status == http.StatusServiceUnavailable:
		s.log.WarnContext(r.Context(), "request unavailable", "route", st.route, "requestId", st.requestID, "error", err)
	case status >= http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "request failed", "route", st.route, "requestId", st.requestID, "error", err)
	}
	if w.status != 0 {
		// Too late to answer with the error: the answer has begun.
		s.log.ErrorContext(r.Context(), "error after the answer began", "route", st.route, "requestId", st.requestID, "error", err)
		return
	}
	// What the handler set for its own answer does not go with the
	// error's; cookies it set still do (a sign-in's state is cleared
	// when it fails).
	h := w.Header()
	for k := range h {
		if k != "Set-Cookie" {
			delete(h, k)
		}
	}
	securityHeaders(h, r, s.csp)
	s.errors(w, r, status, err)
}

// withoutSlash is where a GET for a route's path with a trailing slash
// goes: the route's own path (with the query), whichever function serves
// it: API Gateway sends /staff/ to the $default route, not to GET /staff.
func withoutSlash(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	p := r.URL.EscapedPath()
	trimmed := strings.TrimRight(p, "/")
	if trimmed == p || trimmed == "" || path.Clean(trimmed) != trimmed {
		return "", false
	}
	u, err := url.Parse(trimmed)
	if err != nil || u.Host != "" {
		return "", false
	}
	if _, pattern := siteMap().Handler(&http.Request{Method: http.MethodGet, URL: u, Host: r.Host}); pattern == "" {
		return "", false
	}
	if r.URL.RawQuery != "" {
		trimmed += "?" + r.URL.RawQuery
	}
	return trimmed, true
}

// siteMap matches the routes of every function (deploy.Routes). It is made
// on the first miss with a trailing slash, not at every cold start.
var siteMap = sync.OnceValue(func() *http.ServeMux {
	m := http.NewServeMux()
	for _, rt := range deploy.Routes {
		if rt.Key() != deploy.DefaultRoute {
			m.Handle(Pattern(rt), http.NotFoundHandler())
		}
	}
	return m
})

// state is what the Server knows of a request in flight, shared with the
// handlers through its context.
type requestState struct {
	route, requestID string
	staff            *staffauth.Staff
}

type stateKey struct{}

func stateOf(r *http.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{} // not served by a Server: nothing to share
}

// SetStaff records the signed-in staff member a request is made by (also
// when they are refused), for the request's log line and its error page.
func SetStaff(r *http.Request, who staffauth.Staff) {
	stateOf(r).staff = &who
}

// Staff returns the staff member SetStaff recorded for r.
func Staff(r *http.Request) (staffauth.Staff, bool) {
	if st := stateOf(r); st.staff != nil {
		return *st.staff, true
	}
	return staffauth.Staff{}, false
}

// RouteKey returns the route key of the route serving r (deploy.Route.Key),
// or deploy.DefaultRoute.
func RouteKey(r *http.Request) string {
	if st := stateOf(r); st.route != "" {
		return st.route
	}
	return deploy.DefaultRoute
}

// statusWriter remembers the status of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
