package convening_test

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want convening.Cents
		rule convening.Rule // "" if valid
	}{
		{"50", 5000, ""},
		{"$50", 5000, ""},
		{" $50.00 ", 5000, ""},
		{"50.5", 5050, ""},
		{"0.07", 7, ""},
		{".5", 50, ""},
		{"1,234.56", 123456, ""},
		{"$1,234.56", 123456, ""},
		{"1234.56", 123456, ""},
		{"1,000,000", 100000000, ""},
		{"0", 0, ""},
		{"1,000,000.01", 0, convening.RuleRange},
		{"99999999999999", 0, convening.RuleRange},
		{"", 0, convening.RuleRequired},
		{"$", 0, convening.RuleRequired},
		{"12.345", 0, convening.RuleMoney},
		{"12.", 0, convening.RuleMoney},
		{"-5", 0, convening.RuleMoney},
		{"1,23.00", 0, convening.RuleMoney},
		{"12,34", 0, convening.RuleMoney},
		{",123", 0, convening.RuleMoney},
		{"1e3", 0, convening.RuleMoney},
		{"$ 50", 0, convening.RuleMoney},
		{"50 USD", 0, convening.RuleMoney},
		{"1.2.3", 0, convening.RuleMoney},
		{"٥٠", 0, convening.RuleMoney},
		{"0x10", 0, convening.RuleMoney},
		{"NaN", 0, convening.RuleMoney},
		{"+5", 0, convening.RuleMoney},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := convening.ParseMoney("amount", tt.in)
			if tt.rule == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseMoney(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
				}
				return
			}
			e := convening.AsError(err)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "amount" || e.Fields[0].Rule != tt.rule {
				t.Fatalf("ParseMoney(%q) = %d, %v; want rule %s on amount", tt.in, got, err, tt.rule)
			}
		})
	}
}

func TestCentsString(t *testing.T) {
	for c, want := range map[convening.Cents]string{0: "$0.00", 7: "$0.07", 5000: "$50.00", 123456: "$1,234.56",
		-2500: "-$25.00", 100000000: "$1,000,000.00", 99999: "$999.99"} {
		if got := c.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(c), got, want)
		}
		if back, err := convening.ParseMoney("x", strings.TrimPrefix(c.String(), "-")); err != nil || (c >= 0 && back != c) {
			t.Errorf("%s does not parse back: %d %v", c, back, err)
		}
	}
}

// FuzzParseMoney: the money parser never panics, accepts only what it
// reads exactly (the cents equal the decimal's value, computed with
// arbitrary precision), never more than two decimals or more than
// MaxAmount, and what it accepts writes back to a form it reads the same.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"50", "$1,234.56", "12.345", "1,23.00", ".5", "1,000,000.00", "-1", "9223372036854775807", " $0.99 ", "1,,000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := convening.ParseMoney("amount", s)
		if err != nil {
			if e := convening.AsError(err); e == nil || e.Code != convening.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "amount" {
				t.Fatalf("%q: error %v", s, err)
			}
			return
		}
		if c < 0 || c > convening.MaxAmount {
			t.Fatalf("%q: %d out of range", s, c)
		}
		plain := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "$"), ",", "")
		if i := strings.IndexByte(plain, '.'); i >= 0 && len(plain)-i-1 > 2 {
			t.Fatalf("%q: more than two decimals accepted", s)
		}
		r, ok := new(big.Rat).SetString(plain)
		if !ok {
			t.Fatalf("%q accepted as %d but is no decimal", s, c)
		}
		if want := new(big.Rat).Mul(r, big.NewRat(100, 1)); want.Cmp(big.NewRat(int64(c), 1)) != 0 {
			t.Fatalf("%q read as %d cents, is %s", s, c, want.FloatString(2))
		}
		for _, w := range []string{c.String(), c.Plain()} {
			if back, err := convening.ParseMoney("amount", w); err != nil || back != c {
				t.Fatalf("%q: %d writes as %q, which reads %d, %v", s, c, w, back, err)
			}
		}
	})
}

