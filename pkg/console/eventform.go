package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// eventForm is the event form as typed: every value kept as a string, so
// that a form with errors comes back exactly as it was sent.
type eventForm struct {
	formErrors
	// Event is the event being changed; nil when creating one.
	Event                           *convening.Event
	Title, ID, Kind, Description    string
	StartsAt, EndsAt, Venue         string
	Online                          bool
	Capacity, MaxTeamSize           string
	OpensAt, ClosesAt, Policy       string
	Parent                          string
	RequiredRoles                   []string
	Reason                          string
	Parents                         []convening.Event
	Kinds                           []convening.Kind
	Roles                           []convening.Role
	MaxCapacity, MaxTeamSizeCap     int
	MaxEventDays                    int
	SeatsTakenOrHeld, LargestWaiter int
}

// HasRole reports whether the form requires role.
func (f eventForm) HasRole(r convening.Role) bool { return slices.Contains(f.RequiredRoles, string(r)) }

// eventFields are the form's fields in page order.
var eventFields = []formField{
	{"title", "title", "Title"}, {"id", "id", "Event id"}, {"kind", "kind", "Kind of event"},
	{"description", "description", "Description"},
	{"starts", "startsAt", "Starts"}, {"ends", "endsAt", "Ends"}, {"venue", "venue", "Venue"},
	{"capacity", "capacity", "Capacity"}, {"max-team-size", "maxTeamSize", "Team size limit"},
	{"opens", "registrationOpensAt", "Registration opens"}, {"closes", "registrationClosesAt", "Registration closes"},
	{"policy-strict", "waitlistPolicy", "Waiting-list policy"}, {"parent", "parentEventId", "Part of"},
	{"required-roles", "requiredRoles", "Required roles"}, {"reason", "reason", "Reason"},
}

func fieldByID(fields []formField, id string) formField {
	for _, f := range fields {
		if f.ID == id {
			return f
		}
	}
	return formField{ID: id, Path: id, Label: id}
}

func (h *Handler) newEventForm(ctx context.Context) (eventForm, error) {
	f := eventForm{Kinds: convening.Kinds, Roles: convening.Roles, Policy: string(convening.PolicyStrict),
		MaxCapacity: convening.MaxCapacity, MaxTeamSizeCap: convening.MaxTeamSizeCap, MaxEventDays: convening.MaxEventDays}
	events, err := h.svc.Events(ctx)
	if err != nil {
		return f, err
	}
	now := h.svc.Now()
	for _, e := range events {
		if now.Before(e.EndsAt) {
			f.Parents = append(f.Parents, e)
		}
	}
	return f, nil
}

// readEventForm reads the fields both forms share.
func readEventForm(f *eventForm, v url.Values) {
	f.Title, f.ID, f.Kind, f.Description = v.Get("title"), strings.TrimSpace(v.Get("id")), v.Get("kind"), v.Get("description")
	f.StartsAt, f.EndsAt, f.Venue, f.Online = v.Get("starts"), v.Get("ends"), v.Get("venue"), v.Get("online") == "yes"
	f.Capacity, f.MaxTeamSize, f.OpensAt, f.ClosesAt = v.Get("capacity"), v.Get("max_team_size"), v.Get("opens"), v.Get("closes")
	f.Policy, f.Parent, f.RequiredRoles, f.Reason = v.Get("policy"), v.Get("parent"), v["required_roles"], v.Get("reason")
}

// time and count read what the inputs send before the domain sees it: a
// value they cannot read is an error of its field. (An empty one is the
// domain's to judge, except where the form needs a value: required.)
func (f *eventForm) time(id, value string, required bool) time.Time {
	t, ok := parseLocal(value)
	switch {
	case !ok:
		f.add(fieldByID(eventFields, id), convening.Field(fieldByID(eventFields, id).Path, convening.RuleDateTime))
	case required && t.IsZero():
		f.add(fieldByID(eventFields, id), convening.Field(fieldByID(eventFields, id).Path, convening.RuleRequired))
	}
	return t
}

func (f *eventForm) count(id, value string, max int) int {
	n, ok := parseCount(value)
	if !ok {
		f.add(fieldByID(eventFields, id), convening.Field(fieldByID(eventFields, id).Path, convening.RuleRange, "min", 1, "max", max))
	}
	return n
}

func (f eventForm) roles() []convening.Role {
	roles := []convening.Role{}
	for _, r := range f.RequiredRoles {
		roles = append(roles, convening.Role(r))
	}
	return roles
}

// newEvent is the empty form for a new event.
func (h *Handler) newEvent(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	f, err := h.newEventForm(ctx)
	if err != nil {
		return nil, err
	}
	return h.render(r, http.StatusOK, "event-form", "New event", &who, f)
}

// createEvent creates the event the form describes; the service fills the
// defaults the form explains.
func (h *Handler) createEvent(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	v, err := formValues(r)
	if err != nil {
		return nil, err
	}
	f, err := h.newEventForm(ctx)
	if err != nil {
		return nil, err
	}
	readEventForm(&f, v)
	e := convening.Event{
		ID: f.ID, Title: f.Title, Kind: convening.Kind(f.Kind), Description: f.Description, Venue: f.Venue, Online: f.Online,
		WaitlistPolicy: convening.WaitlistPolicy(f.Policy), ParentEventID: f.Parent, RequiredRoles: f.roles(),
		StartsAt: f.time("starts", f.StartsAt, false), EndsAt: f.time("ends", f.EndsAt, false),
		RegistrationOpensAt: f.time("opens", f.OpensAt, false), RegistrationClosesAt: f.time("closes", f.ClosesAt, false),
		Capacity: f.count("capacity", f.Capacity, convening.MaxCapacity), MaxTeamSize: f.count("max-team-size", f.MaxTeamSize, convening.MaxTeamSizeCap),
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		created, err := h.svc.CreateEvent(ctx, actor(who), e)
		if err == nil {
			h.log.InfoContext(ctx, "event created", "event", created.ID, staffAttr(who))
			return h.redirectWith(r, "/staff/events/"+created.ID, flash{Code: "event-created", Team: created.Title}), nil
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return nil, err
		}
		if convening.ErrorReason(err) == convening.ReasonEventExists {
			f.add(fieldByID(eventFields, "id"), convening.Field("id", convening.RuleTaken))
		} else {
			f.place(err, eventFields)
		}
	}
	return h.render(r, status, "event-form", "Error: New event", &who, f)
}

