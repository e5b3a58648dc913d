package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
	"github.com/calmi/convenings/pkg/storetest"
)

// feeScene is an event charging $50 per person with team 1 (3 members)
// registered and billed: it owes $150.
func feeScene(t *testing.T) (*fixture, *client, convening.Registration) {
	t.Helper()
	f := newFixture(t)
	f.event("cv", 20, convening.PolicyStrict)
	c := f.as(deploy.RoleStaff)
	r := c.post("/staff/events/cv/fees", url.Values{"price": {"$50"}, "terms": {"net_30"}, "reason": {"this year's price"}})
	c.follow(r).has(t, "The price of Test cv is now $50.00 per person.")
	reg, token, _, err := f.svc.Register(context.Background(), "cv", storetest.Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := storetest.BillTo(1)
	if _, err := f.svc.Billing.SetBilling(context.Background(), reg.ID, token, convening.BillingInput{BillTo: &b, PONumber: "PO-77"}); err != nil {
		t.Fatal(err)
	}
	return f, c, reg
}

func TestEventFeesPage(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 20, convening.PolicyStrict)
	c := f.as(deploy.RoleStaff)
	r := c.get("/staff/events/cv/fees")
	r.has(t, "Fees", "Billed $0.00", "No team's account yet", "Price per person")
	// Bad values: each named next to its field; nothing stored.
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"price": {"12.345"}, "terms": {"net_30"}}, "Price per person must be an amount in dollars and cents"},
		{url.Values{"price": {"-5"}, "terms": {"net_30"}}, "Price per person must be an amount in dollars and cents"},
		{url.Values{"price": {"50"}, "terms": {"net_60"}}, "Choose when invoices are due"},
		{url.Values{"price": {"50"}, "terms": {"net_30"}, "po_expected": {"yes"}}, "Purchase order expected by is required"},
		{url.Values{"price": {"50"}, "terms": {"net_30"}, "po_expected": {"yes"}, "po_by": {"June 1"}}, "Purchase order expected by must be a date"},
	} {
		r := c.post("/staff/events/cv/fees", tt.form)
		if r.status != 400 {
			t.Errorf("%v: %d", tt.form, r.status)
		}
		r.has(t, tt.want)
	}
	if _, p, _ := f.svc.Fees.FeePolicy(context.Background(), "cv"); p != nil {
		t.Errorf("bad forms stored a policy: %+v", p)
	}
	r = c.follow(c.post("/staff/events/cv/fees", url.Values{"price": {"$1,250.50"}, "terms": {"after_event"}, "po_expected": {"yes"}, "po_by": {"2030-05-01"}, "note": {"Subsidised."}}))
	r.has(t, "The price of Test cv is now $1,250.50 per person.")
	r.hasHTML(t, `value="$1,250.50"`, `value="after_event" checked`, `name="po_expected" value="yes" checked`, `value="2030-05-01"`)
	if r := f.as(deploy.RoleReviewer).get("/staff/events/cv/fees"); r.status != 403 {
		t.Errorf("a reviewer reads the fees: %d", r.status)
	}
}

