package convening

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// OnlineSettings are an online event's staff settings: the meeting's
// address, which never appears on a public page or in an API answer (it
// is kept apart from the event, in an item no public read returns, and
// reached only through each registrant's join link), when the join links
// start to work, and how much of the event a registrant must attend to
// count as having attended.
type OnlineSettings struct {
	EventID    string `json:"eventId"`
	MeetingURL string `json:"meetingUrl"`
	// JoinOpensMinutes is how long before the start the join links open.
	JoinOpensMinutes int `json:"joinOpensMinutes"`
	// AttendanceThreshold is the share of the scheduled length, in
	// percent, a registrant must attend to have attended.
	AttendanceThreshold int       `json:"attendanceThreshold"`
	UpdatedAt           time.Time `json:"updatedAt"`
}

// Defaults of the online settings.
const (
	DefaultJoinOpensMinutes    = 15
	DefaultAttendanceThreshold = 75
	maxMeetingURLLen           = 2000
)

// WithDefaults fills what staff left out.
func (o OnlineSettings) WithDefaults() OnlineSettings {
	if o.JoinOpensMinutes == 0 {
		o.JoinOpensMinutes = DefaultJoinOpensMinutes
	}
	if o.AttendanceThreshold == 0 {
		o.AttendanceThreshold = DefaultAttendanceThreshold
	}
	return o
}

// Validate checks the settings staff give. The meeting's address must be
// an https address without credentials in it. Errors: EINVALID.
func (o OnlineSettings) Validate() error {
	var v validation
	if o.MeetingURL != "" && !validMeetingURL(o.MeetingURL) {
		v.add("meetingUrl", RuleURL)
	}
	if o.JoinOpensMinutes < 0 || o.JoinOpensMinutes > 240 {
		v.add("joinOpensMinutes", RuleRange, "min", 0, "max", 240)
	}
	if o.AttendanceThreshold < 1 || o.AttendanceThreshold > 100 {
		v.add("attendanceThreshold", RuleRange, "min", 1, "max", 100)
	}
	return v.err("The online settings")
}

func validMeetingURL(s string) bool {
	if len(s) > maxMeetingURLLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.Opaque == ""
}

// MeetingHost is the meeting address's host alone ("zoom.us"), which staff
// pages may show to say which meeting is set without showing its address.
func (o OnlineSettings) MeetingHost() string {
	u, err := url.Parse(o.MeetingURL)
	if err != nil || o.MeetingURL == "" {
		return ""
	}
	return u.Hostname()
}

// ThresholdMinutes is how many minutes of the event make attendance.
func (o OnlineSettings) ThresholdMinutes(e Event) int {
	total := ScheduledMinutes(e)
	pct := o.WithDefaults().AttendanceThreshold
	return (total*pct + 99) / 100
}

// ScheduledMinutes is the event's scheduled length in minutes.
func ScheduledMinutes(e Event) int { return int(e.EndsAt.Sub(e.StartsAt) / time.Minute) }

// OnlineSettingsStore keeps online events' settings.
type OnlineSettingsStore interface {
	// OnlineSettings reads an event's settings; found is false if staff
	// set none yet.
	OnlineSettings(ctx context.Context, eventID string) (s OnlineSettings, found bool, err error)
	// PutOnlineSettings stores them with the change's audit record.
	PutOnlineSettings(ctx context.Context, s OnlineSettings, audit AuditRecord) error
}

// JoinTokenSubject is what a member's join link signs: the registration
// and the member, under a label of its own, so that a join token opens
// nothing else (not the manage page, not a statement).
func JoinTokenSubject(registrationID, memberID string) string {
	return "join:" + registrationID + ":" + memberID
}

// JoinState is where a join link stands when it is followed.
type JoinState string

const (
	JoinOpen      JoinState = "open"       // redirect to the meeting
	JoinEarly     JoinState = "early"      // the link opens at OpensAt
	JoinEnded     JoinState = "ended"      // the event is over
	JoinWaiting   JoinState = "waiting"    // waitlisted or offered: no seat yet
	JoinCancelled JoinState = "cancelled"  // cancelled or lapsed: the link no longer works
	JoinNoMeeting JoinState = "no_meeting" // staff have not set the meeting yet
	JoinInPerson  JoinState = "in_person"  // the event is not online
)

// Join is what following a join link answers: the state, the event, the
// member's name, when it opens, and (only when open) the meeting.
type Join struct {
	State      JoinState
	Event      Event
	MemberName string
	OpensAt    time.Time
	// MeetingURL is set only when State is JoinOpen.
	MeetingURL string
}

// DecideJoin answers a join link at now: it opens the meeting to a
// registered member from JoinOpensMinutes before the start to the end.
func DecideJoin(e Event, reg Registration, member Member, s OnlineSettings, found bool, now time.Time) Join {
	s = s.WithDefaults()
	j := Join{Event: e, MemberName: member.Name, OpensAt: e.StartsAt.Add(-time.Duration(s.JoinOpensMinutes) * time.Minute)}
	switch {
	case !e.Online:
		j.State = JoinInPerson
	case reg.Status == StatusCancelled || reg.Status == StatusExpired:
		j.State = JoinCancelled
	case reg.Status != StatusRegistered:
		j.State = JoinWaiting
	case !now.Before(e.EndsAt):
		j.State = JoinEnded
	case now.Before(j.OpensAt):
		j.State = JoinEarly
	case !found || s.MeetingURL == "":
		j.State = JoinNoMeeting
	default:
		j.State, j.MeetingURL = JoinOpen, s.MeetingURL
	}
	return j
}