// editEvent is the form that changes an event's capacity, team size,
// registration window, waiting-list policy and required roles.
func (h *Handler) editEvent(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	e, err := h.svc.Event(ctx, r.Params["eventId"])
	if err != nil {
		return nil, err
	}
	f := editForm(e)
	return h.render(r, http.StatusOK, "event-form", "Change "+e.Title, &who, f)
}

func editForm(e convening.Event) eventForm {
	f := eventForm{Event: &e, Roles: convening.Roles, MaxCapacity: convening.MaxCapacity, MaxTeamSizeCap: convening.MaxTeamSizeCap,
		Capacity: strconv.Itoa(e.Capacity), MaxTeamSize: strconv.Itoa(e.MaxTeamSize),
		OpensAt: localTime(e.RegistrationOpensAt), ClosesAt: localTime(e.RegistrationClosesAt), Policy: string(e.WaitlistPolicy),
		SeatsTakenOrHeld: e.SeatsTaken + e.SeatsHeld}
	for _, r := range e.RequiredRoles {
		f.RequiredRoles = append(f.RequiredRoles, string(r))
	}
	return f
}

// updateEvent applies the changes the form makes, with the reason the
// audit log keeps; a capacity raise promotes waitlisted teams at once,
// and the event's page then names them.
func (h *Handler) updateEvent(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	v, err := formValues(r)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.Event(ctx, r.Params["eventId"])
	if err != nil {
		return nil, err
	}
	f := editForm(e)
	f.Capacity, f.MaxTeamSize, f.OpensAt, f.ClosesAt = v.Get("capacity"), v.Get("max_team_size"), v.Get("opens"), v.Get("closes")
	f.Policy, f.RequiredRoles, f.Reason = v.Get("policy"), v["required_roles"], v.Get("reason")

	// Only what differs goes into the change, so that the audit log
	// records what staff changed and nothing else.
	var c convening.EventChange
	if n := f.count("capacity", f.Capacity, convening.MaxCapacity); n != e.Capacity {
		c.Capacity = &n
	}
	if n := f.count("max-team-size", f.MaxTeamSize, convening.MaxTeamSizeCap); n != e.MaxTeamSize {
		c.MaxTeamSize = &n
	}
	if t := f.time("opens", f.OpensAt, true); localTime(t) != localTime(e.RegistrationOpensAt) {
		c.RegistrationOpensAt = &t
	}
	if t := f.time("closes", f.ClosesAt, true); localTime(t) != localTime(e.RegistrationClosesAt) {
		c.RegistrationClosesAt = &t
	}
	if p := convening.WaitlistPolicy(f.Policy); p != e.WaitlistPolicy {
		c.WaitlistPolicy = &p
	}
	if roles := f.roles(); convening.RequiredRolesKey(roles) != convening.RequiredRolesKey(e.RequiredRoles) {
		c.RequiredRoles = &roles
	}
	// Every error at once: the reason, and what the change would break
	// (the domain's own check, run again by the store with the waiting
	// list).
	status := http.StatusBadRequest
	if err := convening.CheckReason(f.Reason); err != nil {
		f.place(err, eventFields)
	}
	if !f.Failed() && !c.Empty() {
		if _, err := c.Apply(e, nil); err != nil {
			status, _ = formFailure(err)
			f.place(err, eventFields)
		}
	}
	if !f.Failed() {
		since := h.svc.Now()
		updated, err := h.svc.UpdateEvent(ctx, actor(who), e.ID, c, f.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "event changed", "event", e.ID, staffAttr(who))
			return h.redirectWith(r, "/staff/events/"+e.ID, flash{Code: "event-changed", Team: updated.Title,
				Teams: h.promotedSince(ctx, e.ID, since)}), nil
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return nil, err
		}
		f.place(err, eventFields)
	}
	return h.render(r, status, "event-form", "Error: Change "+e.Title, &who, f)
}

// promotedSince names the teams promoted from an event's waiting list
// since a time: those a change that freed seats promoted. It reads only
// the newest page of the log (unfiltered, so the store stops there): the
// change's own record and its promotions are at its head. A failure to
// read them is logged; the change itself is done.
func (h *Handler) promotedSince(ctx context.Context, eventID string, since time.Time) []string {
	records, _, err := h.svc.Audit(ctx, convening.AuditQuery{EventID: eventID, Limit: auditPageSize})
	if err != nil {
		h.log.WarnContext(ctx, "read promotions", "event", eventID, "error", err)
		return nil
	}
	var names []string
	for _, rec := range records {
		if rec.At.Before(since) {
			break
		}
		if rec.Kind == convening.AuditPromoted {
			names = append(names, rec.Organization)
		}
	}
	slices.Reverse(names) // in the order they were promoted
	return names
}
