package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/calmi/convenings/pkg/convening"
)

// eventJSON is an Event as the API shows it, with the derived fields.
type eventJSON struct {
	convening.Event
	SeatsLeft        int  `json:"seatsLeft"`
	RegistrationOpen bool `json:"registrationOpen"`
}

func eventView(e convening.Event, now time.Time) eventJSON {
	return eventJSON{Event: e, SeatsLeft: e.SeatsLeft(), RegistrationOpen: e.RegistrationOpen(now)}
}

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	list, err := h.events.Events(ctx)
	if err != nil {
		return err
	}
	now := h.events.Now()
	out := make([]eventJSON, 0, len(list))
	for _, e := range list {
		out = append(out, eventView(e, now))
	}
	return ok(w, http.StatusOK, map[string]any{"events": out})
}

func (h *Handler) getEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := h.events.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, eventView(e, h.events.Now()))
}

type registrationResponse struct {
	Registration convening.Registration `json:"registration"`
	ManageToken  string                 `json:"manageToken,omitempty"`
}

func (h *Handler) getRegistration(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reg, err := h.registrations.Registration(ctx, r.PathValue("registrationId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

func (h *Handler) cancelRegistration(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reg, err := h.registrations.Cancel(ctx, r.PathValue("registrationId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

// withMembers makes sure members encode as [] rather than null.
func withMembers(r convening.Registration) convening.Registration {
	if r.Members == nil {
		r.Members = []convening.Member{}
	}
	return r
}

// createEventRequest is the body of POST /api/admin/events. Times are taken
// as strings so that a bad one is reported by field name.
type createEventRequest struct {
	ID                   string                   `json:"id"`
	Title                string                   `json:"title"`
	Kind                 convening.Kind           `json:"kind"`
	Description          string                   `json:"description"`
	StartsAt             string                   `json:"startsAt"`
	EndsAt               string                   `json:"endsAt"`
	Venue                string                   `json:"venue"`
	Online               bool                     `json:"online"`
	Capacity             int                      `json:"capacity"`
	MaxTeamSize          int                      `json:"maxTeamSize"`
	RegistrationOpensAt  string                   `json:"registrationOpensAt"`
	RegistrationClosesAt string                   `json:"registrationClosesAt"`
	WaitlistPolicy       convening.WaitlistPolicy `json:"waitlistPolicy"`
	ParentEventID        string                   `json:"parentEventId"`
	// Admission settings (see convening.Event).
	Admission          convening.Admission       `json:"admission"`
	RequiredRoles      []convening.Role          `json:"requiredRoles"`
	StatementsCloseAt  string                    `json:"statementsCloseAt"`
	ReviewCriteria     []convening.Criterion     `json:"reviewCriteria"`
	RespondWithinHours int                       `json:"respondWithinHours"`
	WaitlistOffers     *convening.WaitlistOffers `json:"waitlistOffers"`
	AutoInvite         bool                      `json:"autoInvite"`
	// The event's own questions and reminders.
	Questions []convening.Question `json:"questions"`
	Reminders []convening.Reminder `json:"reminders"`
	// Who may register, and the eligibility rule from the start.
	Registrants convening.Registrants      `json:"registrants"`
	Eligibility *convening.EligibilityRule `json:"eligibility"`
	// RegistrationMode is "direct" (the default) or "queued".
	RegistrationMode convening.RegistrationMode `json:"registrationMode"`
}

// times parses the named RFC 3339 fields, collecting an error per bad field;
// what names the body in the error ("The event" if empty).
type times struct {
	what   string
	fields []convening.FieldError
}

func (t *times) parse(field, s string, required bool) time.Time {
	if s == "" {
		if required {
			t.fields = append(t.fields, convening.Field(field, convening.RuleRequired))
		}
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.fields = append(t.fields, convening.Field(field, convening.RuleDateTime))
	}
	return v
}

func (t *times) err() error {
	if len(t.fields) == 0 {
		return nil
	}
	what := t.what
	if what == "" {
		what = "The event"
	}
	return convening.InvalidFields(what, t.fields...)
}

func (h *Handler) createEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in createEventRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	var t times
	e := convening.Event{
		ID: in.ID, Title: in.Title, Kind: in.Kind, Description: in.Description, Venue: in.Venue, Online: in.Online,
		Capacity: in.Capacity, MaxTeamSize: in.MaxTeamSize, WaitlistPolicy: in.WaitlistPolicy, ParentEventID: in.ParentEventID,
		StartsAt:             t.parse("startsAt", in.StartsAt, true),
		EndsAt:               t.parse("endsAt", in.EndsAt, true),
		RegistrationOpensAt:  t.parse("registrationOpensAt", in.RegistrationOpensAt, false),
		RegistrationClosesAt: t.parse("registrationClosesAt", in.RegistrationClosesAt, false),
		Admission:            in.Admission, RequiredRoles: in.RequiredRoles, ReviewCriteria: in.ReviewCriteria,
		RespondWithinHours: in.RespondWithinHours, WaitlistOffers: in.WaitlistOffers, AutoInvite: in.AutoInvite,
		Questions: in.Questions, Reminders: in.Reminders,
		Registrants: in.Registrants, RegistrationMode: in.RegistrationMode,
	}
	if h.people.Eligibility != nil {
		rule, err := h.people.Eligibility.PrepareRule(ctx, in.Eligibility)
		if err != nil {
			return err
		}
		if rule != nil {
			e.Eligibility, e.EligibilityVersion = rule, 1
		}
	}
	if in.StatementsCloseAt != "" {
		v := t.parse("statementsCloseAt", in.StatementsCloseAt, true)
		e.StatementsCloseAt = &v
	}
	if err := t.err(); err != nil {
		return err
	}
	e, err := h.events.CreateEvent(ctx, staffActor(r), e)
	if err != nil {
		return err
	}
	return created(w, "/api/events/"+e.ID, false, eventView(e, h.events.Now()))
}

type updateEventRequest struct {
	Title                *string                   `json:"title"`
	Description          *string                   `json:"description"`
	Venue                *string                   `json:"venue"`
	Online               *bool                     `json:"online"`
	StartsAt             *string                   `json:"startsAt"`
	EndsAt               *string                   `json:"endsAt"`
	Capacity             *int                      `json:"capacity"`
	MaxTeamSize          *int                      `json:"maxTeamSize"`
	RegistrationOpensAt  *string                   `json:"registrationOpensAt"`
	RegistrationClosesAt *string                   `json:"registrationClosesAt"`
	WaitlistPolicy       *convening.WaitlistPolicy `json:"waitlistPolicy"`
	RequiredRoles        *[]convening.Role         `json:"requiredRoles"`
	StatementsCloseAt    *string                   `json:"statementsCloseAt"`
	ReviewCriteria       *[]convening.Criterion    `json:"reviewCriteria"`
	RespondWithinHours   *int                      `json:"respondWithinHours"`
	// WaitlistOffers is kept raw to tell null (turn offers off) from absent.
	WaitlistOffers jsontext.Value `json:"waitlistOffers"`
	AutoInvite     *bool          `json:"autoInvite"`
	// The event's own questions and reminders, each replaced whole (a
	// reason is then required).
	Questions *[]convening.Question `json:"questions"`
	Reminders *[]convening.Reminder `json:"reminders"`
	// Reason is recorded in the audit log with the change (optional, but
	// for questions and reminders).
	// Registrants: who may register.
	Registrants      *convening.Registrants      `json:"registrants"`
	RegistrationMode *convening.RegistrationMode `json:"registrationMode"`
	// Reason is recorded in the audit log with the change (optional).
	Reason string `json:"reason"`
}

func (h *Handler) updateEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in updateEventRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	var t times
	c := convening.EventChange{Title: in.Title, Description: in.Description, Venue: in.Venue, Online: in.Online,
		Capacity: in.Capacity, MaxTeamSize: in.MaxTeamSize, WaitlistPolicy: in.WaitlistPolicy,
		RequiredRoles: in.RequiredRoles, ReviewCriteria: in.ReviewCriteria, RespondWithinHours: in.RespondWithinHours, AutoInvite: in.AutoInvite,
		Questions: in.Questions, Reminders: in.Reminders,
		Registrants: in.Registrants, RegistrationMode: in.RegistrationMode}
	if len(in.WaitlistOffers) > 0 {
		c.SetWaitlistOffers = true
		switch in.WaitlistOffers.Kind() {
		case 'n':
		case '{':
			c.WaitlistOffers = new(convening.WaitlistOffers)
			if err := unmarshal("waitlistOffers", in.WaitlistOffers, c.WaitlistOffers); err != nil {
				return err
			}
		default:
			return convening.InvalidFields("The change",
				convening.Field("waitlistOffers", convening.RuleType, "type", "an object or null"))
		}
	}
	if in.StatementsCloseAt != nil {
		v := t.parse("statementsCloseAt", *in.StatementsCloseAt, true)
		c.StatementsCloseAt = &v
	}
	if in.StartsAt != nil {
		v := t.parse("startsAt", *in.StartsAt, true)
		c.StartsAt = &v
	}
	if in.EndsAt != nil {
		v := t.parse("endsAt", *in.EndsAt, true)
		c.EndsAt = &v
	}
	if in.RegistrationOpensAt != nil {
		v := t.parse("registrationOpensAt", *in.RegistrationOpensAt, true)
		c.RegistrationOpensAt = &v
	}
	if in.RegistrationClosesAt != nil {
		v := t.parse("registrationClosesAt", *in.RegistrationClosesAt, true)
		c.RegistrationClosesAt = &v
	}
	if err := t.err(); err != nil {
		return err
	}
	e, err := h.events.UpdateEvent(ctx, staffActor(r), r.PathValue("eventId"), c, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, eventView(e, h.events.Now()))
}

// rosterBudget bounds a roster page's encoded registrations, well inside
// Lambda's 6 MB answer: a page of 200 teams of 100 members each would not
// fit, so a page ends early and its cursor goes on from there.
const rosterBudget = 4 << 20

type rosterResponse struct {
	Event         eventJSON         `json:"event"`
	Registrations []json.RawMessage `json:"registrations"`
	Next          *string           `json:"next"`
}

func (h *Handler) roster(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := convening.RosterQuery{Status: convening.Status(r.URL.Query().Get("status")), Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return convening.InvalidFields("The roster query",
				convening.Field("limit", convening.RuleRange, "min", 1, "max", convening.MaxRosterPage))
		}
		q.Limit = n
	}
	e, page, err := h.staff.Roster(ctx, r.PathValue("eventId"), q)
	if err != nil {
		return err
	}
	out := rosterResponse{Event: eventView(e, h.events.Now()), Registrations: []json.RawMessage{}}
	size := 0
	for i, reg := range page.Registrations {
		b, err := json.Marshal(withMembers(reg))
		if err != nil {
			return fmt.Errorf("encode roster: %w", err)
		}
		if size += len(b) + 1; size > rosterBudget && i > 0 {
			page.Next = convening.RosterCursor(page.Registrations[i-1].Status, page.Registrations[i-1].ID)
			break
		}
		out.Registrations = append(out.Registrations, b)
	}
	if page.Next != "" {
		out.Next = &page.Next
	}
	return ok(w, http.StatusOK, out)
}

type noticesResponse struct {
	Notices []convening.NoticeRecord `json:"notices"`
}

// notices lists the notices that failed for good, for staff: the teams
// that did not get an email, and why (no address is stored or shown).
func (h *Handler) notices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := convening.NoticeQuery{State: convening.NoticeState(r.URL.Query().Get("state"))}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return convening.InvalidFields("The notices query",
				convening.Field("limit", convening.RuleRange, "min", 1, "max", convening.MaxNoticePage))
		}
		q.Limit = n
	}
	list, err := h.emails.FailedNotices(ctx, q)
	if err != nil {
		return err
	}
	if list == nil {
		list = []convening.NoticeRecord{}
	}
	return ok(w, http.StatusOK, noticesResponse{Notices: list})
}
