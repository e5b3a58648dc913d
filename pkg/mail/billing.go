package mail

import (
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf"
)

// The emails of fees go to an organization's accounts-payable contact,
// never to the team's contact or a member: an invoice, a credit note, a
// reminder of what is still owed. Each carries the document as a PDF and
// one private link, the document's own (InvoiceURL), which opens that
// document and the payee's W-9 and nothing else: accounts payable cannot
// change or cancel the registration with it.

// billingKinds are the kinds of notice about a document.
var billingKinds = map[convening.NoticeKind]bool{
	convening.NoticeInvoice: true, convening.NoticeCreditNote: true, convening.NoticePaymentReminder: true,
}

// IsBilling reports whether a notice kind is one of fees, to accounts
// payable.
func IsBilling(k convening.NoticeKind) bool { return billingKinds[k] }

// InvoiceURL returns the private link of one invoice or credit note for
// accounts payable: <base>/invoices/<invoiceId>?token=<token>. It opens
// the document, its PDF and the payee's W-9.
func (l Links) InvoiceURL(invoiceID string) (string, error) {
	if invoiceID == "" {
		return "", errors.New("mail: invoice link needs an invoice id")
	}
	return l.private(convening.InvoiceTokenSubject(invoiceID), "invoices", invoiceID)
}

// billingView is what the fee emails show.
type billingView struct {
	Kind         convening.NoticeKind
	Subject      string
	ContactName  string
	Organization string
	LegalName    string
	EventTitle   string
	When         string
	Title        string
	Number       string
	IssuedOn     string
	DueOn        string
	PONumber     string
	Total        string
	People       string
	Credits      string
	Why          string
	Paid         string
	Balance      string
	Overdue      bool
	InvoiceURL   string
	PayeeName    string
	RemitTo      string
	HowToPay     string
	StaffEmail   string
	// Contact is the program's contact, at the foot of the email (nil if
	// none is set), as in every other email.
	Contact *contactView
}

// renderBilling renders a notice about a document, its PDF attached.
func renderBilling(n convening.Notice, links Links) (Message, error) {
	switch {
	case n.SubjectKind != convening.SubjectInvoice || n.Billing == nil:
		return Message{}, fmt.Errorf("mail: notice %s (%s) is not about a document", n.ID, n.Kind)
	case n.MemberID != "":
		return Message{}, fmt.Errorf("mail: notice %s (%s) is for accounts payable but names a member", n.ID, n.Kind)
	case n.Kind == convening.NoticeCreditNote && n.Billing.Invoice.Kind != convening.DocCreditNote,
		n.Kind != convening.NoticeCreditNote && n.Billing.Invoice.Kind != convening.DocInvoice:
		return Message{}, fmt.Errorf("mail: notice %s (%s) is about a %s", n.ID, n.Kind, n.Billing.Invoice.Kind)
	}
	inv := n.Billing.Invoice
	link, err := links.InvoiceURL(inv.ID)
	if err != nil {
		return Message{}, err
	}
	pdf, err := invoicepdf.Render(inv, links.Payee, invoicepdf.Options{Contact: staffEmail(links)})
	if err != nil {
		return Message{}, fmt.Errorf("mail: notice %s: %w", n.ID, err)
	}
	v := billingView{Kind: n.Kind, ContactName: oneLine(n.To.Name), Organization: oneLine(inv.Organization.Name),
		LegalName: oneLine(inv.BillTo.LegalName), EventTitle: oneLine(inv.Event.Title), When: convening.When(inv.Event.StartsAt, inv.Event.EndsAt),
		Title: inv.Title(), Number: inv.Number, IssuedOn: longDate(inv.IssuedOn()), DueOn: longDate(inv.DueOn), PONumber: oneLine(inv.PONumber),
		Total: inv.TotalCents.String(), People: convening.Plural(len(inv.Lines), "person", "people"), Credits: inv.Credits, Why: oneLine(inv.Why),
		Paid: n.Billing.PaidCents.String(), Balance: n.Billing.BalanceCents.String(),
		Overdue:    inv.DueOn != "" && convening.DateIn(n.CreatedAt) > inv.DueOn,
		InvoiceURL: link, PayeeName: oneLine(links.Payee.LegalName), RemitTo: oneLine(strings.Join(links.Payee.Address, ", ")),
		HowToPay: oneLine(links.Payee.HowToPay), StaffEmail: staffEmail(links), Contact: newContactView(links.Contact)}
	switch n.Kind {
	case convening.NoticeInvoice:
		v.Subject = fmt.Sprintf("Invoice %s, %s due %s: %s, %s", inv.Number, v.Total, shortDate(inv.DueOn), v.EventTitle, v.Organization)
	case convening.NoticeCreditNote:
		v.Subject = fmt.Sprintf("Credit note %s cancels invoice %s: %s, %s", inv.Number, inv.Credits, v.EventTitle, v.Organization)
	case convening.NoticePaymentReminder:
		due := "due " + shortDate(inv.DueOn)
		if v.Overdue {
			due = "past due since " + shortDate(inv.DueOn)
		}
		v.Subject = fmt.Sprintf("Payment reminder: invoice %s, %s %s: %s", inv.Number, v.Balance, due, v.Organization)
	default:
		return Message{}, fmt.Errorf("mail: notice %s has unknown kind %q", n.ID, n.Kind)
	}
	v.Subject = oneLine(v.Subject)
	var text, html bytes.Buffer
	if err := textTmpl.ExecuteTemplate(&text, string(n.Kind), v); err != nil {
		return Message{}, fmt.Errorf("mail: render text of notice %s: %w", n.ID, err)
	}
	if err := htmlTmpl.ExecuteTemplate(&html, string(n.Kind), v); err != nil {
		return Message{}, fmt.Errorf("mail: render HTML of notice %s: %w", n.ID, err)
	}
	return Message{Subject: v.Subject, Text: text.String(), HTML: html.String(),
		Attachments: []Attachment{{Filename: invoicepdf.Filename(inv), ContentType: "application/pdf", Data: pdf}}}, nil
}

// staffEmail is whom accounts payable write to: the program's contact
// when one is set (as the other emails say), else the sender.
func staffEmail(l Links) string {
	if !l.Contact.IsZero() {
		return l.Contact.Email
	}
	if a, err := netmail.ParseAddress(l.Organizer); err == nil {
		return a.Address
	}
	return ""
}

// longDate shows a date (YYYY-MM-DD) as "Friday, April 9, 2027".
func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("Monday, January 2, 2006")
}

// shortDate is longDate for a subject line: "Apr 9, 2027".
func shortDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("Jan 2, 2006")
}
