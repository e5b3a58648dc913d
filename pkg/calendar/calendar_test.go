package calendar_test

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/calmi/convenings/pkg/calendar"
	"github.com/calmi/convenings/pkg/convening"
)

var event = convening.EventSummary{
	ID: "summer-institute-2027", Title: "CA LMI Summer Institute 2027, day one; \\ two", Kind: convening.KindInstitute,
	// 8:00 AM to 3:30 PM Pacific daylight time.
	StartsAt: time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC),
	EndsAt:   time.Date(2027, 6, 23, 22, 30, 0, 0, time.UTC),
	Venue:    "DoubleTree by Hilton Hotel San Diego-Mission Valley, 7450 Hazard Center Dr., San Diego, a long venue line to fold over seventy-five octets: ñandú",
}

func parse(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	return cal
}

func TestRequestAndCancelShareTheUID(t *testing.T) {
	stamp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	req := calendar.ForRegistration(calendar.Request, "01JREG", event, "https://example.org/manage/01JREG?token=abc", stamp)
	req.Organizer = calendar.Person{Name: "CA LMI", Email: "convenings@example.org"}
	req.Attendee = calendar.Person{Name: `María "M" López`, Email: "maria@fresno.example.org"}
	cancel := req
	cancel.Method, cancel.Sequence = calendar.Cancel, 1

	pacific, _ := time.LoadLocation("America/Los_Angeles")
	for _, tt := range []struct {
		inv    calendar.Invite
		method string
		status string
	}{{req, "REQUEST", "CONFIRMED"}, {cancel, "CANCEL", "CANCELLED"}} {
		cal := parse(t, tt.inv.ICS())
		if got := cal.CalendarProperties; !hasProp(got, "METHOD", tt.method) {
			t.Errorf("method: %v", got)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		e := evs[0]
		if e.Id() != "registration-01JREG@convenings.calmi.org" {
			t.Errorf("UID %q", e.Id())
		}
		start, err := e.GetStartAt()
		if err != nil || !start.Equal(event.StartsAt) || start.In(pacific).Format("3:04 PM MST") != "8:00 AM PDT" {
			t.Errorf("start %v %v", start, err)
		}
		end, _ := e.GetEndAt()
		if !end.Equal(event.EndsAt) {
			t.Errorf("end %v", end)
		}
		if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != event.Title {
			t.Errorf("summary %q", got)
		}
		if got := e.GetProperty(ics.ComponentPropertyStatus).Value; got != tt.status {
			t.Errorf("status %q", got)
		}
		if got := e.GetProperty(ics.ComponentPropertyOrganizer); got == nil || got.Value != "mailto:convenings@example.org" {
			t.Errorf("organizer %v", got)
		}
		att := e.Attendees()
		if len(att) != 1 || att[0].Email() != "maria@fresno.example.org" {
			t.Errorf("attendees %v", att)
		}
		if !strings.Contains(e.GetProperty(ics.ComponentPropertyLocation).Value, "ñandú") {
			t.Errorf("folded location lost text: %q", e.GetProperty(ics.ComponentPropertyLocation).Value)
		}
	}
}

func hasProp(props []ics.CalendarProperty, name, value string) bool {
	for _, p := range props {
		if p.IANAToken == name && p.Value == value {
			return true
		}
	}
	return false
}

func TestOnlineEventAndHostileText(t *testing.T) {
	e := event
	e.Online, e.Title = true, "Webinar\r\nATTENDEE:mailto:evil@example.org"
	b := calendar.ForRegistration(calendar.Publish, "01J", e, "", time.Now()).ICS()
	if strings.Contains(string(b), "\r\nATTENDEE") {
		t.Fatalf("a line break in the title added a property:\n%s", b)
	}
	cal := parse(t, b)
	if got := cal.Events()[0].GetProperty(ics.ComponentPropertyLocation).Value; got != "Online" {
		t.Errorf("location %q", got)
	}
}
