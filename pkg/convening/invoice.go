package convening

import (
	"strconv"
	"strings"
	"time"
)

// DocumentKind is what a billing document is: an invoice, or a credit note
// that cancels one. Both are issued once and never changed: a change to a
// team after invoicing issues a credit note for the invoice and a new
// invoice (as pretix cancels and reissues, and as accounts payable expect).
type DocumentKind string

const (
	DocInvoice    DocumentKind = "invoice"
	DocCreditNote DocumentKind = "credit_note"
)

// InvoiceLine is one person on an invoice: their role, name and the price
// per person.
type InvoiceLine struct {
	MemberID  string `json:"memberId,omitempty"`
	Role      Role   `json:"role"`
	Name      string `json:"name"`
	UnitCents Cents  `json:"unitCents"`
}

// Invoice is an invoice or a credit note as it was issued: a snapshot of
// everything it shows, kept as issued.
type Invoice struct {
	ID     string       `json:"id"`
	Kind   DocumentKind `json:"kind"`
	Number string       `json:"number"`
	// FiscalYear and Seq make the number: the Seq-th document of the
	// fiscal year starting in July of FiscalYear.
	FiscalYear     int           `json:"fiscalYear"`
	Seq            int           `json:"seq"`
	RegistrationID string        `json:"registrationId"`
	Event          EventSummary  `json:"event"`
	Organization   Organization  `json:"organization"`
	BillTo         BillTo        `json:"billTo"`
	PONumber       string        `json:"poNumber,omitempty"`
	Lines          []InvoiceLine `json:"lines"`
	// TotalCents is the sum of the lines: what the invoice bills, or what
	// the credit note credits.
	TotalCents Cents     `json:"totalCents"`
	IssuedAt   time.Time `json:"issuedAt"`
	// DueOn is an invoice's due date (YYYY-MM-DD); none on a credit note.
	DueOn string `json:"dueOn,omitempty"`
	// Credits, on a credit note, is the number of the invoice it cancels;
	// CreditsID its id.
	Credits   string `json:"credits,omitempty"`
	CreditsID string `json:"creditsId,omitempty"`
	// Note is printed on the document: the event's fee note and a
	// discount's reason.
	Note string `json:"note,omitempty"`
	// Why says what issued it, for people: "registered", "team changed",
	// "purchase order added", ...
	Why string `json:"why"`
}

// IssuedOn is the document's date (YYYY-MM-DD, Pacific).
func (inv Invoice) IssuedOn() string { return DateIn(inv.IssuedAt) }

// Title is the document's name and number: "Invoice 2026-27-0003".
func (inv Invoice) Title() string {
	if inv.Kind == DocCreditNote {
		return "Credit note " + inv.Number
	}
	return "Invoice " + inv.Number
}

// Discount is staff's price per person for one team, below the event's,
// with the reason (a foundation subsidy); 0 waives the fee.
type Discount struct {
	UnitCents Cents     `json:"unitCents"`
	Reason    string    `json:"reason"`
	By        Actor     `json:"by"`
	At        time.Time `json:"at"`
}

// Awaiting says why a team that owes a fee has no invoice yet.
type Awaiting string

const (
	AwaitingNothing       Awaiting = ""
	AwaitingBillTo        Awaiting = "billing_details" // no bill-to for the organization yet
	AwaitingPurchaseOrder Awaiting = "purchase_order"  // the event expects a PO number, and its date has not passed
)

