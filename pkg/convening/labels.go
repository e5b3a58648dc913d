package convening

import "regexp"

// What pages and spreadsheets show people: statuses, kinds of change and
// who made a change, in words (never a code such as "waitlisted", a
// "true", or an id). The console's pages and the CSV files say the same.

var statusLabels = map[Status]string{
	StatusRegistered: "Registered",
	StatusWaitlisted: "Waiting list",
	StatusOffered:    "Offered seats",
	StatusCancelled:  "Cancelled",
	StatusExpired:    "Offers lapsed",
}

// Label is the status in words, as the roster's lists are named:
// "Registered", "Waiting list", "Offered seats", "Cancelled", "Offers
// lapsed"; the code itself if unknown.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

var statementStatusLabels = map[StatementStatus]string{
	StatementSubmitted:   "Submitted",
	StatementShortlisted: "Shortlisted",
	StatementInvited:     "Invited",
	StatementAccepted:    "Accepted",
	StatementDeclined:    "Declined",
	StatementExpired:     "Invitation lapsed",
	StatementWithdrawn:   "Withdrawn",
}

// Label is the statement's status in words ("Invitation lapsed"); the
// code itself if unknown.
func (s StatementStatus) Label() string {
	if l, ok := statementStatusLabels[s]; ok {
		return l
	}
	return string(s)
}

var decisionLabels = map[DecisionKind]string{DecideInvite: "invite", DecideShortlist: "shortlist", DecideDecline: "decline"}

// Label is the decision in words, within a sentence ("invite"); "" if
// unknown.
func (k DecisionKind) Label() string { return decisionLabels[k] }

var auditKindLabels = map[AuditKind]string{
	AuditRegistered:      "Registered",
	AuditWaitlisted:      "Joined the waiting list",
	AuditPromoted:        "Promoted from the waiting list",
	AuditCancelled:       "Cancelled",
	AuditMoved:           "Moved on the waiting list",
	AuditMembersChanged:  "Members changed",
	AuditContactChanged:  "Contact changed",
	AuditEmailResent:     "Email sent again",
	AuditCheckedIn:       "Checked in",
	AuditCheckInUndone:   "Check-in undone",
	AuditEventCreated:    "Event created",
	AuditEventChanged:    "Event changed",
	AuditPersonalErased:  "Personal data erased",
	AuditPersonalExpired: "Personal data expired",
	AuditOffered:         "Offered seats",
	AuditOfferAccepted:   "Offer accepted",
	AuditOfferExpired:    "Offer lapsed",

	AuditSubmitted:            "Statement submitted",
	AuditMemberConfirmed:      "Member confirmed",
	AuditReviewed:             "Reviewed",
	AuditShortlisted:          "Shortlisted",
	AuditInvited:              "Invited",
	AuditDeclined:             "Declined by staff",
	AuditAccepted:             "Invitation accepted",
	AuditInvitationDeclined:   "Invitation declined by the team",
	AuditWithdrawn:            "Statement withdrawn",
	AuditInvitationExpired:    "Invitation lapsed",
	AuditDeadlineExtended:     "Deadline extended",
	AuditReinstated:           "Reinstated",
	AuditDecisionStaged:       "Decision staged",
	AuditConfirmationReminded: "Members reminded to confirm",

	AuditMemberCantAttend:        "A member can't attend",
	AuditMemberCanAttend:         "A member can attend after all",
	AuditStatementMembersChanged: "Statement's members changed",
	AuditMemberLinkResent:        "A member's link sent again",
	AuditMemberDeclined:          "A member can't attend (statement)",

	AuditFeePolicyChanged: "Fee changed",
	AuditInvoiced:         "Invoiced",
	AuditCredited:         "Credit note issued",
	AuditBillingChanged:   "Billing details changed",
	AuditPaymentRecorded:  "Payment recorded",
	AuditFeeWaived:        "Fee waived",
	AuditEntryReversed:    "Payment or waiver reversed",
	AuditFeeDiscounted:    "Price discounted",
	AuditPaymentReminded:  "Accounts payable reminded",

	AuditSurveySaved:          "Survey saved",
	AuditSurveySent:           "Survey sent",
	AuditSurveyClosingChanged: "Survey's closing date changed",
	AuditSurveyComment:        "Survey comment marked or unmarked for publication",

	AuditAnswersChanged:          "Answers changed",
	AuditSensitiveAnswersExpired: "Answers about health erased",
	AuditAnnouncementSent:        "Announcement sent",
	AuditAnnouncementReceived:    "Announcement received",

	AuditEligibilityChanged:  "Who may attend changed",
	AuditEligibilityExempted: "Admitted despite the rule",
	AuditOnlineChanged:       "Online settings changed",
	AuditAttendanceReport:    "Participant report uploaded",
	AuditAttendanceOverride:  "Attendance set by staff",
	AuditAttendanceResolved:  "Participant matched",
	AuditRosterImported:      "Past roster imported",
	AuditRosterRowResolved:   "Roster row decided",
	AuditNetworkChanged:      "Network changed",
	AuditParticipationOptOut: "Participation list opt-out",
	AuditHistoryErased:       "History erased",

	AuditRefused: "Refused when its turn came (queued event)",
}

// Label is the kind of change in words ("Joined the waiting list"); "" if
// the kind is unknown.
func (k AuditKind) Label() string { return auditKindLabels[k] }

// idLike is an id where a name should be: a UUID (Cognito's sub, and the
// username of a pool that signs in with email) or a ULID.
var idLike = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9A-HJKMNP-TV-Z]{26})$`)

// PersonName is the staff member's name as people read it: their email
// (or a username that is a name), never an id; "" when the record knows
// only an id (a change made through the staff API, whose access tokens
// carry no email).
func (a Actor) PersonName() string {
	if a.Kind != ActorStaff || a.Name == "" || a.Name == a.ID || idLike.MatchString(a.Name) {
		return ""
	}
	return a.Name
}

// Label says who made a change: "The team", "The system", the staff
// member's name, or "A staff member (staff API)" when only an id is known.
func (a Actor) Label() string {
	switch a.Kind {
	case ActorTeam:
		return "The team"
	case ActorSystem:
		return "The system"
	}
	if n := a.PersonName(); n != "" {
		return n
	}
	if a.ID != "" {
		return "A staff member (staff API)"
	}
	return "A staff member"
}