func TestValidPONumber(t *testing.T) {
	valid := []string{"P0012345", "PO-2027-00123", "27-001234", "4500012345", "B27 00123", "PO# 27/0345", "#12345", "po.2027.1", "7"}
	invalid := []string{"", "PENDING", "PO-", "-123", " 123", "123 ", "PO–2027" /* en dash */, "PO_2027", "PO;1", "PO\n1",
		strings.Repeat("1", 31), "ＰＯ１２３", "PO 123<script>"}
	for _, s := range valid {
		if !convening.ValidPONumber(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range invalid {
		if convening.ValidPONumber(s) {
			t.Errorf("%q accepted", s)
		}
	}
	if err := convening.CheckPONumber("poNumber", "  PO   2027  "); err != nil {
		t.Errorf("spaces are normalized: %v", err)
	}
}

// FuzzPONumber: a PO number either passes, and is then short, printable
// ASCII with a digit and stable under normalizing again, or fails naming
// the field with the rule po_number.
func FuzzPONumber(f *testing.F) {
	for _, s := range []string{"PO-2027-00123", "P0012345", " po # 1 ", "PENDING", "4500012345", "\x00", "PO\u00a01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := convening.CheckPONumber("poNumber", s)
		n := convening.NormalizePONumber(s)
		if err != nil {
			e := convening.AsError(err)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "poNumber" || e.Fields[0].Rule != convening.RulePONumber {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if n == "" {
			return
		}
		if len(n) > convening.MaxPONumberLen || !strings.ContainsAny(n, "0123456789") || convening.NormalizePONumber(n) != n {
			t.Fatalf("%q accepted as %q", s, n)
		}
		for _, r := range n {
			if r < ' ' || r > '~' {
				t.Fatalf("%q accepted with %q", s, r)
			}
		}
	})
}

func validBillTo() convening.BillTo {
	return convening.BillTo{LegalName: "Fresno Unified School District", Address: convening.Address{Line1: "2309 Tulare St", City: "Fresno", State: "ca", ZIP: "93721-2287"},
		AccountsPayable: convening.APContact{Name: "Pat Payable", Email: "ap@fresnounified.org", Phone: "(559) 457-3000 ext. 12"}}
}

func TestBillTo(t *testing.T) {
	b := validBillTo()
	b.Normalize()
	if err := b.Validate("billTo"); err != nil || b.Address.State != "CA" {
		t.Fatalf("valid bill-to: %v (%s)", err, b.Address.State)
	}
	for _, phone := range []string{"559-457-3000", "+1 559 457 3000", "5594573000", "(559)457-3000 x2", "1.559.457.3000"} {
		c := b
		c.AccountsPayable.Phone = phone
		if err := c.Validate(""); err != nil {
			t.Errorf("phone %q: %v", phone, err)
		}
	}
	bad := b
	bad.LegalName, bad.Address.State, bad.Address.ZIP, bad.AccountsPayable.Phone, bad.AccountsPayable.Email = "", "ZZ", "1234", "555-0100", "not@"
	e := convening.AsError(bad.Validate("billTo"))
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field+":"+string(f.Rule))
	}
	want := "billTo.legalName:required billTo.address.state:us_state billTo.address.zip:zip billTo.accountsPayable.email:email billTo.accountsPayable.phone:phone"
	if strings.Join(fields, " ") != want {
		t.Errorf("fields %v", fields)
	}
}

// FuzzBillingInput: billing details as a client sends them normalize and
// validate without panicking; what passes is bounded, single-line and
// stable under normalizing again, and what fails names fields under
// billTo or poNumber.
func FuzzBillingInput(f *testing.F) {
	f.Add(`{"billTo":{"legalName":"Fresno Unified School District","address":{"line1":"2309 Tulare St","city":"Fresno","state":"CA","zip":"93721"},"accountsPayable":{"name":"Pat","email":"ap@fresnounified.org","phone":"559-457-3000"}},"poNumber":"PO-1"}`)
	f.Add(`{"billTo":{"address":{"state":"  "}},"poNumber":""}`)
	f.Add(`{"billTo":{"legalName":"\u202e","address":{"zip":"93721-"},"accountsPayable":{"phone":"+1 (559) 457-3000 extension 123456"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in convening.BillingInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		in.Normalize()
		err := in.Validate()
		if err != nil {
			e := convening.AsError(err)
			if e == nil || e.Code != convening.EINVALID {
				t.Fatalf("error %v", err)
			}
			for _, f := range e.Fields {
				if !strings.HasPrefix(f.Field, "billTo.") && f.Field != "poNumber" {
					t.Fatalf("field %q", f.Field)
				}
			}
			return
		}
		again := in
		if in.BillTo != nil {
			b := *in.BillTo
			again.BillTo = &b
		}
		again.Normalize()
		if (in.BillTo == nil) != (again.BillTo == nil) || in.BillTo != nil && *in.BillTo != *again.BillTo || in.PONumber != again.PONumber {
			t.Fatalf("normalizing again changed %+v", in)
		}
		if b := in.BillTo; b != nil {
			for _, s := range []string{b.LegalName, b.Address.Line1, b.Address.Line2, b.Address.City, b.AccountsPayable.Name} {
				if strings.ContainsAny(s, "\r\n") || len(s) > 1000 {
					t.Fatalf("field %q accepted", s)
				}
			}
			if !convening.DeliverableEmail(b.AccountsPayable.Email) {
				t.Fatalf("address %q accepted", b.AccountsPayable.Email)
			}
		}
	})
}

func TestFiscalYear(t *testing.T) {
	pt := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, convening.Pacific)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for in, want := range map[string]string{
		"2027-06-30 23:59": "2026-27-0001",
		"2027-07-01 00:00": "2027-28-0001",
		"2027-01-15 12:00": "2026-27-0001",
		"2099-12-31 12:00": "2099-00-0001",
	} {
		if got := convening.InvoiceNumber(convening.FiscalYear(pt(in)), 1); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	// 07:30 UTC on July 1 is still June 30 in California.
	if fy := convening.FiscalYear(time.Date(2027, 7, 1, 6, 30, 0, 0, time.UTC)); fy != 2026 {
		t.Errorf("July 1, 06:30 UTC is in fiscal year %d", fy)
	}
}

func TestDueOn(t *testing.T) {
	issued := time.Date(2027, 3, 10, 18, 0, 0, 0, time.UTC)
	ends := time.Date(2027, 6, 23, 22, 30, 0, 0, time.UTC)
	net := convening.FeePolicy{Terms: convening.DueNet30}
	after := convening.FeePolicy{Terms: convening.DueAfterEvent}
	if got := net.DueOn(issued, ends); got != "2027-04-09" {
		t.Errorf("net 30: %s", got)
	}
	if got := after.DueOn(issued, ends); got != "2027-07-23" {
		t.Errorf("after the event: %s", got)
	}
	if got := after.DueOn(ends.AddDate(0, 1, 0), ends); got != "2027-08-22" {
		t.Errorf("after the event, issued later: %s", got)
	}
}

func TestPaymentStatus(t *testing.T) {
	now := time.Date(2027, 5, 1, 18, 0, 0, 0, time.UTC)
	open := &convening.Invoice{DueOn: "2027-05-15", IssuedAt: now.AddDate(0, 0, -15)}
	late := &convening.Invoice{DueOn: "2027-04-30", IssuedAt: now.AddDate(0, 0, -40)}
	tests := []struct {
		name string
		a    convening.Account
		want convening.PaymentStatus
	}{
		{"Nothing", convening.Account{}, convening.PaymentNone},
		{"AwaitingBillTo", convening.Account{Awaiting: convening.AwaitingBillTo}, convening.PaymentNotInvoiced},
		{"Invoiced", convening.Account{Open: open, BilledCents: 10000}, convening.PaymentInvoiced},
		{"PartPaid", convening.Account{Open: open, BilledCents: 10000, PaidCents: 5000}, convening.PaymentPartPaid},
		{"Paid", convening.Account{Open: open, BilledCents: 10000, PaidCents: 10000}, convening.PaymentPaid},
		{"Overpaid", convening.Account{Open: open, BilledCents: 10000, PaidCents: 12000}, convening.PaymentPaid},
		{"PartPaidRestWaived", convening.Account{Open: open, BilledCents: 10000, PaidCents: 5000, WaivedCents: 5000}, convening.PaymentWaived},
		{"Overdue", convening.Account{Open: late, BilledCents: 10000}, convening.PaymentOverdue},
		{"OverduePartPaid", convening.Account{Open: late, BilledCents: 10000, PaidCents: 100}, convening.PaymentOverdue},
		{"DiscountedToNothing", convening.Account{Discount: &convening.Discount{}}, convening.PaymentWaived},
		{"CancelledAfterPaying", convening.Account{PaidCents: 5000}, convening.PaymentPaid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Status(now); got != tt.want {
				t.Errorf("status %q, want %q", got, tt.want)
			}
		})
	}
	if d := (convening.Account{Open: late}).AgeDays(now); d != 40 || convening.AgingBucket(d) != "31-60" {
		t.Errorf("age %d", d)
	}
}

// TestDecideReconcileIsPure: the invoicing decision depends only on the
// registration as it is now and what was invoiced: deciding it again
// from its own result changes nothing, and an erased registration keeps
// its invoices as issued.
func TestDecideReconcileIsPure(t *testing.T) {
	now := time.Date(2027, 3, 1, 18, 0, 0, 0, time.UTC)
	n := 0
	newID := func() string { n++; return "id" + string(rune('A'+n)) }
	b := validBillTo()
	b.Normalize()
	reg := convening.Registration{ID: "r1", EventID: "e1", Status: convening.StatusRegistered, Team: convening.Team{
		Organization: convening.Organization{Name: "Fresno Unified", Type: convening.OrgDistrict, County: "Fresno"},
		Members:      []convening.Member{{ID: "m1", Name: "Ana", Role: convening.RoleSuperintendent}, {ID: "m2", Name: "Bo", Role: convening.RoleBoardMember}}}}
	s := convening.AccountState{Registration: reg, Event: convening.Event{ID: "e1", EndsAt: now.AddDate(0, 2, 0)},
		Policy: &convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30}, OnFile: &b,
		Numbers: convening.InvoiceNumbers{FiscalYear: 2026, Last: 41}}
	c, err := convening.DecideReconcile(convening.SystemActor, "registered", now, newID)(s)
	if err != nil || c.Unchanged || len(c.Documents) != 1 || c.Documents[0].Number != "2026-27-0042" || c.Documents[0].TotalCents != 10000 || !c.RegistrationAsRead {
		t.Fatalf("first decision: %+v %v", c, err)
	}
	s.Account, s.Numbers.Last = c.After, 42
	if again, err := convening.DecideReconcile(convening.SystemActor, "again", now, newID)(s); err != nil || !again.Unchanged {
		t.Errorf("deciding again: %+v %v", again, err)
	}
	erased := s
	erased.Registration.ErasedAt = &now
	erased.Registration.Members = []convening.Member{{ID: "m1"}, {ID: "m2"}}
	if c, err := convening.DecideReconcile(convening.SystemActor, "erased", now, newID)(erased); err != nil || !c.Unchanged {
		t.Errorf("an erased registration: %+v %v", c, err)
	}
	waitlisted := s
	waitlisted.Registration.Status = convening.StatusCancelled
	c, err = convening.DecideReconcile(convening.SystemActor, "cancelled", now, newID)(waitlisted)
	if err != nil || len(c.Documents) != 1 || c.Documents[0].Kind != convening.DocCreditNote || c.After.BilledCents != 0 || c.After.Open != nil {
		t.Errorf("cancelled: %+v %v", c, err)
	}
}
