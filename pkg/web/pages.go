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
	"github.com/calmi/convenings/pkg/problem"
)

// --- Upcoming events ---

type homeView struct{ Events []eventView }

func (h *Handler) home(ctx context.Context, r *request) (*response, error) {
	list, err := h.svc.Events(ctx)
	if err != nil {
		return nil, err
	}
	now := h.svc.Now()
	var v homeView
	for _, e := range list {
		if e.EndsAt.After(now) {
			v.Events = append(v.Events, newEventView(e, now))
		}
	}
	return h.render(http.StatusOK, "home", "Upcoming events", v, false, nil), nil
}

// --- The event and its team form ---

type roleOption struct{ Value, Label string }

type eventPageView struct {
	Event      eventView
	Form       teamForm
	CoreRoles  []string
	OtherRoles []string
	Roles      []roleOption
	Counties   []string
	// AnswerMax and AnswerMin bound each answer of the statement form.
	AnswerMax, AnswerMin int
}

func (h *Handler) eventPage(ctx context.Context, r *request) (*response, error) {
	e, err := h.svc.Event(ctx, r.params["eventId"])
	if err != nil {
		return nil, err
	}
	return h.showForm(http.StatusOK, r, e, newTeamForm(e), &response{}), nil
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
func (h *Handler) showForm(status int, r *request, e convening.Event, form teamForm, resp *response) *response {
	ev := newEventView(e, h.svc.Now())
	form.Statement = ev.Statement
	form.CSRF = h.csrfToken(h.csrfNonce(r, resp), formPurpose(e, form.Statement))
	v := eventPageView{Event: ev, Form: form, Counties: convening.Counties, AnswerMax: AnswerMax, AnswerMin: AnswerMin}
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
	if len(form.Summary) > 0 || form.Problem != "" {
		title = "Error: " + title
	}
	return h.render(status, "event", title, v, true, resp)
}

var idemKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// readTeamPost reads a posted team form (registration or statement, by
// parse) for its event, with an idempotency key (the form's, or a new
// one). Adding or removing a member row (without JavaScript) changes
// nothing but the form: then rows is the page to answer with.
func (h *Handler) readTeamPost(ctx context.Context, r *request, parse func(url.Values, int) teamForm) (e convening.Event, form teamForm, resp, rows *response, err error) {
	if e, err = h.svc.Event(ctx, r.params["eventId"]); err != nil {
		return e, form, nil, nil, err
	}
	f, err := r.parseForm()
	if err != nil {
		return e, form, nil, nil, err
	}
	form = parse(f, e.MaxTeamSize)
	form.Idem = f.Get("idem")
	if !idemKeyRE.MatchString(form.Idem) {
		form.Idem = randomKey()
	}
	resp = &response{}
	switch op := f.Get("op"); {
	case op == "add":
		form.addRow()
		rows = h.showForm(http.StatusOK, r, e, form, resp)
	case strings.HasPrefix(op, "remove-"):
		i, _ := strconv.Atoi(strings.TrimPrefix(op, "remove-"))
		form.removeRow(i)
		rows = h.showForm(http.StatusOK, r, e, form, resp)
	}
	return e, form, resp, rows, nil
}

func (h *Handler) submitTeam(ctx context.Context, r *request) (*response, error) {
	e, form, resp, rows, err := h.readTeamPost(ctx, r, parseTeamForm)
	if err != nil || rows != nil {
		return rows, err
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
		return h.showForm(problem.Status(err), r, e, form, resp), nil
	}
	switch ev := newEventView(e, h.svc.Now()); ev.State {
	case stateSoon:
		form.Problem = "Registration for this event is not open yet. It opens " + dateTime(e.RegistrationOpensAt) + "."
		return h.showForm(http.StatusConflict, r, e, form, resp), nil
	case stateClosed:
		form.Problem = "Registration for this event is closed."
		return h.showForm(http.StatusConflict, r, e, form, resp), nil
	}
	if !h.checkCSRF(r, formPurpose(e, false)) {
		form.Problem = "For your security, please check your details and press “Register our team” again."
		return h.showForm(http.StatusForbidden, r, e, form, resp), nil
	}
	form.dropEmptyRows()
	team := form.team()
	normal, err := h.svc.ValidateTeam(e, team)
	if err != nil {
		form.setErrors(err)
		return h.showForm(http.StatusBadRequest, r, e, form, resp), nil
	}
	body, _ := json.Marshal(normal)
	kh := sha256.Sum256([]byte("web-register\x00" + e.ID + "\x00" + form.Idem))
	bh := sha256.Sum256(body)
	idem := &convening.Idempotency{Key: hex.EncodeToString(kh[:]), RequestHash: hex.EncodeToString(bh[:])}
	reg, token, _, err := h.svc.Register(ctx, e.ID, team, idem)
	if err == nil {
		return h.confirmation(ctx, r, e, reg, token)
	}
	return h.formFailed(r, e, form, normal.Organization.Name, err, resp)
}

// formFailed shows the form again with what went wrong, or answers the
// error page for errors a form cannot help with (not found, internal).
func (h *Handler) formFailed(r *request, e convening.Event, form teamForm, org string, err error, resp *response) (*response, error) {
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
	default:
		text := problemText(err, form, org)
		if text == "" {
			return nil, err
		}
		form.Problem = text
	}
	return h.showForm(problem.Status(err), r, e, form, resp), nil
}

