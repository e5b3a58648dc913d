// Package web is the registration website teams use: server-rendered pages
// (html/template) listing the upcoming events, each event with its team
// registration form (or, for an event that admits teams by statement of
// interest, the statement form), the confirmation, the private manage page
// with its calendar file, cancellation and waiting-list offer, the
// statement's private page (who has confirmed, the invitation, accept and
// decline) and each member's confirmation page. The pages work without
// JavaScript; a small script only adds and removes member rows in place,
// counts the characters of the answers and guards against a second click.
//
// It is a net/http handler behind the front door (package frontdoor, which
// converts API Gateway's events, sets the security headers, among them a
// strict Content-Security-Policy, and answers errors with the error
// page); the pages see no AWS types. Every page is a frontdoor.Handler
// that returns its error. Forms are
// protected against cross-site request forgery by an HMAC token bound to a
// SameSite=Strict cookie; a double submit of the registration form
// registers once (an idempotency key in a hidden field). The manage token
// is never logged, and pages link to no other origin and send no Referer.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
)

// MaxBodyBytes is the largest form accepted.
const MaxBodyBytes = 64 << 10

// CSRFKeyLabel is the label the forms' key is derived under from the
// manage-token secret (tokensecret.Secret.Derive), so that the website
// needs no secret of its own.
const CSRFKeyLabel = "lmi-web-csrf-v1"

// Options configure a Handler.
type Options struct {
	// CSRFKey signs the forms' anti-forgery tokens; at least 32 bytes,
	// secret, the same for every instance of the function.
	CSRFKey []byte
	// CSRFPreviousKeys still verify (tokens of forms loaded before the
	// secret rotated); only CSRFKey signs.
	CSRFPreviousKeys [][]byte
	Log              *slog.Logger
	// Contact is the program's contact, at the foot of every page; zero:
	// "CA LMI staff", without an address.
	Contact convening.ProgramContact
}

// Service is what the website needs of the domain (Services: the events,
// teams' registrations and statements).
type Service interface {
	Now() time.Time
	Events(ctx context.Context) ([]convening.Event, error)
	Event(ctx context.Context, id string) (convening.Event, error)
	ValidateTeam(e convening.Event, team convening.Team) (convening.Team, error)
	Register(ctx context.Context, eventID string, team convening.Team, idem *convening.Idempotency) (convening.Registration, string, bool, error)
	Registration(ctx context.Context, id, token string) (convening.Registration, error)
	Cancel(ctx context.Context, id, token string) (convening.Registration, error)
	// Waiting-list offers.
	AcceptOffer(ctx context.Context, id, token string) (convening.Registration, error)
	// The team's answers to the event's questions.
	ChangeAnswers(ctx context.Context, id, token string, change convening.AnswersChange) (convening.Registration, error)
	// Statements of interest.
	SubmitStatement(ctx context.Context, eventID string, team convening.Team, experience, reasons string, idem *convening.Idempotency) (convening.Statement, string, bool, error)
	Statement(ctx context.Context, id, token string) (convening.Statement, error)
	StatementRegistration(ctx context.Context, id, token string) (convening.Registration, string, error)
	AcceptInvitation(ctx context.Context, id, token string) (convening.Registration, string, convening.Statement, error)
	DeclineStatement(ctx context.Context, id, token string) (convening.Statement, error)
	MemberStatement(ctx context.Context, statementID, memberID, token string) (convening.Statement, error)
	ConfirmMember(ctx context.Context, statementID, memberID, token string) (convening.Statement, error)
	// A team's own changes, each member's page, and links sent again.
	ChangeTeam(ctx context.Context, id, token string, change convening.TeamChange) (convening.Registration, error)
	Attendee(ctx context.Context, id, memberID, token string) (convening.Registration, error)
	SetAttendance(ctx context.Context, id, memberID, token string, cantAttend bool) (convening.Registration, error)
	SendLinks(ctx context.Context, email, client string) error
	ChangeStatementMembers(ctx context.Context, id, token string, members []convening.Member) (convening.Statement, error)
	ResendMemberLink(ctx context.Context, id, token, memberID string) (convening.Statement, error)
	DeclineMember(ctx context.Context, statementID, memberID, token string) (convening.Statement, error)
	// Fees (fees.go).
	Billing
	// The evaluation survey.
	SurveyPages
	// Teams of the event that look like one about to register.
	LookAlikes(ctx context.Context, eventID string, team convening.Team) ([]convening.Resemblance, error)
	// People: a person registering on their own, who qualifies under an
	// event's rule, the events a registration offers besides (a
	// pre-conference), the join links of online events, and the
	// participation list.
	RegisterPerson(ctx context.Context, eventID string, p convening.Person, idem *convening.Idempotency) (convening.Registration, string, bool, error)
	CheckTeam(ctx context.Context, eventID string, team convening.Team) (convening.Eligibility, error)
	RelatedOffers(ctx context.Context, eventID string, team convening.Team) ([]convening.RelatedOffer, error)
	JoinToken(registrationID, memberID string) string
	Join(ctx context.Context, registrationID, memberID, token string) (convening.Join, error)
	Participation(ctx context.Context) (convening.ParticipationList, error)
}

