package console

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
	"github.com/calmi/convenings/pkg/staffauth"
)

// rosterPageSize is how many teams one page of a list shows.
const rosterPageSize = 50

// maxSearchLen bounds a search; longer ones are cut.
const maxSearchLen = 200

// eventView is an event's page: its numbers, the members per role, and
// one of its lists (registered, waiting list, cancelled) in order, a page
// at a time or searched.
type eventView struct {
	Event  convening.Event
	Window windowView
	// Status is the list shown; Tabs link to each.
	Status convening.Status
	Tabs   []listTab
	Query  string
	Teams  []convening.Registration
	// Next continues the list; Paged says this is not its first page.
	Next    string
	Paged   bool
	Roles   []roleCount
	Members int
	Exports []exportLink
	Parent  *convening.Event
	// Statements counts the statements of interest of an event that admits
	// by statement.
	Statements statementCounts
	// Duplicates are the pairs of teams that may be one organization twice.
	Duplicates []duplicateRow
	// Tallies count the registered teams' answers to the event's questions
	// (questions.go).
	Tallies []convening.QuestionTally
}

type listTab struct {
	Status  convening.Status
	Label   string
	Count   int
	Counted bool
	Current bool
	Href    string
}

// roleCount is how many members of registered teams hold a role, and how
// many of them are checked in.
type roleCount struct {
	Role               convening.Role
	Members, CheckedIn int
}

type exportLink struct{ File, Label, About string }

var exportLinks = []exportLink{
	{"roster.csv", "Roster", "registered teams, one row each, in the order they took their seats"},
	{"waitlist.csv", "Waiting list", "waitlisted teams in order, with their places"},
	{"members.csv", "Members", "every member of a registered team, one row per person, with role, check-in and the answers to the event's questions (the team's on each of its rows): for a hotel or a caterer"},
	{"cancelled.csv", "Cancelled", "cancelled registrations"},
	{"audit.csv", "Audit log", "every change, who made it, when and why"},
}

func eventHref(id string, q url.Values) string {
	if len(q) == 0 {
		return "/staff/events/" + id
	}
	return "/staff/events/" + id + "?" + q.Encode()
}

// event is an event's page.
func (h *Handler) event(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id := r.PathValue("eventId")
	v := eventView{Status: convening.Status(r.URL.Query().Get("status")), Query: strings.TrimSpace(r.URL.Query().Get("q")), Exports: exportLinks}
	if v.Status == "" {
		v.Status = convening.StatusRegistered
	}
	if len(v.Query) > maxSearchLen {
		v.Query = truncate(v.Query, maxSearchLen)
	}
	var page convening.RosterPage
	var err error
	if v.Query == "" {
		v.Event, page, err = h.svc.Roster(ctx, id, convening.RosterQuery{Status: v.Status, Cursor: r.URL.Query().Get("cursor"), Limit: rosterPageSize})
		v.Teams, v.Next, v.Paged = page.Registrations, page.Next, r.URL.Query().Get("cursor") != ""
	} else {
		var all []convening.Registration
		v.Event, all, err = h.svc.AllRegistrations(ctx, id, v.Status)
		for _, reg := range all {
			if matches(reg, v.Query) {
				v.Teams = append(v.Teams, reg)
			}
		}
	}
	if err != nil {
		return err
	}
	_, registered, err := h.svc.AllRegistrations(ctx, id, convening.StatusRegistered)
	if err != nil {
		return err
	}
	v.Roles, v.Members = countRoles(registered)
	if v.Duplicates, err = h.duplicateRows(ctx, id); err != nil {
		return err
	}
	v.Tallies = convening.TallyAnswers(v.Event, registered)
	v.Event = v.Event.WithAdmissionDefaults()
	v.Window = windowOf(v.Event, h.svc.Now())
	if v.Event.Admission == convening.AdmissionStatement {
		if v.Statements, err = h.svc.StatementCounts(ctx, id); err != nil {
			return err
		}
		v.Exports = append(slices.Clone(exportLinks), exportLink{"statements.csv", "Statements",
			"every statement of interest with its answers, each reviewer's scores, and the decisions with their reasons"})
	}
	if v.Event.ParentEventID != "" {
		if p, err := h.svc.Event(ctx, v.Event.ParentEventID); err == nil {
			v.Parent = &p
		}
	}
	type tab struct {
		status  convening.Status
		label   string
		count   int
		counted bool
	}
	tabs := []tab{{convening.StatusRegistered, "Registered", v.Event.RegisteredTeams, true}}
	// Offers (seats held for a team until it accepts) only where the
	// event makes them.
	offers := v.Event.WaitlistOffers != nil || v.Event.SeatsHeld > 0 || v.Status == convening.StatusOffered || v.Status == convening.StatusExpired
	if offers {
		tabs = append(tabs, tab{convening.StatusOffered, "Offered seats", 0, false})
	}
	tabs = append(tabs, tab{convening.StatusWaitlisted, "Waiting list", v.Event.WaitlistLength, true}, tab{convening.StatusCancelled, "Cancelled", 0, false})
	if offers {
		tabs = append(tabs, tab{convening.StatusExpired, "Offers lapsed", 0, false})
	}
	for _, t := range tabs {
		q := url.Values{}
		if t.status != convening.StatusRegistered {
			q.Set("status", string(t.status))
		}
		if v.Query != "" {
			q.Set("q", v.Query)
		}
		v.Tabs = append(v.Tabs, listTab{Status: t.status, Label: t.label, Count: t.count, Counted: t.counted,
			Current: t.status == v.Status, Href: eventHref(id, q) + "#teams"})
	}
	return h.render(w, r, http.StatusOK, "event", v.Event.Title, &who, v)
}

