package convening

import (
	"slices"
	"strings"
	"time"
)

// Reminder is an email an event sends its teams some time before it
// starts (a week before: the logistics; a day before: the agenda's link),
// set per event by staff. At its time the system sends it as an
// announcement of its own (id ReminderAnnouncementID), through the same
// outbox, so it reaches each recipient exactly once; its recipients are
// the teams in its lists at that moment. Offsets are any number of hours,
// from one to a year.
type Reminder struct {
	// ID names the reminder; the system gives a new one an id.
	ID string `json:"id"`
	// HoursBefore is how long before the event's start it goes out.
	HoursBefore int        `json:"hoursBefore"`
	Audience    []Status   `json:"audience"`
	To          Recipients `json:"to"`
	Subject     string     `json:"subject"`
	Text        string     `json:"text"`
	// CreatedAt is when it was added: a reminder added after its time is
	// not sent late (it is Missed).
	CreatedAt time.Time `json:"createdAt"`
}

// Bounds of reminders.
const (
	MaxReminders     = 10
	MaxReminderHours = 366 * 24
)

// DefaultOnlineReminders are an online event's reminders when staff set
// none (CreateEvent with reminders omitted; an in-person event made online
// without any): 24 hours and 1 hour before, as issue 18 asks, to every
// member of the registered teams and to each individual, each email with
// the recipient's own join link (mail.Links.RegistrantJoinURL). Members
// rather than contacts, because the link is personal: a team's contact
// who is no member holds the team's manage page, where every member's link
// is; for an individual the contact is the one member. Staff change or
// remove them like any other reminder. ids are the two reminders' ids.
func DefaultOnlineReminders(id24, id1 string) []Reminder {
	registered := []Status{StatusRegistered}
	return []Reminder{
		{ID: id24, HoursBefore: 24, Audience: registered, To: ToMembers, Subject: "Your link to join tomorrow",
			Text: "We look forward to seeing you online tomorrow. Your personal link to join is below this message: it opens shortly before the start.\n\nPlease try your audio and video before you join."},
		{ID: id1, HoursBefore: 1, Audience: slices.Clone(registered), To: ToMembers, Subject: "Starting in an hour, your link to join",
			Text: "We start in one hour. Join with your personal link below this message; it opens shortly before the start."},
	}
}

// DueAt is when the reminder goes out for the event.
func (r Reminder) DueAt(e Event) time.Time {
	return e.StartsAt.Add(-time.Duration(r.HoursBefore) * time.Hour)
}

// Due reports whether the reminder is to go out at now: its time has
// come, the event has not started, and it was set before its time.
func (r Reminder) Due(e Event, now time.Time) bool {
	at := r.DueAt(e)
	return !now.Before(at) && now.Before(e.StartsAt) && !r.Missed(e)
}

// Missed reports whether the reminder was added after its time, so it is
// never sent.
func (r Reminder) Missed(e Event) bool {
	return !r.CreatedAt.IsZero() && r.CreatedAt.After(r.DueAt(e))
}

// Draft is the reminder as an announcement's draft.
func (r Reminder) Draft() AnnouncementDraft {
	return AnnouncementDraft{Audience: slices.Clone(r.Audience), To: r.To, Subject: r.Subject, Text: r.Text}
}

// ReminderAnnouncementID is the id of the announcement a reminder is sent
// as: one per reminder, so it is sent once however often the sweep runs
// or whatever staff change in it afterwards.
func ReminderAnnouncementID(reminderID string) string { return "reminder-" + reminderID }

// Before says how long before the event a reminder goes out, in words:
// "7 days", "1 day and 2 hours", "3 hours".
func (r Reminder) Before() string {
	d, h := r.HoursBefore/24, r.HoursBefore%24
	switch {
	case d == 0:
		return Plural(h, "hour", "hours")
	case h == 0:
		return Plural(d, "day", "days")
	}
	return Plural(d, "day", "days") + " and " + Plural(h, "hour", "hours")
}

// normalizeReminders trims what staff typed and gives each reminder its
// lists in order (registered teams when none is named) and its recipients
// (contacts when not named).
func normalizeReminders(rs []Reminder) []Reminder {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Reminder, len(rs))
	for i, r := range rs {
		r.ID, r.Subject = strings.TrimSpace(r.ID), strings.TrimSpace(r.Subject)
		r.Text = strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(r.Text))
		if len(r.Audience) == 0 {
			r.Audience = []Status{StatusRegistered}
		}
		if r.To == "" {
			r.To = ToContacts
		}
		out[i] = r
	}
	return out
}

// keepReminderTimes keeps the time each reminder was added, as stored
// (never as a change says), and dates the new ones at now.
func keepReminderTimes(old, next []Reminder, now time.Time) []Reminder {
	if len(next) == 0 {
		return nil
	}
	for i, r := range next {
		if j := slices.IndexFunc(old, func(o Reminder) bool { return o.ID == r.ID && r.ID != "" }); j >= 0 {
			next[i].CreatedAt = old[j].CreatedAt
		} else {
			next[i].CreatedAt = now
		}
	}
	return next
}

// validateReminders checks an event's reminders (Event.Validate).
func (e Event) validateReminders(v *validation) {
	if len(e.Reminders) > MaxReminders {
		v.add("reminders", RuleMaxItems, "max", MaxReminders)
		return
	}
	ids := map[string]int{}
	for i, r := range e.Reminders {
		p := fieldIndex("reminders", i)
		switch j, dup := ids[r.ID]; {
		case !ValidEventID(r.ID):
			v.add(p+".id", RuleSlug, "max", maxIDLen)
		case dup:
			v.add(p+".id", RuleDuplicateOf, "of", fieldIndex("reminders", j)+".id")
		default:
			ids[r.ID] = i
		}
		if r.HoursBefore < 1 || r.HoursBefore > MaxReminderHours {
			v.add(p+".hoursBefore", RuleRange, "min", 1, "max", MaxReminderHours)
		}
		validateAudience(v, p+".audience", r.Audience, r.To, p+".to")
		checkLines(v, p+".subject", r.Subject, maxAnnouncementSubject, true, false)
		checkLines(v, p+".text", r.Text, MaxAnnouncementText, true, true)
	}
}

// remindersSummary is the reminders as the audit log records a change of
// them.
func remindersSummary(rs []Reminder) string {
	if len(rs) == 0 {
		return "none"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Before() + " before: " + r.Subject + " (to " + string(r.To) + " of " + strings.Join(listValues(r.Audience), ", ") + ")"
	}
	return strings.Join(parts, "; ")
}
