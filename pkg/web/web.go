// Package web is the registration website teams use: server-rendered pages
// (html/template) listing the upcoming events, each event with its team
// registration form (or, for an event that admits teams by statement of
// interest, the statement form), the confirmation, the private manage page
// with its calendar file, cancellation and waiting-list offer, the
// statement's private page (who has confirmed, the invitation, accept and
// decline) and each member's confirmation page. The pages work without
// JavaScript; a small script only adds and removes member rows in place,
// counts the characters of the answers and guards against a second click.
//
// Requests arrive as API Gateway HTTP API events (payload format 2.0) and
// are converted to plain values at this package's edge (Handle); the pages
// themselves see no AWS types. Every answer carries a strict
// Content-Security-Policy and the other security headers; forms are
// protected against cross-site request forgery by an HMAC token bound to a
// SameSite=Strict cookie; a double submit of the registration form
// registers once (an idempotency key in a hidden field). The manage token
// is never logged, and pages link to no other origin and send no Referer.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/problem"
)

// MaxBodyBytes is the largest form accepted.
const MaxBodyBytes = 64 << 10

// Options configure a Handler.
type Options struct {
	// CSRFKey signs the forms' anti-forgery tokens; at least 32 bytes,
	// secret, the same for every instance of the function.
	CSRFKey []byte
	Log     *slog.Logger
}

// Service is what the website needs of the domain (Services: the events,
// teams' registrations and statements).
type Service interface {
	Now() time.Time
	Events(ctx context.Context) ([]convening.Event, error)
	Event(ctx context.Context, id string) (convening.Event, error)
	ValidateTeam(e convening.Event, team convening.Team) (convening.Team, error)
	Register(ctx context.Context, eventID string, team convening.Team, idem *convening.Idempotency) (convening.Registration, string, bool, error)
	Registration(ctx context.Context, id, token string) (convening.Registration, error)
	Cancel(ctx context.Context, id, token string) (convening.Registration, error)
	// Waiting-list offers.
	AcceptOffer(ctx context.Context, id, token string) (convening.Registration, error)
	// Statements of interest.
	SubmitStatement(ctx context.Context, eventID string, team convening.Team, experience, reasons string, idem *convening.Idempotency) (convening.Statement, string, bool, error)
	Statement(ctx context.Context, id, token string) (convening.Statement, error)
	StatementRegistration(ctx context.Context, id, token string) (convening.Registration, string, error)
	AcceptInvitation(ctx context.Context, id, token string) (convening.Registration, string, convening.Statement, error)
	DeclineStatement(ctx context.Context, id, token string) (convening.Statement, error)
	MemberStatement(ctx context.Context, statementID, memberID, token string) (convening.Statement, error)
	ConfirmMember(ctx context.Context, statementID, memberID, token string) (convening.Statement, error)
}

// Handler serves the website.
type Handler struct {
	svc    Service
	csrf   []byte
	log    *slog.Logger
	routes map[string]func(context.Context, *request) (*response, error)
}

// New returns the website's handler.
func New(svc Service, opts Options) (*Handler, error) {
	if len(opts.CSRFKey) < 32 {
		return nil, errors.New("web: the CSRF key must be at least 32 bytes")
	}
	h := &Handler{svc: svc, csrf: append([]byte(nil), opts.CSRFKey...), log: opts.Log}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.routes = map[string]func(context.Context, *request) (*response, error){
		"GET /":                                             h.home,
		"GET /events/{eventId}":                             h.eventPage,
		"POST /events/{eventId}":                            h.submitTeam,
		"GET /manage/{registrationId}":                      h.managePage,
		"POST /manage/{registrationId}/cancel":              h.cancel,
		"GET /manage/{registrationId}/calendar.ics":         h.calendarFile,
		"POST /manage/{registrationId}/accept":              h.acceptOffer,
		"POST /events/{eventId}/statements":                 h.submitStatement,
		"GET /statements/{statementId}":                     h.statementPage,
		"POST /statements/{statementId}/accept":             h.acceptInvitation,
		"POST /statements/{statementId}/decline":            h.declineStatement,
		"GET /statements/{statementId}/members/{memberId}":  h.memberPage,
		"POST /statements/{statementId}/members/{memberId}": h.confirmMember,
		"GET /static/{file}":                                h.static,
		deploy.DefaultRoute:                                 h.notFound,
	}
	return h, nil
}

