package console

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The console's words for the domain's values. Pages choose them by code,
// reason and rule, never from an error's message, which the domain may
// reword at will.

var statusLabels = map[convening.Status]string{
	convening.StatusRegistered: "Registered",
	convening.StatusWaitlisted: "Waiting list",
	convening.StatusOffered:    "Offered seats",
	convening.StatusCancelled:  "Cancelled",
	convening.StatusExpired:    "Offers lapsed",
}

// statusWords say where a registration stands, within a sentence.
var statusWords = map[convening.Status]string{
	convening.StatusRegistered: "registered",
	convening.StatusWaitlisted: "on the waiting list",
	convening.StatusOffered:    "offered seats",
	convening.StatusCancelled:  "cancelled",
	convening.StatusExpired:    "offer lapsed",
}

var auditLabels = map[convening.AuditKind]string{
	convening.AuditRegistered:      "Registered",
	convening.AuditWaitlisted:      "Joined the waiting list",
	convening.AuditPromoted:        "Promoted from the waiting list",
	convening.AuditCancelled:       "Cancelled",
	convening.AuditMoved:           "Moved on the waiting list",
	convening.AuditMembersChanged:  "Members changed",
	convening.AuditContactChanged:  "Contact changed",
	convening.AuditEmailResent:     "Email sent again",
	convening.AuditCheckedIn:       "Checked in",
	convening.AuditCheckInUndone:   "Check-in undone",
	convening.AuditEventCreated:    "Event created",
	convening.AuditEventChanged:    "Event changed",
	convening.AuditPersonalErased:  "Personal data erased",
	convening.AuditPersonalExpired: "Personal data expired",
	convening.AuditOffered:         "Offered seats",
	convening.AuditOfferAccepted:   "Offer accepted",
	convening.AuditOfferExpired:    "Offer lapsed",

	convening.AuditSubmitted:            "Statement submitted",
	convening.AuditMemberConfirmed:      "Member confirmed",
	convening.AuditReviewed:             "Reviewed",
	convening.AuditShortlisted:          "Shortlisted",
	convening.AuditInvited:              "Invited",
	convening.AuditDeclined:             "Declined by staff",
	convening.AuditAccepted:             "Invitation accepted",
	convening.AuditInvitationDeclined:   "Invitation declined by the team",
	convening.AuditWithdrawn:            "Statement withdrawn",
	convening.AuditInvitationExpired:    "Invitation lapsed",
	convening.AuditDeadlineExtended:     "Deadline extended",
	convening.AuditReinstated:           "Reinstated",
	convening.AuditDecisionStaged:       "Decision staged",
	convening.AuditConfirmationReminded: "Members reminded to confirm",
}

// statementKinds are the audit kinds of statements: their records name a
// statement, not a registration.
var statementKinds = map[convening.AuditKind]bool{
	convening.AuditSubmitted: true, convening.AuditMemberConfirmed: true, convening.AuditReviewed: true,
	convening.AuditShortlisted: true, convening.AuditInvited: true, convening.AuditDeclined: true, convening.AuditAccepted: true,
	convening.AuditInvitationDeclined: true, convening.AuditWithdrawn: true, convening.AuditInvitationExpired: true,
	convening.AuditDeadlineExtended: true, convening.AuditReinstated: true, convening.AuditDecisionStaged: true,
	convening.AuditConfirmationReminded: true,
}

// auditFilterKinds are the kinds the audit page filters by, in the order
// things happen to a team.
var auditFilterKinds = []convening.AuditKind{
	convening.AuditRegistered, convening.AuditWaitlisted, convening.AuditPromoted, convening.AuditMoved,
	convening.AuditMembersChanged, convening.AuditContactChanged, convening.AuditEmailResent, convening.AuditCancelled,
	convening.AuditCheckedIn, convening.AuditCheckInUndone, convening.AuditEventCreated, convening.AuditEventChanged,
	convening.AuditPersonalErased, convening.AuditPersonalExpired,
	convening.AuditOffered, convening.AuditOfferAccepted, convening.AuditOfferExpired,
	convening.AuditSubmitted, convening.AuditMemberConfirmed, convening.AuditConfirmationReminded, convening.AuditReviewed,
	convening.AuditDecisionStaged, convening.AuditShortlisted, convening.AuditInvited, convening.AuditDeadlineExtended,
	convening.AuditAccepted, convening.AuditInvitationDeclined, convening.AuditInvitationExpired, convening.AuditReinstated,
	convening.AuditDeclined, convening.AuditWithdrawn,
}

