package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/calendar"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/problem"
)

// --- Upcoming events ---

type homeView struct{ Events []eventView }

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	list, err := h.svc.Events(ctx)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	var v homeView
	for _, e := range list {
		if e.EndsAt.After(now) {
			v.Events = append(v.Events, newEventView(e, now))
		}
	}
	return h.render(w, http.StatusOK, "home", "Upcoming events", v, false)
}

// --- The event and its team form ---

type roleOption struct{ Value, Label string }

type eventPageView struct {
	Event      eventView
	Form       teamForm
	Person     personForm
	CoreRoles  []string
	OtherRoles []string
	Roles      []roleOption
	Counties   []string
	// AnswerMax and AnswerMin bound each answer of the statement form.
	AnswerMax, AnswerMin int
	// Fee is the event's price, nil for a free event (fees.go).
	Fee *feeView
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return h.showForm(w, r, http.StatusOK, e, newTeamForm(e))
}

// newTeamForm is an empty form for the event: a row for each role the
// event requires, with the role chosen, or one empty row.
func newTeamForm(e convening.Event) teamForm {
	form := teamForm{MaxMembers: e.MaxTeamSize, Idem: randomKey()}
	for _, role := range e.RequiredRoles {
		if len(form.Members) < rowLimit(e.MaxTeamSize) {
			form.Members = append(form.Members, memberRow{Role: string(role)})
		}
	}
	form.renumber()
	return form
}

// formPurpose is what a form's anti-forgery token is bound to: the
// registration or the statement form of one event.
func formPurpose(e convening.Event, statement bool) string {
	if statement {
		return "statement:" + e.ID
	}
	return "register:" + e.ID
}

// showForm renders the event page with the form as given and a fresh
// anti-forgery token. The form is the one the event takes (a registration
// posted to an event that takes statements comes back as a statement form,
// its team kept).
func (h *Handler) showForm(w http.ResponseWriter, r *http.Request, status int, e convening.Event, form teamForm) error {
	return h.showEventPage(w, r, status, e, form, newPersonForm())
}

// showEventPage renders the event page with its forms as given (the team
// form, and the form of a person registering on their own), each with a
// fresh anti-forgery token.
func (h *Handler) showEventPage(w http.ResponseWriter, r *http.Request, status int, e convening.Event, form teamForm, person personForm) error {
	ev := newEventView(e, h.svc.Now())
	form.Statement, form.Full = ev.Statement, ev.State == convening.WindowFull
	if !form.Statement {
		form.drawQuestions(e) // the event's own questions (questions.go)
	}
	nonce := h.csrfNonce(w, r)
	form.CSRF = h.csrfToken(nonce, formPurpose(e, form.Statement))
	person.CSRF = h.csrfToken(nonce, personPurpose(e))
	policy, err := h.billing.EventFee(r.Context(), e.ID)
	if err != nil {
		return err
	}
	form.Fee = newFeeView(policy)
	form.Charges = !form.Statement && policy.Charges()
	if form.Billing == (billingForm{}) {
		form.Billing.State = "CA"
	}
	v := eventPageView{Event: ev, Form: form, Person: person, Counties: convening.Counties, AnswerMax: AnswerMax, AnswerMin: AnswerMin, Fee: form.Fee}
	for _, role := range convening.Roles {
		v.Roles = append(v.Roles, roleOption{Value: string(role), Label: role.Label()})
	}
	for _, role := range convening.CoreRoles {
		v.CoreRoles = append(v.CoreRoles, role.Label())
	}
	for _, role := range convening.Roles[len(convening.CoreRoles):] {
		if role != convening.RoleOther {
			v.OtherRoles = append(v.OtherRoles, strings.ToLower(role.Label()))
		}
	}
	title := e.Title
	if len(form.Summary) > 0 || form.Problem != "" || len(person.Summary) > 0 || person.Problem != "" {
		title = "Error: " + title
	}
	return h.render(w, status, "event", title, v, true)
}

var idemKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// readTeamPost reads a posted team form (registration or statement, by
// parse) for its event, with an idempotency key (the form's, or a new
// one). Adding or removing a member row (without JavaScript) changes
// nothing but the form: then the page is answered, and answered is true.
func (h *Handler) readTeamPost(w http.ResponseWriter, r *http.Request, parse func(url.Values, int) teamForm) (e convening.Event, form teamForm, answered bool, err error) {
	ctx := r.Context()
	if e, err = h.svc.Event(ctx, r.PathValue("eventId")); err != nil {
		return e, form, false, err
	}
	f, err := readForm(r)
	if err != nil {
		return e, form, false, err
	}
	form = parse(f, e.MaxTeamSize)
	form.readFormAnswers(e, f) // the event's own questions (questions.go)
	form.Idem = f.Get("idem")
	if !idemKeyRE.MatchString(form.Idem) {
		form.Idem = randomKey()
	}
	switch op := f.Get("op"); {
	case op == "add":
		form.addRow()
		return e, form, true, h.showForm(w, r, http.StatusOK, e, form)
	case strings.HasPrefix(op, "remove-"):
		i, _ := strconv.Atoi(strings.TrimPrefix(op, "remove-"))
		form.removeRow(i)
		return e, form, true, h.showForm(w, r, http.StatusOK, e, form)
	case op == "check":
		// Which members qualify under the event's rule, before submitting.
		if err := h.checkMembers(ctx, e, &form); err != nil {
			return e, form, true, err
		}
		return e, form, true, h.showForm(w, r, http.StatusOK, e, form)
	case op == "offer":
		// The members a registration for the parent event picked for this
		// one (a Summer Institute's pre-conference): registered as a team.
		form.pickOffered(f)
	}
	return e, form, false, nil
}

func (h *Handler) submitTeam(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, form, answered, err := h.readTeamPost(w, r, parseTeamForm)
	if err != nil || answered {
		return err
	}
	// An event that takes statements answers a registration with the
	// statement form, the team kept (a page loaded before, or a crafted
	// post); outside its window, with why there is no form.
	if err := e.CheckAdmission(convening.AdmissionOpen); err != nil {
		if werr := e.CheckStatementWindow(h.svc.Now()); werr != nil {
			err = werr
		}
		form.Statement = true
		form.Problem = problemText(err, form, "")
		return h.showForm(w, r, problem.Status(err), e, form)
	}
	switch ev := newEventView(e, h.svc.Now()); ev.State {
	case convening.WindowSoon:
		form.Problem = "Registration for this event is not open yet. It opens " + dateTime(e.RegistrationOpensAt) + "."
		return h.showForm(w, r, http.StatusConflict, e, form)
	case convening.WindowClosed:
		form.Problem = "Registration for this event is closed."
		return h.showForm(w, r, http.StatusConflict, e, form)
	}
	if !h.checkCSRF(r, formPurpose(e, false)) {
		form.Problem = "For your security, please check your details and press “Register our team” again."
		return h.showForm(w, r, http.StatusForbidden, e, form)
	}
	form.dropEmptyRows()
	team := form.teamWithAnswers()
	normal, err := h.validateRegistration(e, team)
	// The billing details are checked with the team, before anything is
	// stored: a mistake in either stores nothing (fees.go).
	policy, perr := h.billing.EventFee(ctx, e.ID)
	if perr != nil {
		return perr
	}
	var billing convening.BillingInput
	if policy.Charges() {
		var berr error
		billing, berr = h.billing.CheckBilling(ctx, normal.Organization, form.Billing.input())
		if berr != nil && convening.ErrorCode(berr) != convening.EINVALID {
			return berr
		}
		err = joinInvalid(err, berr)
	}
	if err != nil {
		form.setErrors(err)
		return h.showForm(w, r, http.StatusBadRequest, e, form)
	}
	if h.askAboutLookAlikes(r, e, &form, normal) {
		return h.showForm(w, r, http.StatusOK, e, form)
	}
	body, _ := json.Marshal(normal)
	kh := sha256.Sum256([]byte("web-register\x00" + e.ID + "\x00" + form.Idem))
	bh := sha256.Sum256(body)
	idem := &convening.Idempotency{Key: hex.EncodeToString(kh[:]), RequestHash: hex.EncodeToString(bh[:])}
	reg, token, _, err := h.svc.Register(ctx, e.ID, team, idem)
	if err == nil {
		// Post/redirect/get: Back and reload show the confirmation, not
		// the browser's "Confirm Form Resubmission".
		done := "registered"
		if policy.Charges() {
			if _, berr := h.billing.SetBilling(ctx, reg.ID, token, billing); berr != nil {
				// The team is registered; its billing details are asked
				// again on its page (a seat never waits for billing).
				h.log.WarnContext(ctx, "billing details not saved with the registration", "registration", reg.ID, "error", berr)
				done = doneRegisteredBillingFailed
			}
		}
		return redirect(w, managePath(reg.ID, token, done))
	}
	return h.formFailed(w, r, e, form, normal.Organization.Name, err)
}

