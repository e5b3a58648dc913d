package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// --- A team changes its own registration ---

// teamEditView is the page where the contact changes the team: its
// members (substitute, add, remove) and its contact.
type teamEditView struct {
	Event eventView
	Reg   registrationView
	Form  teamForm
	Token string
	Roles []roleOption
	// SeatNote says what the team may add, in the page's words; NoSeat:
	// no member can be added (nothing on the page offers it).
	SeatNote string
	NoSeat   bool
	Problem  string
}

// teamPath is the page that changes a team, with its manage token.
func teamPath(id, token string) string {
	return "/manage/" + url.PathEscape(id) + "/team?" + url.Values{"token": {token}}.Encode()
}

// editForm is the form of the team as it is.
func editForm(reg convening.Registration) teamForm {
	f := teamForm{ContactName: reg.Contact.Name, ContactEmail: reg.Contact.Email}
	for _, m := range reg.Members {
		f.Members = append(f.Members, memberRow{ID: m.ID, Name: m.Name, Email: m.Email, Role: string(m.Role), CantAttend: m.CantAttendAt != nil})
	}
	f.renumber()
	return f
}

// teamLimit is how many members the team may have after the change, and
// why: an added member takes a seat only while one is free and no team
// waits (or, on the waiting list, up to the event's team size).
func teamLimit(e convening.Event, reg convening.Registration, now time.Time) (int, string) {
	size := min(e.MaxTeamSize, convening.MaxTeamSizeCap)
	switch {
	case e.CheckWindow(now) != nil:
		return min(reg.Seats, size), "Registration is closed, so no one can be added now; you can still name a substitute for a member, or remove one."
	case reg.Status == convening.StatusWaitlisted:
		return size, "Your team waits on the waiting list: it may have up to " + plural(size, "member", "members") + ", and it needs a seat for each when seats open."
	case e.WaitlistLength > 0:
		return min(reg.Seats, size), "Teams are waiting for seats, so no one can be added now; you can still name a substitute for a member, or remove one (the seat then goes to the next team)."
	case e.SeatsLeft() == 0:
		return min(reg.Seats, size), "No seat is left at this event, so no one can be added now; you can still name a substitute for a member, or remove one."
	}
	n := min(size, reg.Seats+e.SeatsLeft())
	return n, plural(e.SeatsLeft(), "seat is", "seats are") + " left: an added member takes one. Your team may have up to " + plural(n, "member", "members") + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (h *Handler) teamPage(w http.ResponseWriter, r *http.Request) error {
	id, token := r.PathValue("registrationId"), r.URL.Query().Get("token")
	reg, e, err := h.registration(r.Context(), id, token)
	if err != nil {
		return err
	}
	return h.showTeam(w, r, http.StatusOK, e, reg, token, editForm(reg), "")
}

func (h *Handler) showTeam(w http.ResponseWriter, r *http.Request, status int, e convening.Event, reg convening.Registration, token string, form teamForm, problem string) error {
	private(w)
	now := h.svc.Now()
	v := teamEditView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now), Form: form, Token: token, Problem: problem}
	form.MaxMembers, v.SeatNote = teamLimit(e, reg, now)
	v.NoSeat = form.MaxMembers <= reg.Seats && reg.Status != convening.StatusWaitlisted
	v.Form.MaxMembers = form.MaxMembers
	v.Form.CSRF = h.csrfToken(h.csrfNonce(w, r), "team:"+reg.ID)
	for _, role := range convening.Roles {
		v.Roles = append(v.Roles, roleOption{Value: string(role), Label: role.Label()})
	}
	title := "Change your team"
	if len(form.Summary) > 0 || problem != "" {
		title = "Error: " + title
	}
	return h.render(w, status, "team", title, v, true)
}

