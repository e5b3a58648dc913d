// Package httpapi is the JSON API: it maps requests to the registration
// service and its answers back to JSON. Each HTTP Lambda function has its
// constructor (Events, Register, Registration, Statements, Admin) serving
// exactly its routes of deploy.Routes as a net/http handler behind the
// front door (package frontdoor), which converts API Gateway's events,
// sets the security headers and answers every error as an RFC 9457
// problem document; a request for any other route is a 404 problem.
package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/problem"
	"github.com/calmi/convenings/pkg/staffauth"
)

// MaxBodyBytes is the largest request body accepted. A team of a hundred
// members fits many times over.
const MaxBodyBytes = 64 << 10

// Handler serves one function's share of the HTTP API (see functions.go):
// a net/http handler behind the front door (frontdoor.Server), which
// answers every error as a problem document.
type Handler struct {
	*frontdoor.Server
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
	links         *convening.LinksService
	fees          *convening.FeeService     // staff's fees (fees.go)
	billing       *convening.BillingService // the team's fees (fees.go)
	surveys       *convening.SurveyService
	answers       *convening.SurveyAnswerService
	announcements *convening.AnnouncementService
	people        People
	log           *slog.Logger
}

// route serves one route key.
type route = frontdoor.Handler

// staffActor is the signed-in staff member a staff route acts for, as the
// audit log records them.
func staffActor(r *http.Request) convening.Actor {
	who, _ := frontdoor.Staff(r)
	return convening.StaffActor(who.Sub, who.Name())
}

// body returns the raw body, refusing oversized ones.
func body(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBodyBytes {
		return nil, convening.NewError(problem.ETooLarge, convening.ReasonBodyTooLarge, "The request body is larger than %d KiB.", MaxBodyBytes>>10)
	}
	return b, nil
}

// ok answers v as JSON.
func ok(w http.ResponseWriter, status int, v any) error {
	return frontdoor.JSON(w, status, v)
}

// created answers 201 with v and where it now is (Location); replayed says
// the Idempotency-Key's earlier answer is given again.
func created(w http.ResponseWriter, location string, replayed bool, v any) error {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", location)
	return ok(w, http.StatusCreated, v)
}

// authorize checks a route with roles: the caller must be a signed-in staff
// member (from the claims of the route's JWT authorizer: API Gateway
// verified the token before invoking us, the local runner's gateway
// verifies it the same way) with an access token, in one of the roles.
func authorize(roles []string, h route) route {
	return func(w http.ResponseWriter, r *http.Request) error {
		var claims map[string]string
		if rc, ok := frontdoor.Gateway(r); ok && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
			claims = rc.Authorizer.JWT.Claims
		}
		who, err := staffauth.FromClaims(claims)
		if who.Sub != "" {
			// Who did it, on every staff call (refused ones too).
			frontdoor.SetStaff(r, who)
		}
		if err == nil {
			err = staffauth.Authorize(who, roles)
		}
		if err != nil {
			return err
		}
		return h(w, r)
	}
}

// bearer returns the bearer token of the request, if any.
func bearer(r *http.Request) string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(t)
}

// idempotency returns the request's idempotency scope, or nil without the
// header. The key is hashed with its scope so keys of different events or
// operations never collide.
func idempotency(r *http.Request, scope string, body []byte) (*convening.Idempotency, error) {
	k := r.Header.Get("Idempotency-Key")
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
