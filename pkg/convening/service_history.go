package convening

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HistoryService is organizations and people remembered across years: an
// organization's events by year with its people and roles, a person's
// events, the public list of participating organizations by county with
// staff's opt-outs, past rosters imported (with a dry run) and their
// uncertain rows resolved, and the keeping of personal data in the
// history: a person's export and erasure, and its retention schedule.
// (An organization's erasure is PrivacyService.EraseOrganization's.)
type HistoryService struct {
	Basics
	store HistoryStorage
}

// HistoryStorage is what HistoryService needs of storage.
type HistoryStorage interface {
	AttendanceReader
	AttendedEvents
	OrganizationAliases
	ParticipationStore
	HistoryEraser
	Imports
	FactWriter
	EventLister
	AuditLog
}

// NewHistoryService returns the history over store.
func NewHistoryService(b Basics, store HistoryStorage) *HistoryService {
	return &HistoryService{Basics: b, store: store}
}

// RetainHistory is how long a person stays named in the history after an
// event: their facts are then anonymized (the organization, role, event
// and date stay, for the participation list and "new organizations").
// Ten years covers the look-back of every rule CA LMI has used (since
// 2015) with room to spare.
const RetainHistory = 10 * 365 * 24 * time.Hour

// PersonRole is one person at one event, in a role.
type PersonRole struct {
	PersonKey string `json:"personKey,omitempty"`
	Name      string `json:"name"`
	Role      Role   `json:"role"`
}

// EventRecord is one event of an organization's history and its people.
type EventRecord struct {
	Event  AttendedEvent `json:"event"`
	People []PersonRole  `json:"people"`
}

// YearRecord is one year of an organization's history.
type YearRecord struct {
	Year   int           `json:"year"`
	Events []EventRecord `json:"events"`
}

// RoleSpan is a role a person held, in the years they came in it.
type RoleSpan struct {
	Role Role `json:"role"`
	From int  `json:"from"`
	To   int  `json:"to"`
}

// PersonSummary is one person of an organization: their roles over time
// and how many events they came to.
type PersonSummary struct {
	PersonKey string     `json:"personKey,omitempty"`
	Name      string     `json:"name"`
	Roles     []RoleSpan `json:"roles"`
	Events    int        `json:"events"`
	LastSeen  string     `json:"lastSeen"`
}

// OrganizationRecord is an organization's history: its events by year
// (newest first) with who came, and its people with their roles over
// time, under every spelling merged into it.
type OrganizationRecord struct {
	Organization  Organization              `json:"organization"`
	Spellings     []Organization            `json:"spellings"`
	Years         []YearRecord              `json:"years"`
	People        []PersonSummary           `json:"people"`
	Participation OrganizationParticipation `json:"participation"`
}

// OrganizationHistory returns an organization's attendance history.
// Errors: EINVALID, ENOTFOUND (nothing on record).
func (s *HistoryService) OrganizationHistory(ctx context.Context, org Organization) (OrganizationRecord, error) {
	var v validation
	org = checkOrganization(&v, "", org)
	if err := v.err("The organization"); err != nil {
		return OrganizationRecord{}, err
	}
	root, err := rootOrganization(ctx, s.store, org)
	if err != nil {
		return OrganizationRecord{}, err
	}
	keys, aliases, err := spellingsOf(ctx, s.store, root)
	if err != nil {
		return OrganizationRecord{}, err
	}
	var facts []AttendanceFact
	for _, k := range keys {
		fs, err := s.store.OrganizationAttendance(ctx, k)
		if err != nil {
			return OrganizationRecord{}, err
		}
		facts = append(facts, fs...)
	}
	if len(facts) == 0 {
		return OrganizationRecord{}, NewError(ENOTFOUND, ReasonOrganizationUnknown, "No attendance of %s in %s County is on record.", org.Name, org.County)
	}
	rec := OrganizationRecord{Organization: root, Spellings: []Organization{}}
	for _, a := range aliases {
		rec.Spellings = append(rec.Spellings, a.From)
	}
	for _, f := range facts {
		if f.Organization.Key() == root.Key() && f.Organization.Type != "" {
			rec.Organization = f.Organization
		}
	}
	rec.Years, rec.People = historyByYear(facts), peopleOf(facts)
	parts, err := s.store.Participants(ctx)
	if err != nil {
		return OrganizationRecord{}, err
	}
	for _, p := range parts {
		if p.Organization.Key() == root.Key() {
			rec.Participation = p
		}
	}
	rec.Participation.Organization = rec.Organization
	return rec, nil
}

