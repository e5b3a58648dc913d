package mail

import (
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// sampleSurveyNotice is a survey notice as the stores fill it: to one
// person who came, about their invitation, with the closing date.
func sampleSurveyNotice(n convening.Notice) convening.Notice {
	n.SubjectID, n.SubjectKind = "01JREG.01JMEMB", convening.SubjectSurvey
	n.To = convening.Contact{Name: "Ben Ortiz", Email: "ben@fta.org"}
	n.Seats = 0
	return n
}

// TestSurveyEmails: the invitation and the reminder carry the person's
// own survey link and no other, say that answers are anonymous and when
// the survey closes, and the reminder says it closes in its subject.
func TestSurveyEmails(t *testing.T) {
	links := testLinks(t)
	for _, kind := range []convening.NoticeKind{convening.NoticeSurveyInvitation, convening.NoticeSurveyReminder} {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			want := "https://convenings.example.org/surveys/symposium-2027/01JREG.01JMEMB?token=" + links.Tokens.SurveyToken("symposium-2027", "01JREG.01JMEMB")
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("no survey link %s in\n%s", want, m.Text)
			}
			toks := tokenRE.FindAllStringSubmatch(m.Text+m.HTML, -1)
			for _, tok := range toks {
				if !links.Tokens.ValidSurveyToken("symposium-2027", "01JREG.01JMEMB", tok[1]) || links.Tokens.Valid("01JREG.01JMEMB", tok[1]) {
					t.Errorf("a token that is not the person's survey token: %s", tok[1])
				}
			}
			for _, s := range []string{"anonymous", "Friday, March 12, 2027, 5:00 PM PT", "Hello Ben Ortiz", "2027 Labor Management Symposium"} {
				if !strings.Contains(m.Text, s) || !strings.Contains(m.HTML, s) {
					t.Errorf("%s lacks %q:\n%s", kind, s, m.Text)
				}
			}
			if strings.Contains(m.Text, "ana@fresnounified.org") || strings.Contains(m.Text, "Seats") {
				t.Errorf("a survey email shows the team:\n%s", m.Text)
			}
			if kind == convening.NoticeSurveyReminder && !strings.HasSuffix(m.Subject, "closes Fri, Mar 12, 5:00 PM PT") {
				t.Errorf("subject %q", m.Subject)
			}
		})
	}
	// A survey notice that names a statement is refused, not sent with a
	// link of the wrong kind.
	n := sampleNotice(convening.NoticeSurveyInvitation)
	n.SubjectKind = convening.SubjectStatement
	if _, err := Render(n, links); err == nil {
		t.Error("rendered a survey notice about a statement")
	}
}
