package convening

import (
	"context"
	"slices"
	"strings"
	"time"
)

// StatementService is a team's statement of interest: submitting it, each
// member confirming by a personal link, reading it, and the team's answer
// to an invitation (accepting registers the team) or its withdrawal, each
// with the statement's manage token or the member's personal token.
type StatementService struct {
	Basics
	store       StatementStorage
	tokens      *ManageTokens
	invitations invitations
}

// StatementStorage is what StatementService needs of storage.
type StatementStorage interface {
	StatementSubmitter
	StatementReader
	StatementUpdater
	StatementLister
	EventReader
	RegistrationReader
	AccountUpdater
	// The event's registrations, to say who holds an organization's place.
	RosterReader
}

// NewStatementService returns teams' statements over store, with their
// manage tokens (which must not be nil).
func NewStatementService(b Basics, store StatementStorage, tokens *ManageTokens) *StatementService {
	return &StatementService{Basics: b, store: store, tokens: mustTokens("a statement service", tokens),
		invitations: invitations{Basics: b, store: store}}
}

// newStatement makes the statement a team submits and decides its
// submission: ids for it and its members, submitted at now, the contact's
// notice and each member's confirmation request, the reminder to members
// who will not have confirmed in a few days, and the audit record.
func (s *StatementService) newStatement(eventID string, team Team, experience, reasons string, now time.Time) (Statement, SubmitInput) {
	team.Normalize()
	team.Members = slices.Clone(team.Members)
	for i := range team.Members {
		team.Members[i].ID, team.Members[i].CheckedInAt, team.Members[i].ConfirmedAt = s.NewID(), nil, nil
	}
	st := Statement{ID: s.NewID(), EventID: eventID, Status: StatementSubmitted, Team: team,
		Experience: strings.TrimSpace(experience), Reasons: strings.TrimSpace(reasons), SubmittedAt: now, UpdatedAt: now}
	in := SubmitInput{Statement: st, Now: now,
		Notices:  []NoticeSpec{statementNotice(s.NewID(), NoticeStatementReceived, st, "")},
		Audit:    statementAudit(s.NewID(), AuditSubmitted, TeamActor, st, now, ""),
		Reminder: Hold{Kind: HoldConfirmation, SubjectID: st.ID, EventID: st.EventID, RespondBy: now.Add(confirmationLead), CreatedAt: now}}
	in.Audit.Before, in.Audit.After = nil, st.summary()
	for _, m := range st.Members {
		in.Notices = append(in.Notices, statementNotice(s.NewID(), NoticeMemberConfirmation, st, m.ID))
	}
	return st, in
}

// SubmitStatement takes a team's statement of interest and returns it with
// its manage token. A replay of an idempotent request returns the first
// answer. Errors: EINVALID, ENOTFOUND, ECONFLICT (ReasonStatementsClosed,
// ReasonOrganizationRegistered, ReasonStatementsNotTaken), EUNAVAILABLE.
func (s *StatementService) SubmitStatement(ctx context.Context, eventID string, team Team, experience, reasons string, idem *Idempotency) (Statement, string, bool, error) {
	if !ValidEventID(eventID) {
		return Statement{}, "", false, ErrEventNotFound
	}
	st, in := s.newStatement(eventID, team, experience, reasons, s.Now())
	if err := st.Validate(Event{}); err != nil {
		return Statement{}, "", false, err
	}
	in.Idempotency = idem
	st, replayed, err := s.store.SubmitStatement(ctx, in)
	if err != nil {
		return Statement{}, "", false, explainTaken(ctx, s.Basics, s.store, eventID, team.Organization, err)
	}
	return st, s.tokens.Token(st.ID), replayed, nil
}

// Statement returns a statement to the holder of its manage token, with
// Complete set. A wrong token answers ENOTFOUND.
func (s *StatementService) Statement(ctx context.Context, id, token string) (Statement, error) {
	if !authorized(s.tokens, id, token) {
		return Statement{}, ErrStatementNotFound
	}
	return readStatement(ctx, s.store, id)
}

// MemberToken is a member's personal confirmation token: an HMAC of the
// statement and the member, like a manage token.
func (s *StatementService) MemberToken(statementID, memberID string) string {
	return s.tokens.Token(MemberTokenSubject(statementID, memberID))
}

