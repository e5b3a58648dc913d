package convening

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// EventUpdate is a change of an event, by whom and why.
type EventUpdate struct {
	EventID string
	Change  EventChange
	AuditID string
	Actor   Actor
	Reason  string
	Now     time.Time
}

// Idempotency identifies a retried request: Key is a digest of the caller's
// Idempotency-Key (scoped to the operation), RequestHash a digest of the
// request body, so the same key with another body is refused.
type Idempotency struct {
	Key         string
	RequestHash string
}

// Store is what the service needs from storage. Every method that changes
// seats or the waiting list enforces the invariants in the database itself
// and writes the team's notice in the same transaction.
type Store interface {
	// CreateEvent stores a new event and the audit record of its creation.
	CreateEvent(ctx context.Context, e Event, audit AuditRecord) error
	Event(ctx context.Context, id string) (Event, error)
	Events(ctx context.Context) ([]Event, error)
	// UpdateEvent reads the event (and its waiting list, if the change
	// Cuts it), has the update decide the event as changed and its audit
	// record (EventUpdate.Decide), and writes both.
	UpdateEvent(ctx context.Context, u EventUpdate) (Event, error)
	// Register writes the arrival decide decides from the event as the
	// store last saw it (see ArrivalDecision), unless the event refuses the
	// team (Event.CheckArrival). With an idempotency key it stores the
	// answer, and a repeated request is answered from it: it reports
	// whether the answer is such a replay.
	Register(ctx context.Context, eventID string, idem *Idempotency, decide ArrivalDecision) (Registration, bool, error)
	Registration(ctx context.Context, id string) (Registration, error)
	// Promote reads the event and its waiting list as far as a
	// PromotionPlan needs, has decide say what promoting the planned teams
	// does, and writes it, until no further team fits. It returns the
	// promotions it wrote.
	Promote(ctx context.Context, eventID string, decide PromotionDecision) ([]Promotion, error)
	// Roster returns up to limit registrations of one of an event's lists
	// (see RosterQuery.Status) in list order, after the registration afterID
	// ("" from the start), and whether more follow. Waitlisted ones carry
	// their positions. An afterID that is not in the event is EINVALID.
	Roster(ctx context.Context, eventID string, list Status, afterID string, limit int) ([]Registration, bool, error)
	AuditLog
	RegistrationUpdater
	Notices
}

// Service is the registration system's use cases, independent of how they
// are reached (HTTP, stream) and where state is kept.
type Service struct {
	Store  Store
	Tokens *ManageTokens
	// Clock and NewID are the service's time and ids; tests replace them.
	Clock func() time.Time
	NewID func() string
	Log   *slog.Logger
	// Notices reads the notices' delivery records for staff (FailedNotices);
	// nil in the functions that do not show them.
	Notices Notices
}

// NewService returns a service with the real clock and ULID ids.
func NewService(store Store, tokens *ManageTokens, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: store, Tokens: tokens, Clock: func() time.Time { return time.Now().UTC() }, NewID: NewID, Log: log}
}

// WithNotices gives the service the notices' delivery records to read for
// staff, and returns it.
func (s *Service) WithNotices(n Notices) *Service {
	s.Notices = n
	return s
}

// Now is the service's current time.
func (s *Service) Now() time.Time { return s.Clock() }

// NewID returns a new unique, time-ordered id (a ULID).
func NewID() string { return ulid.Make().String() }

// Events lists the events by start time.
func (s *Service) Events(ctx context.Context) ([]Event, error) { return s.Store.Events(ctx) }

// Event returns one event. Errors: ENOTFOUND.
func (s *Service) Event(ctx context.Context, id string) (Event, error) {
	if !ValidEventID(id) {
		return Event{}, ErrEventNotFound
	}
	return s.Store.Event(ctx, id)
}

// CreateEvent fills defaults (id from the title, registration open now until
// the event starts, strict waiting list) and stores the event.
// Errors: EINVALID, ECONFLICT.
func (s *Service) CreateEvent(ctx context.Context, actor Actor, e Event) (Event, error) {
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
	e = e.WithAdmissionDefaults()
	e.StartsAt, e.EndsAt = e.StartsAt.UTC(), e.EndsAt.UTC()
	e.RegistrationOpensAt, e.RegistrationClosesAt = e.RegistrationOpensAt.UTC(), e.RegistrationClosesAt.UTC()
	e.Counts = Counts{}
	e.CreatedAt, e.UpdatedAt = now, now
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	audit := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditEventCreated, Actor: actor, At: now,
		After: map[string]string{"title": e.Title, "capacity": strconv.Itoa(e.Capacity)}}
	if err := s.Store.CreateEvent(ctx, e, audit); err != nil {
		return Event{}, err
	}
	return e, nil
}

