package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// --- A statement's contact mends its members ---

type statementTeamView struct {
	Event eventView
	St    statementView
	Form  teamForm
	Token string
	Roles []roleOption
	// Invited: the team's seats are held, its size is fixed.
	Invited bool
	Problem string
}

func statementTeamPath(id, token string) string {
	return "/statements/" + url.PathEscape(id) + "/team?" + url.Values{"token": {token}}.Encode()
}

func statementForm(st convening.Statement) teamForm {
	f := teamForm{Statement: true}
	for _, m := range st.Members {
		f.Members = append(f.Members, memberRow{ID: m.ID, Name: m.Name, Email: m.Email, Role: string(m.Role), CantAttend: m.CantAttendAt != nil})
	}
	f.renumber()
	return f
}

func (h *Handler) statementTeamPage(w http.ResponseWriter, r *http.Request) error {
	id, token := r.PathValue("statementId"), r.URL.Query().Get("token")
	st, e, err := h.statement(r.Context(), id, token)
	if err != nil {
		return err
	}
	return h.showStatementTeam(w, r, http.StatusOK, e, st, token, statementForm(st), "")
}

func (h *Handler) showStatementTeam(w http.ResponseWriter, r *http.Request, status int, e convening.Event, st convening.Statement, token string, form teamForm, problem string) error {
	private(w)
	now := h.svc.Now()
	v := statementTeamView{Event: newEventView(e, now), St: newStatementView(r, e, st, token, now), Form: form, Token: token,
		Invited: st.Status == convening.StatementInvited, Problem: problem}
	v.Form.Statement = true
	v.Form.MaxMembers = min(e.MaxTeamSize, convening.MaxStatementTeam)
	if v.Invited {
		v.Form.MaxMembers = st.Seats()
	}
	v.Form.CSRF = h.csrfToken(h.csrfNonce(w, r), "statement-team:"+st.ID)
	for _, role := range convening.Roles {
		v.Roles = append(v.Roles, roleOption{Value: string(role), Label: role.Label()})
	}
	title := "Change your team's members"
	if len(form.Summary) > 0 || problem != "" {
		title = "Error: " + title
	}
	return h.render(w, status, "statement-team", title, v, true)
}

func (h *Handler) changeStatementTeam(w http.ResponseWriter, r *http.Request) error {
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
	form := parseTeamForm(f, convening.MaxStatementTeam)
	form.MaxMembers = min(e.MaxTeamSize, convening.MaxStatementTeam)
	if st.Status == convening.StatementInvited {
		form.MaxMembers = st.Seats()
	}
	switch op := f.Get("op"); {
	case op == "add":
		form.addRow()
		return h.showStatementTeam(w, r, http.StatusOK, e, st, token, form, "")
	case strings.HasPrefix(op, "remove-"):
		i, _ := strconv.Atoi(strings.TrimPrefix(op, "remove-"))
		form.removeRow(i)
		return h.showStatementTeam(w, r, http.StatusOK, e, st, token, form, "")
	}
	if !h.checkCSRF(r, "statement-team:"+st.ID) {
		return h.showStatementTeam(w, r, http.StatusForbidden, e, st, token, form, "For your security, please check your team and press “Save the changes” again.")
	}
	form.dropEmptyRows()
	if _, err := h.svc.ChangeStatementMembers(ctx, id, token, form.team().Members); err != nil {
		text := ""
		switch convening.ErrorReason(err) {
		case convening.ReasonInvalidFields:
			if !form.setErrors(err) {
				text = "Please check your team's members and try again."
			}
		case convening.ReasonInvitedTeamSize:
			text = "Your team is invited with its seats held: you can name a substitute for a member, but not add or remove one."
		case convening.ReasonStatementClosed:
			text = "This statement is closed, so its team cannot change."
		case convening.ReasonBusy:
			text = "We're very busy right now, and nothing is changed yet. Please press “Save the changes” again in a few seconds."
		default:
			return err
		}
		return h.showStatementTeam(w, r, problem.Status(err), e, st, token, form, text)
	}
	return redirect(w, statementPath(id, token, "team"))
}

// resendMemberLink emails a member who has not confirmed their link again.
func (h *Handler) resendMemberLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token, mid := r.PathValue("statementId"), f.Get("token"), r.PathValue("memberId")
	st, e, err := h.statement(ctx, id, token)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "statement-resend:"+st.ID) {
		return h.showStatement(w, r, http.StatusForbidden, e, st, token, false, "For your security, please press “Send the link again” again.")
	}
	_, err = h.svc.ResendMemberLink(ctx, id, token, mid)
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, statementPath(id, token, "resent"))
	case convening.ReasonAlreadyConfirmed, convening.ReasonStatementClosed:
		return redirect(w, statementPath(id, token, "")) // the page says where it stands
	case convening.ReasonBusy:
		return h.showStatement(w, r, problem.Status(err), e, st, token, false, "We're very busy right now. Please press “Send the link again” again in a few seconds.")
	}
	return err
}