// formFailed shows the form again with what went wrong, or answers the
// error page for errors a form cannot help with (not found, internal).
func (h *Handler) formFailed(w http.ResponseWriter, r *http.Request, e convening.Event, form teamForm, org string, err error) error {
	switch convening.ErrorReason(err) {
	case convening.ReasonInvalidFields:
		if !form.setErrors(err) {
			form.Problem = "Please check your team's details and try again."
		}
	case convening.ReasonIdempotencyKeyReused:
		// This form was sent before with other details: treat this as a
		// new attempt.
		form.Idem = randomKey()
		form.Problem = problemText(err, form, org)
	case convening.ReasonNotEligible, convening.ReasonPersonRegistered, convening.ReasonPersonOnTeam:
		// The members who do not qualify, or who hold a seat already,
		// are named on their rows.
		form.Problem = h.memberProblems(e, &form, err)
	default:
		text := problemText(err, form, org)
		if text == "" {
			return err
		}
		form.Problem, form.Taken = text, h.newTakenView(err, org)
	}
	return h.showForm(w, r, problem.Status(err), e, form)
}

// problemText words an error about the whole form (of the organization
// org) by its reason, never by its message, which the domain may reword;
// "" for errors the form cannot help with.
func problemText(err error, form teamForm, org string) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonIdempotencyKeyReused:
		return "This form was already sent with different details. Please check them and press “" + form.Button() + "” again."
	case convening.ReasonOrganizationRegistered:
		// Who holds the place, and whom to ask: formFailed's Taken.
		if form.Statement {
			return org + " already has an active statement of interest or registration for this event."
		}
		return org + " already has an active registration for this event."
	case convening.ReasonRegistrationClosed, convening.ReasonRegistrationNotOpenYet:
		if form.Statement {
			return "Statements of interest for this event are not open right now."
		}
		return "Registration for this event is not open right now."
	case convening.ReasonStatementsClosed:
		return "Statements of interest for this event are closed."
	case convening.ReasonStatementRequired:
		return "This event admits teams by statement of interest, not by registration. Your team is kept below: answer the two questions and press “Submit our statement”."
	case convening.ReasonStatementsNotTaken:
		return "This event takes registrations directly, not statements of interest. Your team is kept below: check it and press “Register our team”."
	case convening.ReasonBusy:
		return "We're very busy right now, and " + form.NotDone() + " yet. Please press “" + form.Button() + "” again in a few seconds."
	}
	return ""
}

// --- Confirmation and the manage page ---

type memberView struct {
	Name, Email, Role string
	// CantAttend: the member told us they cannot attend; You: the member
	// whose page it is.
	CantAttend, You bool
}

type registrationView struct {
	ID, Status   string
	Position     int
	Seats        int
	Organization string
	OrgType      string
	County       string
	ContactName  string
	ContactEmail string
	Members      []memberView
	CreatedAt    time.Time
	PromotedAt   *time.Time
	CancelledAt  *time.Time
	Registered   bool
	Waitlisted   bool
	Cancelled    bool
	// Offered: seats are held for the team until Offer.At; Expired: the
	// offer lapsed (Offer says when).
	Offered, Expired bool
	// Received: in line at a queued event, not placed yet; Refused: the
	// event refused it when its turn came, for Refusal.
	Received, Refused bool
	Refusal           string
	Offer             *deadlineView
	ManagePath        string // with the token: same origin only
	CalendarPath      string
	AbsoluteManage    string
	// TeamPath changes the team (with the token); CantAttend counts the
	// members who told us they cannot attend.
	TeamPath   string
	CantAttend int
}

