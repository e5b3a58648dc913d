package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Payee is the payee the tests' fee services invoice in the name of.
var Payee = convening.PayeeFrom("Californians Dedicated to Education Foundation (test)",
	"CA LMI, 100 Example Street, Suite 200 | Sacramento, CA 95814", "12-3456789",
	"ACH: write to billing@lmi.example.org for the account details.")

// feeTests are the contract's tests of fees: the invoice follows the
// team, payments and waivers are append-only and exact under races,
// invoice numbers are consecutive under races, bad input changes nothing.
var feeTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"FeesInvoiceFollowsTheTeam", testFeesInvoiceFollowsTheTeam},
	{"FeesTeamsOwnChangeReinvoices", testFeesTeamsOwnChangeReinvoices},
	{"FeesPaymentsAndWaivers", testFeesPaymentsAndWaivers},
	{"FeesBadInputChangesNothing", testFeesBadInputChangesNothing},
	{"FeesRacePayments", testFeesRacePayments},
	{"FeesRaceInvoiceNumbers", testFeesRaceInvoiceNumbers},
	{"FeesBillToReusedAndPOExpected", testFeesBillToReusedAndPOExpected},
	{"FeesDiscountPromotionAndFreeEvents", testFeesDiscountPromotionAndFreeEvents},
	{"FeesPolicyAfterTeamsRegistered", testFeesPolicyAfterTeamsRegistered},
	{"FeesReceivablesAndReminders", testFeesReceivablesAndReminders},
	{"FeesW9", testFeesW9},
}

// BillTo is a valid bill-to of organization n.
func BillTo(n int) convening.BillTo {
	return convening.BillTo{LegalName: fmt.Sprintf("District %d Unified School District", n),
		Address: convening.Address{Line1: fmt.Sprintf("%d Education Way", 100+n), City: "Fresno", State: "CA", ZIP: "93721"},
		AccountsPayable: convening.APContact{Name: fmt.Sprintf("Pat Payable %d", n), Email: fmt.Sprintf("ap@district%d.org", n),
			Phone: "(559) 555-0100 x12"}}
}

// feeEvent creates an open event charging price per person.
func (e *env) feeEvent(t testing.TB, id string, capacity int, policy convening.FeePolicy) convening.Event {
	t.Helper()
	ev := e.createEvent(t, id, capacity, convening.PolicyStrict)
	if _, err := e.svc.Fees.SetFeePolicy(context.Background(), staff, id, policy, "the year's price"); err != nil {
		t.Fatalf("fee policy: %v", err)
	}
	return ev
}

var fifty = convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30}

func (e *env) account(t testing.TB, regID string) convening.AccountView {
	t.Helper()
	v, err := e.svc.Fees.StaffAccount(context.Background(), regID)
	if err != nil {
		t.Fatalf("account %s: %v", regID, err)
	}
	return v
}

// apNotices returns the kinds of the notices to accounts payable, with
// their addressee, in the order written.
func (e *env) apNotices(t testing.TB, regID string) []string {
	t.Helper()
	ctx := context.Background()
	docs, err := e.store.AccountDocuments(ctx, regID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		recs, err := e.store.RegistrationNotices(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			n, err := e.store.Notice(ctx, r.ID)
			if err != nil {
				t.Fatalf("notice %s: %v", r.ID, err)
			}
			if n.Billing == nil || n.Billing.Invoice.ID != d.ID {
				t.Errorf("notice %s has no document", r.ID)
			}
			out = append(out, string(n.Kind)+" "+n.Billing.Invoice.Number+" to "+n.To.Email)
		}
	}
	return out
}

func numbers(docs []convening.Invoice) []string {
	var out []string
	for _, d := range docs {
		out = append(out, fmt.Sprintf("%s %s %s", d.Kind, d.Number, d.TotalCents))
	}
	return out
}

