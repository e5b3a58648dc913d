package mail

import (
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/calmi/convenings/pkg/convening"
)

func TestRenderCalendarInvitations(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	uids := map[string]bool{}
	for _, tt := range []struct {
		kind     convening.NoticeKind
		method   string
		file     string
		sentence string
	}{
		{convening.NoticeRegistered, "REQUEST", "invitation.ics", "puts the event in your calendar"},
		{convening.NoticePromoted, "REQUEST", "invitation.ics", "puts the event in your calendar"},
		{convening.NoticeCancelled, "CANCEL", "cancellation.ics", "takes the event out of your calendar"},
		{convening.NoticeWaitlisted, "", "", ""},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Render(testNotice(tt.kind), links)
			if err != nil {
				t.Fatal(err)
			}
			if tt.method == "" {
				if len(m.Attachments) != 0 || strings.Contains(m.Text, ".ics") {
					t.Fatalf("a waiting-list email carries a calendar file: %v", m.Attachments)
				}
				return
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("%d attachments", len(m.Attachments))
			}
			a := m.Attachments[0]
			if a.Filename != tt.file || a.ContentType != "text/calendar; charset=utf-8; method="+tt.method {
				t.Errorf("attachment %s %s", a.Filename, a.ContentType)
			}
			if !strings.Contains(m.Text, tt.sentence) || !strings.Contains(m.HTML, tt.sentence) {
				t.Errorf("the email does not explain the attachment")
			}
			cal, err := ics.ParseCalendar(strings.NewReader(string(a.Data)))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(a.Data), "\r\nMETHOD:"+tt.method+"\r\n") {
				t.Errorf("method is not %s:\n%s", tt.method, a.Data)
			}
			e := cal.Events()[0]
			uids[e.Id()] = true
			start, _ := e.GetStartAt()
			if !start.Equal(testNotice(tt.kind).Event.StartsAt) {
				t.Errorf("start %v", start)
			}
			if org := e.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:convenings@example.org" {
				t.Errorf("organizer %v", org)
			}
			if at := e.Attendees(); len(at) != 1 || at[0].Email() != "maria@fresnounified.org" {
				t.Errorf("attendee %v", at)
			}
			if url := e.GetProperty(ics.ComponentPropertyUrl); url == nil || url.Value != "https://convenings.example.org/events/summer-institute-2019" {
				t.Errorf("url %v", url)
			}
			if strings.Contains(string(a.Data), "token") || strings.Contains(string(a.Data), "/manage/") {
				t.Errorf("the calendar file holds the private manage link:\n%s", a.Data)
			}
		})
	}
	if len(uids) != 1 {
		t.Errorf("UIDs differ between the invitation and its cancellation: %v", uids)
	}
	if m, _ := Render(testNotice(convening.NoticeRegistered), testLinks(t)); len(m.Attachments) != 0 {
		t.Error("an invitation without an organizer")
	}
}
