package mail

import (
	"context"
	"html"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/localaws"
)

// teamKinds are the kinds of a team's own changes and its members' emails.
var teamKinds = []convening.NoticeKind{
	convening.NoticeMemberRegistered, convening.NoticeMemberCancelled, convening.NoticeMemberCantAttend,
	convening.NoticeMemberCanAttend, convening.NoticeStatementMemberDeclined, convening.NoticeStatementComplete,
	convening.NoticeLinks,
}

// TestRenderTeamKinds: each member's email is theirs (their own link,
// their own calendar file with the registration's UID), the contact's
// emails about one member name them, and a links email gives each link.
func TestRenderTeamKinds(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	manage := "https://convenings.example.org/manage/01J9ZREG?token=" + links.Tokens.Token("01J9ZREG")
	statement := "https://convenings.example.org/statements/01JSTMT?token=" + links.Tokens.Token("01JSTMT")
	member := "https://convenings.example.org/registrations/01J9ZREG/members/01JMEMB?token=" +
		links.Tokens.Token(convening.AttendeeTokenSubject("01J9ZREG", "01JMEMB"))
	const title = "2027 Labor Management Symposium"
	tests := []struct {
		kind     convening.NoticeKind
		change   func(*convening.Notice)
		subject  string
		links    []string
		facts    []string
		calendar string // the calendar file's method, "" for none
	}{
		{convening.NoticeMemberRegistered, nil, "You are registered for " + title + " with Fresno Unified School District", []string{member},
			[]string{"Hello Ben Ortiz,", "Rosa Diaz registered the team", "with you on it (Certificated union president)", "Your seat is confirmed",
				"Ben Ortiz, Certificated union president (you)", "Dee Smith, School board member", "If you can't attend", "yours alone"}, "REQUEST"},
		{convening.NoticeMemberCancelled, nil, "You are no longer on the team from Fresno Unified School District for " + title, nil,
			[]string{"Hello Ben Ortiz,", "Rosa Diaz, your team's contact, took you off the team", "cancellation.ics", "please ask Rosa Diaz"}, "CANCEL"},
		{convening.NoticeMemberCancelled, func(n *convening.Notice) { n.Status = convening.StatusCancelled }, "Cancelled: " + title, nil,
			[]string{"The registration of the team from", "is cancelled, so you are no longer expected"}, "CANCEL"},
		{convening.NoticeMemberCantAttend, nil, "Cho Park can't attend " + title, []string{manage},
			[]string{"Hello Maria Lopez,", "Cho Park (Classified union president)", "told us they can't attend", "name a substitute", "release the seat"}, ""},
		{convening.NoticeMemberCanAttend, nil, "Cho Park can attend " + title + " after all", []string{manage},
			[]string{"Cho Park (Classified union president)", "told us they can attend"}, ""},
		{convening.NoticeStatementMemberDeclined, nil, "Cho Park can't attend " + title + ": your statement of interest", []string{statement},
			[]string{"Cho Park (Classified union president)", "told us they can't attend", "name someone else in their place"}, ""},
		{convening.NoticeStatementComplete, nil, "Every member has confirmed: " + title, []string{statement},
			[]string{"has confirmed that they will attend", "email you their decision"}, ""},
		{convening.NoticeLinks, nil, "Your private links for CA LMI events",
			[]string{member, statement},
			[]string{"Hello Ben Ortiz,", "Fresno Unified School District, Certificated union president: registered", "Central Valley Convening",
				"Fresno Teachers Association, Contact: statement of interest submitted", "https://convenings.example.org/links"}, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			n := sampleNotice(tt.kind)
			if tt.change != nil {
				tt.change(&n)
			}
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, want := range append(append([]string{}, tt.facts...), tt.links...) {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
				if !strings.Contains(m.HTML, want) && !strings.Contains(m.HTML, html.EscapeString(want)) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
			// The links given are the only tokens in the email: a member's
			// email never carries the manage link, nor another member's.
			own := map[string]bool{}
			for _, l := range tt.links {
				_, tok, _ := strings.Cut(l, "token=")
				own[tok] = true
			}
			for _, part := range []string{m.Text, m.HTML} {
				for _, tok := range tokenRE.FindAllStringSubmatch(part, -1) {
					if !own[tok[1]] {
						t.Errorf("email carries a private link's token it must not: %s", tok[1])
					}
				}
			}
			if tt.calendar == "" {
				if len(m.Attachments) != 0 {
					t.Errorf("%d attachments", len(m.Attachments))
				}
				return
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("%d attachments, want the member's calendar file", len(m.Attachments))
			}
			ics := string(m.Attachments[0].Data)
			for _, want := range []string{"METHOD:" + tt.calendar, "UID:registration-01J9ZREG@convenings.calmi.org",
				"ATTENDEE;CN=\"Ben Ortiz\"", "mailto:ben@fta.org"} {
				if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), want) {
					t.Errorf("calendar file lacks %q:\n%s", want, ics)
				}
			}
		})
	}
}

