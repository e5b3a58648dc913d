package httpapi

import (
	"log/slog"
	"maps"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
)

// The HTTP functions' handlers, one constructor per function of
// deploy.Functions, each serving exactly that function's routes of
// deploy.Routes (a test holds the two together), given exactly the domain
// services those routes call.

// Events serves the public reads of events (function deploy.Events).
func Events(events *convening.EventService, history *convening.HistoryService, log *slog.Logger) *Handler {
	h := &Handler{events: events, people: People{History: history}, log: log}
	return h.serve(deploy.Events, map[string]route{
		"GET /api/events":           h.listEvents,
		"GET /api/events/{eventId}": h.getEvent,
		"GET /api/participation":    h.participation,
	})
}

// Register serves team registration (function deploy.Register).
func Register(registrations *convening.RegistrationService, eligibility *convening.EligibilityService, log *slog.Logger) *Handler {
	h := &Handler{registrations: registrations, people: People{Eligibility: eligibility}, log: log}
	return h.serve(deploy.Register, map[string]route{
		"POST /api/events/{eventId}/registrations": h.register,
		"POST /api/events/{eventId}/eligibility":   h.checkEligibility,
	})
}

// Registration serves a team's own registration, read, changed and
// cancelled with its manage token, each member's own view of it with their
// personal token, a person's request for their private links, and the
// team's fees (function deploy.Registration).
func Registration(registrations *convening.RegistrationService, links *convening.LinksService, billing *convening.BillingService, log *slog.Logger) *Handler {
	h := &Handler{registrations: registrations, links: links, billing: billing, log: log}
	routes := map[string]route{
		"GET /api/registrations/{registrationId}":                             h.getRegistration,
		"PATCH /api/registrations/{registrationId}":                           h.patchRegistration,
		"DELETE /api/registrations/{registrationId}":                          h.cancelRegistration,
		"POST /api/registrations/{registrationId}/accept":                     h.acceptOffer,
		"GET /api/registrations/{registrationId}/members/{memberId}":          h.getAttendee,
		"POST /api/registrations/{registrationId}/members/{memberId}/decline": h.memberAttendance(true),
		"POST /api/registrations/{registrationId}/members/{memberId}/confirm": h.memberAttendance(false),
		"POST /api/links": h.requestLinks,
	}
	maps.Copy(routes, h.teamFeeRoutes())
	return h.serve(deploy.Registration, routes)
}

// Statements serves statements of interest (function deploy.Statements):
// the team submits one, reads it, accepts its invitation or declines with
// its manage token, and each member confirms with their personal token.
func Statements(statements *convening.StatementService, log *slog.Logger) *Handler {
	h := &Handler{statements: statements, log: log}
	return h.serve(deploy.Statements, map[string]route{
		"POST /api/events/{eventId}/statements":                         h.submitStatement,
		"GET /api/statements/{statementId}":                             h.getStatement,
		"POST /api/statements/{statementId}/accept":                     h.acceptInvitation,
		"POST /api/statements/{statementId}/decline":                    h.declineStatement,
		"POST /api/statements/{statementId}/members/{memberId}/confirm": h.confirmMember,
		"POST /api/statements/{statementId}/members/{memberId}/decline": h.declineMember,
		"PATCH /api/statements/{statementId}":                           h.changeStatementMembers,
		"POST /api/statements/{statementId}/members/{memberId}/resend":  h.resendMemberLink,
	})
}

// Surveys serves the evaluation survey to a person who came (function
// deploy.Surveys): they read it and answer it once, with their personal
// token.
func Surveys(answers *convening.SurveyAnswerService, log *slog.Logger) *Handler {
	h := &Handler{answers: answers, log: log}
	return h.serve(deploy.Surveys, map[string]route{
		"GET /api/surveys/{eventId}/{personId}":           h.getPersonalSurvey,
		"POST /api/surveys/{eventId}/{personId}/response": h.answerSurvey,
	})
}

