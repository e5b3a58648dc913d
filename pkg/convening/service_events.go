package convening

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventService is the events: the public list and each event, and staff
// creating and changing them. Raising capacity promotes waitlisted teams
// at once.
type EventService struct {
	Basics
	store     EventStorage
	promotion *PromotionService
}

// EventStorage is what EventService needs of storage.
type EventStorage interface {
	EventReader
	EventLister
	EventWriter
	Promoter
	AccountUpdater
}

// NewEventService returns the events over store.
func NewEventService(b Basics, store EventStorage) *EventService {
	return &EventService{Basics: b, store: store, promotion: NewPromotionService(b, store)}
}

// EventUpdate is a change of an event, by whom and why.
type EventUpdate struct {
	EventID string
	Change  EventChange
	AuditID string
	Actor   Actor
	Reason  string
	Now     time.Time
}

// Events lists the events by start time.
func (s *EventService) Events(ctx context.Context) ([]Event, error) { return s.store.Events(ctx) }

// Event returns one event. Errors: ENOTFOUND.
func (s *EventService) Event(ctx context.Context, id string) (Event, error) {
	return readEvent(ctx, s.store, id)
}

// CreateEvent fills defaults (id from the title, registration open now until
// the event starts, strict waiting list) and stores the event.
// Errors: EINVALID, ECONFLICT.
func (s *EventService) CreateEvent(ctx context.Context, actor Actor, e Event) (Event, error) {
	now := s.Now()
	if e.ID == "" {
		e.ID = Slug(e.Title)
	}
	if e.RegistrationOpensAt.IsZero() {
		e.RegistrationOpensAt = now
	}
	if e.RegistrationClosesAt.IsZero() {
		e.RegistrationClosesAt = e.StartsAt
	}
	if e.WaitlistPolicy == "" {
		e.WaitlistPolicy = PolicyStrict
	}
	if e.Registrants == "" {
		e.Registrants = DefaultRegistrants(e.Kind)
	}
	e = e.WithAdmissionDefaults()
	e.Questions = NormalizeQuestions(e.Questions)
	if e.Online && e.Reminders == nil {
		// Reminders omitted (not an empty list): an online event's are
		// the join link 24 hours and 1 hour before.
		e.Reminders = DefaultOnlineReminders(strings.ToLower(s.NewID()), strings.ToLower(s.NewID()))
	}
	e.Reminders = keepReminderTimes(nil, s.withReminderIDs(normalizeReminders(e.Reminders)), now)
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	e.RegistrationOpensAt, e.RegistrationClosesAt = e.RegistrationOpensAt.UTC(), e.RegistrationClosesAt.UTC()
	e.Counts = Counts{}
	e.CreatedAt, e.UpdatedAt = now, now
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	audit := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditEventCreated, Actor: actor, At: now,
		After: map[string]string{"title": e.Title, "capacity": strconv.Itoa(e.Capacity)}}
	if err := s.store.CreateEvent(ctx, e, audit); err != nil {
		return Event{}, err
	}
	return e, nil
}

// UpdateEvent applies a staff change, with an optional reason for the audit
// log; raising capacity promotes waitlisted teams at once.
// Errors: ENOTFOUND, EINVALID, ECONFLICT.
func (s *EventService) UpdateEvent(ctx context.Context, actor Actor, id string, change EventChange, reason string) (Event, error) {
	if !ValidEventID(id) {
		return Event{}, ErrEventNotFound
	}
	// Questions and reminders change what teams are asked and told: the
	// audit log says why.
	if strings.TrimSpace(reason) != "" || change.Questions != nil || change.Reminders != nil {
		if err := CheckReason(reason); err != nil {
			return Event{}, err
		}
	}
	if change.Reminders != nil {
		rs := s.withReminderIDs(*change.Reminders)
		change.Reminders = &rs
	}
	e, err := s.store.UpdateEvent(ctx, EventUpdate{EventID: id, Change: change, AuditID: s.NewID(), Actor: actor,
		Reason: strings.TrimSpace(reason), Now: s.Now()})
	if err != nil {
		return Event{}, err
	}
	if s.promotion.promoteAfter(ctx, id) {
		if fresh, err := s.store.Event(ctx, id); err == nil {
			e = fresh
		}
	}
	return e, nil
}

// withReminderIDs gives each new reminder (one without an id) an id of
// its own: never one a reminder had before, so a reminder added after
// another was removed is sent in its turn.
func (s *EventService) withReminderIDs(rs []Reminder) []Reminder {
	if len(rs) == 0 {
		return nil
	}
	out := slices.Clone(rs)
	for i := range out {
		if strings.TrimSpace(out[i].ID) == "" {
			out[i].ID = strings.ToLower(s.NewID())
		}
	}
	return out
}

// ValidateTeam normalizes a team and checks it for the event, reporting
// every problem at once (registering and staff's changes check the same,
// and the team size against the event in the store's condition); forms
// use it to show all errors before anything is sent. Errors: EINVALID.
func (s *EventService) ValidateTeam(e Event, team Team) (Team, error) {
	team.Members = slices.Clone(team.Members)
	team.Normalize()
	return team, team.Validate(e)
}
