// Package calendar writes iCalendar (RFC 5545) files for a team's
// registration: the invitation that puts an event in the team's calendars,
// the cancellation that takes it out again (iTIP, RFC 5546), and the plain
// copy a team downloads from its manage page.
//
// Times are written in UTC (with a Z), which every calendar converts to its
// own zone, so no VTIMEZONE is needed and Pacific daylight saving cannot be
// got wrong. Every registration has one UID, so an update or cancellation
// replaces the entry it concerns instead of adding another.
package calendar

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/calmi/convenings/pkg/convening"
)

// Method is the iTIP method of a calendar file.
type Method string

const (
	// Publish is a plain copy of the event, e.g. a download.
	Publish Method = "PUBLISH"
	// Request invites the attendee: the event goes into the calendar.
	Request Method = "REQUEST"
	// Cancel withdraws an earlier Request with the same UID.
	Cancel Method = "CANCEL"
)

// ContentType returns the MIME type of a file with this method.
func (m Method) ContentType() string {
	return "text/calendar; charset=utf-8; method=" + string(m)
}

// Person is an organizer or attendee.
type Person struct {
	Name  string
	Email string
}

// Invite is one event in a team's calendar.
type Invite struct {
	Method Method
	// UID identifies the entry across files; use RegistrationUID.
	UID string
	// Sequence orders revisions of one UID: a Cancel needs a higher one
	// than the Request it withdraws.
	Sequence    int
	Stamp       time.Time // when the file was made (DTSTAMP)
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Organizer   Person
	Attendee    Person
}

// RegistrationUID returns the UID of a registration's calendar entry.
func RegistrationUID(registrationID string) string {
	return "registration-" + registrationID + "@convenings.calmi.org"
}

const utcStamp = "20060102T150405Z"

// ICS returns the calendar file: CRLF line ends, long lines folded, text
// escaped.
func (inv Invite) ICS() []byte {
	method := inv.Method
	if method == "" {
		method = Publish
	}
	var w writer
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//CA LMI//Convenings registration//EN")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", string(method))
	w.line("BEGIN", "VEVENT")
	w.line("UID", text(inv.UID))
	w.line("SEQUENCE", strconv.Itoa(inv.Sequence))
	w.line("DTSTAMP", inv.Stamp.UTC().Format(utcStamp))
	w.line("DTSTART", inv.Start.UTC().Format(utcStamp))
	w.line("DTEND", inv.End.UTC().Format(utcStamp))
	w.line("SUMMARY", text(inv.Summary))
	if inv.Description != "" {
		w.line("DESCRIPTION", text(inv.Description))
	}
	if inv.Location != "" {
		w.line("LOCATION", text(inv.Location))
	}
	if inv.URL != "" {
		w.line("URL", inv.URL)
	}
	if inv.Organizer.Email != "" {
		w.line("ORGANIZER"+cn(inv.Organizer.Name), "mailto:"+inv.Organizer.Email)
	}
	if inv.Attendee.Email != "" {
		w.line("ATTENDEE"+cn(inv.Attendee.Name)+";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE", "mailto:"+inv.Attendee.Email)
	}
	if method == Cancel {
		w.line("STATUS", "CANCELLED")
	} else {
		w.line("STATUS", "CONFIRMED")
	}
	w.line("TRANSP", "OPAQUE")
	w.line("END", "VEVENT")
	w.line("END", "VCALENDAR")
	return w.Bytes()
}

type writer struct{ bytes.Buffer }

// line writes one content line, folded at 75 octets without splitting a
// UTF-8 character.
func (w *writer) line(name, value string) {
	s := name + ":" + value
	n := 0
	for len(s) > 0 {
		limit := 75
		if n > 0 {
			limit = 74 // the continuation line starts with a space
			w.WriteString("\r\n ")
		}
		cut := len(s)
		if cut > limit {
			cut = limit
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		w.WriteString(s[:cut])
		s = s[cut:]
		n++
	}
	w.WriteString("\r\n")
}

// text escapes a TEXT value.
func text(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\r' || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

// cn returns the common-name parameter for a person, quoted; characters a
// quoted parameter cannot hold are dropped, and so is the backslash, which
// a quoted parameter may hold but some readers take as an escape (found by
// FuzzInvite: golang-ical could not read the file).
func cn(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "" {
		return ""
	}
	return `;CN="` + name + `"`
}

// sequenceEpoch is where revision numbers start counting.
var sequenceEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// SequenceAt is the revision number of a file of a registration's entry
// made at stamp: the seconds since 2026, so that every later file of the
// same UID (a member's own invitation, a later update, the cancellation)
// has a higher one, whoever it goes to. A cancellation counts one more, so
// that it outranks an invitation made in the same second.
func SequenceAt(stamp time.Time, m Method) int {
	n := max(int(stamp.Sub(sequenceEpoch)/time.Second), 0)
	if m == Cancel {
		n++
	}
	return n
}

// ForRegistration returns the calendar entry of a team's registration for
// an event: its UID is the registration's; eventURL is the event's public
// page. The team's private manage link is deliberately left out: calendar
// entries are shared and synced far more widely than an email. Set
// Organizer and Attendee for an invitation.
func ForRegistration(m Method, registrationID string, e convening.EventSummary, eventURL string, stamp time.Time) Invite {
	inv := Invite{
		Method: m, UID: RegistrationUID(registrationID), Stamp: stamp,
		Start: e.StartsAt, End: e.EndsAt, Summary: e.Title, Location: e.Venue, URL: eventURL,
		Description: "CA LMI: your team's registration for " + e.Title + ".",
	}
	if m == Cancel {
		inv.Sequence = 1
		inv.Description = "CA LMI: your team's registration for " + e.Title + " is cancelled."
	}
	if e.Online || inv.Location == "" {
		inv.Location = "Online"
	}
	if eventURL != "" {
		inv.Description += "\nThe event: " + eventURL
	}
	inv.Description += "\nTo see or cancel the registration, use your team's private link from the confirmation email."
	return inv
}