// Admin serves the staff API (function deploy.Admin): every route requires
// a signed-in staff member in one of the route's roles (deploy.Routes).
func Admin(events *convening.EventService, staff *convening.StaffService, reviews *convening.ReviewService,
	notices *convening.NoticeService, organizations *convening.OrganizationService, privacy *convening.PrivacyService,
	fees *convening.FeeService, surveys *convening.SurveyService, announcements *convening.AnnouncementService, people People, log *slog.Logger) *Handler {
	h := &Handler{events: events, staff: staff, reviews: reviews, emails: notices, organizations: organizations, privacy: privacy,
		fees: fees, surveys: surveys, announcements: announcements, people: people, log: log}
	routes := map[string]route{
		"POST /api/admin/events":                                                       h.createEvent,
		"PATCH /api/admin/events/{eventId}":                                            h.updateEvent,
		"GET /api/admin/events/{eventId}/registrations":                                h.roster,
		"GET /api/admin/events/{eventId}/audit":                                        h.audit,
		"GET /api/admin/events/{eventId}/exports/{file}":                               h.export,
		"GET /api/admin/registrations/{registrationId}":                                h.team,
		"POST /api/admin/registrations/{registrationId}/cancel":                        h.staffCancel,
		"POST /api/admin/registrations/{registrationId}/promote":                       h.promoteNow,
		"POST /api/admin/registrations/{registrationId}/move":                          h.move,
		"PUT /api/admin/registrations/{registrationId}/members":                        h.changeMembers,
		"PUT /api/admin/registrations/{registrationId}/contact":                        h.changeContact,
		"POST /api/admin/registrations/{registrationId}/walk-ins":                      h.addWalkIn,
		"PUT /api/admin/registrations/{registrationId}/members/{memberId}/check-in":    h.checkIn(false),
		"DELETE /api/admin/registrations/{registrationId}/members/{memberId}/check-in": h.checkIn(true),
		"GET /api/admin/notices":                                                       h.notices,
		"POST /api/admin/notices/{noticeId}/resend":                                    h.resend,
		"GET /api/admin/organizations/export":                                          h.exportOrganization,
		"POST /api/admin/organizations/erase":                                          h.eraseOrganization,
		"GET /api/admin/organizations/history":                                         h.organizationHistory,
		"POST /api/admin/organizations/merge":                                          h.mergeOrganizations,
		"GET /api/admin/events/{eventId}/statements":                                   h.listStatements,
		"GET /api/admin/events/{eventId}/statements/next":                              h.nextToReview,
		"POST /api/admin/events/{eventId}/statements/release":                          h.releaseStaged,
		"GET /api/admin/statements/{statementId}":                                      h.staffStatement,
		"POST /api/admin/statements/{statementId}/reviews":                             h.review,
		"POST /api/admin/statements/{statementId}/decision":                            h.decide,
		"POST /api/admin/statements/{statementId}/extend":                              h.deadline(false),
		"POST /api/admin/statements/{statementId}/reinstate":                           h.deadline(true),
		"GET /api/admin/events/{eventId}/announcements":                                h.listAnnouncements,
		"POST /api/admin/events/{eventId}/announcements":                               h.sendAnnouncement,
		"POST /api/admin/events/{eventId}/announcements/preview":                       h.previewAnnouncement,
		"POST /api/admin/events/{eventId}/announcements/test":                          h.testAnnouncement,
		"GET /api/admin/events/{eventId}/announcements/{announcementId}":               h.getAnnouncement,
		"PATCH /api/admin/registrations/{registrationId}/answers":                      h.staffChangeAnswers,
		// The evaluation survey.
		"GET /api/admin/events/{eventId}/survey":                      h.getSurvey,
		"PUT /api/admin/events/{eventId}/survey":                      h.putSurvey,
		"POST /api/admin/events/{eventId}/survey/send":                h.sendSurvey,
		"POST /api/admin/events/{eventId}/survey/close":               h.closeSurvey,
		"GET /api/admin/events/{eventId}/survey/report":               h.surveyReport,
		"PUT /api/admin/events/{eventId}/survey/comments/{commentId}": h.publishComment,
	}
	maps.Copy(routes, h.feeRoutes())
	maps.Copy(routes, h.peopleRoutes())
	return h.serve(deploy.Admin, routes)
}

