package mail

import (
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// FuzzRender: whatever an event's title, a team's names or staff's message
// hold, every notice of a known kind renders, its subject is one line (no
// header injection through SES) and never holds the message, the HTML
// carries no raw markup from them, and a member's email carries no link
// but the member's own.
func FuzzRender(f *testing.F) {
	f.Add("2019 Summer Institute", "Fresno Unified", "Maria Lopez", "", "registered")
	f.Add("Title\r\nBcc: x@evil.org", "<script>alert(1)</script>", "A\u2028B", "", "waitlisted")
	f.Add("\u0085next line", "org", "x", "", "promoted")
	f.Add("", "", "", "", "cancelled")
	for kind := range kinds {
		f.Add("2027 Symposium", "Fresno Unified", "Maria Lopez", "Thank you.\nSee you there.", string(kind))
	}
	f.Add("Symposium", "Evil USD\r\nBcc: x@evil.org", "Eve", "<b>hi</b>\r\n\r\n<script>x</script>\u2029</p>", "statement_declined")
	f.Add("<i>", "org", "<img src=x>", "line\u2028line\u0085\x00\u202e", "invitation")
	f.Add("T", "O", "<a href=x>", "", "member_confirmation")
	links := testLinks(f)
	f.Fuzz(func(t *testing.T, title, org, contact, message, kind string) {
		for _, v := range []string{title, org, contact, message} {
			if strings.Contains(v, "ZZ") {
				return // it would forge the markers below
			}
		}
		n := testNotice(convening.NoticeKind(kind))
		_, known := kinds[n.Kind]
		if known {
			n = sampleNotice(n.Kind)
		}
		// Markers around each value show where it lands in the HTML: a raw
		// "<" between them would be markup from the value.
		n.Event.Title, n.Organization.Name, n.To.Name = "ZZQ"+title+"QZZ", "ZZQ"+org+"QZZ", "ZZQ"+contact+"QZZ"
		if len(n.Members) > 2 {
			n.Members[2].Name = "ZZQ" + contact + "QZZ"
		}
		for i := range n.Links {
			n.Links[i].Organization = "ZZQ" + org + "QZZ"
		}
		if n.AboutMember != nil {
			n.AboutMember.Name = "ZZQ" + contact + "QZZ"
		}
		n.Message = "ZZM" + message + "MZZ"
		msg, err := Render(n, links)
		if err != nil {
			if known {
				t.Fatalf("a %s notice does not render: %v", kind, err)
			}
			return // an unknown kind: the mailer fails the notice
		}
		if strings.ContainsAny(msg.Subject, "\r\n") || strings.ContainsRune(msg.Subject, '\u0085') ||
			strings.ContainsRune(msg.Subject, '\u2028') || strings.ContainsRune(msg.Subject, '\u2029') {
			t.Fatalf("subject is not one line: %q", msg.Subject)
		}
		if strings.Contains(msg.Subject, "ZZM") {
			t.Fatalf("staff's message reached the subject: %q", msg.Subject)
		}
		for rest := msg.HTML; ; {
			_, after, ok := strings.Cut(rest, "ZZQ")
			if !ok {
				break
			}
			value, _, _ := strings.Cut(after, "QZZ")
			if strings.Contains(value, "<") {
				t.Fatalf("HTML holds raw markup %q", value)
			}
			rest = after
		}
		// The message spans lines and paragraphs: only the templates'
		// own <br> and paragraph tags may come between its markers.
		if _, after, ok := strings.Cut(msg.HTML, "ZZM"); ok {
			value, _, _ := strings.Cut(after, "MZZ")
			value = strings.NewReplacer("<br>", "", "</p>\n<p>", "").Replace(value)
			if strings.Contains(value, "<") {
				t.Fatalf("HTML holds raw markup from the message %q", value)
			}
		}
		if a := kinds[n.Kind].audience; a == statementMember || a == registrationMember {
			own := links.Tokens.Token(convening.MemberTokenSubject(n.SubjectID, n.MemberID))
			if a == registrationMember {
				own = links.Tokens.Token(convening.AttendeeTokenSubject(n.SubjectID, n.MemberID))
			}
			for _, tok := range tokenRE.FindAllStringSubmatch(msg.Text+msg.HTML, -1) {
				if tok[1] != own {
					t.Fatalf("a member's email carries a link that is not theirs")
				}
			}
		}
	})
}
