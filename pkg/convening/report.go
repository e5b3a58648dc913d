package convening

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A meeting platform's participant report: one row per time a person was
// in the meeting, with their name, address, and when they joined and left
// (a person who dropped and came back has several rows). Zoom's
// "Participants" export is the common case:
//
//	Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
//	Ana Ruiz,ana.ruiz@alisal.org,01/20/2027 03:28:12 PM,01/20/2027 04:31:02 PM,63,No
//
// The columns are found by their names, in any order (docs/api.md lists
// every name accepted: Zoom's, Microsoft Teams', Google Meet's); times
// without a zone are Pacific time unless the header says UTC; a time of
// day alone is on the event's day.

// ParticipantRow is one row of a participant report.
type ParticipantRow struct {
	Line  int       `json:"line"`
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Join  time.Time `json:"join"`
	Leave time.Time `json:"leave"`
}

// ParticipantReport is a report as read: its rows, and an answer for
// each row that could not be read.
type ParticipantReport struct {
	Rows    []ParticipantRow `json:"rows"`
	Invalid []ReportAnswer   `json:"invalid"`
}

// Column names of participant reports, as headerKey normalizes them.
var (
	reportNameColumns  = []string{"name original name", "name", "full name", "participant", "participant name", "display name", "user name", "attendee name", "attendee"}
	reportFirstColumns = []string{"first name", "given name"}
	reportLastColumns  = []string{"last name", "surname", "family name"}
	reportEmailColumns = []string{"user email", "email", "email address", "attendee email", "participant email", "e mail"}
	reportJoinColumns  = []string{"join time", "join time utc", "join", "joined", "time joined", "first join", "join date time", "joined at"}
	reportLeaveColumns = []string{"leave time", "leave time utc", "leave", "left", "time left", "time exited", "exit time", "last leave", "left at"}
)

// ParseParticipantReport reads a participant report for event e. A file
// without a header row naming the join and leave times is EINVALID
// (ReasonUnreadableFile); a row that cannot be read is answered, never
// fatal.
func ParseParticipantReport(r io.Reader, e Event) (ParticipantReport, error) {
	t, err := readTable(r, func(keys []string) bool {
		return oneOf(keys, reportJoinColumns...) && oneOf(keys, reportLeaveColumns...)
	})
	if err == errNoHeader {
		return ParticipantReport{}, &Error{Code: EINVALID, Reason: ReasonUnreadableFile,
			Message: "No header row naming the join and leave times was found: upload the meeting platform's participant report as CSV (Zoom: Reports, Usage, Participants, Export).",
			Fields:  []FieldError{Field("file", RuleColumns, "missing", []string{"Join Time", "Leave Time"})}}
	}
	if err != nil {
		return ParticipantReport{}, err
	}
	name, first, last := t.column(reportNameColumns...), t.column(reportFirstColumns...), t.column(reportLastColumns...)
	email, join, leave := t.column(reportEmailColumns...), t.column(reportJoinColumns...), t.column(reportLeaveColumns...)
	if name < 0 && first < 0 && email < 0 {
		return ParticipantReport{}, &Error{Code: EINVALID, Reason: ReasonUnreadableFile,
			Message: "The report names nobody: it needs a name or an email column.",
			Fields:  []FieldError{Field("file", RuleColumns, "missing", []string{"Name", "User Email"})}}
	}
	joinUTC := strings.Contains(headerKey(t.header[join]), "utc")
	leaveUTC := strings.Contains(headerKey(t.header[leave]), "utc")
	out := ParticipantReport{Rows: []ParticipantRow{}, Invalid: []ReportAnswer{}}
	for i := range t.rows {
		line := t.lines[i]
		bad := func(format string, args ...any) {
			out.Invalid = append(out.Invalid, ReportAnswer{Line: line, Outcome: RowInvalid,
				Name: t.cell(i, name), Email: t.cell(i, email), Problem: fmt.Sprintf(format, args...)})
		}
		if t.rows[i] == nil {
			bad("the row could not be read (a quote is not closed)")
			continue
		}
		row := ParticipantRow{Line: line, Name: t.cell(i, name), Email: t.cell(i, email)}
		if row.Name == "" && (first >= 0 || last >= 0) {
			row.Name = strings.TrimSpace(t.cell(i, first) + " " + t.cell(i, last))
		}
		row.Name = oneLineName(row.Name)
		if row.Name == "" && row.Email == "" {
			bad("the row has neither a name nor an email")
			continue
		}
		if row.Email != "" && !DeliverableEmail(row.Email) {
			bad("the email %q is not an address", clip(row.Email))
			continue
		}
		var ok bool
		if row.Join, ok = parseReportTime(t.cell(i, join), e, joinUTC); !ok {
			bad("the join time %q is not a time like 01/20/2027 03:28 PM or 2027-01-20T15:28:00-08:00", clip(t.cell(i, join)))
			continue
		}
		if row.Leave, ok = parseReportTime(t.cell(i, leave), e, leaveUTC); !ok {
			bad("the leave time %q is not a time like 01/20/2027 04:31 PM or 2027-01-20T16:31:00-08:00", clip(t.cell(i, leave)))
			continue
		}
		if row.Leave.Before(row.Join) {
			bad("the leave time is before the join time")
			continue
		}
		if row.Leave.Sub(row.Join) > 48*time.Hour {
			bad("the person was in the meeting for more than two days")
			continue
		}
		out.Rows = append(out.Rows, row)
	}
	if len(out.Rows) == 0 && len(out.Invalid) == 0 {
		return out, &Error{Code: EINVALID, Reason: ReasonUnreadableFile, Message: "The report has a header row but no participants.",
			Fields: []FieldError{Field("file", RuleColumns, "missing", []string{"rows"})}}
	}
	return out, nil
}

