package convening

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AttendanceService is attendance for staff: an online event's settings
// (the meeting, when join links open, the attendance threshold), its
// participant report applied (or tried in a dry run), staff's word on one
// registrant and on a participant nobody matched, and an event's
// attendance as it stands.
type AttendanceService struct {
	Basics
	store AttendanceStorage
}

// AttendanceStorage is what AttendanceService needs of storage.
type AttendanceStorage interface {
	EventReader
	RosterReader
	RegistrationReader
	OnlineSettingsStore
	OnlineAttendanceStore
	AttendanceReader
}

// NewAttendanceService returns attendance over store.
func NewAttendanceService(b Basics, store AttendanceStorage) *AttendanceService {
	return &AttendanceService{Basics: b, store: store}
}

// OnlineSettings returns an event's online settings (defaults if staff set
// none). Errors: ENOTFOUND.
func (s *AttendanceService) OnlineSettings(ctx context.Context, eventID string) (OnlineSettings, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return OnlineSettings{}, err
	}
	o, _, err := s.store.OnlineSettings(ctx, e.ID)
	o.EventID = e.ID
	return o.WithDefaults(), err
}

// OnlineChange is staff's change of an online event's settings; nil
// fields stay as they are.
type OnlineChange struct {
	MeetingURL          *string
	JoinOpensMinutes    *int
	AttendanceThreshold *int
}

// SetOnlineSettings changes an online event's settings, for the audit
// log (which records that the meeting changed, never its address).
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotOnline).
func (s *AttendanceService) SetOnlineSettings(ctx context.Context, actor Actor, eventID string, c OnlineChange, reason string) (OnlineSettings, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return OnlineSettings{}, err
	}
	if !e.Online {
		return OnlineSettings{}, NewError(ECONFLICT, ReasonNotOnline, "%s is not online: mark it online first.", e.Title)
	}
	old, _, err := s.store.OnlineSettings(ctx, e.ID)
	if err != nil {
		return OnlineSettings{}, err
	}
	old = old.WithDefaults()
	o := old
	if c.MeetingURL != nil {
		o.MeetingURL = strings.TrimSpace(*c.MeetingURL)
	}
	if c.JoinOpensMinutes != nil {
		o.JoinOpensMinutes = *c.JoinOpensMinutes
	}
	if c.AttendanceThreshold != nil {
		o.AttendanceThreshold = *c.AttendanceThreshold
	}
	if err := o.Validate(); err != nil {
		return OnlineSettings{}, err
	}
	o.EventID, o.UpdatedAt = e.ID, s.Now()
	before, after := map[string]string{}, map[string]string{}
	if old.MeetingURL != o.MeetingURL {
		before["meeting"], after["meeting"] = setOrNot(old.MeetingURL), "changed"
	}
	if old.JoinOpensMinutes != o.JoinOpensMinutes {
		before["joinOpensMinutes"], after["joinOpensMinutes"] = strconv.Itoa(old.JoinOpensMinutes), strconv.Itoa(o.JoinOpensMinutes)
	}
	if old.AttendanceThreshold != o.AttendanceThreshold {
		before["attendanceThreshold"], after["attendanceThreshold"] = strconv.Itoa(old.AttendanceThreshold), strconv.Itoa(o.AttendanceThreshold)
	}
	a := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditOnlineChanged, Actor: actor, At: o.UpdatedAt, Reason: strings.TrimSpace(reason), Before: before, After: after}
	return o, s.store.PutOnlineSettings(ctx, o, a)
}

func setOrNot(s string) string {
	if s == "" {
		return "not set"
	}
	return "set"
}

// registeredMembers reads every registration of an event that holds
// seats.
func (s *AttendanceService) registered(ctx context.Context, eventID string) ([]Registration, error) {
	_, regs, err := allRegistrations(ctx, s.store, eventID, StatusRegistered)
	return regs, err
}

