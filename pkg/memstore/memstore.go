// Package memstore keeps the registration system's state in memory, with
// the same semantics as the DynamoDB store: every change is atomic (one
// lock stands in for the table's conditional transactions), decided by the
// same domain rules, and writes the notice it owes in the same step. The
// contract suite in package storetest runs against both stores.
//
// It is for tests where storage is not the point (handlers, pages, the
// service, the mailer), so that they run without a JVM.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Store is an in-memory store of every port the services need (see
// storetest.Store), the mailer's outbox and its notices. It is safe for
// concurrent use.
type Store struct {
	mu            sync.Mutex
	events        map[string]*event
	registrations map[string]*convening.Registration
	notices       map[string]*notice
	idempotency   map[string]*idemRecord
	audit         []convening.AuditRecord // in the order written
	// holds are the seats held for offered and invited teams, and the
	// reminders owed, by subject (registration or statement) id.
	holds map[string]convening.Hold
	// statements of interest, their replays and reviews (by statement,
	// then reviewer).
	statements      map[string]*convening.Statement
	stmtIdempotency map[string]*stmtIdemRecord
	reviews         map[string]map[string]convening.Review
	// aliases are merged spellings of organizations, by the merged key.
	aliases map[string]convening.OrganizationAlias
	// people is the people's index: by person key, the registrations and
	// statements they were brought to, oldest first; limits count the
	// requests for links in each window.
	people map[string][]convening.LinkRef
	limits map[string]limitCount
	// fees: policies, accounts, documents, the ledger (fees.go).
	fees feeState
	// surveys are the events' evaluation surveys (surveys.go).
	surveys surveys
	// ann are staff's announcements and the event's reminders as sent.
	ann announcements
	// history is people and attendance (people.go).
	history *history
}

type event struct {
	convening.Event
	waitlist []convening.WaitlistEntry // in arrival order
	orgs     map[string]string         // organization key -> active registration or statement id
	regs     []string                  // registration ids in order of creation
	stmts    []string                  // statement ids in order of submission
	// line holds the registrations received at a queued event and not
	// placed yet (queue.go).
	line []string
}

// notice is a notice's delivery record and when it is next due.
type notice struct {
	convening.NoticeRecord
	due        time.Time // next due for the sweep
	retryAt    time.Time // not claimable before (after a failed attempt)
	leaseUntil time.Time
	// position is the place on the waiting list its writer knew exactly
	// (convening.NoticeSpec.Position), 0 if none.
	position int
}

type idemRecord struct {
	requestHash string
	response    convening.Registration
}

// New returns an empty store.
func New() *Store {
	return &Store{
		events:          map[string]*event{},
		registrations:   map[string]*convening.Registration{},
		notices:         map[string]*notice{},
		idempotency:     map[string]*idemRecord{},
		holds:           map[string]convening.Hold{},
		statements:      map[string]*convening.Statement{},
		stmtIdempotency: map[string]*stmtIdemRecord{},
		reviews:         map[string]map[string]convening.Review{},
		aliases:         map[string]convening.OrganizationAlias{},
		people:          map[string][]convening.LinkRef{},
		limits:          map[string]limitCount{},
		history:         newHistory(),
	}
}

// CreateEvent stores a new event with empty counts.
//
// Errors: ECONFLICT (ReasonEventExists) if the id is taken.
func (s *Store) CreateEvent(ctx context.Context, e convening.Event, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if _, ok := s.events[e.ID]; ok {
		return &convening.Error{Code: convening.ECONFLICT, Reason: convening.ReasonEventExists,
			Message: "An event with id " + e.ID + " already exists.", Fields: []convening.FieldError{convening.Field("id", convening.RuleTaken)}}
	}
	e.Counts, e.NoFeePolicy = convening.Counts{}, true
	s.events[e.ID] = &event{Event: e, orgs: map[string]string{}}
	s.audit = append(s.audit, audit)
	return nil
}

// Event returns the event with its live counts. Errors: ENOTFOUND.
func (s *Store) Event(ctx context.Context, id string) (convening.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Event{}, err
	}
	ev, ok := s.events[id]
	if !ok {
		return convening.Event{}, convening.ErrEventNotFound
	}
	return ev.Event, nil
}