// request is what a page sees of an HTTP request.
type request struct {
	method    string
	route     string
	params    map[string]string
	query     url.Values
	header    map[string]string // lower-case names
	cookies   map[string]string
	body      []byte
	requestID string
	form      url.Values // parsed on demand
}

func (r *request) secure() bool {
	// API Gateway is HTTPS only; the local runner says http.
	return r.header["x-forwarded-proto"] != "http"
}

// origin is the site's own origin as the browser sees it.
func (r *request) origin() string {
	scheme := "https"
	if !r.secure() {
		scheme = "http"
	}
	return scheme + "://" + r.header["host"]
}

// parseForm parses an application/x-www-form-urlencoded body.
func (r *request) parseForm() (url.Values, error) {
	if r.form != nil {
		return r.form, nil
	}
	if ct := r.header["content-type"]; ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, errBadRequest
		}
	}
	if len(r.body) > MaxBodyBytes {
		return nil, errBadRequest
	}
	f, err := url.ParseQuery(string(r.body))
	if err != nil {
		return nil, errBadRequest
	}
	r.form = f
	return f, nil
}

var (
	errBadRequest = convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The form could not be read.")
	errNoPage     = convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute, "No such page.")
)

// response is a page's answer.
type response struct {
	status  int
	header  map[string]string
	cookies []string
	body    string
}

// Handle serves one API Gateway request. It never returns an error: every
// failure is a friendly page, and internal causes are logged, not shown.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (out events.APIGatewayV2HTTPResponse, _ error) {
	start := time.Now()
	r, err := fromEvent(ev)
	var resp *response
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "page panicked", "route", ev.RouteKey, "requestId", ev.RequestContext.RequestID, "error", fmt.Sprint(p))
			out = toEvent(r, h.errorPage(http.StatusInternalServerError))
		}
		// The route key only: paths and query strings hold ids and tokens.
		h.log.InfoContext(ctx, "page", "route", ev.RouteKey, "status", out.StatusCode,
			"requestId", ev.RequestContext.RequestID, "ms", time.Since(start).Milliseconds())
	}()
	if ev.RouteKey == deploy.DefaultRoute && strings.HasPrefix(ev.RawPath, "/api/") {
		// API clients asked for a path the API does not have: answer them
		// in the API's own terms, not with a page.
		return apiNotFound(), nil
	}
	if err != nil {
		resp = h.fail(ctx, r, err)
	} else if route, ok := h.routes[ev.RouteKey]; !ok {
		resp = h.errorPage(http.StatusNotFound)
	} else if resp, err = route(ctx, r); err != nil {
		resp = h.fail(ctx, r, err)
	}
	return toEvent(r, resp), nil
}

func fromEvent(ev events.APIGatewayV2HTTPRequest) (*request, error) {
	r := &request{
		method: ev.RequestContext.HTTP.Method, route: ev.RouteKey, params: ev.PathParameters,
		header: map[string]string{}, cookies: map[string]string{}, requestID: ev.RequestContext.RequestID,
	}
	for k, v := range ev.Headers {
		r.header[strings.ToLower(k)] = v
	}
	if r.header["host"] == "" {
		r.header["host"] = ev.RequestContext.DomainName
	}
	// Format 2.0 passes cookies apart; a plain Cookie header also counts.
	raw := append([]string(nil), ev.Cookies...)
	if c := r.header["cookie"]; c != "" {
		raw = append(raw, strings.Split(c, ";")...)
	}
	for _, c := range raw {
		if k, v, ok := strings.Cut(strings.TrimSpace(c), "="); ok {
			if _, seen := r.cookies[k]; !seen {
				r.cookies[k] = v
			}
		}
	}
	r.query, _ = url.ParseQuery(ev.RawQueryString)
	if len(r.query) == 0 && len(ev.QueryStringParameters) > 0 {
		r.query = url.Values{}
		for k, v := range ev.QueryStringParameters {
			r.query.Set(k, v)
		}
	}
	// API Gateway base64-encodes form posts; accept both.
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return r, errBadRequest
		}
		r.body = b
	} else {
		r.body = []byte(ev.Body)
	}
	return r, nil
}