// UploadReport applies a meeting platform's participant report to an
// online event: every row answered, each registered member's minutes and
// attendance, the participants nobody matched kept for staff. A dry run
// answers the same and writes nothing.
// Errors: ENOTFOUND, EINVALID (ReasonUnreadableFile), ECONFLICT
// (ReasonNotOnline, ReasonAttendanceMoved), EUNAVAILABLE.
func (s *AttendanceService) UploadReport(ctx context.Context, actor Actor, eventID string, file io.Reader, dryRun bool) (ReportComputation, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return ReportComputation{}, err
	}
	if !e.Online {
		return ReportComputation{}, NewError(ECONFLICT, ReasonNotOnline, "%s is not online: its attendance is its check-ins.", e.Title)
	}
	rep, err := ParseParticipantReport(file, e)
	if err != nil {
		return ReportComputation{}, err
	}
	settings, _, err := s.store.OnlineSettings(ctx, e.ID)
	if err != nil {
		return ReportComputation{}, err
	}
	regs, err := s.registered(ctx, e.ID)
	if err != nil {
		return ReportComputation{}, err
	}
	var comp ReportComputation
	for range 3 {
		old, oldU, err := s.store.EventOnlineAttendance(ctx, e.ID)
		if err != nil {
			return ReportComputation{}, err
		}
		resolutions := map[string]string{}
		for _, u := range oldU {
			if u.Resolution != "" {
				resolutions[u.Key] = u.Resolution
			}
		}
		now := s.Now()
		comp = ComputeAttendance(e, settings, regs, rep, resolutions, old, now)
		if dryRun {
			return comp, nil
		}
		plan := PlanAttendance(e, regs, comp, old, oldU, now)
		attended := 0
		for _, r := range comp.Records {
			if r.Attended() {
				attended++
			}
		}
		plan.Audit = &AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditAttendanceReport, Actor: actor, At: now,
			After: map[string]string{"rows": strconv.Itoa(len(comp.Answers)), "registrants": strconv.Itoa(len(comp.Records)),
				"attended": strconv.Itoa(attended), "unmatched": strconv.Itoa(len(comp.Unmatched))}}
		err = s.store.ApplyAttendance(ctx, e.ID, plan)
		if ErrorReason(err) != ReasonAttendanceMoved {
			return comp, err
		}
	}
	return ReportComputation{}, ErrBusy
}

// Attendee is one registered member's attendance as staff see it.
type Attendee struct {
	Registration Registration      `json:"-"`
	Member       Member            `json:"member"`
	Registrant   string            `json:"registrant"`
	Record       *OnlineAttendance `json:"record"`
	Attended     bool              `json:"attended"`
}

// EventAttendanceView is an event's attendance: each registered member,
// the report's participants nobody matched, and the threshold.
type EventAttendanceView struct {
	Event            Event          `json:"-"`
	Settings         OnlineSettings `json:"settings"`
	Attendees        []Attendee     `json:"attendees"`
	Unmatched        []Unmatched    `json:"unmatched"`
	ScheduledMinutes int            `json:"scheduledMinutes"`
	ThresholdMinutes int            `json:"thresholdMinutes"`
	Attended         int            `json:"attended"`
	// Facts are the event's attendance facts (check-ins, online).
	Facts []AttendanceFact `json:"facts"`
}

