package convening

import (
	"slices"
	"time"
)

// Arrival is what registering a team does, as the domain decides it: the
// registration, with seats or on the waiting list under its arrival
// number (the list is in arrival order); the required roles it was checked against; the change to
// the event's counts; the email it owes and its audit record. The store
// writes all of it in one conditional transaction, or nothing.
type Arrival struct {
	Registration Registration
	// CheckedRoles are the roles the team was checked against: the event's
	// required roles as seen, if the team has them, else none. The store
	// requires the event to require exactly these, so that a team is never
	// admitted without roles staff have just required.
	CheckedRoles []Role
	// QuestionsKey is the key (QuestionsKey) of the questions the team's
	// answers were checked against; the store requires the event's
	// questions to have it, as it does the roles. UncheckedAnswers when
	// the answers could not be checked (the event was not seen): the
	// store then learns the event before anything is written.
	QuestionsKey string
	Counts       Counts
	Notice       NoticeSpec
	Audit        AuditRecord
	// At is when the team registers: the event's window must be open then.
	At time.Time
	// NoFeePolicy is that the event had no fee policy as seen (or, unseen,
	// as most events have none): the store requires it still has none, so
	// the registration needs no invoice and costs no read of the fees.
	NoFeePolicy bool
}

// An ArrivalDecision decides how a team arrives at an event, from the
// event as the store last saw it. That may be a hint the store has not
// read again (nil when it has none): the decision is then a proposal, and
// the store's conditions, which hold exactly FitsDirectly and the event's
// rules, accept it or refuse it with the event as it is, from which the
// store asks again. seq is the arrival number the store proposes should
// the team wait: when the team arrives, and above the floor of arrival
// numbers it has seen (no team may join under it).
type ArrivalDecision func(seen *Event, seq int64) Arrival

// DecideArrival decides the arrival of draft (a new registration: its id,
// team and times) at the event eventID: with seats if the event as seen has
// room and nobody waits (or the store has not seen it: the team asks for
// seats), else on the waiting list. The team's contact is told which, with
// the audit record's actor.
func DecideArrival(eventID string, draft Registration, noticeID, auditID string, actor Actor, now time.Time) ArrivalDecision {
	return func(seen *Event, seq int64) Arrival {
		reg := draft
		reg.Members = slices.Clone(draft.Members)
		reg.EventID, reg.Seats = eventID, draft.Team.Seats()
		reg.Status, reg.WaitlistSeq, reg.WaitlistPosition = StatusRegistered, 0, nil
		if seen != nil && seen.Queued() { // in line, placed later (queue.go)
			return receive(reg, now)
		}
		var roles []Role
		questions := ""
		if reg.Team.HasAnswers() {
			questions = UncheckedAnswers
		}
		if seen != nil {
			if !FitsDirectly(*seen, reg.Seats) {
				reg.Status, reg.WaitlistSeq = StatusWaitlisted, seq
			}
			if seen.CheckRequiredRoles(reg.Team) == nil {
				roles = seen.RequiredRoles
			}
			// The answers as kept: with the questions' labels as the team
			// saw them. Answers that do not fit are left as sent, for the
			// refusal to name (the store refuses an unchecked key).
			if seen.CheckAnswers(reg.Team) == nil {
				reg.Team = seen.NormalizeAnswers(reg.Team)
				questions = QuestionsKey(seen.Questions)
			}
			if !reg.Individual() {
				// One person, one seat: where individuals register too, a
				// team's members claim their places (an individual always
				// does, see RegistrationService.RegisterPerson).
				reg.PersonClaims = seen.Admits() == RegistrantsBoth
			}
		}
		notice, audit := NoticeRegistered, AuditRegistered
		if reg.Status == StatusWaitlisted {
			notice, audit = NoticeWaitlisted, AuditWaitlisted
		}
		spec := NoticeSpec{ID: noticeID, Kind: notice, SubjectID: reg.ID}
		if reg.Status == StatusRegistered {
			spec.Fanout = welcomeEveryMember
		}
		return Arrival{Registration: reg, CheckedRoles: roles, QuestionsKey: questions, Counts: Change("", reg.Status, reg.Seats),
			Notice: spec,
			Audit:  AuditOf(auditID, audit, actor, reg, now, "", nil, reg.Summary()), At: now,
			NoFeePolicy: seen == nil || seen.NoFeePolicy}
	}
}

// welcomeEveryMember brings each member of a team that takes its seats
// their own welcome, with their own calendar invitation.
var welcomeEveryMember = []MemberNotices{{Kind: NoticeMemberRegistered, All: true}}

// CheckArrival returns nil if the event takes team t at time at, else the
// error that says why not: its registration window, the team's size, how
// it admits teams (by registration, not by statement) and the roles it
// requires. A store that learns the event's state asks this before
// anything else.
func (e Event) CheckArrival(t Team, at time.Time) error {
	if err := e.CheckWindow(at); err != nil {
		return err
	}
	if err := e.CheckTeamSize(t.Seats()); err != nil {
		return err
	}
	if err := e.CheckAdmission(AdmissionOpen); err != nil {
		return err
	}
	// The roles and the answers together: a form shows every problem at
	// once.
	var v validation
	if missing := e.missingRoles(t); len(missing) > 0 {
		v.add("members", RuleRequiredRoles, "missing", missing)
	}
	e.checkAnswers(&v, t)
	return v.err("The registration")
}

// UncheckedAnswers is the questions key of answers not checked against
// the event (Arrival.QuestionsKey): no event's questions have it.
const UncheckedAnswers = "unchecked"

// DecideCancel cancels an active registration: what it held goes back (its
// seats, its place on the waiting list, the seats held for its offer, its
// organization's place at the event) and the team is told. A registration
// no longer active (cancelled already, or an offer that lapsed) holds
// nothing: it is left as it is, and nobody is told again.
func DecideCancel(actor Actor, auditID, noticeID, reason string, now time.Time) Decision {
	return func(reg Registration, _ Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if !reg.Status.Active() {
			return RegistrationChange{Unchanged: true}, nil
		}
		c := startChange(reg, AuditCancelled, actor, auditID, reason, now)
		c.After.Status, c.After.CancelledAt = StatusCancelled, &now
		c.ReleaseHold = reg.Status == StatusOffered
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticeCancelled, SubjectID: reg.ID}}
		if reg.Status == StatusRegistered { // the members were each sent an invitation
			c.Notices[0].Fanout = []MemberNotices{{Kind: NoticeMemberCancelled, All: true}}
		}
		return c.finish(reg), nil
	}
}
