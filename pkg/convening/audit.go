package convening

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActorKind is who made a change.
type ActorKind string

const (
	ActorStaff  ActorKind = "staff"  // a signed-in staff member
	ActorTeam   ActorKind = "team"   // the team itself, on the website or the API
	ActorSystem ActorKind = "system" // the system on its own (promotion, expiry)
)

// Actor is who made a change, as the audit log records it.
type Actor struct {
	Kind ActorKind `json:"kind"`
	// ID is the staff member's stable id (Cognito's sub); empty otherwise.
	ID string `json:"id,omitempty"`
	// Name is what staff see: the staff member's username or email.
	Name string `json:"name,omitempty"`
}

// TeamActor and SystemActor are the actors that are not staff.
var (
	TeamActor   = Actor{Kind: ActorTeam}
	SystemActor = Actor{Kind: ActorSystem}
)

// StaffActor returns the actor for a staff member.
func StaffActor(id, name string) Actor { return Actor{Kind: ActorStaff, ID: id, Name: name} }

// AuditKind is what a change was.
type AuditKind string

// The kinds of change the audit log records.
const (
	AuditRegistered      AuditKind = "registered"
	AuditWaitlisted      AuditKind = "waitlisted"
	AuditPromoted        AuditKind = "promoted"
	AuditCancelled       AuditKind = "cancelled"
	AuditMoved           AuditKind = "moved"
	AuditMembersChanged  AuditKind = "members_changed"
	AuditContactChanged  AuditKind = "contact_changed"
	AuditEmailResent     AuditKind = "email_resent"
	AuditCheckedIn       AuditKind = "checked_in"
	AuditCheckInUndone   AuditKind = "check_in_undone"
	AuditEventCreated    AuditKind = "event_created"
	AuditEventChanged    AuditKind = "event_changed"
	AuditPersonalErased  AuditKind = "personal_data_erased"
	AuditPersonalExpired AuditKind = "personal_data_expired"
	AuditOffered         AuditKind = "offered"
	AuditOfferAccepted   AuditKind = "offer_accepted"
	AuditOfferExpired    AuditKind = "offer_expired"
	// Statements of interest.
	AuditSubmitted            AuditKind = "submitted"
	AuditMemberConfirmed      AuditKind = "member_confirmed"
	AuditReviewed             AuditKind = "reviewed"
	AuditShortlisted          AuditKind = "shortlisted"
	AuditInvited              AuditKind = "invited"
	AuditDeclined             AuditKind = "declined"
	AuditAccepted             AuditKind = "accepted"
	AuditInvitationDeclined   AuditKind = "invitation_declined"
	AuditWithdrawn            AuditKind = "withdrawn"
	AuditInvitationExpired    AuditKind = "invitation_expired"
	AuditDeadlineExtended     AuditKind = "deadline_extended"
	AuditReinstated           AuditKind = "reinstated"
	AuditDecisionStaged       AuditKind = "decision_staged"
	AuditConfirmationReminded AuditKind = "confirmation_reminded"
	// A member's own word on their attendance, by their personal link.
	AuditMemberCantAttend AuditKind = "member_cant_attend"
	AuditMemberCanAttend  AuditKind = "member_can_attend"
	// A statement's contact changes its members or sends a member's link
	// again; a member declines.
	AuditStatementMembersChanged AuditKind = "statement_members_changed"
	AuditMemberLinkResent        AuditKind = "member_link_resent"
	AuditMemberDeclined          AuditKind = "member_declined"
	// People and their history (see HistoryAuditScope for those of no
	// event).
	AuditEligibilityChanged  AuditKind = "eligibility_changed"
	AuditEligibilityExempted AuditKind = "eligibility_exempted"
	AuditOnlineChanged       AuditKind = "online_settings_changed"
	AuditAttendanceReport    AuditKind = "attendance_report"
	AuditAttendanceOverride  AuditKind = "attendance_overridden"
	AuditAttendanceResolved  AuditKind = "attendance_resolved"
	AuditRosterImported      AuditKind = "roster_imported"
	AuditRosterRowResolved   AuditKind = "roster_row_resolved"
	AuditNetworkChanged      AuditKind = "network_changed"
	AuditParticipationOptOut AuditKind = "participation_opt_out"
	AuditHistoryErased       AuditKind = "history_erased"
)

