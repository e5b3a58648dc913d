package convening

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The life of a statement of interest: the team submits it and every
// member confirms; reviewers score it; staff shortlist, invite (holding
// the team's seats until a deadline) or decline, each with a reason; the
// team accepts (and is registered) or declines; an invitation not answered
// in time lapses, and (if the event asks) the next shortlisted team is
// invited.

// statementChange starts a change of st at now.
func statementChange(st Statement, kind AuditKind, actor Actor, auditID, reason string, now time.Time) StatementChange {
	after := st
	after.Members = slices.Clone(st.Members)
	after.UpdatedAt = now
	return StatementChange{After: after, Audit: statementAudit(auditID, kind, actor, st, now, reason)}
}

func (c StatementChange) finish(before Statement) StatementChange {
	c.Counts = c.After.Counts().Minus(before.Counts())
	if c.Registration != nil {
		c.Counts = c.Counts.Plus(c.Registration.Counts())
	}
	c.Audit.After = c.After.summary()
	return c
}

// statementNotice is a notice about a statement (to its contact, or to
// one member).
func statementNotice(id string, kind NoticeKind, st Statement, memberID string) NoticeSpec {
	return NoticeSpec{ID: id, Kind: kind, SubjectID: st.ID, SubjectKind: SubjectStatement, MemberID: memberID}
}

// confirmationLead is how long members have to confirm before those who
// have not are reminded, once.
const confirmationLead = 3 * 24 * time.Hour

