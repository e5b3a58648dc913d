package mail

import (
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// FuzzRender: whatever an event's title or a team's names hold, every
// notice renders, its subject is one line (no header injection through
// SES), and the HTML carries no raw markup from them.
func FuzzRender(f *testing.F) {
	f.Add("2019 Summer Institute", "Fresno Unified", "Maria Lopez", "registered")
	f.Add("Title\r\nBcc: x@evil.org", "<script>alert(1)</script>", "A\u2028B", "waitlisted")
	f.Add("\u0085next line", "org", "x", "promoted")
	f.Add("", "", "", "cancelled")
	links := testLinks(f)
	f.Fuzz(func(t *testing.T, title, org, contact, kind string) {
		n := testNotice(convening.NoticeKind(kind))
		// Markers around each value show where it lands in the HTML: a raw
		// "<" between them would be markup from the value.
		n.Event.Title, n.Organization.Name, n.To.Name = "ZZQ"+title+"QZZ", "ZZQ"+org+"QZZ", "ZZQ"+contact+"QZZ"
		msg, err := Render(n, links)
		if err != nil {
			return // an unknown kind: the mailer fails the notice
		}
		if strings.ContainsAny(msg.Subject, "\r\n") || strings.ContainsRune(msg.Subject, '\u0085') ||
			strings.ContainsRune(msg.Subject, '\u2028') || strings.ContainsRune(msg.Subject, '\u2029') {
			t.Fatalf("subject is not one line: %q", msg.Subject)
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
	})
}