func newRegistrationView(r *http.Request, reg convening.Registration, token string, now time.Time) registrationView {
	v := registrationView{
		ID: reg.ID, Status: string(reg.Status), Seats: reg.Seats,
		Organization: reg.Organization.Name, OrgType: reg.Organization.Type.Label(), County: reg.Organization.County,
		ContactName: reg.Contact.Name, ContactEmail: reg.Contact.Email,
		CreatedAt: reg.CreatedAt, PromotedAt: reg.PromotedAt, CancelledAt: reg.CancelledAt,
		Registered: reg.Status == convening.StatusRegistered, Waitlisted: reg.Status == convening.StatusWaitlisted,
		Cancelled: reg.Status == convening.StatusCancelled,
		Offered:   reg.Status == convening.StatusOffered, Expired: reg.Status == convening.StatusExpired,
		Received: reg.Status == convening.StatusReceived, Refused: reg.Status == convening.StatusRefused,
	}
	if v.Refused {
		v.Refusal = refusalText(reg.RefusedReason)
	}
	if reg.Offer != nil && (v.Offered || v.Expired) {
		o := newDeadline(reg.Offer.Seats, reg.Offer.RespondBy, now)
		v.Offer = &o
		// Past its deadline an offer is over, whether or not the sweep has
		// lapsed it yet (it does within minutes).
		v.Expired, v.Offered = v.Expired || o.Passed, v.Offered && !o.Passed
		if v.Expired {
			v.Status = string(convening.StatusExpired)
		}
	}
	if reg.WaitlistPosition != nil {
		v.Position = *reg.WaitlistPosition
	}
	for _, m := range reg.Members {
		v.Members = append(v.Members, memberView{Name: m.Name, Email: m.Email, Role: m.Role.Label(), CantAttend: m.CantAttendAt != nil})
		if m.CantAttendAt != nil {
			v.CantAttend++
		}
	}
	v.TeamPath = teamPath(reg.ID, token)
	v.ManagePath = managePath(reg.ID, token, "")
	v.CalendarPath = "/manage/" + url.PathEscape(reg.ID) + "/calendar.ics?" + url.Values{"token": {token}}.Encode()
	v.AbsoluteManage = frontdoor.Origin(r) + v.ManagePath
	return v
}

// doneRegisteredBillingFailed is the redirect's word for a registration
// whose billing details could not be saved with it.
const doneRegisteredBillingFailed = "registered-billing-failed"

func managePath(id, token, done string) string {
	q := url.Values{"token": {token}}
	if done != "" {
		q.Set("done", done)
	}
	return "/manage/" + url.PathEscape(id) + "?" + q.Encode()
}

type confirmView struct {
	Event eventView
	Reg   registrationView
	// Fees are the team's fees (fees.go), nil for a free event; Problem
	// says its billing details could not be saved.
	Fees    *accountView
	Problem string
	// Offers are the events the team's members may also register for (a
	// Summer Institute's pre-conference), with who qualifies.
	Offers []offerView
	// Join are the members' join links (online events).
	Join []joinView
}

func (h *Handler) confirmation(w http.ResponseWriter, r *http.Request, e convening.Event, reg convening.Registration, token, problem string) error {
	now := h.svc.Now()
	v := confirmView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now), Problem: problem, Join: h.joinLinks(e, reg)}
	if reg.Individual() {
		return h.personConfirmation(w, r, e, v)
	}
	v.Fees = h.teamFees(r.Context(), reg.ID, token)
	v.Offers = h.relatedOffers(w, r, e, reg)
	title := "Your team is registered"
	switch {
	case v.Reg.Waitlisted:
		title = "Your team is on the waiting list"
	case v.Reg.Received:
		title = "Your registration is in line"
	}
	private(w)
	return h.render(w, http.StatusOK, "confirm", title, v, false)
}

type manageView struct {
	Event eventView
	Reg   registrationView
	Token string
	// CSRF protects the cancel form, AcceptCSRF the offer's accept form.
	CSRF, AcceptCSRF string
	Done             string
	// Confirm is the cancellation's confirmation step.
	Confirm bool
	Problem string
	// CanChange: the team may change its members and contact (active,
	// before the event).
	CanChange bool
	// Fees are the team's fees (fees.go), nil for a free event.
	Fees *accountView
	// Answers are the team's answers to the event's questions.
	Answers answersSummary
	// Join are the members' join links (online events, registered).
	Join []joinView
}

// registration reads the registration the request's token opens; a wrong
// token is ENOTFOUND, as if it did not exist.
func (h *Handler) registration(ctx context.Context, id, token string) (convening.Registration, convening.Event, error) {
	reg, err := h.svc.Registration(ctx, id, token)
	if err != nil {
		return reg, convening.Event{}, err
	}
	e, err := h.svc.Event(ctx, reg.EventID)
	return reg, e, err
}

func (h *Handler) managePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("registrationId"), r.URL.Query().Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	// The registration form's redirect: the confirmation, while the
	// registration is as it was made.
	if d := r.URL.Query().Get("done"); (d == "registered" || d == doneRegisteredBillingFailed) && (reg.Status == convening.StatusRegistered || reg.Status == convening.StatusWaitlisted) {
		problem := ""
		if d == doneRegisteredBillingFailed {
			problem = "We could not save your billing details just now. Your team is registered: please give them again on your registration's private page."
		}
		return h.confirmation(w, r, e, reg, token, problem)
	}
	return h.showManage(w, r, http.StatusOK, e, reg, token, false, "")
}

