package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/problem"
)

// --- The statement form ---

func (h *Handler) submitStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, form, answered, err := h.readTeamPost(w, r, parseStatementForm)
	if err != nil || answered {
		return err
	}
	// The domain's window decides (admission, opening, closing); its
	// reason picks the words. An event that takes registrations answers
	// with the registration form, the team kept, or (outside its window)
	// with why there is no form.
	if err := e.CheckStatementWindow(h.svc.Now()); err != nil {
		if convening.ErrorReason(err) == convening.ReasonStatementsNotTaken {
			if werr := e.CheckWindow(h.svc.Now()); werr != nil {
				err = werr
			}
			form.Statement = false
		}
		form.Problem = problemText(err, form, "")
		if form.Statement && convening.ErrorReason(err) == convening.ReasonRegistrationNotOpenYet {
			form.Problem = "Statements of interest for this event open " + dateTime(e.RegistrationOpensAt) + "."
		}
		return h.showForm(w, r, problem.Status(err), e, form)
	}
	if !h.checkCSRF(r, formPurpose(e, true)) {
		form.Problem = "For your security, please check your details and press “Submit our statement” again."
		return h.showForm(w, r, http.StatusForbidden, e, form)
	}
	form.dropEmptyRows()
	st := form.statement()
	// Every problem at once, before anything is sent.
	if err := st.Validate(e); err != nil {
		form.setErrors(err)
		return h.showForm(w, r, http.StatusBadRequest, e, form)
	}
	if h.askAboutLookAlikes(r, e, &form, st.Team) {
		return h.showForm(w, r, http.StatusOK, e, form)
	}
	body, _ := json.Marshal(st)
	kh := sha256.Sum256([]byte("web-statement\x00" + e.ID + "\x00" + form.Idem))
	bh := sha256.Sum256(body)
	idem := &convening.Idempotency{Key: hex.EncodeToString(kh[:]), RequestHash: hex.EncodeToString(bh[:])}
	st, token, _, err := h.svc.SubmitStatement(ctx, e.ID, st.Team, st.Experience, st.Reasons, idem)
	if err != nil {
		return h.formFailed(w, r, e, form, form.statement().Organization.Name, err)
	}
	// Post/redirect/get: Back and reload show the receipt, not the
	// browser's "Confirm Form Resubmission".
	return redirect(w, statementPath(st.ID, token, "submitted"))
}

// statementSent is the receipt of a statement just submitted.
func (h *Handler) statementSent(w http.ResponseWriter, r *http.Request, e convening.Event, st convening.Statement, token string) error {
	now := h.svc.Now()
	v := statementSentView{Event: newEventView(e, now), St: newStatementView(r, e, st, token, now)}
	private(w)
	return h.render(w, http.StatusOK, "statement-sent", "Your statement is submitted", v, false)
}

type statementSentView struct {
	Event eventView
	St    statementView
}

// --- The statement's private page ---

// statementMember is a member of a statement as its pages show them.
type statementMember struct {
	Name, Email, Role string
	// Required: the event requires the member's role, so the statement is
	// complete only once they confirm.
	Required    bool
	ConfirmedAt *time.Time
	// ID is the member's id (to send their link again); CantAttend: they
	// told us they cannot attend.
	ID         string
	CantAttend bool
}

type statementView struct {
	ID, Status                string
	Organization, OrgType     string
	County                    string
	ContactName, ContactEmail string
	Members                   []statementMember
	Confirmed, Awaited        int
	Complete                  bool
	Experience, Reasons       string
	SubmittedAt               time.Time
	Invitation                *deadlineView
	Message                   string
	Path, AbsolutePath        string // with the token
	RegistrationPath          string // once accepted, with the registration's token
	AllRequired               bool   // the event requires no roles: every member counts
	Seats                     int
}

// Active reports whether the team can still withdraw or decline.
func (v statementView) Active() bool {
	return convening.StatementStatus(v.Status).Active()
}

// CanAccept reports whether the invitation stands and can be accepted.
func (v statementView) CanAccept() bool {
	return v.Status == string(convening.StatementInvited) && v.Invitation != nil && !v.Invitation.Passed
}

// Lapsed reports whether the invitation is over unanswered: expired, or
// past its deadline before the sweep (within minutes) records it.
func (v statementView) Lapsed() bool {
	return v.Status == string(convening.StatementExpired) ||
		v.Status == string(convening.StatementInvited) && v.Invitation != nil && v.Invitation.Passed
}

func statementPath(id, token, done string) string {
	q := url.Values{"token": {token}}
	if done != "" {
		q.Set("done", done)
	}
	return "/statements/" + url.PathEscape(id) + "?" + q.Encode()
}

