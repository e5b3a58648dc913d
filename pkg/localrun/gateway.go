package localrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deploy"
)

// Limits API Gateway and Lambda enforce.
const (
	maxRequestBody    = 10 << 20 // API Gateway's payload limit
	maxInvokePayload  = 6 << 20  // Lambda's limit for a synchronous request or response
	defaultAPITimeout = 30 * time.Second
	apiGatewayTimeFmt = "02/Jan/2006:15:04:05 -0700"
	requestIDHeader   = "apigw-requestid" // API Gateway's response header
)

// GatewayOptions configures a Gateway.
type GatewayOptions struct {
	// Fallback serves requests that match no route; without one they get
	// API Gateway's 404 {"message":"Not Found"}.
	Fallback http.Handler
	// Authorizer stands in for the JWT authorizer on staff routes. It
	// returns what API Gateway would put in requestContext.authorizer for
	// a valid token (claims as strings: API Gateway writes an array claim
	// such as cognito:groups as "[staff other]"), or an error, which is
	// answered 401 {"message":"Unauthorized"}. Without an Authorizer every
	// staff route answers 401.
	Authorizer func(r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error)
	// Timeout is the integration timeout; 0 means API Gateway's 30 s.
	Timeout time.Duration
	// Logger receives one line per request; nil means slog.Default().
	Logger *slog.Logger
	// Environments is how many invocations of one function may run at
	// once, each in an execution environment of its own, the way Lambda
	// scales a function out under concurrent requests. 0 or 1 means one
	// environment per function: one request at a time, the others wait.
	// More than one needs NewEnvironment.
	Environments int
	// NewEnvironment returns a new lambda.Handler for the named function,
	// typically lambda.NewHandler over the function's typed handler. Each
	// environment beyond the first (the handler given to NewGateway) gets
	// its own: a lambda.Handler reuses its response buffer on its next
	// Invoke, so environments cannot share one.
	NewEnvironment func(function string) lambda.Handler
}

// Gateway is an http.Handler that emulates an API Gateway HTTP API with
// Lambda proxy integrations (payload format 2.0), including its error
// answers (404, 413, 500, 503) and its quirks: bodies other than text,
// JSON, XML and JavaScript arrive base64-encoded, and a response's
// multiValueHeaders are ignored (logged as a warning).
type Gateway struct {
	routes []*gatewayRoute
	// defaultRoute is the $default route, if the table has one: API
	// Gateway sends it every request that matches no other route.
	defaultRoute *gatewayRoute
	opts         GatewayOptions
	log          *slog.Logger
}

type gatewayRoute struct {
	route    deploy.Route
	segments []string // the path template split at "/"; "{name}" is a parameter
	params   int
	fn       *function
}

// NewGateway returns a Gateway for routes, invoking functions by each
// route's Function name. Every route's function must be given.
func NewGateway(routes []deploy.Route, functions map[string]lambda.Handler, opts GatewayOptions) (*Gateway, error) {
	g := &Gateway{opts: opts, log: opts.Logger}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.opts.Timeout <= 0 {
		g.opts.Timeout = defaultAPITimeout
	}
	if g.opts.Environments > 1 && g.opts.NewEnvironment == nil {
		return nil, fmt.Errorf("new gateway: %d environments per function need NewEnvironment", g.opts.Environments)
	}
	fns := map[string]*function{}
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.Key()] {
			return nil, fmt.Errorf("new gateway: route %q is defined twice", rt.Key())
		}
		seen[rt.Key()] = true
		if !strings.HasPrefix(rt.Path, "/") && rt.Path != deploy.DefaultRoute {
			return nil, fmt.Errorf("new gateway: route %q: path must start with /", rt.Key())
		}
		h := functions[rt.Function]
		if h == nil {
			return nil, fmt.Errorf("new gateway: route %q: no function %q", rt.Key(), rt.Function)
		}
		if fns[rt.Function] == nil {
			var more []lambda.Handler
			for range g.opts.Environments - 1 {
				e := g.opts.NewEnvironment(rt.Function)
				if e == nil {
					return nil, fmt.Errorf("new gateway: NewEnvironment(%q) returned no handler", rt.Function)
				}
				more = append(more, e)
			}
			fns[rt.Function] = newFunction(rt.Function, h, defaultRegion, more...)
		}
		if rt.Path == deploy.DefaultRoute {
			// The catch-all: it matches no path; ServeHTTP falls back on it.
			g.defaultRoute = &gatewayRoute{route: rt, fn: fns[rt.Function]}
			continue
		}
		gr := &gatewayRoute{route: rt, segments: strings.Split(rt.Path, "/"), fn: fns[rt.Function]}
		for _, s := range gr.segments {
			if strings.HasSuffix(s, "+}") {
				return nil, fmt.Errorf("new gateway: route %q: greedy path variables are not supported", rt.Key())
			}
			if isParam(s) {
				gr.params++
			}
		}
		g.routes = append(g.routes, gr)
	}
	return g, nil
}

