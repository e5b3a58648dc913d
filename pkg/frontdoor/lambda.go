package frontdoor

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// Lambda is the one conversion between Lambda and net/http: it returns the
// typed Lambda handler (for lambda.Start) that turns each API Gateway HTTP
// API event (payload format 2.0) into an *http.Request for h and what h
// writes into the event's response. It never returns an error: h answers
// every request.
func Lambda(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		w := &eventWriter{header: http.Header{}}
		r := Request(ctx, ev)
		h.ServeHTTP(w, r)
		resp := w.response()
		if r.Method == http.MethodHead {
			resp.Body, resp.IsBase64Encoded = "", false // as net/http's server answers HEAD
		}
		return resp, nil
	}
}

// Request returns the *http.Request of an API Gateway event, with the
// event's request context (its route key, request id and the JWT
// authorizer's claims: Gateway) in its context.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest) *http.Request {
	raw := ev.RawPath
	if raw == "" {
		raw = ev.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	u, err := url.ParseRequestURI(escapePath(raw))
	if err != nil {
		u = &url.URL{Path: "/"} // escapePath leaves nothing ParseRequestURI refuses; be safe
	}
	u.RawQuery = ev.RawQueryString
	if u.RawQuery == "" && len(ev.QueryStringParameters) > 0 {
		q := url.Values{}
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	method := ev.RequestContext.HTTP.Method
	if m, _, ok := strings.Cut(ev.RouteKey, " "); method == "" && ok {
		method = m
	}
	if method == "" {
		method = http.MethodGet
	}
	r := &http.Request{
		Method: strings.ToUpper(method), URL: u, RequestURI: u.RequestURI(),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, len(ev.Headers)+1), RemoteAddr: ev.RequestContext.HTTP.SourceIP,
	}
	// API Gateway joins a header's values with commas; they stay one
	// value here, as the function received them.
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	r.Header.Del("Host") // net/http keeps it in r.Host only
	// Format 2.0 passes the cookies apart from the headers.
	if len(ev.Cookies) > 0 {
		if c := r.Header.Get("Cookie"); c != "" {
			r.Header.Set("Cookie", c+"; "+strings.Join(ev.Cookies, "; "))
		} else {
			r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
		}
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			r.Body = io.NopCloser(errReader{ErrBadBase64})
			return r.WithContext(withGateway(ctx, ev.RequestContext))
		}
		body = b
	}
	r.Body, r.ContentLength = http.NoBody, 0
	if len(body) > 0 {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return r.WithContext(withGateway(ctx, ev.RequestContext))
}

// ErrBadBase64 is what reading the body of an event whose base64 body
// does not decode returns.
var ErrBadBase64 = convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is not valid base64.")

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// escapePath makes an event's path a valid escaped path. API Gateway's
// HTTP APIs pass rawPath decoded (a space as a space), the local gateway
// and Lambda function URLs encoded: escaping only what cannot appear in an
// escaped path (and a % not followed by two hex digits) reads both alike.
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte(c)
		case c == '%', c == '?', c == '#', c <= ' ', c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type gatewayKey struct{}

func withGateway(ctx context.Context, rc events.APIGatewayV2HTTPRequestContext) context.Context {
	return context.WithValue(ctx, gatewayKey{}, &rc)
}

// Gateway returns the request context API Gateway sent with r (its route
// key, request id, and the claims its JWT authorizer verified), or false
// for a request that did not come through Lambda (Request).
func Gateway(r *http.Request) (*events.APIGatewayV2HTTPRequestContext, bool) {
	rc, ok := r.Context().Value(gatewayKey{}).(*events.APIGatewayV2HTTPRequestContext)
	return rc, ok
}

// eventWriter is the http.ResponseWriter of a Lambda invocation: the
// answer is collected and returned whole, as API Gateway takes it.
type eventWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *eventWriter) Header() http.Header { return w.header }

func (w *eventWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *eventWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *eventWriter) response() events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: make(map[string]string, len(w.header))}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	for k, vs := range w.header {
		if k == "Set-Cookie" {
			// Format 2.0 takes cookies apart: a header cannot repeat.
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ", ")
	}
	if b := w.body.Bytes(); utf8.Valid(b) {
		resp.Body = string(b)
	} else {
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return resp
}
