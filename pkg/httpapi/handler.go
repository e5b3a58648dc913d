// Package httpapi maps API Gateway HTTP API requests (payload format 2.0) to
// the registration service and its answers back to JSON, with errors as
// RFC 9457 problem details. Each HTTP Lambda function has its constructor
// (Events, Register, Registration, Admin) serving exactly its routes of
// deploy.Routes; a request for any other route key is a 404 problem.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
	"github.com/calmi/convenings/pkg/staffauth"
)

// MaxBodyBytes is the largest request body accepted. A team of a hundred
// members fits many times over.
const MaxBodyBytes = 64 << 10

// Handler serves one function's share of the HTTP API (see functions.go).
type Handler struct {
	// The domain services its function serves (see functions.go); the
	// others are nil, and none of its routes calls them.
	events        *convening.EventService
	registrations *convening.RegistrationService
	statements    *convening.StatementService
	staff         *convening.StaffService
	reviews       *convening.ReviewService
	emails        *convening.NoticeService
	organizations *convening.OrganizationService
	privacy       *convening.PrivacyService

	log    *slog.Logger
	routes map[string]route
	// roles are the roles of each route that has them (deploy.Routes):
	// Handle checks them before the route runs.
	roles map[string][]string
}

// route serves one route key.
type route = func(context.Context, *request) (events.APIGatewayV2HTTPResponse, error)

// Handle serves one request. It never returns an error: every failure is a
// problem response, and internal ones are logged, not shown.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, _ error) {
	start := time.Now()
	var who *staffauth.Staff
	defer func() {
		if p := recover(); p != nil {
			resp = h.fail(ctx, &req, fmt.Errorf("panic: %v", p))
		}
		attrs := []any{"route", req.RouteKey, "status", resp.StatusCode,
			"requestId", req.RequestContext.RequestID, "ms", time.Since(start).Milliseconds()}
		if who != nil {
			// Who did it, on every staff call (refused ones too).
			attrs = append(attrs, slog.Group("staff", "sub", who.Sub, "username", who.Username))
		}
		h.log.InfoContext(ctx, "request", attrs...)
	}()
	route, ok := h.routes[req.RouteKey]
	if !ok {
		return h.fail(ctx, &req, errNoRoute), nil
	}
	r := &request{APIGatewayV2HTTPRequest: &req}
	if roles := h.roles[req.RouteKey]; len(roles) > 0 {
		s, err := authorize(r, roles)
		if s.Sub != "" {
			who, r.staff = &s, s
		}
		if err != nil {
			return h.fail(ctx, &req, err), nil
		}
	}
	resp, err := route(ctx, r)
	if err != nil {
		return h.fail(ctx, &req, err), nil
	}
	return resp, nil
}

func (h *Handler) fail(ctx context.Context, req *events.APIGatewayV2HTTPRequest, err error) events.APIGatewayV2HTTPResponse {
	if convening.ErrorCode(err) == convening.EINTERNAL && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// Out of time, not broken: the caller may retry (idempotently).
		h.log.WarnContext(ctx, "request ran out of time", "route", req.RouteKey, "error", err)
		return problemResponse(problem.For(fmt.Errorf("%w: %w", convening.NewError(convening.EUNAVAILABLE, convening.ReasonTimedOut, "The request took too long. Please try again."), err)))
	}
	p := problem.For(err)
	if p.Status >= 500 {
		h.log.ErrorContext(ctx, "request failed", "route", req.RouteKey, "requestId", req.RequestContext.RequestID, "error", err)
	}
	return problemResponse(p)
}

// request wraps the API Gateway request with the helpers routes need.
type request struct {
	*events.APIGatewayV2HTTPRequest
	// staff is the signed-in staff member on a route with roles.
	staff staffauth.Staff
}

// staffActor is the signed-in staff member a staff route acts for, as the
// audit log records them.
func staffActor(r *request) convening.Actor {
	return convening.StaffActor(r.staff.Sub, r.staff.Name())
}

func (r *request) header(name string) string {
	name = strings.ToLower(name)
	for k, v := range r.Headers {
		if strings.ToLower(k) == name {
			return v
		}
	}
	return ""
}

// body returns the raw body, refusing oversized ones.
func (r *request) body() ([]byte, error) {
	b := []byte(r.Body)
	if r.IsBase64Encoded {
		var err error
		if b, err = base64.StdEncoding.DecodeString(r.Body); err != nil {
			return nil, convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is not valid base64.")
		}
	}
	if len(b) > MaxBodyBytes {
		return nil, convening.NewError(problem.ETooLarge, convening.ReasonBodyTooLarge, "The request body is larger than %d KiB.", MaxBodyBytes>>10)
	}
	return b, nil
}

// decode reads a JSON body strictly into v: unknown fields and trailing data
// are errors that name what is wrong.
func (r *request) decode(v any) ([]byte, error) {
	if ct := r.header("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, convening.NewError(problem.EUnsupportedMedia, convening.ReasonUnsupportedMedia, "Send the body as application/json.")
		}
	}
	b, err := r.body()
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body has data after the JSON object.")
	}
	return b, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body must be a JSON object.")
		}
		return convening.InvalidFields("The request body", convening.Field(field, convening.RuleType, "type", jsonKind(typ.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for an unknown field; its message
		// is the only place the field's name is given.
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return convening.InvalidFields("The request body", convening.Field(echo(f), convening.RuleUnknownField))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body ends before the JSON is complete.")
	default:
		return convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is not valid JSON.")
	}
}

// echo bounds what of the caller's input an error repeats back, so that a
// huge field name cannot make a huge answer.
func echo(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

func ok(status int, v any) (events.APIGatewayV2HTTPResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("encode response: %w", err)
	}
	h := baseHeaders()
	h["Content-Type"] = "application/json; charset=utf-8"
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Body: string(body)}, nil
}

// authorize checks a route with roles: the caller must be a signed-in staff
// member (from the claims of the route's JWT authorizer: API Gateway
// verified the token before invoking us, the local runner's gateway
// verifies it the same way) with an access token, in one of the roles.
func authorize(r *request, roles []string) (staffauth.Staff, error) {
	var claims map[string]string
	if a := r.RequestContext.Authorizer; a != nil && a.JWT != nil {
		claims = a.JWT.Claims
	}
	who, err := staffauth.FromClaims(claims)
	if err != nil {
		return who, err
	}
	return who, staffauth.Authorize(who, roles)
}

// bearer returns the bearer token of the request, if any.
func (r *request) bearer() string {
	t, _ := strings.CutPrefix(r.header("Authorization"), "Bearer ")
	return strings.TrimSpace(t)
}

// idempotency returns the request's idempotency scope, or nil without the
// header. The key is hashed with its scope so keys of different events or
// operations never collide.
func (r *request) idempotency(scope string, body []byte) (*convening.Idempotency, error) {
	k := r.header("Idempotency-Key")
	if k == "" {
		return nil, nil
	}
	// At least 16 characters, so that keys from different clients (UUIDs,
	// random strings) do not collide by chance.
	if len(k) < 16 || len(k) > 255 || strings.ContainsFunc(k, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return nil, convening.InvalidFields("The Idempotency-Key header", convening.Field("Idempotency-Key", convening.RuleHeader, "min", 16, "max", 255))
	}
	kh := sha256.Sum256([]byte(scope + "\x00" + k))
	bh := sha256.Sum256(body)
	return &convening.Idempotency{Key: hex.EncodeToString(kh[:]), RequestHash: hex.EncodeToString(bh[:])}, nil
}
