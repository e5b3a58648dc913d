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
	CoreRoles, OtherRoles           []convening.Role
	MaxCapacity, MaxTeamSizeCap     int
	MaxEventDays                    int
	SeatsTakenOrHeld, LargestWaiter int

	// The admission settings: how teams get seats.
	Admission       string
	StatementsClose string
	RespondHours    string
	Offers          bool
	OfferHours      string
	AutoInvite      bool
	// Mode is the registration mode (convening.RegistrationMode).
	Mode string
	// CriteriaRows are what reviewers score statements on, a row each:
	// the event's, or the defaults a new statement event gets, then blank
	// rows to add more.
	CriteriaRows                         []criterionRow
	DefaultRespondHours, MaxRespondHours int
	MaxCriteria, MaxCriterionWeight      int
}

// HasRole reports whether the form requires role.
func (f eventForm) HasRole(r convening.Role) bool { return slices.Contains(f.RequiredRoles, string(r)) }

// Statement reports whether the event admits teams by statement of
// interest (as chosen on the new event's form).
func (f eventForm) Statement() bool { return f.Admission == string(convening.AdmissionStatement) }

// DefaultRespondDays is the default answer window in days, for the hint.
func (f eventForm) DefaultRespondDays() int { return f.DefaultRespondHours / 24 }

