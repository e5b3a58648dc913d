package convening

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The audit log's kinds of fee changes.
const (
	AuditFeePolicyChanged AuditKind = "fee_policy_changed"
	AuditInvoiced         AuditKind = "invoiced"
	AuditCredited         AuditKind = "credit_note_issued"
	AuditBillingChanged   AuditKind = "billing_changed"
	AuditPaymentRecorded  AuditKind = "payment_recorded"
	AuditFeeWaived        AuditKind = "fee_waived"
	AuditEntryReversed    AuditKind = "entry_reversed"
	AuditFeeDiscounted    AuditKind = "fee_discounted"
	AuditPaymentReminded  AuditKind = "payment_reminder_sent"
)

// The notices of fees, to the organization's accounts payable (never the
// team's contact): each about one document (SubjectInvoice), its PDF
// attached.
const (
	NoticeInvoice         NoticeKind = "invoice"          // a new invoice
	NoticeCreditNote      NoticeKind = "credit_note"      // a credit note cancelling an invoice
	NoticePaymentReminder NoticeKind = "payment_reminder" // the open invoice again, with what is still owed
)

// SubjectInvoice marks a notice about an invoice or credit note: its
// SubjectID is the document's id.
const SubjectInvoice SubjectKind = "invoice"

// InvoiceTokenSubject is what an invoice's private link signs: the email
// to accounts payable carries a link that opens that document (and the
// payee's W-9) and nothing else — not the team's manage page, which can
// cancel the registration.
func InvoiceTokenSubject(invoiceID string) string { return "invoice:" + invoiceID }

// BillingNotice is what an email to accounts payable shows: the document,
// and for a reminder what is paid and still owed as it goes out.
type BillingNotice struct {
	Invoice      Invoice `json:"invoice"`
	PaidCents    Cents   `json:"paidCents"`
	BalanceCents Cents   `json:"balanceCents"`
}

// InvoiceNotice is the email a notice about a document owes, addressed to
// the accounts-payable contact the document names.
func InvoiceNotice(rec NoticeRecord, inv Invoice, acct Account) Notice {
	ap := inv.BillTo.AccountsPayable
	return Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: inv.ID, SubjectKind: SubjectInvoice,
		To: Contact{Name: ap.Name, Email: ap.Email}, Organization: inv.Organization, Event: inv.Event, CreatedAt: rec.CreatedAt,
		Billing: &BillingNotice{Invoice: inv, PaidCents: acct.PaidCents + acct.WaivedCents, BalanceCents: acct.BalanceCents()}}
}

// InvoiceNumbers is the fiscal year's sequence as the store read it: the
// last number used (0 for none yet).
type InvoiceNumbers struct {
	FiscalYear int
	Last       int
}

// AccountState is what a decision about an account is made from, as the
// store read it.
type AccountState struct {
	Registration Registration
	Event        Event
	// Policy is the event's fee policy; nil for a free event.
	Policy *FeePolicy
	// OnFile is the organization's bill-to on file, nil if none.
	OnFile *BillTo
	// Account is the registration's account (zero if none yet).
	Account Account
	Numbers InvoiceNumbers
	// Entries are the account's payments and waivers, oldest first (read
	// when AccountReads.Entries asks).
	Entries []LedgerEntry
}

// AccountChange is what the domain decided about an account. The store
// writes all of it in one transaction, conditioned on the account's
// version (and, when RegistrationAsRead, on the registration as read and
// the fiscal year's counter as read), or nothing, and then asks again.
type AccountChange struct {
	After Account
	// Documents are the invoices and credit notes issued, numbered from
	// the counter as read: the counter becomes the last of them.
	Documents []Invoice
	// Entry is a new payment or waiver; Reverses the id of the entry it
	// reverses (which may be reversed once).
	Entry    *LedgerEntry
	Reverses string
	// SaveBillTo becomes the organization's bill-to on file.
	SaveBillTo *BillTo
	// RegistrationAsRead conditions the change on the registration as read.
	RegistrationAsRead bool
	Notices            []NoticeSpec
	Audit              []AuditRecord
	// Unchanged: nothing to write.
	Unchanged bool
}

// AccountDecision decides a change of an account from its state.
type AccountDecision func(AccountState) (AccountChange, error)

