package convening

import (
	"context"
	"fmt"
	"time"
)

// Offer is what a waitlisted team is offered when seats free up on an event
// with waiting-list offers: the seats, held for it until RespondBy.
type Offer struct {
	Seats     int       `json:"seats"`
	RespondBy time.Time `json:"respondBy"`
	OfferedAt time.Time `json:"offeredAt"`
}

// HoldKind is what seats are held for.
type HoldKind string

const (
	HoldOffer      HoldKind = "offer"      // a waiting-list offer (a registration)
	HoldInvitation HoldKind = "invitation" // an invitation (a statement of interest)
	// HoldConfirmation holds no seats: it schedules the reminder to the
	// members of a statement who have not confirmed by RespondBy.
	HoldConfirmation HoldKind = "confirmation"
)

// Reminders go out this long before a hold's deadline, once each, if the
// hold was made before then.
var ReminderLeads = []time.Duration{72 * time.Hour, 24 * time.Hour}

// Hold is seats held for a team until a deadline: the schedule of what is
// owed before it (reminders) and at it (the hold lapses). The sweep acts on
// each hold when its next action is due.
type Hold struct {
	Kind HoldKind `json:"kind"`
	// SubjectID is the registration (offer) or statement (invitation).
	SubjectID string    `json:"subjectId"`
	EventID   string    `json:"eventId"`
	Seats     int       `json:"seats"`
	RespondBy time.Time `json:"respondBy"`
	CreatedAt time.Time `json:"createdAt"`
	// Reminded counts the reminders sent, in the order of ReminderLeads.
	Reminded int `json:"reminded"`
}

// HoldAction is what is due on a hold.
type HoldAction int

const (
	HoldNothing HoldAction = iota
	HoldRemind
	HoldLapse
)

// Next returns the hold's next action and when it is due: the next
// reminder still owed (one whose time came after the hold was made), then
// the deadline.
func (h Hold) Next() (HoldAction, time.Time) {
	if h.Kind == HoldConfirmation {
		return HoldLapse, h.RespondBy
	}
	for i := h.Reminded; i < len(ReminderLeads); i++ {
		at := h.RespondBy.Add(-ReminderLeads[i])
		if at.After(h.CreatedAt) {
			return HoldRemind, at
		}
	}
	return HoldLapse, h.RespondBy
}

// Due returns what is due on the hold at now. Past the deadline it is the
// lapse, whatever reminder a late sweep still owes: a reminder of a
// deadline gone by would tell the team it still has time.
func (h Hold) Due(now time.Time) HoldAction {
	if h.Kind != HoldConfirmation && !now.Before(h.RespondBy) {
		return HoldLapse
	}
	action, at := h.Next()
	if now.Before(at) {
		return HoldNothing
	}
	return action
}

// AfterReminder is the hold once the reminder due now is sent: reminders
// whose time has also passed are skipped (a late sweep sends one, not two).
func (h Hold) AfterReminder(now time.Time) Hold {
	for h.Reminded < len(ReminderLeads) && !now.Before(h.RespondBy.Add(-ReminderLeads[h.Reminded])) {
		h.Reminded++
	}
	return h
}

// Holds is the store's schedule of holds.
type Holds interface {
	// DueHolds returns up to limit holds whose next action is due at now,
	// the longest due first.
	DueHolds(ctx context.Context, now time.Time, limit int) ([]Hold, error)
	// RemindHold writes a reminder notice for a hold and records it sent,
	// in one step, unless the hold changed since it was read (then it
	// answers ErrHoldMoved and nothing is written).
	RemindHold(ctx context.Context, h Hold, notice NoticeSpec, now time.Time) error
}

// ErrHoldMoved: the hold is not as read any more (answered, lapsed or
// reminded by another sweep).
var ErrHoldMoved = NewError(ECONFLICT, ReasonBusy, "The hold changed; look again.")

// reminder is the notice that reminds a team of a hold's deadline.
func (k HoldKind) reminder() NoticeKind {
	if k == HoldInvitation {
		return NoticeInvitationReminder
	}
	return NoticeOfferReminder
}

// DecideMembersReminder reminds each member of a statement who has not
// confirmed yet, once, when the statement's confirmation hold falls due
// (nobody, if the statement is closed by then); newID makes the notices'
// ids.
func DecideMembersReminder(auditID string, now time.Time, newID func() string) StatementDecision {
	return func(st Statement, _ Event) (StatementChange, error) {
		c := statementChange(st, AuditConfirmationReminded, SystemActor, auditID, "", now)
		c.After.ConfirmationReminded = true
		c.ReleaseHold = true
		if st.Status.Active() {
			for _, m := range st.Members {
				if m.ConfirmedAt == nil && m.CantAttendAt == nil { // one who declined was heard
					c.Notices = append(c.Notices, statementNotice(newID(), NoticeConfirmationNudge, st, m.ID))
				}
			}
		}
		c = c.finish(st)
		c.Audit.After = map[string]string{"reminded": fmt.Sprint(len(c.Notices))}
		return c, nil
	}
}

// DecideInvitationLapse lapses an invitation not accepted by its deadline:
// the seats held go back, the organization's place is free, and the team
// is told.
func DecideInvitationLapse(auditID, noticeID string, now time.Time) StatementDecision {
	return func(st Statement, _ Event) (StatementChange, error) {
		if st.Status != StatementInvited || now.Before(st.Invitation.RespondBy) {
			return StatementChange{}, ErrHoldMoved
		}
		c := statementChange(st, AuditInvitationExpired, SystemActor, auditID, "", now)
		c.After.Status = StatementExpired
		c.ReleaseClaim, c.ReleaseHold = true, true
		c.Notices = []NoticeSpec{statementNotice(noticeID, NoticeInvitationExpired, st, "")}
		return c.finish(st), nil
	}
}