// UpdateEvent applies a staff change, with an optional reason for the audit
// log; raising capacity promotes waitlisted teams at once.
// Errors: ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateEvent(ctx context.Context, actor Actor, id string, change EventChange, reason string) (Event, error) {
	if !ValidEventID(id) {
		return Event{}, ErrEventNotFound
	}
	if strings.TrimSpace(reason) != "" {
		if err := CheckReason(reason); err != nil {
			return Event{}, err
		}
	}
	e, err := s.Store.UpdateEvent(ctx, EventUpdate{EventID: id, Change: change, AuditID: s.NewID(), Actor: actor,
		Reason: strings.TrimSpace(reason), Now: s.Now()})
	if err != nil {
		return Event{}, err
	}
	if s.promote(ctx, id) {
		if fresh, err := s.Store.Event(ctx, id); err == nil {
			e = fresh
		}
	}
	return e, nil
}

// Register registers a team for an event, or puts it on the waiting list,
// and returns the registration with its manage token. A replay of an
// idempotent request returns the first answer.
// Errors: EINVALID, ENOTFOUND, ECONFLICT, EUNAVAILABLE.
func (s *Service) Register(ctx context.Context, eventID string, team Team, idem *Idempotency) (Registration, string, bool, error) {
	if !ValidEventID(eventID) {
		return Registration{}, "", false, ErrEventNotFound
	}
	if s.Tokens == nil {
		return Registration{}, "", false, errNoTokens
	}
	team.Normalize()
	// Team size against the event's maximum is checked by the store's
	// condition, so registering costs no read of the event.
	if err := team.Validate(Event{}); err != nil {
		return Registration{}, "", false, err
	}
	now := s.Now()
	reg := Registration{ID: s.NewID(), Team: team, CreatedAt: now, UpdatedAt: now}
	for i := range reg.Members {
		// The system sets these; a team's body may carry them (a member as
		// the API answered it), never decide them.
		reg.Members[i].ID, reg.Members[i].CheckedInAt, reg.Members[i].ConfirmedAt = s.NewID(), nil, nil
	}
	noticeID, auditID := s.NewID(), s.NewID()
	reg, replayed, err := s.Store.Register(ctx, eventID, idem, DecideArrival(eventID, reg, noticeID, auditID, TeamActor, now))
	if err != nil {
		return Registration{}, "", false, err
	}
	return reg, s.Tokens.Token(reg.ID), replayed, nil
}

// ValidateTeam normalizes a team and checks it for the event, reporting
// every problem at once (Register checks the same, and the team size
// against the event in the store's condition); forms use it to show all
// errors before anything is sent. Errors: EINVALID.
func (s *Service) ValidateTeam(e Event, team Team) (Team, error) {
	team.Members = slices.Clone(team.Members)
	team.Normalize()
	return team, team.Validate(e)
}

