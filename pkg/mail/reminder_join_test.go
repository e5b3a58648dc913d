package mail

import (
	"context"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

// onlineReminder is the 1-hour reminder of an online event as the stores
// fill its notice: to the registration's contact, or (memberID) to one
// member.
func onlineReminder(memberID string) convening.Notice {
	n := announcementSample(convening.NoticeReminder, false)
	n.Event.Online, n.Event.Venue, n.Status = true, "", convening.StatusRegistered
	n.Announcement.HoursBefore, n.Announcement.Subject = 1, "Starting in an hour, your link to join"
	n.Announcement.Text = "We start in one hour. Join with your personal link below this message; it opens shortly before the start."
	if memberID != "" {
		for _, m := range n.Members {
			if m.ID == memberID {
				n.MemberID, n.To, n.Announcement.Member = m.ID, convening.Contact{Name: m.Name, Email: m.Email}, true
			}
		}
	}
	return n
}

// individualReminder is the same reminder to an individual: the contact is
// the registration's one member.
func individualReminder(asMember bool) convening.Notice {
	n := personNotice(convening.NoticeReminder)
	n.Announcement = &convening.AnnouncementContent{ID: "01JANN", Subject: "Your link to join tomorrow", Reminder: true, HoursBefore: 24,
		Text: "We look forward to seeing you online tomorrow.", Audience: []convening.Status{convening.StatusRegistered}}
	if asMember {
		n.MemberID = n.Members[0].ID
	}
	return n
}

// TestReminderJoinLinks: an online event's reminder carries the
// recipient's own join link and no one else's: a member theirs, a contact
// who is a member theirs, an individual theirs (with their manage link,
// however reached); a contact who is no member the manage link only. No
// link without a seat, for an in-person event, on an announcement or a
// test.
func TestReminderJoinLinks(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	join := func(reg, member string) string {
		u, err := links.JoinURL(reg, member)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	manage := func(reg string) string { u, _ := links.ManageURL(reg); return u }
	team := "01J9ZREG"
	contactIsBen := onlineReminder("")
	contactIsBen.To = convening.Contact{Name: "Ben Ortiz", Email: "Ben@FTA.org"}
	waiting := onlineReminder("01JMEMB")
	waiting.Status = convening.StatusWaitlisted
	inPerson := onlineReminder("01JMEMB")
	inPerson.Event.Online = false
	announcement := onlineReminder("01JMEMB")
	announcement.Kind, announcement.Announcement.Reminder = convening.NoticeAnnouncement, false
	test := announcementSample(convening.NoticeAnnouncementTest, false)
	test.Event.Online, test.Announcement.Reminder, test.Status = true, true, convening.StatusRegistered
	for _, tc := range []struct {
		name   string
		n      convening.Notice
		want   []string // links (and words) it carries
		absent []string
	}{
		{"to a member", onlineReminder("01JMEMB"), []string{join(team, "01JMEMB"), "Your personal link to join", "1 hour"},
			[]string{"/join/" + team + "/01JMEMA", "/join/" + team + "/01JMEMC", "/join/" + team + "/01JMEMD", "/manage/"}},
		{"to a contact who is no member", onlineReminder(""), []string{manage(team), "Each member has a personal link to join the meeting, on your team's private page"},
			[]string{"/join/"}},
		{"to a contact who is a member", contactIsBen, []string{join(team, "01JMEMB"), manage(team)},
			[]string{"/join/" + team + "/01JMEMA", "/join/" + team + "/01JMEMC", "Each member has"}},
		{"to an individual", individualReminder(false), []string{join(team, "01JMEMA"), manage(team), "To see your registration or to cancel it", "1 day"},
			[]string{"your team", "Each member has"}},
		{"to an individual as a member", individualReminder(true), []string{join(team, "01JMEMA"), manage(team), "To see your registration or to cancel it"},
			[]string{"your team", "Each member has"}},
		{"no seat", waiting, nil, []string{"/join/", "Each member has"}},
		{"in person", inPerson, nil, []string{"/join/", "Each member has"}},
		{"an announcement", announcement, nil, []string{"/join/"}},
		{"a test", test, nil, []string{"/join/", "token="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Render(tc.n, links)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
				if !strings.Contains(m.HTML, w) && !strings.Contains(m.HTML, html.EscapeString(w)) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(m.Text, w) || strings.Contains(m.HTML, html.EscapeString(w)) {
					t.Errorf("email shows %q:\n%s", w, m.Text)
				}
			}
			if strings.Count(m.Text, "/join/") > 1 {
				t.Errorf("more than one join link:\n%s", m.Text)
			}
			if dir := os.Getenv("LMI_MAIL_SAMPLES"); dir != "" {
				name := "reminder_join_" + strings.ReplaceAll(tc.name, " ", "_")
				_ = os.WriteFile(filepath.Join(dir, name+".txt"), []byte("Subject: "+m.Subject+"\n\n"+m.Text), 0o644)
				_ = os.WriteFile(filepath.Join(dir, name+".html"), []byte(m.HTML), 0o644)
			}
		})
	}
}

// TestOnlineRemindersAsSent: the default reminders of an online event, as
// the store writes their notices, render one email per person, each with
// that person's own join link (which the join service accepts for them),
// and the team's contact who is no member gets none.
func TestOnlineRemindersAsSent(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	tokens := storetest.Tokens(t)
	svc := storetest.NewServices(store, tokens, nil)
	links := Links{BaseURL: "https://convenings.example.org/", Tokens: tokens, Organizer: "CA LMI <convenings@example.org>"}
	ev := storetest.Event("webinar", 50, convening.PolicyFill)
	ev.Kind, ev.Online, ev.Venue, ev.Registrants = convening.KindWebinar, true, "", convening.RegistrantsBoth
	ev, err := svc.CreateEvent(ctx, convening.Actor{Kind: convening.ActorStaff, ID: "staff-1", Name: "Staff"}, ev)
	if err != nil {
		t.Fatal(err)
	}
	team, _, _, err := svc.Register(ctx, "webinar", storetest.Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	person, _, _, err := svc.RegisterPerson(ctx, "webinar", storetest.PersonN(7, -1), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Clock = func() time.Time { return ev.StartsAt.Add(-time.Hour + time.Minute) }
	if n, err := svc.SendDueReminders(ctx); err != nil || n != 8 { // both reminders are due (the day's not yet sent): 4 people each
		t.Fatalf("sent %d: %v", n, err)
	}
	for _, r := range ev.Reminders {
		seen := map[string]bool{}
		for _, n := range storetest.AnnouncementNotices(t, store, convening.ReminderAnnouncementID(r.ID)) {
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			if seen[n.To.Email] {
				t.Fatalf("%s got reminder %s twice", n.To.Email, r.ID)
			}
			seen[n.To.Email] = true
			own, err := links.JoinURL(n.SubjectID, n.MemberID)
			if n.MemberID == "" || err != nil || strings.Count(m.Text, "/join/") != 1 || !strings.Contains(m.Text, own) {
				t.Fatalf("reminder to %s (%s/%s):\n%s", n.To.Email, n.SubjectID, n.MemberID, m.Text)
			}
			u, _ := url.Parse(own)
			j, err := svc.Join(ctx, n.SubjectID, n.MemberID, u.Query().Get("token"))
			if err != nil || j.State != convening.JoinEarly || j.MemberName != n.To.Name { // the link opens 15 minutes before

				t.Fatalf("the emailed link: %v %+v", err, j)
			}
			if n.SubjectID == person.ID && !strings.Contains(m.Text, "To see your registration or to cancel it") {
				t.Fatalf("the individual's reminder:\n%s", m.Text)
			}
		}
		want := map[string]bool{person.Members[0].Email: true}
		for _, mb := range team.Members {
			want[mb.Email] = true
		}
		if len(seen) != len(want) || seen[team.Contact.Email] {
			t.Fatalf("reminder %s reached %v, want %v", r.ID, seen, want)
		}
	}
}