// clip shortens what a row answer quotes back.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// oneLineName makes a name from a file one plain line.
func oneLineName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || bidiControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// reportLayouts are the time layouts participant reports use.
var reportLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
	"01/02/2006 03:04:05 PM", "01/02/2006 03:04 PM", "1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM",
	"01/02/2006 15:04:05", "01/02/2006 15:04", "1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/06 3:04 PM", "1/2/06 15:04",
	"Jan 2, 2006 3:04:05 PM", "Jan 2, 2006, 3:04:05 PM", "Jan 2, 2006 3:04 PM", "Jan 2, 2006, 3:04 PM",
	"January 2, 2006 3:04:05 PM", "January 2, 2006, 3:04 PM", "January 2, 2006 3:04 PM",
	"2006-01-02 3:04:05 PM", "2006-01-02 3:04 PM",
}

// clockLayouts are times of day alone (Google Meet), on the event's day.
var clockLayouts = []string{"3:04:05 PM", "3:04 PM", "15:04:05", "15:04", "3:04:05PM", "3:04PM"}

func parseReportTime(s string, e Event, utc bool) (time.Time, bool) {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\u202f", " ")), " ")
	s = strings.NewReplacer(" am", " AM", " pm", " PM", "a.m.", "AM", "p.m.", "PM").Replace(s)
	if s == "" {
		return time.Time{}, false
	}
	loc := Pacific
	if utc {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	for _, l := range reportLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	day := e.StartsAt.In(loc)
	for _, l := range clockLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).UTC(), true
		}
	}
	return time.Time{}, false
}