// peopleRoutes are the staff API's routes of people and their history.
func (h *Handler) peopleRoutes() map[string]route {
	return map[string]route{
		"GET /api/admin/events/{eventId}/online":                                         h.getOnline,
		"PUT /api/admin/events/{eventId}/online":                                         h.putOnline,
		"PUT /api/admin/events/{eventId}/eligibility":                                    h.putEligibility,
		"POST /api/admin/events/{eventId}/eligibility/preview":                           h.previewEligibility,
		"GET /api/admin/events/{eventId}/exemptions":                                     h.exemptions,
		"POST /api/admin/events/{eventId}/exemptions":                                    h.exempt,
		"GET /api/admin/events/{eventId}/attendance":                                     h.attendance,
		"POST /api/admin/events/{eventId}/attendance/report":                             h.uploadReport,
		"PUT /api/admin/events/{eventId}/attendance/{registrationId}/members/{memberId}": h.overrideAttendance,
		"POST /api/admin/events/{eventId}/attendance/unmatched/{key}":                    h.resolveParticipant,
		"GET /api/admin/imports":                                                         h.imports,
		"POST /api/admin/imports":                                                        h.importRoster,
		"GET /api/admin/imports/{importId}":                                              h.getImport,
		"POST /api/admin/imports/{importId}/rows/{line}":                                 h.resolveRow,
		"GET /api/admin/people/{personKey}":                                              h.person,
		"POST /api/admin/people/{personKey}/erase":                                       h.erasePerson,
		"GET /api/admin/organizations/attendance":                                        h.organizationAttendance,
		"GET /api/admin/participants":                                                    h.participants,
		"PUT /api/admin/participants/opt-out":                                            h.optOut,
		"GET /api/admin/networks":                                                        h.networks,
		"PUT /api/admin/networks/{networkId}":                                            h.putNetwork,
		"GET /api/admin/networks/{networkId}":                                            h.networkReport,
		"GET /api/admin/history-audit":                                                   h.historyAudit,
	}
}

// serve puts the function's routes behind the front door: every route
// with roles (deploy.Routes) checks them first, from the one route table,
// so a route cannot be added without its check.
func (h *Handler) serve(function string, routes map[string]route) *Handler {
	if h.log == nil {
		h.log = slog.Default()
	}
	for key, serve := range routes {
		if rt, ok := deploy.RouteByKey(key); ok && rt.SignedIn() {
			routes[key] = authorize(rt.Roles, serve)
		}
	}
	s, err := frontdoor.New(function, routes, frontdoor.Options{Log: h.log})
	if err != nil {
		panic(err) // the handlers and deploy.Routes disagree: a bug, caught by every test
	}
	h.Server = s
	return h
}

// StaffClaims is what API Gateway's JWT authorizer passes to a staff route
// for a signed-in member of the given groups (deploy.RoleStaff, ...): a
// Cognito access token's claims as strings, an array such as
// cognito:groups written the way API Gateway writes it ("[staff]"), and
// the token's scopes. The tests pass the same; the local runner's gateway
// passes the claims of the real token it verified.
func StaffClaims(subject string, groups ...string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	claims := map[string]string{
		"sub": subject, "username": subject, "token_use": "access",
		"client_id": "example-client", "scope": deploy.StaffAPIScope,
		"iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE",
	}
	if len(groups) > 0 {
		claims["cognito:groups"] = "[" + strings.Join(groups, " ") + "]"
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: claims, Scopes: []string{deploy.StaffAPIScope},
		},
	}
}
