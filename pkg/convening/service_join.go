package convening

import (
	"context"
	"slices"
)

// JoinService opens online events to their registrants: each registered
// member has a personal join link (a token of the same private-link
// scheme as the manage link, under its own label: JoinTokenSubject) that
// leads to the meeting from shortly before the start to the end, and stops
// working when the registration is cancelled. The meeting's address is
// read only here, and only to redirect a valid link in its window.
type JoinService struct {
	Basics
	store  JoinStorage
	tokens *ManageTokens
}

// JoinStorage is what JoinService needs of storage.
type JoinStorage interface {
	RegistrationReader
	EventReader
	OnlineSettingsStore
}

// NewJoinService returns the join links over store, with the tokens that
// sign them (which must not be nil).
func NewJoinService(b Basics, store JoinStorage, tokens *ManageTokens) *JoinService {
	return &JoinService{Basics: b, store: store, tokens: mustTokens("a join service", tokens)}
}

// JoinToken is a member's join token.
func (s *JoinService) JoinToken(registrationID, memberID string) string {
	return s.tokens.Token(JoinTokenSubject(registrationID, memberID))
}

// Join answers a member's join link at the service's now. A wrong token,
// or a member not on the registration, is ENOTFOUND, as if there were no
// such link.
func (s *JoinService) Join(ctx context.Context, registrationID, memberID, token string) (Join, error) {
	if registrationID == "" || memberID == "" || len(registrationID) > 64 || len(memberID) > 64 ||
		!authorized(s.tokens, JoinTokenSubject(registrationID, memberID), token) {
		return Join{}, ErrRegistrationNotFound
	}
	reg, err := s.store.Registration(ctx, registrationID)
	if err != nil {
		return Join{}, err
	}
	i := slices.IndexFunc(reg.Members, func(m Member) bool { return m.ID == memberID })
	if i < 0 {
		// A member removed from the team: their link no longer works.
		return Join{}, ErrRegistrationNotFound
	}
	e, err := s.store.Event(ctx, reg.EventID)
	if err != nil {
		return Join{}, err
	}
	settings, found, err := s.store.OnlineSettings(ctx, e.ID)
	if err != nil {
		return Join{}, err
	}
	return DecideJoin(e, reg, reg.Members[i], settings, found, s.Now()), nil
}

// JoinTarget is one member who gets a join link: the reminder emails and
// the pages build it from the registration and member ids.
type JoinTarget struct {
	RegistrationID string
	MemberID       string
	Name, Email    string
}

// JoinTargets are the members of a registration whose join links work:
// every member of a registered registration of an online event. (The
// reminder emails include each one's link; see mail.Links.JoinURL.)
func JoinTargets(e Event, reg Registration) []JoinTarget {
	if !e.Online || reg.Status != StatusRegistered {
		return nil
	}
	out := make([]JoinTarget, 0, len(reg.Members))
	for _, m := range reg.Members {
		out = append(out, JoinTarget{RegistrationID: reg.ID, MemberID: m.ID, Name: m.Name, Email: m.Email})
	}
	return out
}