// historyByYear groups facts by year and event (newest first), each
// event's people once, by name.
func historyByYear(facts []AttendanceFact) []YearRecord {
	type evKey struct{ date, id string }
	events := map[evKey]*EventRecord{}
	for _, f := range facts {
		k := evKey{f.Date, f.EventID}
		er, ok := events[k]
		if !ok {
			er = &EventRecord{Event: AttendedEvent{EventID: f.EventID, Title: f.EventTitle, Kind: f.EventKind, Date: f.Date}, People: []PersonRole{}}
			events[k] = er
		}
		who := f.PersonKey
		if who == "" {
			who = "x" + f.AnonymousID
		}
		if !slices.ContainsFunc(er.People, func(p PersonRole) bool {
			return p.PersonKey == who || (f.PersonKey == "" && p.PersonKey == "") && p.Name == ""
		}) {
			name := f.PersonName
			if f.PersonKey == "" {
				name, who = "", ""
			}
			er.People = append(er.People, PersonRole{PersonKey: who, Name: name, Role: f.Role})
		}
	}
	keys := make([]evKey, 0, len(events))
	for k := range events {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b evKey) int { return cmp.Or(cmp.Compare(b.date, a.date), cmp.Compare(a.id, b.id)) })
	var years []YearRecord
	for _, k := range keys {
		er := events[k]
		slices.SortFunc(er.People, func(a, b PersonRole) int {
			return cmp.Or(cmp.Compare(slices.Index(Roles, a.Role), slices.Index(Roles, b.Role)), cmp.Compare(NormalizeName(a.Name), NormalizeName(b.Name)))
		})
		y, _ := strconv.Atoi(k.date[:min(4, len(k.date))])
		if n := len(years); n == 0 || years[n-1].Year != y {
			years = append(years, YearRecord{Year: y})
		}
		years[len(years)-1].Events = append(years[len(years)-1].Events, *er)
	}
	return years
}

// peopleOf summarizes the named people of facts: their roles over the
// years and their events, most recent first.
func peopleOf(facts []AttendanceFact) []PersonSummary {
	byKey := map[string]*PersonSummary{}
	events := map[string]map[string]bool{}
	for _, f := range facts {
		if f.PersonKey == "" {
			continue
		}
		p, ok := byKey[f.PersonKey]
		if !ok {
			p = &PersonSummary{PersonKey: f.PersonKey, Roles: []RoleSpan{}}
			byKey[f.PersonKey], events[f.PersonKey] = p, map[string]bool{}
		}
		if f.Date >= p.LastSeen {
			p.LastSeen, p.Name = f.Date, f.PersonName
		}
		events[f.PersonKey][f.EventID] = true
		y := f.Year()
		if i := slices.IndexFunc(p.Roles, func(r RoleSpan) bool { return r.Role == f.Role }); i >= 0 {
			p.Roles[i].From, p.Roles[i].To = min(p.Roles[i].From, y), max(p.Roles[i].To, y)
		} else {
			p.Roles = append(p.Roles, RoleSpan{Role: f.Role, From: y, To: y})
		}
	}
	out := make([]PersonSummary, 0, len(byKey))
	for k, p := range byKey {
		p.Events = len(events[k])
		slices.SortFunc(p.Roles, func(a, b RoleSpan) int { return cmp.Compare(a.From, b.From) })
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PersonSummary) int {
		return cmp.Or(cmp.Compare(b.LastSeen, a.LastSeen), cmp.Compare(NormalizeName(a.Name), NormalizeName(b.Name)))
	})
	return out
}

