// Package console is the staff console (the console function, routes
// /staff/*): signing staff in through the user pool's managed login,
// their server-side sessions, the role check every page makes, and the
// pages. Pages are server-rendered (html/template) and need no JavaScript.
//
// Sign-in is OAuth 2.0's authorization code flow with PKCE, a state and an
// OpenID Connect nonce (golang.org/x/oauth2); the tokens are verified
// against the pool's JWKS (package cognito, with go-oidc). The browser
// gets only a random session secret in an HttpOnly, SameSite=Lax cookie
// (__Host- prefixed and Secure over HTTPS); the tokens never reach a page
// or a URL. The session (staffauth.Session) lives in the table: it ends
// after staffauth.MaxSessionAge whatever happens, the staff member's
// groups are checked again with the pool each time the access token they
// came from expires, and signing out deletes it and revokes the refresh
// token.
//
// A page is a Page: the router finds its roles in deploy.Routes and calls
// it only for a signed-in staff member who holds one of them; without a
// session it redirects to the sign-in, without the role it answers 403.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
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
}

// Options configure a Handler.
type Options struct {
	// Pool is the staff's user pool, its console client and managed login.
	Pool cognito.Pool
	// PublicURL is the site's base URL: the pool's client lists
	// PublicURL/staff/callback and PublicURL/staff/signed-out.
	PublicURL string
	// Key (at least 32 bytes, secret, the same for every instance) seals
	// the sign-in state and the refresh tokens and keys the forms.
	Key []byte
	// HTTPClient calls the managed login's token and revocation endpoints
	// and fetches the JWKS; nil means one with a 5 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Handler serves the console's routes.
type Handler struct {
	svc      Service
	sessions staffauth.SessionStore
	pool     cognito.Pool
	verifier *cognito.Verifier
	public   string
	seal     *sealer
	formKey  []byte
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger
	routes   map[string]route
}

// Page serves one console page for a signed-in staff member who holds
// one of the page's roles (deploy.Routes).
type Page func(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error)

// route is one route key's handler and the roles it admits (none: public).
type route struct {
	roles  []string
	page   Page                                                     // with roles
	public func(ctx context.Context, r *Request) (*Response, error) // without
}

// New returns the console. ctx carries the HTTP client for the JWKS for
// the handler's whole life.
func New(ctx context.Context, svc Service, sessions staffauth.SessionStore, o Options) (*Handler, error) {
	if len(o.Key) < 32 {
		return nil, errors.New("console: the key must be at least 32 bytes")
	}
	if o.Pool.Issuer == "" || o.Pool.ClientID == "" || o.Pool.LoginURL == "" {
		return nil, errors.New("console: the user pool's issuer, client id and login URL are required")
	}
	if u, err := url.Parse(o.PublicURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("console: the public URL %q is not an absolute http(s) URL", o.PublicURL)
	}
	h := &Handler{svc: svc, sessions: sessions, pool: o.Pool, public: strings.TrimRight(o.PublicURL, "/"),
		client: o.HTTPClient, now: o.Now, log: o.Log}
	if h.client == nil {
		h.client = &http.Client{Timeout: 5 * time.Second}
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	var err error
	if h.seal, err = newSealer(derive(o.Key, "seal")); err != nil {
		return nil, err
	}
	h.formKey = derive(o.Key, "form")
	h.verifier = cognito.NewVerifier(ctx, o.Pool, cognito.VerifierOptions{Now: h.now, HTTPClient: h.client})

	pages := map[string]Page{
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
		"GET /staff/failed-emails":                                            h.failedEmails,
		"GET /staff/privacy":                                                  h.privacy,
		"GET /staff/privacy/export":                                           h.exportOrganization,
		"POST /staff/privacy/erase":                                           h.eraseOrganization,
	}
	public := map[string]func(context.Context, *Request) (*Response, error){
		"GET /staff/sign-in":       h.signIn,
		"GET /staff/callback":      h.callback,
		"POST /staff/sign-out":     h.signOut,
		"GET /staff/signed-out":    h.signedOut,
		"GET /staff/static/{file}": h.static,
	}
	h.routes = map[string]route{}
	for key, p := range pages {
		rt, ok := deploy.RouteByKey(key)
		if !ok || !rt.SignedIn() {
			return nil, fmt.Errorf("console: page %s has no roles in deploy.Routes", key)
		}
		h.routes[key] = route{roles: rt.Roles, page: p}
	}
	for key, p := range public {
		if rt, ok := deploy.RouteByKey(key); ok && rt.SignedIn() {
			return nil, fmt.Errorf("console: %s has roles in deploy.Routes but is served without a session", key)
		}
		h.routes[key] = route{public: p}
	}
	return h, nil
}

// RouteKeys returns the route keys h serves, sorted.
func (h *Handler) RouteKeys() []string { return slices.Sorted(maps.Keys(h.routes)) }

// serve runs one route: a page only for a signed-in staff member in one
// of its roles, and a form only with its anti-forgery token. Errors of the
// domain become error pages worded by their reason; only internal ones
// are returned.
func (h *Handler) serve(ctx context.Context, r *Request) (*Response, *staffauth.Staff, error) {
	rt, ok := h.routes[r.Route]
	if !ok {
		return h.errorPage(r, nil, http.StatusNotFound), nil, nil
	}
	if rt.page == nil {
		resp, err := rt.public(ctx, r)
		return resp, nil, err
	}
	who, err := h.Staff(ctx, r, rt.roles...)
	switch convening.ErrorCode(err) {
	case "":
	case convening.EUNAUTHORIZED:
		return redirect("/staff/sign-in?" + url.Values{"next": {r.target()}}.Encode()), nil, nil
	case convening.EFORBIDDEN:
		return h.errorPageFor(r, &who, http.StatusForbidden, err), &who, nil
	default:
		return nil, nil, err
	}
	if r.Method == http.MethodPost && !h.checkForm(r, r.sessionID, purposeForm) {
		h.log.WarnContext(ctx, "console form refused", "route", r.Route, staffAttr(who))
		return h.errorPageFor(r, &who, http.StatusForbidden, errFormExpired), &who, nil
	}
	resp, err := rt.page(ctx, r, who)
	if code := convening.ErrorCode(err); code != "" && code != convening.EINTERNAL {
		return h.errorPageFor(r, &who, 0, err), &who, nil
	}
	return resp, &who, err
}

// Staff returns the staff member signed in on r, if they hold one of roles
// (members of the staff group always do). It is the check every page
// makes (the router makes it from deploy.Routes before calling a Page).
//
// Errors: EUNAUTHORIZED (staffauth.ErrSignInRequired) without a live
// session; EFORBIDDEN (staffauth.Authorize's reasons) without the role, with
// the staff member returned all the same, for the 403 page.
func (h *Handler) Staff(ctx context.Context, r *Request, roles ...string) (staffauth.Staff, error) {
	s, err := h.session(ctx, r)
	if err != nil {
		return staffauth.Staff{}, err
	}
	return s.Staff, staffauth.Authorize(s.Staff, roles)
}

// derive returns a key for one purpose from the console's key.
func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("lmi-console-" + purpose + "-v1"))
	return m.Sum(nil)
}