// AccountReads says what an account decision reads besides the
// registration, its account, its event, the event's fee policy, the
// organization's bill-to and the fiscal year's counter.
type AccountReads struct {
	// FiscalYear is the year whose counter numbers new documents.
	FiscalYear int
	// Reconcile marks a decision that changes nothing on an event without
	// a fee policy: the store may answer Unchanged after reading the
	// policy alone (one read for every change of a free event's teams).
	Reconcile bool
	// EventID, with Reconcile, is the registration's event, so that the
	// policy is the first and, for a free event, the only read.
	EventID string
	// Entries reads the account's payments and waivers.
	Entries bool
}

// AccountUpdater is the store's side of every change of an account: it
// reads the state, asks decide, and writes the change in one transaction,
// asking again if anything it read moved first.
// Errors: ENOTFOUND (no such registration), those of decide.
type AccountUpdater interface {
	UpdateAccount(ctx context.Context, registrationID string, reads AccountReads, decide AccountDecision) (Account, error)
}

// planInvoices brings the account after up to date with the registration
// as it is now: what the team should be billed (one line per registered
// member at the account's price) against the invoice it owes. A
// difference — members, the price, the bill-to, the purchase order, a
// cancellation — credits the open invoice and issues a new one. why says
// what prompted it, for the documents and the audit log.
func planInvoices(s AccountState, c *AccountChange, actor Actor, why string, now time.Time, newID func() string) {
	reg, after := s.Registration, &c.After
	policy := s.Policy
	if policy == nil {
		policy = &FeePolicy{Terms: DueNet30}
	}
	if reg.ErasedAt != nil {
		return // the people are erased; the invoices issued stand as issued
	}
	if after.BillTo == nil && s.OnFile != nil {
		b := *s.OnFile
		after.BillTo = &b // the organization's, reused
	}
	unit := after.UnitCents
	if !after.PriceFixed {
		unit = policy.PriceCents
	}
	var want []InvoiceLine
	if reg.Status == StatusRegistered && (after.PriceFixed || policy.Charges()) {
		for _, m := range reg.Members {
			want = append(want, InvoiceLine{MemberID: m.ID, Role: m.Role, Name: m.Name, UnitCents: unit})
		}
	}
	owe := total(want)
	after.Awaiting = AwaitingNothing
	if owe > 0 && after.Open == nil {
		switch {
		case after.BillTo == nil:
			after.Awaiting = AwaitingBillTo
			return
		case policy.POPending(after.PONumber, now):
			after.Awaiting = AwaitingPurchaseOrder
			return
		}
	}
	var sig string
	if owe > 0 {
		sig = lineSignature(want, *after.BillTo, after.PONumber)
	}
	cur := after.Open
	if cur != nil && owe > 0 && lineSignature(cur.Lines, cur.BillTo, cur.PONumber) == sig {
		return
	}
	if cur == nil && owe == 0 {
		return
	}
	next := s.Numbers.Last + len(c.Documents)
	number := func() (int, string) {
		next++
		return next, InvoiceNumber(s.Numbers.FiscalYear, next)
	}
	base := Invoice{RegistrationID: reg.ID, Event: s.Event.Summary(), Organization: reg.Organization, IssuedAt: now,
		FiscalYear: s.Numbers.FiscalYear, Why: why}
	if cur != nil {
		credit := base
		credit.ID, credit.Kind = newID(), DocCreditNote
		credit.Seq, credit.Number = number()
		credit.BillTo, credit.PONumber, credit.Lines, credit.TotalCents = cur.BillTo, cur.PONumber, slices.Clone(cur.Lines), cur.TotalCents
		credit.Credits, credit.CreditsID = cur.Number, cur.ID
		c.Documents = append(c.Documents, credit)
		after.BilledCents -= credit.TotalCents
		after.Open = nil
	}
	if owe > 0 {
		inv := base
		inv.ID, inv.Kind = newID(), DocInvoice
		inv.Seq, inv.Number = number()
		inv.BillTo, inv.PONumber, inv.Lines, inv.TotalCents = *after.BillTo, after.PONumber, want, owe
		inv.DueOn = policy.DueOn(now, s.Event.EndsAt)
		var notes []string
		if policy.Note != "" {
			notes = append(notes, policy.Note)
		}
		if d := after.Discount; d != nil && policy.PriceCents > d.UnitCents {
			notes = append(notes, "Price per person "+d.UnitCents.String()+" instead of "+policy.PriceCents.String()+": "+d.Reason+".")
		}
		inv.Note = strings.Join(notes, " ")
		c.Documents = append(c.Documents, inv)
		after.BilledCents += inv.TotalCents
		after.Open = &inv
		after.UnitCents, after.PriceFixed = unit, true
	}
	for _, d := range c.Documents[len(c.Documents)-docsAdded(cur, owe):] {
		kind, audit := NoticeInvoice, AuditInvoiced
		if d.Kind == DocCreditNote {
			kind, audit = NoticeCreditNote, AuditCredited
		}
		c.Notices = append(c.Notices, NoticeSpec{ID: newID(), Kind: kind, SubjectID: d.ID, SubjectKind: SubjectInvoice})
		a := AuditOf(newID(), audit, actor, reg, now, "", nil, map[string]string{"number": d.Number, "total": d.TotalCents.String(), "why": why})
		if d.Kind == DocCreditNote {
			a.After["credits"] = d.Credits
		}
		if d.PONumber != "" {
			a.After["po"] = d.PONumber
		}
		c.Audit = append(c.Audit, a)
	}
	after.Documents += docsAdded(cur, owe)
	c.RegistrationAsRead = true
}

