package calendar_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/calmi/convenings/pkg/calendar"
	"github.com/calmi/convenings/pkg/convening"
)

// FuzzInvite: whatever staff type as a title or venue and whatever a team
// gives as its contact's name, the calendar file folds every line within
// 75 octets, ends lines with CRLF only, and reads back to the same text.
func FuzzInvite(f *testing.F) {
	f.Add("CA LMI Summer Institute 2027, day one; \\ two", "DoubleTree, San Diego: ñandú", `María "M" López`, "01JREG")
	f.Add("a\r\nb\rc\nd", strings.Repeat("é", 80), "\x00\x7f", "id;with,commas")
	f.Add(strings.Repeat("🎉", 30), "", "", "")
	f.Fuzz(func(t *testing.T, title, venue, attendee, regID string) {
		for _, s := range []string{title, venue, attendee, regID} {
			if !utf8.ValidString(s) {
				return // the domain admits only valid UTF-8
			}
		}
		e := convening.EventSummary{ID: "ev", Title: title, Venue: venue,
			StartsAt: time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 6, 23, 22, 30, 0, 0, time.UTC)}
		inv := calendar.ForRegistration(calendar.Request, regID, e, "https://convenings.example.org/events/ev", e.StartsAt)
		inv.Attendee = calendar.Person{Name: attendee, Email: "ana@example.org"}
		b := inv.ICS()
		if strings.Contains(strings.ReplaceAll(string(b), "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(string(b), "\r\n", ""), "\r") || !strings.HasSuffix(string(b), "\r\n") {
			t.Fatalf("a line end that is not CRLF:\n%q", b)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
			if len(line) > 75 {
				t.Fatalf("line of %d octets: %q", len(line), line)
			}
			if !utf8.ValidString(line) {
				t.Fatalf("folding split a character: %q", line)
			}
		}
		cal, err := ics.ParseCalendar(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, b)
		}
		ev := cal.Events()[0]
		want := strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\n' && r != '\r' || r == 0x7f {
				return ' '
			}
			return r
		}, title)
		want = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(want)
		// golang-ical undoes the TEXT escaping (RFC 5545 3.3.11) itself.
		if got := ev.GetProperty(ics.ComponentPropertySummary).Value; got != want {
			t.Fatalf("summary %q reads back as %q", want, got)
		}
	})
}