func isParam(segment string) bool {
	return len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}'
}

// match finds the route for a request. Like API Gateway it prefers the most
// specific route: fewer path variables, then a named method over ANY.
func (g *Gateway) match(method, escapedPath string) (*gatewayRoute, map[string]string) {
	segments := strings.Split(escapedPath, "/")
	var best *gatewayRoute
	var bestParams map[string]string
	for _, gr := range g.routes {
		if gr.route.Method != method && gr.route.Method != "ANY" {
			continue
		}
		params, ok := gr.matchPath(segments)
		if !ok {
			continue
		}
		if best == nil || gr.params < best.params ||
			(gr.params == best.params && best.route.Method == "ANY" && gr.route.Method != "ANY") {
			best, bestParams = gr, params
		}
	}
	return best, bestParams
}

func (gr *gatewayRoute) matchPath(segments []string) (map[string]string, bool) {
	if len(segments) != len(gr.segments) {
		return nil, false
	}
	var params map[string]string
	for i, tmpl := range gr.segments {
		if !isParam(tmpl) {
			if segments[i] != tmpl {
				return nil, false
			}
			continue
		}
		value, err := url.PathUnescape(segments[i])
		if segments[i] == "" || err != nil {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[tmpl[1:len(tmpl)-1]] = value
	}
	return params, true
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gr, params := g.match(r.Method, r.URL.EscapedPath())
	if gr == nil {
		gr = g.defaultRoute
	}
	if gr == nil {
		if g.opts.Fallback != nil {
			g.opts.Fallback.ServeHTTP(w, r)
			return
		}
		// The path only, at debug level: query strings may carry tokens.
		g.log.Debug("api: no route", "method", r.Method, "path", r.URL.Path)
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	start := time.Now()
	requestID := newAPIRequestID()
	w.Header().Set(requestIDHeader, requestID)
	status := g.serveRoute(w, r, gr, params, requestID, start)
	g.log.Info("api: request", "route", gr.route.Key(), "function", gr.fn.name,
		"status", status, "duration", time.Since(start).Round(time.Microsecond), "requestId", requestID)
}

func (g *Gateway) serveRoute(w http.ResponseWriter, r *http.Request, gr *gatewayRoute, params map[string]string, requestID string, start time.Time) int {
	fail := func(status int, msg, why string, err error) int {
		if why != "" {
			attrs := []any{"route", gr.route.Key(), "function", gr.fn.name, "requestId", requestID}
			if err != nil {
				attrs = append(attrs, "error", err)
			}
			g.log.Error("api: "+why, attrs...)
		}
		writeMessage(w, status, msg)
		return status
	}

	if r.ContentLength > maxRequestBody {
		return fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large", "", nil)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return fail(http.StatusBadRequest, "Bad Request", "read request body", err)
	}
	if len(body) > maxRequestBody {
		return fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large", "", nil)
	}

	var authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if gr.route.Authorized() {
		if g.opts.Authorizer == nil {
			return fail(http.StatusUnauthorized, "Unauthorized", "staff route but the gateway has no Authorizer", nil)
		}
		if authorizer, err = g.opts.Authorizer(r); err != nil {
			g.log.Info("api: not authorized", "route", gr.route.Key(), "requestId", requestID, "reason", err)
			writeMessage(w, http.StatusUnauthorized, "Unauthorized")
			return http.StatusUnauthorized
		}
	}

	event := requestEvent(r, gr.route, params, body, requestID, start)
	event.RequestContext.Authorizer = authorizer
	payload, err := json.Marshal(event)
	if err != nil {
		return fail(http.StatusInternalServerError, "Internal Server Error", "encode request event", err)
	}
	if len(payload) > maxInvokePayload {
		return fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large",
			fmt.Sprintf("event of %d bytes is over Lambda's 6 MB invocation limit", len(payload)), nil)
	}

	// A client that goes away does not stop a Lambda invocation.
	out, err := gr.fn.invoke(context.WithoutCancel(r.Context()), payload, g.opts.Timeout)
	if errors.Is(err, errTimedOut) {
		return fail(http.StatusServiceUnavailable, "Service Unavailable", "integration timed out", err)
	}
	if err != nil {
		return fail(http.StatusInternalServerError, "Internal Server Error", "function failed", err)
	}
	if len(out) > maxInvokePayload {
		return fail(http.StatusInternalServerError, "Internal Server Error",
			fmt.Sprintf("response of %d bytes is over Lambda's 6 MB limit", len(out)), nil)
	}

	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return fail(http.StatusInternalServerError, "Internal Server Error", "response is not an APIGatewayV2HTTPResponse", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		// API Gateway would infer a 200 from a body without statusCode; our
		// functions always return events.APIGatewayV2HTTPResponse, so a
		// missing status is a bug worth seeing.
		return fail(http.StatusInternalServerError, "Internal Server Error",
			fmt.Sprintf("response has no valid statusCode (%d)", resp.StatusCode), nil)
	}
	respBody := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fail(http.StatusInternalServerError, "Internal Server Error", "response body is not base64", err)
		}
	}
	if len(resp.MultiValueHeaders) > 0 {
		g.log.Warn("api: multiValueHeaders ignored: payload format 2.0 has none; use headers (comma-joined) or cookies",
			"route", gr.route.Key(), "function", gr.fn.name, "requestId", requestID)
	}
	h := w.Header()
	for name, value := range resp.Headers {
		switch strings.ToLower(name) {
		case "content-length", "transfer-encoding", "connection":
			continue // framing is the gateway's business
		}
		h.Set(name, value)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
	return resp.StatusCode
}

