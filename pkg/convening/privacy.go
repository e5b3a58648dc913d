package convening

import (
	"time"
)

// Personal data is kept while staff need it and no longer:
//
//   - A registration's or statement's people (the contact's and members'
//     names and addresses, and their answers to the event's questions) are
//     erased RetainAfterEvent after its event ends, whatever its status;
//     the organization, the roles, the seats, the check-ins and the
//     history stay, for the organization's record and the event's numbers.
//   - Answers to sensitive questions (health, accessibility) are erased
//     sooner, RetainSensitiveAfterEvent after the event ends: they serve
//     the event itself, and the days after it in which the venue's or
//     caterer's bill is settled.
//   - Idempotency records (a copy of a registration's answer) expire after
//     24 hours; sent notices hold only ids and expire after 180 days;
//     staff sessions after a working day. The audit log keeps who was on
//     a team at each change, in words (names and roles, never addresses):
//     the names go when the team's people are erased
//     (AuditRecord.WithoutPeople). The people's index holds digests of
//     addresses (PersonKey) and expires (PersonEntryTTL).
//   - Staff can export everything about one organization, and erase its
//     people at once (EraseOrganization), when the organization asks.
//   - A survey invitation (a person's name, address, role and
//     organization, and the record that they answered) is erased with the
//     event's people; a survey's responses name no one and are kept.
const RetainAfterEvent = 90 * 24 * time.Hour

// Reasons of the privacy actions.
const (
	ReasonOrganizationActive  Reason = "organization_active"  // ECONFLICT: cancel its active registrations first
	ReasonOrganizationUnknown Reason = "organization_unknown" // ENOTFOUND
)

// Erased returns the registration without its people: names and addresses
// removed, ids, roles and check-ins kept.
func (r Registration) Erased(now time.Time) Registration {
	r.Contact = Contact{}
	members := make([]Member, len(r.Members))
	for i, m := range r.Members {
		members[i] = Member{ID: m.ID, Role: m.Role, CheckedInAt: m.CheckedInAt}
	}
	r.Members = members
	former := make([]Member, len(r.FormerMembers))
	for i, m := range r.FormerMembers {
		former[i] = Member{ID: m.ID, Role: m.Role}
	}
	r.FormerMembers = former
	r.Answers = nil // what people said of themselves goes with them
	r.ErasedAt = &now
	return r
}

// DecideErase erases a registration's people (see Registration.Erased);
// nobody is emailed: there is no address left.
func DecideErase(actor Actor, auditID string, kind AuditKind, reason string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		c := startChange(reg, kind, actor, auditID, reason, now)
		c.After = reg.Erased(now)
		c.After.UpdatedAt = now
		c.Audit.Before, c.Audit.After = nil, map[string]string{"personalData": "erased"}
		return c.finish(reg), nil
	}
}

// Erased returns the statement without its people: names and addresses
// removed; ids, roles, confirmations and the answers (the organization's
// account of its own work) kept.
func (st Statement) Erased(now time.Time) Statement {
	st.Contact = Contact{}
	members := make([]Member, len(st.Members))
	for i, m := range st.Members {
		members[i] = Member{ID: m.ID, Role: m.Role, ConfirmedAt: m.ConfirmedAt}
	}
	st.Members = members
	st.ErasedAt = &now
	return st
}

// decideEraseStatement erases a statement's people; nobody is emailed.
func decideEraseStatement(actor Actor, auditID string, kind AuditKind, reason string, now time.Time) StatementDecision {
	return func(st Statement, _ Event) (StatementChange, error) {
		if st.ErasedAt != nil {
			return StatementChange{}, errAlreadyDone
		}
		c := statementChange(st, kind, actor, auditID, reason, now)
		c.After = st.Erased(now)
		c.After.UpdatedAt = now
		c = c.finish(st)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"personalData": "erased"}
		return c, nil
	}
}

// OrganizationData is everything the system holds about one organization:
// its registrations and statements across events, each with its emails
// and history.
type OrganizationData struct {
	Organization  Organization         `json:"organization"`
	Registrations []RegistrationRecord `json:"registrations"`
	Statements    []StatementData      `json:"statements"`
	// SurveyInvitations are its people's invitations to events' surveys,
	// each with when the person answered (their answers are anonymous:
	// nothing ties a response to them).
	SurveyInvitations []SurveyInvitation `json:"surveyInvitations"`
	// Attendance is the organization's attendance history (its people
	// by name and address, until erased).
	Attendance []AttendanceFact `json:"attendance"`
	ExportedAt time.Time        `json:"exportedAt"`
}

// StatementData is one statement with its emails and history.
type StatementData struct {
	Statement Statement      `json:"statement"`
	Notices   []NoticeRecord `json:"notices"`
	History   []AuditRecord  `json:"history"`
}

// RegistrationRecord is one registration with its emails and history.
type RegistrationRecord struct {
	Registration Registration   `json:"registration"`
	Notices      []NoticeRecord `json:"notices"`
	History      []AuditRecord  `json:"history"`
}
