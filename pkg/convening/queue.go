package convening

import (
	"context"
	"errors"
	"time"
)

// Queued registration: how one event takes a rush of thousands of teams
// a minute (docs/performance.md, "One event, 20,000 teams in a minute").
//
// An event registers teams directly by default: each registration is one
// conditional transaction on the event, answered at once. One item takes
// one transaction at a time, so that caps an event at roughly one
// registration per transaction's duration (50–100 a second). A queued
// event instead receives a registration at once, without touching the
// event (the team is answered "received", with its private link), and
// places the received registrations later, in the order they arrived, many
// in one transaction, by one sequencer per event: the same rules (seats
// while nobody waits and they fit, the waiting list otherwise), the same
// counters, notices and audit records, far fewer transactions on the
// event.

// RegistrationMode is how an event takes registrations.
type RegistrationMode string

const (
	// ModeDirect decides each registration in its own request: the team
	// is answered registered or waitlisted at once. The default.
	ModeDirect RegistrationMode = "direct"
	// ModeQueued receives each registration at once and places it within
	// seconds, in arrival order (QueueGrace): for events that expect more
	// teams in a minute than one event takes directly.
	ModeQueued RegistrationMode = "queued"
)

func (m RegistrationMode) valid() bool { return m == ModeDirect || m == ModeQueued }

// Queued reports whether the event queues its registrations.
func (e Event) Queued() bool { return e.RegistrationMode == ModeQueued }

// The statuses of a queued registration before and instead of a place.
const (
	// StatusReceived: the registration is in line at a queued event, not
	// placed yet. It holds its organization's place at the event, nothing
	// else.
	StatusReceived Status = "received"
	// StatusRefused: when its turn came, the event refused the team (its
	// RefusedReason says why: registration had closed, the team is too
	// large, a required role is missing). It holds nothing.
	StatusRefused Status = "refused"
)

// ReasonRegistrationModeLocked: a queued event's registrations cannot go
// back to direct while its registration is open (registrations in line
// would be overtaken by direct ones).
const ReasonRegistrationModeLocked Reason = "registration_mode_locked" // ECONFLICT

// Audit and notice kinds of the queue.
const (
	AuditRefused  AuditKind  = "refused"
	NoticeRefused NoticeKind = "registration_refused" // a queued team was refused when its turn came, with why
)

// QueueGrace is how long a received registration waits before it is
// placed: the sequencer places in the order registrations were received
// (their CreatedAt), and the register function stamps that time just
// before its write lands, so a write still in flight may carry an earlier
// time than one already stored. Waiting this long lets such writes land
// first; one slower than this is placed when it is found, after teams
// received up to that much later. That is the order stated to teams:
// arrival order, to within a second.
const QueueGrace = time.Second

// MaxPlacementsPerBatch bounds the registrations one placement transaction
// writes: each is up to five items (the registration, its waiting-list
// entry or released claim, its notice, its audit record, and its place in
// line), and a transaction holds at most 100 with the event and the
// sequencer's lease.
const MaxPlacementsPerBatch = 19

// receive is the arrival of a team at a queued event: it waits in line,
// counts for nothing and is owed nothing yet (it is told where it stands
// when it is placed).
func receive(reg Registration, at time.Time) Arrival {
	reg.Status, reg.WaitlistSeq, reg.WaitlistPosition = StatusReceived, 0, nil
	return Arrival{Registration: reg, At: at}
}

// checkModeChange refuses to take a queued event back to direct
// registration while its registration is open or has opened: the
// registrations in line would be overtaken by direct ones. Before opening,
// and for the opposite change, anything goes.
func checkModeChange(old, updated Event, now time.Time) error {
	if old.Queued() && !updated.Queued() && !now.Before(old.RegistrationOpensAt) && now.Before(old.RegistrationClosesAt) {
		return &Error{Code: ECONFLICT, Reason: ReasonRegistrationModeLocked,
			Message: "Registration for this event is open and queued: it cannot go back to direct registration until it closes.",
			Fields:  []FieldError{Field("registrationMode", RuleOneOf, "values", []string{string(ModeQueued)})}}
	}
	return nil
}

// Placement is the sequencer's decision on one received registration: its
// arrival as placed (registered, waitlisted or refused), with the change
// to the event's counts, the notice it owes and its audit record.
type Placement = Arrival

// A PlacementDecision places, in the order given (arrival order), the
// registrations received for ev, from the event as read: it returns one
// Placement per registration, and the event as they leave it (counts and
// the floor of arrival numbers, raised past the last placed), which the store writes in the same transaction,
// conditioned on the event as read.
type PlacementDecision func(ev Event, received []Registration) ([]Placement, Event)

