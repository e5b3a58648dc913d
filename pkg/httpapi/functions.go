package httpapi

import (
	"log/slog"
	"maps"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// The HTTP functions' handlers, one constructor per function of
// deploy.Functions, each serving exactly that function's routes of
// deploy.Routes (a test holds the two together). A function that needs no
// manage tokens is given a service without them.

// Events serves the public reads of events (function deploy.Events).
func Events(svc *convening.Service, log *slog.Logger) *Handler {
	h := newHandler(svc, log)
	h.routes = map[string]route{
		"GET /api/events":           h.listEvents,
		"GET /api/events/{eventId}": h.getEvent,
	}
	return h
}

// Register serves team registration (function deploy.Register). The
// service must have manage tokens: the answer carries the team's.
func Register(svc *convening.Service, log *slog.Logger) *Handler {
	h := newHandler(svc, log)
	h.routes = map[string]route{
		"POST /api/events/{eventId}/registrations": h.register,
	}
	return h
}

// Registration serves a team's own registration, read and cancelled with
// its manage token (function deploy.Registration). The service must have
// manage tokens.
func Registration(svc *convening.Service, log *slog.Logger) *Handler {
	h := newHandler(svc, log)
	h.routes = map[string]route{
		"GET /api/registrations/{registrationId}":    h.getRegistration,
		"DELETE /api/registrations/{registrationId}": h.cancelRegistration,
	}
	return h
}

// Admin serves the staff API (function deploy.Admin): every route requires
// a member of the staff group. The service must have the notices
// (Service.WithNotices): staff read the failed ones.
func Admin(svc *convening.Service, log *slog.Logger) *Handler {
	h := newHandler(svc, log)
	h.routes = map[string]route{
		"POST /api/admin/events":                        h.staff(h.createEvent),
		"PATCH /api/admin/events/{eventId}":             h.staff(h.updateEvent),
		"GET /api/admin/events/{eventId}/registrations": h.staff(h.roster),
		"GET /api/admin/notices":                        h.staff(h.notices),
	}
	return h
}

func newHandler(svc *convening.Service, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, log: log}
}

// RouteKeys returns the route keys h serves, sorted.
func (h *Handler) RouteKeys() []string {
	return slices.Sorted(maps.Keys(h.routes))
}

// StaffClaims is what API Gateway's JWT authorizer passes to a staff route
// for a signed-in member of the staff group: the token's claims as strings,
// Cognito's groups claim written the way API Gateway writes an array. The
// local runner's stand-in authorizer and the tests pass the same.
func StaffClaims(subject string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": subject, "cognito:groups": "[" + StaffGroup + "]"},
		},
	}
}
