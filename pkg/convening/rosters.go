package convening

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Past rosters: the teams that came since 2015 live in spreadsheets. Staff
// import them, one row per person per event:
//
//	Organization,County,Person,Email,Role,Event,Date
//	Alisal Union School District,Monterey,Ana Ruiz,ana.ruiz@alisal.org,Superintendent,CA LMI Summer Institute,2019-06-25
//
// Columns are found by their names in any order (docs/api.md lists them;
// "Type" and "Kind" are optional). A dry run answers every row (matched,
// created, uncertain, already recorded, or not readable and why) and
// writes nothing; the import writes the matched and created rows'
// attendance, and keeps the uncertain ones for staff to resolve.

// RosterRow is one row of a past roster.
type RosterRow struct {
	Line         int          `json:"line"`
	Organization Organization `json:"organization"`
	Name         string       `json:"name"`
	Email        string       `json:"email,omitempty"`
	Role         Role         `json:"role"`
	// RoleText is the role as the roster gave it.
	RoleText   string `json:"roleText,omitempty"`
	EventTitle string `json:"eventTitle"`
	Date       string `json:"date"`
	Kind       Kind   `json:"kind"`
}

// Column names of past rosters.
var (
	rosterOrgColumns    = []string{"organization", "organization name", "district", "district name", "school district", "lea", "lea name", "agency"}
	rosterCountyColumns = []string{"county"}
	rosterTypeColumns   = []string{"type", "organization type", "lea type"}
	rosterNameColumns   = []string{"person", "name", "full name", "participant", "attendee", "person name"}
	rosterFirstColumns  = []string{"first name", "given name"}
	rosterLastColumns   = []string{"last name", "surname", "family name"}
	rosterEmailColumns  = []string{"email", "email address", "e mail"}
	rosterRoleColumns   = []string{"role", "position", "job title", "team role"}
	rosterEventColumns  = []string{"event title", "event", "event name", "convening", "meeting"}
	rosterDateColumns   = []string{"date", "event date", "start date"}
	rosterKindColumns   = []string{"kind", "event kind", "event type"}
)

// ImportAnswer is the answer for one row of a roster.
type ImportAnswer struct {
	Line         int        `json:"line"`
	Outcome      RowOutcome `json:"outcome"`
	Organization string     `json:"organization,omitempty"`
	Name         string     `json:"name,omitempty"`
	Event        string     `json:"event,omitempty"`
	EventID      string     `json:"eventId,omitempty"`
	Date         string     `json:"date,omitempty"`
	// MatchedBy is "email" or "name" for a matched row.
	MatchedBy string `json:"matchedBy,omitempty"`
	// Note explains the outcome, or why a row could not be read.
	Note       string      `json:"note,omitempty"`
	Candidates []Candidate `json:"candidates,omitempty"`
	// PersonKey is who the row's attendance is recorded for.
	PersonKey string `json:"-"`
}

// Candidate is a person on record an uncertain row may be.
type Candidate struct {
	PersonKey    string `json:"personKey"`
	Name         string `json:"name"`
	Email        string `json:"email,omitempty"`
	Organization string `json:"organization"`
	LastSeen     string `json:"lastSeen"`
}