func newStatementView(r *http.Request, e convening.Event, st convening.Statement, token string, now time.Time) statementView {
	st = st.WithComplete(e)
	v := statementView{ID: st.ID, Status: string(st.Status),
		Organization: st.Organization.Name, OrgType: st.Organization.Type.Label(), County: st.Organization.County,
		ContactName: st.Contact.Name, ContactEmail: st.Contact.Email, Complete: st.Complete,
		Experience: st.Experience, Reasons: st.Reasons, SubmittedAt: st.SubmittedAt, Seats: st.Seats(),
		AllRequired: len(e.RequiredRoles) == 0}
	for _, m := range st.Members {
		sm := statementMember{Name: m.Name, Email: m.Email, Role: m.Role.Label(), ConfirmedAt: m.ConfirmedAt,
			Required: v.AllRequired || slices.Contains(e.RequiredRoles, m.Role), ID: m.ID, CantAttend: m.CantAttendAt != nil}
		v.Members = append(v.Members, sm)
		switch {
		case m.ConfirmedAt != nil:
			v.Confirmed++
		case sm.Required:
			v.Awaited++
		}
	}
	if st.Invitation != nil {
		d := newDeadline(st.Invitation.Seats, st.Invitation.RespondBy, now)
		v.Invitation = &d
	}
	if st.Message != nil {
		v.Message = *st.Message
	}
	if token != "" {
		v.Path = statementPath(st.ID, token, "")
		v.AbsolutePath = frontdoor.Origin(r) + v.Path
	}
	return v
}

type statementPageView struct {
	Event eventView
	St    statementView
	Token string
	// CSRF protects the accept form, DeclineCSRF the decline form,
	// ResendCSRF the forms that send a member's link again.
	CSRF, DeclineCSRF, ResendCSRF string
	// TeamPath mends the team's members (with the token).
	TeamPath string
	Done     string
	// Confirm is the decline's confirmation step.
	Confirm bool
	Problem string
}

// statement reads the statement the token opens, and its event; a wrong
// token is ENOTFOUND, as if the statement did not exist.
func (h *Handler) statement(ctx context.Context, id, token string) (convening.Statement, convening.Event, error) {
	st, err := h.svc.Statement(ctx, id, token)
	if err != nil {
		return st, convening.Event{}, err
	}
	e, err := h.svc.Event(ctx, st.EventID)
	return st, e, err
}

func (h *Handler) statementPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("statementId"), r.URL.Query().Get("token")
	st, e, err := h.statement(ctx, id, token)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "submitted" && st.Status == convening.StatementSubmitted {
		return h.statementSent(w, r, e, st, token)
	}
	return h.showStatement(w, r, http.StatusOK, e, st, token, false, "")
}

func (h *Handler) showStatement(w http.ResponseWriter, r *http.Request, status int, e convening.Event, st convening.Statement, token string, confirm bool, problem string) error {
	ctx := r.Context()
	private(w)
	now := h.svc.Now()
	v := statementPageView{Event: newEventView(e, now), St: newStatementView(r, e, st, token, now), Token: token,
		Confirm: confirm, Problem: problem}
	if st.Status == convening.StatementAccepted {
		reg, regToken, err := h.svc.StatementRegistration(ctx, st.ID, token)
		if err != nil {
			return err
		}
		v.St.RegistrationPath = managePath(reg.ID, regToken, "")
	}
	switch d := r.URL.Query().Get("done"); {
	case d == "declined" && st.Status == convening.StatementDeclined, d == "withdrawn" && st.Status == convening.StatementWithdrawn,
		(d == "team" || d == "resent") && st.Status.Active():
		v.Done = d
	}
	nonce := h.csrfNonce(w, r)
	v.CSRF = h.csrfToken(nonce, "statement-accept:"+st.ID)
	v.DeclineCSRF = h.csrfToken(nonce, "statement-decline:"+st.ID)
	v.ResendCSRF = h.csrfToken(nonce, "statement-resend:"+st.ID)
	v.TeamPath = statementTeamPath(st.ID, token)
	name, title := "statement", "Your team's statement of interest"
	switch {
	case confirm && st.Status == convening.StatementInvited:
		name, title = "statement-decline", "Decline the invitation?"
	case confirm:
		name, title = "statement-decline", "Withdraw your statement?"
	}
	return h.render(w, status, name, title, v, false)
}

// acceptInvitation registers an invited team that accepts in time, and
// sends the contact to the new registration's page.
func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("statementId"), f.Get("token")
	st, e, err := h.statement(ctx, id, token)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "statement-accept:"+st.ID) {
		return h.showStatement(w, r, http.StatusForbidden, e, st, token, false,
			"For your security, please press “Accept the invitation” again.")
	}
	reg, regToken, _, err := h.svc.AcceptInvitation(ctx, id, token)
	if err == nil {
		return redirect(w, managePath(reg.ID, regToken, "accepted"))
	}
	var text string
	status := problem.Status(err)
	switch convening.ErrorReason(err) {
	case convening.ReasonInvitationExpired:
		text = "The invitation expired before you accepted it, and its seats were released. If your team still wants to attend, write to CA LMI staff at once (reply to the invitation email): they can invite your team again if seats remain."
	case convening.ReasonNotInvited:
		text = "There is no invitation to accept: this page shows where your statement stands."
	case convening.ReasonBusy:
		text = "We're very busy right now, and the invitation is not accepted yet. Please press “Accept the invitation” again in a few seconds."
	default:
		return err
	}
	// Show the statement as it is now (the sweep may have lapsed it).
	if st, e, err = h.statement(ctx, id, token); err != nil {
		return err
	}
	return h.showStatement(w, r, status, e, st, token, false, text)
}

