package openapidoc_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/openapidoc"
	"github.com/calmi/convenings/pkg/problem"
)

const docPath = "../../docs/openapi.yaml"

// load reads the document once for the whole package (validating it takes
// a while).
var load = sync.OnceValues(func() (*openapidoc.Document, error) {
	return openapidoc.Load(context.Background(), docPath)
})

func document(t *testing.T) *openapidoc.Document {
	t.Helper()
	d, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDocumentIsValidOpenAPI31: the document is OpenAPI 3.1, and
// kin-openapi loads and validates it (Load fails otherwise).
func TestDocumentIsValidOpenAPI31(t *testing.T) {
	d := document(t)
	if d.T.OpenAPI != "3.1.0" || !d.T.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1.0", d.T.OpenAPI)
	}
}

// TestLoadRefusesBrokenDocuments shows that Load's validation has teeth
// for the mistakes an edit of the document is likely to make: each case
// breaks a copy of the real document in one place.
func TestLoadRefusesBrokenDocuments(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	tests := []struct{ name, old, new string }{
		{"ExampleAgainstItsSchema", "capacity: 60\n", "capacity: sixty\n"},
		{"DanglingReference", `$ref: "#/components/schemas/TeamInput"`, `$ref: "#/components/schemas/Team"`},
		{"UnknownType", "type: [string, \"null\"]", "type: [text, \"null\"]"},
		{"PathParameterNotDeclared", "/api/admin/notices/{noticeId}/resend:", "/api/admin/notices/{notice}/resend:"},
		{"DuplicateOperationID", "operationId: undoCheckIn", "operationId: checkIn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(doc, tt.old) {
				t.Fatalf("the document has no %q to break", tt.old)
			}
			path := filepath.Join(t.TempDir(), "openapi.yaml")
			if err := os.WriteFile(path, []byte(strings.Replace(doc, tt.old, tt.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := openapidoc.Load(context.Background(), path); err == nil {
				t.Fatal("the broken document loads")
			}
		})
	}
}

// TestEveryRouteIsDocumented holds the document to the route table: every
// route of the JSON API (under /api/) is an operation with the same method
// and path, with the roles the route admits (x-roles) and the bearer
// scheme it takes, and the document has no operation the table lacks.
func TestEveryRouteIsDocumented(t *testing.T) {
	d := document(t)
	manageRoutes := []string{"GET /api/registrations/{registrationId}", "DELETE /api/registrations/{registrationId}", "PATCH /api/registrations/{registrationId}"}
	routes := map[string]bool{}
	for _, r := range deploy.Routes {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		routes[r.Key()] = true
		t.Run(r.Key(), func(t *testing.T) {
			op := d.Operation(r.Method, r.Path)
			if op == nil {
				t.Fatal("not in docs/openapi.yaml")
			}
			var roles []string
			if x, ok := op.Extensions["x-roles"].([]any); ok {
				for _, v := range x {
					s, _ := v.(string)
					roles = append(roles, s)
				}
			}
			if !slices.Equal(roles, r.Roles) {
				t.Errorf("x-roles %v, the route admits %v", roles, r.Roles)
			}
			want := ""
			switch {
			case r.Authorized():
				want = "staffAccessToken"
			case slices.Contains(manageRoutes, r.Key()):
				want = "manageToken"
			}
			if got := scheme(op); got != want {
				t.Errorf("security %q, want %q", got, want)
			}
		})
	}
	if len(routes) < 20 {
		t.Fatalf("only %d routes under /api/ in deploy.Routes", len(routes))
	}
	for path, item := range d.T.Paths.Map() {
		for method := range item.Operations() {
			if key := method + " " + path; !routes[key] {
				t.Errorf("%s is documented but not in deploy.Routes", key)
			}
		}
	}
	s := d.T.Components.SecuritySchemes["staffAccessToken"]
	if s == nil || s.Value.Extensions["x-scope"] != deploy.StaffAPIScope {
		t.Errorf("staffAccessToken's x-scope is not %q", deploy.StaffAPIScope)
	}
}

// scheme is the one security scheme an operation requires ("" if public).
func scheme(op *openapi3.Operation) string {
	if op.Security == nil || len(*op.Security) == 0 {
		return ""
	}
	var names []string
	for _, req := range *op.Security {
		for name := range req {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}

// TestReasonsRulesAndCodes holds the document's enums of reasons and rules
// to those the domain declares (every constant of type Reason or Rule in
// pkg/convening, where error.go says they all live), and its problem types
// to package problem's codes: an answer with a reason the document lacks
// would fail the API tests only if a test made it.
func TestReasonsRulesAndCodes(t *testing.T) {
	d := document(t)
	declared := constants(t, "../convening", "Reason", "Rule")
	for _, typ := range []string{"Reason", "Rule"} {
		t.Run(typ, func(t *testing.T) {
			documented := enum(t, d, typ)
			if len(declared[typ]) < 20 {
				t.Fatalf("found only %d %s constants", len(declared[typ]), typ)
			}
			for _, v := range declared[typ] {
				if !slices.Contains(documented, v) {
					t.Errorf("%s %q is not in the document's enum", typ, v)
				}
			}
			for _, v := range documented {
				if !slices.Contains(declared[typ], v) {
					t.Errorf("the document's %s %q is declared nowhere in pkg/convening", typ, v)
				}
			}
		})
	}
	t.Run("ProblemType", func(t *testing.T) {
		p := d.T.Components.Schemas["Problem"].Value.Properties["type"].Value
		var want []any
		for _, c := range problem.Codes() {
			want = append(want, problem.Type(c))
		}
		if len(p.Enum) != len(want) {
			t.Errorf("%d problem types, package problem has %d codes", len(p.Enum), len(want))
		}
		for _, w := range want {
			if !slices.Contains(p.Enum, w) {
				t.Errorf("problem type %v is not in the document", w)
			}
		}
	})
}

func enum(t *testing.T, d *openapidoc.Document, schema string) []string {
	t.Helper()
	s := d.T.Components.Schemas[schema]
	if s == nil {
		t.Fatalf("no schema %s", schema)
	}
	var out []string
	for _, v := range s.Value.Enum {
		out = append(out, v.(string))
	}
	return out
}

// constants returns the string constants of the named types declared in
// the Go files (not tests) of dir, by type.
func constants(t *testing.T, dir string, types ...string) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok || !slices.Contains(types, typ.Name) {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: a %s constant that is not a string literal", fset.Position(v.Pos()), typ.Name)
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[typ.Name] = append(out[typ.Name], s)
				}
			}
		}
	}
	return out
}