// testFeesInvoiceFollowsTheTeam: a team that registers with its billing
// details is invoiced seats × price; a change of its members credits the
// invoice and issues a new one (never an edited one); a cancellation
// credits it; numbers are consecutive in the fiscal year.
func testFeesInvoiceFollowsTheTeam(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Now()
	e.svc.Clock = func() time.Time { return now }
	fy := convening.FiscalYear(now)
	e.feeEvent(t, "paid", 20, convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30, Note: "Subsidised by a foundation."})
	reg, token, _, err := e.svc.Register(ctx, "paid", Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := e.account(t, reg.ID); v.Status != convening.PaymentNotInvoiced || v.Account.Awaiting != convening.AwaitingBillTo {
		t.Errorf("before billing: status %q awaiting %q", v.Status, v.Account.Awaiting)
	}
	b := BillTo(1)
	if _, err := e.svc.Billing.SetBilling(ctx, reg.ID, "wrong-token", convening.BillingInput{BillTo: &b}); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Errorf("wrong token: %v", err)
	}
	a, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b, PONumber: " PO-2027-00123 "})
	if err != nil {
		t.Fatal(err)
	}
	first := convening.InvoiceNumber(fy, 1)
	if a.Open == nil || a.Open.Number != first || a.Open.TotalCents != 15000 || a.Open.PONumber != "PO-2027-00123" || a.BilledCents != 15000 {
		t.Fatalf("account after billing: %+v", a)
	}
	inv := *a.Open
	if len(inv.Lines) != 3 || inv.Lines[0].Name != "Member 1-0" || inv.Lines[0].Role != convening.RoleSuperintendent || inv.Lines[0].UnitCents != 5000 {
		t.Errorf("lines %+v", inv.Lines)
	}
	if want := convening.DateIn(now.AddDate(0, 0, 30)); inv.DueOn != want || inv.Note != "Subsidised by a foundation." {
		t.Errorf("due %s (want %s), note %q", inv.DueOn, want, inv.Note)
	}
	if got, err := e.svc.Billing.TeamInvoice(ctx, reg.ID, token, inv.ID); err != nil || got.Number != first {
		t.Errorf("the team reads its invoice: %v %v", got.Number, err)
	}
	if st, err := e.svc.Billing.InvoiceByToken(ctx, inv.ID, e.svc.Billing.InvoiceToken(inv.ID)); err != nil || !st.Current || st.BalanceCents != 15000 {
		t.Errorf("accounts payable's link: %+v %v", st, err)
	}
	if _, err := e.svc.Billing.InvoiceByToken(ctx, inv.ID, e.svc.Tokens.Token(reg.ID)); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Errorf("the manage token opens the invoice link: %v", err)
	}

	// The same details again change nothing.
	if a2, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b, PONumber: "PO-2027-00123"}); err != nil || a2.Documents != 1 {
		t.Errorf("same billing again: %d documents, %v", a2.Documents, err)
	}

	// Staff replace a member and remove another: a credit note and a new invoice.
	members := slices.Clone(reg.Members)
	members[1] = convening.Member{Name: "Substitute Sam", Email: "sam@district1.org", Role: convening.RoleCertificatedUnionPresident}
	members = members[:2]
	if _, err := e.svc.ChangeMembers(ctx, staff, reg.ID, members, "Sam replaces the president; the board member cannot come"); err != nil {
		t.Fatal(err)
	}
	v := e.account(t, reg.ID)
	want := []string{"invoice " + first + " $150.00", "credit_note " + convening.InvoiceNumber(fy, 2) + " $150.00", "invoice " + convening.InvoiceNumber(fy, 3) + " $100.00"}
	if got := numbers(v.Documents); !slices.Equal(got, want) {
		t.Errorf("documents %v, want %v", got, want)
	}
	if v.Documents[1].Credits != first || v.Documents[0].TotalCents != 15000 || len(v.Documents[0].Lines) != 3 {
		t.Errorf("the credit note or the first invoice changed: %+v", v.Documents[:2])
	}
	if v.Account.Open.Lines[1].Name != "Substitute Sam" || v.Account.BilledCents != 10000 || v.Status != convening.PaymentInvoiced {
		t.Errorf("after the change: %+v status %s", v.Account.Open.Lines, v.Status)
	}
	// A walk-in at the door is billed too.
	if _, err := e.svc.AddWalkIn(ctx, staff, reg.ID, convening.Member{Name: "Walk In", Email: "walk@district1.org", Role: convening.RoleOther}, "came along"); err != nil {
		t.Fatal(err)
	}
	if v = e.account(t, reg.ID); v.Account.BilledCents != 15000 || len(v.Documents) != 5 {
		t.Errorf("after a walk-in: billed %s, %d documents", v.Account.BilledCents, len(v.Documents))
	}
	// Cancelled: the open invoice is credited, nothing is owed.
	if _, err := e.svc.Cancel(ctx, reg.ID, token); err != nil {
		t.Fatal(err)
	}
	v = e.account(t, reg.ID)
	if v.Account.Open != nil || v.Account.BilledCents != 0 || v.Status != convening.PaymentNone || len(v.Documents) != 6 || v.Documents[5].Kind != convening.DocCreditNote {
		t.Errorf("after cancelling: %+v, %v", v.Account, numbers(v.Documents))
	}
	for i, d := range v.Documents {
		if d.Seq != i+1 {
			t.Errorf("document %d numbered %d", i, d.Seq)
		}
	}
	// Every document went to accounts payable, none to the team's contact.
	sent := e.apNotices(t, reg.ID)
	if len(sent) != 6 {
		t.Errorf("notices to accounts payable: %v", sent)
	}
	for _, s := range sent {
		if !strings.HasSuffix(s, " to ap@district1.org") {
			t.Errorf("notice %s", s)
		}
	}
	history, err := e.svc.Fees.FeeHistory(ctx, reg.ID)
	if err != nil || len(history) != 7 { // billing, 3 invoices, 3 credit notes
		t.Errorf("history: %d records, %v", len(history), err)
	}
	// An email to accounts payable sent again (its address mended).
	recs, err := e.store.RegistrationNotices(ctx, inv.ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("the first invoice's notices: %v %v", recs, err)
	}
	again, err := e.svc.ResendNotice(ctx, staff, recs[0].ID, "accounts payable's address mended")
	if err != nil || again.Kind != convening.NoticeInvoice || again.SubjectID != inv.ID || again.SubjectKind != convening.SubjectInvoice {
		t.Errorf("resent: %+v %v", again, err)
	}
	if _, err := e.svc.ResendNotice(ctx, staff, recs[0].ID, ""); convening.ErrorCode(err) != convening.EINVALID {
		t.Errorf("resent without a reason: %v", err)
	}
}