// docsAdded is how many documents planInvoices issues: a credit note for
// the open invoice, a new invoice for what is owed.
func docsAdded(cur *Invoice, owe Cents) int {
	n := 0
	if cur != nil {
		n++
	}
	if owe > 0 {
		n++
	}
	return n
}

// startAccount begins a change of the account as read: the account as it
// will be, for the registration, at now.
func startAccount(s AccountState, now time.Time) AccountChange {
	after := s.Account
	if !after.Exists() {
		after = Account{RegistrationID: s.Registration.ID, EventID: s.Registration.EventID, CreatedAt: now}
	}
	after.Organization = s.Registration.Organization
	after.UpdatedAt = now
	after.Version = s.Account.Version + 1
	return AccountChange{After: after}
}

// finishAccount says the change changes nothing if the account is as it
// was and nothing else is written.
func finishAccount(s AccountState, c AccountChange) AccountChange {
	if len(c.Documents) == 0 && c.Entry == nil && c.SaveBillTo == nil && len(c.Notices) == 0 && len(c.Audit) == 0 &&
		(s.Account.Exists() || c.After.Awaiting == AwaitingNothing) && sameAccount(s.Account, c.After) {
		c.Unchanged = true
	}
	return c
}

func sameAccount(a, b Account) bool {
	return a.Awaiting == b.Awaiting && (a.BillTo == nil) == (b.BillTo == nil) && a.PONumber == b.PONumber &&
		a.BilledCents == b.BilledCents && (a.Open == nil) == (b.Open == nil)
}

// DecideReconcile brings a registration's invoices up to date after its
// team changed (registered, promoted, members changed, a walk-in,
// cancelled): a pure function of the registration as it is now and what
// was invoiced. It changes nothing when they agree.
func DecideReconcile(actor Actor, why string, now time.Time, newID func() string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		c := startAccount(s, now)
		planInvoices(s, &c, actor, why, now, newID)
		return finishAccount(s, c), nil
	}
}

// ReconcileWhy words what prompted reconciling after a registration
// changed, from its status: for the documents and the audit log.
func ReconcileWhy(reg Registration) string {
	switch reg.Status {
	case StatusRegistered:
		return "team registered or changed"
	case StatusCancelled:
		return "registration cancelled"
	}
	return "registration changed"
}

// BillingInput is the billing details a team gives: its organization's
// bill-to (nil: reuse the one on file) and its purchase order number.
type BillingInput struct {
	BillTo   *BillTo `json:"billTo"`
	PONumber string  `json:"poNumber"`
}

// Normalize trims what was given; a bill-to left all empty means "reuse
// the one on file".
func (in *BillingInput) Normalize() {
	in.PONumber = NormalizePONumber(in.PONumber)
	if in.BillTo != nil {
		in.BillTo.Normalize()
		if in.BillTo.Empty() {
			in.BillTo = nil
		}
	}
}

// Validate checks billing details as given (normalized).
func (in BillingInput) Validate() error {
	var v validation
	if in.BillTo != nil {
		in.BillTo.check(&v, "billTo")
	}
	checkPONumber(&v, "poNumber", in.PONumber)
	return v.err("The billing details")
}

