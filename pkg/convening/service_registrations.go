package convening

import (
	"context"
	"strings"
)

// RegistrationService is a team's own registration: registering (with
// seats, or on the waiting list), reading it, cancelling it and accepting
// an offer of seats, each with the registration's manage token.
type RegistrationService struct {
	Basics
	store     RegistrationStorage
	tokens    *ManageTokens
	promotion *PromotionService
}

// RegistrationStorage is what RegistrationService needs of storage.
type RegistrationStorage interface {
	Registrar
	RegistrationReader
	// The team is told its place only once it is settled.
	SettledRegistrationReader
	RegistrationUpdater
	Promoter
	AccountUpdater
	// The event's teams, to say who holds an organization's place.
	RosterReader
	StatementLister
	// EligibilityReads: an event with an eligibility rule checks each
	// member against the history before the team takes its seats.
	EligibilityReads
}

// NewRegistrationService returns teams' registrations over store, with
// their manage tokens (which must not be nil).
func NewRegistrationService(b Basics, store RegistrationStorage, tokens *ManageTokens) *RegistrationService {
	return &RegistrationService{Basics: b, store: store, tokens: mustTokens("a registration service", tokens),
		promotion: NewPromotionService(b, store)}
}

// Register registers a team for an event, or puts it on the waiting list,
// and returns the registration with its manage token. A replay of an
// idempotent request returns the first answer.
// Errors: EINVALID, ENOTFOUND, ECONFLICT, EUNAVAILABLE.
func (s *RegistrationService) Register(ctx context.Context, eventID string, team Team, idem *Idempotency) (Registration, string, bool, error) {
	if !ValidEventID(eventID) {
		return Registration{}, "", false, ErrEventNotFound
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
	reg, replayed, free, err := s.arrive(ctx, eventID, reg, idem)
	if err != nil {
		return Registration{}, "", false, explainTaken(ctx, s.Basics, s.store, eventID, team.Organization, err)
	}
	if reg.Status == StatusRegistered && !replayed && !free {
		invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
	}
	return reg, s.tokens.Token(reg.ID), replayed, nil
}

// arrive has the store register draft as DecideArrival decides. An event
// with an eligibility rule refuses an arrival not checked against its
// rule's version (ErrEligibilityUnchecked): the members are then checked
// against the history, and the arrival made again under that version, or
// refused naming the members who do not qualify. An event without a rule
// costs nothing more than the registration. free reports that the
// registration was made on the condition that the event has no fee
// policy (Arrival.NoFeePolicy): there is nothing to invoice.
func (s *RegistrationService) arrive(ctx context.Context, eventID string, draft Registration, idem *Idempotency) (reg Registration, replayed, free bool, err error) {
	noticeID, auditID, now := s.NewID(), s.NewID(), draft.CreatedAt
	for range 3 {
		decide := DecideArrival(eventID, draft, noticeID, auditID, TeamActor, now)
		// The store asks once per attempt; the last answer is the one it wrote.
		var last Arrival
		reg, replayed, err = s.store.Register(ctx, eventID, idem, func(seen *Event, seq int64) Arrival {
			last = decide(seen, seq)
			return last
		})
		if ErrorReason(err) != ReasonEligibilityUnchecked {
			return reg, replayed, last.NoFeePolicy, err
		}
		e, err := s.store.Event(ctx, eventID)
		if err != nil {
			return Registration{}, false, false, err
		}
		results, err := evaluate(ctx, s.store, e, draft.Team)
		if err != nil {
			return Registration{}, false, false, err
		}
		if err := ErrNotEligible(e, draft.Individual(), results); err != nil {
			return Registration{}, false, false, err
		}
		draft.EligibilityVersion = e.EligibilityVersion
	}
	return Registration{}, false, false, ErrBusy
}

// RegisterPerson registers one person on their own for an event that
// admits individuals: a registration of one seat, with the same waiting
// list, promotion or offers, manage link and emails as a team's. One
// person registers once per event (by normalized address); a person on a
// registered team of the event is told so.
// Errors: EINVALID, ENOTFOUND, ECONFLICT (ReasonPersonRegistered,
// ReasonPersonOnTeam, ReasonIndividualsNotAdmitted, ReasonNotEligible,
// the window), EUNAVAILABLE.
func (s *RegistrationService) RegisterPerson(ctx context.Context, eventID string, p Person, idem *Idempotency) (Registration, string, bool, error) {
	if !ValidEventID(eventID) {
		return Registration{}, "", false, ErrEventNotFound
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return Registration{}, "", false, err
	}
	now := s.Now()
	reg := Registration{ID: s.NewID(), Team: p.Team(), CreatedAt: now, UpdatedAt: now, Registrant: RegistrantIndividual, PersonClaims: true}
	reg.Members[0].ID = s.NewID()
	reg, replayed, free, err := s.arrive(ctx, eventID, reg, idem)
	if err != nil {
		return Registration{}, "", false, err
	}
	if reg.Status == StatusRegistered && !replayed && !free {
		invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
	}
	return reg, s.tokens.Token(reg.ID), replayed, nil
}

// Registration returns a registration to the holder of its manage token.
// A wrong token answers ENOTFOUND, as if the registration did not exist.
func (s *RegistrationService) Registration(ctx context.Context, id, token string) (Registration, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.store.SettledRegistration(ctx, id)
}

// Cancel cancels a registration for the holder of its manage token and
// promotes waitlisted teams into what it freed. Cancelling twice is not an
// error. Errors: ENOTFOUND, EUNAVAILABLE.
func (s *RegistrationService) Cancel(ctx context.Context, id, token string) (Registration, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	return cancel(ctx, s.Basics, s.store, s.promotion, TeamActor, id, "")
}

// AcceptOffer registers an offered team, for the holder of its manage
// token. Errors: ENOTFOUND, ECONFLICT (ReasonOfferExpired, ReasonNoOffer).
func (s *RegistrationService) AcceptOffer(ctx context.Context, id, token string) (Registration, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	reg, err := s.store.UpdateRegistration(ctx, id, ReadEvent, DecideAcceptOffer(s.NewID(), s.NewID(), s.Now()))
	if err != nil && ErrorReason(err) == "already_done" {
		return s.store.Registration(ctx, id)
	}
	if err == nil {
		invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
	}
	return reg, err
}

// cancel cancels registration id for actor, with the reason the audit log
// keeps, and if that changed it promotes waitlisted teams into what it
// freed.
func cancel(ctx context.Context, b Basics, store interface {
	RegistrationUpdater
	AccountUpdater
}, promotion *PromotionService, actor Actor, id, reason string) (Registration, error) {
	noticeID, auditID := b.NewID(), b.NewID()
	decide, changed := DecideCancel(actor, auditID, noticeID, strings.TrimSpace(reason), b.Now()), false
	reg, err := store.UpdateRegistration(ctx, id, ReadRegistration, func(r Registration, e Event, w []WaitlistEntry) (RegistrationChange, error) {
		c, err := decide(r, e, w)
		changed = err == nil && !c.Unchanged
		return c, err
	})
	if err != nil {
		return Registration{}, err
	}
	if changed {
		invoiceAfter(ctx, b, store, actor, reg)
		promotion.promoteAfter(ctx, reg.EventID)
	}
	return reg, nil
}

// authorized reports whether token is the manage token of id (a
// registration's or a statement's).
func authorized(tokens *ManageTokens, id, token string) bool {
	return id != "" && len(id) <= 64 && token != "" && tokens.Valid(id, token)
}