// Events lists every event by start time.
func (s *Store) Events(ctx context.Context) ([]convening.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := make([]convening.Event, 0, len(s.events))
	for _, ev := range s.events {
		out = append(out, ev.Event)
	}
	slices.SortFunc(out, func(a, b convening.Event) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// UpdateEvent applies a staff change as the domain decides it
// (EventUpdate.Decide).
//
// Errors: ENOTFOUND, EINVALID, ECONFLICT.
func (s *Store) UpdateEvent(ctx context.Context, u convening.EventUpdate) (convening.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Event{}, err
	}
	ev, ok := s.events[u.EventID]
	if !ok {
		return convening.Event{}, convening.ErrEventNotFound
	}
	e, audit, err := u.Decide(ev.Event, ev.waitlist)
	if err != nil {
		return convening.Event{}, err
	}
	s.audit = append(s.audit, audit)
	ev.Event = e
	return e, nil
}

// Register writes the arrival decide decides from the event as it is,
// unless the event refuses the team.
//
// Errors: ENOTFOUND, ECONFLICT, EINVALID.
func (s *Store) Register(ctx context.Context, eventID string, idem *convening.Idempotency, decide convening.ArrivalDecision) (convening.Registration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Registration{}, false, err
	}
	if idem != nil {
		if rec, ok := s.idempotency[idem.Key]; ok {
			if rec.requestHash != idem.RequestHash {
				return convening.Registration{}, false, convening.NewError(convening.ECONFLICT, convening.ReasonIdempotencyKeyReused,
					"This Idempotency-Key was already used with a different request.")
			}
			return clone(rec.response), true, nil
		}
	}
	ev, ok := s.events[eventID]
	if !ok {
		return convening.Registration{}, false, convening.ErrEventNotFound
	}
	// Arrival numbers are spaced, so that a staff move finds room between
	// two neighbours.
	a := decide(&ev.Event, ev.WaitlistSeq+convening.WaitlistSpacing)
	reg := clone(a.Registration)
	if _, taken := ev.orgs[reg.Organization.Key()]; taken && !reg.Individual() {
		return convening.Registration{}, false, errOrganizationTaken(reg.Organization)
	}
	if err := a.Check(ev.Event); err != nil {
		return convening.Registration{}, false, err
	}
	if err := s.history.claimable(eventID, reg, nil); err != nil {
		return convening.Registration{}, false, err
	}
	if reg.Status == convening.StatusWaitlisted {
		ev.WaitlistSeq = reg.WaitlistSeq
		ev.waitlist = append(ev.waitlist, convening.WaitlistEntry{RegistrationID: reg.ID, Seq: reg.WaitlistSeq, Seats: reg.Seats,
			Organization: reg.Organization.Name})
	}
	if !reg.Individual() {
		ev.orgs[reg.Organization.Key()] = reg.ID
	}
	s.history.claim(eventID, convening.Registration{}, reg)
	ev.regs = append(ev.regs, reg.ID)
	s.registrations[reg.ID] = &reg
	s.addPeople(reg.Team.PersonKeys(), convening.SubjectRegistration, reg.ID)
	if reg.Status == convening.StatusReceived { // in line: placed by Sequence
		ev.line = append(ev.line, reg.ID)
	} else {
		ev.Counts = ev.Counts.Plus(a.Counts)
		ev.UpdatedAt = a.At
		s.addSpec(a.Notice, eventID, a.At)
		s.audit = append(s.audit, a.Audit)
	}
	// As the DynamoDB store: the answer tells no place on the waiting list
	// (a transaction cannot return it); reading the registration does.
	out := clone(reg)
	out.WaitlistPosition = nil
	if idem != nil {
		s.idempotency[idem.Key] = &idemRecord{requestHash: idem.RequestHash, response: clone(out)}
	}
	return out, false, nil
}

// Registration returns a registration, a waitlisted one with its live
// position. Errors: ENOTFOUND.
func (s *Store) Registration(ctx context.Context, id string) (convening.Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Registration{}, err
	}
	reg, ok := s.registrations[id]
	if !ok {
		return convening.Registration{}, convening.ErrRegistrationNotFound
	}
	return s.withPosition(clone(*reg)), nil
}

// SettledRegistration is Registration: this store writes one arrival at a
// time, in the order they come, so every place is settled already.
func (s *Store) SettledRegistration(ctx context.Context, id string) (convening.Registration, error) {
	return s.Registration(ctx, id)
}

// Promote moves waitlisted teams into free seats as the domain plans and
// decides.
func (s *Store) Promote(ctx context.Context, eventID string, decide convening.PromotionDecision) ([]convening.Promotion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return nil, convening.ErrEventNotFound
	}
	promotions, counts := decide(ev.Event, convening.PlanPromotion(ev.WaitlistPolicy, ev.SeatsLeft(), ev.waitlist))
	for _, p := range promotions {
		reg := s.registrations[p.Entry.RegistrationID]
		// The arrival number stays, as in the DynamoDB store: a roster
		// cursor may still name the team's place in the waiting list.
		reg.Status, reg.UpdatedAt, reg.Offer = p.Status, p.At, copied(p.Offer)
		if p.Status == convening.StatusRegistered {
			at := p.At
			reg.PromotedAt = &at
		}
		if p.Hold != nil {
			s.holds[reg.ID] = *p.Hold
		}
		ev.waitlist = slices.DeleteFunc(ev.waitlist, func(x convening.WaitlistEntry) bool { return x.RegistrationID == reg.ID })
		s.addSpec(p.Notice, eventID, p.At)
		s.audit = append(s.audit, p.Audit)
		ev.UpdatedAt = p.At
	}
	ev.Counts = ev.Counts.Plus(counts)
	return promotions, nil
}