// PersonEvent is one event of a person's history.
type PersonEvent struct {
	Event        AttendedEvent `json:"event"`
	Organization Organization  `json:"organization"`
	Role         Role          `json:"role"`
	Source       FactSource    `json:"source"`
}

// PersonRecord is a person's history: their events (newest first), in
// which organization and role each time.
type PersonRecord struct {
	PersonKey string         `json:"personKey"`
	Name      string         `json:"name"`
	Email     string         `json:"email,omitempty"`
	Events    []PersonEvent  `json:"events"`
	Roles     []RoleSpan     `json:"roles"`
	Orgs      []Organization `json:"organizations"`
	// Facts are the person's facts as stored, for the privacy export.
	Facts []AttendanceFact `json:"facts"`
}

// PersonHistory returns a person's history. Errors: ENOTFOUND.
func (s *HistoryService) PersonHistory(ctx context.Context, personKey string) (PersonRecord, error) {
	errUnknown := NewError(ENOTFOUND, ReasonPersonUnknown, "No person with that key is on record.")
	if !ValidPersonKey(personKey) {
		return PersonRecord{}, errUnknown
	}
	facts, err := s.store.PersonAttendance(ctx, personKey)
	if err != nil {
		return PersonRecord{}, err
	}
	if len(facts) == 0 {
		return PersonRecord{}, errUnknown
	}
	rec := PersonRecord{PersonKey: personKey, Events: []PersonEvent{}, Orgs: []Organization{}, Facts: facts}
	seen := map[string]bool{}
	for _, f := range facts {
		if f.Date >= latest(rec.Events) {
			rec.Name = f.PersonName
			if f.PersonEmail != "" {
				rec.Email = f.PersonEmail
			}
		}
		if k := f.EventID + "/" + string(f.Role) + "/" + f.OrgKey(); !seen[k] {
			seen[k] = true
			rec.Events = append(rec.Events, PersonEvent{Event: AttendedEvent{EventID: f.EventID, Title: f.EventTitle, Kind: f.EventKind, Date: f.Date},
				Organization: f.Organization, Role: f.Role, Source: f.Source})
		}
		if f.Organization.Name != "" && !slices.ContainsFunc(rec.Orgs, func(o Organization) bool { return o.Key() == f.OrgKey() }) {
			rec.Orgs = append(rec.Orgs, f.Organization)
		}
	}
	slices.SortFunc(rec.Events, func(a, b PersonEvent) int {
		return cmp.Or(cmp.Compare(b.Event.Date, a.Event.Date), cmp.Compare(a.Event.EventID, b.Event.EventID))
	})
	if ps := peopleOf(facts); len(ps) > 0 {
		rec.Roles = ps[0].Roles
	}
	return rec, nil
}

func latest(evs []PersonEvent) string {
	l := ""
	for _, e := range evs {
		l = max(l, e.Event.Date)
	}
	return l
}

// ReasonPersonUnknown: no person with that key is on record (ENOTFOUND).
const ReasonPersonUnknown Reason = "person_unknown"

// Participation is the public list of participating organizations by
// county, built from attendance, without those that opted out.
func (s *HistoryService) Participation(ctx context.Context) (ParticipationList, error) {
	list, err := s.store.Participants(ctx)
	if err != nil {
		return ParticipationList{}, err
	}
	keys := make([]string, 0, len(list))
	for _, p := range list {
		keys = append(keys, p.Organization.Key())
	}
	roots, err := s.store.RootsOf(ctx, keys)
	if err != nil {
		return ParticipationList{}, err
	}
	return BuildParticipation(list, roots, s.Now()), nil
}