// testFeesTeamsOwnChangeReinvoices: a team that adds a member itself
// (ChangeTeam, with its manage link) is invoiced for the member like a
// change by staff: the open invoice credited, a new one issued to
// accounts payable for everyone; a change of contact alone issues nothing.
func testFeesTeamsOwnChangeReinvoices(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Now()
	e.svc.Clock = func() time.Time { return now }
	fy := convening.FiscalYear(now)
	e.feeEvent(t, "paid", 20, fifty)
	reg, token, _, err := e.svc.Register(ctx, "paid", Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := BillTo(1)
	if _, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b, PONumber: "PO-1"}); err != nil {
		t.Fatal(err)
	}
	members := append(slices.Clone(reg.Members), convening.Member{Name: "Ana Ruiz", Email: "ana@district1.org", Role: convening.RolePrincipal})
	if _, err := e.svc.ChangeTeam(ctx, reg.ID, token, convening.TeamChange{Members: &members}); err != nil {
		t.Fatal(err)
	}
	v := e.account(t, reg.ID)
	want := []string{"invoice " + convening.InvoiceNumber(fy, 1) + " $150.00", "credit_note " + convening.InvoiceNumber(fy, 2) + " $150.00",
		"invoice " + convening.InvoiceNumber(fy, 3) + " $200.00"}
	if got := numbers(v.Documents); !slices.Equal(got, want) {
		t.Fatalf("documents after the team added a member: %v, want %v", got, want)
	}
	if open := v.Account.Open; open == nil || len(open.Lines) != 4 || open.Lines[3].Name != "Ana Ruiz" || open.PONumber != "PO-1" ||
		v.Account.BilledCents != 20000 {
		t.Errorf("the new invoice: %+v", v.Account)
	}
	if sent := e.apNotices(t, reg.ID); len(sent) != 3 || !strings.HasPrefix(sent[2], "invoice "+convening.InvoiceNumber(fy, 3)) ||
		!strings.HasSuffix(sent[2], " to ap@district1.org") {
		t.Errorf("notices to accounts payable: %v", sent)
	}
	records, _, err := e.svc.Audit(ctx, convening.AuditQuery{Subject: reg.ID, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	issued := 0
	for _, r := range records {
		if r.Kind == convening.AuditInvoiced && r.Actor == convening.TeamActor {
			issued++
		}
	}
	if issued == 0 {
		t.Errorf("no invoice issued in the team's name in the audit log: %+v", records)
	}
	// A new contact alone: nothing billed again.
	c := convening.Contact{Name: "New Contact", Email: "new@district1.org"}
	if _, err := e.svc.ChangeTeam(ctx, reg.ID, token, convening.TeamChange{Contact: &c}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(e.account(t, reg.ID).Documents); len(got) != 3 {
		t.Errorf("a change of contact issued documents: %v", got)
	}
}

// testFeesPaymentsAndWaivers: a part payment, a waiver of the rest, a
// reversal; the same form twice records once.
func testFeesPaymentsAndWaivers(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Now()
	e.svc.Clock = func() time.Time { return now }
	e.feeEvent(t, "paid", 20, fifty)
	reg := e.invoicedTeam(t, "paid", 2, 3)
	today := convening.DateIn(now)
	pay := convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "10452", AmountCents: 5000, ReceivedOn: today}
	a, entry, replayed, err := e.svc.Fees.RecordEntry(ctx, staff, reg.ID, pay, "form-key-0000001")
	if err != nil || replayed {
		t.Fatalf("payment: %v (replayed %v)", err, replayed)
	}
	if a.PaidCents != 5000 || a.BalanceCents() != 10000 || a.Status(now) != convening.PaymentPartPaid || entry.Reference != "10452" {
		t.Errorf("after a part payment: %+v %+v", a, entry)
	}
	// The form sent twice: one payment.
	if _, again, replayed, err := e.svc.Fees.RecordEntry(ctx, staff, reg.ID, pay, "form-key-0000001"); err != nil || !replayed || again.ID != entry.ID {
		t.Errorf("the same form again: %v replayed %v %s", err, replayed, again.ID)
	}
	other := pay
	other.AmountCents = 6000
	_, _, _, err = e.svc.Fees.RecordEntry(ctx, staff, reg.ID, other, "form-key-0000001")
	wantReason(t, "the same key for another payment", err, convening.ReasonIdempotencyKeyReused)
	// A waiver above the balance is refused, naming the field.
	waive := convening.EntryInput{Kind: convening.EntryWaiver, AmountCents: 10001, ReceivedOn: today, Reason: "Foundation subsidy"}
	_, _, _, err = e.svc.Fees.RecordEntry(ctx, staff, reg.ID, waive, "")
	if fe := convening.AsError(err); fe == nil || len(fe.Fields) != 1 || fe.Fields[0].Field != "amountCents" {
		t.Errorf("waiver above the balance: %v", err)
	}
	waive.AmountCents = 10000
	if a, _, _, err = e.svc.Fees.RecordEntry(ctx, staff, reg.ID, waive, ""); err != nil {
		t.Fatal(err)
	}
	if a.BalanceCents() != 0 || a.Status(now) != convening.PaymentWaived {
		t.Errorf("after the waiver: balance %s status %s", a.BalanceCents(), a.Status(now))
	}
	_, _, _, err = e.svc.Fees.RecordEntry(ctx, staff, reg.ID, waive, "")
	wantReason(t, "a waiver with nothing owed", err, convening.ReasonNothingOwed)
	// The check bounced: reversed, once.
	if a, err = e.svc.Fees.ReverseEntry(ctx, staff, reg.ID, entry.ID, "The check was returned unpaid"); err != nil {
		t.Fatal(err)
	}
	if a.PaidCents != 0 || a.BalanceCents() != 5000 {
		t.Errorf("after the reversal: %+v", a)
	}
	_, err = e.svc.Fees.ReverseEntry(ctx, staff, reg.ID, entry.ID, "again")
	wantReason(t, "reversing twice", err, convening.ReasonAlreadyReversed)
	_, err = e.svc.Fees.ReverseEntry(ctx, staff, reg.ID, "no-such-entry", "why")
	wantReason(t, "reversing an unknown entry", err, convening.ReasonEntryUnknown)
	v := e.account(t, reg.ID)
	if len(v.Entries) != 3 || v.Entries[2].Reverses != entry.ID || v.Entries[2].AmountCents != -5000 || v.Entries[0].Actor.ID != staff.ID {
		t.Errorf("ledger %+v", v.Entries)
	}
	// The ledger of the event holds the documents and the entries.
	_, docs, entries, err := e.svc.Fees.EventLedger(ctx, "paid")
	if err != nil || len(docs) != 1 || len(entries) != 3 {
		t.Errorf("event ledger: %d documents, %d entries, %v", len(docs), len(entries), err)
	}
	fees, err := e.svc.Fees.EventFees(ctx, "paid")
	if err != nil {
		t.Fatal(err)
	}
	want := convening.FeeTotals{BilledCents: 15000, PaidCents: 0, WaivedCents: 10000, OutstandingCents: 5000}
	if fees.Totals != want {
		t.Errorf("totals %+v, want %+v", fees.Totals, want)
	}
}

// invoicedTeam registers team n of size members and gives its billing
// details: it is invoiced.
func (e *env) invoicedTeam(t testing.TB, eventID string, n, size int) convening.Registration {
	t.Helper()
	ctx := context.Background()
	reg, token, _, err := e.svc.Register(ctx, eventID, Team(n, size), nil)
	if err != nil {
		t.Fatal(err)
	}
	b := BillTo(n)
	a, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b})
	if err != nil {
		t.Fatal(err)
	}
	if a.Open == nil {
		t.Fatalf("team %d not invoiced: %+v", n, a)
	}
	return reg
}

