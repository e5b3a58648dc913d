package console

import (
	"net/http"
	"net/url"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

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
	if v.Kind != "" && auditLabels[convening.AuditKind(v.Kind)] == "" {
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
