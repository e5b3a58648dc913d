package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
)

const billingBody = `{"billTo":{"legalName":"District 1 Unified School District","address":{"line1":"1 School Way","city":"Fresno","state":"CA","zip":"93721"},
"accountsPayable":{"name":"Pat Payable","email":"ap@d1.org","phone":"(559) 555-0100"}},"poNumber":"PO-2027-00123"}`

// feeAPI is an API with an event charging $50 per person and a team of
// three registered on it, billed: it owes invoice 1 of the fiscal year.
func feeAPI(t *testing.T) (a *api, regID, token string) {
	t.Helper()
	a = newAPI(t)
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatalf("create event: %d %v", st, body)
	}
	ev := map[string]string{"eventId": "cv"}
	st, _, body := a.do("PUT /api/admin/events/{eventId}/fees", ev, staff(), `{"priceCents":5000,"terms":"net_30","note":"Subsidised by a foundation.","reason":"this year's price"}`)
	if st != 200 || body["policy"].(map[string]any)["priceCents"] != 5000.0 {
		t.Fatalf("fee policy: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/events/{eventId}/registrations", ev, nil, teamBody(1, 3))
	if st != http.StatusCreated {
		t.Fatalf("register: %d %v", st, body)
	}
	regID, token = body["registration"].(map[string]any)["id"].(string), body["manageToken"].(string)
	return a, regID, token
}

func TestTeamFees(t *testing.T) {
	a, id, token := feeAPI(t)
	reg := map[string]string{"registrationId": id}
	auth := bearer(token)
	st, _, body := a.do("GET /api/registrations/{registrationId}/account", reg, auth, "")
	if st != 200 || body["status"] != "not_invoiced" || body["account"].(map[string]any)["awaiting"] != "billing_details" {
		t.Fatalf("account before billing: %d %v", st, body)
	}
	if st, _, _ := a.do("GET /api/registrations/{registrationId}/account", reg, bearer("wrong"), ""); st != 404 {
		t.Errorf("wrong token: %d", st)
	}
	// Bad billing details: 400 naming each field, nothing stored.
	bad := []struct{ body, field string }{
		{`{"poNumber":"PO;1"}`, "poNumber"},
		{`{"poNumber":12345}`, "poNumber"},
		{strings.Replace(billingBody, `"93721"`, `"9372"`, 1), "billTo.address.zip"},
		{strings.Replace(billingBody, `"(559) 555-0100"`, `"555-0100"`, 1), "billTo.accountsPayable.phone"},
		{`{"billTo":{"legalName":"X"},"poNumber":""}`, "billTo.address.line1"},
		{`{"bill_to":{}}`, "bill_to"},
	}
	for _, tt := range bad {
		st, _, body := a.do("PUT /api/registrations/{registrationId}/billing", reg, auth, tt.body)
		if st != 400 || !hasField(body, tt.field) {
			t.Errorf("%s: %d %v, want 400 naming %s", tt.body, st, body, tt.field)
		}
	}
	if st, _, body := a.do("PUT /api/registrations/{registrationId}/billing", reg, auth, `{"poNumber":"PO-1"}`); st != 409 || body["reason"] != "no_bill_to" {
		t.Errorf("no bill-to on file: %d %v", st, body)
	}
	if a, _ := a.svc.Fees.StaffAccount(t.Context(), id); a.Account.Version != 1 || a.Account.PONumber != "" || len(a.Documents) != 0 {
		t.Errorf("bad billing changed the account: %+v", a.Account)
	}
	st, _, body = a.do("PUT /api/registrations/{registrationId}/billing", reg, auth, billingBody)
	acct := body["account"].(map[string]any)
	if st != 200 || body["status"] != "invoiced" || acct["billedCents"] != 15000.0 || acct["open"].(map[string]any)["poNumber"] != "PO-2027-00123" {
		t.Fatalf("billing: %d %v", st, body)
	}
	invID := acct["open"].(map[string]any)["id"].(string)
	number := acct["open"].(map[string]any)["number"].(string)
	// The invoice's PDF, opened and read.
	resp := a.raw("GET /api/registrations/{registrationId}/invoices/{invoiceId}/pdf", map[string]string{"registrationId": id, "invoiceId": invID}, auth, "")
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/pdf" || resp.Headers["Content-Disposition"] != `attachment; filename="invoice-`+number+`.pdf"` {
		t.Fatalf("invoice PDF: %d %v", resp.StatusCode, resp.Headers)
	}
	text := pdfText(t, resp.Body, resp.IsBase64Encoded)
	for _, want := range []string{"INVOICE", number, "PO-2027-00123", "District 1 Unified School District", "Member 0", "Team member", "$150.00", "Tax ID (EIN): 12-3456789"} {
		if !strings.Contains(text, want) {
			t.Errorf("the invoice does not say %q", want)
		}
	}
	// Another registration's token opens nothing of it.
	_, _, other := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(2, 1))
	if st, _, body := a.do("GET /api/registrations/{registrationId}/invoices/{invoiceId}/pdf", map[string]string{"registrationId": other["registration"].(map[string]any)["id"].(string), "invoiceId": invID},
		bearer(other["manageToken"].(string)), ""); st != 404 || body["reason"] != "invoice_unknown" {
		t.Errorf("another team's invoice: %d %v", st, body)
	}
	if st, _, body := a.do("GET /api/registrations/{registrationId}/w9", reg, auth, ""); st != 404 || body["reason"] != "w9_missing" {
		t.Errorf("W-9 before an upload: %d %v", st, body)
	}
}

