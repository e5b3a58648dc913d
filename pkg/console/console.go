// Package console is the staff console (the console function, routes
// /staff/*): its pages, server-rendered (html/template), which need no
// JavaScript. Signing staff in, their sessions and the forms' anti-forgery
// tokens are package signin's: it hands every page a signed-in staff
// member in one of the page's roles (deploy.Routes); without a session it
// redirects to the sign-in, without the role it answers 403. Every page
// is a signin.Page behind the front door (package frontdoor), which
// answers its errors with the error page, worded by the error's reason.
package console

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
)

// KeyLabel is the label the console's key is derived under from the
// manage-token secret (tokensecret.Secret.Derive): it needs no secret of
// its own.
const KeyLabel = "lmi-console-v1"

// Service is what the console's pages need of the domain (Services: the
// events, staff's work on registrations, statements' reviews, the emails,
// organizations and privacy). The pages
// decide nothing themselves: every rule, every change and its audit record
// is the service's.
type Service interface {
	Now() time.Time
	Events(ctx context.Context) ([]convening.Event, error)
	Event(ctx context.Context, id string) (convening.Event, error)
	CreateEvent(ctx context.Context, actor convening.Actor, e convening.Event) (convening.Event, error)
	UpdateEvent(ctx context.Context, actor convening.Actor, id string, change convening.EventChange, reason string) (convening.Event, error)
	Roster(ctx context.Context, eventID string, q convening.RosterQuery) (convening.Event, convening.RosterPage, error)
	AllRegistrations(ctx context.Context, eventID string, list convening.Status) (convening.Event, []convening.Registration, error)
	StaffRegistration(ctx context.Context, id string) (convening.Registration, error)
	ValidateTeam(e convening.Event, team convening.Team) (convening.Team, error)
	RegistrationNotices(ctx context.Context, id string) ([]convening.NoticeRecord, error)
	Audit(ctx context.Context, q convening.AuditQuery) ([]convening.AuditRecord, string, error)
	AllAudit(ctx context.Context, eventID string) ([]convening.AuditRecord, error)
	FailedNotices(ctx context.Context, q convening.NoticeQuery) ([]convening.NoticeRecord, error)
	StaffCancel(ctx context.Context, actor convening.Actor, id, reason string) (convening.Registration, error)
	PromoteNow(ctx context.Context, actor convening.Actor, id, reason string) (convening.Registration, error)
	MoveOnWaitlist(ctx context.Context, actor convening.Actor, id string, position int, reason string) (convening.Registration, error)
	ChangeMembers(ctx context.Context, actor convening.Actor, id string, members []convening.Member, reason string) (convening.Registration, error)
	ChangeContact(ctx context.Context, actor convening.Actor, id string, contact convening.Contact, reason string) (convening.Registration, error)
	ResendNotice(ctx context.Context, actor convening.Actor, noticeID, reason string) (convening.NoticeRecord, error)
	CheckIn(ctx context.Context, actor convening.Actor, id, memberID string, undo bool) (convening.Registration, error)
	AddWalkIn(ctx context.Context, actor convening.Actor, id string, member convening.Member, reason string) (convening.Registration, error)
	SubstituteWalkIn(ctx context.Context, actor convening.Actor, id, memberID string, member convening.Member, reason string) (convening.Registration, error)
	ExportOrganization(ctx context.Context, org convening.Organization) (convening.OrganizationData, error)
	EraseOrganization(ctx context.Context, actor convening.Actor, org convening.Organization, reason string) (int, error)

	// Statements of interest, their reviews and decisions, and
	// organizations' histories.
	StatementList(ctx context.Context, reviewer convening.Actor, decider bool, eventID string, f convening.StatementFilter) ([]convening.StatementItem, map[convening.StatementStatus]int, error)
	StatementCounts(ctx context.Context, eventID string) (map[convening.StatementStatus]int, error)
	NextToReview(ctx context.Context, reviewer convening.Actor, eventID string) (convening.Statement, bool, error)
	StaffStatement(ctx context.Context, id string) (convening.Statement, error)
	StatementReviews(ctx context.Context, reviewer convening.Actor, decider bool, statementID string) ([]convening.Review, convening.ReviewSummary, bool, error)
	Review(ctx context.Context, reviewer convening.Actor, statementID string, scores map[string]int, comment string) (convening.Review, error)
	Decide(ctx context.Context, actor convening.Actor, id string, d convening.StaffDecision) (convening.Statement, error)
	ReleaseStaged(ctx context.Context, actor convening.Actor, eventID string) (convening.ReleaseReport, error)
	ExtendDeadline(ctx context.Context, actor convening.Actor, id string, respondBy time.Time, reason string) (convening.Statement, error)
	Reinstate(ctx context.Context, actor convening.Actor, id string, respondBy time.Time, reason string) (convening.Statement, error)
	StatementRecords(ctx context.Context, eventID string) (convening.Event, []convening.StatementRecord, error)
	History(ctx context.Context, org convening.Organization) (convening.OrganizationHistory, error)
	MergeOrganizations(ctx context.Context, actor convening.Actor, from, into convening.Organization, reason string) (convening.OrganizationHistory, error)

	// Fees (fees.go).
	Fees
	// The evaluation survey.
	SurveyPages
	// Teams of an event that may be one organization twice.
	PossibleDuplicates(ctx context.Context, eventID string) ([]convening.PossibleDuplicate, error)
	// Announcements and reminders (announcements.go).
	announcementsService
	// People and their history (people.go).
	PeopleService
}