// testFeesBadInputChangesNothing: bad amounts, bad PO numbers, bad
// billing details are EINVALID naming the field, and nothing stored
// changes.
func testFeesBadInputChangesNothing(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Now()
	e.svc.Clock = func() time.Time { return now }
	e.feeEvent(t, "paid", 20, fifty)
	reg := e.invoicedTeam(t, "paid", 3, 2)
	_, token, _, _ := reg, e.svc.Tokens.Token(reg.ID), 0, 0
	before := e.account(t, reg.ID)
	today := convening.DateIn(now)
	entries := []struct {
		name  string
		in    convening.EntryInput
		field string
	}{
		{"ZeroAmount", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "1", AmountCents: 0, ReceivedOn: today}, "amountCents"},
		{"NegativeAmount", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "1", AmountCents: -100, ReceivedOn: today}, "amountCents"},
		{"HugeAmount", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodACH, Reference: "1", AmountCents: convening.MaxAmount + 1, ReceivedOn: today}, "amountCents"},
		{"NoReference", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, AmountCents: 100, ReceivedOn: today}, "reference"},
		{"BadMethod", convening.EntryInput{Kind: convening.EntryPayment, Method: "card", Reference: "1", AmountCents: 100, ReceivedOn: today}, "method"},
		{"FutureDate", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "1", AmountCents: 100, ReceivedOn: convening.DateIn(now.AddDate(0, 0, 3))}, "receivedOn"},
		{"BadDate", convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "1", AmountCents: 100, ReceivedOn: "06/30/2027"}, "receivedOn"},
		{"WaiverWithoutReason", convening.EntryInput{Kind: convening.EntryWaiver, AmountCents: 100, ReceivedOn: today}, "reason"},
		{"UnknownKind", convening.EntryInput{Kind: "refund", AmountCents: 100, ReceivedOn: today}, "kind"},
	}
	for _, tt := range entries {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := e.svc.Fees.RecordEntry(ctx, staff, reg.ID, tt.in, "")
			wantField(t, err, tt.field)
		})
	}
	billing := []struct {
		name  string
		in    convening.BillingInput
		field string
	}{
		{"BadPO", convening.BillingInput{PONumber: "PO;DROP TABLE"}, "poNumber"},
		{"POWithoutDigit", convening.BillingInput{PONumber: "PENDING"}, "poNumber"},
		{"LongPO", convening.BillingInput{PONumber: strings.Repeat("7", 31)}, "poNumber"},
		{"BadZIP", convening.BillingInput{BillTo: &convening.BillTo{LegalName: "X USD", Address: convening.Address{Line1: "1 A St", City: "Fresno", ZIP: "9372"},
			AccountsPayable: convening.APContact{Name: "P", Email: "p@x.org", Phone: "559-555-0100"}}}, "billTo.address.zip"},
		{"BadPhone", convening.BillingInput{BillTo: &convening.BillTo{LegalName: "X USD", Address: convening.Address{Line1: "1 A St", City: "Fresno", ZIP: "93721"},
			AccountsPayable: convening.APContact{Name: "P", Email: "p@x.org", Phone: "call me"}}}, "billTo.accountsPayable.phone"},
		{"BadEmail", convening.BillingInput{BillTo: &convening.BillTo{LegalName: "X USD", Address: convening.Address{Line1: "1 A St", City: "Fresno", ZIP: "93721"},
			AccountsPayable: convening.APContact{Name: "P", Email: "payable", Phone: "559-555-0100"}}}, "billTo.accountsPayable.email"},
	}
	for _, tt := range billing {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, tt.in)
			wantField(t, err, tt.field)
		})
	}
	_, err := e.svc.Fees.Discount(ctx, staff, reg.ID, 6000, "more than the price")
	wantField(t, err, "unitCents")
	_, err = e.svc.Fees.SetFeePolicy(ctx, staff, "paid", convening.FeePolicy{PriceCents: -1, Terms: "net_60", POExpected: true}, "")
	wantField(t, err, "priceCents", "terms", "poExpectedBy")
	after := e.account(t, reg.ID)
	if after.Account.Version != before.Account.Version || len(after.Entries) != 0 || len(after.Documents) != len(before.Documents) {
		t.Errorf("bad input changed the account: %+v, %d entries", after.Account, len(after.Entries))
	}
	if _, p, err := e.svc.Fees.FeePolicy(ctx, "paid"); err != nil || p.PriceCents != 5000 || p.Terms != convening.DueNet30 {
		t.Errorf("bad input changed the policy: %+v %v", p, err)
	}
	// A price needs the payee's settings.
	unconfigured := convening.NewFeeService(convening.NewBasics(nil), e.store, convening.Payee{})
	_, err = unconfigured.SetFeePolicy(ctx, staff, "paid", fifty, "")
	wantReason(t, "a price without a payee", err, convening.ReasonPayeeNotConfigured)
}

