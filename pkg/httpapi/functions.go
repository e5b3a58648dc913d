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
// a member of the staff group.
func Admin(svc *convening.Service, log *slog.Logger) *Handler {
	h := newHandler(svc, log)
	h.routes = map[string]route{
		"POST /api/admin/events":                                                       h.staff(h.createEvent),
		"PATCH /api/admin/events/{eventId}":                                            h.staff(h.updateEvent),
		"GET /api/admin/events/{eventId}/registrations":                                h.staff(h.roster),
		"GET /api/admin/events/{eventId}/audit":                                        h.staff(h.audit),
		"GET /api/admin/events/{eventId}/exports/{file}":                               h.staff(h.export),
		"GET /api/admin/registrations/{registrationId}":                                h.staff(h.team),
		"POST /api/admin/registrations/{registrationId}/cancel":                        h.staff(h.staffCancel),
		"POST /api/admin/registrations/{registrationId}/promote":                       h.staff(h.promoteNow),
		"POST /api/admin/registrations/{registrationId}/move":                          h.staff(h.move),
		"PUT /api/admin/registrations/{registrationId}/members":                        h.staff(h.changeMembers),
		"PUT /api/admin/registrations/{registrationId}/contact":                        h.staff(h.changeContact),
		"POST /api/admin/registrations/{registrationId}/walk-ins":                      h.staff(h.addWalkIn),
		"PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in":    h.staff(h.checkIn(false)),
		"DELETE /api/admin/registrations/{registrationId}/members/{memberId}/check-in": h.staff(h.checkIn(true)),
		"POST /api/admin/notices/{noticeId}/resend":                                    h.staff(h.resend),
		"GET /api/admin/organizations/export":                                          h.staff(h.exportOrganization),
		"POST /api/admin/organizations/erase":                                          h.staff(h.eraseOrganization),
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