// NewStatement makes the statement a team submits and decides its
// submission: ids for it and its members, submitted at now, the contact's
// notice and each member's confirmation request, the reminder to members
// who will not have confirmed in a few days, and the audit record.
func (s *Service) NewStatement(eventID string, team Team, experience, reasons string, now time.Time) (Statement, SubmitInput) {
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
func (s *Service) SubmitStatement(ctx context.Context, eventID string, team Team, experience, reasons string, idem *Idempotency) (Statement, string, bool, error) {
	if !ValidEventID(eventID) {
		return Statement{}, "", false, ErrEventNotFound
	}
	if s.Tokens == nil {
		return Statement{}, "", false, errNoTokens
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, "", false, err
	}
	st, in := s.NewStatement(eventID, team, experience, reasons, s.Now())
	if err := st.Validate(Event{}); err != nil {
		return Statement{}, "", false, err
	}
	in.Idempotency = idem
	st, replayed, err := store.SubmitStatement(ctx, in)
	if err != nil {
		return Statement{}, "", false, err
	}
	return st, s.Tokens.Token(st.ID), replayed, nil
}

func (s *Service) statements() (StatementStore, error) {
	store, ok := s.Store.(StatementStore)
	if !ok {
		return nil, NewError(EINTERNAL, ReasonInternal, "the store keeps no statements")
	}
	return store, nil
}

// Statement returns a statement to the holder of its manage token, with
// Complete set. A wrong token answers ENOTFOUND.
func (s *Service) Statement(ctx context.Context, id, token string) (Statement, error) {
	if !s.authorized(id, token) {
		return Statement{}, ErrStatementNotFound
	}
	return s.StaffStatement(ctx, id)
}

// StaffStatement returns a statement to staff, with Complete set.
func (s *Service) StaffStatement(ctx context.Context, id string) (Statement, error) {
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	if id == "" || len(id) > 64 {
		return Statement{}, ErrStatementNotFound
	}
	st, err := store.Statement(ctx, id)
	if err != nil {
		return Statement{}, err
	}
	e, err := s.Store.Event(ctx, st.EventID)
	if err != nil {
		return Statement{}, err
	}
	return st.WithComplete(e), nil
}

// MemberToken is a member's personal confirmation token: an HMAC of the
// statement and the member, like a manage token.
func (s *Service) MemberToken(statementID, memberID string) string {
	if s.Tokens == nil {
		return ""
	}
	return s.Tokens.Token(MemberTokenSubject(statementID, memberID))
}

// MemberTokenSubject is what a member's personal confirmation token signs:
// the statement and the member, so that one member's link confirms no
// one else.
func MemberTokenSubject(statementID, memberID string) string { return statementID + ":" + memberID }

// ConfirmMember records that a member will attend with the team, for the
// holder of the member's personal link. Confirming twice is not an error.
// A wrong token answers ENOTFOUND.
func (s *Service) ConfirmMember(ctx context.Context, statementID, memberID, token string) (Statement, error) {
	if s.Tokens == nil || len(statementID) > 64 || len(memberID) > 64 || !s.Tokens.Valid(MemberTokenSubject(statementID, memberID), token) {
		return Statement{}, ErrStatementNotFound
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	now := s.Now()
	st, err := store.UpdateStatement(ctx, statementID, func(st Statement, ev Event) (StatementChange, error) {
		i := slices.IndexFunc(st.Members, func(m Member) bool { return m.ID == memberID })
		switch {
		case i < 0:
			return StatementChange{}, ErrStatementNotFound
		case st.Members[i].ConfirmedAt != nil:
			return StatementChange{}, errAlreadyDone
		case !st.Status.Active():
			return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
		}
		c := statementChange(st, AuditMemberConfirmed, TeamActor, s.NewID(), "", now)
		c.After.Members[i].ConfirmedAt = &now
		c = c.finish(st)
		c.Audit.After = map[string]string{"member": memberID, "role": string(st.Members[i].Role)}
		return c, nil
	})
	if ErrorReason(err) == "already_done" {
		return s.StaffStatement(ctx, statementID)
	}
	if err != nil {
		return Statement{}, err
	}
	return s.StaffStatement(ctx, st.ID)
}

// MemberStatement returns a statement to the holder of one member's
// personal link (MemberToken), for the member's confirmation page. A wrong
// token, or a member the statement does not have, answers ENOTFOUND.
func (s *Service) MemberStatement(ctx context.Context, statementID, memberID, token string) (Statement, error) {
	if s.Tokens == nil || len(statementID) > 64 || len(memberID) > 64 || !s.Tokens.Valid(MemberTokenSubject(statementID, memberID), token) {
		return Statement{}, ErrStatementNotFound
	}
	st, err := s.StaffStatement(ctx, statementID)
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
func (s *Service) StatementRegistration(ctx context.Context, id, token string) (Registration, string, error) {
	st, err := s.Statement(ctx, id, token)
	if err != nil {
		return Registration{}, "", err
	}
	if st.RegistrationID == nil {
		return Registration{}, "", ErrRegistrationNotFound
	}
	reg, err := s.Store.Registration(ctx, *st.RegistrationID)
	if err != nil {
		return Registration{}, "", err
	}
	return reg, s.Tokens.Token(reg.ID), nil
}

// AcceptInvitation registers an invited team that accepts in time: the
// seats held for it become its seats, and it gets the registered email
// with its calendar invitation. It answers the registration and its manage
// token; accepting twice answers the same registration.
// Errors: ENOTFOUND, ECONFLICT (ReasonInvitationExpired, ReasonNotInvited).
func (s *Service) AcceptInvitation(ctx context.Context, id, token string) (Registration, string, Statement, error) {
	if !s.authorized(id, token) {
		return Registration{}, "", Statement{}, ErrStatementNotFound
	}
	store, err := s.statements()
	if err != nil {
		return Registration{}, "", Statement{}, err
	}
	now := s.Now()
	st, err := store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
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
		c.Notices = []NoticeSpec{{ID: s.NewID(), Kind: NoticeRegistered, SubjectID: reg.ID}}
		return c.finish(st), nil
	})
	if ErrorReason(err) == "already_done" {
		st, err = store.Statement(ctx, id)
	}
	if err != nil {
		return Registration{}, "", Statement{}, err
	}
	reg, err := s.Store.Registration(ctx, *st.RegistrationID)
	if err != nil {
		return Registration{}, "", Statement{}, err
	}
	st, err = s.StaffStatement(ctx, id)
	return reg, s.Tokens.Token(reg.ID), st, err
}

// DeclineStatement is the team's no: it declines its invitation (the seats
// held for it are freed at once) or withdraws its statement.
// Errors: ENOTFOUND, ECONFLICT (ReasonStatementClosed).
func (s *Service) DeclineStatement(ctx context.Context, id, token string) (Statement, error) {
	if !s.authorized(id, token) {
		return Statement{}, ErrStatementNotFound
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	now := s.Now()
	wasInvited := false
	st, err := store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
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
		s.autoInvite(ctx, st.EventID, "the invited team declined")
	}
	return s.StaffStatement(ctx, st.ID)
}

// Decide applies (or, staged, prepares) a staff decision on a statement.
// An invitation holds the team's seats at once and must fit the seats
// left; inviting a team whose required members have not all confirmed
// needs Override (and its reason). Errors: ENOTFOUND, EINVALID, ECONFLICT
// (ReasonNotEnoughSeats, ReasonIncomplete, ReasonStatementClosed).
func (s *Service) Decide(ctx context.Context, actor Actor, id string, d StaffDecision) (Statement, error) {
	if err := s.checkDecision(d); err != nil {
		return Statement{}, err
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	now := s.Now()
	d.By, d.StagedAt = actor, now
	declinedInvite := false
	st, err := store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if d.Staged {
			if !st.Status.Active() {
				return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
			}
			c := statementChange(st, AuditDecisionStaged, actor, s.NewID(), d.Reason, now)
			staged := d
			c.After.Staged = &staged
			c = c.finish(st)
			c.Audit.After["staged"] = string(d.Kind)
			return c, nil
		}
		declinedInvite = d.Kind == DecideDecline && st.Status == StatementInvited
		return s.decide(st, ev, actor, d, now)
	})
	if err != nil {
		return Statement{}, err
	}
	if declinedInvite {
		s.autoInvite(ctx, st.EventID, "an invited team was declined")
	}
	return s.StaffStatement(ctx, st.ID)
}