// declineStatement declines the invitation or withdraws the statement,
// after a confirmation step.
func (h *Handler) declineStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("statementId"), f.Get("token")
	st, e, err := h.statement(ctx, id, token)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "statement-decline:"+st.ID) {
		return h.showStatement(w, r, http.StatusForbidden, e, st, token, st.Status.Active(),
			"For your security, please confirm again.")
	}
	if !st.Status.Active() {
		// Declined or withdrawn already (a second click), or accepted: the
		// page says where it stands.
		return redirect(w, statementPath(st.ID, token, ""))
	}
	if f.Get("confirm") != "yes" {
		return h.showStatement(w, r, http.StatusOK, e, st, token, true, "")
	}
	after, err := h.svc.DeclineStatement(ctx, id, token)
	switch convening.ErrorReason(err) {
	case "":
	case convening.ReasonStatementClosed:
		// Closed meanwhile (staff decided, or it lapsed).
		return redirect(w, statementPath(st.ID, token, ""))
	case convening.ReasonBusy:
		return h.showStatement(w, r, problem.Status(err), e, st, token, true,
			"We're very busy right now, and nothing is changed yet. Please confirm again in a few seconds.")
	default:
		return err
	}
	return redirect(w, statementPath(st.ID, token, string(after.Status)))
}

// --- A member's confirmation ---

type memberPageView struct {
	Event  eventView
	St     statementView
	Member statementMember
	// Active: the statement still takes confirmations.
	Active   bool
	MemberID string
	Token    string
	CSRF     string
	Problem  string
}

// memberPagePath is a member's confirmation page: once they confirmed,
// it thanks them.
func memberPagePath(statementID, memberID, token string) string {
	return "/statements/" + url.PathEscape(statementID) + "/members/" + url.PathEscape(memberID) + "?" + url.Values{"token": {token}}.Encode()
}

// member reads the statement a member's link opens; a wrong token is
// ENOTFOUND.
func (h *Handler) member(ctx context.Context, r *http.Request, token string) (convening.Statement, convening.Event, error) {
	st, err := h.svc.MemberStatement(ctx, r.PathValue("statementId"), r.PathValue("memberId"), token)
	if err != nil {
		return st, convening.Event{}, err
	}
	e, err := h.svc.Event(ctx, st.EventID)
	return st, e, err
}

func (h *Handler) memberPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.URL.Query().Get("token")
	st, e, err := h.member(ctx, r, token)
	if err != nil {
		return err
	}
	return h.showMember(w, r, http.StatusOK, e, st, token, "")
}

func (h *Handler) showMember(w http.ResponseWriter, r *http.Request, status int, e convening.Event, st convening.Statement, token, problem string) error {
	private(w)
	now := h.svc.Now()
	mid := r.PathValue("memberId")
	// The member's page carries no token of the statement: a member never
	// gets the contact's link, nor the answers' controls.
	v := memberPageView{Event: newEventView(e, now), St: newStatementView(r, e, st, "", now), Token: token,
		Active: st.Status.Active(), MemberID: mid, Problem: problem}
	for i, m := range st.Members {
		if m.ID == mid {
			v.Member = v.St.Members[i]
		}
	}
	v.CSRF = h.csrfToken(h.csrfNonce(w, r), "member-confirm:"+st.ID+":"+mid)
	title := "Confirm that you will attend"
	if v.Member.ConfirmedAt != nil {
		title = "Thank you for confirming"
	}
	return h.render(w, status, "member", title, v, false)
}

// confirmMember records a member's confirmation; confirming twice shows
// the same thanks.
func (h *Handler) confirmMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	token := f.Get("token")
	st, e, err := h.member(ctx, r, token)
	if err != nil {
		return err
	}
	mid := r.PathValue("memberId")
	if !h.checkCSRF(r, "member-confirm:"+st.ID+":"+mid) {
		return h.showMember(w, r, http.StatusForbidden, e, st, token, "For your security, please press “I confirm” again.")
	}
	if f.Get("op") == "decline" {
		_, err = h.svc.DeclineMember(ctx, st.ID, mid, token)
	} else {
		_, err = h.svc.ConfirmMember(ctx, st.ID, mid, token)
	}
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, memberPagePath(st.ID, mid, token))
	case convening.ReasonStatementClosed:
		// The page says why: withdrawn, declined, expired or accepted.
		if st, e, err = h.member(ctx, r, token); err != nil {
			return err
		}
		return h.showMember(w, r, http.StatusConflict, e, st, token, "This statement no longer takes confirmations.")
	case convening.ReasonBusy:
		return h.showMember(w, r, problem.Status(err), e, st, token,
			"We're very busy right now, and your confirmation is not recorded yet. Please press “I confirm” again in a few seconds.")
	}
	return err
}