// HistoryAuditScope is the "event" of audit records that belong to no
// event: roster imports, networks, the participation list's opt-outs and
// the erasure of a person's history. It is no event id (not a slug), so
// no event's log can hold them.
const HistoryAuditScope = "_history"

// AuditRecord is one change, written in the same transaction as the change
// itself, so that there is no change without its record. Before and After
// are what changed, in a few words each (status, position, seats, fields).
type AuditRecord struct {
	ID      string `json:"id"`
	EventID string `json:"eventId"`
	// Subject is the registration the change concerns; empty for a change
	// of the event itself.
	Subject      string            `json:"subject,omitempty"`
	Organization string            `json:"organization,omitempty"`
	Kind         AuditKind         `json:"kind"`
	Actor        Actor             `json:"actor"`
	At           time.Time         `json:"at"`
	Reason       string            `json:"reason,omitempty"`
	Before       map[string]string `json:"before,omitempty"`
	After        map[string]string `json:"after,omitempty"`
}

// AuditQuery selects audit records: those of an event or of one
// registration (Subject), optionally of one actor kind or staff member and
// of some kinds, newest first.
type AuditQuery struct {
	EventID string
	Subject string
	// ActorID keeps the changes of one staff member (Actor.ID) or, given as
	// "team" or "system", of that kind of actor.
	ActorID string
	Kinds   []AuditKind
	Cursor  string
	Limit   int
}

// Matches reports whether r passes the query's filters (not its scope).
func (q AuditQuery) Matches(r AuditRecord) bool {
	switch q.ActorID {
	case "":
	case string(ActorTeam), string(ActorSystem):
		if string(r.Actor.Kind) != q.ActorID {
			return false
		}
	default:
		if r.Actor.ID != q.ActorID {
			return false
		}
	}
	if len(q.Kinds) == 0 {
		return true
	}
	for _, k := range q.Kinds {
		if k == r.Kind {
			return true
		}
	}
	return false
}

// MaxReasonLen bounds the reason staff give for an action.
const MaxReasonLen = 1000

// CheckReason validates the reason staff must give for an action that
// changes a team's registration: required, one paragraph of text.
func CheckReason(reason string) error {
	var v validation
	checkText(&v, "reason", strings.TrimSpace(reason), MaxReasonLen, true)
	return v.err("The action")
}

// AuditOf returns the record of a change to a registration.
func AuditOf(id string, kind AuditKind, actor Actor, reg Registration, at time.Time, reason string, before, after map[string]string) AuditRecord {
	return AuditRecord{ID: id, EventID: reg.EventID, Subject: reg.ID, Organization: reg.Organization.Name,
		Kind: kind, Actor: actor, At: at, Reason: strings.TrimSpace(reason), Before: before, After: after}
}

// Summary is a registration's standing in a few words, for the audit log:
// its status, seats and, on the waiting list, position.
func (r Registration) Summary() map[string]string {
	m := map[string]string{"status": string(r.Status), "seats": strconv.Itoa(r.Seats)}
	if r.WaitlistPosition != nil {
		m["position"] = strconv.Itoa(*r.WaitlistPosition)
	}
	return m
}

// AuditLog is the store's side of the audit log.
type AuditLog interface {
	// Audit returns a page of the audit records q selects, newest first,
	// and the cursor of the next page ("" at the end).
	Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, string, error)
}

// Decide decides the update of the event old (as read, with its waiting
// list when the change Cuts it): the event as changed, and the audit
// record of the change. The store writes both, conditioned on the event as
// read. Errors: those of EventChange.Apply.
func (u EventUpdate) Decide(old Event, waiting []WaitlistEntry) (Event, AuditRecord, error) {
	e, err := u.Change.Apply(old, waiting)
	if err == nil {
		err = checkModeChange(old, e, u.Now)
	}
	if err != nil {
		return Event{}, AuditRecord{}, err
	}
	e.UpdatedAt = u.Now
	if e.Online && !old.Online && u.Change.Reminders == nil && len(e.Reminders) == 0 {
		// An event made online gets the online reminders, as one created
		// online does; ids derived from the change's own (unique) audit id.
		id := func(part string) string { return strings.ToLower(derivedID("reminder", u.EventID, u.AuditID, part)) }
		e.Reminders = keepReminderTimes(nil, DefaultOnlineReminders(id("24h"), id("1h")), u.Now)
	}
	if u.Change.Reminders != nil {
		e.Reminders = keepReminderTimes(old.Reminders, e.Reminders, u.Now)
	}
	return e, EventChangeAudit(u, old, e), nil
}