// changeTeam saves the team as the form has it; adding or removing a row
// (without JavaScript) changes nothing but the form.
func (h *Handler) changeTeam(w http.ResponseWriter, r *http.Request) error {
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
	form := parseTeamForm(f, convening.MaxTeamSizeCap)
	limit, _ := teamLimit(e, reg, h.svc.Now())
	form.MaxMembers = limit
	switch op := f.Get("op"); {
	case op == "add":
		form.addRow()
		return h.showTeam(w, r, http.StatusOK, e, reg, token, form, "")
	case strings.HasPrefix(op, "remove-"):
		i, _ := strconv.Atoi(strings.TrimPrefix(op, "remove-"))
		form.removeRow(i)
		return h.showTeam(w, r, http.StatusOK, e, reg, token, form, "")
	}
	if !h.checkCSRF(r, "team:"+reg.ID) {
		return h.showTeam(w, r, http.StatusForbidden, e, reg, token, form, "For your security, please check your team and press “Save the changes” again.")
	}
	form.dropEmptyRows()
	team := form.team()
	change := convening.TeamChange{Members: &team.Members, Contact: &team.Contact}
	if _, err := h.svc.ChangeTeam(ctx, id, token, change); err != nil {
		text := ""
		switch convening.ErrorReason(err) {
		case convening.ReasonInvalidFields:
			if !form.setErrors(err) {
				text = "Please check your team's details and try again."
			}
		case convening.ReasonNotEnoughSeats:
			text = "There is no seat left for another member: seats went to other teams meanwhile. You can still name a substitute for a member, or remove one."
		case convening.ReasonTeamsWaiting:
			text = "Teams are waiting for seats, so no one can be added now. You can still name a substitute for a member, or remove one."
		case convening.ReasonRegistrationClosed:
			text = "Registration is closed, so no one can be added now. You can still name a substitute for a member, or remove one."
		case convening.ReasonEventStarted:
			text = "The event has begun: please ask CA LMI staff at the door to change your team."
		case convening.ReasonNotActive:
			text = "This registration is cancelled, so its team cannot change."
		case convening.ReasonBusy:
			text = "We're very busy right now, and nothing is changed yet. Please press “Save the changes” again in a few seconds."
		default:
			return err
		}
		// Show the event as it is now: the seats may have moved.
		status := problem.Status(err)
		if reg, e, err = h.registration(ctx, id, token); err != nil {
			return err
		}
		return h.showTeam(w, r, status, e, reg, token, form, text)
	}
	return redirect(w, managePath(id, token, "changed"))
}

// --- A member's own page ---

// attendeeView is what a member's own link shows: their attendance, the
// event and who else is on the team (names and roles), not the contact's
// powers.
type attendeeView struct {
	Event        eventView
	Status       string
	Organization string
	ContactName  string
	Member       memberView
	Team         []memberView
	CantAttend   bool
	// Open: the member may still say whether they attend (the
	// registration is active and the event not over).
	Open          bool
	Path, Token   string
	Action        string // the form's target: the page without its token
	CSRF, Done    string
	Problem       string
	Registered    bool
	Waitlisted    bool
	Offered       bool
	CancelledTeam bool
}

func attendeePath(id, memberID, token, done string) string {
	q := url.Values{"token": {token}}
	if done != "" {
		q.Set("done", done)
	}
	return "/registrations/" + url.PathEscape(id) + "/members/" + url.PathEscape(memberID) + "?" + q.Encode()
}

func (h *Handler) attendeePage(w http.ResponseWriter, r *http.Request) error {
	id, mid, token := r.PathValue("registrationId"), r.PathValue("memberId"), r.URL.Query().Get("token")
	reg, err := h.svc.Attendee(r.Context(), id, mid, token)
	if err != nil {
		return err
	}
	e, err := h.svc.Event(r.Context(), reg.EventID)
	if err != nil {
		return err
	}
	return h.showAttendee(w, r, http.StatusOK, e, reg, token, "")
}

