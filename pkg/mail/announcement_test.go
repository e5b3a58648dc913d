package mail

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// announcementKinds are the kinds of staff's announcements and reminders.
var announcementKinds = []convening.NoticeKind{convening.NoticeAnnouncement, convening.NoticeReminder, convening.NoticeAnnouncementTest}

// announcementSample is a notice of an announcement kind as the stores
// fill it: to the registration's contact, or (member) to its second
// member; a test to a staff member, shown as the contact gets it.
func announcementSample(kind convening.NoticeKind, member bool) convening.Notice {
	n := testNotice(kind)
	n.Event.ID, n.Event.Title = "summer-institute-2027", "2027 Summer Institute"
	n.Event.StartsAt, n.Event.EndsAt = time.Date(2027, 6, 24, 16, 0, 0, 0, time.UTC), time.Date(2027, 6, 25, 23, 0, 0, 0, time.UTC)
	n.CreatedAt = n.Event.StartsAt.Add(-7*24*time.Hour + 3*time.Minute)
	for i := range n.Members {
		n.Members[i].ID = "01JMEM" + string(rune('A'+i))
	}
	n.Announcement = &convening.AnnouncementContent{ID: "01JANN", Subject: "The hotel block closes Friday",
		Text:     "Please book your rooms by Friday, June 11.\nThe group code is LMI2027.\n\nParking is in lot B.",
		Audience: []convening.Status{convening.StatusRegistered}}
	switch kind {
	case convening.NoticeReminder:
		n.Announcement.Reminder, n.Announcement.HoursBefore, n.Announcement.Subject = true, 7*24, "One week to go"
	case convening.NoticeAnnouncementTest:
		n.SubjectID, n.SubjectKind = "01JTEST", convening.SubjectAnnouncement
		n.Announcement.Test, n.Announcement.Greeting = true, "Maria Lopez"
		n.To = convening.Contact{Name: "Staff", Email: "staff@lmi.example.org"}
	}
	if member {
		m := n.Members[1]
		n.MemberID, n.To, n.Announcement.Member = m.ID, convening.Contact{Name: m.Name, Email: m.Email}, true
	}
	return n
}

func TestRenderAnnouncements(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	manage := "https://convenings.example.org/manage/01J9ZREG?token=" + links.Tokens.Token("01J9ZREG")
	event := "https://convenings.example.org/events/summer-institute-2027"
	staffText := []string{"Please book your rooms by Friday, June 11.", "The group code is LMI2027.", "Parking is in lot B."}
	tests := []struct {
		name    string
		n       convening.Notice
		subject string
		link    string
		facts   []string
		absent  []string
	}{
		{"to a contact", announcementSample(convening.NoticeAnnouncement, false), "The hotel block closes Friday: 2027 Summer Institute", manage,
			append([]string{"Hello Maria Lopez,", "CA LMI staff wrote to the teams registered for", "yours from", "Fresno Unified School District",
				"keep this link within your team"}, staffText...), []string{"ana@", "ben@", "[TEST]"}},
		{"to a member", announcementSample(convening.NoticeAnnouncement, true), "The hotel block closes Friday: 2027 Summer Institute", event,
			append([]string{"Hello Ben Ortiz,", "the members of the teams registered for", "You get this email as a member of your team", "convenings@example.org"}, staffText...),
			[]string{"token=", "ana@", "cho@", "maria@", "private link"}},
		{"a reminder", announcementSample(convening.NoticeReminder, false), "One week to go: 2027 Summer Institute", manage,
			append([]string{"A reminder:", "7 days", "Thursday, June 24, 2027, 9:00 AM"}, staffText...), nil},
		{"a test", announcementSample(convening.NoticeAnnouncementTest, false), "[Test] The hotel block closes Friday: 2027 Summer Institute", event,
			append([]string{"Hello Maria Lopez,", "This is a test of an announcement, sent only to you.", "as the contact of Fresno Unified School District will get it",
				"Where the real one carries the team's private link"}, staffText...), []string{"token="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(tt.n, links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject %q, want %q", m.Subject, tt.subject)
			}
			for _, want := range append(tt.facts, tt.link, "2027 Summer Institute") {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
				if !strings.Contains(m.HTML, want) && !strings.Contains(m.HTML, html.EscapeString(want)) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
			for _, not := range tt.absent {
				if strings.Contains(m.Text, not) || strings.Contains(m.HTML, not) {
					t.Errorf("email shows %q", not)
				}
			}
			if len(m.Attachments) != 0 {
				t.Errorf("%d attachments", len(m.Attachments))
			}
		})
	}
	// A notice without an address (a member who left) is not rendered.
	gone := announcementSample(convening.NoticeAnnouncement, true)
	gone.To = convening.Contact{}
	if _, err := Render(gone, links); err == nil {
		t.Error("rendered an announcement to nobody")
	}
}

// FuzzRenderAnnouncement: whatever staff write in an announcement's subject
// and text, and whatever a recipient's name holds, the email renders, its
// subject is one line, and the HTML holds no markup from them.
func FuzzRenderAnnouncement(f *testing.F) {
	f.Add("The hotel block closes Friday", "Book by Friday.\n\nCode LMI2027.", "Maria Lopez", false)
	f.Add("Subject\r\nBcc: x@evil.org", "<script>alert(1)</script>\u2028\u0085", "<img src=x>", true)
	f.Add("", "", "", false)
	links := testLinks(f)
	f.Fuzz(func(t *testing.T, subject, text, name string, member bool) {
		if strings.Contains(subject+text+name, "ZZ") {
			return
		}
		for _, kind := range announcementKinds {
			n := announcementSample(kind, member && kind != convening.NoticeAnnouncementTest)
			n.Announcement.Subject, n.Announcement.Text = "ZZQ"+subject+"QZZ", "ZZQ"+text+"QZZ"
			n.To.Name = "ZZQ" + name + "QZZ"
			n.Announcement.Greeting = n.To.Name
			m, err := Render(n, links)
			if err != nil {
				t.Fatalf("%s does not render: %v", kind, err)
			}
			if strings.ContainsAny(m.Subject, "\r\n\u0085\u2028\u2029") {
				t.Fatalf("subject is not one line: %q", m.Subject)
			}
			for rest := m.HTML; ; {
				_, after, ok := strings.Cut(rest, "ZZQ")
				if !ok {
					break
				}
				inside, next, _ := strings.Cut(after, "QZZ")
				// Staff's text comes as paragraphs of lines: only those tags.
				inside = strings.NewReplacer("</p>\n<p>", "", "<br>", "").Replace(inside)
				if strings.ContainsAny(inside, "<>") {
					t.Fatalf("raw markup from a value in the HTML: %q", inside)
				}
				rest = next
			}
		}
	})
}