// Registration returns a registration to the holder of its manage token.
// A wrong token answers ENOTFOUND, as if the registration did not exist.
func (s *Service) Registration(ctx context.Context, id, token string) (Registration, error) {
	if !s.authorized(id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.Store.Registration(ctx, id)
}

// Cancel cancels a registration for the holder of its manage token and
// promotes waitlisted teams into what it freed. Cancelling twice is not an
// error. Errors: ENOTFOUND, EUNAVAILABLE.
func (s *Service) Cancel(ctx context.Context, id, token string) (Registration, error) {
	if !s.authorized(id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.cancel(ctx, TeamActor, id, "")
}

// StaffCancel cancels a registration on the team's behalf, for a reason the
// audit log keeps (the undo of a registration made in someone else's
// name). The team is told by email. Errors: ENOTFOUND, EINVALID (reason).
func (s *Service) StaffCancel(ctx context.Context, actor Actor, id, reason string) (Registration, error) {
	if err := CheckReason(reason); err != nil {
		return Registration{}, err
	}
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.cancel(ctx, actor, id, reason)
}

func (s *Service) cancel(ctx context.Context, actor Actor, id, reason string) (Registration, error) {
	noticeID, auditID := s.NewID(), s.NewID()
	decide, changed := DecideCancel(actor, auditID, noticeID, strings.TrimSpace(reason), s.Now()), false
	reg, err := s.Store.UpdateRegistration(ctx, id, ReadRegistration, func(r Registration, e Event, w []WaitlistEntry) (RegistrationChange, error) {
		c, err := decide(r, e, w)
		changed = err == nil && !c.Unchanged
		return c, err
	})
	if err != nil {
		return Registration{}, err
	}
	if changed {
		s.promote(ctx, reg.EventID)
	}
	return reg, nil
}

// Audit returns a page of the audit log. Errors: EINVALID (the query).
func (s *Service) Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, string, error) {
	if q.Limit <= 0 || q.Limit > MaxRosterPage {
		q.Limit = MaxRosterPage
	}
	if q.EventID == "" && q.Subject == "" {
		return nil, "", InvalidFields("The audit query", Field("eventId", RuleRequired))
	}
	return s.Store.Audit(ctx, q)
}

// Promote moves waitlisted teams into free seats. The stream-triggered
// promoter calls it; so do the requests that free seats.
func (s *Service) Promote(ctx context.Context, eventID string) ([]Registration, error) {
	promotions, err := s.Store.Promote(ctx, eventID, DecidePromotions(s.Now(), s.NewID))
	promoted := make([]Registration, len(promotions))
	for i, p := range promotions {
		promoted[i] = p.Registration()
	}
	return promoted, err
}

// promote runs promotion after a change that may have freed seats. A failure
// is logged, not returned: the change itself is done, and the stream-driven
// promoter repairs a missed promotion within seconds.
func (s *Service) promote(ctx context.Context, eventID string) bool {
	promoted, err := s.Promote(ctx, eventID)
	if err != nil {
		s.Log.WarnContext(ctx, "promotion deferred to the stream", "event", eventID, "error", err)
	}
	for _, r := range promoted {
		s.Log.InfoContext(ctx, "promoted from the waiting list", "event", eventID, "registration", r.ID, "seats", r.Seats)
	}
	return len(promoted) > 0
}

// authorized reports whether token is the manage token of registration id.
// A service without tokens authorizes nobody.
func (s *Service) authorized(id, token string) bool {
	return s.Tokens != nil && id != "" && len(id) <= 64 && token != "" && s.Tokens.Valid(id, token)
}

// errNoTokens is a wiring mistake: a function that registers teams was
// built without the manage-token secret.
var errNoTokens = NewError(EINTERNAL, ReasonInternal, "the service has no manage tokens")

// StaffRegistration returns a registration to staff (no manage token), a
// waitlisted one with its position. Errors: ENOTFOUND.
func (s *Service) StaffRegistration(ctx context.Context, id string) (Registration, error) {
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.Store.Registration(ctx, id)
}

// RegistrationNotices returns the emails a registration was sent or is
// owed, with their delivery records, oldest first.
func (s *Service) RegistrationNotices(ctx context.Context, id string) ([]NoticeRecord, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrRegistrationNotFound
	}
	return s.Store.RegistrationNotices(ctx, id)
}

// staffChange checks a staff action's reason and applies its decision.
func (s *Service) staffChange(ctx context.Context, id, reason string, reads Reads, decide Decision) (Registration, error) {
	if err := CheckReason(reason); err != nil {
		return Registration{}, err
	}
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.Store.UpdateRegistration(ctx, id, reads, decide)
}

// PromoteNow registers a waitlisted team at once, out of turn, if it fits
// the seats left: staff's override of the waiting list's order and policy.
// The team is emailed. Errors: ENOTFOUND, EINVALID (reason), ECONFLICT
// (ReasonNotWaitlisted, ReasonNotEnoughSeats).
func (s *Service) PromoteNow(ctx context.Context, actor Actor, id, reason string) (Registration, error) {
	return s.staffChange(ctx, id, reason, ReadEvent, DecidePromoteNow(actor, s.NewID(), s.NewID(), strings.TrimSpace(reason), s.Now()))
}

// MoveOnWaitlist moves a waitlisted team to position (1 is the head). The
// team, and every team whose place gets worse, is emailed its new place.
// Errors: ENOTFOUND, EINVALID (position, reason), ECONFLICT
// (ReasonNotWaitlisted, ReasonMoveTooFar).
func (s *Service) MoveOnWaitlist(ctx context.Context, actor Actor, id string, position int, reason string) (Registration, error) {
	reg, err := s.staffChange(ctx, id, reason, ReadWaitlist, DecideMove(actor, s.NewID(), position, strings.TrimSpace(reason), s.Now(), s.NewID))
	if err != nil {
		return Registration{}, err
	}
	return s.Store.Registration(ctx, reg.ID) // with its new position
}