// Attendance returns an event's attendance as it stands. The meeting's
// address is left out: this is a staff read, but no answer needs it.
// Errors: ENOTFOUND.
func (s *AttendanceService) Attendance(ctx context.Context, eventID string) (EventAttendanceView, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return EventAttendanceView{}, err
	}
	settings, _, err := s.store.OnlineSettings(ctx, e.ID)
	if err != nil {
		return EventAttendanceView{}, err
	}
	settings = settings.WithDefaults()
	settings.EventID, settings.MeetingURL = e.ID, ""
	regs, err := s.registered(ctx, e.ID)
	if err != nil {
		return EventAttendanceView{}, err
	}
	recs, unmatched, err := s.store.EventOnlineAttendance(ctx, e.ID)
	if err != nil {
		return EventAttendanceView{}, err
	}
	facts, err := s.store.EventAttendance(ctx, e.ID)
	if err != nil {
		return EventAttendanceView{}, err
	}
	byRef := map[string]*OnlineAttendance{}
	for i := range recs {
		byRef[recs[i].RegistrationID+"."+recs[i].MemberID] = &recs[i]
	}
	v := EventAttendanceView{Event: e, Settings: settings, Attendees: []Attendee{}, Unmatched: nonNilSlice(unmatched),
		ScheduledMinutes: ScheduledMinutes(e), ThresholdMinutes: settings.ThresholdMinutes(e), Facts: nonNilSlice(facts)}
	for _, r := range regs {
		for _, m := range r.Members {
			a := Attendee{Registration: r, Member: m, Registrant: registrantLabel(attendee{r, m}), Record: byRef[r.ID+"."+m.ID]}
			if e.Online {
				a.Attended = a.Record != nil && a.Record.Attended()
			} else {
				a.Attended = m.CheckedInAt != nil
			}
			if a.Attended {
				v.Attended++
			}
			v.Attendees = append(v.Attendees, a)
		}
	}
	slices.SortFunc(v.Attendees, func(a, b Attendee) int {
		return cmp.Or(cmp.Compare(NormalizeName(a.Member.Name), NormalizeName(b.Member.Name)), cmp.Compare(a.Member.ID, b.Member.ID))
	})
	slices.SortFunc(v.Unmatched, func(a, b Unmatched) int { return cmp.Compare(NormalizeName(a.Name), NormalizeName(b.Name)) })
	return v, nil
}

// Override records staff's word that a registered member of an online
// event attended or did not, whatever the report measured, for a reason
// the audit log keeps; their attendance fact follows.
// Errors: ENOTFOUND (ReasonMemberNotAttendee), EINVALID, ECONFLICT.
func (s *AttendanceService) Override(ctx context.Context, actor Actor, eventID, registrationID, memberID string, attended bool, reason string) (OnlineAttendance, error) {
	if err := CheckReason(reason); err != nil {
		return OnlineAttendance{}, err
	}
	return s.change(ctx, eventID, registrationID, memberID, func(e Event, reg Registration, m Member, rec OnlineAttendance, now time.Time) (OnlineAttendance, AuditRecord) {
		before := strconv.FormatBool(rec.Attended())
		rec.Override = &AttendanceOverride{Attended: attended, Reason: strings.TrimSpace(reason), By: actor, At: now}
		a := AuditOf(s.NewID(), AuditAttendanceOverride, actor, reg, now, reason,
			map[string]string{"member": m.ID, "attended": before, "minutes": strconv.Itoa(rec.Minutes)},
			map[string]string{"member": m.ID, "attended": strconv.FormatBool(attended)})
		return rec, a
	}, nil)
}