// Participants lists every organization with attendance or an opt-out,
// for staff (the opted-out ones too), by county and name.
func (s *HistoryService) Participants(ctx context.Context) ([]OrganizationParticipation, error) {
	list, err := s.store.Participants(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b OrganizationParticipation) int {
		return cmp.Or(cmp.Compare(a.Organization.County, b.Organization.County), cmp.Compare(NormalizeName(a.Organization.Name), NormalizeName(b.Organization.Name)))
	})
	return list, nil
}

// SetOptOut takes an organization off the public list at its request, or
// puts it back, for a reason the audit log keeps. Errors: EINVALID.
func (s *HistoryService) SetOptOut(ctx context.Context, actor Actor, org Organization, optOut bool, reason string) error {
	var v validation
	org = checkOrganization(&v, "", org)
	checkText(&v, "reason", strings.TrimSpace(reason), MaxReasonLen, true)
	if err := v.err("The opt-out"); err != nil {
		return err
	}
	root, err := rootOrganization(ctx, s.store, org)
	if err != nil {
		return err
	}
	a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "org:" + root.Key(), Organization: root.Name,
		Kind: AuditParticipationOptOut, Actor: actor, At: s.Now(), Reason: strings.TrimSpace(reason),
		After: map[string]string{"optOut": strconv.FormatBool(optOut)}}
	return s.store.SetOptOut(ctx, root, optOut, strings.TrimSpace(reason), a)
}

// ImportResult answers a roster's import: every row, and the import as
// stored (none on a dry run).
type ImportResult struct {
	DryRun  bool               `json:"dryRun"`
	Import  *RosterImport      `json:"import,omitempty"`
	Answers []ImportAnswer     `json:"answers"`
	Counts  map[RowOutcome]int `json:"counts"`
}

// ImportRoster imports a past roster: each row matched to the history
// (by address, then by name within the organization), the matched and
// created rows' attendance written, the uncertain rows kept for staff. A
// dry run answers the same and writes nothing.
// Errors: EINVALID (ReasonUnreadableFile), EUNAVAILABLE.
func (s *HistoryService) ImportRoster(ctx context.Context, actor Actor, fileName string, file io.Reader, dryRun bool) (ImportResult, error) {
	rows, invalid, err := ParseRoster(file)
	if err != nil {
		return ImportResult{}, err
	}
	h := ImportHistory{Organizations: map[string][]AttendanceFact{}, People: map[string][]AttendanceFact{}}
	if h.Events, err = s.store.Events(ctx); err != nil {
		return ImportResult{}, err
	}
	for _, r := range rows {
		k := r.Organization.Key()
		if _, done := h.Organizations[k]; !done {
			root, err := rootOrganization(ctx, s.store, r.Organization)
			if err != nil {
				return ImportResult{}, err
			}
			keys, _, err := spellingsOf(ctx, s.store, root)
			if err != nil {
				return ImportResult{}, err
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			facts := []AttendanceFact{}
			for _, key := range keys {
				fs, err := s.store.OrganizationAttendance(ctx, key)
				if err != nil {
					return ImportResult{}, err
				}
				facts = append(facts, fs...)
			}
			h.Organizations[k] = dedupeFacts(facts)
		}
		if pk := PersonKey(r.Email); pk != "" {
			if _, done := h.People[pk]; !done {
				fs, err := s.store.PersonAttendance(ctx, pk)
				if err != nil {
					return ImportResult{}, err
				}
				h.People[pk] = fs
			}
		}
	}
	id, now := s.NewID(), s.Now()
	plan := PlanImport(id, rows, h, now)
	res := ImportResult{DryRun: dryRun, Answers: append(plan.Answers, invalid...), Counts: plan.Counts}
	if len(invalid) > 0 {
		res.Counts[RowInvalid] += len(invalid)
	}
	slices.SortFunc(res.Answers, func(a, b ImportAnswer) int { return cmp.Compare(a.Line, b.Line) })
	if dryRun {
		return res, nil
	}
	if _, err := s.store.WriteFacts(ctx, plan.Facts); err != nil {
		return ImportResult{}, err
	}
	imp := RosterImport{ID: id, FileName: oneLineName(fileName), By: actor, At: now, Counts: res.Counts, Invalid: invalid, Open: len(plan.Uncertain)}
	if len(imp.Invalid) > MaxKeptAnswers {
		imp.Invalid = imp.Invalid[:MaxKeptAnswers]
	}
	if imp.FileName == "" {
		imp.FileName = "roster.csv"
	}
	a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "import:" + id, Kind: AuditRosterImported, Actor: actor, At: now,
		After: map[string]string{"file": imp.FileName, "matched": strconv.Itoa(res.Counts[RowMatched]), "created": strconv.Itoa(res.Counts[RowCreated]),
			"uncertain": strconv.Itoa(res.Counts[RowUncertain]), "recorded": strconv.Itoa(res.Counts[RowRecorded]), "invalid": strconv.Itoa(res.Counts[RowInvalid])}}
	if err := s.store.PutImport(ctx, imp, plan.Uncertain, a); err != nil {
		return ImportResult{}, err
	}
	res.Import = &imp
	return res, nil
}