// Roster returns up to limit registrations of one list of an event, after
// the registration afterID, and whether more follow. Registered teams come
// in the order they took their seats, the waiting list in its order with
// positions, cancelled ones in the order they were cancelled.
func (s *Store) Roster(ctx context.Context, eventID string, list convening.Status, afterID string, limit int) ([]convening.Registration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, false, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return nil, false, nil
	}
	type entry struct {
		key string
		reg convening.Registration
	}
	var entries []entry
	for _, id := range ev.regs {
		if reg := s.registrations[id]; reg.Status == list {
			k, _ := rosterKey(*reg, list)
			entries = append(entries, entry{k, s.withPosition(clone(*reg))})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	if afterID != "" {
		// Go on from where the registration stands in the list, or would
		// stand if it left the list since the last page was read.
		after, known := s.registrations[afterID]
		var k string
		if known && after.EventID == eventID {
			k, known = rosterKey(*after, list)
		}
		if !known || after.EventID != eventID {
			return nil, false, convening.InvalidFields("The roster query", convening.Field("cursor", convening.RuleCursor))
		}
		i, _ := slices.BinarySearchFunc(entries, k, func(e entry, k string) int { return cmp.Compare(e.key, k) })
		for i < len(entries) && entries[i].key <= k {
			i++
		}
		entries = entries[i:]
	}
	more := len(entries) > limit
	entries = entries[:min(limit, len(entries))]
	regs := make([]convening.Registration, len(entries))
	for i, e := range entries {
		regs[i] = e.reg
	}
	return regs, more, nil
}

// rosterKey is a registration's place in one of its event's lists, in the
// order the DynamoDB store's index keeps: seated time for the registered,
// arrival number for the waiting list, cancellation time for the
// cancelled. It reports false if the registration was never in the list.
func rosterKey(r convening.Registration, list convening.Status) (string, bool) {
	const layout = "2006-01-02T15:04:05.000000000Z"
	switch list {
	case convening.StatusRegistered:
		seated := r.CreatedAt
		if r.PromotedAt != nil {
			seated = *r.PromotedAt
		}
		return seated.UTC().Format(layout) + "#" + r.ID, r.Status == convening.StatusRegistered || r.PromotedAt != nil || r.WaitlistSeq == 0
	case convening.StatusWaitlisted:
		return fmt.Sprintf("%019d", r.WaitlistSeq), r.WaitlistSeq > 0
	case convening.StatusCancelled:
		if r.CancelledAt == nil {
			return "", false
		}
		return r.CancelledAt.UTC().Format(layout) + "#" + r.ID, true
	case convening.StatusOffered, convening.StatusExpired:
		if r.Offer == nil {
			return "", false
		}
		return r.Offer.OfferedAt.UTC().Format(layout) + "#" + r.ID, true
	}
	return "", false
}

// withPosition sets a waitlisted registration's live position.
func (s *Store) withPosition(reg convening.Registration) convening.Registration {
	reg.WaitlistPosition = nil
	if reg.Status != convening.StatusWaitlisted {
		return reg
	}
	if ev, ok := s.events[reg.EventID]; ok {
		for i, w := range ev.waitlist {
			if w.RegistrationID == reg.ID {
				p := i + 1
				reg.WaitlistPosition = &p
			}
		}
	}
	return reg
}

// clone copies a registration so that callers never share its slices or
// pointers with the store.
func clone(r convening.Registration) convening.Registration {
	r.Members, r.FormerMembers = slices.Clone(r.Members), slices.Clone(r.FormerMembers)
	r.Answers = cloneAnswers(r.Answers)
	for i := range r.Members {
		r.Members[i].Answers = cloneAnswers(r.Members[i].Answers)
	}
	r.WaitlistPosition, r.PromotedAt, r.CancelledAt = copied(r.WaitlistPosition), copied(r.PromotedAt), copied(r.CancelledAt)
	r.ErasedAt, r.Offer = copied(r.ErasedAt), copied(r.Offer)
	return r
}

// copied returns a pointer to a copy of what p points to, or nil.
func copied[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// errOrganizationTaken answers a second active registration or statement
// of one organization for an event.
func errOrganizationTaken(o convening.Organization) error {
	return convening.NewError(convening.ECONFLICT, convening.ReasonOrganizationRegistered,
		"%s already has an active registration or statement for this event.", o.Name)
}

// ended returns the context's error, and context.DeadlineExceeded once its
// deadline has passed even if its timer has not fired yet, as a store
// across a network would see it.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// OrganizationRegistrations returns an organization's registrations across
// events, oldest first.
func (s *Store) OrganizationRegistrations(ctx context.Context, orgKey string) ([]convening.Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.Registration
	for _, r := range s.registrations {
		if r.Organization.Key() == orgKey {
			out = append(out, s.withPosition(clone(*r)))
		}
	}
	slices.SortFunc(out, func(a, b convening.Registration) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MarkPersonalDataErased records that an event's people were erased.
func (s *Store) MarkPersonalDataErased(ctx context.Context, eventID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return convening.ErrEventNotFound
	}
	ev.PersonalDataErasedAt = &at
	return nil
}
