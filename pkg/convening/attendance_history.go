package convening

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// AttendanceFact records that one person of one organization came to one
// event in one role: the history CA LMI counts from ("new organizations",
// "new members", a network's share of members, the participation map).
// Every check-in writes one and its undo removes it; so does every online
// registrant found to have attended (or made so by staff), and every row
// of a past roster staff import. A person on the record twice for one
// event (checked in, and on a roster) has two facts: the history reads
// people, not facts.
type AttendanceFact struct {
	EventID    string `json:"eventId"`
	EventTitle string `json:"eventTitle"`
	EventKind  Kind   `json:"eventKind"`
	// Date is the day the event started, in Pacific time (YYYY-MM-DD).
	Date         string       `json:"date"`
	Organization Organization `json:"organization"`
	// PersonKey identifies the person (PersonKey of their address, or
	// NamedPersonKey); "" once the fact is anonymized (erased, or past
	// RetainHistory).
	PersonKey   string     `json:"personKey,omitempty"`
	PersonName  string     `json:"personName,omitempty"`
	PersonEmail string     `json:"personEmail,omitempty"`
	Role        Role       `json:"role"`
	Source      FactSource `json:"source"`
	// Ref is what the fact came from within its source: a registration
	// and member (check-in, online), the roster row ("roster").
	Ref        string    `json:"ref"`
	RecordedAt time.Time `json:"recordedAt"`
	// AnonymousID replaces the person's key once the fact is anonymized,
	// so that it stays one fact.
	AnonymousID string `json:"anonymousId,omitempty"`
}

// FactSource is where an attendance fact comes from.
type FactSource string

const (
	FactCheckIn FactSource = "checkin" // checked in at the door
	FactOnline  FactSource = "online"  // attended an online event (the participant report, or staff)
	FactRoster  FactSource = "roster"  // a past roster staff imported
)

// ID is the fact's identity within its event: the person (or its
// anonymous id), its source and what in the source.
func (f AttendanceFact) ID() string {
	who := f.PersonKey
	if who == "" {
		who = "x" + f.AnonymousID
	}
	return who + "#" + string(f.Source) + "#" + f.Ref
}

// Year is the calendar year of the event.
func (f AttendanceFact) Year() int {
	y, _ := strconv.Atoi(strings.SplitN(f.Date, "-", 2)[0])
	return y
}

// OrgKey is the fact's organization's key; "" for a person with none.
func (f AttendanceFact) OrgKey() string {
	if f.Organization.Name == "" {
		return ""
	}
	return f.Organization.Key()
}

// EventDate is the day an event starts, as facts keep it.
func EventDate(t time.Time) string { return t.In(Pacific).Format(time.DateOnly) }

// FactChange is one fact written or removed, in the same transaction as
// what caused it. The store keeps each organization's count of facts in
// step (Participation), so a put must be of a new fact and a removal of
// one that exists: the change is decided from what the transaction is
// conditioned on.
type FactChange struct {
	Fact   AttendanceFact
	Remove bool
}

// counted reports whether facts of this kind count as CA LMI attendance for
// eligibility: the institutes, pre-conferences, convenings and symposia
// ("an institute or convening"), not webinars.
func (k Kind) counted() bool { return k != KindWebinar }

// memberFact is the fact a registration's member attending the event
// makes.
func memberFact(e Event, reg Registration, m Member, source FactSource, now time.Time) AttendanceFact {
	return AttendanceFact{EventID: e.ID, EventTitle: e.Title, EventKind: e.Kind, Date: EventDate(e.StartsAt),
		Organization: reg.Organization, PersonKey: PersonKey(m.Email), PersonName: m.Name, PersonEmail: m.Email, Role: m.Role,
		Source: source, Ref: reg.ID + "." + m.ID, RecordedAt: now}
}

// checkInFacts are the facts a change of check-ins makes: one written for
// each member checked in by it, one removed for each checked out.
func checkInFacts(e Event, before, after Registration, now time.Time) []FactChange {
	was := map[string]bool{}
	for _, m := range before.Members {
		if m.CheckedInAt != nil {
			was[m.ID] = true
		}
	}
	var out []FactChange
	for _, m := range after.Members {
		switch in := m.CheckedInAt != nil; {
		case in && !was[m.ID]:
			out = append(out, FactChange{Fact: memberFact(e, after, m, FactCheckIn, now)})
		case !in && was[m.ID]:
			out = append(out, FactChange{Fact: memberFact(e, before, memberByID(before, m.ID), FactCheckIn, now), Remove: true})
		}
		delete(was, m.ID)
	}
	return out
}

func memberByID(r Registration, id string) Member {
	for _, m := range r.Members {
		if m.ID == id {
			return m
		}
	}
	return Member{ID: id}
}

// AttendanceReader is the read side of attendance, for the services that
// build on it (eligibility, networks, fees and the evaluation survey):
//
//   - EventAttendance: an event's facts, in person order. A survey asks
//     the people of these facts; an invoice counts them.
//   - PersonAttendance: one person's facts, oldest event first.
//   - OrganizationAttendance: the facts of one organization key (one
//     spelling; see OrganizationService for merged spellings), oldest
//     event first.
//
// Every fact is written in the transaction that caused it, so a reader
// sees a check-in's fact as soon as the check-in.
type AttendanceReader interface {
	EventAttendance(ctx context.Context, eventID string) ([]AttendanceFact, error)
	PersonAttendance(ctx context.Context, personKey string) ([]AttendanceFact, error)
	OrganizationAttendance(ctx context.Context, orgKey string) ([]AttendanceFact, error)
}

// AttendedEvent is an event with attendance on record, as the history
// lists it: a system event or a past one only rosters name.
type AttendedEvent struct {
	EventID string `json:"eventId"`
	Title   string `json:"title"`
	Kind    Kind   `json:"kind"`
	Date    string `json:"date"`
}

// AttendedEvents lists the events with attendance, by date (for the
// retention sweep and the history's pages).
type AttendedEvents interface {
	AttendedEvents(ctx context.Context, before string) ([]AttendedEvent, error)
}
