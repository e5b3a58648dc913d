package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// teamHistoryPage is how many of a team's audit records its page shows;
// the audit page has the rest.
const teamHistoryPage = 50

// teamView is a team's page: its registration, contact and members, the
// emails it was sent with their delivery, its history, and the staff's
// actions on it (each a form with a required reason).
type teamView struct {
	Reg     convening.Registration
	Event   convening.Event
	Notices []convening.NoticeRecord
	History []auditRow
	// MoreHistory says the audit page has older records.
	MoreHistory bool
	// Failed is the action whose form has errors, if any; Form its
	// errors and Values what was sent.
	Failed string
	Form   formErrors
	Values url.Values
	// MaxMovePast is how many teams one move may pass.
	MaxMovePast int
}

// actionForm is one action's form on the team page.
type actionForm struct {
	formErrors
	// Open shows the form unfolded: it has errors to correct.
	Open   bool
	values url.Values
}

// Get is a value as it was sent, to show it again.
func (a actionForm) Get(name string) string { return a.values.Get(name) }

// Action returns the form of the named action.
func (v teamView) Action(name string) actionForm {
	if v.Failed != name {
		return actionForm{}
	}
	return actionForm{formErrors: v.Form, Open: true, values: v.Values}
}

// Fits reports whether the waitlisted team fits the seats left now.
func (v teamView) Fits() bool { return v.Reg.Seats <= v.Event.SeatsLeft() }

// Room is how many members the team may add now.
func (v teamView) Room() int { return room(v.Reg, v.Event) }

// CheckedIn counts the team's members checked in.
func (v teamView) CheckedIn() int {
	n := 0
	for _, m := range v.Reg.Members {
		if m.CheckedInAt != nil {
			n++
		}
	}
	return n
}

// CantAttend counts the members who said, by their own link, that they
// cannot attend: seats the contact may give to a substitute or release.
func (v teamView) CantAttend() int {
	n := 0
	for _, m := range v.Reg.Members {
		if m.CantAttendAt != nil {
			n++
		}
	}
	return n
}

// team is a team's page.
func (h *Handler) team(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := h.teamView(ctx, r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "team", v.Reg.Organization.Name, &who, v)
}

func (h *Handler) teamView(ctx context.Context, id string) (teamView, error) {
	v := teamView{MaxMovePast: convening.MaxMovePast}
	var err error
	if v.Reg, err = h.svc.StaffRegistration(ctx, id); err != nil {
		return v, err
	}
	if v.Event, err = h.svc.Event(ctx, v.Reg.EventID); err != nil {
		return v, err
	}
	if v.Notices, err = h.svc.RegistrationNotices(ctx, id); err != nil {
		return v, err
	}
	records, next, err := h.svc.Audit(ctx, convening.AuditQuery{Subject: id, Limit: teamHistoryPage})
	if err != nil {
		return v, err
	}
	v.History, v.MoreHistory = auditRows(records, memberNames(v.Reg)), next != ""
	return v, nil
}

// teamAction runs one staff action on a team from its form: on success it
// redirects to the team's page, which says what was done; if the form
// needs correcting, or the team's state no longer allows the action, it
// shows the team's page again with the form unfolded and its errors
// (400, or 409 for a conflict). fields are the form's, for placing errors.
func (h *Handler) teamAction(w http.ResponseWriter, r *http.Request, who staffauth.Staff, name string, fields []formField,
	do func(v url.Values, f *formErrors) (flash, error)) error {
	ctx := r.Context()
	id := r.PathValue("registrationId")
	v, err := formValues(r)
	if err != nil {
		return err
	}
	var f formErrors
	done, err := do(v, &f)
	if err == nil && !f.Failed() {
		h.log.InfoContext(ctx, "staff action", "action", name, "registration", id, staffAttr(who))
		return h.redirectWith(w, r, "/staff/registrations/"+id, done)
	}
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		f.place(err, fields)
	}
	page, verr := h.teamView(ctx, id)
	if verr != nil {
		return verr
	}
	page.Failed, page.Form, page.Values = name, f, v
	return h.render(w, r, status, "team", "Error: "+page.Reg.Organization.Name, &who, page)
}

// checkReason adds the reason's error, as the service would report it,
// so that a form reports every error at once.
func checkReason(f *formErrors, reason string, fields []formField) {
	if err := convening.CheckReason(reason); err != nil {
		f.place(err, fields)
	}
}