// DecideBilling records a team's billing details: its bill-to (saved as
// its organization's for next time) and purchase order number, and
// reissues the invoice if they change what it shows. A nil bill-to keeps
// the one on file, which must exist.
func DecideBilling(actor Actor, in BillingInput, now time.Time, newID func() string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		c := startAccount(s, now)
		before := map[string]string{"po": s.Account.PONumber}
		same := in.PONumber == s.Account.PONumber && (in.BillTo == nil && s.Account.BillTo != nil ||
			in.BillTo != nil && s.Account.BillTo != nil && *in.BillTo == *s.Account.BillTo && s.OnFile != nil && *s.OnFile == *in.BillTo)
		if same {
			// The same details again (a form sent twice): nothing to record.
			return DecideReconcile(actor, "brought up to date", now, newID)(s)
		}
		if in.BillTo != nil {
			b := *in.BillTo
			c.After.BillTo, c.SaveBillTo = &b, &b
		} else if c.After.BillTo == nil && s.OnFile == nil {
			return AccountChange{}, &Error{Code: ECONFLICT, Reason: ReasonNoBillTo,
				Message: "There are no billing details on file for " + s.Registration.Organization.Name + ": please give them.",
				Fields:  []FieldError{Field("billTo", RuleRequired)}}
		}
		c.After.PONumber = in.PONumber
		a := AuditOf(newID(), AuditBillingChanged, actor, s.Registration, now, "", before, map[string]string{"po": in.PONumber})
		if in.BillTo != nil {
			a.After["billTo"] = "given"
		}
		c.Audit = append(c.Audit, a)
		why := "billing details changed"
		switch {
		case s.Account.Open == nil && s.Account.Documents == 0:
			why = "team registered"
		case s.Account.PONumber == "" && in.PONumber != "":
			why = "purchase order added"
		}
		planInvoices(s, &c, actor, why, now, newID)
		return c, nil
	}
}

// DecideIssueNow issues a team's invoice without waiting for its purchase
// order (staff, once the PO's date has passed or the district asks for
// the invoice first), then as DecideReconcile.
func DecideIssueNow(actor Actor, now time.Time, newID func() string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		if s.Policy != nil && s.Policy.POExpected {
			p := *s.Policy
			p.POExpected = false // for this decision only
			s.Policy = &p
		}
		c := startAccount(s, now)
		planInvoices(s, &c, actor, "issued by staff", now, newID)
		return finishAccount(s, c), nil
	}
}

// DecideEntry records a payment or a waiver on an account (validated
// first). A waiver may not exceed what is owed; a payment may (the
// account then holds a credit). id is the entry's id: a repeated id (a
// form sent twice) is refused by the store, not recorded twice.
func DecideEntry(actor Actor, id string, in EntryInput, now time.Time, auditID string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		c := startAccount(s, now)
		if in.Kind == EntryWaiver {
			if bal := s.Account.BalanceCents(); bal <= 0 {
				return AccountChange{}, conflict(ReasonNothingOwed, "Nothing is owed on this account: there is nothing to waive.")
			} else if in.AmountCents > bal {
				return AccountChange{}, &Error{Code: EINVALID, Reason: ReasonInvalidFields, Message: "The waiver is not valid.",
					Fields: []FieldError{Field("amountCents", RuleNotAbove, "of", "the balance", "max", int64(bal))}}
			}
		}
		e := LedgerEntry{ID: id, RegistrationID: s.Registration.ID, EventID: s.Registration.EventID, Kind: in.Kind,
			AmountCents: in.AmountCents, ReceivedOn: in.ReceivedOn, Reason: strings.TrimSpace(in.Reason), Seq: c.After.Version, Actor: actor, RecordedAt: now}
		kind := AuditFeeWaived
		if in.Kind == EntryPayment {
			e.Method, e.Reference = in.Method, strings.TrimSpace(in.Reference)
			c.After.PaidCents += in.AmountCents
			kind = AuditPaymentRecorded
		} else {
			c.After.WaivedCents += in.AmountCents
		}
		c.Entry = &e
		after := map[string]string{"amount": in.AmountCents.String(), "balance": c.After.BalanceCents().String(), "entry": id}
		if e.Method != "" {
			after["method"], after["reference"] = string(e.Method), e.Reference
		}
		c.Audit = append(c.Audit, AuditOf(auditID, kind, actor, s.Registration, now, e.Reason,
			map[string]string{"balance": s.Account.BalanceCents().String()}, after))
		return c, nil
	}
}

