package convening

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// StatementStatus is where a statement of interest stands.
type StatementStatus string

const (
	StatementSubmitted   StatementStatus = "submitted"   // waiting for review
	StatementShortlisted StatementStatus = "shortlisted" // next in line for an invitation
	StatementInvited     StatementStatus = "invited"     // seats held until the invitation's deadline
	StatementAccepted    StatementStatus = "accepted"    // the team registered
	StatementDeclined    StatementStatus = "declined"    // by staff, or the team declined its invitation
	StatementExpired     StatementStatus = "expired"     // the invitation lapsed
	StatementWithdrawn   StatementStatus = "withdrawn"   // the team withdrew before an invitation
)

// StatementStatuses lists every status, in the order of the process.
var StatementStatuses = []StatementStatus{StatementSubmitted, StatementShortlisted, StatementInvited,
	StatementAccepted, StatementDeclined, StatementExpired, StatementWithdrawn}

// Active reports whether the statement holds its organization's place for
// the event (one active statement or registration per organization).
func (s StatementStatus) Active() bool {
	return s == StatementSubmitted || s == StatementShortlisted || s == StatementInvited
}

// Invitation is the seats held for an invited team until RespondBy.
type Invitation struct {
	Seats     int       `json:"seats"`
	RespondBy time.Time `json:"respondBy"`
	InvitedAt time.Time `json:"invitedAt"`
}

// Statement is a team's statement of interest in an event that admits
// teams by statement: the team, its experience of labor-management
// collaboration and its reasons to attend. Every member confirms by a
// personal link; staff review it and decide.
type Statement struct {
	ID      string          `json:"id"`
	EventID string          `json:"eventId"`
	Status  StatementStatus `json:"status"`
	Team
	Experience string `json:"experience"`
	Reasons    string `json:"reasons"`
	// Complete says every member the event requires (every member, when it
	// requires no roles) has confirmed; set when read.
	Complete    bool        `json:"complete"`
	SubmittedAt time.Time   `json:"submittedAt"`
	UpdatedAt   time.Time   `json:"updatedAt"`
	Invitation  *Invitation `json:"invitation"`
	// Message is what staff told the team with their decision.
	Message        *string `json:"message"`
	RegistrationID *string `json:"registrationId"`
	// ShortlistSeq orders the shortlist (automatic invitations follow it).
	ShortlistSeq int64 `json:"-"`
	// Staged is a decision staff prepared and will release with others.
	Staged *StaffDecision `json:"-"`
	// ConfirmationReminded says the reminder to members who had not
	// confirmed went out.
	ConfirmationReminded bool       `json:"-"`
	ErasedAt             *time.Time `json:"erasedAt,omitempty"`
}

// Seats is how many seats the team would take.
func (s Statement) Seats() int { return len(s.Members) }

// completeFor reports whether the statement is complete for the event.
func (s Statement) completeFor(e Event) bool {
	for _, m := range s.Members {
		required := len(e.RequiredRoles) == 0 || slices.Contains(e.RequiredRoles, m.Role)
		if required && m.ConfirmedAt == nil {
			return false
		}
	}
	return len(s.Members) > 0
}

// WithComplete sets Complete for the event.
func (s Statement) WithComplete(e Event) Statement {
	s.Complete = s.completeFor(e)
	return s
}

// Counts is what the statement contributes to its event's counts: an
// invited team has its seats held.
func (s Statement) Counts() Counts {
	if s.Status == StatementInvited && s.Invitation != nil {
		return Counts{SeatsHeld: s.Invitation.Seats}
	}
	return Counts{}
}

// Bounds of a statement.
const (
	MaxAnswerLen = 3000 // characters of experience or reasons
	minAnswerLen = 20
	// MaxStatementTeam bounds a statement's team: each member is emailed
	// in the submitting transaction, and has a people's index item there.
	MaxStatementTeam = 45
)

// DecisionKind is what staff decide about a statement.
type DecisionKind string

const (
	DecideInvite    DecisionKind = "invite"
	DecideShortlist DecisionKind = "shortlist"
	DecideDecline   DecisionKind = "decline"
)

// StaffDecision is a staff decision on a statement, with the reason the
// audit log keeps and the message the team is told.
type StaffDecision struct {
	Kind    DecisionKind `json:"decision"`
	Reason  string       `json:"reason"`
	Message string       `json:"message"`
	// RespondBy is the invitation's deadline; zero means the event's
	// RespondWithinHours from the invitation.
	RespondBy time.Time `json:"respondBy"`
	// Override invites a team whose required members have not all
	// confirmed.
	Override bool `json:"override"`
	// Staged keeps the decision prepared until released (nothing sent, no
	// seats held).
	Staged   bool      `json:"staged"`
	By       Actor     `json:"by"`
	StagedAt time.Time `json:"stagedAt"`
}

// Reasons of statements.
const (
	ReasonStatementsClosed  Reason = "statements_closed"    // ECONFLICT
	ReasonStatementUnknown  Reason = "statement_unknown"    // ENOTFOUND
	ReasonInvitationExpired Reason = "invitation_expired"   // ECONFLICT
	ReasonNotInvited        Reason = "not_invited"          // ECONFLICT
	ReasonStatementClosed   Reason = "statement_closed"     // ECONFLICT: accepted, declined, expired or withdrawn
	ReasonIncomplete        Reason = "statement_incomplete" // ECONFLICT: not every required member confirmed
	ReasonNotExpired        Reason = "not_expired"          // ECONFLICT: only an expired invitation is reinstated
	ReasonRespondByPast     Reason = "respond_by_past"      // EINVALID (field respondBy)
	ReasonAlreadyConfirmed  Reason = "already_confirmed"    // ECONFLICT
	ReasonNothingStaged     Reason = "nothing_staged"       // ECONFLICT
)