// checkDecision validates a decision as staff send it.
func (s *Service) checkDecision(d StaffDecision) error {
	var v validation
	switch d.Kind {
	case DecideInvite, DecideShortlist, DecideDecline:
	default:
		v.add("decision", RuleOneOf, "values", []string{string(DecideInvite), string(DecideShortlist), string(DecideDecline)})
	}
	checkText(&v, "reason", strings.TrimSpace(d.Reason), MaxReasonLen, true)
	checkText(&v, "message", strings.TrimSpace(d.Message), MaxAnswerLen, false)
	if !d.RespondBy.IsZero() {
		if d.Kind != DecideInvite {
			v.add("respondBy", RuleOneOf, "values", []string{"only with an invitation"})
		} else if d.RespondBy.Before(s.Now().Add(time.Minute)) {
			v.add("respondBy", RuleAfter, "of", "a minute from now")
		}
	}
	return v.err("The decision")
}

// decide makes a decision's change: shortlist, invite or decline.
func (s *Service) decide(st Statement, ev Event, actor Actor, d StaffDecision, now time.Time) (StatementChange, error) {
	if !st.Status.Active() {
		return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
	}
	reason := strings.TrimSpace(d.Reason)
	var c StatementChange
	switch d.Kind {
	case DecideShortlist:
		if st.Status != StatementSubmitted {
			return StatementChange{}, conflict(ReasonStatementClosed, "Only a submitted statement is shortlisted; this one is %s.", st.Status)
		}
		c = statementChange(st, AuditShortlisted, actor, s.NewID(), reason, now)
		c.After.Status, c.After.ShortlistSeq = StatementShortlisted, now.UnixMicro()
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeShortlisted, st, "")}
	case DecideInvite:
		if st.Status == StatementInvited {
			return StatementChange{}, conflict(ReasonStatementClosed, "%s is already invited.", st.Organization.Name)
		}
		var err error
		if c, err = s.invite(st, ev, actor, reason, d.RespondBy, d.Override, AuditInvited, now); err != nil {
			return StatementChange{}, err
		}
	case DecideDecline:
		c = statementChange(st, AuditDeclined, actor, s.NewID(), reason, now)
		c.After.Status = StatementDeclined
		c.ReleaseClaim, c.ReleaseHold = true, st.Status == StatementInvited
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeStatementDeclined, st, "")}
	}
	if msg := strings.TrimSpace(d.Message); msg != "" {
		c.After.Message = &msg
	}
	c.After.Staged = nil
	return c.finish(st), nil
}

// invite holds a team's seats until respondBy (zero: the event's answer
// window from now).
func (s *Service) invite(st Statement, ev Event, actor Actor, reason string, respondBy time.Time, override bool, kind AuditKind, now time.Time) (StatementChange, error) {
	if !override && !st.completeFor(ev) {
		return StatementChange{}, conflict(ReasonIncomplete, "Not every required member of %s has confirmed; invite with override and a reason, or wait.", st.Organization.Name)
	}
	if st.Seats() > ev.SeatsLeft() {
		return StatementChange{}, ErrNotEnoughSeats(st.Organization.Name, st.Seats(), ev.SeatsLeft())
	}
	if respondBy.IsZero() {
		respondBy = now.Add(time.Duration(ev.WithAdmissionDefaults().RespondWithinHours) * time.Hour)
	}
	c := statementChange(st, kind, actor, s.NewID(), reason, now)
	c.After.Status = StatementInvited
	c.After.Invitation = &Invitation{Seats: st.Seats(), RespondBy: respondBy.UTC(), InvitedAt: now}
	c.SeatsNeeded = st.Seats()
	c.Hold = &Hold{Kind: HoldInvitation, SubjectID: st.ID, EventID: st.EventID, Seats: st.Seats(), RespondBy: respondBy.UTC(), CreatedAt: now}
	c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeInvitation, st, "")}
	if override {
		c.Audit.Before["override"] = "incomplete"
	}
	return c, nil
}

