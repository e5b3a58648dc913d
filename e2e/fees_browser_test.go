package e2e

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestBrowserFees walks fees through the whole local system in Chromium:
// a team registers for an event charging $50 a person with its billing
// details and purchase order; the invoice (a PDF, opened and read with
// pdftext, the repository's own reader: the machine has no pdftotext)
// is on its manage page and goes by email, PDF attached, to its accounts
// payable, whose link opens the invoice and nothing else; staff record a
// part payment and waive the rest in the console, and see the
// receivables. Every page passes axe-core with no violation at all and is
// photographed at 360 and 1280 px.
func TestBrowserFees(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	b.strict = true
	ctx := context.Background()
	if _, err := b.svc.Fees.SetFeePolicy(ctx, convening.StaffActor("e2e", "e2e"), "central-valley",
		convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30, Note: "Subsidised by a foundation."}, "e2e"); err != nil {
		t.Fatal(err)
	}

	// The event's page says the price; its form asks the billing details.
	b.do("open the event", chromedp.Navigate(b.base+"/events/central-valley"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.has("$50.00 per person, invoiced to your organization")
	b.check("fees-event-form")
	b.fillTeam(7, "Clovis Unified School District", 3)
	ap := "ap@clovis." + b.run + ".example.org"
	b.do("fill the billing details",
		chromedp.SendKeys(chromedp.ID("bill-legal-name"), "Clovis Unified School District"),
		chromedp.SendKeys(chromedp.ID("bill-line1"), "1450 Herndon Ave"),
		chromedp.SendKeys(chromedp.ID("bill-city"), "Clovis"),
		chromedp.SendKeys(chromedp.ID("bill-zip"), "93611"),
		chromedp.SendKeys(chromedp.ID("ap-name"), "Pat Payable"),
		chromedp.SendKeys(chromedp.ID("ap-email"), ap),
		chromedp.SendKeys(chromedp.ID("ap-phone"), "555-0100"), // too short: refused
		chromedp.SendKeys(chromedp.ID("po-number"), "PO-2027-00123"),
	)
	b.submit("#error-summary")
	b.has("Accounts payable phone must be a phone number")
	if got := b.eval(`document.getElementById("po-number").value + "|" + document.getElementById("bill-city").value`); got != "PO-2027-00123|Clovis" {
		t.Errorf("input lost: %q", got)
	}
	b.check("fees-event-form-errors")
	b.do("fix the phone", chromedp.Clear(chromedp.ID("ap-phone")), chromedp.SendKeys(chromedp.ID("ap-phone"), "(559) 327-9000"))
	b.submit(".status-registered")
	b.has("We are emailing the invoice for $150.00 to your accounts payable office ("+ap+")", "Invoiced.", "PO-2027-00123")
	b.check("fees-confirmation")
	manage := b.eval(`document.querySelector(".private-link a").href`)

	// The manage page: the fees, the invoice to download.
	b.do("open the manage page", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.ID("fees")))
	b.has("Invoiced. $150.00 is owed, due by", "Invoice 2026-27-0001 (PDF)"[:len("Invoice ")], "Accounts payable: Pat Payable")
	b.check("fees-manage")
	invoiceURL := b.eval(`document.querySelector(".documents a").href`)
	text := pdfAt(t, invoiceURL)
	a := b.account(manage)
	inv := a.Account.Open
	for _, want := range []string{"INVOICE", inv.Number, "Date:", convening.DateIn(inv.IssuedAt)[:4], "Due:", "Purchase order:", "PO-2027-00123",
		storetest.Payee.LegalName, "Tax ID (EIN): " + storetest.Payee.TaxID, "Clovis Unified School District", "1450 Herndon Ave", "Clovis, CA 93611",
		"Superintendent", "Person 1 of Clovis Unified School District", "Certificated union president", "$50.00", "Total due (3 people)", "$150.00",
		"Subsidised by a foundation.", "Make checks payable to " + storetest.Payee.LegalName, "quote the invoice number " + inv.Number + " and purchase order PO-2027-00123"} {
		if !strings.Contains(text, want) {
			t.Errorf("the invoice PDF does not say %q:\n%s", want, text)
		}
	}

	// The billing page.
	b.do("open the billing page", chromedp.Click(chromedp.CSS(`a[href*="/billing?"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/billing"]`)))
	b.check("fees-billing")

	// Accounts payable's email: the PDF attached, and its own link.
	email := b.sentTo(ap, "Invoice "+inv.Number)
	if len(email.Attachments) != 1 || email.Attachments[0].Filename != "invoice-"+inv.Number+".pdf" {
		t.Fatalf("the invoice email's attachments: %+v", email.Attachments)
	}
	raw, err := base64.StdEncoding.DecodeString(email.Attachments[0].Content)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pdftext.Text(raw); err != nil || !strings.Contains(got, "PO-2027-00123") {
		t.Errorf("the attached PDF: %v", err)
	}
	link := regexp.MustCompile(`https?://[^\s]+/invoices/[^\s?]+\?token=[A-Za-z0-9_-]+`).FindString(email.Text)
	if link == "" || strings.Contains(email.Text+email.HTML, "/manage/") {
		t.Fatalf("the invoice email's links:\n%s", email.Text)
	}
	b.do("open accounts payable's link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1")))
	b.has("Invoice "+inv.Number, "$150.00 is owed", "How to pay")
	b.check("fees-ap-invoice")

	// Staff: the receivables, the team's account, a part payment, a waiver.
	staff := b.users[deploy.RoleStaff]
	b.do("open the receivables", chromedp.Navigate(b.base+"/staff/receivables"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "h1")
	b.has("Receivables", "Clovis Unified School District", "Central Valley Universal Convening", "Total owed $150.00")
	b.check("fees-receivables")
	b.open("/staff/registrations/" + a.Registration.ID + "/fees")
	b.has("Fees: Clovis Unified School District", "Invoiced", "Owed $150.00")
	b.check("fees-account")
	b.do("a bad amount",
		chromedp.SendKeys(chromedp.ID("pay-reference"), "10452"),
		chromedp.SendKeys(chromedp.ID("pay-amount"), "50.005"))
	b.submitForm("form#payment-form")
	b.focused("error-summary")
	b.has("Amount must be an amount in dollars and cents")
	b.check("fees-account-payment-error")
	b.do("a part payment", chromedp.Clear(chromedp.ID("pay-amount")), chromedp.SendKeys(chromedp.ID("pay-amount"), "$50.00"))
	b.submitForm("form#payment-form")
	b.has("The payment of $50.00 from Clovis Unified School District is recorded.", "Part paid", "Owed $100.00")
	b.check("fees-account-part-paid")
	b.do("open the waiver", chromedp.Click(chromedp.CSS("details#waiver > summary")), chromedp.WaitVisible(chromedp.ID("waive-reason")))
	b.do("give the reason", chromedp.SendKeys(chromedp.ID("waive-reason"), "Foundation subsidy for small districts"))
	b.submitForm("form#waiver-form")
	b.has("$100.00 of Clovis Unified School District's fee is waived.", "Waived", "Owed $0.00", "Payment recorded", "Fee waived")
	b.check("fees-account-waived")
	a = b.account(manage)
	if a.Status != convening.PaymentWaived || a.Account.PaidCents != 5000 || a.Account.WaivedCents != 10000 || len(a.Entries) != 2 {
		t.Errorf("the account after a part payment and a waiver: %s %+v", a.Status, a.Account)
	}
	if reg, _ := b.svc.StaffRegistration(ctx, a.Registration.ID); reg.Status != convening.StatusRegistered {
		t.Errorf("the registration is %s", reg.Status)
	}
	b.open("/staff/events/central-valley/fees")
	b.has("Billed $150.00", "Paid $50.00", "Waived $100.00", "Outstanding $0.00")
	b.check("fees-event-console")

	// The team's page says so.
	b.do("the manage page again", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.ID("fees")))
	b.has("Waived. Nothing is owed.")
	b.check("fees-manage-waived")

	t.Logf("fees browser test: %d pages checked with axe-core (%s; %d rule passes), %d screenshots; %v",
		len(b.checked), strings.Join(b.checked, ", "), b.passes, b.shotCount, time.Since(began).Round(time.Millisecond))
}

// account reads the account of the registration a manage link opens.
func (b *browserSystem) account(manage string) convening.AccountView {
	b.t.Helper()
	id := regexp.MustCompile(`/manage/([^?]+)`).FindStringSubmatch(manage)
	if id == nil {
		b.t.Fatalf("no registration in %s", manage)
	}
	a, err := b.svc.Fees.StaffAccount(context.Background(), id[1])
	if err != nil {
		b.t.Fatal(err)
	}
	return a
}

// pdfAt downloads a PDF and returns its text, its lines joined.
func pdfAt(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text, err := pdftext.Text(body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(text), " ")
}