func toEvent(r *request, resp *response) events.APIGatewayV2HTTPResponse {
	h := securityHeaders()
	if r == nil || r.secure() {
		// Browsers that once reached the site keep to HTTPS for a year.
		h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
	}
	for k, v := range resp.header {
		h[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: resp.status, Headers: h, Cookies: resp.cookies, Body: resp.body}
}

// ContentSecurityPolicy allows only the site's own stylesheet, script and
// form targets; no inline code, no frames, no other origin.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders() map[string]string {
	return map[string]string{
		"Content-Security-Policy":      ContentSecurityPolicy,
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-store",
	}
}

// fail turns an error into a friendly page with the status the one table
// (package problem) gives its code; internal errors are logged.
func (h *Handler) fail(ctx context.Context, r *request, err error) *response {
	status := problem.Status(err)
	if status >= http.StatusInternalServerError && status != http.StatusServiceUnavailable {
		id := ""
		if r != nil {
			id = r.requestID
		}
		h.log.ErrorContext(ctx, "page failed", "requestId", id, "error", err)
	}
	return h.errorPage(status)
}

// --- Cross-site request forgery ---

// csrfCookieName is the anti-forgery cookie's name. Over HTTPS it has the
// __Host- prefix, which browsers accept only from this very host, Secure,
// with Path=/ and no Domain: a neighbouring subdomain cannot plant or
// overwrite it. Plain http (the local runner) cannot use the prefix.
func (r *request) csrfCookieName() string {
	if r.secure() {
		return "__Host-lmi_csrf"
	}
	return "lmi_csrf"
}

// csrfNonce returns the browser's anti-forgery nonce, creating one (and the
// cookie that carries it) if the request has none.
func (h *Handler) csrfNonce(r *request, resp *response) string {
	name := r.csrfCookieName()
	if n := r.cookies[name]; validNonce(n) {
		return n
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	n := base64.RawURLEncoding.EncodeToString(b[:])
	c := name + "=" + n + "; Path=/; Max-Age=86400; HttpOnly; SameSite=Strict"
	if r.secure() {
		c += "; Secure"
	}
	resp.cookies = append(resp.cookies, c)
	r.cookies[name] = n // later forms in this answer use it too
	return n
}

func validNonce(n string) bool {
	b, err := base64.RawURLEncoding.DecodeString(n)
	return err == nil && len(b) == 18
}

// csrfToken binds a form's purpose to the browser's nonce.
func (h *Handler) csrfToken(nonce, purpose string) string {
	m := hmac.New(sha256.New, h.csrf)
	m.Write([]byte("lmi-csrf-v1\x00" + nonce + "\x00" + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether a form post comes from this site's own form:
// the token must match the nonce cookie (which another site can neither
// read nor send, SameSite=Strict) and, when the browser says where the
// request comes from (Sec-Fetch-Site, Origin), that must be this site.
func (h *Handler) checkCSRF(r *request, purpose string) bool {
	if site := r.header["sec-fetch-site"]; site != "" && site != "same-origin" {
		return false
	}
	// Under Referrer-Policy: no-referrer browsers send "Origin: null" for
	// the site's own forms, so only a named other origin is refused.
	if o := r.header["origin"]; o != "" && o != "null" && o != r.origin() {
		return false
	}
	nonce := r.cookies[r.csrfCookieName()]
	if !validNonce(nonce) {
		return false
	}
	form, err := r.parseForm()
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(form.Get("csrf")), []byte(h.csrfToken(nonce, purpose)))
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// apiNotFound is the API's problem answer for a path it does not have.
func apiNotFound() events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(problem.For(problem.ErrNoRoute))
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotFound, Body: string(body), Headers: map[string]string{
		"Content-Type": "application/problem+json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}}
}
