package web_test

import (
	"context"
	"encoding/base64"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
	"github.com/calmi/convenings/pkg/storetest"
)

// feeEvent is an event charging $50 per person.
func (s *site) feeEvent(id string, p convening.FeePolicy) {
	s.t.Helper()
	s.event(id, 20, 5, nil)
	if _, err := s.svc.Fees.SetFeePolicy(context.Background(), convening.StaffActor("staff-1", "staff@lmi.example.org"), id, p, ""); err != nil {
		s.t.Fatal(err)
	}
}

// withBilling adds billing fields to a team's form.
func withBilling(f url.Values, po string) url.Values {
	f.Set("bill_legal_name", "District 1 Unified School District")
	f.Set("bill_line1", "2309 Tulare St")
	f.Set("bill_city", "Fresno")
	f.Set("bill_state", "CA")
	f.Set("bill_zip", "93721")
	f.Set("ap_name", "Pat Payable")
	f.Set("ap_email", "ap@d1.example.org")
	f.Set("ap_phone", "(559) 457-3000")
	f.Set("po_number", po)
	return f
}

var docLinkRE = regexp.MustCompile(`href="(/manage/[^"/]+/invoices/[^"?]+\?token=[^"]+)"`)

func (s *site) pdfText(target string) string {
	s.t.Helper()
	p := s.get(target)
	if p.status != 200 || p.headers["Content-Type"] != "application/pdf" {
		s.t.Fatalf("%s: %d %v", target, p.status, p.headers)
	}
	raw, err := base64.StdEncoding.DecodeString(p.body)
	if err != nil {
		raw = []byte(p.body)
	}
	text, err := pdftext.Text(raw)
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(strings.Fields(text), " ")
}

func TestRegisterWithBillingAndPO(t *testing.T) {
	s := newSite(t)
	s.feeEvent("paid", convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30, Note: "Subsidised by a foundation."})
	p := s.get("/events/paid")
	p.has(t, "$50.00 per person, invoiced to your organization", `id="billing"`, `name="bill_legal_name"`, `name="po_number"`,
		"you may leave the billing address and accounts payable fields empty")

	// Mistakes in the team and the billing details at once: all shown,
	// nothing stored.
	bad := withBilling(teamForm(1, 3), "PO;27")
	bad.Set("member_email", "not-an-email")
	bad.Set("bill_zip", "9372")
	p = s.register("paid", bad)
	if p.status != 400 {
		t.Fatalf("bad form: %d", p.status)
	}
	p.has(t, `href="#member-0-email"`, `href="#bill-zip"`, `href="#po-number"`, "ZIP code must be like 93721",
		"Purchase order number must be", `id="po-number-error"`, `value="2309 Tulare St"`)
	if ev, _ := s.svc.Event(context.Background(), "paid"); ev.RegisteredTeams != 0 {
		t.Fatalf("a bad form registered a team")
	}
	// No bill-to and none on file.
	p = s.register("paid", teamForm(1, 3))
	p.has(t, "we have none on file for it")

	p = s.register("paid", withBilling(teamForm(1, 3), "PO-2027-00123"))
	if p.status != 200 {
		t.Fatalf("register: %d\n%s", p.status, p.body)
	}
	p.has(t, "We are emailing the invoice for $150.00 to your accounts payable office (ap@d1.example.org)", "Invoice 2026-27-0001 (PDF)"[:8])
	manage := p.manageLink(t)
	m := s.get(manage)
	m.has(t, `id="fees"`, "<strong>Invoiced.</strong> $150.00 is owed, due by", "PO-2027-00123", "District 1 Unified School District",
		"Accounts payable: Pat Payable, ap@d1.example.org", "Current, due")
	if strings.Contains(m.body, "Download our W-9") {
		t.Error("a W-9 link before staff uploaded one")
	}
	link := docLinkRE.FindStringSubmatch(m.body)
	if link == nil {
		t.Fatalf("no invoice link:\n%s", m.body)
	}
	text := s.pdfText(html.UnescapeString(link[1]))
	for _, want := range []string{"INVOICE", "PO-2027-00123", "District 1 Unified School District", "Member 1", "Total due (3 people)", "$150.00", "Subsidised by a foundation."} {
		if !strings.Contains(text, want) {
			t.Errorf("the invoice does not say %q: %s", want, text)
		}
	}
	// A wrong token opens nothing.
	if p := s.get(strings.Replace(html.UnescapeString(link[1]), "token=", "token=x", 1)); p.status != 404 {
		t.Errorf("wrong token: %d", p.status)
	}
}