// wantField checks err is EINVALID with field errors on exactly fields.
func wantField(t testing.TB, err error, fields ...string) {
	t.Helper()
	e := convening.AsError(err)
	if e == nil || e.Code != convening.EINVALID {
		t.Fatalf("error %v, want EINVALID on %v", err, fields)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Errorf("fields %v, want %v", got, fields)
	}
}

// testFeesRacePayments: payments recorded at once are all recorded, and
// the balance is exact.
func testFeesRacePayments(t *testing.T, e *env) {
	ctx := context.Background()
	e.feeEvent(t, "paid", 40, fifty)
	reg := e.invoicedTeam(t, "paid", 4, 8) // $400
	const n = 8
	errs := make([]error, n)
	race(n, func(i int) {
		in := convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodACH, Reference: fmt.Sprintf("TRACE%03d", i),
			AmountCents: convening.Cents(1000 + i), ReceivedOn: convening.DateIn(time.Now())}
		if i%4 == 3 {
			in = convening.EntryInput{Kind: convening.EntryWaiver, AmountCents: 500, ReceivedOn: in.ReceivedOn, Reason: "subsidy"}
		}
		_, _, _, errs[i] = e.svc.Fees.RecordEntry(ctx, staff, reg.ID, in, fmt.Sprintf("race-key-%08d", i))
	})
	var paid, waived convening.Cents
	for i, err := range errs {
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if i%4 == 3 {
			waived += 500
		} else {
			paid += convening.Cents(1000 + i)
		}
	}
	v := e.account(t, reg.ID)
	if v.Account.PaidCents != paid || v.Account.WaivedCents != waived || v.Account.BalanceCents() != 40000-paid-waived || len(v.Entries) != n {
		t.Errorf("after %d entries at once: paid %s (want %s), waived %s (want %s), %d entries", n, v.Account.PaidCents, paid, v.Account.WaivedCents, waived, len(v.Entries))
	}
	var sum convening.Cents
	for _, en := range v.Entries {
		sum += en.AmountCents
	}
	if sum != paid+waived {
		t.Errorf("the entries sum to %s, the account says %s", sum, paid+waived)
	}
}

