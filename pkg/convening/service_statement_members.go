package convening

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// A statement's contact looks after its members: mends a mistyped address
// or substitutes a member (the new member is asked to confirm), and sends
// a member's link again; a member may say they cannot attend. The contact
// hears when a member declines, and when the last required member
// confirms.

// ReasonInvitedTeamSize: ECONFLICT, an invited team's seats are held: its
// members may be substituted, not added or removed.
const ReasonInvitedTeamSize Reason = "invited_team_size"

// ChangeStatementMembers replaces a statement's members, for the holder of
// its token: a member kept is given with its id and keeps their
// confirmation; a member with a new address, or a new member, is someone
// new, asked to confirm by their own link (the old link stops working).
// The team must still suit the event (its size, the roles it requires).
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonStatementClosed,
// ReasonInvitedTeamSize).
func (s *StatementService) ChangeStatementMembers(ctx context.Context, id, token string, members []Member) (Statement, error) {
	if !authorized(s.tokens, id, token) {
		return Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	_, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if !st.Status.Active() {
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		}
		team := st.Team
		var replaced map[string]string
		team.Members, replaced = nextMembers(st.Members, members, s.NewID)
		team.Normalize()
		next := st
		next.Team = team
		if err := next.Validate(ev); err != nil {
			return StatementChange{}, err
		}
		if st.Status == StatementInvited && len(team.Members) != len(st.Members) {
			return StatementChange{}, conflict(ReasonInvitedTeamSize,
				"%s is invited with %s held: substitute members, without adding or removing any.", st.Organization.Name, Plural(st.Seats(), "seat", "seats"))
		}
		if sameMembers(st.Members, team.Members) {
			return StatementChange{}, errAlreadyDone
		}
		c := statementChange(st, AuditStatementMembersChanged, TeamActor, s.NewID(), "", now)
		c.After.Team = team
		for _, m := range membersLeft(team.Members, st.Members) {
			c.Notices = append(c.Notices, statementNotice(s.NewID(), NoticeMemberConfirmation, c.After, m.ID))
		}
		c = c.finish(st)
		c.Audit.Before = map[string]string{"seats": strconv.Itoa(st.Seats()), "roles": rolesWords(st.Members), "people": peopleWords(st.Members)}
		c.Audit.After = map[string]string{"seats": strconv.Itoa(len(team.Members)), "roles": rolesWords(team.Members),
			"people": peopleWords(team.Members), "change": changeWords(st.Members, team.Members, replaced)}
		return c, nil
	})
	if err != nil && ErrorReason(err) != "already_done" {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, id)
}

// ResendMemberLink sends a member who has not confirmed their personal
// link again, for the holder of the statement's token.
// Errors: ENOTFOUND (the statement, or the member), ECONFLICT
// (ReasonStatementClosed, ReasonAlreadyConfirmed).
func (s *StatementService) ResendMemberLink(ctx context.Context, id, token, memberID string) (Statement, error) {
	if !authorized(s.tokens, id, token) {
		return Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	_, err := s.store.UpdateStatement(ctx, id, func(st Statement, _ Event) (StatementChange, error) {
		m, ok := findMember(st.Members, memberID)
		switch {
		case !ok:
			return StatementChange{}, NewError(ENOTFOUND, ReasonMemberUnknown, "No member with that id in the statement.")
		case !st.Status.Active():
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		case m.ConfirmedAt != nil:
			return StatementChange{}, conflict(ReasonAlreadyConfirmed, "%s has confirmed already.", m.Name)
		}
		c := statementChange(st, AuditMemberLinkResent, TeamActor, s.NewID(), "", now)
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeMemberConfirmation, st, m.ID)}
		c = c.finish(st)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"person": m.Name, "role": string(m.Role)}
		return c, nil
	})
	if err != nil {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, id)
}

// DeclineMember records that a member cannot attend with the team, for
// the holder of the member's personal link; the contact is told at once
// and may substitute them (ChangeStatementMembers). Declining twice is not
// an error. Errors: ENOTFOUND, ECONFLICT (ReasonStatementClosed).
func (s *StatementService) DeclineMember(ctx context.Context, statementID, memberID, token string) (Statement, error) {
	if len(statementID) > 64 || len(memberID) > 64 || !s.tokens.Valid(MemberTokenSubject(statementID, memberID), token) {
		return Statement{}, ErrStatementNotFound
	}
	now := s.Now()
	_, err := s.store.UpdateStatement(ctx, statementID, func(st Statement, _ Event) (StatementChange, error) {
		i := slices.IndexFunc(st.Members, func(m Member) bool { return m.ID == memberID })
		switch {
		case i < 0:
			return StatementChange{}, ErrStatementNotFound
		case st.Members[i].CantAttendAt != nil:
			return StatementChange{}, errAlreadyDone
		case !st.Status.Active():
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		}
		c := statementChange(st, AuditMemberDeclined, TeamActor, s.NewID(), "", now)
		m := &c.After.Members[i]
		m.CantAttendAt, m.ConfirmedAt = &now, nil
		n := statementNotice(s.NewID(), NoticeStatementMemberDeclined, st, "")
		n.AboutMemberID = m.ID
		c.Notices = []NoticeSpec{n}
		c = c.finish(st)
		c.Audit.After = map[string]string{"person": m.Name, "role": string(m.Role)}
		return c, nil
	})
	if err != nil && ErrorReason(err) != "already_done" {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, statementID)
}

// confirmed is the change of a member's confirmation (ConfirmMember): the
// member confirms (and no longer declines); the contact hears when the
// last member the event requires has confirmed.
func confirmed(st Statement, ev Event, i int, auditID string, now time.Time, newID func() string) StatementChange {
	c := statementChange(st, AuditMemberConfirmed, TeamActor, auditID, "", now)
	c.After.Members[i].ConfirmedAt, c.After.Members[i].CantAttendAt = &now, nil
	if !st.completeFor(ev) && c.After.completeFor(ev) {
		c.Notices = []NoticeSpec{statementNotice(newID(), NoticeStatementComplete, c.After, "")}
	}
	c = c.finish(st)
	c.Audit.After = map[string]string{"person": st.Members[i].Name, "role": string(st.Members[i].Role)}
	return c
}