// NextHref is the link to the list's next page.
func (v eventView) NextHref() string {
	q := url.Values{"cursor": {v.Next}}
	if v.Status != convening.StatusRegistered {
		q.Set("status", string(v.Status))
	}
	return eventHref(v.Event.ID, q) + "#teams"
}

// FirstHref is the link to the list's first page.
func (v eventView) FirstHref() string {
	q := url.Values{}
	if v.Status != convening.StatusRegistered {
		q.Set("status", string(v.Status))
	}
	return eventHref(v.Event.ID, q) + "#teams"
}

// ListLabel names the list shown; ListName says what it holds.
func (v eventView) ListLabel() string { return v.Status.Label() }

func (v eventView) ListName() string {
	switch v.Status {
	case convening.StatusWaitlisted:
		return "the waiting list"
	case convening.StatusCancelled:
		return "the cancelled registrations"
	case convening.StatusOffered:
		return "the teams offered seats"
	case convening.StatusExpired:
		return "the lapsed offers"
	}
	return "the registered teams"
}

// countRoles counts the members of registered teams by role, core roles
// first, and all of them.
func countRoles(regs []convening.Registration) ([]roleCount, int) {
	by := map[convening.Role]*roleCount{}
	total := 0
	for _, reg := range regs {
		for _, m := range reg.Members {
			c := by[m.Role]
			if c == nil {
				c = &roleCount{Role: m.Role}
				by[m.Role] = c
			}
			c.Members++
			if m.CheckedInAt != nil {
				c.CheckedIn++
			}
			total++
		}
	}
	var out []roleCount
	for _, role := range convening.Roles {
		if c := by[role]; c != nil {
			out = append(out, *c)
			delete(by, role)
		}
	}
	for _, c := range by { // roles the domain no longer lists
		out = append(out, *c)
	}
	return out, total
}

// matches reports whether a registration's organization, contact or one
// of its members matches a search: the search, in any case and with its
// spaces evened out, is part of one of their names or addresses.
func matches(reg convening.Registration, query string) bool {
	fields := []string{reg.Organization.Name, reg.Contact.Name, reg.Contact.Email}
	for _, m := range reg.Members {
		fields = append(fields, m.Name, m.Email)
	}
	return matchesAny(query, fields...)
}

func matchesAny(query string, fields ...string) bool {
	q := strings.Join(strings.Fields(strings.ToLower(query)), " ")
	for _, f := range fields {
		if strings.Contains(strings.Join(strings.Fields(strings.ToLower(f)), " "), q) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// export answers one of an event's spreadsheets (package export).
func (h *Handler) export(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id, file := r.PathValue("eventId"), r.PathValue("file")
	var b strings.Builder
	if file == export.SurveyFile {
		if err := h.surveyCSV(ctx, id, &b); err != nil {
			return err
		}
	} else if file == "statements.csv" {
		// Not among export.Write's files: it needs the reviews and
		// decisions, which only the service reads.
		e, records, err := h.svc.StatementRecords(ctx, id)
		if err != nil {
			return err
		}
		if err := export.Statements(&b, e.ReviewCriteria, records); err != nil {
			return err
		}
	} else if err := export.Write(ctx, h.svc, id, file, &b); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "export downloaded", "event", id, "file", file, staffAttr(who))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+"-"+file+`"`)
	_, _ = io.WriteString(w, b.String())
	return nil
}