// testFeesRaceInvoiceNumbers: teams invoiced at once get consecutive
// numbers, none twice.
func testFeesRaceInvoiceNumbers(t *testing.T, e *env) {
	ctx := context.Background()
	e.feeEvent(t, "paid", 100, fifty)
	const n = 6
	regs, tokens := make([]convening.Registration, n), make([]string, n)
	for i := range n {
		var err error
		if regs[i], tokens[i], _, err = e.svc.Register(ctx, "paid", Team(10+i, 2), nil); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]error, n)
	race(n, func(i int) {
		b := BillTo(10 + i)
		_, errs[i] = e.svc.Billing.SetBilling(ctx, regs[i].ID, tokens[i], convening.BillingInput{BillTo: &b})
	})
	fy := convening.FiscalYear(time.Now())
	seen := map[int]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("team %d: %v", i, err)
		}
		a := e.account(t, regs[i].ID).Account
		if a.Open == nil || a.Open.FiscalYear != fy || seen[a.Open.Seq] {
			t.Fatalf("team %d: %+v (seen %v)", i, a.Open, seen)
		}
		seen[a.Open.Seq] = true
	}
	for seq := 1; seq <= n; seq++ {
		if !seen[seq] {
			t.Errorf("number %d was not issued: %v", seq, seen)
		}
	}
}

