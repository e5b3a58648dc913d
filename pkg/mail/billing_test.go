package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
)

func billingLinks(t testing.TB) Links {
	l := testLinks(t)
	l.Organizer = "CA LMI Convenings <convenings@lmi.example.org>"
	l.Payee = convening.PayeeFrom("Californians Dedicated to Education Foundation", "CA LMI, 100 Example Street | Sacramento, CA 95814",
		"12-3456789", "ACH: write to billing@lmi.example.org for the account details.")
	return l
}

// billingNotice is a notice of a fee kind as the stores fill it.
func billingNotice(kind convening.NoticeKind) convening.Notice {
	inv := convening.Invoice{ID: "01JINV", Kind: convening.DocInvoice, Number: "2026-27-0007", FiscalYear: 2026, Seq: 7, RegistrationID: "01J9ZREG",
		IssuedAt: time.Date(2027, 3, 1, 18, 0, 0, 0, time.UTC), DueOn: "2027-03-31", PONumber: "PO-2027-00123",
		Event: convening.EventSummary{ID: "summer", Title: "CA LMI Summer Institute 2027", StartsAt: time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC),
			EndsAt: time.Date(2027, 6, 23, 22, 30, 0, 0, time.UTC), Venue: "DoubleTree, San Diego"},
		Organization: convening.Organization{Name: "Fresno Unified School District", Type: convening.OrgDistrict, County: "Fresno"},
		BillTo: convening.BillTo{LegalName: "Fresno Unified School District", Address: convening.Address{Line1: "2309 Tulare St", City: "Fresno", State: "CA", ZIP: "93721"},
			AccountsPayable: convening.APContact{Name: "Pat Payable", Email: "ap@fresnounified.org", Phone: "(559) 457-3000"}},
		Lines:      []convening.InvoiceLine{{Role: convening.RoleSuperintendent, Name: "Ana Ruiz", UnitCents: 5000}, {Role: convening.RoleBoardMember, Name: "Bo Lee", UnitCents: 5000}},
		TotalCents: 10000, Why: "team registered or changed"}
	created := inv.IssuedAt
	paid := convening.Cents(0)
	switch kind {
	case convening.NoticeCreditNote:
		inv.ID, inv.Kind, inv.Number, inv.Credits, inv.CreditsID, inv.DueOn, inv.Why = "01JCRN", convening.DocCreditNote, "2026-27-0008", "2026-27-0007", "01JINV", "", "team changed"
	case convening.NoticePaymentReminder:
		created, paid = time.Date(2027, 4, 20, 18, 0, 0, 0, time.UTC), 5000
	}
	rec := convening.NoticeRecord{ID: "N-" + string(kind), Kind: kind, CreatedAt: created}
	return convening.InvoiceNotice(rec, inv, convening.Account{BilledCents: inv.TotalCents, PaidCents: paid})
}

func TestRenderBilling(t *testing.T) {
	links := billingLinks(t)
	tests := []struct {
		kind    convening.NoticeKind
		subject string
		says    []string
		pdfSays []string
	}{
		{convening.NoticeInvoice, "Invoice 2026-27-0007, $100.00 due Mar 31, 2027: CA LMI Summer Institute 2027, Fresno Unified School District",
			[]string{"Hello Pat Payable,", "invoice 2026-27-0007", "2 people", "Purchase order", "PO-2027-00123", "Wednesday, March 31, 2027",
				"make checks payable to Californians Dedicated to Education Foundation", "our W-9"},
			[]string{"INVOICE", "2026-27-0007", "PO-2027-00123", "Ana Ruiz", "Total due (2 people)", "$100.00", "Tax ID (EIN): 12-3456789"}},
		{convening.NoticeCreditNote, "Credit note 2026-27-0008 cancels invoice 2026-27-0007: CA LMI Summer Institute 2027, Fresno Unified School District",
			[]string{"cancels invoice 2026-27-0007 in full (team changed)", "please do not pay invoice 2026-27-0007"},
			[]string{"CREDIT NOTE", "2026-27-0008", "-$100.00"}},
		{convening.NoticePaymentReminder, "Payment reminder: invoice 2026-27-0007, $50.00 past due since Mar 31, 2027: Fresno Unified School District",
			[]string{"was due on Wednesday, March 31, 2027", "$50.00 of it is still unpaid", "Paid so far: $50.00"},
			[]string{"INVOICE", "2026-27-0007"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			n := billingNotice(tt.kind)
			if n.To.Email != "ap@fresnounified.org" {
				t.Fatalf("addressed to %q, not accounts payable", n.To.Email)
			}
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject %q", m.Subject)
			}
			for _, body := range []string{m.Text, strings.Join(strings.Fields(htmlText(m.HTML)), " ")} {
				flat := strings.Join(strings.Fields(body), " ")
				for _, want := range tt.says {
					if !strings.Contains(flat, want) {
						t.Errorf("email does not say %q:\n%s", want, body)
					}
				}
			}
			// One private link, the document's own: not the team's manage link.
			tokens := tokenRE.FindAllStringSubmatch(m.Text+m.HTML, -1)
			want := links.Tokens.Token(convening.InvoiceTokenSubject(n.Billing.Invoice.ID))
			for _, tok := range tokens {
				if tok[1] != want {
					t.Errorf("a link carries token %s, not the document's", tok[1])
				}
			}
			if len(tokens) == 0 || strings.Contains(m.Text+m.HTML, "/manage/") {
				t.Errorf("links: %v", tokens)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/pdf" {
				t.Fatalf("attachments %+v", m.Attachments)
			}
			text, err := pdftext.Text(m.Attachments[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.pdfSays {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF does not say %q", w)
				}
			}
			if dir := os.Getenv("LMI_MAIL_SAMPLES"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, string(tt.kind)+".txt"), []byte("Subject: "+m.Subject+"\n\n"+m.Text), 0o644)
				_ = os.WriteFile(filepath.Join(dir, string(tt.kind)+".html"), []byte(m.HTML), 0o644)
				_ = os.WriteFile(filepath.Join(dir, m.Attachments[0].Filename), m.Attachments[0].Data, 0o644)
			}
		})
	}
	bad := billingNotice(convening.NoticeInvoice)
	bad.Billing = nil
	if _, err := Render(bad, links); err == nil {
		t.Error("rendered an invoice notice without its document")
	}
	noPayee := billingLinks(t)
	noPayee.Payee = convening.Payee{}
	if _, err := Render(billingNotice(convening.NoticeInvoice), noPayee); err == nil {
		t.Error("rendered an invoice without the payee's settings")
	}
}

// htmlText drops the tags of an email's HTML, to read its words.
func htmlText(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&#39;", "'", "&amp;", "&").Replace(b.String())
}
