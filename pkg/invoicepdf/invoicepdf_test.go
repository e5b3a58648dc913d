package invoicepdf_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
)

var payee = convening.PayeeFrom("Californians Dedicated to Education Foundation", "CA LMI, 100 Example Street | Sacramento, CA 95814",
	"12-3456789", "ACH: write to billing@lmi.example.org for the account details.")

func sample() convening.Invoice {
	issued := time.Date(2027, 3, 10, 18, 0, 0, 0, time.UTC)
	return convening.Invoice{ID: "INV1", Kind: convening.DocInvoice, Number: "2026-27-0042", FiscalYear: 2026, Seq: 42,
		RegistrationID: "R1", IssuedAt: issued, DueOn: "2027-04-09", PONumber: "PO-2027-00123",
		Event: convening.EventSummary{ID: "summer", Title: "CA LMI Summer Institute 2027", StartsAt: time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC),
			EndsAt: time.Date(2027, 6, 23, 22, 30, 0, 0, time.UTC), Venue: "DoubleTree, San Diego"},
		Organization: convening.Organization{Name: "Fresno Unified School District", Type: convening.OrgDistrict, County: "Fresno"},
		BillTo: convening.BillTo{LegalName: "Fresno Unified School District", Address: convening.Address{Line1: "2309 Tulare St", City: "Fresno", State: "CA", ZIP: "93721"},
			AccountsPayable: convening.APContact{Name: "Pat Payable", Email: "ap@fresnounified.org", Phone: "(559) 457-3000"}},
		Lines: []convening.InvoiceLine{
			{Role: convening.RoleSuperintendent, Name: "Ana Ruiz", UnitCents: 5000},
			{Role: convening.RoleCertificatedUnionPresident, Name: "José Núñez", UnitCents: 5000},
			{Role: convening.RoleBoardMember, Name: "Nguyễn Văn (Bảo)", UnitCents: 5000},
		},
		TotalCents: 15000, Note: "Subsidised by the Stuart Foundation.", Why: "team registered or changed"}
}

func TestInvoice(t *testing.T) {
	pdf, err := invoicepdf.Render(sample(), payee, invoicepdf.Options{Contact: "convenings@lmi.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) > 20000 {
		t.Fatalf("%d bytes", len(pdf))
	}
	if dir := os.Getenv("LMI_INVOICE_SAMPLES"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "invoice.pdf"), pdf, 0o644)
	}
	got, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	got = strings.Join(strings.Fields(got), " ") // lines a paragraph wraps into, read as one
	for _, want := range []string{
		"INVOICE", "Californians Dedicated to Education Foundation", "CA LMI, 100 Example Street", "Sacramento, CA 95814",
		"Tax ID (EIN): 12-3456789", "2026-27-0042", "March 10, 2027", "April 9, 2027", "PO-2027-00123",
		"Fresno Unified School District", "2309 Tulare St", "Fresno, CA 93721", "Accounts payable: Pat Payable",
		"CA LMI Summer Institute 2027", "Superintendent", "Ana Ruiz", "Certificated union president", "José Núñez",
		"School board member", "Nguyen Van (Bao)", "$50.00", "Total due (3 people)", "$150.00",
		"Subsidised by the Stuart Foundation.", "Make checks payable to Californians Dedicated to Education Foundation",
		"quote the invoice number 2026-27-0042 and purchase order PO-2027-00123", "ACH: write to billing@lmi.example.org",
		"Invoice 2026-27-0042, page 1 of 1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the invoice does not say %q:\n%s", want, got)
		}
	}
	again, _ := invoicepdf.Render(sample(), payee, invoicepdf.Options{Contact: "convenings@lmi.example.org"})
	if !bytes.Equal(pdf, again) {
		t.Error("the same invoice renders differently twice")
	}
}

func TestCreditNoteAndLongTeams(t *testing.T) {
	c := sample()
	c.Kind, c.Number, c.Credits, c.DueOn, c.Why = convening.DocCreditNote, "2026-27-0043", "2026-27-0042", "", "team changed"
	for i := 0; i < 60; i++ { // spills onto a second page
		c.Lines = append(c.Lines, convening.InvoiceLine{Role: convening.RoleOther, Name: strings.Repeat("Long Name ", 8), UnitCents: 5000})
	}
	c.TotalCents = 63 * 5000
	pdf, err := invoicepdf.Render(c, payee, invoicepdf.Options{Uncompressed: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte("(CREDIT NOTE)")) {
		t.Error("uncompressed output does not show its text plainly")
	}
	got, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, "\nRole\nName\nPrice\n"); n != 3 {
		t.Errorf("the table's header is on %d pages, want 3", n)
	}
	got = strings.Join(strings.Fields(got), " ")
	for _, want := range []string{"CREDIT NOTE", "Cancels invoice:", "This credit note cancels invoice 2026-27-0042 in full. Reason: team changed.",
		"-$50.00", "Total credited (63 people)", "-$3,150.00", "Nothing is due on this credit note", "page 3 of 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("the credit note does not say %q", want)
		}
	}
	if strings.Contains(got, strings.Repeat("Long Name ", 8)) {
		t.Error("a long name was not cut to its column")
	}
	if _, err := invoicepdf.Render(c, convening.Payee{LegalName: "X"}, invoicepdf.Options{}); err == nil {
		t.Error("rendered without a tax id")
	}
	if got := invoicepdf.Filename(c); got != "credit-note-2026-27-0043.pdf" {
		t.Errorf("filename %q", got)
	}
}