// TestCalendarRevisionsRise: every later file of a registration's entry,
// whoever it goes to, has a higher SEQUENCE, and a cancellation outranks
// an invitation of the same second.
func TestCalendarRevisionsRise(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	seq := func(kind convening.NoticeKind, at time.Time) string {
		n := sampleNotice(kind)
		n.CreatedAt = at
		m, err := Render(n, links)
		if err != nil || len(m.Attachments) != 1 {
			t.Fatalf("%s: %v", kind, err)
		}
		_, rest, _ := strings.Cut(string(m.Attachments[0].Data), "SEQUENCE:")
		v, _, _ := strings.Cut(rest, "\r\n")
		return v
	}
	at := sampleCreated
	a, b, c := seq(convening.NoticeRegistered, at), seq(convening.NoticeMemberRegistered, at.Add(time.Minute)), seq(convening.NoticeMemberCancelled, at.Add(time.Minute))
	if !(len(a) <= len(b) && a < b && b < c) {
		t.Errorf("sequences %s, %s, %s do not rise", a, b, c)
	}
}

// TestSESLocalTeamKinds sends each member's and person's email through the
// local SES: to that one person alone, never with another's address.
func TestSESLocalTeamKinds(t *testing.T) {
	endpoint := localSES(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, err := localaws.NewSESClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	ses := NewSES(client, links.Organizer, "convenings-mail")
	for _, kind := range teamKinds {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ses.Send(ctx, n.To, m)
			if err != nil {
				t.Fatal(err)
			}
			got := findStored(t, endpoint, id)
			want := (&netmail.Address{Name: n.To.Name, Address: n.To.Email}).String()
			if len(got.To) != 1 || got.To[0] != want || len(got.CC)+len(got.BCC) != 0 {
				t.Errorf("to %v cc %v bcc %v, want to %q only", got.To, got.CC, got.BCC, want)
			}
			if kinds[kind].audience == registrationMember {
				for _, m := range n.Members {
					if m.Email != n.To.Email && strings.Contains(got.Text+got.HTML, m.Email) {
						t.Errorf("a member's email shows another member's address %s", m.Email)
					}
				}
			}
		})
	}
}

// TestWaitingListSaysWhatHappens: on an event that offers freed seats, the
// waiting list's email says an offer comes, with how long to accept, not
// that the team need do nothing.
func TestWaitingListSaysWhatHappens(t *testing.T) {
	links := testLinks(t)
	for _, kind := range []convening.NoticeKind{convening.NoticeWaitlisted, convening.NoticeWaitlistMoved} {
		n := testNotice(kind)
		n.Status, n.WaitlistPosition = convening.StatusWaitlisted, 2
		m, err := Render(n, links)
		if err != nil || !strings.Contains(m.Text, "we will register it and email you right away") {
			t.Fatalf("%s without offers: %v\n%s", kind, err, m.Text)
		}
		n.OfferHours = 48
		m, err = Render(n, links)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{m.Text, m.HTML} {
			if !strings.Contains(part, "48 hours to accept") || strings.Contains(part, "don't need to do anything") || strings.Contains(part, "we will register it") {
				t.Errorf("%s with offers says:\n%s", kind, part)
			}
		}
	}
}

// TestStatementCopyHasTheAnswers: the copy of a statement emailed to its
// contact holds the answers the team wrote, line breaks kept, markup
// escaped.
func TestStatementCopyHasTheAnswers(t *testing.T) {
	n := sampleNotice(convening.NoticeStatementReceived)
	n.Reasons = "We want <b>our</b> new board member\nto join the work."
	m, err := Render(n, testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Your statement, as you sent it", "Our district and both unions have met monthly since 2019.", "We settled two contracts early."} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("copy lacks %q", want)
		}
	}
	if !strings.Contains(m.Text, "  We want <b>our</b> new board member\n  to join the work.") {
		t.Errorf("text:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, "<b>our</b>") || !strings.Contains(m.HTML, "We want &lt;b&gt;our&lt;/b&gt; new board member<br>to join the work.") {
		t.Errorf("HTML:\n%s", m.HTML)
	}
}
