package convening

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Fees, purchase orders and invoices: an event may charge a price per
// person; a team owes its registered members times that price, billed to
// its organization's accounts payable by invoice, and pays by check or ACH
// against a purchase order. Payment never touches the registration: a
// seat is never released for non-payment (pretix lets unpaid orders
// expire; here an unpaid invoice only ever alerts staff).

// DueTerms is when an event's invoices fall due.
type DueTerms string

const (
	// DueNet30 is due 30 days after the invoice's date.
	DueNet30 DueTerms = "net_30"
	// DueAfterEvent is due 30 days after the event ends (or after the
	// invoice's date, if it is issued later): for districts that pay for
	// a service once it was given.
	DueAfterEvent DueTerms = "after_event"
)

// DueDays is the days of credit both terms give.
const DueDays = 30

// FeePolicy is what an event charges and how its invoices are due. An
// event without one is free.
type FeePolicy struct {
	EventID string `json:"eventId"`
	// PriceCents is the price per person, in cents; 0 makes the event
	// free from now on (invoices already issued stand).
	PriceCents Cents    `json:"priceCents"`
	Terms      DueTerms `json:"terms"`
	// POExpected says districts are expected to send a purchase order
	// number, by POExpectedBy (a date, YYYY-MM-DD, Pacific time): until
	// then a team's invoice waits for its PO number, so that accounts
	// payable get an invoice that names it; after that date the invoice
	// goes out without one and staff see the PO as missing.
	POExpected   bool   `json:"poExpected"`
	POExpectedBy string `json:"poExpectedBy,omitempty"`
	// Note is printed on every invoice of the event (e.g. "Subsidised by
	// the Stuart Foundation"); optional.
	Note      string    `json:"note,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Charges reports whether the policy charges anything.
func (p *FeePolicy) Charges() bool { return p != nil && p.PriceCents > 0 }

const maxFeeNoteLen = 300

// Validate checks a fee policy as staff set it.
func (p FeePolicy) Validate() error {
	var v validation
	checkAmount(&v, "priceCents", p.PriceCents, 0)
	switch p.Terms {
	case DueNet30, DueAfterEvent:
	case "":
		v.add("terms", RuleRequired)
	default:
		v.add("terms", RuleOneOf, "values", []string{string(DueNet30), string(DueAfterEvent)})
	}
	if p.POExpected {
		if p.POExpectedBy == "" {
			v.add("poExpectedBy", RuleRequired)
		} else {
			checkDate(&v, "poExpectedBy", p.POExpectedBy)
		}
	} else if p.POExpectedBy != "" {
		checkDate(&v, "poExpectedBy", p.POExpectedBy)
	}
	checkText(&v, "note", p.Note, maxFeeNoteLen, false)
	return v.err("The fee policy")
}

// The dates the fee rules take, as YYYY-MM-DD.
var (
	earliestDate = EarliestTime.Format(time.DateOnly)
	latestDate   = LatestTime.Format(time.DateOnly)
)

// checkDate validates a calendar date, YYYY-MM-DD, within the system's
// times.
func checkDate(v *validation, field, s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	switch {
	case s == "":
		v.add(field, RuleRequired)
	case err != nil:
		v.add(field, RuleDate)
	case t.Before(EarliestTime) || !t.Before(LatestTime):
		v.add(field, RuleDateRange, "min", earliestDate, "max", latestDate)
	default:
		return true
	}
	return false
}

// DateIn returns the date (YYYY-MM-DD) of t in Pacific time, where the
// program keeps its books.
func DateIn(t time.Time) string { return t.In(Pacific).Format(time.DateOnly) }

// DueOn is the due date (YYYY-MM-DD, Pacific) of an invoice issued at
// issued for an event that ends at eventEnds.
func (p FeePolicy) DueOn(issued, eventEnds time.Time) string {
	from := issued
	if p.Terms == DueAfterEvent && eventEnds.After(issued) {
		from = eventEnds
	}
	d := from.In(Pacific)
	return time.Date(d.Year(), d.Month(), d.Day()+DueDays, 0, 0, 0, 0, Pacific).Format(time.DateOnly)
}

// POPending reports whether a team's invoice still waits for its purchase
// order number at now: the policy expects one, none was given, and its
// date has not passed.
func (p FeePolicy) POPending(po string, now time.Time) bool {
	return p.POExpected && po == "" && DateIn(now) <= p.POExpectedBy
}

// --- Fiscal years and invoice numbers ---

// FiscalYear is the California school fiscal year (July 1 to June 30) a
// moment falls in, in Pacific time, named by the calendar year it starts
// in: FiscalYear of March 2027 is 2026 (the 2026-27 year).
func FiscalYear(t time.Time) int {
	p := t.In(Pacific)
	if p.Month() >= time.July {
		return p.Year()
	}
	return p.Year() - 1
}

// FiscalYearLabel names a fiscal year as California's schools do:
// "2026-27".
func FiscalYearLabel(fy int) string { return fmt.Sprintf("%d-%02d", fy, (fy+1)%100) }

// InvoiceNumber is the number of the seq-th document of a fiscal year:
// "2026-27-0001". Invoices and credit notes share one sequence per fiscal
// year, consecutive and never reused.
func InvoiceNumber(fy, seq int) string { return fmt.Sprintf("%s-%04d", FiscalYearLabel(fy), seq) }

// --- Bill-to ---

// Address is a postal address in the United States.
type Address struct {
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"`
	ZIP   string `json:"zip"`
}