// ResolveParticipant records staff's word on a participant of the report
// whom nobody matched: the registered member they are (registrationID and
// memberID: their time in the meeting counts as that member's, now and
// for any later upload of a report), or, with an empty registrationID, a
// person to set aside. Errors: ENOTFOUND, EINVALID, ECONFLICT.
func (s *AttendanceService) ResolveParticipant(ctx context.Context, actor Actor, eventID, key, registrationID, memberID, reason string) error {
	if err := CheckReason(reason); err != nil {
		return err
	}
	for range 3 {
		_, unmatched, err := s.store.EventOnlineAttendance(ctx, eventID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(unmatched, func(u Unmatched) bool { return u.Key == key })
		if i < 0 {
			return NewError(ENOTFOUND, ReasonParticipantGone, "No unmatched participant with that key.")
		}
		u := unmatched[i]
		after := u
		after.ResolvedBy, after.Reason, after.UpdatedAt = &actor, strings.TrimSpace(reason), s.Now()
		if registrationID == "" {
			after.Resolution = Dismissed
			a := AuditRecord{ID: s.NewID(), EventID: eventID, Kind: AuditAttendanceResolved, Actor: actor, At: after.UpdatedAt, Reason: after.Reason,
				After: map[string]string{"participant": u.Key, "resolution": Dismissed}}
			err = s.store.ApplyAttendance(ctx, eventID, AttendancePlan{Unmatched: []UnmatchedChange{{Before: &u, After: &after}}, Audit: &a})
		} else {
			after.Resolution = registrationID + "." + memberID
			_, err = s.change(ctx, eventID, registrationID, memberID, func(e Event, reg Registration, m Member, rec OnlineAttendance, now time.Time) (OnlineAttendance, AuditRecord) {
				rec.Intervals = MergeIntervals(append(slices.Clone(rec.Intervals), u.Intervals...))
				rec.Minutes = MinutesWithin(rec.Intervals, e.StartsAt, e.EndsAt)
				settings, _, _ := s.store.OnlineSettings(ctx, e.ID)
				rec.Measured = rec.Minutes >= settings.ThresholdMinutes(e)
				a := AuditOf(s.NewID(), AuditAttendanceResolved, actor, reg, now, reason, nil,
					map[string]string{"participant": u.Key, "member": m.ID, "minutes": strconv.Itoa(rec.Minutes)})
				return rec, a
			}, &UnmatchedChange{Before: &u, After: &after})
		}
		if ErrorReason(err) != ReasonAttendanceMoved {
			return err
		}
	}
	return ErrBusy
}

// change applies one registered member's change of attendance, decided by
// decide from their record as read (a new one if none), with the fact it
// implies and, if given, one unmatched participant's change.
func (s *AttendanceService) change(ctx context.Context, eventID, registrationID, memberID string,
	decide func(Event, Registration, Member, OnlineAttendance, time.Time) (OnlineAttendance, AuditRecord), extra *UnmatchedChange) (OnlineAttendance, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return OnlineAttendance{}, err
	}
	if !e.Online {
		return OnlineAttendance{}, NewError(ECONFLICT, ReasonNotOnline, "%s is not online: its attendance is its check-ins.", e.Title)
	}
	errUnknown := NewError(ENOTFOUND, ReasonMemberNotAttendee, "No registered member with that id at this event.")
	if registrationID == "" || len(registrationID) > 64 {
		return OnlineAttendance{}, errUnknown
	}
	reg, err := s.store.Registration(ctx, registrationID)
	if ErrorCode(err) == ENOTFOUND || err == nil && (reg.EventID != e.ID || reg.Status != StatusRegistered) {
		return OnlineAttendance{}, errUnknown
	}
	if err != nil {
		return OnlineAttendance{}, err
	}
	i := slices.IndexFunc(reg.Members, func(m Member) bool { return m.ID == memberID })
	if i < 0 {
		return OnlineAttendance{}, errUnknown
	}
	m := reg.Members[i]
	for range 3 {
		recs, _, err := s.store.EventOnlineAttendance(ctx, e.ID)
		if err != nil {
			return OnlineAttendance{}, err
		}
		var before *OnlineAttendance
		rec := OnlineAttendance{EventID: e.ID, RegistrationID: reg.ID, MemberID: m.ID, Intervals: []Interval{}}
		if j := slices.IndexFunc(recs, func(r OnlineAttendance) bool { return r.RegistrationID == reg.ID && r.MemberID == m.ID }); j >= 0 {
			before, rec = &recs[j], recs[j]
		}
		now := s.Now()
		after, audit := decide(e, reg, m, rec, now)
		after.UpdatedAt = now
		rc := RecordChange{Before: before, After: after}
		was := before != nil && before.FactWritten
		rc.After.FactWritten = after.Attended()
		fact := memberFact(e, reg, m, FactOnline, now)
		switch {
		case rc.After.FactWritten && !was:
			rc.Fact = &FactChange{Fact: fact}
		case !rc.After.FactWritten && was:
			rc.Fact = &FactChange{Fact: fact, Remove: true}
		}
		plan := AttendancePlan{Records: []RecordChange{rc}, Audit: &audit}
		if extra != nil {
			plan.Unmatched = []UnmatchedChange{*extra}
		}
		err = s.store.ApplyAttendance(ctx, e.ID, plan)
		if ErrorReason(err) != ReasonAttendanceMoved {
			return rc.After, err
		}
	}
	return OnlineAttendance{}, ErrBusy
}

// EventFacts returns an event's attendance facts: who came (the read the
// evaluation survey and fees build on). Errors: ENOTFOUND.
func (s *AttendanceService) EventFacts(ctx context.Context, eventID string) ([]AttendanceFact, error) {
	if !ValidEventID(eventID) && !strings.HasPrefix(eventID, "past-") {
		return nil, ErrEventNotFound
	}
	return s.store.EventAttendance(ctx, eventID)
}