// Interval is a stretch of time someone was in the meeting.
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// MergeIntervals merges overlapping and touching intervals (a person on
// two devices, or reconnecting): the time covered, each minute once.
func MergeIntervals(in []Interval) []Interval {
	list := slices.Clone(in)
	slices.SortFunc(list, func(a, b Interval) int { return cmp.Or(a.From.Compare(b.From), a.To.Compare(b.To)) })
	var out []Interval
	for _, iv := range list {
		if !iv.To.After(iv.From) {
			continue
		}
		if n := len(out); n > 0 && !iv.From.After(out[n-1].To) {
			if iv.To.After(out[n-1].To) {
				out[n-1].To = iv.To
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// MinutesWithin is how many whole minutes merged intervals cover within
// [from, to): time before the start or after the end does not count.
func MinutesWithin(merged []Interval, from, to time.Time) int {
	var d time.Duration
	for _, iv := range merged {
		a, b := iv.From, iv.To
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if b.After(a) {
			d += b.Sub(a)
		}
	}
	return int(d / time.Minute)
}

// RowOutcome is what became of one row of an upload.
type RowOutcome string

const (
	RowMatched       RowOutcome = "matched"          // a registrant, by address
	RowMatchedByName RowOutcome = "matched_by_name"  // a registrant, by name (the address is not theirs, or none)
	RowResolved      RowOutcome = "resolved"         // staff matched this participant to a registrant before
	RowDismissed     RowOutcome = "dismissed"        // staff set this participant aside before
	RowUnmatched     RowOutcome = "unmatched"        // nobody registered: for staff to resolve
	RowInvalid       RowOutcome = "invalid"          // could not be read (Problem says why)
	RowCreated       RowOutcome = "created"          // a roster's person new to the history
	RowUncertain     RowOutcome = "uncertain"        // a roster's person who may be someone on record: for staff
	RowRecorded      RowOutcome = "already_recorded" // a roster's attendance already on record
)

// ReportAnswer is the answer for one row of a participant report.
type ReportAnswer struct {
	Line           int        `json:"line"`
	Name           string     `json:"name"`
	Email          string     `json:"email,omitempty"`
	Outcome        RowOutcome `json:"outcome"`
	Registrant     string     `json:"registrant,omitempty"`
	RegistrationID string     `json:"registrationId,omitempty"`
	MemberID       string     `json:"memberId,omitempty"`
	Problem        string     `json:"problem,omitempty"`
}

// OnlineAttendance is one registered member's attendance of an online
// event: the time they were in the meeting, and whether that makes them
// attended (Minutes at least the threshold) or staff say otherwise.
type OnlineAttendance struct {
	EventID        string     `json:"eventId"`
	RegistrationID string     `json:"registrationId"`
	MemberID       string     `json:"memberId"`
	Intervals      []Interval `json:"intervals"`
	Minutes        int        `json:"minutes"`
	// Measured is whether Minutes reach the threshold.
	Measured bool                `json:"measured"`
	Override *AttendanceOverride `json:"override,omitempty"`
	// FactWritten says the member's attendance fact exists (Attended held
	// when it was last written).
	FactWritten bool      `json:"factWritten"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// AttendanceOverride is staff's word on one registrant's attendance.
type AttendanceOverride struct {
	Attended bool      `json:"attended"`
	Reason   string    `json:"reason"`
	By       Actor     `json:"by"`
	At       time.Time `json:"at"`
}

// Attended is the registrant's attendance: staff's word if they gave it,
// else the measurement.
func (o OnlineAttendance) Attended() bool {
	if o.Override != nil {
		return o.Override.Attended
	}
	return o.Measured
}

// Unmatched is a participant of the report whom no registrant matched
// (all their rows), kept for staff to match to a registrant or set aside.
type Unmatched struct {
	EventID   string     `json:"eventId"`
	Key       string     `json:"key"`
	Name      string     `json:"name"`
	Email     string     `json:"email,omitempty"`
	Lines     []int      `json:"lines"`
	Intervals []Interval `json:"intervals"`
	Minutes   int        `json:"minutes"`
	// Resolution is staff's: "" open, else the registrant ("<registration
	// id>.<member id>") or "dismissed".
	Resolution string    `json:"resolution,omitempty"`
	ResolvedBy *Actor    `json:"resolvedBy,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// ParticipantKey identifies a report's participant across uploads: their
// address, else their name.
func ParticipantKey(name, email string) string {
	k := "e:" + NormalizeEmail(email)
	if email == "" {
		k = "n:" + NormalizeName(name)
	}
	sum := sha256.Sum256([]byte(k))
	return fmt.Sprintf("%x", sum[:12])
}

// Dismissed is the resolution of a participant staff set aside.
const Dismissed = "dismissed"

// AttendancePlan is what applying a report (or staff's word) writes: each
// registrant's record, conditioned on the one it was decided from (nil:
// none), with its fact change; each unmatched participant (After nil
// removes it); the audit record.
type AttendancePlan struct {
	Records   []RecordChange
	Unmatched []UnmatchedChange
	Audit     *AuditRecord
}

// RecordChange is one registrant's attendance record, written.
type RecordChange struct {
	Before *OnlineAttendance
	After  OnlineAttendance
	Fact   *FactChange
}

// UnmatchedChange is one unmatched participant, written or removed.
type UnmatchedChange struct {
	Before *Unmatched
	After  *Unmatched
}

// OnlineAttendanceStore keeps online attendance.
type OnlineAttendanceStore interface {
	// EventOnlineAttendance reads an event's records and unmatched
	// participants.
	EventOnlineAttendance(ctx context.Context, eventID string) ([]OnlineAttendance, []Unmatched, error)
	// ApplyAttendance writes a plan in transactions of a few registrants
	// each, every record and participant conditioned on the version it was
	// decided from (ECONFLICT ReasonAttendanceMoved if one moved: decide
	// again), the audit record with the last.
	ApplyAttendance(ctx context.Context, eventID string, plan AttendancePlan) error
}

// Reasons of online attendance.
const (
	ReasonAttendanceMoved   Reason = "attendance_moved"    // ECONFLICT: a record changed while it was decided; try again
	ReasonNotOnline         Reason = "not_online"          // ECONFLICT: the event is not online
	ReasonMemberNotAttendee Reason = "member_not_attendee" // ENOTFOUND: no such registered member
	ReasonParticipantGone   Reason = "participant_unknown" // ENOTFOUND: no such unmatched participant
)

// attendee is a registered member of the event, by whom rows are matched.
type attendee struct {
	reg Registration
	m   Member
}

// ReportComputation is a report applied to an event's registrants: the
// answer for every row, every registered member's attendance, and the
// participants nobody matched.
type ReportComputation struct {
	Answers          []ReportAnswer     `json:"answers"`
	Records          []OnlineAttendance `json:"records"`
	Unmatched        []Unmatched        `json:"unmatched"`
	ScheduledMinutes int                `json:"scheduledMinutes"`
	ThresholdMinutes int                `json:"thresholdMinutes"`
}

// ComputeAttendance matches a report's rows to the registered members of
// regs (by address, then by a name only one of them has, then by staff's
// earlier resolution of the participant), merges each member's intervals
// and measures their minutes within the scheduled time against the
// threshold. Resolutions are the participants staff resolved before, by
// ParticipantKey. Records keep staff's overrides from old.
func ComputeAttendance(e Event, s OnlineSettings, regs []Registration, rep ParticipantReport, resolutions map[string]string, old []OnlineAttendance, now time.Time) ReportComputation {
	out := ReportComputation{Answers: []ReportAnswer{}, Records: []OnlineAttendance{}, Unmatched: []Unmatched{},
		ScheduledMinutes: ScheduledMinutes(e), ThresholdMinutes: s.ThresholdMinutes(e)}
	byEmail, byName := map[string]attendee{}, map[string][]attendee{}
	byRef := map[string]attendee{}
	var order []string
	for _, r := range regs {
		if r.Status != StatusRegistered {
			continue
		}
		for _, m := range r.Members {
			a := attendee{r, m}
			ref := r.ID + "." + m.ID
			byRef[ref] = a
			order = append(order, ref)
			if k := NormalizeEmail(m.Email); k != "" {
				byEmail[k] = a
			}
			if n := NormalizeName(m.Name); n != "" {
				byName[n] = append(byName[n], a)
			}
		}
	}
	intervals := map[string][]Interval{}
	unmatched := map[string]*Unmatched{}
	var unmatchedOrder []string
	for _, row := range rep.Rows {
		ans := ReportAnswer{Line: row.Line, Name: row.Name, Email: row.Email}
		pk := ParticipantKey(row.Name, row.Email)
		var a attendee
		found := false
		if x, ok := byEmail[NormalizeEmail(row.Email)]; ok && row.Email != "" {
			a, found, ans.Outcome = x, true, RowMatched
		} else if res, ok := resolutions[pk]; ok && res == Dismissed {
			ans.Outcome = RowDismissed
		} else if x, ok := byRef[res]; ok {
			a, found, ans.Outcome = x, true, RowResolved
		} else if xs := byName[NormalizeName(row.Name)]; len(xs) == 1 && row.Name != "" {
			a, found, ans.Outcome = xs[0], true, RowMatchedByName
		} else {
			ans.Outcome = RowUnmatched
			if len(xs) > 1 {
				ans.Problem = fmt.Sprintf("%d registrants have this name and none this address", len(xs))
			}
		}
		iv := Interval{From: row.Join, To: row.Leave}
		switch {
		case found:
			ref := a.reg.ID + "." + a.m.ID
			ans.Registrant, ans.RegistrationID, ans.MemberID = registrantLabel(a), a.reg.ID, a.m.ID
			intervals[ref] = append(intervals[ref], iv)
		case ans.Outcome == RowUnmatched || ans.Outcome == RowDismissed:
			u, ok := unmatched[pk]
			if !ok {
				u = &Unmatched{EventID: e.ID, Key: pk, Name: row.Name, Email: row.Email, UpdatedAt: now}
				if ans.Outcome == RowDismissed {
					u.Resolution = Dismissed
				}
				unmatched[pk] = u
				unmatchedOrder = append(unmatchedOrder, pk)
			}
			u.Lines = append(u.Lines, row.Line)
			u.Intervals = append(u.Intervals, iv)
		}
		out.Answers = append(out.Answers, ans)
	}
	out.Answers = append(out.Answers, rep.Invalid...)
	slices.SortFunc(out.Answers, func(a, b ReportAnswer) int { return cmp.Compare(a.Line, b.Line) })
	prev := map[string]OnlineAttendance{}
	for _, o := range old {
		prev[o.RegistrationID+"."+o.MemberID] = o
	}
	for _, ref := range order {
		a := byRef[ref]
		merged := MergeIntervals(intervals[ref])
		rec := OnlineAttendance{EventID: e.ID, RegistrationID: a.reg.ID, MemberID: a.m.ID, Intervals: nonNilSlice(merged), UpdatedAt: now}
		rec.Minutes = MinutesWithin(merged, e.StartsAt, e.EndsAt)
		rec.Measured = rec.Minutes >= out.ThresholdMinutes
		if p, ok := prev[ref]; ok {
			rec.Override, rec.FactWritten = p.Override, p.FactWritten
		}
		out.Records = append(out.Records, rec)
	}
	for _, k := range unmatchedOrder {
		u := unmatched[k]
		u.Intervals = MergeIntervals(u.Intervals)
		u.Minutes = MinutesWithin(u.Intervals, e.StartsAt, e.EndsAt)
		out.Unmatched = append(out.Unmatched, *u)
	}
	return out
}

func registrantLabel(a attendee) string {
	if a.reg.Individual() || a.reg.Organization.Name == "" {
		return a.m.Name
	}
	return a.m.Name + " (" + a.reg.Organization.Name + ")"
}

// PlanAttendance turns a computation into the writes that make the store
// hold it, from the records and participants as read: a record whose
// attendance changed writes or removes its fact; a participant resolved
// before keeps its resolution; those no longer in the report are removed
// unless staff resolved them.
func PlanAttendance(e Event, regs []Registration, comp ReportComputation, old []OnlineAttendance, oldUnmatched []Unmatched, now time.Time) AttendancePlan {
	var plan AttendancePlan
	prev := map[string]*OnlineAttendance{}
	for i := range old {
		prev[old[i].RegistrationID+"."+old[i].MemberID] = &old[i]
	}
	members := map[string]attendee{}
	for _, r := range regs {
		for _, m := range r.Members {
			members[r.ID+"."+m.ID] = attendee{r, m}
		}
	}
	for _, rec := range comp.Records {
		ref := rec.RegistrationID + "." + rec.MemberID
		before := prev[ref]
		rc := RecordChange{Before: before, After: rec}
		rc.After.FactWritten = rec.Attended()
		was := before != nil && before.FactWritten
		if a, ok := members[ref]; ok {
			fact := memberFact(e, a.reg, a.m, FactOnline, now)
			switch {
			case rc.After.FactWritten && !was:
				rc.Fact = &FactChange{Fact: fact}
			case !rc.After.FactWritten && was:
				rc.Fact = &FactChange{Fact: fact, Remove: true}
			}
		}
		if before != nil && !rc.recordChanged() {
			continue
		}
		plan.Records = append(plan.Records, rc)
	}
	prevU := map[string]*Unmatched{}
	for i := range oldUnmatched {
		prevU[oldUnmatched[i].Key] = &oldUnmatched[i]
	}
	seen := map[string]bool{}
	for i := range comp.Unmatched {
		u := comp.Unmatched[i]
		seen[u.Key] = true
		if p := prevU[u.Key]; p != nil && p.Resolution != "" {
			u.Resolution, u.ResolvedBy, u.Reason = p.Resolution, p.ResolvedBy, p.Reason
		}
		plan.Unmatched = append(plan.Unmatched, UnmatchedChange{Before: prevU[u.Key], After: &u})
	}
	for k, p := range prevU {
		if !seen[k] && p.Resolution == "" {
			plan.Unmatched = append(plan.Unmatched, UnmatchedChange{Before: p})
		}
	}
	slices.SortFunc(plan.Unmatched, func(a, b UnmatchedChange) int {
		ka, kb := "", ""
		if a.Before != nil {
			ka = a.Before.Key
		}
		if a.After != nil {
			ka = a.After.Key
		}
		if b.Before != nil {
			kb = b.Before.Key
		}
		if b.After != nil {
			kb = b.After.Key
		}
		return cmp.Compare(ka, kb)
	})
	return plan
}

// recordChanged reports whether writing the record changes anything
// besides its time.
func (rc RecordChange) recordChanged() bool {
	b, a := *rc.Before, rc.After
	return rc.Fact != nil || b.Minutes != a.Minutes || b.Measured != a.Measured || b.FactWritten != a.FactWritten ||
		!intervalsEqual(b.Intervals, a.Intervals) || (b.Override == nil) != (a.Override == nil)
}

func intervalsEqual(a, b []Interval) bool {
	return slices.EqualFunc(a, b, func(x, y Interval) bool { return x.From.Equal(y.From) && x.To.Equal(y.To) })
}
