package convening

import (
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

// MemberTokenSubject is what a member's personal confirmation token signs:
// the statement and the member, so that one member's link confirms no
// one else.
func MemberTokenSubject(statementID, memberID string) string { return statementID + ":" + memberID }

// decide makes a staff decision's change: shortlist, invite or decline.
func decide(st Statement, ev Event, actor Actor, d StaffDecision, now time.Time, newID func() string) (StatementChange, error) {
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
		c = statementChange(st, AuditShortlisted, actor, newID(), reason, now)
		c.After.Status, c.After.ShortlistSeq = StatementShortlisted, now.UnixMicro()
		c.Notices = []NoticeSpec{statementNotice(newID(), NoticeShortlisted, st, "")}
	case DecideInvite:
		if st.Status == StatementInvited {
			return StatementChange{}, conflict(ReasonStatementClosed, "%s is already invited.", st.Organization.Name)
		}
		var err error
		if c, err = invite(st, ev, actor, reason, d.RespondBy, d.Override, AuditInvited, now, newID); err != nil {
			return StatementChange{}, err
		}
	case DecideDecline:
		c = statementChange(st, AuditDeclined, actor, newID(), reason, now)
		c.After.Status = StatementDeclined
		c.ReleaseClaim, c.ReleaseHold = true, st.Status == StatementInvited
		c.Notices = []NoticeSpec{statementNotice(newID(), NoticeStatementDeclined, st, "")}
	}
	if msg := strings.TrimSpace(d.Message); msg != "" {
		c.After.Message = &msg
	}
	c.After.Staged = nil
	return c.finish(st), nil
}

// invite holds a team's seats until respondBy (zero: the event's answer
// window from now).
func invite(st Statement, ev Event, actor Actor, reason string, respondBy time.Time, override bool, kind AuditKind, now time.Time, newID func() string) (StatementChange, error) {
	if !override && !st.completeFor(ev) {
		return StatementChange{}, conflict(ReasonIncomplete, "Not every required member of %s has confirmed; invite with override and a reason, or wait.", st.Organization.Name)
	}
	if st.Seats() > ev.SeatsLeft() {
		return StatementChange{}, ErrNotEnoughSeats(st.Organization.Name, st.Seats(), ev.SeatsLeft())
	}
	if respondBy.IsZero() {
		respondBy = now.Add(time.Duration(ev.WithAdmissionDefaults().RespondWithinHours) * time.Hour)
	}
	c := statementChange(st, kind, actor, newID(), reason, now)
	c.After.Status = StatementInvited
	c.After.Invitation = &Invitation{Seats: st.Seats(), RespondBy: respondBy.UTC(), InvitedAt: now}
	c.SeatsNeeded = st.Seats()
	c.Hold = &Hold{Kind: HoldInvitation, SubjectID: st.ID, EventID: st.EventID, Seats: st.Seats(), RespondBy: respondBy.UTC(), CreatedAt: now}
	c.Notices = []NoticeSpec{statementNotice(newID(), NoticeInvitation, st, "")}
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
