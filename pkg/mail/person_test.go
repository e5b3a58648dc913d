package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// personNotice is an individual's notice for an online webinar.
func personNotice(kind convening.NoticeKind) convening.Notice {
	n := testNotice(kind)
	n.Individual = true
	n.To = convening.Contact{Name: "Ana Ruiz", Email: "ana.ruiz@alisal.org"}
	n.Organization = convening.Organization{Name: "Alisal Union School District", Type: convening.OrgDistrict, County: "Monterey"}
	n.Members = []convening.Member{{ID: "01JMEMA", Name: "Ana Ruiz", Email: "ana.ruiz@alisal.org", Role: convening.RolePrincipal}}
	n.Seats, n.Status = 1, convening.StatusRegistered
	n.Event = convening.EventSummary{ID: "webinar-ibb-2027", Title: "Webinar: Interest-Based Bargaining in Practice", Kind: convening.KindWebinar,
		StartsAt: time.Date(2027, 1, 20, 23, 30, 0, 0, time.UTC), EndsAt: time.Date(2027, 1, 21, 0, 30, 0, 0, time.UTC), Online: true}
	switch kind {
	case convening.NoticeWaitlisted:
		n.Status, n.WaitlistPosition = convening.StatusWaitlisted, 3
	case convening.NoticeCancelled:
		n.Status = convening.StatusCancelled
	case convening.NoticeOffered, convening.NoticeOfferReminder, convening.NoticeOfferExpired:
		by := time.Date(2027, 1, 18, 1, 0, 0, 0, time.UTC)
		n.RespondBy, n.Status = &by, convening.StatusOffered
	}
	return n
}

// TestPersonEmails: an individual's emails speak to them, carry their
// manage link and, confirming a seat at an online event, their own join
// link; a cancellation carries none.
func TestPersonEmails(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	join := "https://convenings.example.org/join/01J9ZREG/01JMEMA?token=" + links.Tokens.Token(convening.JoinTokenSubject("01J9ZREG", "01JMEMA"))
	for _, tt := range []struct {
		kind  convening.NoticeKind
		words []string
		join  bool
	}{
		{convening.NoticeRegistered, []string{"You are registered for Webinar: Interest-Based Bargaining in Practice", "You:   Ana Ruiz, Principal"}, true},
		{convening.NoticePromoted, []string{"You moved from the waiting list"}, true},
		{convening.NoticeWaitlisted, []string{"you are on the waiting list. You are number 3"}, false},
		{convening.NoticeCancelled, []string{"Your link to join no longer works", "https://convenings.example.org/events/webinar-ibb-2027"}, false},
		{convening.NoticeOffered, []string{"We are holding it for you until"}, false},
		{convening.NoticeOfferReminder, []string{"a seat at Webinar: Interest-Based Bargaining in Practice is held for you"}, false},
		{convening.NoticeOfferExpired, []string{"you are no longer on it"}, false},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Render(personNotice(tt.kind), links)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.words {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
			}
			if strings.Contains(m.Text, "your team") || strings.Contains(m.HTML, "your team") {
				t.Errorf("an individual's email speaks of a team:\n%s", m.Text)
			}
			if got := strings.Contains(m.Text, join); got != tt.join {
				t.Errorf("join link in the text: %v, want %v", got, tt.join)
			}
			if got := strings.Contains(m.HTML, strings.ReplaceAll(join, "&", "&amp;")); got != tt.join {
				t.Errorf("join link in the HTML: %v, want %v", got, tt.join)
			}
		})
	}
}

// TestTeamContactJoinLink: a team's contact who is a member gets their own
// join link, and no other member's.
func TestTeamContactJoinLink(t *testing.T) {
	links := testLinks(t)
	n := testNotice(convening.NoticeRegistered)
	n.Status, n.Event.Online = convening.StatusRegistered, true
	for i := range n.Members {
		n.Members[i].ID = "M" + string(rune('A'+i))
	}
	n.To = convening.Contact{Name: "Ben Ortiz", Email: "BEN@fta.org"}
	m, err := Render(n, links)
	if err != nil {
		t.Fatal(err)
	}
	own := "/join/01J9ZREG/MB?token=" + links.Tokens.Token(convening.JoinTokenSubject("01J9ZREG", "MB"))
	if !strings.Contains(m.Text, own) || strings.Contains(m.Text, "/join/01J9ZREG/MA") {
		t.Fatalf("the contact's join links:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "Each member has a personal link to join the meeting") {
		t.Fatalf("the text does not say where the members' links are:\n%s", m.Text)
	}
	n.To.Email = "someone.else@fresnounified.org"
	if m, _ = Render(n, links); strings.Contains(m.Text, "/join/") {
		t.Fatalf("a contact who is no member got a join link:\n%s", m.Text)
	}
}

// TestWritePersonSamples writes an individual's emails next to the other
// samples (LMI_MAIL_SAMPLES), to read.
func TestWritePersonSamples(t *testing.T) {
	dir := os.Getenv("LMI_MAIL_SAMPLES")
	if dir == "" {
		t.Skip("LMI_MAIL_SAMPLES names no folder")
	}
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	for kind := range personTemplates {
		m, err := Render(personNotice(kind), links)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "person_"+string(kind)+".txt"), []byte("Subject: "+m.Subject+"\n\n"+m.Text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "person_"+string(kind)+".html"), []byte(m.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRegistrantJoinURL: a registrant's join link is found by their
// address (any case), only for a seat at an online event, and never for
// someone who is not a member.
func TestRegistrantJoinURL(t *testing.T) {
	links := testLinks(t)
	online := convening.Event{ID: "webinar", Online: true}
	reg := convening.Registration{ID: "01JREG", EventID: "webinar", Status: convening.StatusRegistered,
		Team: convening.Team{Contact: convening.Contact{Email: "lead@district.org"}, Members: []convening.Member{
			{ID: "01JA", Email: "ana@district.org"}, {ID: "01JB", Email: "ben@district.org"}, {ID: "01JC"}}}}
	want, err := links.JoinURL("01JREG", "01JB")
	if err != nil {
		t.Fatal(err)
	}
	waiting := reg
	waiting.Status = convening.StatusWaitlisted
	for _, tc := range []struct {
		name  string
		e     convening.Event
		r     convening.Registration
		email string
		want  string
	}{
		{"a member, any case", online, reg, "  Ben@District.org ", want},
		{"a contact who is not a member", online, reg, "lead@district.org", ""},
		{"an erased address", online, reg, "", ""},
		{"in person", convening.Event{ID: "webinar"}, reg, "ben@district.org", ""},
		{"no seat yet", online, waiting, "ben@district.org", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, ok, err := links.RegistrantJoinURL(tc.e, tc.r, tc.email)
			if err != nil || u != tc.want || ok != (tc.want != "") {
				t.Fatalf("got %q %v %v, want %q", u, ok, err, tc.want)
			}
		})
	}
}