// requestEvent builds the payload format 2.0 event API Gateway sends.
func requestEvent(r *http.Request, route deploy.Route, params map[string]string, body []byte, requestID string, now time.Time) events.APIGatewayV2HTTPRequest {
	sourceIP := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = host
	}

	headers := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		name = strings.ToLower(name)
		if name == "cookie" {
			// Format 2.0 moves cookies out of the headers into their own field.
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[name] = strings.Join(values, ",")
	}
	// Go keeps Host out of r.Header; API Gateway passes it, and adds the
	// forwarding headers functions use to build absolute URLs.
	headers["host"] = r.Host
	if prior := headers["x-forwarded-for"]; prior != "" {
		headers["x-forwarded-for"] = prior + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	headers["x-forwarded-proto"] = proto
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			headers["x-forwarded-port"] = port
		}
	}

	var query map[string]string
	if values, _ := url.ParseQuery(r.URL.RawQuery); len(values) > 0 {
		query = make(map[string]string, len(values))
		for k, vs := range values {
			query[k] = strings.Join(vs, ",")
		}
	}

	domainPrefix, _, _ := strings.Cut(r.Host, ".")
	if host, _, err := net.SplitHostPort(domainPrefix); err == nil {
		domainPrefix = host
	}
	rawPath := r.URL.EscapedPath()
	event := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.Key(),
		RawPath:               rawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:  route.Key(),
			AccountID: localAccountID,
			Stage:     "$default",
			RequestID: requestID,
			APIID:     "local",
			// With the port, so links a function builds from it work locally.
			DomainName:   r.Host,
			DomainPrefix: domainPrefix,
			Time:         now.UTC().Format(apiGatewayTimeFmt),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      rawPath,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isTextual(r.Header.Get("Content-Type")) {
			event.Body = string(body)
		} else {
			event.Body = base64.StdEncoding.EncodeToString(body)
			event.IsBase64Encoded = true
		}
	}
	return event
}

// isTextual reports whether API Gateway passes a body of this content type
// as text. HTTP APIs do so only for these types; everything else, even
// form posts and a missing Content-Type, arrives base64-encoded.
func isTextual(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return strings.HasPrefix(mediaType, "text/")
}

// writeMessage writes an API Gateway error body, e.g. {"message":"Not Found"}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(struct {
		Message string `json:"message"`
	}{message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// newAPIRequestID returns an ID shaped like API Gateway's, e.g. "JKJaXmPLvHcESHA=".
func newAPIRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