// Options configure a Handler: its sign-in's (signin.Options), and the
// program's contact at the foot of every page.
type Options struct {
	// Pool, PublicURL, Key, PreviousKeys, HTTPClient, Now and Log are the
	// sign-in's (signin.Options).
	Pool         cognito.Pool
	PublicURL    string
	Key          []byte
	PreviousKeys [][]byte
	HTTPClient   *http.Client
	Now          func() time.Time
	Log          *slog.Logger
	// Contact is the program's contact, at the foot of every page.
	Contact convening.ProgramContact
}

// Handler serves the console's routes: a net/http handler behind the
// front door (frontdoor.Server).
type Handler struct {
	*frontdoor.Server
	svc     Service
	signin  *signin.SignIn
	log     *slog.Logger
	contact convening.ProgramContact
	// public is the site's base URL, for the links of emails previewed.
	public string
}

// New returns the console. ctx carries the HTTP client for the JWKS for
// the handler's whole life.
func New(ctx context.Context, svc Service, sessions staffauth.SessionStore, o Options) (*Handler, error) {
	if !o.Contact.IsZero() {
		if err := o.Contact.Validate(); err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
	}
	in, err := signin.New(ctx, sessions, signin.Options{Pool: o.Pool, PublicURL: o.PublicURL, Key: o.Key, PreviousKeys: o.PreviousKeys,
		HTTPClient: o.HTTPClient, Now: o.Now, Log: o.Log})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	h := &Handler{svc: svc, signin: in, log: o.Log, contact: o.Contact, public: o.PublicURL}
	if h.log == nil {
		h.log = slog.Default()
	}
	pages := map[string]signin.Page{
		"GET /staff":                                                          h.dashboard,
		"GET /staff/events":                                                   h.events,
		"GET /staff/new-event":                                                h.newEvent,
		"POST /staff/events":                                                  h.createEvent,
		"GET /staff/events/{eventId}":                                         h.event,
		"POST /staff/events/{eventId}":                                        h.updateEvent,
		"GET /staff/events/{eventId}/edit":                                    h.editEvent,
		"GET /staff/events/{eventId}/audit":                                   h.audit,
		"GET /staff/events/{eventId}/exports/{file}":                          h.export,
		"GET /staff/events/{eventId}/check-in":                                h.checkInList,
		"POST /staff/events/{eventId}/check-in":                               h.checkIn,
		"GET /staff/events/{eventId}/walk-in":                                 h.walkInForm,
		"POST /staff/events/{eventId}/walk-in":                                h.addWalkIn,
		"GET /staff/registrations/{registrationId}":                           h.team,
		"POST /staff/registrations/{registrationId}/cancel":                   h.cancel,
		"POST /staff/registrations/{registrationId}/move":                     h.move,
		"POST /staff/registrations/{registrationId}/promote":                  h.promote,
		"GET /staff/registrations/{registrationId}/members":                   h.membersForm,
		"POST /staff/registrations/{registrationId}/members":                  h.changeMembers,
		"POST /staff/registrations/{registrationId}/contact":                  h.changeContact,
		"POST /staff/registrations/{registrationId}/emails/{noticeId}/resend": h.resend,
		"GET /staff/events/{eventId}/statements":                              h.statements,
		"GET /staff/events/{eventId}/statements/next":                         h.nextStatement,
		"POST /staff/events/{eventId}/statements/release":                     h.releaseStaged,
		"GET /staff/statements/{statementId}":                                 h.statement,
		"POST /staff/statements/{statementId}/review":                         h.review,
		"POST /staff/statements/{statementId}/decision":                       h.decide,
		"POST /staff/statements/{statementId}/extend":                         h.extend,
		"POST /staff/statements/{statementId}/reinstate":                      h.reinstate,
		"GET /staff/organizations":                                            h.organization,
		"POST /staff/organizations/merge":                                     h.merge,
		"GET /staff/events/{eventId}/questions":                               h.questions,
		"POST /staff/events/{eventId}/questions":                              h.saveQuestions,
		"GET /staff/events/{eventId}/announcements":                           h.announcementsPage,
		"POST /staff/events/{eventId}/announcements":                          h.announce,
		"GET /staff/events/{eventId}/reminders":                               h.reminders,
		"POST /staff/events/{eventId}/reminders":                              h.saveReminders,
		"GET /staff/failed-emails":                                            h.failedEmails,
		"GET /staff/privacy":                                                  h.privacy,
		"GET /staff/privacy/export":                                           h.exportOrganization,
		"POST /staff/privacy/erase":                                           h.eraseOrganization,
		"GET /staff/events/{eventId}/survey":                                  h.surveyPage,
		"POST /staff/events/{eventId}/survey":                                 h.saveSurvey,
		"POST /staff/events/{eventId}/survey/send":                            h.sendSurvey,
		"POST /staff/events/{eventId}/survey/close":                           h.closeSurvey,
		"GET /staff/events/{eventId}/survey/report":                           h.surveyReport,
		"POST /staff/events/{eventId}/survey/comments":                        h.publishComment,
	}
	maps.Copy(pages, h.feePages())
	maps.Copy(pages, h.peoplePages())
	routes := map[string]frontdoor.Handler{
		"GET " + signin.SignInPath:    in.Start,
		"GET " + signin.CallbackPath:  in.Callback,
		"POST " + signin.SignOutPath:  in.SignOut,
		"GET " + signin.SignedOutPath: h.signedOut,
		"GET /staff/static/{file}":    h.static,
	}
	for key := range routes {
		if rt, ok := deploy.RouteByKey(key); ok && rt.SignedIn() {
			return nil, fmt.Errorf("console: %s has roles in deploy.Routes but is served without a session", key)
		}
	}
	for key, p := range pages {
		rt, ok := deploy.RouteByKey(key)
		if !ok || !rt.SignedIn() {
			return nil, fmt.Errorf("console: page %s has no roles in deploy.Routes", key)
		}
		routes[key] = in.Require(rt.Roles, p)
	}
	// Forms post here; the sign-out redirects on to the managed login, and
	// browsers hold redirects after a form to form-action too.
	csp := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' " + in.LoginOrigin() +
		"; frame-ancestors 'none'; base-uri 'none'"
	if h.Server, err = frontdoor.New(deploy.Console, routes, frontdoor.Options{Errors: h.writeError, ContentSecurityPolicy: csp, Log: h.log}); err != nil {
		return nil, err
	}
	return h, nil
}