// dedupeFacts drops facts listed twice (a key both its own spelling and
// another's).
func dedupeFacts(facts []AttendanceFact) []AttendanceFact {
	seen := map[string]bool{}
	out := facts[:0]
	for _, f := range facts {
		if k := f.EventID + "|" + f.ID(); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// Import returns an import with its uncertain rows. Errors: ENOTFOUND.
func (s *HistoryService) Import(ctx context.Context, id string) (RosterImport, []PendingRow, error) {
	if id == "" || len(id) > 64 {
		return RosterImport{}, nil, NewError(ENOTFOUND, ReasonImportUnknown, "No import with that id.")
	}
	return s.store.Import(ctx, id)
}

// RecentImports lists the latest imports, newest first.
func (s *HistoryService) RecentImports(ctx context.Context) ([]RosterImport, error) {
	return s.store.RecentImports(ctx, 50)
}

// ResolveImportRow records staff's decision on an uncertain row: the
// person on record it is (a candidate's key), a person new to the history
// (ResolveNew), or no one (ResolveSkip), for a reason the audit log keeps;
// its attendance is written with it. Errors: ENOTFOUND, EINVALID,
// ECONFLICT (ReasonRowNotPending).
func (s *HistoryService) ResolveImportRow(ctx context.Context, actor Actor, importID string, line int, choice, reason string) (PendingRow, error) {
	if err := CheckReason(reason); err != nil {
		return PendingRow{}, err
	}
	var out PendingRow
	now := s.Now()
	err := s.store.ResolveRow(ctx, importID, line, func(p PendingRow) (PendingRow, *FactChange, AuditRecord, error) {
		if p.Resolution != "" {
			return p, nil, AuditRecord{}, NewError(ECONFLICT, ReasonRowNotPending, "Row %d was resolved already.", line)
		}
		key := ""
		switch {
		case choice == ResolveSkip:
		case choice == ResolveNew:
			key = PersonKey(p.Row.Email)
			if key == "" || slices.ContainsFunc(p.Candidates, func(c Candidate) bool { return c.PersonKey == key }) {
				key = newNamedKey(p.Row.Organization.Key(), p.Row.Name, p.ImportID, line)
			}
		case slices.ContainsFunc(p.Candidates, func(c Candidate) bool { return c.PersonKey == choice }):
			key = choice
		default:
			return p, nil, AuditRecord{}, InvalidFields("The resolution", Field("choice", RuleOneOf, "values", candidateChoices(p)))
		}
		p.Resolution, p.ResolvedBy, p.Reason, p.ResolvedAt = choice, &actor, strings.TrimSpace(reason), now
		var fc *FactChange
		if key != "" {
			fc = &FactChange{Fact: RosterFactOf(p, key, now)}
		}
		a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "import:" + p.ImportID, Organization: p.Row.Organization.Name,
			Kind: AuditRosterRowResolved, Actor: actor, At: now, Reason: p.Reason,
			After: map[string]string{"line": strconv.Itoa(line), "resolution": resolutionWord(choice), "person": key}}
		out = p
		return p, fc, a, nil
	})
	return out, err
}

func resolutionWord(choice string) string {
	if choice == ResolveNew || choice == ResolveSkip {
		return choice
	}
	return "same person"
}

func candidateChoices(p PendingRow) []string {
	out := []string{ResolveNew, ResolveSkip}
	for _, c := range p.Candidates {
		out = append(out, c.PersonKey)
	}
	return out
}

// newNamedKey is the key of a person new to the history whom a roster
// names without a usable address: distinct from every namesake on record.
func newNamedKey(orgKey, name, importID string, line int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "lmi-person-new-v1\x00%s\x00%s\x00%s\x00%d", orgKey, NormalizeName(name), importID, line))
	return "n" + strings.ToLower(keyEncoding.EncodeToString(sum[:20]))
}

