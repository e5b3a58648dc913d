package convening

import (
	"context"
)

// A team's own changes to its registration, with its manage link, and
// each member's own page and word on their attendance, with the member's
// personal link (RegistrationService).

// ErrEmptyTeamChange answers a team change that names nothing to change.
var ErrEmptyTeamChange = NewError(EINVALID, ReasonEmptyChange, "The change is empty: name members, contact or both.")

// ChangeTeam changes a team's members, its contact or both, for the holder
// of its manage token, under the rules of a new registration
// (DecideTeamChange: the team's size and required roles, a seat per added
// member while seats are left and no team waits, nothing once the event
// has begun); the audit log records that the team did it. A change of
// members brings the team's invoices up to date, as staff's do; seats it
// releases go to the waiting list at once. Errors: ENOTFOUND, EINVALID
// (the team's fields, ReasonEmptyChange), ECONFLICT (ReasonNotActive,
// ReasonNotEnoughSeats, ReasonTeamsWaiting, ReasonEventStarted,
// ReasonRegistrationClosed), EUNAVAILABLE.
func (s *RegistrationService) ChangeTeam(ctx context.Context, id, token string, change TeamChange) (Registration, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	if change.Empty() {
		return Registration{}, ErrEmptyTeamChange
	}
	reg, err := s.store.UpdateRegistration(ctx, id, ReadEvent, DecideTeamChange(TeamActor, s.NewID(), s.NewID(), change, "", s.Now(), s.NewID))
	if err != nil {
		return Registration{}, err
	}
	// Who is billed is the members: a new contact changes no invoice, and
	// costs no read of the fee policy.
	if change.Members != nil {
		invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
	}
	s.promotion.promoteAfter(ctx, reg.EventID)
	return s.store.SettledRegistration(ctx, id)
}

// AttendeeToken is a member's personal token of a registration: an HMAC
// of the registration and the member under a label of its own
// (AttendeeTokenSubject), like a manage token.
func (s *RegistrationService) AttendeeToken(registrationID, memberID string) string {
	return s.tokens.Token(AttendeeTokenSubject(registrationID, memberID))
}

// attendee reports whether token is the member's personal token.
func (s *RegistrationService) attendee(id, memberID, token string) bool {
	return id != "" && memberID != "" && len(id) <= 64 && len(memberID) <= 64 && token != "" &&
		s.tokens.Valid(AttendeeTokenSubject(id, memberID), token)
}

// Attendee returns a registration to the holder of one member's personal
// link, for the member's page. A wrong token answers ENOTFOUND, as if the
// registration did not exist; a member no longer on the team
// ReasonMemberLeft.
func (s *RegistrationService) Attendee(ctx context.Context, id, memberID, token string) (Registration, error) {
	if !s.attendee(id, memberID, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	reg, err := s.store.SettledRegistration(ctx, id)
	if err != nil {
		return Registration{}, err
	}
	if _, ok := findMember(reg.Members, memberID); !ok {
		return Registration{}, NewError(ENOTFOUND, ReasonMemberLeft, "That member is no longer on the team.")
	}
	return reg, nil
}

// SetAttendance records a member's own word, for the holder of their
// personal link: that they cannot attend (the contact is told at once,
// and the seat stays the team's until the contact substitutes them or
// releases it), or that they can after all. Errors: ENOTFOUND
// (ReasonMemberLeft), ECONFLICT (ReasonNotActive, ReasonEventStarted once
// the event is over).
func (s *RegistrationService) SetAttendance(ctx context.Context, id, memberID, token string, cantAttend bool) (Registration, error) {
	if !s.attendee(id, memberID, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	if _, err := s.store.UpdateRegistration(ctx, id, ReadEvent, DecideAttendance(memberID, cantAttend, s.NewID(), s.NewID(), s.Now())); err != nil {
		return Registration{}, err
	}
	return s.store.SettledRegistration(ctx, id)
}