// ParseRoster reads a past roster. A file without the columns it needs is
// EINVALID (ReasonUnreadableFile); each row it cannot read is answered.
func ParseRoster(r io.Reader) ([]RosterRow, []ImportAnswer, error) {
	t, err := readTable(r, func(keys []string) bool {
		return oneOf(keys, rosterOrgColumns...) && oneOf(keys, rosterEventColumns...) && oneOf(keys, rosterDateColumns...)
	})
	if err == errNoHeader {
		return nil, nil, &Error{Code: EINVALID, Reason: ReasonUnreadableFile,
			Message: "No header row naming the organization, the event and its date was found.",
			Fields:  []FieldError{Field("file", RuleColumns, "missing", []string{"Organization", "County", "Person", "Email", "Role", "Event", "Date"})}}
	}
	if err != nil {
		return nil, nil, err
	}
	col := map[string]int{
		"org": t.column(rosterOrgColumns...), "county": t.column(rosterCountyColumns...), "type": t.column(rosterTypeColumns...),
		"name": t.column(rosterNameColumns...), "first": t.column(rosterFirstColumns...), "last": t.column(rosterLastColumns...),
		"email": t.column(rosterEmailColumns...), "role": t.column(rosterRoleColumns...), "event": t.column(rosterEventColumns...),
		"date": t.column(rosterDateColumns...), "kind": t.column(rosterKindColumns...),
	}
	var missing []string
	for _, c := range []struct{ key, label string }{{"county", "County"}, {"role", "Role"}} {
		if col[c.key] < 0 {
			missing = append(missing, c.label)
		}
	}
	if col["name"] < 0 && col["first"] < 0 {
		missing = append(missing, "Person")
	}
	if len(missing) > 0 {
		return nil, nil, &Error{Code: EINVALID, Reason: ReasonUnreadableFile,
			Message: "The roster lacks the columns " + strings.Join(missing, ", ") + ".",
			Fields:  []FieldError{Field("file", RuleColumns, "missing", missing)}}
	}
	var rows []RosterRow
	answers := []ImportAnswer{}
	for i := range t.rows {
		line := t.lines[i]
		bad := func(note string, args ...any) {
			answers = append(answers, ImportAnswer{Line: line, Outcome: RowInvalid, Organization: t.cell(i, col["org"]),
				Name: t.cell(i, col["name"]), Event: t.cell(i, col["event"]), Note: fmt.Sprintf(note, args...)})
		}
		if t.rows[i] == nil {
			bad("the row could not be read (a quote is not closed)")
			continue
		}
		row := RosterRow{Line: line, Name: oneLineName(t.cell(i, col["name"])), Email: t.cell(i, col["email"]),
			RoleText: oneLineName(t.cell(i, col["role"])), EventTitle: oneLineName(t.cell(i, col["event"]))}
		if row.Name == "" {
			row.Name = oneLineName(t.cell(i, col["first"]) + " " + t.cell(i, col["last"]))
		}
		org := Organization{Name: oneLineName(t.cell(i, col["org"])), County: t.cell(i, col["county"])}
		org.Type = orgTypeOf(t.cell(i, col["type"]), org.Name)
		org = normalizedOrg(org)
		var v validation
		checkOrganization(&v, "", org)
		checkText(&v, "person", row.Name, maxNameLen, true)
		checkText(&v, "event", row.EventTitle, maxTitleLen, true)
		if len(v.fields) > 0 {
			var notes []string
			for _, f := range v.fields {
				notes = append(notes, columnWord(f.Field)+" "+f.Message)
			}
			bad("%s", strings.Join(notes, "; "))
			continue
		}
		row.Organization = org
		if row.Email != "" && !DeliverableEmail(row.Email) {
			bad("the email %q is not an address", clip(row.Email))
			continue
		}
		date, ok := parseRosterDate(t.cell(i, col["date"]))
		if !ok {
			bad("the date %q is not a date like 2019-06-25 or 6/25/2019", clip(t.cell(i, col["date"])))
			continue
		}
		row.Date = date
		if k := strings.ToLower(strings.ReplaceAll(t.cell(i, col["kind"]), "-", "")); k != "" {
			row.Kind = kindOfText(k)
			if row.Kind == "" {
				bad("the kind %q is not one of institute, preconference, convening, symposium, webinar", clip(k))
				continue
			}
		} else {
			row.Kind = kindOfTitle(row.EventTitle)
		}
		row.Role = RoleOfText(row.RoleText)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(answers) == 0 {
		return nil, nil, &Error{Code: EINVALID, Reason: ReasonUnreadableFile, Message: "The roster has a header row but no people.",
			Fields: []FieldError{Field("file", RuleColumns, "missing", []string{"rows"})}}
	}
	return rows, answers, nil
}

// columnWord names a field of a row by its column.
func columnWord(field string) string {
	switch field {
	case "name":
		return "the organization"
	case "county":
		return "the county"
	case "type":
		return "the type"
	case "person":
		return "the person"
	case "event":
		return "the event"
	}
	return field
}

func orgTypeOf(text, name string) OrganizationType {
	t := NormalizeName(text)
	switch {
	case strings.Contains(t, "county") || t == "coe":
		return OrgCountyOffice
	case t != "":
		return OrgDistrict
	}
	n := NormalizeName(name)
	if strings.Contains(n, "county office") || strings.HasSuffix(n, " coe") || strings.Contains(n, "office of education") {
		return OrgCountyOffice
	}
	return OrgDistrict
}

var rosterDateLayouts = []string{time.DateOnly, "1/2/2006", "01/02/2006", "1/2/06", "January 2, 2006", "Jan 2, 2006", "2 January 2006", "2006/01/02"}

func parseRosterDate(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 10 && (strings.Contains(s, "T") || strings.Count(s, ":") > 0) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return EventDate(t), true
		}
		s = strings.Fields(strings.Replace(s, "T", " ", 1))[0]
	}
	for _, l := range rosterDateLayouts {
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 2000 && t.Year() < 2100 {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

func kindOfText(k string) Kind {
	switch NormalizeName(k) {
	case "institute", "summer institute":
		return KindInstitute
	case "preconference", "pre conference":
		return KindPreconference
	case "convening", "network convening", "regional convening":
		return KindConvening
	case "symposium":
		return KindSymposium
	case "webinar", "virtual":
		return KindWebinar
	}
	return ""
}

// kindOfTitle guesses an event's kind from its title ("CA LMI Summer
// Institute" is an institute); a convening if nothing says otherwise.
func kindOfTitle(title string) Kind {
	t := NormalizeName(title)
	switch {
	case strings.Contains(t, "pre conference") || strings.Contains(t, "preconference"):
		return KindPreconference
	case strings.Contains(t, "institute"):
		return KindInstitute
	case strings.Contains(t, "symposium"):
		return KindSymposium
	case strings.Contains(t, "webinar") || strings.Contains(t, "virtual"):
		return KindWebinar
	}
	return KindConvening
}

// RoleOfText reads a role as rosters write it ("Teachers Association
// President", "CSEA Chapter President", "Trustee"); what it cannot place
// is a team member (RoleOther).
func RoleOfText(s string) Role {
	t := " " + NormalizeName(s) + " "
	for _, r := range Roles {
		if t == " "+NormalizeName(string(r))+" " || t == " "+NormalizeName(r.Label())+" " {
			return r
		}
	}
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, " "+w+" ") {
				return true
			}
		}
		return false
	}
	switch {
	case has("assistant superintendent", "deputy superintendent", "associate superintendent") && has("hr", "human resources", "personnel"):
		return RoleHRAdministrator
	case has("superintendent") && !has("assistant", "deputy", "associate"):
		return RoleSuperintendent
	case has("classified", "csea", "seiu", "afscme", "teamsters"):
		return RoleClassifiedUnionPresident
	case has("teachers", "teacher", "certificated", "education association", "federation of teachers", "cta", "cft", "ta", "faculty association") && has("president", "pres"):
		return RoleCertificatedUnionPresident
	case has("board", "trustee", "board member", "governing board"):
		return RoleBoardMember
	case has("human resources", "hr", "personnel"):
		return RoleHRAdministrator
	case has("chief academic officer", "cao", "academic officer", "curriculum", "educational services", "instruction"):
		return RoleChiefAcademicOfficer
	case has("principal"):
		return RolePrincipal
	case has("site rep", "building rep", "site representative", "building representative"):
		return RoleSiteRep
	case has("union", "vice president", "officer", "association", "federation", "president"):
		return RoleUnionOfficer
	}
	return RoleOther
}

