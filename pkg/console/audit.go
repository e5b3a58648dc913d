package console

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// memberIDRE is a member's id (a ULID), as audit records written before
// the log kept names hold them.
var memberIDRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// auditPageSize is how many records one page of the audit log shows.
const auditPageSize = 50

// auditView is an event's audit log, or one team's, newest first,
// filtered by who made the changes and by kind, a page at a time.
type auditView struct {
	Event convening.Event
	// Team is the team whose log this is; nil for the whole event's.
	Team          *convening.Registration
	Rows          []auditRow
	Actor, Kind   string
	Actors, Kinds []option
	Next          string
	Paged         bool
}

// auditRow is one record as the pages show it.
type auditRow struct {
	convening.AuditRecord
	Who, What string
	Changes   []string
	// ActorFilter is the actor filter that keeps this record's actor.
	ActorFilter string
	// SubjectHref is the page of the registration or statement the record
	// is about ("" for the event's own records).
	SubjectHref string
}

type option struct {
	Value, Label string
	Selected     bool
}

// auditRows words records; names are members' names by id (the log keeps
// ids, never names), for the members it mentions.
func auditRows(records []convening.AuditRecord, names map[string]string) []auditRow {
	rows := make([]auditRow, len(records))
	for i, rec := range records {
		statement := statementKinds[rec.Kind]
		before := rec.Before
		if rec.Kind == convening.AuditMemberConfirmed || rec.Kind == convening.AuditConfirmationReminded {
			before = nil // the statement as it stood, which these do not change
		}
		rows[i] = auditRow{AuditRecord: rec, Who: actorName(rec.Actor), What: auditLabel(rec.Kind),
			Changes: describeChange(before, rec.After, names, statement), ActorFilter: actorFilter(rec.Actor)}
		switch {
		case rec.Subject == "":
		case statement:
			rows[i].SubjectHref = "/staff/statements/" + rec.Subject
		default:
			rows[i].SubjectHref = "/staff/registrations/" + rec.Subject
		}
	}
	return rows
}

// memberNames are the names of the members of regs, by id.
func memberNames(regs ...convening.Registration) map[string]string {
	names := map[string]string{}
	for _, reg := range regs {
		for _, m := range reg.Members {
			if m.Name != "" {
				names[m.ID] = m.Name
			}
		}
	}
	return names
}

func actorFilter(a convening.Actor) string {
	if a.Kind == convening.ActorStaff {
		return a.ID
	}
	return string(a.Kind)
}

