package mail

import (
	"html"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
)

var testContact = convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org", Phone: "(916) 555-0142"}

// TestEveryEmailNamesTheProgramContact: every kind of email, to a contact
// or to a member, ends with the program's contact in both parts: the
// text's last lines, and the HTML's, with a mailto: and a tel: link;
// without a contact, the email says to reply to it.
func TestEveryEmailNamesTheProgramContact(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	links.Contact = testContact
	const text = "Questions? Contact CA LMI Convenings at help@lmi.example.org or (916) 555-0142."
	for kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			m, err := Render(sampleNotice(kind), links)
			if err != nil {
				t.Fatal(err)
			}
			tail := m.Text[max(0, len(m.Text)-300):]
			if !strings.Contains(tail, text) {
				t.Errorf("the text part does not end with the contact:\n%s", m.Text)
			}
			plain := html.UnescapeString(m.HTML)
			i := strings.LastIndex(plain, "Questions? Contact CA LMI Convenings at")
			if i < 0 || !strings.Contains(plain[i:], `href="mailto:help@lmi.example.org"`) || !strings.Contains(plain[i:], `href="tel:+19165550142"`) ||
				!strings.Contains(plain[i:], "</body>") {
				t.Errorf("the HTML part does not end with the contact:\n%s", m.HTML)
			}
		})
	}
	links.Contact = convening.ProgramContact{}
	m, err := Render(sampleNotice(convening.NoticeRegistered), links)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "Questions? Reply to this email to reach CA LMI staff.") || !strings.Contains(m.HTML, "Questions? Reply to this email") {
		t.Errorf("without a contact:\n%s\n%s", m.Text, m.HTML)
	}
}

// TestContactStaffIsTheProgramContact: where an email tells the team to
// write to staff, it names the program's contact, not the sender.
func TestContactStaffIsTheProgramContact(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	links.Contact = testContact
	m, err := Render(sampleNotice(convening.NoticeStatementDeclined), links)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "write to CA LMI Convenings at help@lmi.example.org") || strings.Contains(m.Text, "convenings@example.org") {
		t.Errorf("text:\n%s", m.Text)
	}
}

func TestLinksRefuseAnInvalidContact(t *testing.T) {
	links := testLinks(t)
	links.Contact = convening.ProgramContact{Name: "CA LMI", Email: "help at lmi"}
	if err := links.Validate(); err == nil {
		t.Error("an invalid contact was accepted")
	}
}

// TestBillingEmailsNameTheProgramContact: the fee emails to accounts
// payable end with the program's contact like every other email, and say
// to write to it, in the email and in the attached PDF.
func TestBillingEmailsNameTheProgramContact(t *testing.T) {
	links := billingLinks(t)
	links.Contact = testContact
	const text = "Questions? Contact CA LMI Convenings at help@lmi.example.org or (916) 555-0142."
	for kind := range billingKinds {
		t.Run(string(kind), func(t *testing.T) {
			m, err := Render(billingNotice(kind), links)
			if err != nil {
				t.Fatal(err)
			}
			if tail := m.Text[max(0, len(m.Text)-300):]; !strings.Contains(tail, text) {
				t.Errorf("the text part does not end with the contact:\n%s", m.Text)
			}
			plain := html.UnescapeString(m.HTML)
			if i := strings.LastIndex(plain, "Questions? Contact CA LMI Convenings at"); i < 0 || !strings.Contains(plain[i:], `href="tel:+19165550142"`) {
				t.Errorf("the HTML part does not end with the contact:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, "write to CA LMI Convenings at help@lmi.example.org") || strings.Contains(m.Text, "convenings@lmi.example.org") {
				t.Errorf("the text does not say to write to the contact:\n%s", m.Text)
			}
			pdf, err := pdftext.Text(m.Attachments[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(pdf, "help@lmi.example.org") {
				t.Errorf("the PDF does not name the contact:\n%s", pdf)
			}
		})
	}
}