// problemText words an error about the whole form (of the organization
// org) by its reason, never by its message, which the domain may reword;
// "" for errors the form cannot help with.
func problemText(err error, form teamForm, org string) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonIdempotencyKeyReused:
		return "This form was already sent with different details. Please check them and press “" + form.Button() + "” again."
	case convening.ReasonOrganizationRegistered:
		if form.Statement {
			return org + " already has an active statement of interest or registration for this event. Use the private link in the email we sent your contact to see it."
		}
		return org + " already has an active registration for this event. Use the private link in your confirmation email to see or change it."
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
	case convening.ReasonBusy, convening.ReasonTimedOut:
		return "We're very busy right now, and " + form.NotDone() + " yet. Please press “" + form.Button() + "” again in a few seconds."
	}
	return ""
}

// --- Confirmation and the manage page ---

type memberView struct{ Name, Email, Role string }

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
	Offer            *deadlineView
	ManagePath       string // with the token: same origin only
	CalendarPath     string
	AbsoluteManage   string
}

func newRegistrationView(r *request, reg convening.Registration, token string, now time.Time) registrationView {
	v := registrationView{
		ID: reg.ID, Status: string(reg.Status), Seats: reg.Seats,
		Organization: reg.Organization.Name, OrgType: reg.Organization.Type.Label(), County: reg.Organization.County,
		ContactName: reg.Contact.Name, ContactEmail: reg.Contact.Email,
		CreatedAt: reg.CreatedAt, PromotedAt: reg.PromotedAt, CancelledAt: reg.CancelledAt,
		Registered: reg.Status == convening.StatusRegistered, Waitlisted: reg.Status == convening.StatusWaitlisted,
		Cancelled: reg.Status == convening.StatusCancelled,
		Offered:   reg.Status == convening.StatusOffered, Expired: reg.Status == convening.StatusExpired,
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
		v.Members = append(v.Members, memberView{Name: m.Name, Email: m.Email, Role: m.Role.Label()})
	}
	v.ManagePath = managePath(reg.ID, token, "")
	v.CalendarPath = "/manage/" + url.PathEscape(reg.ID) + "/calendar.ics?" + url.Values{"token": {token}}.Encode()
	v.AbsoluteManage = r.origin() + v.ManagePath
	return v
}

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
}

func (h *Handler) confirmation(ctx context.Context, r *request, e convening.Event, reg convening.Registration, token string) (*response, error) {
	now := h.svc.Now()
	v := confirmView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now)}
	title := "Your team is registered"
	if v.Reg.Waitlisted {
		title = "Your team is on the waiting list"
	}
	return h.render(http.StatusOK, "confirm", title, v, false, private(nil)), nil
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

func (h *Handler) managePage(ctx context.Context, r *request) (*response, error) {
	id, token := r.params["registrationId"], r.query.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return nil, err
	}
	return h.showManage(http.StatusOK, r, e, reg, token, false, ""), nil
}

func (h *Handler) showManage(status int, r *request, e convening.Event, reg convening.Registration, token string, confirm bool, problem string) *response {
	resp := private(nil)
	now := h.svc.Now()
	v := manageView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now), Token: token,
		Confirm: confirm, Problem: problem}
	// The message of the action that redirected here, if it still holds.
	switch d := r.query.Get("done"); {
	case d == "cancelled" && v.Reg.Cancelled, d == "accepted" && v.Reg.Registered:
		v.Done = d
	}
	nonce := h.csrfNonce(r, resp)
	v.CSRF = h.csrfToken(nonce, "cancel:"+reg.ID)
	v.AcceptCSRF = h.csrfToken(nonce, "offer-accept:"+reg.ID)
	name, title := "manage", "Your team's registration"
	if confirm {
		name, title = "cancel", "Cancel your team's registration?"
	}
	return h.render(status, name, title, v, false, resp)
}