// ErasePerson removes a person from the history at their request, for a
// reason the audit log keeps: their facts stay, without their name,
// address or key, so that their organization's record holds. It returns
// how many facts it anonymized. Errors: ENOTFOUND, EINVALID.
func (s *HistoryService) ErasePerson(ctx context.Context, actor Actor, personKey, reason string) (int, error) {
	if err := CheckReason(reason); err != nil {
		return 0, err
	}
	rec, err := s.PersonHistory(ctx, personKey)
	if err != nil {
		return 0, err
	}
	a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "person:" + personKey, Kind: AuditHistoryErased, Actor: actor, At: s.Now(),
		Reason: strings.TrimSpace(reason), After: map[string]string{"facts": strconv.Itoa(len(rec.Facts))}}
	return s.store.AnonymizeFacts(ctx, rec.Facts, s.NewID, &a)
}

// ApplyHistoryRetention anonymizes the people of events older than
// RetainHistory and removes the unmatched participants of online events
// over for RetainAfterEvent (people who never registered). The retention
// function runs it daily with the registrations' erasure.
func (s *HistoryService) ApplyHistoryRetention(ctx context.Context) (anonymized, removed int, err error) {
	now := s.Now()
	old, err := s.store.AttendedEvents(ctx, EventDate(now.Add(-RetainHistory)))
	if err != nil {
		return 0, 0, err
	}
	for _, ev := range old {
		facts, err := s.store.EventAttendance(ctx, ev.EventID)
		if err != nil {
			return anonymized, removed, err
		}
		named := slices.DeleteFunc(facts, func(f AttendanceFact) bool { return f.PersonKey == "" })
		n, err := s.store.AnonymizeFacts(ctx, named, s.NewID, nil)
		anonymized += n
		if err != nil {
			return anonymized, removed, err
		}
	}
	recent, err := s.store.AttendedEvents(ctx, EventDate(now.Add(-RetainAfterEvent)))
	if err != nil {
		return anonymized, removed, err
	}
	for _, ev := range recent {
		n, err := s.store.DeleteUnmatched(ctx, ev.EventID)
		removed += n
		if err != nil {
			return anonymized, removed, err
		}
	}
	return anonymized, removed, nil
}

// HistoryAudit lists the audit records of no event (imports, networks,
// opt-outs, erasures), newest first.
func (s *HistoryService) HistoryAudit(ctx context.Context, cursor string) ([]AuditRecord, string, error) {
	return readAudit(ctx, s.store, AuditQuery{EventID: HistoryAuditScope, Cursor: cursor, Limit: 100})
}