// Lines is the address as it is printed, one line each.
func (a Address) Lines() []string {
	out := []string{a.Line1}
	if a.Line2 != "" {
		out = append(out, a.Line2)
	}
	return append(out, a.City+", "+a.State+" "+a.ZIP)
}

// APContact is the person in an organization's accounts payable who
// receives its invoices (not the superintendent).
type APContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// BillTo is whom an organization's invoices are addressed to: its legal
// name, billing address and accounts-payable contact. It is asked once,
// when a team of the organization first registers for an event with a
// fee, and reused for its later registrations.
type BillTo struct {
	LegalName       string    `json:"legalName"`
	Address         Address   `json:"address"`
	AccountsPayable APContact `json:"accountsPayable"`
}

// Empty reports whether nothing was given (the form's fields left blank
// to reuse what is on file).
func (b BillTo) Empty() bool { return b == BillTo{} || b == BillTo{Address: Address{State: "CA"}} }

// Normalize trims every field, collapses runs of spaces, upper-cases the
// state and defaults it to CA.
func (b *BillTo) Normalize() {
	for _, s := range []*string{&b.LegalName, &b.Address.Line1, &b.Address.Line2, &b.Address.City, &b.Address.ZIP,
		&b.AccountsPayable.Name, &b.AccountsPayable.Phone} {
		*s = collapseSpaces(*s)
	}
	b.AccountsPayable.Email = strings.TrimSpace(b.AccountsPayable.Email)
	b.Address.State = strings.ToUpper(strings.TrimSpace(b.Address.State))
	if b.Address.State == "" {
		b.Address.State = "CA"
	}
}

func collapseSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' }), " ")
}

const (
	maxLegalNameLen = 200
	maxAddressLen   = 200
	maxCityLen      = 100
	maxPhoneLen     = 40
)

var (
	zipRE = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	// phoneRE: a North American number, 10 digits with the usual
	// separators and an optional leading 1 or +1, and an optional
	// extension ("x 204", "ext. 204").
	phoneRE = regexp.MustCompile(`^(\+?1[ .-]?)?(\([0-9]{3}\)|[0-9]{3})[ .-]?[0-9]{3}[ .-]?[0-9]{4}( ?(x|ext\.?|extension) ?[0-9]{1,6})?$`)
)

