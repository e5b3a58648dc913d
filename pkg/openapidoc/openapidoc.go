// Package openapidoc holds the JSON API to its OpenAPI document,
// docs/openapi.yaml: Load reads and validates the document (with
// kin-openapi), and Check validates a request as API Gateway passes it to a
// function, with the function's answer, against it. The API's tests run
// every request they make through Check, so that the document cannot drift
// from what the API does. Only tests use this package; no function links it.
//
// The document is OpenAPI 3.1.0. kin-openapi v0.153.0 loads and validates
// 3.1 documents, and openapi3filter checks their schemas as JSON Schema
// 2020-12 (type arrays with "null", const, if/then/else, and keywords next
// to a $ref, which the document uses to narrow a problem's reasons per
// response); the package's tests show each of those at work, so a
// kin-openapi that fell back to 3.0 rules would fail them. It compiles a
// schema on every validation, which makes a check take milliseconds: fine
// for tests, which is all this is for.
package openapidoc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Document is the OpenAPI document, loaded and validated.
type Document struct {
	T      *openapi3.T
	router routers.Router
	// base is the first server's URL: requests are resolved against it
	// for the router, which matches servers' hosts too.
	base string
}

// Load reads the document at path, resolves its references and validates
// it (including its examples against their schemas).
func Load(ctx context.Context, path string) (*Document, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate %s: %w", path, err)
	}
	if len(doc.Servers) == 0 {
		return nil, fmt.Errorf("%s names no server", path)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", path, err)
	}
	return &Document{T: doc, router: router, base: strings.TrimSuffix(doc.Servers[0].URL, "/")}, nil
}

// Operation returns the document's operation for a method and path
// template (deploy.Route's Method and Path), or nil.
func (d *Document) Operation(method, path string) *openapi3.Operation {
	item := d.T.Paths.Value(path)
	if item == nil {
		return nil
	}
	return item.GetOperation(method)
}

// Check validates one exchange of a test: the answer must be one the
// document gives for the request's operation (its status, headers, content
// type and body), and a request the document refuses must have been
// refused (a 4xx). A route key the document lacks (a path the API does not
// have) must be answered 404 with a problem document.
//
// It does not require the API to accept every request the document
// accepts: a team that repeats an email, say, is valid JSON of the right
// shape that only the domain can refuse.
func (d *Document) Check(ctx context.Context, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
	return d.check(ctx, req, resp, true)
}

// CheckAnswer is Check without the rule on refused requests: for fuzz
// targets, whose requests are arbitrary bytes with arbitrary media types,
// every answer must still be documented.
func (d *Document) CheckAnswer(ctx context.Context, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
	return d.check(ctx, req, resp, false)
}

func (d *Document) check(ctx context.Context, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, refusals bool) error {
	hreq, method, tmpl, err := d.httpRequest(req)
	if err != nil {
		return err
	}
	op := d.Operation(method, tmpl)
	route, _, err := d.router.FindRoute(hreq)
	var reqErr error
	switch {
	case err != nil && op == nil:
		return d.checkNoRoute(req.RouteKey, resp)
	case err != nil:
		// A path parameter the test left empty: API Gateway would not
		// route such a path to the operation, and the document refuses it.
		// The answer must still be one the operation gives.
		route = &routers.Route{Spec: d.T, Server: d.T.Servers[0], Path: tmpl, PathItem: d.T.Paths.Value(tmpl), Method: method, Operation: op}
		reqErr = fmt.Errorf("the path %s does not match %s: %w", hreq.URL.Path, tmpl, err)
	case route.Method != method || route.Path != tmpl:
		// The router and the route key disagree: the document's paths do
		// not route as API Gateway does.
		return fmt.Errorf("%s %s: the document routes %s to %s %s", method, tmpl, hreq.URL.Path, route.Method, route.Path)
	}
	opts := &openapi3filter.Options{
		// A status the operation does not list is a mismatch, not
		// something to let through.
		IncludeResponseStatus: true,
		AuthenticationFunc:    bearerPresent,
	}
	in := &openapi3filter.RequestValidationInput{Request: hreq, PathParams: req.PathParameters, Route: route, Options: opts}
	if reqErr == nil {
		reqErr = openapi3filter.ValidateRequest(ctx, in)
	}
	if refusals && reqErr != nil && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
		return fmt.Errorf("%s: the document refuses the request, the API answered %d: %w", req.RouteKey, resp.StatusCode, reqErr)
	}
	body, err := responseBody(resp)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: header(resp.Headers), Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s: the answer %d is not as documented: %w", req.RouteKey, resp.StatusCode, err)
	}
	return nil
}

// httpRequest is the HTTP request API Gateway received, rebuilt from what
// it passes the function: the method and path template of its route key,
// with the path parameters, query, headers and body.
func (d *Document) httpRequest(req events.APIGatewayV2HTTPRequest) (*http.Request, string, string, error) {
	method, tmpl, ok := strings.Cut(req.RouteKey, " ")
	if !ok {
		return nil, "", "", fmt.Errorf("route key %q is not a method and a path", req.RouteKey)
	}
	path := tmpl
	for k, v := range req.PathParameters {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	u, err := url.Parse(d.base + path)
	if err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", req.RouteKey, err)
	}
	q := url.Values{}
	for k, v := range req.QueryStringParameters {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, "", "", fmt.Errorf("%s: body: %w", req.RouteKey, err)
		}
	}
	hreq, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", req.RouteKey, err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil && hreq.Header.Get("Authorization") == "" {
		// API Gateway's JWT authorizer passes claims only for a request
		// whose bearer token it verified; tests that give a function the
		// claims alone stand for such a request.
		hreq.Header.Set("Authorization", "Bearer access-token-verified-by-api-gateway")
	}
	return hreq, method, tmpl, nil
}

// bearerPresent is the security check a document can make of a request: a
// bearer token is there. Whether it is valid is the API's to decide (and
// the document says how it answers when it is not).
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("security scheme %q: only bearer tokens are checked", in.SecuritySchemeName)
	}
	token, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return in.NewError(errors.New("no bearer token"))
	}
	return nil
}

// checkNoRoute checks the answer to a route the document does not have:
// the API answers a path it lacks 404 no_route, as a problem document.
func (d *Document) checkNoRoute(routeKey string, resp events.APIGatewayV2HTTPResponse) error {
	if resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("%s is not in the document (document it if it is a route), yet the API answered %d", routeKey, resp.StatusCode)
	}
	mt, _, err := mime.ParseMediaType(header(resp.Headers).Get("Content-Type"))
	if err != nil || mt != "application/problem+json" {
		return fmt.Errorf("%s: a 404 of content type %q, want application/problem+json", routeKey, header(resp.Headers).Get("Content-Type"))
	}
	body, err := responseBody(resp)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s: the 404's body is not JSON: %w", routeKey, err)
	}
	problem := d.T.Components.Schemas["Problem"]
	if problem == nil {
		return errors.New("the document has no Problem schema")
	}
	if err := problem.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("%s: the 404 is not a problem document: %w", routeKey, err)
	}
	return nil
}

func header(h map[string]string) http.Header {
	out := http.Header{}
	for k, v := range h {
		out.Set(k, v)
	}
	return out
}

func responseBody(resp events.APIGatewayV2HTTPResponse) ([]byte, error) {
	if !resp.IsBase64Encoded {
		return []byte(resp.Body), nil
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, strings.NewReader(resp.Body)))
	if err != nil {
		return nil, fmt.Errorf("answer body: %w", err)
	}
	return b, nil
}