// ReleaseReport says what a release of staged decisions did.
type ReleaseReport struct {
	Released []string          `json:"released"`
	Kept     map[string]string `json:"kept"` // statement id: why it stays staged
	// KeptReasons are the machine reasons of Kept's conflicts, by
	// statement id, for clients and pages that act on or word them by
	// reason rather than by message.
	KeptReasons map[string]Reason `json:"keptReasons"`
}

// ReleaseStaged applies an event's staged decisions, in the order staff
// staged them. An invitation that no longer fits the seats left (or whose
// team is now incomplete) stays staged, and the report says so; the rest
// go out. Errors: ENOTFOUND, ECONFLICT (ReasonNothingStaged).
func (s *Service) ReleaseStaged(ctx context.Context, actor Actor, eventID string) (ReleaseReport, error) {
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		return ReleaseReport{}, err
	}
	var staged []Statement
	for _, st := range all {
		if st.Staged != nil {
			staged = append(staged, st)
		}
	}
	if len(staged) == 0 {
		return ReleaseReport{}, conflict(ReasonNothingStaged, "No decision is staged for this event.")
	}
	slices.SortFunc(staged, func(a, b Statement) int { return a.Staged.StagedAt.Compare(b.Staged.StagedAt) })
	store, _ := s.statements()
	report := ReleaseReport{Kept: map[string]string{}, KeptReasons: map[string]Reason{}}
	for _, st := range staged {
		d := *st.Staged
		d.Staged = false
		_, err := store.UpdateStatement(ctx, st.ID, func(cur Statement, ev Event) (StatementChange, error) {
			if cur.Staged == nil {
				return StatementChange{}, errAlreadyDone
			}
			return s.decide(cur, ev, actor, d, s.Now())
		})
		switch {
		case err == nil:
			report.Released = append(report.Released, st.ID)
		case ErrorReason(err) == "already_done":
		case ErrorCode(err) == ECONFLICT:
			report.Kept[st.ID], report.KeptReasons[st.ID] = ErrorMessage(err), ErrorReason(err)
		default:
			return report, err
		}
	}
	return report, nil
}

// ExtendDeadline gives an invited team more time; the team is told.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotInvited).
func (s *Service) ExtendDeadline(ctx context.Context, actor Actor, id string, respondBy time.Time, reason string) (Statement, error) {
	if err := CheckReason(reason); err != nil {
		return Statement{}, err
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	now := s.Now()
	st, err := store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if st.Status != StatementInvited {
			return StatementChange{}, conflict(ReasonNotInvited, "%s is not invited.", st.Organization.Name)
		}
		if !respondBy.After(st.Invitation.RespondBy) || respondBy.Before(now.Add(time.Minute)) {
			return StatementChange{}, InvalidFields("The extension", Field("respondBy", RuleAfter, "of", "the current deadline"))
		}
		c := statementChange(st, AuditDeadlineExtended, actor, s.NewID(), strings.TrimSpace(reason), now)
		inv := *st.Invitation
		inv.RespondBy = respondBy.UTC()
		c.After.Invitation = &inv
		c.Hold = &Hold{Kind: HoldInvitation, SubjectID: st.ID, EventID: st.EventID, Seats: inv.Seats, RespondBy: inv.RespondBy, CreatedAt: now}
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeInvitationExtended, st, "")}
		return c.finish(st), nil
	})
	if err != nil {
		return Statement{}, err
	}
	return s.StaffStatement(ctx, st.ID)
}

// Reinstate invites again a team whose invitation lapsed, if it fits.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotExpired,
// ReasonNotEnoughSeats, ReasonOrganizationRegistered).
func (s *Service) Reinstate(ctx context.Context, actor Actor, id string, respondBy time.Time, reason string) (Statement, error) {
	if err := CheckReason(reason); err != nil {
		return Statement{}, err
	}
	if !respondBy.IsZero() && respondBy.Before(s.Now().Add(time.Minute)) {
		return Statement{}, InvalidFields("The reinstatement", Field("respondBy", RuleAfter, "of", "a minute from now"))
	}
	store, err := s.statements()
	if err != nil {
		return Statement{}, err
	}
	now := s.Now()
	st, err := store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if st.Status != StatementExpired {
			return StatementChange{}, conflict(ReasonNotExpired, "Only a lapsed invitation is reinstated; %s is %s.", st.Organization.Name, st.Status)
		}
		c, err := s.invite(st, ev, actor, strings.TrimSpace(reason), respondBy, true, AuditReinstated, now)
		if err != nil {
			return StatementChange{}, err
		}
		c.TakeClaim = true
		return c.finish(st), nil
	})
	if err != nil {
		return Statement{}, err
	}
	return s.StaffStatement(ctx, st.ID)
}