// usStates are the two-letter codes of the states, DC and the territories.
var usStates = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
	NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI`)

// Validate checks a bill-to; prefix is the JSON path of the bill-to in
// the request ("billTo"), so errors name the field: billTo.address.zip.
func (b BillTo) Validate(prefix string) error {
	var v validation
	b.check(&v, prefix)
	return v.err("The billing details")
}

func (b BillTo) check(v *validation, prefix string) {
	p := func(f string) string {
		if prefix == "" {
			return f
		}
		return prefix + "." + f
	}
	if checkText(v, p("legalName"), b.LegalName, maxLegalNameLen, true) &&
		!strings.ContainsFunc(b.LegalName, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		v.add(p("legalName"), RuleLetterOrDigit)
	}
	checkText(v, p("address.line1"), b.Address.Line1, maxAddressLen, true)
	checkText(v, p("address.line2"), b.Address.Line2, maxAddressLen, false)
	checkText(v, p("address.city"), b.Address.City, maxCityLen, true)
	switch st := b.Address.State; {
	case st == "":
		v.add(p("address.state"), RuleRequired)
	case !containsString(usStates, st):
		v.add(p("address.state"), RuleUSState)
	}
	switch z := b.Address.ZIP; {
	case z == "":
		v.add(p("address.zip"), RuleRequired)
	case !zipRE.MatchString(z):
		v.add(p("address.zip"), RuleZIP)
	}
	checkText(v, p("accountsPayable.name"), b.AccountsPayable.Name, maxNameLen, true)
	checkEmail(v, p("accountsPayable.email"), b.AccountsPayable.Email)
	switch ph := b.AccountsPayable.Phone; {
	case ph == "":
		v.add(p("accountsPayable.phone"), RuleRequired)
	case len(ph) > maxPhoneLen || !phoneRE.MatchString(strings.ToLower(ph)):
		v.add(p("accountsPayable.phone"), RulePhone)
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// --- Purchase order numbers ---

// MaxPONumberLen bounds a purchase order number.
const MaxPONumberLen = 30

// NormalizePONumber trims a purchase order number and collapses its
// runs of spaces; its letters keep their case (accounts payable match it
// as they printed it).
func NormalizePONumber(s string) string { return collapseSpaces(s) }

// ValidPONumber reports whether s (normalized) looks like a school
// district's purchase order number. Districts number their POs in many
// ways — "P0012345", "PO-2027-00123", "27-001234", "4500012345" (an ERP's),
// "B27 00123", "PO# 27/0345" — so the rule is lenient but bounded: 1 to
// 30 characters of ASCII letters, digits, spaces and the separators
// - / . #, with at least one digit, starting with a letter, digit or #
// and ending with a letter or digit.
func ValidPONumber(s string) bool {
	if s == "" || len(s) > MaxPONumberLen {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c == ' ' || c == '-' || c == '/' || c == '.' || c == '#':
			if i == len(s)-1 || (i == 0 && c != '#') {
				return false
			}
		default:
			return false
		}
	}
	return digit
}

// checkPONumber validates an optional purchase order number (normalized).
func checkPONumber(v *validation, field, s string) bool {
	if s == "" || ValidPONumber(s) {
		return true
	}
	v.add(field, RulePONumber, "max", MaxPONumberLen)
	return false
}

// CheckPONumber validates a purchase order number as a team gives it
// (normalized first; empty is no PO number).
func CheckPONumber(field, s string) error {
	var v validation
	checkPONumber(&v, field, NormalizePONumber(s))
	return v.err("The purchase order number")
}

// --- The payee ---

// Payee is who issues the invoices and is paid: the program's legal name,
// its remit-to address, its federal tax id (EIN) and how to pay. These are
// deployment settings (the CDK app's context, the local runner's
// environment), the same for every invoice.
type Payee struct {
	LegalName string
	// Address is the remit-to address, one line each.
	Address []string
	// TaxID is the employer identification number, NN-NNNNNNN.
	TaxID string
	// HowToPay says how to pay besides a check to the remit-to address
	// (ACH: whom to ask for the details); optional.
	HowToPay string
}

var einRE = regexp.MustCompile(`^[0-9]{2}-[0-9]{7}$`)

// PayeeFrom reads the payee from its deployment settings: the address's
// lines are separated by "|" (a setting is one line).
func PayeeFrom(name, address, taxID, howToPay string) Payee {
	p := Payee{LegalName: strings.TrimSpace(name), TaxID: strings.TrimSpace(taxID), HowToPay: strings.TrimSpace(howToPay)}
	for _, l := range strings.Split(address, "|") {
		if l = strings.TrimSpace(l); l != "" {
			p.Address = append(p.Address, l)
		}
	}
	return p
}

// Complete reports whether invoices can be issued in the payee's name:
// a legal name, a remit-to address and a well-formed tax id.
func (p Payee) Complete() bool {
	return p.LegalName != "" && len(p.Address) > 0 && einRE.MatchString(p.TaxID)
}

// Fee reasons and the rules of their fields.
const (
	ReasonPayeeNotConfigured Reason = "payee_not_configured" // ECONFLICT: the deployment has no payee settings, so no invoice can be issued
	ReasonNoFees             Reason = "no_fees"              // ECONFLICT: the event charges nothing
	ReasonNothingOwed        Reason = "nothing_owed"         // ECONFLICT: a waiver or reminder with no balance to act on
	ReasonRemindedRecently   Reason = "reminded_recently"    // ECONFLICT: accounts payable were reminded less than a day ago
	ReasonAlreadyReversed    Reason = "already_reversed"     // ECONFLICT: a ledger entry is reversed once
	ReasonInvoiceUnknown     Reason = "invoice_unknown"      // ENOTFOUND: no such invoice, or a wrong token
	ReasonEntryUnknown       Reason = "entry_unknown"        // ENOTFOUND: no such payment or waiver in the account
	ReasonNoBillTo           Reason = "no_bill_to"           // ECONFLICT: no billing details on file for the organization
	ReasonW9Missing          Reason = "w9_missing"           // ENOTFOUND: staff have not uploaded the W-9
)

// ErrInvoiceNotFound is the error of an unknown invoice (or a wrong token).
var ErrInvoiceNotFound = NewError(ENOTFOUND, ReasonInvoiceUnknown, "No invoice with that id.")