// href links to the log with the given filters and cursor.
func (v auditView) href(actor, kind, cursor string) string {
	q := url.Values{}
	if v.Team != nil {
		q.Set("team", v.Team.ID)
	}
	for k, val := range map[string]string{"actor": actor, "kind": kind, "cursor": cursor} {
		if val != "" {
			q.Set(k, val)
		}
	}
	u := "/staff/events/" + v.Event.ID + "/audit"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// NextHref continues the log; FirstHref starts it again; ActorHref keeps
// one actor's changes.
func (v auditView) NextHref() string              { return v.href(v.Actor, v.Kind, v.Next) }
func (v auditView) FirstHref() string             { return v.href(v.Actor, v.Kind, "") }
func (v auditView) ActorHref(actor string) string { return v.href(actor, v.Kind, "") }

// audit is the audit log page.
func (h *Handler) audit(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := auditView{Event: e, Actor: r.URL.Query().Get("actor"), Kind: r.URL.Query().Get("kind"), Paged: r.URL.Query().Get("cursor") != ""}
	var bad []convening.FieldError
	if v.Kind != "" && convening.AuditKind(v.Kind).Label() == "" {
		bad = append(bad, convening.Field("kind", convening.RuleOneOf))
	}
	if len(v.Actor) > 64 {
		bad = append(bad, convening.Field("actor", convening.RuleMaxLength, "max", 64))
	}
	if len(bad) > 0 {
		return convening.InvalidFields("The audit query", bad...)
	}
	q := convening.AuditQuery{EventID: e.ID, ActorID: v.Actor, Cursor: r.URL.Query().Get("cursor"), Limit: auditPageSize}
	if v.Kind != "" {
		q.Kinds = []convening.AuditKind{convening.AuditKind(v.Kind)}
	}
	if team := r.URL.Query().Get("team"); team != "" {
		reg, err := h.svc.StaffRegistration(ctx, team)
		if err != nil {
			return err
		}
		if reg.EventID != e.ID {
			return convening.ErrRegistrationNotFound
		}
		v.Team, q.Subject = &reg, reg.ID
	}
	records, next, err := h.svc.Audit(ctx, q)
	if err != nil {
		return err
	}
	// The members the records mention, by name: those of the team, or of
	// the event's registered teams.
	var names map[string]string
	if v.Team != nil {
		names = memberNames(*v.Team)
	} else if _, regs, err := h.svc.AllRegistrations(ctx, e.ID, convening.StatusRegistered); err == nil {
		names = memberNames(regs...)
	}
	v.Rows, v.Next = auditRows(records, names), next

	// Who may be chosen: teams, the system, the signed-in staff member and
	// every staff member on this page.
	v.Actors = []option{{"", "Anyone", false}, {string(convening.ActorTeam), "Teams", false},
		{string(convening.ActorSystem), "The system (promotions)", false}, {who.Sub, "You", false}}
	seen := map[string]bool{"": true, string(convening.ActorTeam): true, string(convening.ActorSystem): true, who.Sub: true}
	for _, row := range v.Rows {
		if f := row.ActorFilter; !seen[f] {
			seen[f] = true
			v.Actors = append(v.Actors, option{f, row.Who, false})
		}
	}
	if !seen[v.Actor] {
		v.Actors = append(v.Actors, option{v.Actor, "The staff member chosen", false})
	}
	for i := range v.Actors {
		v.Actors[i].Selected = v.Actors[i].Value == v.Actor
	}
	v.Kinds = []option{{"", "Every kind", v.Kind == ""}}
	for _, k := range auditFilterKinds {
		v.Kinds = append(v.Kinds, option{string(k), auditLabel(k), string(k) == v.Kind})
	}
	title := "Audit log: " + e.Title
	if v.Team != nil {
		title = "Audit log: " + v.Team.Organization.Name
	}
	return h.render(w, r, http.StatusOK, "audit", title, &who, v)
}

// The audit log's words: each kind of record, who made it, and its
// before and after, field by field.

// statementKinds are the audit kinds of statements: their records name a
// statement, not a registration.
var statementKinds = map[convening.AuditKind]bool{
	convening.AuditSubmitted: true, convening.AuditMemberConfirmed: true, convening.AuditReviewed: true,
	convening.AuditShortlisted: true, convening.AuditInvited: true, convening.AuditDeclined: true, convening.AuditAccepted: true,
	convening.AuditInvitationDeclined: true, convening.AuditWithdrawn: true, convening.AuditInvitationExpired: true,
	convening.AuditDeadlineExtended: true, convening.AuditReinstated: true, convening.AuditDecisionStaged: true,
	convening.AuditConfirmationReminded: true, convening.AuditStatementMembersChanged: true, convening.AuditMemberLinkResent: true,
	convening.AuditMemberDeclined: true,
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
	convening.AuditMemberCantAttend, convening.AuditMemberCanAttend, convening.AuditStatementMembersChanged,
	convening.AuditMemberLinkResent, convening.AuditMemberDeclined,
	convening.AuditSurveySaved, convening.AuditSurveySent, convening.AuditSurveyClosingChanged, convening.AuditSurveyComment,
}

func auditLabel(k convening.AuditKind) string {
	if s := k.Label(); s != "" {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// policyWords say a waiting-list policy, within a sentence.
var policyWords = map[convening.WaitlistPolicy]string{
	convening.PolicyStrict: "in order", convening.PolicyFill: "fill the seats",
}

// roleList words a list of roles as the audit log keeps them (codes
// separated by spaces): "Superintendent, Board member"; "none" for none.
func roleList(v string) string {
	codes := strings.Fields(v)
	if len(codes) == 0 {
		return "none"
	}
	for i, c := range codes {
		codes[i] = convening.Role(c).Label()
	}
	return strings.Join(codes, ", ")
}

// statusWords say where a registration stands, within a sentence.
var statusWords = map[convening.Status]string{
	convening.StatusRegistered: "registered",
	convening.StatusWaitlisted: "on the waiting list",
	convening.StatusOffered:    "offered seats",
	convening.StatusCancelled:  "cancelled",
	convening.StatusExpired:    "offer lapsed",
}

// statementStatusWords say where a statement stands, within a sentence.
var statementStatusWords = map[convening.StatementStatus]string{
	convening.StatementSubmitted:   "submitted",
	convening.StatementShortlisted: "shortlisted",
	convening.StatementInvited:     "invited",
	convening.StatementAccepted:    "accepted",
	convening.StatementDeclined:    "declined",
	convening.StatementExpired:     "invitation lapsed",
	convening.StatementWithdrawn:   "withdrawn",
}

// actorName says who made a change, never by an id.
func actorName(a convening.Actor) string { return a.Label() }

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
	// What the audit log keeps of people since a team changes its own
	// registration: names and roles, in words, as they were.
	"people": "members", "person": "member", "change": "change",
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
		// Records written before the log kept names hold member ids: named
		// where the team still has the member. Later ones hold the words.
		ids := strings.Fields(v)
		if !slices.ContainsFunc(ids, func(id string) bool { return !memberIDRE.MatchString(id) }) {
			for i, id := range ids {
				if n, ok := names[id]; ok {
					ids[i] = n
				}
			}
			return strings.Join(ids, ", ")
		}
	case "status":
		if statement {
			if s, ok := statementStatusWords[convening.StatementStatus(v)]; ok {
				return s
			}
		} else if s, ok := statusWords[convening.Status(v)]; ok {
			return s
		}
	case "staged":
		if s := convening.DecisionKind(v).Label(); s != "" {
			return s
		}
	case "override":
		return "not every required member had confirmed"
	case "autoInvite", "online":
		return map[string]string{"true": "yes", "false": "no"}[v]
	case "waitlistPolicy":
		if w, ok := policyWords[convening.WaitlistPolicy(v)]; ok {
			return w
		}
	case "roles", "requiredRoles":
		return roleList(v)
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