func (h *Handler) cancel(ctx context.Context, r *request) (*response, error) {
	f, err := r.parseForm()
	if err != nil {
		return nil, err
	}
	id, token := r.params["registrationId"], f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return nil, err
	}
	if !h.checkCSRF(r, "cancel:"+reg.ID) {
		return h.showManage(http.StatusForbidden, r, e, reg, token, reg.Status.Active(),
			"For your security, please confirm again."), nil
	}
	if reg.Status.Active() && f.Get("confirm") != "yes" {
		return h.showManage(http.StatusOK, r, e, reg, token, true, ""), nil
	}
	if reg.Status.Active() {
		if _, err := h.svc.Cancel(ctx, id, token); err != nil {
			return nil, err
		}
	}
	// Post/redirect/get, to this site only: the path is relative.
	return redirect(managePath(reg.ID, token, "cancelled")), nil
}

// redirect is a post/redirect/get answer to a path of this site.
func redirect(path string) *response {
	return &response{status: http.StatusSeeOther, header: map[string]string{"Location": path}}
}

// acceptOffer registers an offered team that accepts in time.
func (h *Handler) acceptOffer(ctx context.Context, r *request) (*response, error) {
	f, err := r.parseForm()
	if err != nil {
		return nil, err
	}
	id, token := r.params["registrationId"], f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return nil, err
	}
	if !h.checkCSRF(r, "offer-accept:"+reg.ID) {
		return h.showManage(http.StatusForbidden, r, e, reg, token, false,
			"For your security, please press “Accept the offer” again."), nil
	}
	reg, err = h.svc.AcceptOffer(ctx, id, token)
	switch convening.ErrorReason(err) {
	case "":
		return redirect(managePath(reg.ID, token, "accepted")), nil
	case convening.ReasonOfferExpired:
		reg, e, err = h.registration(ctx, id, token)
		if err != nil {
			return nil, err
		}
		return h.showManage(http.StatusConflict, r, e, reg, token, false,
			"The offer expired before you accepted it, so its seats went to the next team on the waiting list. To rejoin, register your team again on the event's page."), nil
	case convening.ReasonNoOffer:
		// Cancelled meanwhile, or never offered: the page says where it
		// stands.
		return h.showManage(http.StatusConflict, r, e, reg, token, false, "There is no offer to accept: this page shows where your registration stands."), nil
	case convening.ReasonBusy, convening.ReasonTimedOut:
		return h.showManage(problem.Status(err), r, e, reg, token, false,
			"We're very busy right now, and the offer is not accepted yet. Please press “Accept the offer” again in a few seconds."), nil
	}
	return nil, err
}

// private marks an answer that holds a manage token: search engines must
// not keep it, whatever link led them there.
func private(resp *response) *response {
	if resp == nil {
		resp = &response{}
	}
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	resp.header["X-Robots-Tag"] = "noindex, nofollow"
	return resp
}

// --- Calendar file ---

func (h *Handler) calendarFile(ctx context.Context, r *request) (*response, error) {
	id, token := r.params["registrationId"], r.query.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return nil, err
	}
	method := calendar.Publish
	if reg.Status == convening.StatusCancelled || reg.Status == convening.StatusExpired {
		method = calendar.Cancel
	}
	inv := calendar.ForRegistration(method, reg.ID, e.Summary(), r.origin()+"/events/"+url.PathEscape(e.ID), h.svc.Now())
	switch reg.Status {
	case convening.StatusWaitlisted:
		inv.Summary = "Waiting list: " + inv.Summary
	case convening.StatusOffered:
		inv.Summary = "Seats offered: " + inv.Summary
	}
	resp := private(nil)
	resp.status, resp.body = http.StatusOK, string(inv.ICS())
	resp.header["Content-Type"] = method.ContentType()
	resp.header["Content-Disposition"] = `attachment; filename="` + e.ID + `.ics"`
	return resp, nil
}

// --- Static files ---

var staticName = regexp.MustCompile(`^[a-z0-9-]+\.(css|js)$`)

func (h *Handler) static(ctx context.Context, r *request) (*response, error) {
	name := r.params["file"]
	if !staticName.MatchString(name) {
		return nil, errNoPage
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		return nil, errNoPage
	}
	ct := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	return &response{status: http.StatusOK, header: map[string]string{
		"Content-Type": ct, "Cache-Control": "public, max-age=3600",
	}, body: string(b)}, nil
}