// DecideReverse reverses a mistaken payment or waiver by a new entry of
// the opposite amount (entries are never changed or deleted). An entry is
// reversed once; a reversal is not reversed.
func DecideReverse(actor Actor, id, entryID, reason string, now time.Time, auditID string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		i := slices.IndexFunc(s.Entries, func(e LedgerEntry) bool { return e.ID == entryID })
		if i < 0 || s.Entries[i].Reverses != "" {
			return AccountChange{}, NewError(ENOTFOUND, ReasonEntryUnknown, "No payment or waiver with that id in the account.")
		}
		if slices.ContainsFunc(s.Entries, func(e LedgerEntry) bool { return e.Reverses == entryID }) {
			return AccountChange{}, conflict(ReasonAlreadyReversed, "That entry is already reversed.")
		}
		old := s.Entries[i]
		c := startAccount(s, now)
		e := LedgerEntry{ID: id, RegistrationID: old.RegistrationID, EventID: old.EventID, Kind: old.Kind, Method: old.Method,
			Reference: old.Reference, AmountCents: -old.AmountCents, ReceivedOn: DateIn(now), Reason: strings.TrimSpace(reason),
			Reverses: old.ID, Seq: c.After.Version, Actor: actor, RecordedAt: now}
		if old.Kind == EntryPayment {
			c.After.PaidCents -= old.AmountCents
		} else {
			c.After.WaivedCents -= old.AmountCents
		}
		c.Entry, c.Reverses = &e, old.ID
		c.Audit = append(c.Audit, AuditOf(auditID, AuditEntryReversed, actor, s.Registration, now, e.Reason,
			map[string]string{"balance": s.Account.BalanceCents().String()},
			map[string]string{"reversed": old.ID, "amount": e.AmountCents.String(), "balance": c.After.BalanceCents().String()}))
		return c, nil
	}
}

// DecideDiscount sets a team's price per person below the event's (0
// waives the fee), with the reason staff give, and reissues its invoice
// at that price.
func DecideDiscount(actor Actor, unit Cents, reason string, now time.Time, newID func() string) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		if !s.Policy.Charges() && !s.Account.PriceFixed {
			return AccountChange{}, conflict(ReasonNoFees, "The event charges nothing: there is no fee to discount.")
		}
		list := s.Account.UnitCents
		if s.Policy != nil && s.Policy.PriceCents > list {
			list = s.Policy.PriceCents
		}
		if unit < 0 || unit > list {
			return AccountChange{}, InvalidFields("The discount", Field("unitCents", RuleRange, "min", 0, "max", int64(list)))
		}
		c := startAccount(s, now)
		reason = strings.TrimSpace(reason)
		c.After.UnitCents, c.After.PriceFixed = unit, true
		c.After.Discount = &Discount{UnitCents: unit, Reason: reason, By: actor, At: now}
		c.Audit = append(c.Audit, AuditOf(newID(), AuditFeeDiscounted, actor, s.Registration, now, reason,
			map[string]string{"unit": s.Account.UnitCents.String()}, map[string]string{"unit": unit.String()}))
		planInvoices(s, &c, actor, "price per person changed", now, newID)
		return c, nil
	}
}

// ReminderInterval is the least time between two reminders to accounts
// payable.
const ReminderInterval = 24 * time.Hour

// DecideReminder emails accounts payable the open invoice again, with
// what is paid and still owed.
func DecideReminder(actor Actor, noticeID, auditID string, now time.Time) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		a := s.Account
		if a.Open == nil || a.BalanceCents() <= 0 {
			return AccountChange{}, conflict(ReasonNothingOwed, "Nothing is owed on an invoice: there is nothing to remind of.")
		}
		if a.LastReminderAt != nil && now.Sub(*a.LastReminderAt) < ReminderInterval {
			return AccountChange{}, conflict(ReasonRemindedRecently, "Accounts payable were reminded less than a day ago.")
		}
		c := startAccount(s, now)
		c.After.LastReminderAt = &now
		c.After.Reminders++
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticePaymentReminder, SubjectID: a.Open.ID, SubjectKind: SubjectInvoice}}
		c.Audit = append(c.Audit, AuditOf(auditID, AuditPaymentReminded, actor, s.Registration, now, "", nil,
			map[string]string{"number": a.Open.Number, "balance": a.BalanceCents().String(), "reminders": strconv.Itoa(c.After.Reminders)}))
		return c, nil
	}
}

// DecideResendDocument emails a document to accounts payable again (an
// email that failed, mended by changing the bill-to's address: the email
// goes to the address the document names).
func DecideResendDocument(actor Actor, noticeID, auditID string, kind NoticeKind, inv Invoice, reason string, now time.Time) AccountDecision {
	return func(s AccountState) (AccountChange, error) {
		c := startAccount(s, now)
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: kind, SubjectID: inv.ID, SubjectKind: SubjectInvoice}}
		c.Audit = append(c.Audit, AuditOf(auditID, AuditEmailResent, actor, s.Registration, now, strings.TrimSpace(reason), nil,
			map[string]string{"email": string(kind), "number": inv.Number}))
		return c, nil
	}
}