func pdfText(t *testing.T, body string, b64 bool) string {
	t.Helper()
	raw := []byte(body)
	if b64 {
		var err error
		if raw, err = base64.StdEncoding.DecodeString(body); err != nil {
			t.Fatal(err)
		}
	}
	text, err := pdftext.Text(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(text), " ")
}

func hasField(body map[string]any, field string) bool {
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["field"] == field {
			return true
		}
	}
	return false
}

func TestStaffFees(t *testing.T) {
	a, id, token := feeAPI(t)
	reg := map[string]string{"registrationId": id}
	if st, _, body := a.do("PUT /api/registrations/{registrationId}/billing", reg, bearer(token), billingBody); st != 200 {
		t.Fatalf("billing: %d %v", st, body)
	}
	today := convening.DateIn(time.Now())
	// Bad amounts: 400 naming the field; nothing recorded.
	for _, body := range []string{
		`{"kind":"payment","method":"check","reference":"1","amountCents":12.5,"receivedOn":"` + today + `"}`,
		`{"kind":"payment","method":"check","reference":"1","amountCents":"50.00","receivedOn":"` + today + `"}`,
		`{"kind":"payment","method":"check","reference":"1","amountCents":0,"receivedOn":"` + today + `"}`,
		`{"kind":"payment","method":"check","reference":"1","amountCents":-5000,"receivedOn":"` + today + `"}`,
		`{"kind":"payment","method":"check","reference":"1","amountCents":100000001,"receivedOn":"` + today + `"}`,
	} {
		if st, _, out := a.do("POST /api/admin/registrations/{registrationId}/payments", reg, staff(), body); st != 400 || !hasField(out, "amountCents") {
			t.Errorf("%s: %d %v", body, st, out)
		}
	}
	if st, _, out := a.do("POST /api/admin/registrations/{registrationId}/payments", reg, staff(), `{"kind":"payment","method":"card","reference":"","amountCents":100,"receivedOn":"tomorrow"}`); st != 400 ||
		!hasField(out, "method") || !hasField(out, "reference") || !hasField(out, "receivedOn") {
		t.Errorf("several bad fields: %d %v", st, out)
	}
	// A part payment, sent twice with its key: recorded once.
	pay := `{"kind":"payment","method":"check","reference":"10452","amountCents":5000,"receivedOn":"` + today + `"}`
	key := map[string]string{"Authorization": staff()["Authorization"], "Idempotency-Key": "payment-form-0000000001"}
	st, hdr, body := a.do("POST /api/admin/registrations/{registrationId}/payments", reg, key, pay)
	if st != 201 || body["status"] != "part_paid" || hdr["Location"] != "/api/admin/registrations/"+id+"/account" {
		t.Fatalf("part payment: %d %v", st, body)
	}
	entryID := body["entry"].(map[string]any)["id"].(string)
	st, hdr, body = a.do("POST /api/admin/registrations/{registrationId}/payments", reg, key, pay)
	if st != 201 || hdr["Idempotent-Replayed"] != "true" || body["account"].(map[string]any)["paidCents"] != 5000.0 {
		t.Errorf("replayed payment: %d %v %v", st, hdr, body)
	}
	// The rest waived.
	st, _, body = a.do("POST /api/admin/registrations/{registrationId}/payments", reg, staff(), `{"kind":"waiver","amountCents":10000,"receivedOn":"`+today+`","reason":"Foundation subsidy"}`)
	if st != 201 || body["status"] != "waived" {
		t.Fatalf("waiver: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/registrations/{registrationId}/reminders", reg, staff(), ""); st != 409 || body["reason"] != "nothing_owed" {
		t.Errorf("reminder with nothing owed: %d %v", st, body)
	}
	// The check bounced.
	st, _, body = a.do("POST /api/admin/registrations/{registrationId}/payments/{entryId}/reversal", map[string]string{"registrationId": id, "entryId": entryID}, staff(), `{"reason":"Returned unpaid"}`)
	if st != 200 || body["status"] != "part_paid" || body["account"].(map[string]any)["paidCents"] != 0.0 {
		t.Fatalf("reversal: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/admin/registrations/{registrationId}/reminders", reg, staff(), ""); st != 201 || body["account"].(map[string]any)["reminders"] != 1.0 {
		t.Errorf("reminder: %d %v", st, body)
	}
	st, _, body = a.do("GET /api/admin/registrations/{registrationId}/account", reg, staff(), "")
	if st != 200 || len(body["entries"].([]any)) != 3 || len(body["history"].([]any)) < 5 {
		t.Fatalf("account: %d %v", st, body)
	}
	// A discount reissues the invoice.
	if st, _, body := a.do("POST /api/admin/registrations/{registrationId}/discount", reg, staff(), `{"unitCents":6000,"reason":"more"}`); st != 400 || !hasField(body, "unitCents") {
		t.Errorf("discount above the price: %d %v", st, body)
	}
	st, _, body = a.do("POST /api/admin/registrations/{registrationId}/discount", reg, staff(), `{"unitCents":2500,"reason":"Foundation subsidy"}`)
	if st != 200 || body["account"].(map[string]any)["billedCents"] != 7500.0 || body["account"].(map[string]any)["documents"] != 3.0 {
		t.Fatalf("discount: %d %v", st, body)
	}
	invID := body["account"].(map[string]any)["open"].(map[string]any)["id"].(string)
	if st, _, body := a.do("GET /api/admin/invoices/{invoiceId}", map[string]string{"invoiceId": invID}, staff(), ""); st != 200 || body["invoice"].(map[string]any)["totalCents"] != 7500.0 {
		t.Errorf("invoice: %d %v", st, body)
	}
	resp := a.raw("GET /api/admin/invoices/{invoiceId}/pdf", map[string]string{"invoiceId": invID}, staff(), "")
	if text := pdfText(t, resp.Body, resp.IsBase64Encoded); resp.StatusCode != 200 || !strings.Contains(text, "$25.00") || !strings.Contains(text, "Foundation subsidy") {
		t.Errorf("discounted invoice PDF: %d %s", resp.StatusCode, text)
	}
	if st, _, _ := a.do("GET /api/admin/invoices/{invoiceId}", map[string]string{"invoiceId": "nope"}, staff(), ""); st != 404 {
		t.Errorf("unknown invoice: %d", st)
	}
	// The event's fees, the receivables, the exports.
	st, _, body = a.do("GET /api/admin/events/{eventId}/fees", map[string]string{"eventId": "cv"}, staff(), "")
	totals := body["totals"].(map[string]any)
	if st != 200 || totals["billedCents"] != 7500.0 || totals["waivedCents"] != 10000.0 || totals["creditCents"] != 2500.0 {
		t.Errorf("event fees: %d %v", st, body)
	}
	if st, _, body := a.do("GET /api/admin/receivables", nil, staff(), ""); st != 200 || body["totalCents"] != 0.0 {
		t.Errorf("receivables: %d %v", st, body)
	}
	for _, route := range []string{"GET /api/admin/receivables.csv", "GET /api/admin/events/{eventId}/ledger.csv"} {
		resp := a.raw(route, map[string]string{"eventId": "cv"}, staff(), "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "text/csv") {
			t.Errorf("%s: %d %v", route, resp.StatusCode, resp.Headers)
		}
		if route == "GET /api/admin/events/{eventId}/ledger.csv" && (!strings.Contains(resp.Body, "Payment reversal") || !strings.Contains(resp.Body, ",-50.00,") ||
			!strings.Contains(resp.Body, ",150.00,") || !strings.Contains(resp.Body, "Credit note")) {
			t.Errorf("ledger:\n%s", resp.Body)
		}
	}
	// A bad policy: 400 naming the fields; the policy stays.
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/fees", map[string]string{"eventId": "cv"}, staff(), `{"priceCents":50.5,"terms":"net_30"}`); st != 400 || !hasField(body, "priceCents") {
		t.Errorf("price in dollars: %d %v", st, body)
	}
	if st, _, body := a.do("PUT /api/admin/events/{eventId}/fees", map[string]string{"eventId": "cv"}, staff(), `{"priceCents":5000,"terms":"net_60","poExpected":true}`); st != 400 || !hasField(body, "terms") || !hasField(body, "poExpectedBy") {
		t.Errorf("bad terms: %d %v", st, body)
	}
	// The W-9.
	if st, _, body := a.do("PUT /api/admin/w9", nil, map[string]string{"Authorization": staff()["Authorization"], "Content-Type": "application/pdf"}, "not a pdf"); st != 400 || !hasField(body, "file") {
		t.Errorf("W-9 not a PDF: %d %v", st, body)
	}
	if st, _, body := a.do("PUT /api/admin/w9", nil, map[string]string{"Authorization": staff()["Authorization"], "Content-Type": "application/pdf", "X-Filename": "CDE Foundation W-9.pdf"}, "%PDF-1.4 the form"); st != 200 || body["w9"].(map[string]any)["size"] != 17.0 {
		t.Errorf("W-9 upload: %d %v", st, body)
	}
	resp = a.raw("GET /api/registrations/{registrationId}/w9", reg, bearer(token), "")
	if resp.StatusCode != 200 || resp.Body != "%PDF-1.4 the form" || resp.Headers["Content-Disposition"] != `attachment; filename="CDE Foundation W-9.pdf"` {
		t.Errorf("the team's W-9: %d %v %q", resp.StatusCode, resp.Headers, resp.Body)
	}
}