// testFeesBillToReusedAndPOExpected: an organization's bill-to is asked
// once and reused; an event expecting a PO waits for it until its date.
func testFeesBillToReusedAndPOExpected(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Now()
	e.svc.Clock = func() time.Time { return now }
	e.feeEvent(t, "first", 20, fifty)
	e.invoicedTeam(t, "first", 5, 2)
	by := convening.DateIn(now.AddDate(0, 0, 10))
	e.feeEvent(t, "second", 20, convening.FeePolicy{PriceCents: 7500, Terms: convening.DueAfterEvent, POExpected: true, POExpectedBy: by})
	reg, token, _, err := e.svc.Register(ctx, "second", Team(5, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := e.account(t, reg.ID)
	if v.Account.BillTo == nil || v.Account.BillTo.LegalName != BillTo(5).LegalName || v.Account.Awaiting != convening.AwaitingPurchaseOrder || v.Status != convening.PaymentNotInvoiced {
		t.Errorf("second registration: bill-to %+v, awaiting %q, status %q", v.Account.BillTo, v.Account.Awaiting, v.Status)
	}
	// No bill-to given: the one on file is kept; the PO issues the invoice.
	a, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{PONumber: "4500012345"})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := e.svc.Event(ctx, "second")
	if a.Open == nil || a.Open.PONumber != "4500012345" || a.Open.TotalCents != 15000 || a.Open.DueOn != convening.DateIn(ev.EndsAt.AddDate(0, 0, 30)) {
		t.Errorf("with its PO: %+v", a.Open)
	}
	// Another organization, no bill-to on file: required.
	reg2, token2, _, err := e.svc.Register(ctx, "second", Team(6, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Billing.SetBilling(ctx, reg2.ID, token2, convening.BillingInput{PONumber: "B27-0001"})
	wantReason(t, "no bill-to on file", err, convening.ReasonNoBillTo)
	if _, err := e.svc.Billing.CheckBilling(ctx, reg2.Organization, convening.BillingInput{}); convening.ErrorCode(err) != convening.EINVALID {
		t.Errorf("check billing without a bill-to on file: %v", err)
	}
	b := BillTo(6)
	if a, err = e.svc.Billing.SetBilling(ctx, reg2.ID, token2, convening.BillingInput{BillTo: &b}); err != nil || a.Open != nil || a.Awaiting != convening.AwaitingPurchaseOrder {
		t.Errorf("bill-to without a PO before its date: %+v %v", a, err)
	}
	// Staff issue it without the PO; past the date it is missing.
	if a, err = e.svc.Fees.IssueNow(ctx, staff, reg2.ID); err != nil || a.Open == nil || a.Open.PONumber != "" {
		t.Errorf("issued without the PO: %+v %v", a.Open, err)
	}
	later := e.svc.WithClock(func() time.Time { return now.AddDate(0, 0, 12) })
	v = e.account(t, reg2.ID)
	if lv, _ := later.Fees.StaffAccount(ctx, reg2.ID); !lv.POMissing || v.POMissing {
		t.Errorf("PO missing after its date %v, before %v", lv.POMissing, v.POMissing)
	}
}

// testFeesDiscountPromotionAndFreeEvents: a discount reissues the
// invoice, a discount to nothing waives it; a team promoted from the
// waiting list is invoiced; a free event's teams get no account.
func testFeesDiscountPromotionAndFreeEvents(t *testing.T, e *env) {
	ctx := context.Background()
	e.feeEvent(t, "paid", 4, fifty)
	reg := e.invoicedTeam(t, "paid", 7, 2)
	a, err := e.svc.Fees.Discount(ctx, staff, reg.ID, 2500, "Foundation subsidy for small districts")
	if err != nil {
		t.Fatal(err)
	}
	if a.Open == nil || a.Open.TotalCents != 5000 || a.Documents != 3 || !strings.Contains(a.Open.Note, "Foundation subsidy") {
		t.Errorf("discounted: %+v", a)
	}
	if a, err = e.svc.Fees.Discount(ctx, staff, reg.ID, 0, "Waived: host district"); err != nil || a.Open != nil || a.Status(time.Now()) != convening.PaymentWaived {
		t.Errorf("discount to nothing: %+v %v", a, err)
	}
	// A waitlisted team is not invoiced; promoted, it is.
	b := BillTo(8)
	if _, err := e.svc.Fees.SetFeePolicy(ctx, staff, "paid", fifty, ""); err != nil {
		t.Fatal(err)
	}
	filler, ftoken, _, err := e.svc.Register(ctx, "paid", Team(9, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting, wtoken, _, err := e.svc.Register(ctx, "paid", Team(8, 2), nil)
	if err != nil || waiting.Status != convening.StatusWaitlisted {
		t.Fatalf("waitlisted %v %v", waiting.Status, err)
	}
	if a, err := e.svc.Billing.SetBilling(ctx, waiting.ID, wtoken, convening.BillingInput{BillTo: &b}); err != nil || a.Open != nil {
		t.Errorf("a waitlisted team invoiced: %+v %v", a.Open, err)
	}
	if _, err := e.svc.Cancel(ctx, filler.ID, ftoken); err != nil {
		t.Fatal(err)
	}
	if a := e.account(t, waiting.ID).Account; a.Open == nil || a.Open.TotalCents != 10000 {
		t.Errorf("the promoted team's invoice: %+v", a.Open)
	}
	// A free event.
	e.createEvent(t, "free", 10, convening.PolicyStrict)
	free, _, _, err := e.svc.Register(ctx, "free", Team(11, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := e.store.Account(ctx, free.ID); err != nil || a.Exists() {
		t.Errorf("a free event's team has an account: %+v %v", a, err)
	}
}

// testFeesPolicyAfterTeamsRegistered: the teams of an event without a
// fee policy are not invoiced (nor is the policy read for them: the
// registration is conditioned on the event having none). Once staff set a
// policy, every team that takes seats after it is invoiced, whether it
// registers or is promoted, even through a store that last saw the event
// without one.
func testFeesPolicyAfterTeamsRegistered(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "later", 6, convening.PolicyStrict)
	register := func(n, size int, want convening.Status) (convening.Registration, string) {
		t.Helper()
		reg, token, _, err := e.svc.Register(ctx, "later", Team(n, size), nil)
		if err != nil || reg.Status != want {
			t.Fatalf("team %d: %v %v, want %s", n, reg.Status, err, want)
		}
		return reg, token
	}
	noAccount := func(reg convening.Registration) {
		t.Helper()
		if a, err := e.store.Account(ctx, reg.ID); err != nil || a.Exists() {
			t.Errorf("team %s has an account at a free event: %+v %v", reg.Organization.Name, a, err)
		}
	}
	// invoiced: the team's account was opened when it took its seats (it
	// awaits the billing details), and the invoice follows them.
	invoiced := func(reg convening.Registration, token string, n int, cents convening.Cents) {
		t.Helper()
		if a := e.account(t, reg.ID).Account; a.Awaiting != convening.AwaitingBillTo {
			t.Errorf("team %s's account: %+v, want it awaiting billing details", reg.Organization.Name, a)
		}
		b := BillTo(n)
		a, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b})
		if err != nil || a.Open == nil || a.Open.TotalCents != cents {
			t.Errorf("team %s's invoice: %+v %v, want %d cents", reg.Organization.Name, a.Open, err, cents)
		}
	}
	first, _ := register(1, 2, convening.StatusRegistered)
	second, secondToken := register(2, 2, convening.StatusRegistered)
	// The event is full for four: the store learns it, free as it is.
	big, bigToken := register(3, 4, convening.StatusWaitlisted)
	noAccount(first)
	noAccount(second)

	if _, err := e.svc.Fees.SetFeePolicy(ctx, staff, "later", fifty, "the board set a price"); err != nil {
		t.Fatal(err)
	}
	noAccount(first) // registered while the event was free
	if _, err := e.svc.Cancel(ctx, big.ID, bigToken); err != nil {
		t.Fatal(err)
	}
	third, thirdToken := register(4, 2, convening.StatusRegistered)
	invoiced(third, thirdToken, 4, 10000)
	// Promoted after the policy: invoiced too.
	waiting, waitingToken := register(5, 4, convening.StatusWaitlisted)
	if _, err := e.svc.Cancel(ctx, second.ID, secondToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(ctx, third.ID, thirdToken); err != nil {
		t.Fatal(err)
	}
	if r, err := e.store.Registration(ctx, waiting.ID); err != nil || r.Status != convening.StatusRegistered {
		t.Fatalf("the waiting team after two cancellations: %v %v", r.Status, err)
	}
	invoiced(waiting, waitingToken, 5, 20000)
}

// testFeesReceivablesAndReminders: open accounts by organization with
// aging; overdue is an alert, the seat stays; reminders go to accounts
// payable at most once a day.
func testFeesReceivablesAndReminders(t *testing.T, e *env) {
	ctx := context.Background()
	start := time.Now()
	clock := start
	e.svc.Clock = func() time.Time { return clock }
	ev := Event("paid", 40, convening.PolicyStrict)
	ev.StartsAt, ev.EndsAt = ev.StartsAt.AddDate(0, 4, 0), ev.EndsAt.AddDate(0, 4, 0)
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Fees.SetFeePolicy(ctx, staff, "paid", fifty, ""); err != nil {
		t.Fatal(err)
	}
	old := e.invoicedTeam(t, "paid", 12, 2)
	clock = start.AddDate(0, 0, 30)
	mid := e.invoicedTeam(t, "paid", 13, 1)
	clock = start.AddDate(0, 0, 70)
	e.invoicedTeam(t, "paid", 14, 3)
	r, err := e.svc.Fees.Receivables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Aging["0-30"] != 15000 || r.Aging["31-60"] != 5000 || r.Aging["61+"] != 10000 || r.TotalCents != 30000 || len(r.Organizations) != 3 {
		t.Errorf("receivables: %+v", r)
	}
	if r.Overdue != 2 {
		t.Errorf("%d overdue, want 2", r.Overdue)
	}
	reg, err := e.svc.StaffRegistration(ctx, old.ID)
	if err != nil || reg.Status != convening.StatusRegistered {
		t.Errorf("an overdue team's registration: %v %v", reg.Status, err)
	}
	if _, err := e.svc.Fees.Remind(ctx, staff, old.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Fees.Remind(ctx, staff, old.ID)
	wantReason(t, "a second reminder the same day", err, convening.ReasonRemindedRecently)
	if sent := e.apNotices(t, old.ID); len(sent) != 2 || !strings.HasPrefix(sent[1], "payment_reminder ") {
		t.Errorf("notices %v", sent)
	}
	// Paid in full: off the receivables.
	pay := convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "2201", AmountCents: 5000, ReceivedOn: convening.DateIn(clock)}
	if _, _, _, err := e.svc.Fees.RecordEntry(ctx, staff, mid.ID, pay, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ = e.svc.Fees.Receivables(ctx); len(r.Organizations) != 2 || r.TotalCents != 25000 {
		t.Errorf("after a payment in full: %+v", r)
	}
	_, err = e.svc.Fees.Remind(ctx, staff, mid.ID)
	wantReason(t, "a reminder with nothing owed", err, convening.ReasonNothingOwed)
}

// testFeesW9: the W-9 is kept in the table, chunked, whole.
func testFeesW9(t *testing.T, e *env) {
	ctx := context.Background()
	if _, err := e.svc.Fees.W9(ctx); convening.ErrorReason(err) != convening.ReasonW9Missing {
		t.Errorf("before an upload: %v", err)
	}
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), 700<<10/16)...)
	doc, err := e.svc.Fees.UploadW9(ctx, staff, "W-9 signed.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := e.svc.Fees.W9Info(ctx); err != nil || info.Size != len(pdf) || info.Data != nil || !e.svc.Billing.HasW9(ctx) {
		t.Errorf("W-9 info: %+v %v", info, err)
	}
	got, err := e.svc.Fees.W9(ctx)
	if err != nil || !bytes.Equal(got.Data, pdf) || got.SHA256 != doc.SHA256 || got.Filename != "W-9 signed.pdf" || got.UploadedBy.ID != staff.ID {
		t.Fatalf("read back %d bytes (want %d), %v", len(got.Data), len(pdf), err)
	}
	_, err = e.svc.Fees.UploadW9(ctx, staff, "x.pdf", []byte("not a pdf"))
	wantField(t, err, "file")
	_, err = e.svc.Fees.UploadW9(ctx, staff, "x.pdf", append([]byte("%PDF-"), make([]byte, convening.MaxW9Bytes)...))
	wantField(t, err, "file")
	small := []byte("%PDF-1.4 small")
	if _, err := e.svc.Fees.UploadW9(ctx, staff, "", small); err != nil {
		t.Fatal(err)
	}
	if got, err = e.svc.Fees.W9(ctx); err != nil || !bytes.Equal(got.Data, small) || got.Filename != "W-9.pdf" {
		t.Errorf("replaced: %q %v", got.Data, err)
	}
}