func TestAccountPagePaymentsAndWaiver(t *testing.T) {
	f, c, reg := feeScene(t)
	page := "/staff/registrations/" + reg.ID + "/fees"
	r := c.get(page)
	r.has(t, "Fees: District 1 Unified", "Invoiced", "Billed $150.00", "Owed $150.00", "PO-77", "Invoice 2026-27-0001 (PDF)",
		"Accounts payable: Pat Payable 1", "Record a payment")
	idem := valueAfter(r.body, `name="idem" value="`, `"`)
	// A bad amount: the field says why, nothing is recorded.
	for _, amt := range []string{"12.345", "fifty", "", "0", "1,23.00"} {
		r := c.post("/staff/registrations/"+reg.ID+"/payments", url.Values{"kind": {"payment"}, "method": {"check"}, "reference": {"1001"},
			"amount": {amt}, "received_on": {convening.DateIn(f.svc.Now())}, "idem": {idem}})
		if r.status != 400 {
			t.Errorf("amount %q: %d", amt, r.status)
		}
		r.hasHTML(t, `id="pay-amount-error"`, `href="#pay-amount"`)
	}
	if v := f.account(reg.ID); len(v.Entries) != 0 {
		t.Fatalf("a bad amount was recorded: %+v", v.Entries)
	}
	// A part payment, the form sent twice: one entry.
	form := url.Values{"kind": {"payment"}, "method": {"check"}, "reference": {"1001"}, "amount": {"$50.00"},
		"received_on": {convening.DateIn(f.svc.Now())}, "idem": {idem}}
	c.follow(c.post("/staff/registrations/"+reg.ID+"/payments", form)).has(t, "The payment of $50.00 from District 1 Unified is recorded.", "Part paid", "Owed $100.00")
	if r := c.post("/staff/registrations/"+reg.ID+"/payments", form); r.status != 303 {
		t.Errorf("the same form again: %d", r.status)
	}
	if v := f.account(reg.ID); len(v.Entries) != 1 || v.Account.PaidCents != 5000 {
		t.Fatalf("after the form twice: %+v", v.Entries)
	}
	// The rest waived.
	r = c.post("/staff/registrations/"+reg.ID+"/payments", url.Values{"kind": {"waiver"}, "amount": {"100"}, "received_on": {convening.DateIn(f.svc.Now())}})
	if r.status != 400 {
		t.Errorf("a waiver without a reason: %d", r.status)
	}
	r.has(t, "Reason is required")
	r = c.post("/staff/registrations/"+reg.ID+"/payments", url.Values{"kind": {"waiver"}, "amount": {"100.01"}, "received_on": {convening.DateIn(f.svc.Now())}, "reason": {"subsidy"}})
	r.has(t, "Amount to waive must not be more than the balance")
	c.follow(c.post("/staff/registrations/"+reg.ID+"/payments", url.Values{"kind": {"waiver"}, "amount": {"100"},
		"received_on": {convening.DateIn(f.svc.Now())}, "reason": {"Foundation subsidy"}})).has(t, "$100.00 of District 1 Unified's fee is waived.", "Waived", "Owed $0.00")
	// The check bounced: reversed.
	v := f.account(reg.ID)
	c.follow(c.post("/staff/registrations/"+reg.ID+"/payments/"+v.Entries[0].ID+"/reversal", url.Values{"reason": {"Returned unpaid"}})).has(t, "The entry is reversed.", "Owed $50.00")
	r = c.post("/staff/registrations/"+reg.ID+"/payments/"+v.Entries[0].ID+"/reversal", url.Values{"reason": {"again"}})
	if r.status != 409 {
		t.Errorf("reversing twice: %d", r.status)
	}
	// The receivables: $50 owed, under 30 days old.
	c.get("/staff/receivables").has(t, "Receivables", "District 1 Unified", "Test cv", "0–30 days $50.00", "Total owed $50.00")
	if r := c.get("/staff/receivables.csv"); r.status != 200 || !strings.Contains(r.body, "District 1 Unified") || !strings.Contains(r.body, ",50.00,") {
		t.Errorf("receivables CSV: %d\n%s", r.status, r.body)
	}
	// A reminder, then a discount (which leaves a credit: $100 was waived).
	c.follow(c.post("/staff/registrations/"+reg.ID+"/reminders", nil)).has(t, "Accounts payable of District 1 Unified (ap@district1.org) are reminded by email.")
	r = c.post("/staff/registrations/"+reg.ID+"/reminders", nil)
	r.has(t, "reminded less than a day ago")
	c.follow(c.post("/staff/registrations/"+reg.ID+"/discount", url.Values{"unit": {"25"}, "reason": {"Small district"}})).has(t,
		"District 1 Unified's price is now $25.00 per person", "Credit note 2026-27-0002 (PDF)", "Invoice 2026-27-0003 (PDF)")
	// The history of the fees, and the invoice's PDF.
	r = c.get(page)
	r.has(t, "History of the fees", "Payment recorded", "Fee waived", "Payment or waiver reversed", "Accounts payable reminded", "Price discounted")
	v = f.account(reg.ID)
	pdf := c.get("/staff/invoices/" + v.Account.Open.ID)
	if pdf.status != 200 || pdf.header["Content-Type"] != "application/pdf" {
		t.Fatalf("PDF: %d %v", pdf.status, pdf.header)
	}
	if txt := pdfBody(t, pdf); !strings.Contains(txt, "$25.00") || !strings.Contains(txt, "PO-77") {
		t.Errorf("invoice: %s", txt)
	}
	// The exports.
	if r := c.get("/staff/events/cv/ledger.csv"); r.status != 200 || !strings.Contains(r.body, "Waiver") {
		t.Errorf("ledger CSV: %d", r.status)
	}
	c.get("/staff/events/cv/fees").has(t, "Billed $75.00", "Waived $100.00", "Credit to refund $25.00")
}

func (f *fixture) account(id string) convening.AccountView {
	f.t.Helper()
	v, err := f.svc.Fees.StaffAccount(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// valueAfter is the text between from and the next to.
func valueAfter(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

func pdfBody(t *testing.T, r response) string {
	t.Helper()
	txt, err := pdftext.Text(decodeBody(r))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(txt), " ")
}

func TestW9Upload(t *testing.T) {
	f, c, reg := feeScene(t)
	c.get("/staff/w9").has(t, "None uploaded yet.")
	upload := func(name string, data []byte) response {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("csrf", c.csrf)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		c.header["content-type"] = mw.FormDataContentType()
		defer delete(c.header, "content-type")
		return c.do("POST", "/staff/w9", b.String())
	}
	r := upload("notes.txt", []byte("not a pdf"))
	if r.status != 400 {
		t.Errorf("not a PDF: %d", r.status)
	}
	r.has(t, "The W-9 must be a PDF file of at most 1 MB")
	c.follow(upload("W-9 2027.pdf", []byte("%PDF-1.4 our W-9"))).has(t, "The W-9 W-9 2027.pdf is uploaded.", "W-9 2027.pdf (16 bytes)")
	if r := c.get("/staff/w9.pdf"); r.status != 200 || string(decodeBody(r)) != "%PDF-1.4 our W-9" {
		t.Errorf("download: %d %q", r.status, r.body)
	}
	c.get("/staff/registrations/"+reg.ID+"/fees").has(t, "Our W-9 (PDF)")
	if doc, err := f.svc.Fees.W9(context.Background()); err != nil || doc.UploadedBy.ID != "sub-staff" {
		t.Errorf("stored: %+v %v", doc, err)
	}
}

// decodeBody is a download's bytes.
func decodeBody(r response) []byte {
	if !r.b64 {
		return []byte(r.body)
	}
	b, _ := base64.StdEncoding.DecodeString(r.body)
	return b
}
