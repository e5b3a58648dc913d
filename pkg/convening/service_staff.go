package convening

import (
	"context"
	"strings"
)

// StaffService is staff's work on registrations: a team's registration as
// staff see it, the changes they make to it (cancel, promote out of turn,
// move on the waiting list, change members or contact, check in, add a
// walk-in), each with its reason and audit record, an event's roster, and
// the audit log.
type StaffService struct {
	Basics
	store     StaffStorage
	promotion *PromotionService
}

// StaffStorage is what StaffService needs of storage.
type StaffStorage interface {
	EventReader
	RegistrationReader
	RegistrationUpdater
	Promoter
	AccountUpdater
	RosterReader
	AuditLog
}

// NewStaffService returns staff's work on registrations over store.
func NewStaffService(b Basics, store StaffStorage) *StaffService {
	return &StaffService{Basics: b, store: store, promotion: NewPromotionService(b, store)}
}

// StaffRegistration returns a registration to staff (no manage token), a
// waitlisted one with its position. Errors: ENOTFOUND.
func (s *StaffService) StaffRegistration(ctx context.Context, id string) (Registration, error) {
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.store.Registration(ctx, id)
}

// StaffCancel cancels a registration on the team's behalf, for a reason the
// audit log keeps (the undo of a registration made in someone else's
// name). The team is told by email. Errors: ENOTFOUND, EINVALID (reason).
func (s *StaffService) StaffCancel(ctx context.Context, actor Actor, id, reason string) (Registration, error) {
	if err := CheckReason(reason); err != nil {
		return Registration{}, err
	}
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return cancel(ctx, s.Basics, s.store, s.promotion, actor, id, reason)
}

// staffChange checks a staff action's reason and applies its decision.
func staffChange(ctx context.Context, store RegistrationUpdater, id, reason string, reads Reads, decide Decision) (Registration, error) {
	if err := CheckReason(reason); err != nil {
		return Registration{}, err
	}
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return store.UpdateRegistration(ctx, id, reads, decide)
}

// PromoteNow registers a waitlisted team at once, out of turn, if it fits
// the seats left: staff's override of the waiting list's order and policy.
// The team is emailed. Errors: ENOTFOUND, EINVALID (reason), ECONFLICT
// (ReasonNotWaitlisted, ReasonNotEnoughSeats).
func (s *StaffService) PromoteNow(ctx context.Context, actor Actor, id, reason string) (Registration, error) {
	reg, err := staffChange(ctx, s.store, id, reason, ReadEvent, DecidePromoteNow(actor, s.NewID(), s.NewID(), strings.TrimSpace(reason), s.Now()))
	if err == nil {
		invoiceAfter(ctx, s.Basics, s.store, actor, reg)
	}
	return reg, err
}

// MoveOnWaitlist moves a waitlisted team to position (1 is the head). The
// team, and every team whose place gets worse, is emailed its new place.
// Errors: ENOTFOUND, EINVALID (position, reason), ECONFLICT
// (ReasonNotWaitlisted, ReasonMoveTooFar).
func (s *StaffService) MoveOnWaitlist(ctx context.Context, actor Actor, id string, position int, reason string) (Registration, error) {
	reg, err := staffChange(ctx, s.store, id, reason, ReadWaitlist, DecideMove(actor, s.NewID(), position, strings.TrimSpace(reason), s.Now(), s.NewID))
	if err != nil {
		return Registration{}, err
	}
	return s.store.Registration(ctx, reg.ID) // with its new position
}

// ChangeMembers replaces a team's members within the seats left (a
// substitute, an added or a removed member); seats it frees go to the
// waiting list at once. The team is emailed. Errors: ENOTFOUND, EINVALID,
// ECONFLICT (ReasonNotActive, ReasonNotEnoughSeats).
func (s *StaffService) ChangeMembers(ctx context.Context, actor Actor, id string, members []Member, reason string) (Registration, error) {
	reg, err := staffChange(ctx, s.store, id, reason, ReadEvent, DecideMembers(actor, s.NewID(), s.NewID(), members, strings.TrimSpace(reason), s.Now(), s.NewID))
	if err != nil {
		return Registration{}, err
	}
	invoiceAfter(ctx, s.Basics, s.store, actor, reg)
	s.promotion.promoteAfter(ctx, reg.EventID)
	return s.store.Registration(ctx, reg.ID)
}