// DecidePlacements places received registrations as a direct registration
// would have been decided at the moment they arrived, one after another:
// refused if the event refuses the team at the time it was received
// (CheckArrival: the window then, the event's current size limit, roles
// and admission), with seats if nobody waits and they fit, else at the end
// of the waiting list with the next arrival number, told its exact place
// (the sequencer knows the list's length). newID makes the notices' and
// audit records' ids.
func DecidePlacements(newID func() string, now time.Time) PlacementDecision {
	return func(ev Event, received []Registration) ([]Placement, Event) {
		out := make([]Placement, 0, len(received))
		for _, reg := range received {
			p := Placement{Registration: reg, At: now}
			p.Registration.UpdatedAt = now
			p.Registration.WaitlistSeq, p.Registration.WaitlistPosition = 0, nil
			kind, notice := AuditRegistered, NoticeRegistered
			if err := ev.CheckArrival(reg.Team, reg.CreatedAt); err != nil {
				p.Registration.Status, p.Registration.RefusedReason = StatusRefused, ErrorReason(err)
				kind, notice = AuditRefused, NoticeRefused
			} else if FitsDirectly(ev, reg.Seats) {
				p.Registration.Status = StatusRegistered
			} else {
				ev.WaitlistSeq += WaitlistSpacing
				position := ev.WaitlistLength + 1
				p.Registration.Status, p.Registration.WaitlistSeq = StatusWaitlisted, ev.WaitlistSeq
				p.Registration.WaitlistPosition = &position
				kind, notice = AuditWaitlisted, NoticeWaitlisted
			}
			p.Counts = Change(StatusReceived, p.Registration.Status, reg.Seats)
			ev.Counts = ev.Counts.Plus(p.Counts)
			spec := NoticeSpec{ID: newID(), Kind: notice, SubjectID: reg.ID}
			if p.Registration.WaitlistPosition != nil {
				spec.Position = *p.Registration.WaitlistPosition
			}
			p.Notice = spec
			after := p.Registration.Summary()
			if p.Registration.RefusedReason != "" {
				after["reason"] = string(p.Registration.RefusedReason)
			}
			p.Audit = AuditOf(newID(), kind, TeamActor, reg, now, "", map[string]string{"status": string(StatusReceived)}, after)
			out = append(out, p)
		}
		return out, ev
	}
}

// Sequencer is the store's side of queued registration.
type Sequencer interface {
	// Sequence places the registrations received for eventID, in the
	// order received, in batches of at most MaxPlacementsPerBatch, each
	// decided by decide from the event as read and written in one
	// transaction conditioned on it, until none is left that was received
	// more than grace ago; it waits for those still within grace while
	// ctx leaves time. Only one sequencer places an event's registrations
	// at a time: a call that finds another at work makes sure it will look
	// again and returns at once, placing nothing. It returns how many it
	// placed.
	Sequence(ctx context.Context, eventID string, grace time.Duration, decide PlacementDecision) (int, error)
}

// QueueService places the registrations of queued events: the sequencer
// function runs it when registrations are received (the table's stream)
// and on a schedule.
type QueueService struct {
	Basics
	store QueueStorage
	// Grace is QueueGrace unless a test sets it.
	Grace time.Duration
}

// QueueStorage is what QueueService needs of storage: the sequencer, and
// the events for the sweep.
type QueueStorage interface {
	Sequencer
	EventLister
	AccountUpdater
}

// NewQueueService returns the placement of queued registrations over store.
func NewQueueService(b Basics, store QueueStorage) *QueueService {
	return &QueueService{Basics: b, store: store, Grace: QueueGrace}
}

// Sequence places the registrations received for eventID (see
// Sequencer.Sequence). Errors: EUNAVAILABLE.
func (s *QueueService) Sequence(ctx context.Context, eventID string) (int, error) {
	// The teams given seats are invoiced as a direct registration's are,
	// if the event (as the placing batch read it) has a fee policy. A
	// batch decided and then not written leaves its teams received:
	// reconciling them changes nothing.
	var seated []Registration
	n, err := s.store.Sequence(ctx, eventID, s.Grace, func(ev Event, received []Registration) ([]Placement, Event) {
		placements, after := DecidePlacements(s.NewID, s.Now())(ev, received)
		for _, p := range placements {
			if p.Registration.Status == StatusRegistered && !ev.NoFeePolicy {
				seated = append(seated, p.Registration)
			}
		}
		return placements, after
	})
	seen := map[string]bool{}
	for _, reg := range seated {
		if !seen[reg.ID] {
			seen[reg.ID] = true
			invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
		}
	}
	return n, err
}

// Sweep places what is in line at every queued event whose registration
// is open or closed within the hour: the safety net should a sequencer
// die holding registrations in line (its lease lapses) or run out of time.
func (s *QueueService) Sweep(ctx context.Context) (int, error) {
	events, err := s.store.Events(ctx)
	if err != nil {
		return 0, err
	}
	now, total := s.Now(), 0
	var errs []error
	for _, e := range events {
		if !e.Queued() || now.Before(e.RegistrationOpensAt) || now.After(e.RegistrationClosesAt.Add(time.Hour)) {
			continue
		}
		n, err := s.Sequence(ctx, e.ID)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}