// ConfirmMember records that a member will attend with the team, for the
// holder of the member's personal link. Confirming twice is not an error.
// A wrong token answers ENOTFOUND.
func (s *StatementService) ConfirmMember(ctx context.Context, statementID, memberID, token string) (Statement, error) {
	if len(statementID) > 64 || len(memberID) > 64 || !s.tokens.Valid(MemberTokenSubject(statementID, memberID), token) {
		return Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	st, err := s.store.UpdateStatement(ctx, statementID, func(st Statement, ev Event) (StatementChange, error) {
		i := slices.IndexFunc(st.Members, func(m Member) bool { return m.ID == memberID })
		switch {
		case i < 0:
			return StatementChange{}, ErrStatementNotFound
		case st.Members[i].ConfirmedAt != nil:
			return StatementChange{}, errAlreadyDone
		case !st.Status.Active():
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		}
		return confirmed(st, ev, i, s.NewID(), now, s.NewID), nil
	})
	if ErrorReason(err) == "already_done" {
		return readStatement(ctx, s.store, statementID)
	}
	if err != nil {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, st.ID)
}

// MemberStatement returns a statement to the holder of one member's
// personal link (MemberToken), for the member's confirmation page. A wrong
// token, or a member the statement does not have, answers ENOTFOUND.
func (s *StatementService) MemberStatement(ctx context.Context, statementID, memberID, token string) (Statement, error) {
	if len(statementID) > 64 || len(memberID) > 64 || !s.tokens.Valid(MemberTokenSubject(statementID, memberID), token) {
		return Statement{}, ErrStatementNotFound
	}
	st, err := readStatement(ctx, s.store, statementID)
	if err != nil {
		return Statement{}, err
	}
	if !slices.ContainsFunc(st.Members, func(m Member) bool { return m.ID == memberID }) {
		return Statement{}, ErrStatementNotFound
	}
	return st, nil
}

// StatementRegistration returns the registration an accepted statement
// became, with its manage token, to the holder of the statement's token:
// the statement's page links to it. Errors: ENOTFOUND (a wrong token, or
// no registration yet).
func (s *StatementService) StatementRegistration(ctx context.Context, id, token string) (Registration, string, error) {
	st, err := s.Statement(ctx, id, token)
	if err != nil {
		return Registration{}, "", err
	}
	if st.RegistrationID == nil {
		return Registration{}, "", ErrRegistrationNotFound
	}
	reg, err := s.store.Registration(ctx, *st.RegistrationID)
	if err != nil {
		return Registration{}, "", err
	}
	return reg, s.tokens.Token(reg.ID), nil
}

// AcceptInvitation registers an invited team that accepts in time: the
// seats held for it become its seats, and it gets the registered email
// with its calendar invitation. It answers the registration and its manage
// token; accepting twice answers the same registration.
// Errors: ENOTFOUND, ECONFLICT (ReasonInvitationExpired, ReasonNotInvited).
func (s *StatementService) AcceptInvitation(ctx context.Context, id, token string) (Registration, string, Statement, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, "", Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	st, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		switch {
		case st.Status == StatementAccepted:
			return StatementChange{}, errAlreadyDone
		case st.Status == StatementExpired, st.Status == StatementInvited && !now.Before(st.Invitation.RespondBy):
			return StatementChange{}, conflict(ReasonInvitationExpired, "The invitation to %s lapsed %s.", st.Organization.Name, When(st.Invitation.RespondBy, time.Time{}))
		case st.Status != StatementInvited:
			return StatementChange{}, conflict(ReasonNotInvited, "%s is not invited.", st.Organization.Name)
		}
		c := statementChange(st, AuditAccepted, TeamActor, s.NewID(), "", now)
		reg := Registration{ID: s.NewID(), EventID: st.EventID, Status: StatusRegistered, Seats: st.Seats(),
			Team: st.Team, CreatedAt: now, UpdatedAt: now}
		reg.Members = slices.Clone(st.Members)
		for i := range reg.Members {
			reg.Members[i].ConfirmedAt = nil
		}
		c.After.Status, c.After.RegistrationID = StatementAccepted, &reg.ID
		c.Registration = &reg
		c.ReleaseHold = true
		c.Notices = []NoticeSpec{{ID: s.NewID(), Kind: NoticeRegistered, SubjectID: reg.ID, Fanout: welcomeEveryMember}}
		return c.finish(st), nil
	})
	if ErrorReason(err) == "already_done" {
		st, err = s.store.Statement(ctx, id)
	}
	if err != nil {
		return Registration{}, "", Statement{}, err
	}
	reg, err := s.store.Registration(ctx, *st.RegistrationID)
	if err != nil {
		return Registration{}, "", Statement{}, err
	}
	invoiceAfter(ctx, s.Basics, s.store, TeamActor, reg)
	st, err = readStatement(ctx, s.store, id)
	return reg, s.tokens.Token(reg.ID), st, err
}

// DeclineStatement is the team's no: it declines its invitation (the seats
// held for it are freed at once) or withdraws its statement.
// Errors: ENOTFOUND, ECONFLICT (ReasonStatementClosed).
func (s *StatementService) DeclineStatement(ctx context.Context, id, token string) (Statement, error) {
	if !authorized(s.tokens, id, token) {
		return Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	wasInvited := false
	st, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if !st.Status.Active() {
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		}
		wasInvited = st.Status == StatementInvited
		kind, status, notice := AuditWithdrawn, StatementWithdrawn, NoticeStatementWithdrawn
		if wasInvited {
			kind, status, notice = AuditInvitationDeclined, StatementDeclined, NoticeInvitationDeclined
		}
		c := statementChange(st, kind, TeamActor, s.NewID(), "", now)
		c.After.Status = status
		c.ReleaseClaim, c.ReleaseHold = true, wasInvited
		// The team is told what it did, as a registration's cancellation is.
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), notice, st, "")}
		return c.finish(st), nil
	})
	if err != nil {
		return Statement{}, err
	}
	if wasInvited {
		s.invitations.autoInvite(ctx, st.EventID, "the invited team declined")
	}
	return readStatement(ctx, s.store, st.ID)
}