// ChangeContact makes someone else the team's contact (for instance to
// mend an address an email failed on); the new contact is emailed.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotActive).
func (s *StaffService) ChangeContact(ctx context.Context, actor Actor, id string, contact Contact, reason string) (Registration, error) {
	return staffChange(ctx, s.store, id, reason, ReadEvent, DecideContact(actor, s.NewID(), s.NewID(), contact, strings.TrimSpace(reason), s.Now()))
}

// CheckIn checks a member of a registered team in at the door, or out
// again (undo). Errors: ENOTFOUND, ECONFLICT (ReasonNotRegistered,
// ReasonAlreadyCheckedIn, ReasonNotCheckedIn).
func (s *StaffService) CheckIn(ctx context.Context, actor Actor, id, memberID string, undo bool) (Registration, error) {
	if id == "" || len(id) > 64 {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.store.UpdateRegistration(ctx, id, ReadEvent, DecideCheckIn(actor, s.NewID(), memberID, undo, s.Now()))
}

// AddWalkIn adds a member to a registered team at the door, seats
// permitting, checked in. The team is emailed its new roster.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotRegistered,
// ReasonNotEnoughSeats).
func (s *StaffService) AddWalkIn(ctx context.Context, actor Actor, id string, member Member, reason string) (Registration, error) {
	return s.walkIn(ctx, actor, id, member, "", reason)
}

// SubstituteWalkIn puts a walk-in, checked in, in place of memberID, a
// member of the registered team who has not checked in (a no-show): the
// seat stays the team's, so it needs none left. The member replaced leaves
// the team; the contact is emailed as for a substitution.
// Errors: ENOTFOUND, EINVALID (replaces: no such member; the walk-in's
// fields), ECONFLICT (ReasonNotRegistered, ReasonNoShowCheckedIn).
func (s *StaffService) SubstituteWalkIn(ctx context.Context, actor Actor, id, memberID string, member Member, reason string) (Registration, error) {
	if memberID == "" {
		return Registration{}, InvalidFields("The walk-in", Field("replaces", RuleRequired))
	}
	return s.walkIn(ctx, actor, id, member, memberID, reason)
}

func (s *StaffService) walkIn(ctx context.Context, actor Actor, id string, member Member, replaces, reason string) (Registration, error) {
	reg, err := staffChange(ctx, s.store, id, reason, ReadEvent, DecideWalkIn(actor, s.NewID(), s.NewID(), member, replaces, strings.TrimSpace(reason), s.Now(), s.NewID))
	if err == nil {
		invoiceAfter(ctx, s.Basics, s.store, actor, reg)
	}
	return reg, err
}

// Roster returns one page of an event's registrations for staff.
// Errors: ENOTFOUND, EINVALID (status, limit or cursor).
func (s *StaffService) Roster(ctx context.Context, eventID string, q RosterQuery) (Event, RosterPage, error) {
	return roster(ctx, s.store, eventID, q)
}

// AllRegistrations reads every registration of one of an event's lists
// (see RosterQuery.Status; "" for the active ones), page by page: for
// exports.
func (s *StaffService) AllRegistrations(ctx context.Context, eventID string, list Status) (Event, []Registration, error) {
	return allRegistrations(ctx, s.store, eventID, list)
}

// Audit returns a page of the audit log. Errors: EINVALID (the query).
func (s *StaffService) Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, string, error) {
	return readAudit(ctx, s.store, q)
}

// AllAudit reads an event's whole audit log, newest first: for exports.
func (s *StaffService) AllAudit(ctx context.Context, eventID string) ([]AuditRecord, error) {
	return allAudit(ctx, s.store, AuditQuery{EventID: eventID})
}