// EventChangeAudit is the audit record of an event change: the fields
// that changed, before and after.
func EventChangeAudit(u EventUpdate, old, updated Event) AuditRecord {
	before, after := map[string]string{}, map[string]string{}
	diff := func(name, a, b string) {
		if a != b {
			before[name], after[name] = a, b
		}
	}
	diff("title", old.Title, updated.Title)
	diff("venue", old.Venue, updated.Venue)
	diff("online", strconv.FormatBool(old.Online), strconv.FormatBool(updated.Online))
	diff("startsAt", old.StartsAt.UTC().Format(time.RFC3339), updated.StartsAt.UTC().Format(time.RFC3339))
	diff("endsAt", old.EndsAt.UTC().Format(time.RFC3339), updated.EndsAt.UTC().Format(time.RFC3339))
	if old.Description != updated.Description {
		before["description"], after["description"] = "(as before)", "(changed)"
	}
	diff("capacity", strconv.Itoa(old.Capacity), strconv.Itoa(updated.Capacity))
	diff("maxTeamSize", strconv.Itoa(old.MaxTeamSize), strconv.Itoa(updated.MaxTeamSize))
	diff("registrationOpensAt", old.RegistrationOpensAt.UTC().Format(time.RFC3339), updated.RegistrationOpensAt.UTC().Format(time.RFC3339))
	diff("registrationClosesAt", old.RegistrationClosesAt.UTC().Format(time.RFC3339), updated.RegistrationClosesAt.UTC().Format(time.RFC3339))
	diff("waitlistPolicy", string(old.WaitlistPolicy), string(updated.WaitlistPolicy))
	diff("requiredRoles", RequiredRolesKey(old.RequiredRoles), RequiredRolesKey(updated.RequiredRoles))
	diff("respondWithinHours", strconv.Itoa(old.RespondWithinHours), strconv.Itoa(updated.RespondWithinHours))
	diff("autoInvite", strconv.FormatBool(old.AutoInvite), strconv.FormatBool(updated.AutoInvite))
	diff("registrants", string(old.Admits()), string(updated.Admits()))
	diff("registrationMode", string(old.RegistrationMode), string(updated.RegistrationMode))
	offers := func(o *WaitlistOffers) string {
		if o == nil {
			return "none"
		}
		return strconv.Itoa(o.RespondWithinHours) + "h"
	}
	diff("waitlistOffers", offers(old.WaitlistOffers), offers(updated.WaitlistOffers))
	closes := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	diff("statementsCloseAt", closes(old.StatementsCloseAt), closes(updated.StatementsCloseAt))
	diff("questions", questionsSummary(old.Questions), questionsSummary(updated.Questions))
	diff("reminders", remindersSummary(old.Reminders), remindersSummary(updated.Reminders))
	if !slices.Equal(old.ReviewCriteria, updated.ReviewCriteria) {
		b, a := criteriaSummary(old.ReviewCriteria), criteriaSummary(updated.ReviewCriteria)
		if a == b {
			a += " (descriptions changed)"
		}
		before["reviewCriteria"], after["reviewCriteria"] = b, a
	}
	return AuditRecord{ID: u.AuditID, EventID: u.EventID, Kind: AuditEventChanged, Actor: u.Actor, At: u.Now,
		Reason: u.Reason, Before: before, After: after}
}

// criteriaSummary is review criteria as the audit log records them: each
// label, with its weight when it counts more than once ("Readiness ×2"),
// in order. Descriptions are left out (they do not change scores); a
// change of descriptions alone says so.
func criteriaSummary(cs []Criterion) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.Weight > 1 {
			parts = append(parts, c.Label+" ×"+strconv.Itoa(c.Weight))
		} else {
			parts = append(parts, c.Label)
		}
	}
	return strings.Join(parts, "; ")
}