// PastEventID is the id of a past event only rosters name: its date and
// title ("past-2019-06-25-ca-lmi-summer-institute").
func PastEventID(date, title string) string {
	id := Slug("past " + date + " " + title)
	return strings.TrimRight(id, "-")
}

// ImportHistory is what matching a roster reads: the facts of each
// organization named (by key, its spellings merged) and of each address.
type ImportHistory struct {
	Organizations map[string][]AttendanceFact
	People        map[string][]AttendanceFact
	// Events are the system's events, to tie a row to one of them (same
	// title and start date) rather than to a past event of its own.
	Events []Event
}

// ImportPlan is a roster matched against the history: an answer for each
// row, the facts to write, and the rows that wait for staff.
type ImportPlan struct {
	Answers   []ImportAnswer `json:"answers"`
	Facts     []FactChange   `json:"-"`
	Uncertain []PendingRow   `json:"-"`
	Counts    map[RowOutcome]int
}

// PendingRow is an uncertain row kept for staff: the row, the people it
// may be, and staff's resolution once made.
type PendingRow struct {
	ImportID   string      `json:"importId"`
	Row        RosterRow   `json:"row"`
	EventID    string      `json:"eventId"`
	Candidates []Candidate `json:"candidates"`
	Note       string      `json:"note"`
	// Resolution: "" open; a candidate's person key; "new" (a person new
	// to the history); "skip".
	Resolution string    `json:"resolution,omitempty"`
	ResolvedBy *Actor    `json:"resolvedBy,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
}

// Resolutions of an uncertain row besides a candidate's key.
const (
	ResolveNew  = "new"
	ResolveSkip = "skip"
)

// PlanImport matches a roster's rows to the history, in order (a person a
// row creates is on record for the rows after it): by normalized address,
// then by name within the organization. A row is uncertain when its
// person may be someone on record under another address, or when the
// name fits several people: staff decide.
func PlanImport(importID string, rows []RosterRow, h ImportHistory, now time.Time) ImportPlan {
	plan := ImportPlan{Answers: []ImportAnswer{}, Counts: map[RowOutcome]int{}}
	orgFacts, people := map[string][]AttendanceFact{}, map[string][]AttendanceFact{}
	for k, v := range h.Organizations {
		orgFacts[k] = slices.Clone(v)
	}
	for k, v := range h.People {
		people[k] = slices.Clone(v)
	}
	for _, row := range rows {
		ev := eventOfRow(row, h.Events)
		ans := ImportAnswer{Line: row.Line, Organization: row.Organization.Name, Name: row.Name, Event: ev.Title, EventID: ev.EventID, Date: row.Date}
		orgKey := row.Organization.Key()
		namesakes := peopleNamed(orgFacts[orgKey], row.Name)
		key := ""
		switch emailKey := PersonKey(row.Email); {
		case emailKey != "" && len(people[emailKey]) > 0:
			key, ans.Outcome, ans.MatchedBy = emailKey, RowMatched, "email"
			if last := people[emailKey][len(people[emailKey])-1]; NormalizeName(last.PersonName) != NormalizeName(row.Name) {
				ans.Note = fmt.Sprintf("the address is on record for %s", last.PersonName)
			}
		case emailKey != "":
			others := slices.DeleteFunc(namesakes, func(c Candidate) bool { return c.PersonKey == emailKey })
			if len(others) > 0 {
				ans.Outcome, ans.Candidates = RowUncertain, others
				ans.Note = fmt.Sprintf("%s of %s is on record with another address: the same person?", row.Name, row.Organization.Name)
			} else {
				key, ans.Outcome = emailKey, RowCreated
			}
		case len(namesakes) == 1:
			key, ans.Outcome, ans.MatchedBy = namesakes[0].PersonKey, RowMatched, "name"
		case len(namesakes) > 1:
			ans.Outcome, ans.Candidates = RowUncertain, namesakes
			ans.Note = fmt.Sprintf("%d people named %s are on record for %s: which one?", len(namesakes), row.Name, row.Organization.Name)
		default:
			key, ans.Outcome = NamedPersonKey(orgKey, row.Name), RowCreated
			ans.Note = "no address: known by name within the organization"
		}
		switch {
		case key != "" && (recorded(people[key], ev.EventID) || recordedFor(orgFacts[orgKey], key, ev.EventID)):
			ans.Outcome, ans.Note = RowRecorded, "already on record for this event"
		case ans.Outcome == RowUncertain && slices.ContainsFunc(ans.Candidates, func(c Candidate) bool {
			return recordedFor(orgFacts[orgKey], c.PersonKey, ev.EventID)
		}):
			// Staff resolved this row before, or another row named the
			// person for this event: the attendance is on record.
			ans.Outcome, ans.Candidates, ans.Note = RowRecorded, nil, "already on record for this event under the name "+row.Name
		}
		plan.Counts[ans.Outcome]++
		ans.PersonKey = key
		switch ans.Outcome {
		case RowMatched, RowCreated:
			f := rosterFact(row, ev, key, now)
			plan.Facts = append(plan.Facts, FactChange{Fact: f})
			people[key] = append(people[key], f)
			orgFacts[orgKey] = append(orgFacts[orgKey], f)
		case RowUncertain:
			plan.Uncertain = append(plan.Uncertain, PendingRow{ImportID: importID, Row: row, EventID: ev.EventID, Candidates: ans.Candidates, Note: ans.Note})
		}
		plan.Answers = append(plan.Answers, ans)
	}
	return plan
}

// eventOfRow is the event a row names: the system's event of that title
// starting that day, or a past event of its own.
func eventOfRow(row RosterRow, events []Event) AttendedEvent {
	for _, e := range events {
		if EventDate(e.StartsAt) == row.Date && NormalizeName(e.Title) == NormalizeName(row.EventTitle) {
			return AttendedEvent{EventID: e.ID, Title: e.Title, Kind: e.Kind, Date: row.Date}
		}
	}
	return AttendedEvent{EventID: PastEventID(row.Date, row.EventTitle), Title: row.EventTitle, Kind: row.Kind, Date: row.Date}
}

// RosterFactOf is the fact a roster row records for a person.
func RosterFactOf(p PendingRow, personKey string, now time.Time) AttendanceFact {
	return rosterFact(p.Row, AttendedEvent{EventID: p.EventID, Title: p.Row.EventTitle, Kind: p.Row.Kind, Date: p.Row.Date}, personKey, now)
}

func rosterFact(row RosterRow, ev AttendedEvent, key string, now time.Time) AttendanceFact {
	return AttendanceFact{EventID: ev.EventID, EventTitle: ev.Title, EventKind: ev.Kind, Date: ev.Date, Organization: row.Organization,
		PersonKey: key, PersonName: row.Name, PersonEmail: row.Email, Role: row.Role, Source: FactRoster, Ref: "roster", RecordedAt: now}
}

func recordedFor(facts []AttendanceFact, key, eventID string) bool {
	return slices.ContainsFunc(facts, func(f AttendanceFact) bool { return f.PersonKey == key && f.EventID == eventID })
}

func recorded(facts []AttendanceFact, eventID string) bool {
	return slices.ContainsFunc(facts, func(f AttendanceFact) bool { return f.EventID == eventID })
}

// peopleNamed are the distinct people of an organization's facts who
// have the name.
func peopleNamed(facts []AttendanceFact, name string) []Candidate {
	n := NormalizeName(name)
	var out []Candidate
	for _, f := range facts {
		if f.PersonKey == "" || NormalizeName(f.PersonName) != n {
			continue
		}
		c := Candidate{PersonKey: f.PersonKey, Name: f.PersonName, Email: f.PersonEmail, Organization: f.Organization.Name, LastSeen: f.Date}
		if i := slices.IndexFunc(out, func(x Candidate) bool { return x.PersonKey == f.PersonKey }); i >= 0 {
			if f.Date > out[i].LastSeen {
				out[i] = c
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// RosterImport is one import of a roster: who made it, when, its counts
// and the rows it could not read.
type RosterImport struct {
	ID       string             `json:"id"`
	FileName string             `json:"fileName"`
	By       Actor              `json:"by"`
	At       time.Time          `json:"at"`
	Counts   map[RowOutcome]int `json:"counts"`
	// Invalid are the rows it could not read, for staff to fix and import
	// again (at most MaxKeptAnswers).
	Invalid []ImportAnswer `json:"invalid"`
	// Open counts the uncertain rows staff have not resolved yet.
	Open int `json:"open"`
}

// MaxKeptAnswers bounds the unreadable rows an import keeps.
const MaxKeptAnswers = 200

// Imports is the store's side of roster imports.
type Imports interface {
	// PutImport stores an import, its uncertain rows and its audit record.
	PutImport(ctx context.Context, imp RosterImport, rows []PendingRow, audit AuditRecord) error
	// Import reads one with its uncertain rows. Errors: ENOTFOUND.
	Import(ctx context.Context, id string) (RosterImport, []PendingRow, error)
	// RecentImports lists the latest imports, newest first.
	RecentImports(ctx context.Context, limit int) ([]RosterImport, error)
	// ResolveRow applies staff's resolution of an uncertain row, as decide
	// makes it from the row as stored: the row resolved, the import's
	// open count less one, its fact (nil: skipped) and the audit record,
	// in one transaction conditioned on the row being open.
	ResolveRow(ctx context.Context, importID string, line int, decide func(PendingRow) (PendingRow, *FactChange, AuditRecord, error)) error
}

// FactWriter writes attendance facts that no other record decides (a
// roster's), in transactions of a few facts each; each put must be of a
// new fact (an existing one is left as it is and reported).
type FactWriter interface {
	WriteFacts(ctx context.Context, changes []FactChange) (written int, err error)
}

// Reasons of imports.
const (
	ReasonImportUnknown Reason = "import_unknown"  // ENOTFOUND
	ReasonRowNotPending Reason = "row_not_pending" // ECONFLICT: the row is not uncertain, or staff resolved it already
)
