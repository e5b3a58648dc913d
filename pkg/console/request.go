package console

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/staffauth"
)

// MaxBodyBytes is the largest form accepted.
const MaxBodyBytes = 16 << 10

// Request is what a console page sees of an HTTP request.
type Request struct {
	Method string
	// Route is the route key, e.g. "GET /staff/events".
	Route string
	// Path is the path as requested; Params its path parameters.
	Path   string
	Params map[string]string
	Query  url.Values
	// Header has lower-case names.
	Header  map[string]string
	Cookies map[string]string
	Body    []byte
	form    url.Values
	// sessionID is the signed-in session's, once checked: the forms'
	// tokens are bound to it.
	sessionID string
}

// Secure reports whether the browser reached us over HTTPS: always in AWS
// (API Gateway); the local runner says http.
func (r *Request) Secure() bool { return r.Header["x-forwarded-proto"] != "http" }

// origin is the site's own origin as the browser sees it.
func (r *Request) origin() string {
	if r.Secure() {
		return "https://" + r.Header["host"]
	}
	return "http://" + r.Header["host"]
}

// target is where to come back to after signing in: this page.
func (r *Request) target() string {
	if len(r.Query) == 0 {
		return r.Path
	}
	return r.Path + "?" + r.Query.Encode()
}

// Form parses an application/x-www-form-urlencoded body.
func (r *Request) Form() (url.Values, error) {
	if r.form != nil {
		return r.form, nil
	}
	if len(r.Body) > MaxBodyBytes {
		return nil, fmt.Errorf("form of %d bytes", len(r.Body))
	}
	f, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return nil, err
	}
	r.form = f
	return f, nil
}

// Response is a page's answer.
type Response struct {
	Status  int
	Header  map[string]string
	Cookies []string
	Body    string
}

func redirect(to string) *Response {
	return &Response{Status: http.StatusSeeOther, Header: map[string]string{"Location": to}}
}

// Handle serves one request as API Gateway (payload format 2.0) sends it.
// It never returns an error: failures are error pages, logged.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	r := &Request{Method: ev.RequestContext.HTTP.Method, Route: ev.RouteKey, Path: ev.RawPath, Params: ev.PathParameters,
		Header: map[string]string{}, Cookies: map[string]string{}}
	r.Query, _ = url.ParseQuery(ev.RawQueryString)
	for k, v := range ev.Headers {
		r.Header[strings.ToLower(k)] = v
	}
	for _, c := range ev.Cookies {
		if name, value, ok := strings.Cut(c, "="); ok {
			r.Cookies[strings.TrimSpace(name)] = value
		}
	}
	r.Body = []byte(ev.Body)
	if ev.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(ev.Body); err == nil {
			r.Body = b
		}
	}
	var who *staffauth.Staff
	resp, err := func() (resp *Response, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		resp, who, err = h.serve(ctx, r)
		return resp, err
	}()
	if err != nil {
		h.log.ErrorContext(ctx, "console page failed", "route", r.Route, "requestId", ev.RequestContext.RequestID, "error", err)
		resp = h.errorPage(r, who, http.StatusInternalServerError)
	}
	// Route keys only: paths and query strings may carry codes.
	attrs := []any{"route", r.Route, "status", resp.Status, "requestId", ev.RequestContext.RequestID, "ms", time.Since(start).Milliseconds()}
	if who != nil {
		attrs = append(attrs, slog.Group("staff", "sub", who.Sub, "username", who.Username))
	}
	h.log.InfoContext(ctx, "request", attrs...)
	return h.apiResponse(r, resp), nil
}

// apiResponse adds the security headers every answer carries.
func (h *Handler) apiResponse(r *Request, resp *Response) events.APIGatewayV2HTTPResponse {
	hdr := map[string]string{
		// Forms post here; the sign-out redirects on to the managed login,
		// and browsers hold redirects after a form to form-action too.
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' " + origin(h.pool.LoginURL) +
			"; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	}
	if r.Secure() {
		hdr["Strict-Transport-Security"] = "max-age=31536000"
	}
	for k, v := range resp.Header {
		hdr[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: resp.Status, Headers: hdr, Cookies: resp.Cookies, Body: resp.Body}
}

// origin is the scheme and host of a URL.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
