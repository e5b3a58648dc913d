package httpapi

import (
	"net/http"
	"strconv"

	"github.com/calmi/convenings/pkg/convening"
)

// The staff's actions on a team: each takes a reason (recorded in the
// audit log with the change), and answers the registration as it is now.

type reasonRequest struct {
	Reason string `json:"reason"`
}

type moveRequest struct {
	Position int    `json:"position"`
	Reason   string `json:"reason"`
}

type membersRequest struct {
	Members []convening.Member `json:"members"`
	Reason  string             `json:"reason"`
}

type contactRequest struct {
	Contact convening.Contact `json:"contact"`
	Reason  string            `json:"reason"`
}

// walkInRequest adds a walk-in to a team: in a seat of their own, or, with
// Replaces (a member's id), in the place of a member who has not come.
type walkInRequest struct {
	Member   convening.Member `json:"member"`
	Replaces *string          `json:"replaces,omitempty"`
	Reason   string           `json:"reason"`
}

// teamResponse is a team's page for staff: the registration, every email
// it was sent or is owed with its delivery state, and its history.
type teamResponse struct {
	Registration convening.Registration   `json:"registration"`
	Notices      []convening.NoticeRecord `json:"notices"`
	History      []convening.AuditRecord  `json:"history"`
}

func (h *Handler) team(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("registrationId")
	reg, err := h.staff.StaffRegistration(ctx, id)
	if err != nil {
		return err
	}
	notices, err := h.emails.RegistrationNotices(ctx, id)
	if err != nil {
		return err
	}
	history, _, err := h.staff.Audit(ctx, convening.AuditQuery{Subject: id})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, teamResponse{Registration: withMembers(reg), Notices: nonNil(notices), History: nonNil(history)})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := convening.AuditQuery{EventID: r.PathValue("eventId"), ActorID: r.URL.Query().Get("actor"),
		Cursor: r.URL.Query().Get("cursor")}
	if k := r.URL.Query().Get("kind"); k != "" {
		q.Kinds = []convening.AuditKind{convening.AuditKind(k)}
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > convening.MaxRosterPage {
			return convening.InvalidFields("The audit query",
				convening.Field("limit", convening.RuleRange, "min", 1, "max", convening.MaxRosterPage))
		}
		q.Limit = n
	}
	if _, err := h.events.Event(ctx, q.EventID); err != nil {
		return err
	}
	records, next, err := h.staff.Audit(ctx, q)
	if err != nil {
		return err
	}
	out := struct {
		Records []convening.AuditRecord `json:"records"`
		Next    *string                 `json:"next"`
	}{Records: nonNil(records)}
	if next != "" {
		out.Next = &next
	}
	return ok(w, http.StatusOK, out)
}

// act decodes the body into in, runs the action and answers the
// registration it returns.
func act[T any](w http.ResponseWriter, r *http.Request, in *T, do func() (convening.Registration, error)) error {
	if _, err := decode(r, in); err != nil {
		return err
	}
	reg, err := do()
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

func (h *Handler) staffCancel(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in reasonRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.StaffCancel(ctx, staffActor(r), r.PathValue("registrationId"), in.Reason)
	})
}

func (h *Handler) promoteNow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in reasonRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.PromoteNow(ctx, staffActor(r), r.PathValue("registrationId"), in.Reason)
	})
}

func (h *Handler) move(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in moveRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.MoveOnWaitlist(ctx, staffActor(r), r.PathValue("registrationId"), in.Position, in.Reason)
	})
}

func (h *Handler) changeMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in membersRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.ChangeMembers(ctx, staffActor(r), r.PathValue("registrationId"), in.Members, in.Reason)
	})
}

func (h *Handler) changeContact(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in contactRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.ChangeContact(ctx, staffActor(r), r.PathValue("registrationId"), in.Contact, in.Reason)
	})
}

func (h *Handler) addWalkIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in walkInRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		if in.Replaces != nil {
			return h.staff.SubstituteWalkIn(ctx, staffActor(r), r.PathValue("registrationId"), *in.Replaces, in.Member, in.Reason)
		}
		return h.staff.AddWalkIn(ctx, staffActor(r), r.PathValue("registrationId"), in.Member, in.Reason)
	})
}

func (h *Handler) checkIn(undo bool) route {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		reg, err := h.staff.CheckIn(ctx, staffActor(r), r.PathValue("registrationId"), r.PathValue("memberId"), undo)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
	}
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in reasonRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	n, err := h.emails.ResendNotice(ctx, staffActor(r), r.PathValue("noticeId"), in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, map[string]any{"notice": n})
}

// exportOrganization answers everything held about one organization, as a
// JSON file to keep (the organization's data request).
func (h *Handler) exportOrganization(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org := convening.Organization{Name: r.URL.Query().Get("name"), County: r.URL.Query().Get("county")}
	data, err := h.privacy.ExportOrganization(ctx, org)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="organization-data.json"`)
	return ok(w, http.StatusOK, data)
}

type eraseRequest struct {
	Organization convening.Organization `json:"organization"`
	Reason       string                 `json:"reason"`
}

// eraseOrganization erases the people of an organization's registrations.
func (h *Handler) eraseOrganization(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in eraseRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	n, err := h.privacy.EraseOrganization(ctx, staffActor(r), in.Organization, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]int{"erased": n})
}