// Handler serves the website: a net/http handler behind the front door
// (frontdoor.Server), which answers errors with the error page.
type Handler struct {
	*frontdoor.Server
	svc     Service
	billing Billing // svc's fees
	csrf    []byte
	// csrfPrevious verify as csrf does; they never sign.
	csrfPrevious [][]byte
	log          *slog.Logger
	contact      *contactView
}

// New returns the website's handler.
func New(svc Service, opts Options) (*Handler, error) {
	if len(opts.CSRFKey) < 32 {
		return nil, errors.New("web: the CSRF key must be at least 32 bytes")
	}
	if !opts.Contact.IsZero() {
		if err := opts.Contact.Validate(); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
	}
	h := &Handler{svc: svc, billing: svc, csrf: append([]byte(nil), opts.CSRFKey...), csrfPrevious: opts.CSRFPreviousKeys, log: opts.Log,
		contact: newContactView(opts.Contact)}
	if h.log == nil {
		h.log = slog.Default()
	}
	var err error
	h.Server, err = frontdoor.New(deploy.Web, map[string]frontdoor.Handler{
		"GET /":                                                   h.home,
		"GET /events/{eventId}":                                   h.eventPage,
		"POST /events/{eventId}":                                  h.submitTeam,
		"GET /manage/{registrationId}":                            h.managePage,
		"POST /manage/{registrationId}/cancel":                    h.cancel,
		"GET /manage/{registrationId}/calendar.ics":               h.calendarFile,
		"POST /manage/{registrationId}/accept":                    h.acceptOffer,
		"POST /events/{eventId}/statements":                       h.submitStatement,
		"GET /statements/{statementId}":                           h.statementPage,
		"POST /statements/{statementId}/accept":                   h.acceptInvitation,
		"POST /statements/{statementId}/decline":                  h.declineStatement,
		"GET /statements/{statementId}/members/{memberId}":        h.memberPage,
		"POST /statements/{statementId}/members/{memberId}":       h.confirmMember,
		"GET /static/{file}":                                      h.static,
		"GET /manage/{registrationId}/team":                       h.teamPage,
		"POST /manage/{registrationId}/team":                      h.changeTeam,
		"GET /registrations/{registrationId}/members/{memberId}":  h.attendeePage,
		"POST /registrations/{registrationId}/members/{memberId}": h.attendance,
		"GET /links":                          h.linksPage,
		"POST /links":                         h.requestLinks,
		"GET /statements/{statementId}/team":  h.statementTeamPage,
		"POST /statements/{statementId}/team": h.changeStatementTeam,
		"POST /statements/{statementId}/members/{memberId}/resend": h.resendMemberLink,
		// Fees (fees.go).
		"GET /manage/{registrationId}/billing":              h.billingPage,
		"POST /manage/{registrationId}/billing":             h.saveBilling,
		"GET /manage/{registrationId}/invoices/{invoiceId}": h.teamInvoice,
		"GET /manage/{registrationId}/w9":                   h.teamW9,
		"GET /invoices/{invoiceId}":                         h.invoicePage,
		"GET /invoices/{invoiceId}/pdf":                     h.invoicePDF,
		"GET /invoices/{invoiceId}/w9":                      h.invoiceW9,
		// The evaluation survey.
		"GET /surveys/{eventId}/{personId}":  h.surveyPage,
		"POST /surveys/{eventId}/{personId}": h.answerSurvey,
		// The event's own questions (questions.go).
		"GET /manage/{registrationId}/answers":  h.answersPage,
		"POST /manage/{registrationId}/answers": h.saveAnswers,
		// People (people.go).
		"POST /events/{eventId}/individuals":    h.submitPerson,
		"GET /join/{registrationId}/{memberId}": h.join,
		"GET /participation":                    h.participation,
	}, frontdoor.Options{Errors: h.writeError, ContentSecurityPolicy: ContentSecurityPolicy, Log: h.log})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// readForm reads a posted form.
func readForm(r *http.Request) (url.Values, error) {
	return frontdoor.Form(r, MaxBodyBytes)
}

var errNoPage = convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute, "No such page.")