// lapseInvitation ends an invitation past its deadline, or sends the
// reminder to members who have not confirmed (a confirmation hold).
func (s *Service) lapseInvitation(ctx context.Context, h Hold, now time.Time) error {
	store, err := s.statements()
	if err != nil {
		return err
	}
	if h.Kind == HoldConfirmation {
		_, err := store.UpdateStatement(ctx, h.SubjectID, func(st Statement, ev Event) (StatementChange, error) {
			c := statementChange(st, AuditMemberConfirmed, SystemActor, s.NewID(), "", now)
			c.After.ConfirmationReminded = true
			c.ReleaseHold = true
			if st.Status.Active() {
				for _, m := range st.Members {
					if m.ConfirmedAt == nil {
						c.Notices = append(c.Notices, statementNotice(s.NewID(), NoticeConfirmationNudge, st, m.ID))
					}
				}
			}
			c = c.finish(st)
			c.Audit.Kind, c.Audit.After = AuditConfirmationReminded, map[string]string{"reminded": fmt.Sprint(len(c.Notices))}
			return c, nil
		})
		return err
	}
	_, err = store.UpdateStatement(ctx, h.SubjectID, func(st Statement, ev Event) (StatementChange, error) {
		if st.Status != StatementInvited || now.Before(st.Invitation.RespondBy) {
			return StatementChange{}, ErrHoldMoved
		}
		c := statementChange(st, AuditInvitationExpired, SystemActor, s.NewID(), "", now)
		c.After.Status = StatementExpired
		c.ReleaseClaim, c.ReleaseHold = true, true
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeInvitationExpired, st, "")}
		return c.finish(st), nil
	})
	if err != nil {
		return err
	}
	s.autoInvite(ctx, h.EventID, "an invitation lapsed")
	return nil
}

// autoInvite invites the next shortlisted teams, in shortlist order, while
// they fit, if the event asks for automatic invitations. A failure is
// logged: staff can invite by hand, and the next lapse tries again.
func (s *Service) autoInvite(ctx context.Context, eventID, why string) {
	e, err := s.Store.Event(ctx, eventID)
	if err != nil || !e.AutoInvite {
		return
	}
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		s.Log.WarnContext(ctx, "automatic invitation deferred", "event", eventID, "error", err)
		return
	}
	var shortlist []Statement
	for _, st := range all {
		if st.Status == StatementShortlisted && st.completeFor(e) {
			shortlist = append(shortlist, st)
		}
	}
	slices.SortFunc(shortlist, func(a, b Statement) int { return int(a.ShortlistSeq - b.ShortlistSeq) })
	store, _ := s.statements()
	for _, st := range shortlist {
		_, err := store.UpdateStatement(ctx, st.ID, func(cur Statement, ev Event) (StatementChange, error) {
			if cur.Status != StatementShortlisted {
				return StatementChange{}, errAlreadyDone
			}
			c, err := s.invite(cur, ev, SystemActor, "Automatic invitation: "+why, time.Time{}, false, AuditInvited, s.Now())
			if err != nil {
				return StatementChange{}, err
			}
			return c.finish(cur), nil
		})
		if ErrorReason(err) == ReasonNotEnoughSeats {
			return // in order: a team that does not fit waits for more seats
		}
		if err != nil && ErrorReason(err) != "already_done" {
			s.Log.WarnContext(ctx, "automatic invitation failed", "statement", st.ID, "error", err)
		}
	}
}

// allStatements reads every statement of an event.
func (s *Service) allStatements(ctx context.Context, eventID string) ([]Statement, error) {
	store, err := s.statements()
	if err != nil {
		return nil, err
	}
	if _, err := s.Event(ctx, eventID); err != nil {
		return nil, err
	}
	var all []Statement
	after := ""
	for {
		page, more, err := store.Statements(ctx, eventID, "", after, MaxRosterPage)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if !more || len(page) == 0 {
			return all, nil
		}
		after = page[len(page)-1].ID
	}
}

// CheckSubmission returns nil if the event takes the statement at now, else
// the error that says why not: the event does not take statements or not
// now, the team is larger than the event allows, or lacks a required role.
func (e Event) CheckSubmission(st Statement, now time.Time) error {
	if err := e.CheckStatementWindow(now); err != nil {
		return err
	}
	if err := e.CheckTeamSize(st.Seats()); err != nil {
		return err
	}
	return e.CheckRequiredRoles(st.Team)
}