// Account is one registration's fees: the price per person it is billed
// at, its billing details and purchase order, the invoice it owes now,
// and the totals of what was billed, paid and waived. The invoices,
// credit notes, payments and waivers themselves are records of their own,
// written once; the account is the running sum of them, changed in the
// same transaction as each.
type Account struct {
	RegistrationID string       `json:"registrationId"`
	EventID        string       `json:"eventId"`
	Organization   Organization `json:"organization"`
	// UnitCents is the price per person: the event's when the team was
	// first invoiced (PriceFixed), or staff's discount. A later change of
	// the event's price does not reprice invoices already issued.
	UnitCents  Cents     `json:"unitCents"`
	PriceFixed bool      `json:"priceFixed"`
	Discount   *Discount `json:"discount,omitempty"`
	// BillTo is whom the team's invoices are addressed to (its
	// organization's, as given or on file).
	BillTo   *BillTo  `json:"billTo,omitempty"`
	PONumber string   `json:"poNumber,omitempty"`
	Awaiting Awaiting `json:"awaiting,omitempty"`
	// Open is the invoice the team owes now, nil if none.
	Open *Invoice `json:"open,omitempty"`
	// BilledCents is the invoices' totals less the credit notes'.
	BilledCents Cents `json:"billedCents"`
	PaidCents   Cents `json:"paidCents"`
	WaivedCents Cents `json:"waivedCents"`
	Documents   int   `json:"documents"`
	// LastReminderAt is when accounts payable were last reminded.
	LastReminderAt *time.Time `json:"lastReminderAt,omitempty"`
	Reminders      int        `json:"reminders"`
	// Version counts the account's changes: each is conditioned on it.
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Exists reports whether the account was ever written.
func (a Account) Exists() bool { return a.Version > 0 }

// BalanceCents is what is still owed: billed less paid and waived
// (negative when overpaid: a credit).
func (a Account) BalanceCents() Cents { return a.BilledCents - a.PaidCents - a.WaivedCents }

// Receivable reports whether staff follow the account on the receivables
// page: something is owed, or an invoice is owed but not issued yet.
func (a Account) Receivable() bool { return a.BalanceCents() > 0 || a.Awaiting != AwaitingNothing }

// PaymentStatus is where a team's fees stand, apart from its registration
// (which payment never changes).
type PaymentStatus string

const (
	PaymentNone        PaymentStatus = "none"         // nothing billed or owed
	PaymentNotInvoiced PaymentStatus = "not_invoiced" // owed, but no invoice yet (Awaiting says why)
	PaymentInvoiced    PaymentStatus = "invoiced"     // invoiced, nothing paid yet, not yet due
	PaymentPartPaid    PaymentStatus = "part_paid"    // some paid or waived, the rest not yet due
	PaymentPaid        PaymentStatus = "paid"         // paid in full (or more: a credit)
	PaymentWaived      PaymentStatus = "waived"       // settled, at least partly by a waiver or a discount to nothing
	PaymentOverdue     PaymentStatus = "overdue"      // a balance past the invoice's due date
)

// PaymentStatuses lists the statuses, for documentation and filters.
var PaymentStatuses = []PaymentStatus{PaymentNotInvoiced, PaymentInvoiced, PaymentPartPaid, PaymentPaid, PaymentWaived, PaymentOverdue}

// Label is the status in plain words.
func (s PaymentStatus) Label() string {
	switch s {
	case PaymentNotInvoiced:
		return "Not invoiced yet"
	case PaymentInvoiced:
		return "Invoiced"
	case PaymentPartPaid:
		return "Part paid"
	case PaymentPaid:
		return "Paid"
	case PaymentWaived:
		return "Waived"
	case PaymentOverdue:
		return "Overdue"
	}
	return "Nothing owed"
}

// Status is the account's payment status at now.
func (a Account) Status(now time.Time) PaymentStatus {
	bal := a.BalanceCents()
	switch {
	case bal > 0 && a.Open != nil && a.Open.DueOn != "" && DateIn(now) > a.Open.DueOn:
		return PaymentOverdue
	case bal > 0 && a.PaidCents+a.WaivedCents > 0:
		return PaymentPartPaid
	case bal > 0:
		return PaymentInvoiced
	case a.Awaiting != AwaitingNothing:
		return PaymentNotInvoiced
	case a.WaivedCents > 0 && (a.BilledCents > 0 || a.PaidCents > 0):
		return PaymentWaived
	case a.BilledCents > 0 || a.PaidCents > 0:
		return PaymentPaid
	case a.Discount != nil && a.Discount.UnitCents == 0:
		return PaymentWaived
	}
	return PaymentNone
}

// AgeDays is how many days the open invoice has been owed at now (from
// its date, Pacific); 0 without one.
func (a Account) AgeDays(now time.Time) int {
	if a.Open == nil {
		return 0
	}
	issued, _ := time.Parse(time.DateOnly, a.Open.IssuedOn())
	today, _ := time.Parse(time.DateOnly, DateIn(now))
	return int(today.Sub(issued).Hours() / 24)
}

// AgingBucket is the receivables' aging of an open invoice: "0-30",
// "31-60" or "61+" days since its date.
func AgingBucket(days int) string {
	switch {
	case days <= 30:
		return "0-30"
	case days <= 60:
		return "31-60"
	}
	return "61+"
}

// AgingBuckets are the buckets in order.
var AgingBuckets = []string{"0-30", "31-60", "61+"}

// EntryKind is what a ledger entry records.
type EntryKind string

const (
	EntryPayment EntryKind = "payment" // money received: a check or an ACH transfer
	EntryWaiver  EntryKind = "waiver"  // an amount staff waived, with the reason
)

// PaymentMethod is how a payment came.
type PaymentMethod string

const (
	MethodCheck PaymentMethod = "check"
	MethodACH   PaymentMethod = "ach"
	MethodOther PaymentMethod = "other"
)

// Label is the method in plain words.
func (m PaymentMethod) Label() string {
	switch m {
	case MethodCheck:
		return "Check"
	case MethodACH:
		return "ACH transfer"
	case MethodOther:
		return "Other"
	}
	return ""
}

// LedgerEntry is one payment or waiver on an account, written once and
// never changed (append-only): a mistake is undone by a reversing entry
// (Reverses), itself written once.
type LedgerEntry struct {
	ID             string        `json:"id"`
	RegistrationID string        `json:"registrationId"`
	EventID        string        `json:"eventId"`
	Kind           EntryKind     `json:"kind"`
	Method         PaymentMethod `json:"method,omitempty"`
	// Reference is the check number or the ACH transfer's trace number.
	Reference string `json:"reference,omitempty"`
	// AmountCents is positive; a reversal's is negative.
	AmountCents Cents `json:"amountCents"`
	// ReceivedOn is the date the money arrived (payments) or the waiver
	// was granted (YYYY-MM-DD).
	ReceivedOn string `json:"receivedOn"`
	// Reason is a waiver's or reversal's reason, or a payment's note.
	Reason string `json:"reason,omitempty"`
	// Reverses is the id of the entry this one reverses.
	Reverses string `json:"reverses,omitempty"`
	// Seq orders the account's entries: the account's version it made.
	Seq        int       `json:"seq"`
	Actor      Actor     `json:"actor"`
	RecordedAt time.Time `json:"recordedAt"`
}

// EntryInput is a payment or a waiver as staff record it.
type EntryInput struct {
	Kind        EntryKind     `json:"kind"`
	Method      PaymentMethod `json:"method"`
	Reference   string        `json:"reference"`
	AmountCents Cents         `json:"amountCents"`
	ReceivedOn  string        `json:"receivedOn"`
	Reason      string        `json:"reason"`
}

const maxReferenceLen = 40

// Validate checks an entry as staff give it, at now: a payment names its
// method and reference (the check or trace number); a waiver its reason.
func (in EntryInput) Validate(now time.Time) error {
	var v validation
	switch in.Kind {
	case EntryPayment:
		switch in.Method {
		case MethodCheck, MethodACH, MethodOther:
		case "":
			v.add("method", RuleRequired)
		default:
			v.add("method", RuleOneOf, "values", []string{string(MethodCheck), string(MethodACH), string(MethodOther)})
		}
		checkText(&v, "reference", strings.TrimSpace(in.Reference), maxReferenceLen, true)
		checkText(&v, "reason", strings.TrimSpace(in.Reason), MaxReasonLen, false)
	case EntryWaiver:
		checkText(&v, "reason", strings.TrimSpace(in.Reason), MaxReasonLen, true)
	case "":
		v.add("kind", RuleRequired)
	default:
		v.add("kind", RuleOneOf, "values", []string{string(EntryPayment), string(EntryWaiver)})
	}
	checkAmount(&v, "amountCents", in.AmountCents, 1)
	if checkDate(&v, "receivedOn", in.ReceivedOn) && in.ReceivedOn > DateIn(now) {
		v.add("receivedOn", RuleNotAfter, "of", "today")
	}
	return v.err("The entry")
}

// InvoiceReasonLabel words an invoice's Why for people.
func InvoiceReasonLabel(why string) string {
	if why == "" {
		return ""
	}
	return strings.ToUpper(why[:1]) + why[1:]
}

// lineSignature is what an invoice bills, for comparing the invoice a
// team owes with what it should owe now: the lines, the bill-to and the
// purchase order (a change of any of them reissues the invoice).
func lineSignature(lines []InvoiceLine, b BillTo, po string) string {
	var s strings.Builder
	for _, l := range lines {
		s.WriteString(l.MemberID + "\x1f" + string(l.Role) + "\x1f" + l.Name + "\x1f" + strconv.FormatInt(int64(l.UnitCents), 10) + "\x1e")
	}
	a := b.Address
	for _, f := range []string{b.LegalName, a.Line1, a.Line2, a.City, a.State, a.ZIP,
		b.AccountsPayable.Name, b.AccountsPayable.Email, b.AccountsPayable.Phone, po} {
		s.WriteString(f + "\x1f")
	}
	return s.String()
}

func total(lines []InvoiceLine) Cents {
	var t Cents
	for _, l := range lines {
		t += l.UnitCents
	}
	return t
}