func (h *Handler) showManage(w http.ResponseWriter, r *http.Request, status int, e convening.Event, reg convening.Registration, token string, confirm bool, problem string) error {
	private(w)
	now := h.svc.Now()
	v := manageView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now), Token: token,
		Confirm: confirm, Problem: problem, Answers: newAnswersSummary(e, reg, token, now)}
	// The message of the action that redirected here, if it still holds.
	switch d := r.URL.Query().Get("done"); {
	case d == "cancelled" && v.Reg.Cancelled, d == "accepted" && v.Reg.Registered, d == "changed" && reg.Status.Active(), d == "billing":
		v.Done = d
	}
	v.CanChange = reg.Status.Active() && now.Before(e.StartsAt)
	if !confirm {
		v.Fees = h.teamFees(r.Context(), reg.ID, token)
	}
	nonce := h.csrfNonce(w, r)
	v.CSRF = h.csrfToken(nonce, "cancel:"+reg.ID)
	v.AcceptCSRF = h.csrfToken(nonce, "offer-accept:"+reg.ID)
	v.Join = h.joinLinks(e, reg)
	name, title := "manage", "Your team's registration"
	if confirm {
		name, title = "cancel", "Cancel your team's registration?"
		if reg.Status == convening.StatusWaitlisted {
			title = "Leave the waiting list?"
		}
	}
	if reg.Individual() {
		name, title = "manage-person", "Your registration"
		if confirm {
			name, title = "cancel-person", "Cancel your registration?"
		}
	}
	return h.render(w, status, name, title, v, false)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("registrationId"), f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "cancel:"+reg.ID) {
		return h.showManage(w, r, http.StatusForbidden, e, reg, token, reg.Status.Active(),
			"For your security, please confirm again.")
	}
	if reg.Status.Active() && f.Get("confirm") != "yes" {
		return h.showManage(w, r, http.StatusOK, e, reg, token, true, "")
	}
	if reg.Status.Active() {
		if _, err := h.svc.Cancel(ctx, id, token); err != nil {
			return err
		}
	}
	// Post/redirect/get, to this site only: the path is relative.
	return redirect(w, managePath(reg.ID, token, "cancelled"))
}

// redirect is a post/redirect/get answer to a path of this site.
func redirect(w http.ResponseWriter, path string) error {
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// acceptOffer registers an offered team that accepts in time.
func (h *Handler) acceptOffer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("registrationId"), f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "offer-accept:"+reg.ID) {
		return h.showManage(w, r, http.StatusForbidden, e, reg, token, false,
			"For your security, please press “Accept the offer” again.")
	}
	reg, err = h.svc.AcceptOffer(ctx, id, token)
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, managePath(reg.ID, token, "accepted"))
	case convening.ReasonOfferExpired:
		reg, e, err = h.registration(ctx, id, token)
		if err != nil {
			return err
		}
		return h.showManage(w, r, http.StatusConflict, e, reg, token, false,
			"The offer expired before you accepted it, so its seats went to the next team on the waiting list. To rejoin, register your team again on the event's page.")
	case convening.ReasonNoOffer:
		// Cancelled meanwhile, or never offered: the page says where it
		// stands.
		return h.showManage(w, r, http.StatusConflict, e, reg, token, false, "There is no offer to accept: this page shows where your registration stands.")
	case convening.ReasonBusy:
		return h.showManage(w, r, problem.Status(err), e, reg, token, false,
			"We're very busy right now, and the offer is not accepted yet. Please press “Accept the offer” again in a few seconds.")
	}
	return err
}

// private marks an answer that holds a manage token: search engines must
// not keep it, whatever link led them there.
func private(w http.ResponseWriter) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
}

// --- Calendar file ---

func (h *Handler) calendarFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("registrationId"), r.URL.Query().Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	method := calendar.Publish
	if reg.Status == convening.StatusCancelled || reg.Status == convening.StatusExpired {
		method = calendar.Cancel
	}
	inv := calendar.ForRegistration(method, reg.ID, e.Summary(), frontdoor.Origin(r)+"/events/"+url.PathEscape(e.ID), h.svc.Now())
	switch reg.Status {
	case convening.StatusWaitlisted:
		inv.Summary = "Waiting list: " + inv.Summary
	case convening.StatusOffered:
		inv.Summary = "Seats offered: " + inv.Summary
	}
	private(w)
	w.Header().Set("Content-Type", method.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.ID+`.ics"`)
	_, _ = w.Write(inv.ICS())
	return nil
}

// --- Static files ---

var staticName = regexp.MustCompile(`^[a-z0-9-]+\.(css|js)$`)

func (h *Handler) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if !staticName.MatchString(name) {
		return errNoPage
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		return errNoPage
	}
	ct := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
	return nil
}