func TestBillingPageAndAccountsPayableLink(t *testing.T) {
	s := newSite(t)
	s.feeEvent("paid", convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30})
	p := s.register("paid", withBilling(teamForm(1, 2), ""))
	manage := p.manageLink(t)
	u, _ := url.Parse(manage)
	regID := strings.TrimPrefix(u.Path, "/manage/")
	billing := "/manage/" + regID + "/billing?token=" + url.QueryEscape(u.Query().Get("token"))
	b := s.get(billing)
	b.has(t, "<h1>Billing details</h1>", `value="District 1 Unified School District"`, `value="ap@d1.example.org"`)
	form := b.hidden()
	for k, v := range withBilling(url.Values{}, "not a po!") {
		form[k] = v
	}
	p = s.post("/manage/"+regID+"/billing", form)
	if p.status != 400 {
		t.Fatalf("bad PO: %d", p.status)
	}
	p.has(t, `href="#po-number"`, `aria-invalid="true"`)
	if a, _ := s.svc.Fees.StaffAccount(context.Background(), regID); a.Account.PONumber != "" || a.Account.Documents != 1 {
		t.Errorf("a bad PO changed the account: %+v", a.Account)
	}
	form.Set("po_number", "4500012345")
	p = s.post("/manage/"+regID+"/billing", form)
	if p.status != 303 || !strings.Contains(p.headers["Location"], "done=billing") {
		t.Fatalf("save: %d %v", p.status, p.headers)
	}
	m := s.get(p.headers["Location"])
	m.has(t, "Your billing details are saved", "4500012345", "Cancelled by credit note 2026-27-0002", "Cancels invoice 2026-27-0001")
	// Accounts payable's link, as the email gives it.
	a, err := s.svc.Fees.StaffAccount(context.Background(), regID)
	if err != nil || a.Account.Open == nil {
		t.Fatal(err)
	}
	inv := a.Account.Open
	apLink := "/invoices/" + inv.ID + "?token=" + url.QueryEscape(s.svc.Billing.InvoiceToken(inv.ID))
	ap := s.get(apLink)
	ap.has(t, "<h1>Invoice 2026-27-0003</h1>", "$100.00 is owed", "4500012345", "Make checks payable to "+storetest.Payee.LegalName)
	if strings.Contains(ap.body, "/manage/") {
		t.Error("accounts payable's page links to the manage page")
	}
	pdfLink := regexp.MustCompile(`href="(/invoices/[^"]+/pdf\?token=[^"]+)"`).FindStringSubmatch(ap.body)
	if pdfLink == nil {
		t.Fatal("no PDF link")
	}
	if text := s.pdfText(html.UnescapeString(pdfLink[1])); !strings.Contains(text, "4500012345") {
		t.Errorf("AP's PDF: %s", text)
	}
	// The first invoice, credited, says so.
	old := a.Documents[0]
	s.get("/invoices/"+old.ID+"?token="+url.QueryEscape(s.svc.Billing.InvoiceToken(old.ID))).has(t, "This invoice was cancelled by a credit note")
	if p := s.get("/invoices/" + inv.ID + "?token=" + url.QueryEscape(s.svc.Tokens.Token(regID))); p.status != 404 {
		t.Errorf("the manage token opens AP's page: %d", p.status)
	}
	// The W-9, once uploaded.
	if _, err := s.svc.Fees.UploadW9(context.Background(), convening.StaffActor("s", "s"), "W-9.pdf", []byte("%PDF-1.4 w9")); err != nil {
		t.Fatal(err)
	}
	s.get(manage).has(t, "Download our W-9 (PDF)")
	if p := s.get("/invoices/" + inv.ID + "/w9?token=" + url.QueryEscape(s.svc.Billing.InvoiceToken(inv.ID))); p.status != 200 || p.headers["Content-Type"] != "application/pdf" {
		t.Errorf("AP's W-9: %d %v", p.status, p.headers)
	}
}

// FuzzBillingForm: any billing form posted to a team's billing page gets
// a page or the redirect, never a server error, and every field error it
// shows is next to a field of the form.
func FuzzBillingForm(f *testing.F) {
	f.Add("bill_legal_name=Fresno+USD&bill_line1=1+A+St&bill_city=Fresno&bill_state=ca&bill_zip=93721&ap_name=P&ap_email=p%40f.org&ap_phone=5594573000&po_number=PO-1")
	f.Add("po_number=%00&bill_zip=93721-&ap_phone=%2B1+(559)+457-3000+ext.+12")
	f.Add("bill_state=ZZ&bill_legal_name=%E2%80%AE&ap_email=%C3%BC%40x.org")
	f.Add(strings.Repeat("po_number=1&", 50))
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.feeEvent("paid", convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30})
		reg, token, _, err := s.svc.Register(context.Background(), "paid", storetest.Team(1, 2), nil)
		if err != nil {
			t.Fatal(err)
		}
		page := s.get("/manage/" + reg.ID + "/billing?token=" + url.QueryEscape(token))
		for k, v := range page.hidden() {
			form[k] = v
		}
		p := s.post("/manage/"+reg.ID+"/billing", form)
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		for _, m := range regexp.MustCompile(`href="#([a-z0-9-]+)"`).FindAllStringSubmatch(p.body, -1) {
			if !strings.Contains(p.body, `id="`+m[1]+`"`) {
				t.Fatalf("an error links to #%s, which the page lacks", m[1])
			}
		}
	})
}