// ErrStatementNotFound answers an unknown statement, or a wrong token.
var ErrStatementNotFound = NewError(ENOTFOUND, ReasonStatementUnknown, "No statement with that id.")

// ValidateStatement checks a statement as a team submits it, for the event.
func (s Statement) Validate(e Event) error {
	var v validation
	team := s.Team
	if err := team.Validate(e); err != nil {
		v.fields = append(v.fields, AsError(err).Fields...)
	}
	if len(s.Members) > MaxStatementTeam {
		v.add("members", RuleMaxItems, "max", MaxStatementTeam)
	}
	for _, a := range []struct{ field, text string }{{"experience", s.Experience}, {"reasons", s.Reasons}} {
		if checkText(&v, a.field, a.text, MaxAnswerLen, true) && utf8.RuneCountInString(a.text) < minAnswerLen {
			v.add(a.field, RuleMinLength, "min", minAnswerLen)
		}
	}
	return v.err("The statement")
}

// CheckStatementWindow returns nil if the event takes statements at now,
// else the ECONFLICT that says why not.
func (e Event) CheckStatementWindow(now time.Time) error {
	if err := e.CheckAdmission(AdmissionStatement); err != nil {
		return err
	}
	closes := e.RegistrationClosesAt
	if e.StatementsCloseAt != nil {
		closes = *e.StatementsCloseAt
	}
	switch {
	case now.Before(e.RegistrationOpensAt):
		return NewError(ECONFLICT, ReasonRegistrationNotOpenYet, "Statements for %s open %s.", e.Title, When(e.RegistrationOpensAt, time.Time{}))
	case !now.Before(closes):
		return NewError(ECONFLICT, ReasonStatementsClosed, "Statements for %s closed %s.", e.Title, When(closes, time.Time{}))
	}
	return nil
}

// StatementChange is what the domain decided about one statement; the
// store applies it in one conditional transaction (see UpdateStatement).
type StatementChange struct {
	After  Statement
	Counts Counts
	// SeatsNeeded is how many seats the event must have left.
	SeatsNeeded int
	// Registration, if set, is created with the change (an accepted
	// invitation), taking over the organization's place for the event.
	Registration *Registration
	// ReleaseClaim frees the organization's place (the statement closed);
	// TakeClaim takes it again (a reinstated statement). With Registration
	// the place passes to the registration.
	ReleaseClaim bool
	TakeClaim    bool
	Hold         *Hold
	ReleaseHold  bool
	Notices      []NoticeSpec
	Audit        AuditRecord
}

// StatementDecision decides a change of a statement from the statement and
// its event as read.
type StatementDecision func(st Statement, ev Event) (StatementChange, error)

// SubmitInput is a statement's submission as the domain decided it
// (NewStatement): the statement; the notices it owes, the contact's and
// each member's confirmation request; the schedule of the reminder to
// members who will not have confirmed; its audit record. The store writes
// all of it in one transaction conditioned on the event taking the
// statement at Now (Event.CheckSubmission), or nothing.
type SubmitInput struct {
	Statement   Statement
	Notices     []NoticeSpec
	Reminder    Hold
	Audit       AuditRecord
	Idempotency *Idempotency
	Now         time.Time
}

// Review is one reviewer's scores (1 to 4 per criterion) and comment on a
// statement; a reviewer has one review per statement, which they may
// change.
type Review struct {
	StatementID string         `json:"statementId"`
	EventID     string         `json:"eventId"`
	Reviewer    Actor          `json:"reviewer"`
	Scores      map[string]int `json:"scores"`
	Comment     string         `json:"comment"`
	At          time.Time      `json:"at"`
}

// statementSummary is a statement's standing for the audit log.
func (s Statement) summary() map[string]string {
	m := map[string]string{"status": string(s.Status), "seats": strconv.Itoa(s.Seats())}
	if s.Invitation != nil {
		m["respondBy"] = s.Invitation.RespondBy.UTC().Format(time.RFC3339)
	}
	return m
}

// statementAudit is the record of a change to a statement.
func statementAudit(id string, kind AuditKind, actor Actor, st Statement, at time.Time, reason string) AuditRecord {
	return AuditRecord{ID: id, EventID: st.EventID, Subject: st.ID, Organization: st.Organization.Name, Kind: kind,
		Actor: actor, At: at, Reason: reason, Before: st.summary()}
}

// statementMember is a member as a statement's JSON shows them: with
// whether they have confirmed.
type statementMember struct {
	Member
	Confirmed bool `json:"confirmed"`
}

// MarshalJSON writes the statement with each member's `confirmed`.
func (s Statement) MarshalJSON() ([]byte, error) {
	type plain Statement // without this method
	members := make([]statementMember, len(s.Members))
	for i, m := range s.Members {
		members[i] = statementMember{Member: m, Confirmed: m.ConfirmedAt != nil}
	}
	return json.Marshal(struct {
		plain
		Members []statementMember `json:"members"`
	}{plain(s), members})
}