func auditLabel(k convening.AuditKind) string {
	if s, ok := auditLabels[k]; ok {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

var noticeLabels = map[convening.NoticeKind]string{
	convening.NoticeRegistered:     "Registration confirmed",
	convening.NoticeWaitlisted:     "Waiting-list place",
	convening.NoticePromoted:       "Seats confirmed from the waiting list",
	convening.NoticeCancelled:      "Cancellation",
	convening.NoticeWaitlistMoved:  "New waiting-list place",
	convening.NoticeMembersChanged: "Members changed",
	convening.NoticeContactChanged: "New contact",
	convening.NoticeOffered:        "Seats offered",
	convening.NoticeOfferReminder:  "Offer reminder",
	convening.NoticeOfferExpired:   "Offer lapsed",

	convening.NoticeStatementReceived:  "Statement received",
	convening.NoticeMemberConfirmation: "Please confirm you will attend",
	convening.NoticeConfirmationNudge:  "Reminder to confirm",
	convening.NoticeShortlisted:        "Shortlisted",
	convening.NoticeInvitation:         "Invitation",
	convening.NoticeInvitationReminder: "Invitation reminder",
	convening.NoticeInvitationExpired:  "Invitation lapsed",
	convening.NoticeStatementDeclined:  "Decision: declined",
	convening.NoticeInvitationExtended: "More time to reply",
	convening.NoticeInvitationDeclined: "Invitation declined",
	convening.NoticeStatementWithdrawn: "Statement withdrawn",
}

// statementStatusLabels name where a statement stands; statementStatusWords
// say it within a sentence.
var (
	statementStatusLabels = map[convening.StatementStatus]string{
		convening.StatementSubmitted:   "Submitted",
		convening.StatementShortlisted: "Shortlisted",
		convening.StatementInvited:     "Invited",
		convening.StatementAccepted:    "Accepted",
		convening.StatementDeclined:    "Declined",
		convening.StatementExpired:     "Invitation lapsed",
		convening.StatementWithdrawn:   "Withdrawn",
	}
	statementStatusWords = map[convening.StatementStatus]string{
		convening.StatementSubmitted:   "submitted",
		convening.StatementShortlisted: "shortlisted",
		convening.StatementInvited:     "invited",
		convening.StatementAccepted:    "accepted",
		convening.StatementDeclined:    "declined",
		convening.StatementExpired:     "invitation lapsed",
		convening.StatementWithdrawn:   "withdrawn",
	}
	decisionWords = map[convening.DecisionKind]string{
		convening.DecideInvite: "invite", convening.DecideShortlist: "shortlist", convening.DecideDecline: "decline",
	}
)

func noticeLabel(k convening.NoticeKind) string {
	if s, ok := noticeLabels[k]; ok {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

var noticeStateLabels = map[convening.NoticeState]string{
	convening.NoticePending: "Pending",
	convening.NoticeSending: "Sending",
	convening.NoticeSent:    "Sent",
	convening.NoticeFailed:  "Failed",
}

// actorName says who made a change.
func actorName(a convening.Actor) string {
	switch a.Kind {
	case convening.ActorTeam:
		return "The team"
	case convening.ActorSystem:
		return "The system"
	}
	if a.Name != "" {
		return a.Name
	}
	return "A staff member"
}

// changeLabels name the fields of an audit record's before and after.
var changeLabels = map[string]string{
	"status": "status", "seats": "seats", "position": "place on the waiting list", "passed": "teams passed",
	"capacity": "capacity", "maxTeamSize": "team size limit", "registrationOpensAt": "registration opens",
	"registrationClosesAt": "registration closes", "waitlistPolicy": "waiting-list policy", "requiredRoles": "required roles",
	"title": "title", "roles": "roles", "members": "members", "contact": "contact", "email": "email",
	"member": "member", "role": "role", "walkIn": "walk-in", "personalData": "personal data",
	"venue": "venue", "online": "online", "startsAt": "starts", "endsAt": "ends", "description": "description",
	"respondWithinHours": "hours to answer an invitation", "autoInvite": "automatic invitations",
	"waitlistOffers": "waiting-list offers", "statementsCloseAt": "statements close", "reviewCriteria": "review criteria",
	"respondBy": "answer by", "mean": "score", "staged": "staged decision", "override": "invited although",
	"reminded": "members reminded",
}

// describeChange writes an audit record's change as "field: before → after"
// lines, in a stable order; members are named where names knows them. A
// statement's record (statement) words its statuses as a statement's.
func describeChange(before, after, names map[string]string, statement bool) []string {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		label := changeLabels[k]
		if label == "" {
			label = k
		}
		b, hasB := before[k]
		a, hasA := after[k]
		switch {
		case hasB && hasA && b != a:
			out = append(out, fmt.Sprintf("%s: %s → %s", label, changeValue(k, b, names, statement), changeValue(k, a, names, statement)))
		case hasA && !hasB:
			out = append(out, fmt.Sprintf("%s: %s", label, changeValue(k, a, names, statement)))
		case hasB && !hasA:
			out = append(out, fmt.Sprintf("%s was %s", label, changeValue(k, b, names, statement)))
		}
	}
	return out
}

func changeValue(field, v string, names map[string]string, statement bool) string {
	switch field {
	case "member", "walkIn", "members":
		ids := strings.Fields(v)
		for i, id := range ids {
			if n, ok := names[id]; ok {
				ids[i] = n
			}
		}
		return strings.Join(ids, ", ")
	case "status":
		if statement {
			if s, ok := statementStatusWords[convening.StatementStatus(v)]; ok {
				return s
			}
		} else if s, ok := statusWords[convening.Status(v)]; ok {
			return s
		}
	case "staged":
		if s, ok := decisionWords[convening.DecisionKind(v)]; ok {
			return s
		}
	case "override":
		return "not every required member had confirmed"
	case "autoInvite", "online":
		return map[string]string{"true": "yes", "false": "no"}[v]
	case "waitlistOffers":
		if v == "none" {
			return "off"
		}
		if h, ok := strings.CutSuffix(v, "h"); ok {
			return h + " hours to accept"
		}
	case "email":
		return noticeLabel(convening.NoticeKind(v))
	case "role":
		return convening.Role(v).Label()
	case "registrationOpensAt", "registrationClosesAt", "startsAt", "endsAt", "statementsCloseAt", "respondBy":
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return dateTime(t)
		}
	}
	return v
}

// windowState is where registration for an event stands, for staff.
type windowState struct {
	Code, Label string
}

func windowOf(e convening.Event, now time.Time) windowState {
	if e.Admission == convening.AdmissionStatement {
		// Teams submit statements while they are taken; there is no
		// waiting list to be full.
		closes := e.RegistrationClosesAt
		if e.StatementsCloseAt != nil {
			closes = *e.StatementsCloseAt
		}
		switch {
		case !now.Before(e.EndsAt):
			return windowState{"past", "Over"}
		case now.Before(e.RegistrationOpensAt):
			return windowState{"soon", "Statements open " + dateTime(e.RegistrationOpensAt)}
		case !now.Before(closes):
			return windowState{"closed", "Statements closed"}
		}
		return windowState{"open", "Taking statements until " + dateTime(closes)}
	}
	switch {
	case !now.Before(e.EndsAt):
		return windowState{"past", "Over"}
	case now.Before(e.RegistrationOpensAt):
		return windowState{"soon", "Opens " + dateTime(e.RegistrationOpensAt)}
	case !now.Before(e.RegistrationClosesAt):
		return windowState{"closed", "Registration closed"}
	case e.WaitlistLength > 0 || e.SeatsLeft() == 0:
		return windowState{"full", "Full, waiting list open until " + dateTime(e.RegistrationClosesAt)}
	}
	return windowState{"open", "Open until " + dateTime(e.RegistrationClosesAt)}
}

// fieldText words a field error for the field labelled label, from its
// rule and arguments. ofLabel names the fields rules compare with.
func fieldText(label string, f convening.FieldError) string {
	a := f.Args
	of := func() string {
		s, _ := a["of"].(string)
		if l, ok := ofLabels[s]; ok {
			return l
		}
		return s
	}
	// A criterion's id comes from its label on the form: word its
	// problems as the label's.
	if f.Field == "reviewCriteria" && f.Rule == convening.RuleRange {
		return fmt.Sprintf("Give from %v to %v review criteria", a["min"], a["max"])
	}
	if strings.HasPrefix(f.Field, "reviewCriteria[") && strings.HasSuffix(f.Field, ".id") {
		switch f.Rule {
		case convening.RuleDuplicateOf:
			return label + " names the same criterion as another one: make the labels differ"
		case convening.RuleSlug:
			return label + " must contain a letter or digit"
		}
	}
	switch f.Rule {
	case convening.RuleRequired:
		return label + " is required"
	case convening.RuleMaxLength:
		return fmt.Sprintf("%s must be at most %v characters", label, a["max"])
	case convening.RuleMinLength:
		return fmt.Sprintf("%s must be at least %v characters", label, a["min"])
	case convening.RuleText:
		return label + " must not contain control characters"
	case convening.RuleSingleLine:
		return label + " must be on one line"
	case convening.RuleEmail:
		return label + " must be an email address like name@district.org"
	case convening.RuleOneOf:
		// Only null (or off) allowed: the setting does not go with the
		// event's admission (waiting-list offers on a statement event, a
		// close of statements or automatic invitations on an open one).
		if vs, _ := a["values"].([]string); len(vs) == 1 && (vs[0] == "null" || vs[0] == "false") {
			return label + ": not for this admission (by statement of interest, or open to all); leave it empty or off"
		}
		return "Choose " + strings.ToLower(label[:1]) + label[1:]
	case convening.RuleRange:
		if f.Field == "minScore" { // a mean: not a whole number
			return fmt.Sprintf("%s must be a number from %v to %v", label, a["min"], a["max"])
		}
		return fmt.Sprintf("%s must be a whole number from %v to %v", label, a["min"], a["max"])
	case convening.RuleNotAbove:
		return fmt.Sprintf("%s must not be more than %s (%v)", label, of(), a["max"])
	case convening.RuleAtLeast:
		if id, _ := a["registrationId"].(string); id != "" {
			return fmt.Sprintf("%s must be at least %v: a team of that size is on the waiting list (cancel it first)", label, a["min"])
		}
		return fmt.Sprintf("%s must be at least %v, the seats already taken or held", label, a["min"])
	case convening.RuleAfter:
		return fmt.Sprintf("%s must be after %s", label, of())
	case convening.RuleNotAfter:
		return fmt.Sprintf("%s must not be after %s", label, of())
	case convening.RuleMaxDays:
		return fmt.Sprintf("%s must be at most %v days after %s", label, a["max"], of())
	case convening.RuleDateTime:
		return label + " must be a date and time"
	case convening.RuleDateRange:
		return fmt.Sprintf("%s must be between %v and %v", label, a["min"], a["max"])
	case convening.RuleSlug:
		return fmt.Sprintf("%s may hold only lower-case letters, digits and single hyphens, at most %v characters", label, a["max"])
	case convening.RuleTaken:
		return label + " is already taken: choose another"
	case convening.RuleLetterOrDigit:
		return label + " must contain a letter or digit"
	case convening.RuleCounty:
		return "Choose one of California's 58 counties"
	case convening.RuleDuplicateOf:
		return label + " is the same as another member's: each person needs their own"
	case convening.RuleMinItems:
		return fmt.Sprintf("%s must have at least %v members", label, a["min"])
	case convening.RuleMaxItems:
		return fmt.Sprintf("%s may have at most %v members: the event's team size limit", label, a["max"])
	case convening.RuleRequiredRoles:
		var roles []string
		if xs, ok := a["missing"].([]convening.Role); ok {
			for _, r := range xs {
				roles = append(roles, r.Label())
			}
		}
		return fmt.Sprintf("%s must include the roles this event requires: %s", label, strings.Join(roles, ", "))
	case convening.RuleCursor:
		return "That page of the list no longer exists: start from the first page"
	}
	return label + " is not valid"
}

// ofLabels name the fields that rules compare a field with.
var ofLabels = map[string]string{
	"startsAt": "the start", "endsAt": "the end", "registrationOpensAt": "the opening of registration",
	"capacity": "the capacity", "the current position": "the current place",
	"a minute from now": "a minute from now", "the current deadline": "the current deadline",
}

// problemText words an error that concerns a whole form or action, by its
// reason.
func problemText(err error) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonNotWaitlisted:
		return "This team is not on the waiting list (any more): reload its page."
	case convening.ReasonNotRegistered:
		return "This team is not registered (any more): only a registered team checks in or adds a walk-in."
	case convening.ReasonNotActive:
		return "This registration is cancelled: it cannot change."
	case convening.ReasonNotEnoughSeats:
		return "There are not enough seats left for this. Raise the event's capacity first, or wait for a seat."
	case convening.ReasonMoveTooFar:
		return fmt.Sprintf("A move may pass at most %d teams (each is told its new place): move the team in steps.", convening.MaxMovePast)
	case convening.ReasonAlreadyCheckedIn:
		return "Already checked in."
	case convening.ReasonNotCheckedIn:
		return "Not checked in."
	case convening.ReasonEmptyChange:
		return "Nothing was changed: change at least one value."
	case convening.ReasonOrganizationActive:
		return "This organization has a registration for an event that is not over yet. Cancel it first (its people must not miss emails), then erase."
	case convening.ReasonOrganizationUnknown:
		return "No registration of this organization was found. Check the name and county as the team gave them."
	case convening.ReasonBusy, convening.ReasonTimedOut:
		return "The system is busy right now. Please try again in a moment; nothing was changed."
	case convening.ReasonEventExists:
		return "An event with this id exists already."
	case convening.ReasonCapacityBelowTaken:
		return "The capacity cannot drop below the seats already taken."
	case convening.ReasonWaitlistedTeamTooLarge:
		return "A team on the waiting list is larger than this would allow: it could never be promoted."
	case convening.ReasonInvalidFields:
		return "Some values are not valid."
	case convening.ReasonIncomplete:
		return "Not every required member of this team has confirmed. Invite anyway with the override (and say why in the reason), or wait for them."
	case convening.ReasonStatementClosed:
		return "This statement is no longer open to that decision (it was decided, accepted, declined or withdrawn since): reload its page."
	case convening.ReasonInvitationExpired:
		return "The invitation has lapsed: reinstate it instead."
	case convening.ReasonNotInvited:
		return "This team is not invited (any more): only an invitation's deadline can be extended. Reload its page."
	case convening.ReasonNotExpired:
		return "Only a lapsed invitation can be reinstated; this one has not lapsed. Reload its page."
	case convening.ReasonNothingStaged:
		return "No decision is staged for this event (someone may have released them just now)."
	case convening.ReasonOrganizationRegistered:
		return "This organization has another active statement or registration for the event: it cannot hold two places."
	case convening.ReasonAlreadyMerged:
		return "This spelling is merged into an organization already."
	case convening.ReasonSameOrganization:
		return "These name the same organization already: there is nothing to merge."
	case convening.ReasonStatementsClosed:
		return "Statements for this event have closed."
	}
	return "This could not be done. Reload the page and try again."
}
