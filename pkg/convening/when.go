package convening

import (
	"time"
	_ "time/tzdata" // the zone database, for Lambda's minimal image
)

// Pacific is the zone the events are held in. Pages and emails show every
// time in it, whatever the zone of the machine that renders them.
var Pacific = func() *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil { // cannot happen with time/tzdata linked in
		panic(err)
	}
	return loc
}()

// When shows an event's dates and times in Pacific time, e.g. "Tuesday,
// June 25, 2019, 9:00 AM to 4:00 PM (Pacific time)".
func When(start, end time.Time) string {
	if start.IsZero() {
		return "To be announced"
	}
	const day, clock = "Monday, January 2, 2006", "3:04 PM"
	s := start.In(Pacific)
	out := s.Format(day + ", " + clock)
	if end.After(start) {
		e := end.In(Pacific)
		if e.Format(day) == s.Format(day) {
			out += " to " + e.Format(clock)
		} else {
			out += " to " + e.Format(day+", "+clock)
		}
	}
	return out + " (Pacific time)"
}