func (h *Handler) showAttendee(w http.ResponseWriter, r *http.Request, status int, e convening.Event, reg convening.Registration, token, problem string) error {
	private(w)
	now := h.svc.Now()
	mid := r.PathValue("memberId")
	v := attendeeView{Event: newEventView(e, now), Status: string(reg.Status), Organization: reg.Organization.Name,
		ContactName: reg.Contact.Name, Token: token, Problem: problem, Path: attendeePath(reg.ID, mid, token, ""),
		Registered: reg.Status == convening.StatusRegistered, Waitlisted: reg.Status == convening.StatusWaitlisted,
		Offered: reg.Status == convening.StatusOffered, CancelledTeam: !reg.Status.Active(),
		Open:   reg.Status.Active() && now.Before(e.EndsAt),
		Action: "/registrations/" + url.PathEscape(reg.ID) + "/members/" + url.PathEscape(mid)}
	for _, m := range reg.Members {
		mv := memberView{Name: m.Name, Role: m.Role.Label(), CantAttend: m.CantAttendAt != nil}
		if m.ID == mid {
			v.Member, v.CantAttend = mv, m.CantAttendAt != nil
			mv.You = true
		}
		v.Team = append(v.Team, mv)
	}
	switch d := r.URL.Query().Get("done"); {
	case d == "cant" && v.CantAttend, d == "can" && !v.CantAttend:
		v.Done = d
	}
	v.CSRF = h.csrfToken(h.csrfNonce(w, r), "attendance:"+reg.ID+":"+mid)
	title := "Your place on the team"
	return h.render(w, status, "attendee", title, v, false)
}

// attendance records the member's word: op "cant" is "I can't attend",
// "can" is "I can attend after all".
func (h *Handler) attendance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, mid, token := r.PathValue("registrationId"), r.PathValue("memberId"), f.Get("token")
	reg, err := h.svc.Attendee(ctx, id, mid, token)
	if err != nil {
		return err
	}
	e, err := h.svc.Event(ctx, reg.EventID)
	if err != nil {
		return err
	}
	op := f.Get("op")
	if op != "cant" && op != "can" {
		return h.showAttendee(w, r, http.StatusBadRequest, e, reg, token, "Please press one of the buttons below.")
	}
	if !h.checkCSRF(r, "attendance:"+reg.ID+":"+mid) {
		return h.showAttendee(w, r, http.StatusForbidden, e, reg, token, "For your security, please press the button again.")
	}
	_, err = h.svc.SetAttendance(ctx, id, mid, token, op == "cant")
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, attendeePath(id, mid, token, op))
	case convening.ReasonNotActive, convening.ReasonEventStarted:
		return h.showAttendee(w, r, http.StatusConflict, e, reg, token, "Your team's registration no longer takes this: the page shows where it stands.")
	case convening.ReasonBusy:
		return h.showAttendee(w, r, problem.Status(err), e, reg, token, "We're very busy right now, and nothing is recorded yet. Please press the button again in a few seconds.")
	}
	return err
}

// --- Email me my links ---

type linksView struct {
	Email, Error, CSRF, Message string
	Sent                        bool
}

// LinksSent is what the links page says once a request is in, whatever
// the address: nobody learns from it who registered.
const LinksSent = "If this address belongs to the contact or a member of a team registered for an upcoming event, or of a statement of interest, we are emailing it the private links now."

func (h *Handler) linksPage(w http.ResponseWriter, r *http.Request) error {
	v := linksView{Sent: r.URL.Query().Get("sent") == "1"}
	return h.showLinks(w, r, http.StatusOK, v)
}

func (h *Handler) showLinks(w http.ResponseWriter, r *http.Request, status int, v linksView) error {
	v.CSRF, v.Message = h.csrfToken(h.csrfNonce(w, r), "links"), LinksSent
	title := "Email me my links"
	if v.Error != "" {
		title = "Error: " + title
	}
	return h.render(w, status, "links", title, v, false)
}

func (h *Handler) requestLinks(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(r)
	if err != nil {
		return err
	}
	v := linksView{Email: f.Get("email")}
	if !h.checkCSRF(r, "links") {
		v.Error = "For your security, please press “Email me my links” again."
		return h.showLinks(w, r, http.StatusForbidden, v)
	}
	err = h.svc.SendLinks(r.Context(), v.Email, r.RemoteAddr)
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, "/links?sent=1")
	case convening.ReasonInvalidFields:
		v.Error = "Enter your email address, like name@district.org"
		if strings.TrimSpace(v.Email) != "" {
			v.Error = "Email must be an email address like name@district.org"
		}
		return h.showLinks(w, r, http.StatusBadRequest, v)
	case convening.ReasonBusy:
		v.Error = "We're very busy right now. Please press “Email me my links” again in a few seconds."
		return h.showLinks(w, r, problem.Status(err), v)
	}
	return err
}