// cancel cancels a registration on the team's behalf (the undo of one
// made in someone else's name); the team is emailed, and waitlisted teams
// are promoted into the seats it frees.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"cancel-reason", "reason", "Reason"}}
	return h.teamAction(w, r, who, "cancel", fields, func(v url.Values, _ *formErrors) (flash, error) {
		since := h.svc.Now()
		reg, err := h.svc.StaffCancel(ctx, actor(who), r.PathValue("registrationId"), v.Get("reason"))
		if err != nil {
			return flash{}, err
		}
		return flash{Code: "cancelled", Team: reg.Organization.Name, Teams: h.promotedSince(ctx, reg.EventID, since)}, nil
	})
}

// promote registers a waitlisted team at once, out of turn, if it fits.
func (h *Handler) promote(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"promote-reason", "reason", "Reason"}}
	return h.teamAction(w, r, who, "promote", fields, func(v url.Values, _ *formErrors) (flash, error) {
		reg, err := h.svc.PromoteNow(ctx, actor(who), r.PathValue("registrationId"), v.Get("reason"))
		return flash{Code: "promoted", Team: reg.Organization.Name}, err
	})
}

// move moves a waitlisted team to a place on the waiting list.
func (h *Handler) move(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"move-position", "position", "New place"}, {"move-reason", "reason", "Reason"}}
	return h.teamAction(w, r, who, "move", fields, func(v url.Values, f *formErrors) (flash, error) {
		position, err := strconv.Atoi(strings.TrimSpace(v.Get("position")))
		if err != nil || position < 1 {
			f.add(fields[0], convening.Field("position", convening.RuleRange, "min", 1, "max", "the length of the waiting list"))
		}
		checkReason(f, v.Get("reason"), fields)
		if f.Failed() {
			return flash{}, nil
		}
		reg, err := h.svc.MoveOnWaitlist(ctx, actor(who), r.PathValue("registrationId"), position, v.Get("reason"))
		f2 := flash{Code: "moved", Team: reg.Organization.Name}
		if reg.WaitlistPosition != nil {
			f2.N = *reg.WaitlistPosition
		}
		return f2, err
	})
}

// changeContact makes someone else the team's contact (for instance to
// mend an address an email failed on); the new contact is emailed.
func (h *Handler) changeContact(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"contact-name", "contact.name", "Contact's name"}, {"contact-email", "contact.email", "Contact's email"},
		{"contact-reason", "reason", "Reason"}}
	return h.teamAction(w, r, who, "contact", fields, func(v url.Values, f *formErrors) (flash, error) {
		contact := convening.Contact{Name: v.Get("contact_name"), Email: v.Get("contact_email")}
		reg, err := h.svc.StaffRegistration(ctx, r.PathValue("registrationId"))
		if err != nil {
			return flash{}, err
		}
		e, err := h.svc.Event(ctx, reg.EventID)
		if err != nil {
			return flash{}, err
		}
		team := reg.Team
		team.Contact = contact
		h.checkTeam(f, e, team, fields)
		checkReason(f, v.Get("reason"), fields)
		if f.Failed() {
			return flash{}, nil
		}
		reg, err = h.svc.ChangeContact(ctx, actor(who), reg.ID, contact, v.Get("reason"))
		return flash{Code: "contact-changed", Team: reg.Organization.Name, Person: reg.Contact.Name}, err
	})
}

// resend sends one of the team's emails again, as it would be written now
// (to the contact as it is now).
func (h *Handler) resend(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id, noticeID := r.PathValue("registrationId"), r.PathValue("noticeId")
	notices, err := h.svc.RegistrationNotices(ctx, id)
	if err != nil {
		return err
	}
	var kind convening.NoticeKind
	for _, n := range notices {
		if n.ID == noticeID {
			kind = n.Kind
		}
	}
	if kind == "" {
		return convening.ErrNoticeNotFound
	}
	fields := []formField{{"resend-" + noticeID + "-reason", "reason", "Reason"}}
	return h.teamAction(w, r, who, "resend-"+noticeID, fields, func(v url.Values, _ *formErrors) (flash, error) {
		_, err := h.svc.ResendNotice(ctx, actor(who), noticeID, v.Get("reason"))
		return flash{Code: "resent", Team: noticeLabel(kind)}, err
	})
}