// eventFields are the form's fields in page order.
var eventFields = []formField{
	{"title", "title", "Title"}, {"id", "id", "Event id"}, {"kind", "kind", "Kind of event"},
	{"description", "description", "Description"},
	{"starts", "startsAt", "Starts"}, {"ends", "endsAt", "Ends"}, {"venue", "venue", "Venue"},
	{"capacity", "capacity", "Capacity"}, {"max-team-size", "maxTeamSize", "Team size limit"},
	{"admission-open", "admission", "Admission"},
	{"opens", "registrationOpensAt", "Registration opens"}, {"closes", "registrationClosesAt", "Registration closes"},
	{"policy-strict", "waitlistPolicy", "Waiting-list policy"},
	{"offers", "waitlistOffers", "Waiting-list offers"}, {"offer-hours", "waitlistOffers.respondWithinHours", "Hours to accept an offer"},
	{"statements-close", "statementsCloseAt", "Statements close"}, {"respond-hours", "respondWithinHours", "Hours to answer an invitation"},
	{"auto-invite", "autoInvite", "Automatic invitations"},
	{"mode-direct", "registrationMode", "Registration mode"},
	{"parent", "parentEventId", "Part of"},
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

// defaultOfferHours is what the new event's form proposes for waiting-list
// offers: two days, as the example.
const defaultOfferHours = 48

func baseEventForm() eventForm {
	return eventForm{Kinds: convening.Kinds, CoreRoles: convening.CoreRoles, OtherRoles: convening.Roles[len(convening.CoreRoles):],
		MaxCapacity: convening.MaxCapacity, MaxTeamSizeCap: convening.MaxTeamSizeCap, MaxEventDays: convening.MaxEventDays,
		DefaultRespondHours: convening.DefaultRespondWithinHours, MaxRespondHours: convening.MaxRespondWithinHours,
		MaxCriteria: convening.MaxCriteria, MaxCriterionWeight: convening.MaxCriterionWeight}
}

func (h *Handler) newEventForm(ctx context.Context) (eventForm, error) {
	f := baseEventForm()
	f.Policy, f.Admission, f.Mode = string(convening.PolicyStrict), string(convening.AdmissionOpen), string(convening.ModeDirect)
	f.OfferHours, f.CriteriaRows = strconv.Itoa(defaultOfferHours), criteriaRows(convening.DefaultCriteria)
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

// checked reads a checkbox sent with a hidden "no" before it: "yes" among
// its values is checked.
func checked(v url.Values, name string) bool { return slices.Contains(v[name], "yes") }

// readEventForm reads the fields of the new event's form.
func readEventForm(f *eventForm, v url.Values) {
	f.Title, f.ID, f.Kind, f.Description = v.Get("title"), strings.TrimSpace(v.Get("id")), v.Get("kind"), v.Get("description")
	f.StartsAt, f.EndsAt, f.Venue, f.Online = v.Get("starts"), v.Get("ends"), v.Get("venue"), checked(v, "online")
	f.Capacity, f.MaxTeamSize, f.OpensAt, f.ClosesAt = v.Get("capacity"), v.Get("max_team_size"), v.Get("opens"), v.Get("closes")
	f.Policy, f.Parent, f.RequiredRoles, f.Reason = v.Get("policy"), v.Get("parent"), v["required_roles"], v.Get("reason")
	f.Admission, f.StatementsClose, f.RespondHours = v.Get("admission"), v.Get("statements_close"), v.Get("respond_hours")
	f.Offers, f.OfferHours, f.AutoInvite = checked(v, "offers"), v.Get("offer_hours"), checked(v, "auto_invite")
	f.Mode = v.Get("mode")
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
	// 0 is what an empty input reads as (the default, where there is
	// one); typed, it is out of range.
	if !ok || n < 1 && strings.TrimSpace(value) != "" {
		f.add(fieldByID(eventFields, id), convening.Field(fieldByID(eventFields, id).Path, convening.RuleRange, "min", 1, "max", max))
	}
	return n
}

// offers reads the waiting-list offers: nil when they are off.
func (f *eventForm) offers() *convening.WaitlistOffers {
	if !f.Offers {
		return nil
	}
	return &convening.WaitlistOffers{RespondWithinHours: f.count("offer-hours", f.OfferHours, convening.MaxRespondWithinHours)}
}

func (f eventForm) roles() []convening.Role {
	roles := []convening.Role{}
	for _, r := range f.RequiredRoles {
		roles = append(roles, convening.Role(r))
	}
	return roles
}

// newEvent is the empty form for a new event.
func (h *Handler) newEvent(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := h.newEventForm(ctx)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "event-form", "New event", &who, f)
}

// createEvent creates the event the form describes; the service fills the
// defaults the form explains.
func (h *Handler) createEvent(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := formValues(r)
	if err != nil {
		return err
	}
	f, err := h.newEventForm(ctx)
	if err != nil {
		return err
	}
	readEventForm(&f, v)
	// The settings of the other kind of admission are not the event's:
	// the form hides them (console.css), and what they hold is ignored.
	if f.Statement() {
		f.Offers, f.OfferHours = false, ""
	} else {
		f.StatementsClose, f.RespondHours, f.AutoInvite = "", "", false
	}
	e := convening.Event{
		ID: f.ID, Title: f.Title, Kind: convening.Kind(f.Kind), Description: f.Description, Venue: f.Venue, Online: f.Online,
		WaitlistPolicy: convening.WaitlistPolicy(f.Policy), ParentEventID: f.Parent, RequiredRoles: f.roles(),
		StartsAt: f.time("starts", f.StartsAt, false), EndsAt: f.time("ends", f.EndsAt, false),
		RegistrationOpensAt: f.time("opens", f.OpensAt, false), RegistrationClosesAt: f.time("closes", f.ClosesAt, false),
		Capacity: f.count("capacity", f.Capacity, convening.MaxCapacity), MaxTeamSize: f.count("max-team-size", f.MaxTeamSize, convening.MaxTeamSizeCap),
		Admission: convening.Admission(f.Admission), WaitlistOffers: f.offers(), AutoInvite: f.AutoInvite,
		RespondWithinHours: f.count("respond-hours", f.RespondHours, convening.MaxRespondWithinHours),
		RegistrationMode:   convening.RegistrationMode(f.Mode),
	}
	if t := f.time("statements-close", f.StatementsClose, false); !t.IsZero() {
		e.StatementsCloseAt = &t
	}
	fields := eventFields
	if rows, ok := readCriteriaRows(v); ok {
		f.CriteriaRows = rows // shown again as typed
		if e.Admission == convening.AdmissionStatement {
			var cf []formField
			e.ReviewCriteria, cf = f.criteria(rows)
			fields = withCriteria(eventFields, cf)
		}
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		created, err := h.svc.CreateEvent(ctx, actor(who), e)
		if err == nil {
			h.log.InfoContext(ctx, "event created", "event", created.ID, staffAttr(who))
			return h.redirectWith(w, r, "/staff/events/"+created.ID, flash{Code: "event-created", Team: created.Title, Person: string(created.Admission)})
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		if convening.ErrorReason(err) == convening.ReasonEventExists {
			f.add(fieldByID(eventFields, "id"), convening.Field("id", convening.RuleTaken))
		} else {
			f.place(err, fields)
		}
	}
	return h.render(w, r, status, "event-form", "Error: New event", &who, f)
}

// editEvent is the form that changes an event: its details, seats,
// registration window, waiting list or statements, and required roles.
func (h *Handler) editEvent(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f := editForm(e)
	return h.render(w, r, http.StatusOK, "event-form", "Change "+e.Title, &who, f)
}

func editForm(e convening.Event) eventForm {
	e = e.WithAdmissionDefaults() // an event stored before admission settings existed
	f := baseEventForm()
	f.Event, f.Title, f.Description, f.Venue, f.Online = &e, e.Title, e.Description, e.Venue, e.Online
	f.StartsAt, f.EndsAt = localTime(e.StartsAt), localTime(e.EndsAt)
	f.Capacity, f.MaxTeamSize = strconv.Itoa(e.Capacity), strconv.Itoa(e.MaxTeamSize)
	f.OpensAt, f.ClosesAt, f.Policy = localTime(e.RegistrationOpensAt), localTime(e.RegistrationClosesAt), string(e.WaitlistPolicy)
	f.SeatsTakenOrHeld = e.SeatsTaken + e.SeatsHeld
	f.Admission, f.RespondHours, f.AutoInvite = string(e.Admission), strconv.Itoa(e.RespondWithinHours), e.AutoInvite
	f.Mode = string(e.RegistrationMode)
	f.CriteriaRows = criteriaRows(e.ReviewCriteria)
	if e.StatementsCloseAt != nil {
		f.StatementsClose = localTime(*e.StatementsCloseAt)
	}
	f.OfferHours = strconv.Itoa(defaultOfferHours)
	if e.WaitlistOffers != nil {
		f.Offers, f.OfferHours = true, strconv.Itoa(e.WaitlistOffers.RespondWithinHours)
	}
	for _, r := range e.RequiredRoles {
		f.RequiredRoles = append(f.RequiredRoles, string(r))
	}
	return f
}

// sent reports whether the form carries a field at all: a field the form
// did not send (a client that posts only some) stays as it is.
func sent(v url.Values, name string) bool { _, ok := v[name]; return ok }

// updateEvent applies the changes the form makes, with the reason the
// audit log keeps; a capacity raise promotes waitlisted teams at once,
// and the event's page then names them.
func (h *Handler) updateEvent(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := formValues(r)
	if err != nil {
		return err
	}
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f := editForm(e)
	e = *f.Event
	for name, dst := range map[string]*string{"title": &f.Title, "description": &f.Description, "venue": &f.Venue, "starts": &f.StartsAt,
		"ends": &f.EndsAt, "capacity": &f.Capacity, "max_team_size": &f.MaxTeamSize, "opens": &f.OpensAt, "closes": &f.ClosesAt,
		"statements_close": &f.StatementsClose, "respond_hours": &f.RespondHours, "offer_hours": &f.OfferHours} {
		if sent(v, name) {
			*dst = v.Get(name)
		}
	}
	for name, dst := range map[string]*bool{"online": &f.Online, "offers": &f.Offers, "auto_invite": &f.AutoInvite} {
		if sent(v, name) {
			*dst = checked(v, name)
		}
	}
	if e.Admission == convening.AdmissionOpen && sent(v, "policy") {
		f.Policy = v.Get("policy") // statement events have no waiting list to order
	}
	if e.Admission == convening.AdmissionOpen && sent(v, "mode") {
		f.Mode = v.Get("mode") // nor a rush of registrations to queue
	}
	f.RequiredRoles, f.Reason = v["required_roles"], v.Get("reason")

	// Only what differs goes into the change, so that the audit log
	// records what staff changed and nothing else.
	var c convening.EventChange
	fields := eventFields
	if f.Title != e.Title {
		c.Title = &f.Title
	}
	if f.Description != e.Description {
		c.Description = &f.Description
	}
	if f.Venue != e.Venue {
		c.Venue = &f.Venue
	}
	if f.Online != e.Online {
		c.Online = &f.Online
	}
	if t := f.time("starts", f.StartsAt, true); localTime(t) != localTime(e.StartsAt) {
		c.StartsAt = &t
	}
	if t := f.time("ends", f.EndsAt, true); localTime(t) != localTime(e.EndsAt) {
		c.EndsAt = &t
	}
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
	if m := convening.RegistrationMode(f.Mode); m != e.RegistrationMode {
		c.RegistrationMode = &m
	}
	if roles := f.roles(); convening.RequiredRolesKey(roles) != convening.RequiredRolesKey(e.RequiredRoles) {
		c.RequiredRoles = &roles
	}
	if e.Admission == convening.AdmissionStatement {
		// Statements' close cannot be taken away, only moved: it is
		// required here.
		if t := f.time("statements-close", f.StatementsClose, e.StatementsCloseAt != nil); !t.IsZero() &&
			(e.StatementsCloseAt == nil || localTime(t) != localTime(*e.StatementsCloseAt)) {
			c.StatementsCloseAt = &t
		}
		if n := f.count("respond-hours", f.RespondHours, convening.MaxRespondWithinHours); n != e.RespondWithinHours {
			c.RespondWithinHours = &n
		}
		if f.AutoInvite != e.AutoInvite {
			c.AutoInvite = &f.AutoInvite
		}
		if rows, ok := readCriteriaRows(v); ok {
			f.CriteriaRows = rows
			list, cf := f.criteria(rows)
			fields = withCriteria(fields, cf)
			if !slices.Equal(list, e.ReviewCriteria) {
				c.ReviewCriteria = &list
			}
		}
	} else if o := f.offers(); (o == nil) != (e.WaitlistOffers == nil) || o != nil && *o != *e.WaitlistOffers {
		c.SetWaitlistOffers, c.WaitlistOffers = true, o
	}
	// Every error at once: the reason, and what the change would break
	// (the domain's own check, run again by the store with the waiting
	// list).
	status := http.StatusBadRequest
	if err := convening.CheckReason(f.Reason); err != nil {
		f.place(err, fields)
	}
	if !c.Empty() {
		// Even with values the form could not read: a field keeps the
		// first error found for it, and the others are all reported.
		failed := f.Failed()
		if _, err := c.Apply(e, nil); err != nil {
			if s, _ := formFailure(err); !failed {
				status = s
			}
			f.place(err, fields)
		}
	}
	if !f.Failed() {
		since := h.svc.Now()
		updated, err := h.svc.UpdateEvent(ctx, actor(who), e.ID, c, f.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "event changed", "event", e.ID, staffAttr(who))
			return h.redirectWith(w, r, "/staff/events/"+e.ID, flash{Code: "event-changed", Team: updated.Title,
				Teams: h.promotedSince(ctx, e.ID, since)})
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		f.place(err, fields)
	}
	return h.render(w, r, status, "event-form", "Error: Change "+e.Title, &who, f)
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