// TestSchemasAreJSONSchema2020 shows the OpenAPI 3.1 keywords the
// document relies on at work in kin-openapi, as openapi3filter applies
// them to a 3.1 document (with openapi3.EnableJSONSchema2020).
func TestSchemasAreJSONSchema2020(t *testing.T) {
	d := document(t)
	event := `"title":"T","kind":"webinar","startsAt":"2030-02-10T09:00:00Z","endsAt":"2030-02-10T10:00:00Z","capacity":5,"maxTeamSize":2`
	tests := []struct {
		name, schema, value string
		valid               bool
	}{
		{"TypeArrayNull", "Next", `null`, true},
		{"TypeArrayString", "Next", `"abc"`, true},
		{"TypeArrayOther", "Next", `1`, false},
		{"OneOfNull", "UpdateEventInput", `{"waitlistOffers":null}`, true},
		{"OneOfObject", "UpdateEventInput", `{"waitlistOffers":{"respondWithinHours":24}}`, true},
		{"OneOfNeither", "UpdateEventInput", `{"waitlistOffers":"24h"}`, false},
		{"ConstEmpty", "CreateEventInput", `{` + event + `,"online":true,"registrationOpensAt":""}`, true},
		{"ConstOther", "CreateEventInput", `{` + event + `,"online":true,"registrationOpensAt":"soon"}`, false},
		{"ElseVenueRequired", "CreateEventInput", `{` + event + `}`, false},
		{"ElseVenueGiven", "CreateEventInput", `{` + event + `,"venue":"Fresno"}`, true},
		{"ThenOnline", "CreateEventInput", `{` + event + `,"online":true}`, true},
		{"NumericBounds", "CreateEventInput", `{` + event + `,"online":true,"capacity":0}`, false},
		{"FormatDateTime", "Time", `"Feb 10"`, false},
		{"AdditionalProperties", "Problem", `{"type":"https://github.com/calmi/convenings/blob/main/docs/api.md#problem-invalid","title":"x","status":400,"reason":"invalid_fields","extra":1}`, false},
		{"TwoTypes", "FieldError", `{"field":"f","rule":"date_range","args":{"min":"2000-01-01","max":2100},"message":"m"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := d.T.Components.Schemas[tt.schema]
			if s == nil {
				t.Fatalf("no schema %s", tt.schema)
			}
			var v any
			if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
				t.Fatal(err)
			}
			if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); (err == nil) != tt.valid {
				t.Errorf("%s %s: %v, want valid=%v", tt.schema, tt.value, err, tt.valid)
			}
		})
	}
}

// TestCheck shows that Check finds each kind of mismatch between an
// exchange and the document, and lets a documented one through.
func TestCheck(t *testing.T) {
	d := document(t)
	jsonHeaders := map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
	problemHeaders := map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
	without := func(h map[string]string, name string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			if k != name {
				out[k] = v
			}
		}
		return out
	}
	with := func(h map[string]string, name, value string) map[string]string {
		out := without(h, name)
		out[name] = value
		return out
	}
	problemBody := func(status int, code, reason string) string {
		return `{"type":"https://github.com/calmi/convenings/blob/main/docs/api.md#problem-` + code + `","title":"x","status":` +
			strconv.Itoa(status) + `,"reason":"` + reason + `","detail":"x"}`
	}
	request := func(routeKey string, params, query, headers map[string]string, body string, staff bool) events.APIGatewayV2HTTPRequest {
		_, path, _ := strings.Cut(routeKey, " ")
		req := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, RawPath: path, PathParameters: params,
			QueryStringParameters: query, Headers: headers, Body: body}
		if staff {
			req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "s"}}}
		}
		return req
	}
	list := request("GET /api/events", nil, nil, nil, "", false)
	register := request("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil,
		map[string]string{"content-type": "application/json"}, `{"organization":{}}`, false)
	notices := request("GET /api/admin/notices", nil, nil, nil, "", true)
	resend := request("POST /api/admin/notices/{noticeId}/resend", map[string]string{"noticeId": ""}, nil,
		map[string]string{"content-type": "application/json"}, `{"reason":"x"}`, true)
	tests := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		resp   events.APIGatewayV2HTTPResponse
		answer bool // CheckAnswer passes
		check  bool // Check passes
	}{
		{"Documented", list, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"events":[]}`}, true, true},
		{"UndocumentedStatus", list, events.APIGatewayV2HTTPResponse{StatusCode: 404, Headers: problemHeaders, Body: problemBody(404, "not_found", "event_not_found")}, false, false},
		{"UndocumentedField", list, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"events":[],"more":true}`}, false, false},
		{"MissingField", list, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{}`}, false, false},
		{"WrongContentType", list, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: with(jsonHeaders, "Content-Type", "text/html"), Body: `{"events":[]}`}, false, false},
		{"MissingRequiredHeader", list, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: without(jsonHeaders, "Cache-Control"), Body: `{"events":[]}`}, false, false},
		{"UnavailableWithRetryAfter", list, events.APIGatewayV2HTTPResponse{StatusCode: 503, Headers: with(problemHeaders, "Retry-After", "1"), Body: problemBody(503, "unavailable", "busy")}, true, true},
		{"UnavailableWithoutRetryAfter", list, events.APIGatewayV2HTTPResponse{StatusCode: 503, Headers: problemHeaders, Body: problemBody(503, "unavailable", "busy")}, false, false},
		{"ReasonOfTheOperation", register, events.APIGatewayV2HTTPResponse{StatusCode: 409, Headers: problemHeaders, Body: problemBody(409, "conflict", "registration_closed")}, true, true},
		{"ReasonOfAnotherOperation", register, events.APIGatewayV2HTTPResponse{StatusCode: 409, Headers: problemHeaders, Body: problemBody(409, "conflict", "not_waitlisted")}, false, false},
		{"UnknownReason", register, events.APIGatewayV2HTTPResponse{StatusCode: 400, Headers: problemHeaders, Body: problemBody(400, "invalid", "bad")}, false, false},
		{"RefusedRequestRefused", register, events.APIGatewayV2HTTPResponse{StatusCode: 400, Headers: problemHeaders, Body: problemBody(400, "invalid", "invalid_fields")}, true, true},
		{"RefusedQueryAccepted", request("GET /api/admin/notices", nil, map[string]string{"limit": "0"}, nil, "", true),
			events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"notices":[]}`}, true, false},
		{"StaffRouteWithClaims", notices, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"notices":[]}`}, true, true},
		{"StaffRouteWithoutTokenAccepted", request("GET /api/admin/notices", nil, nil, nil, "", false),
			events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"notices":[]}`}, true, false},
		{"ManageRouteWithoutTokenRefused", request("GET /api/registrations/{registrationId}", map[string]string{"registrationId": "r"}, nil, nil, "", false),
			events.APIGatewayV2HTTPResponse{StatusCode: 404, Headers: problemHeaders, Body: problemBody(404, "not_found", "registration_unknown")}, true, true},
		{"EmptyPathParameterRefused", resend, events.APIGatewayV2HTTPResponse{StatusCode: 404, Headers: problemHeaders, Body: problemBody(404, "not_found", "notice_unknown")}, true, true},
		{"EmptyPathParameterUndocumentedReason", resend, events.APIGatewayV2HTTPResponse{StatusCode: 404, Headers: problemHeaders, Body: problemBody(404, "not_found", "event_not_found")}, false, false},
		{"EmptyPathParameterAccepted", resend, events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: jsonHeaders,
			Body: `{"notice":{"id":"n","kind":"registered","registrationId":"r","eventId":"cv","state":"pending","attempts":0,"createdAt":"2030-01-01T00:00:00Z"}}`}, true, false},
		{"NoRoute", request("GET /api/nothing", nil, nil, nil, "", false),
			events.APIGatewayV2HTTPResponse{StatusCode: 404, Headers: problemHeaders, Body: problemBody(404, "not_found", "no_route")}, true, true},
		{"NoRouteAnswered", request("GET /api/nothing", nil, nil, nil, "", false),
			events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: jsonHeaders, Body: `{"events":[]}`}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if err := d.CheckAnswer(ctx, tt.req, tt.resp); (err == nil) != tt.answer {
				t.Errorf("CheckAnswer: %v, want pass=%v", err, tt.answer)
			}
			if err := d.Check(ctx, tt.req, tt.resp); (err == nil) != tt.check {
				t.Errorf("Check: %v, want pass=%v", err, tt.check)
			}
		})
	}
}