// ContentSecurityPolicy allows only the site's own stylesheet, script and
// form targets; no inline code, no frames, no other origin.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// writeError is the website's ErrorWriter: a friendly page that says what
// happened in plain words and nothing about the cause; API clients that
// asked for a path the API does not have (API Gateway's $default route
// sends them here) get the API's own problem document.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		frontdoor.Problem(w, r, status, err)
		return
	}
	h.errorPage(w, status)
}

// --- Cross-site request forgery ---

// csrfCookieName is the anti-forgery cookie's name (__Host- over HTTPS).
func csrfCookieName(r *http.Request) string { return frontdoor.CookieName(r, "lmi_csrf") }

// csrfNonce returns the browser's anti-forgery nonce, creating one (and the
// cookie that carries it) if the request has none.
func (h *Handler) csrfNonce(w http.ResponseWriter, r *http.Request) string {
	name := csrfCookieName(r)
	if n := frontdoor.Cookie(r, name); validNonce(n) {
		return n
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	n := base64.RawURLEncoding.EncodeToString(b[:])
	c := name + "=" + n + "; Path=/; Max-Age=86400; HttpOnly; SameSite=Strict"
	if frontdoor.Secure(r) {
		c += "; Secure"
	}
	w.Header().Add("Set-Cookie", c)
	r.AddCookie(&http.Cookie{Name: name, Value: n}) // later forms in this answer use it too
	return n
}

func validNonce(n string) bool {
	b, err := base64.RawURLEncoding.DecodeString(n)
	return err == nil && len(b) == 18
}

// csrfToken binds a form's purpose to the browser's nonce.
func (h *Handler) csrfToken(nonce, purpose string) string { return csrfToken(h.csrf, nonce, purpose) }

func csrfToken(key []byte, nonce, purpose string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("lmi-csrf-v1\x00" + nonce + "\x00" + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether a form post comes from this site's own form:
// the token must match the nonce cookie (which another site can neither
// read nor send, SameSite=Strict) and, when the browser says where the
// request comes from (Sec-Fetch-Site, Origin), that must be this site.
func (h *Handler) checkCSRF(r *http.Request, purpose string) bool {
	if !frontdoor.SameSite(r) {
		return false
	}
	nonce := frontdoor.Cookie(r, csrfCookieName(r))
	if !validNonce(nonce) {
		return false
	}
	f, err := readForm(r)
	if err != nil {
		return false
	}
	got := []byte(f.Get("csrf"))
	ok := hmac.Equal(got, []byte(h.csrfToken(nonce, purpose)))
	for _, key := range h.csrfPrevious {
		ok = hmac.Equal(got, []byte(csrfToken(key, nonce, purpose))) || ok
	}
	return ok
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