// ChangeMembers replaces a team's members within the seats left (a
// substitute, an added or a removed member); seats it frees go to the
// waiting list at once. The team is emailed. Errors: ENOTFOUND, EINVALID,
// ECONFLICT (ReasonNotActive, ReasonNotEnoughSeats).
func (s *Service) ChangeMembers(ctx context.Context, actor Actor, id string, members []Member, reason string) (Registration, error) {
	reg, err := s.staffChange(ctx, id, reason, ReadEvent, DecideMembers(actor, s.NewID(), s.NewID(), members, strings.TrimSpace(reason), s.Now(), s.NewID))
	if err != nil {
		return Registration{}, err
	}
	s.promote(ctx, reg.EventID)
	return s.Store.Registration(ctx, reg.ID)
}

// ChangeContact makes someone else the team's contact (for instance to
// mend an address an email failed on); the new contact is emailed.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotActive).
func (s *Service) ChangeContact(ctx context.Context, actor Actor, id string, contact Contact, reason string) (Registration, error) {
	return s.staffChange(ctx, id, reason, ReadEvent, DecideContact(actor, s.NewID(), s.NewID(), contact, strings.TrimSpace(reason), s.Now()))
}

// ResendNotice sends a notice's email again, as a new notice with the
// team's details as they are now (to the contact as it is now).
// Errors: ENOTFOUND, EINVALID (reason).
func (s *Service) ResendNotice(ctx context.Context, actor Actor, noticeID, reason string) (NoticeRecord, error) {
	rec, err := s.Store.NoticeRecord(ctx, noticeID)
	if err != nil {
		return NoticeRecord{}, err
	}
	id := s.NewID()
	if rec.SubjectKind == SubjectStatement {
		if err := s.resendStatementNotice(ctx, actor, rec, id, reason); err != nil {
			return NoticeRecord{}, err
		}
		return s.Store.NoticeRecord(ctx, id)
	}
	if _, err := s.staffChange(ctx, rec.SubjectID, reason, ReadEvent, DecideResend(actor, s.NewID(), id, rec.Kind, strings.TrimSpace(reason), s.Now())); err != nil {
		return NoticeRecord{}, err
	}
	return s.Store.NoticeRecord(ctx, id)
}

// resendStatementNotice writes a statement's email again, to the same
// reader (the contact, or the member it was for), with its audit record.
func (s *Service) resendStatementNotice(ctx context.Context, actor Actor, rec NoticeRecord, id, reason string) error {
	if err := CheckReason(reason); err != nil {
		return err
	}
	store, err := s.statements()
	if err != nil {
		return err
	}
	now := s.Now()
	_, err = store.UpdateStatement(ctx, rec.SubjectID, func(st Statement, _ Event) (StatementChange, error) {
		c := statementChange(st, AuditEmailResent, actor, s.NewID(), strings.TrimSpace(reason), now)
		c.Notices = []NoticeSpec{statementNotice(id, rec.Kind, st, rec.MemberID)}
		c = c.finish(st)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"email": string(rec.Kind)}
		return c, nil
	})
	return err
}

// CheckIn checks a member of a registered team in at the door, or out
// again (undo). Errors: ENOTFOUND, ECONFLICT (ReasonNotRegistered,
// ReasonAlreadyCheckedIn, ReasonNotCheckedIn).
func (s *Service) CheckIn(ctx context.Context, actor Actor, id, memberID string, undo bool) (Registration, error) {
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.Store.UpdateRegistration(ctx, id, ReadEvent, DecideCheckIn(actor, s.NewID(), memberID, undo, s.Now()))
}

// AddWalkIn adds a member to a registered team at the door, seats
// permitting, checked in. The team is emailed its new roster.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotRegistered,
// ReasonNotEnoughSeats).
func (s *Service) AddWalkIn(ctx context.Context, actor Actor, id string, member Member, reason string) (Registration, error) {
	return s.staffChange(ctx, id, reason, ReadEvent, DecideWalkIn(actor, s.NewID(), s.NewID(), member, strings.TrimSpace(reason), s.Now(), s.NewID))
}
