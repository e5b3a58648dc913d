package convening

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"
)

// FeeService is staff's work on fees: each event's fee policy, the
// receivables, a team's account (record a payment or a waiver, reverse a
// mistaken one, discount the price, remind accounts payable, issue an
// invoice without waiting for its purchase order), the documents and the
// ledger for the bookkeeper, and the payee's W-9.
type FeeService struct {
	Basics
	store FeeStorage
	payee Payee
}

// FeeStorage is what FeeService needs of storage.
type FeeStorage interface {
	EventReader
	EventLister
	RegistrationReader
	FeePolicyReader
	FeePolicyWriter
	AccountUpdater
	AccountReader
	InvoiceReader
	EventAccounts
	ReceivableAccounts
	W9Store
	AuditLog
}

// NewFeeService returns staff's fees over store, invoicing in the name of
// payee.
func NewFeeService(b Basics, store FeeStorage, payee Payee) *FeeService {
	return &FeeService{Basics: b, store: store, payee: payee}
}

// Payee is who the invoices are issued by.
func (s *FeeService) Payee() Payee { return s.payee }

// invoiceAfter brings a registration's invoices up to date after its team
// changed (registered, promoted, members changed, a walk-in, cancelled).
// A failure is logged, not returned: the change itself is done and a seat
// never depends on billing; staff see an account that is not up to date
// on the team's fees page and bring it up to date there.
func invoiceAfter(ctx context.Context, b Basics, store AccountUpdater, actor Actor, reg Registration) {
	now := b.Now()
	_, err := store.UpdateAccount(ctx, reg.ID, AccountReads{FiscalYear: FiscalYear(now), Reconcile: true, EventID: reg.EventID},
		DecideReconcile(actor, ReconcileWhy(reg), now, b.NewID))
	if err != nil {
		b.Log.WarnContext(ctx, "invoicing deferred to staff", "registration", reg.ID, "error", err)
	}
}

// --- Fee policies ---

// SetFeePolicy sets what an event charges and how its invoices are due,
// with an optional reason for the audit log. A price needs the payee's
// settings (no invoice could be issued without them). Teams already
// invoiced keep their price. Errors: ENOTFOUND, EINVALID, ECONFLICT
// (ReasonPayeeNotConfigured).
func (s *FeeService) SetFeePolicy(ctx context.Context, actor Actor, eventID string, p FeePolicy, reason string) (FeePolicy, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return FeePolicy{}, err
	}
	p.EventID, p.Note = e.ID, strings.TrimSpace(p.Note)
	if err := p.Validate(); err != nil {
		return FeePolicy{}, err
	}
	if err := checkText2("reason", reason); err != nil {
		return FeePolicy{}, err
	}
	if p.Charges() && !s.payee.Complete() {
		return FeePolicy{}, conflict(ReasonPayeeNotConfigured,
			"Invoices cannot be issued: the deployment has no payee settings (legal name, remit-to address and tax id).")
	}
	old, err := s.store.FeePolicy(ctx, e.ID)
	if err != nil {
		return FeePolicy{}, err
	}
	now := s.Now()
	p.UpdatedAt = now
	before := map[string]string{}
	if old != nil {
		before = policySummary(*old)
	}
	audit := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditFeePolicyChanged, Actor: actor, At: now,
		Reason: strings.TrimSpace(reason), Before: before, After: policySummary(p)}
	if err := s.store.PutFeePolicy(ctx, p, audit); err != nil {
		return FeePolicy{}, err
	}
	return p, nil
}

func checkText2(field, s string) error {
	var v validation
	checkText(&v, field, strings.TrimSpace(s), MaxReasonLen, false)
	return v.err("The change")
}

func policySummary(p FeePolicy) map[string]string {
	m := map[string]string{"price": p.PriceCents.String(), "terms": string(p.Terms)}
	if p.POExpected {
		m["poExpectedBy"] = p.POExpectedBy
	}
	return m
}

// FeePolicy returns an event's fee policy, nil for a free event.
// Errors: ENOTFOUND (no such event).
func (s *FeeService) FeePolicy(ctx context.Context, eventID string) (Event, *FeePolicy, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Event{}, nil, err
	}
	p, err := s.store.FeePolicy(ctx, e.ID)
	return e, p, err
}

// FeeTotals are an event's (or all receivables') sums: billed (invoices
// less credit notes), paid, waived, outstanding (what is owed) and
// credit (what was paid beyond what is owed, to refund).
type FeeTotals struct {
	BilledCents      Cents `json:"billedCents"`
	PaidCents        Cents `json:"paidCents"`
	WaivedCents      Cents `json:"waivedCents"`
	OutstandingCents Cents `json:"outstandingCents"`
	CreditCents      Cents `json:"creditCents"`
}

func (t *FeeTotals) add(a Account) {
	t.BilledCents += a.BilledCents
	t.PaidCents += a.PaidCents
	t.WaivedCents += a.WaivedCents
	if b := a.BalanceCents(); b > 0 {
		t.OutstandingCents += b
	} else {
		t.CreditCents -= b
	}
}

// AccountRow is one account as lists show it: with its status now, how
// long its invoice has been owed, and whether its purchase order is
// missing past the event's PO date (an alert for staff, never a
// cancellation).
type AccountRow struct {
	Account
	Status    PaymentStatus `json:"status"`
	AgeDays   int           `json:"ageDays"`
	Aging     string        `json:"aging,omitempty"`
	POMissing bool          `json:"poMissing"`
	// EventTitle names the account's event (receivables span events).
	EventTitle string `json:"eventTitle,omitempty"`
}

func (s *FeeService) row(a Account, p *FeePolicy, now time.Time) AccountRow {
	r := AccountRow{Account: a, Status: a.Status(now), AgeDays: a.AgeDays(now)}
	if a.Open != nil {
		r.Aging = AgingBucket(r.AgeDays)
	}
	r.POMissing = poMissing(a, p, now)
	return r
}

// poMissing reports whether a team that owes a fee has given no purchase
// order though the event expected one by a date that has passed.
func poMissing(a Account, p *FeePolicy, now time.Time) bool {
	return p != nil && p.POExpected && a.PONumber == "" && DateIn(now) > p.POExpectedBy &&
		(a.Open != nil || a.Awaiting != AwaitingNothing)
}

// EventFees is an event's fees for staff: its policy, every account and
// the totals.
type EventFees struct {
	Event    Event        `json:"-"`
	Policy   *FeePolicy   `json:"policy"`
	Accounts []AccountRow `json:"accounts"`
	Totals   FeeTotals    `json:"totals"`
}

// EventFees returns an event's fees. Errors: ENOTFOUND.
func (s *FeeService) EventFees(ctx context.Context, eventID string) (EventFees, error) {
	e, p, err := s.FeePolicy(ctx, eventID)
	if err != nil {
		return EventFees{}, err
	}
	accounts, err := s.store.EventAccounts(ctx, e.ID)
	if err != nil {
		return EventFees{}, err
	}
	out := EventFees{Event: e, Policy: p, Accounts: []AccountRow{}}
	now := s.Now()
	for _, a := range accounts {
		out.Accounts = append(out.Accounts, s.row(a, p, now))
		out.Totals.add(a)
	}
	slices.SortFunc(out.Accounts, func(a, b AccountRow) int {
		return cmp.Or(cmp.Compare(NormalizeName(a.Organization.Name), NormalizeName(b.Organization.Name)), cmp.Compare(a.RegistrationID, b.RegistrationID))
	})
	return out, nil
}

// OrganizationReceivables are one organization's open accounts, with its
// sums by aging bucket.
type OrganizationReceivables struct {
	Organization Organization     `json:"organization"`
	Accounts     []AccountRow     `json:"accounts"`
	Aging        map[string]Cents `json:"agingCents"`
	TotalCents   Cents            `json:"totalCents"`
}

// Receivables are the open accounts by organization, with aging (0-30,
// 31-60, 61+ days since the invoice's date) and totals.
type Receivables struct {
	Organizations []OrganizationReceivables `json:"organizations"`
	Aging         map[string]Cents          `json:"agingCents"`
	TotalCents    Cents                     `json:"totalCents"`
	// Overdue and POMissing count the accounts staff should act on.
	Overdue   int `json:"overdue"`
	POMissing int `json:"poMissing"`
	// NotInvoiced counts the teams owed an invoice that has not gone out.
	NotInvoiced int `json:"notInvoiced"`
}

// Receivables returns the open accounts across events.
func (s *FeeService) Receivables(ctx context.Context) (Receivables, error) {
	accounts, err := s.store.ReceivableAccounts(ctx)
	if err != nil {
		return Receivables{}, err
	}
	events, err := s.store.Events(ctx)
	if err != nil {
		return Receivables{}, err
	}
	titles := map[string]string{}
	for _, e := range events {
		titles[e.ID] = e.Title
	}
	policies := map[string]*FeePolicy{}
	now := s.Now()
	out := Receivables{Organizations: []OrganizationReceivables{}, Aging: emptyAging()}
	byOrg := map[string]*OrganizationReceivables{}
	for _, a := range accounts {
		p, ok := policies[a.EventID]
		if !ok {
			if p, err = s.store.FeePolicy(ctx, a.EventID); err != nil {
				return Receivables{}, err
			}
			policies[a.EventID] = p
		}
		r := s.row(a, p, now)
		r.EventTitle = titles[a.EventID]
		key := a.Organization.Key()
		o := byOrg[key]
		if o == nil {
			o = &OrganizationReceivables{Organization: a.Organization, Aging: emptyAging()}
			byOrg[key] = o
		}
		o.Accounts = append(o.Accounts, r)
		if bal := a.BalanceCents(); bal > 0 && r.Aging != "" {
			o.Aging[r.Aging] += bal
			o.TotalCents += bal
			out.Aging[r.Aging] += bal
			out.TotalCents += bal
		}
		switch {
		case r.Status == PaymentOverdue:
			out.Overdue++
		case r.Status == PaymentNotInvoiced:
			out.NotInvoiced++
		}
		if r.POMissing {
			out.POMissing++
		}
	}
	for _, o := range byOrg {
		slices.SortFunc(o.Accounts, func(a, b AccountRow) int { return cmp.Compare(a.EventTitle, b.EventTitle) })
		out.Organizations = append(out.Organizations, *o)
	}
	slices.SortFunc(out.Organizations, func(a, b OrganizationReceivables) int {
		return cmp.Compare(NormalizeName(a.Organization.Name), NormalizeName(b.Organization.Name))
	})
	return out, nil
}

func emptyAging() map[string]Cents {
	m := map[string]Cents{}
	for _, b := range AgingBuckets {
		m[b] = 0
	}
	return m
}

// --- One team's account ---

// AccountView is a team's fees: its registration and event, the event's
// policy, the account with its status, the documents issued and the
// ledger.
type AccountView struct {
	Registration Registration  `json:"-"`
	Event        Event         `json:"-"`
	Policy       *FeePolicy    `json:"policy"`
	Account      Account       `json:"account"`
	Status       PaymentStatus `json:"status"`
	POMissing    bool          `json:"poMissing"`
	Documents    []Invoice     `json:"documents"`
	Entries      []LedgerEntry `json:"entries"`
}

func accountView(ctx context.Context, store interface {
	RegistrationReader
	EventReader
	FeePolicyReader
	AccountReader
}, reg Registration, now time.Time) (AccountView, error) {
	e, err := store.Event(ctx, reg.EventID)
	if err != nil {
		return AccountView{}, err
	}
	p, err := store.FeePolicy(ctx, reg.EventID)
	if err != nil {
		return AccountView{}, err
	}
	a, err := store.Account(ctx, reg.ID)
	if err != nil {
		return AccountView{}, err
	}
	docs, err := store.AccountDocuments(ctx, reg.ID)
	if err != nil {
		return AccountView{}, err
	}
	entries, err := store.AccountEntries(ctx, reg.ID)
	if err != nil {
		return AccountView{}, err
	}
	if !a.Exists() {
		a = Account{RegistrationID: reg.ID, EventID: reg.EventID, Organization: reg.Organization}
	}
	return AccountView{Registration: reg, Event: e, Policy: p, Account: a, Status: a.Status(now), POMissing: poMissing(a, p, now),
		Documents: nonNilSlice(docs), Entries: nonNilSlice(entries)}, nil
}

// StaffAccount returns a team's fees to staff. Errors: ENOTFOUND.
func (s *FeeService) StaffAccount(ctx context.Context, registrationID string) (AccountView, error) {
	if !validID(registrationID) {
		return AccountView{}, ErrRegistrationNotFound
	}
	reg, err := s.store.Registration(ctx, registrationID)
	if err != nil {
		return AccountView{}, err
	}
	return accountView(ctx, s.store, reg, s.Now())
}

func validID(id string) bool { return id != "" && len(id) <= 64 }

// FeeHistory returns the audit records of a team's fees, newest first.
func (s *FeeService) FeeHistory(ctx context.Context, registrationID string) ([]AuditRecord, error) {
	all, err := allAudit(ctx, s.store, AuditQuery{Subject: registrationID, Kinds: FeeAuditKinds})
	return nonNilSlice(all), err
}

// FeeAuditKinds are the audit log's kinds of fee changes.
var FeeAuditKinds = []AuditKind{AuditInvoiced, AuditCredited, AuditBillingChanged, AuditPaymentRecorded, AuditFeeWaived,
	AuditEntryReversed, AuditFeeDiscounted, AuditPaymentReminded}

// update runs an account decision for staff.
func (s *FeeService) update(ctx context.Context, registrationID string, reads AccountReads, decide AccountDecision) (Account, error) {
	if !validID(registrationID) {
		return Account{}, ErrRegistrationNotFound
	}
	return s.store.UpdateAccount(ctx, registrationID, reads, decide)
}

// ErrEntryRecorded is what a store answers when an entry with the same id
// is already recorded (the same form or Idempotency-Key sent again): the
// service answers the entry recorded first.
var ErrEntryRecorded = errors.New("ledger entry already recorded")

// EntryID is the id of an entry recorded with an idempotency key: the
// same key for the same account always names the same entry, so a form
// sent twice records one payment.
func EntryID(registrationID, key string) string {
	h := sha256.Sum256([]byte("ledger-entry\x00" + registrationID + "\x00" + key))
	return "E" + strings.ToUpper(hex.EncodeToString(h[:13]))
}

// RecordEntry records a payment (check or ACH number, amount, date) or a
// waiver (amount, reason) on a team's account; with key (a form's or an
// Idempotency-Key), a second request with the same key records nothing
// more and answers the first entry (replayed), or ECONFLICT
// (ReasonIdempotencyKeyReused) if it differs. Errors: ENOTFOUND, EINVALID
// naming the field, ECONFLICT (ReasonNothingOwed for a waiver).
func (s *FeeService) RecordEntry(ctx context.Context, actor Actor, registrationID string, in EntryInput, key string) (Account, LedgerEntry, bool, error) {
	now := s.Now()
	in.Reference, in.Reason = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Reason)
	if err := in.Validate(now); err != nil {
		return Account{}, LedgerEntry{}, false, err
	}
	id := s.NewID()
	if key != "" {
		id = EntryID(registrationID, key)
	}
	a, err := s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideEntry(actor, id, in, now, s.NewID()))
	if errors.Is(err, ErrEntryRecorded) {
		entries, rerr := s.store.AccountEntries(ctx, registrationID)
		if rerr != nil {
			return Account{}, LedgerEntry{}, false, rerr
		}
		i := slices.IndexFunc(entries, func(e LedgerEntry) bool { return e.ID == id })
		if i < 0 {
			return Account{}, LedgerEntry{}, false, err
		}
		e := entries[i]
		if e.Kind != in.Kind || e.AmountCents != in.AmountCents || e.Method != in.Method || e.Reference != in.Reference || e.ReceivedOn != in.ReceivedOn {
			return Account{}, LedgerEntry{}, false, conflict(ReasonIdempotencyKeyReused, "This key was used for another entry.")
		}
		a, err = s.store.Account(ctx, registrationID)
		return a, e, true, err
	}
	if err != nil {
		return Account{}, LedgerEntry{}, false, err
	}
	entries, err := s.store.AccountEntries(ctx, registrationID)
	if err != nil {
		return a, LedgerEntry{}, false, err
	}
	for _, e := range entries {
		if e.ID == id {
			return a, e, false, nil
		}
	}
	return a, LedgerEntry{ID: id}, false, nil
}

// ReverseEntry reverses a mistaken payment or waiver with the reason.
// Errors: ENOTFOUND (ReasonEntryUnknown), EINVALID (reason), ECONFLICT
// (ReasonAlreadyReversed).
func (s *FeeService) ReverseEntry(ctx context.Context, actor Actor, registrationID, entryID, reason string) (Account, error) {
	if err := CheckReason(reason); err != nil {
		return Account{}, err
	}
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now), Entries: true},
		DecideReverse(actor, s.NewID(), entryID, reason, now, s.NewID()))
}

// Discount sets a team's price per person (in cents, at most the event's;
// 0 waives the fee) with the reason, and reissues its invoice.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNoFees).
func (s *FeeService) Discount(ctx context.Context, actor Actor, registrationID string, unit Cents, reason string) (Account, error) {
	if err := CheckReason(reason); err != nil {
		return Account{}, err
	}
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideDiscount(actor, unit, reason, now, s.NewID))
}

// Remind emails accounts payable the open invoice again with what is
// still owed. Errors: ENOTFOUND, ECONFLICT (ReasonNothingOwed,
// ReasonRemindedRecently).
func (s *FeeService) Remind(ctx context.Context, actor Actor, registrationID string) (Account, error) {
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideReminder(actor, s.NewID(), s.NewID(), now))
}

// IssueNow brings a team's invoices up to date, without waiting for a
// purchase order the event expects. Errors: ENOTFOUND.
func (s *FeeService) IssueNow(ctx context.Context, actor Actor, registrationID string) (Account, error) {
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideIssueNow(actor, now, s.NewID))
}

// Reconcile brings a team's invoices up to date with its registration as
// it is now (what every change of a team does on its own; for a change
// whose invoicing failed, or made where invoicing is not wired).
func (s *FeeService) Reconcile(ctx context.Context, actor Actor, registrationID string) (Account, error) {
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideReconcile(actor, "brought up to date", now, s.NewID))
}

// SetBilling records a team's billing details on its behalf.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNoBillTo).
func (s *FeeService) SetBilling(ctx context.Context, actor Actor, registrationID string, in BillingInput) (Account, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Account{}, err
	}
	now := s.Now()
	return s.update(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideBilling(actor, in, now, s.NewID))
}

// StaffInvoice returns one invoice or credit note. Errors: ENOTFOUND.
func (s *FeeService) StaffInvoice(ctx context.Context, id string) (Invoice, error) {
	if !validID(id) {
		return Invoice{}, ErrInvoiceNotFound
	}
	return s.store.Invoice(ctx, id)
}

// EventLedger returns every document and ledger entry of an event, in the
// order written: the bookkeeper's export. Errors: ENOTFOUND.
func (s *FeeService) EventLedger(ctx context.Context, eventID string) (Event, []Invoice, []LedgerEntry, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Event{}, nil, nil, err
	}
	docs, entries, err := s.store.EventLedger(ctx, e.ID)
	return e, docs, entries, err
}

// --- The W-9 ---

// UploadW9 replaces the payee's W-9 with a PDF of at most MaxW9Bytes.
// Errors: EINVALID (file).
func (s *FeeService) UploadW9(ctx context.Context, actor Actor, filename string, data []byte) (W9Document, error) {
	if len(data) == 0 || len(data) > MaxW9Bytes || !bytes.HasPrefix(data, []byte("%PDF-")) {
		return W9Document{}, InvalidFields("The W-9", Field("file", RulePDF, "max", MaxW9Bytes))
	}
	filename = strings.TrimSpace(filename)
	if filename == "" || len(filename) > 200 || strings.ContainsFunc(filename, func(r rune) bool { return r < ' ' || r == '"' || r == '\\' || r == '/' || r > '~' }) {
		filename = "W-9.pdf"
	}
	h := sha256.Sum256(data)
	doc := W9Document{Data: data, Filename: filename, Size: len(data), SHA256: hex.EncodeToString(h[:]), UploadedAt: s.Now(), UploadedBy: actor}
	if err := s.store.PutW9(ctx, doc); err != nil {
		return W9Document{}, err
	}
	return doc, nil
}

// W9 returns the payee's W-9. Errors: ENOTFOUND (ReasonW9Missing).
func (s *FeeService) W9(ctx context.Context) (W9Document, error) { return s.store.W9(ctx) }

// W9Info describes the payee's W-9 without its bytes.
// Errors: ENOTFOUND (ReasonW9Missing).
func (s *FeeService) W9Info(ctx context.Context) (W9Document, error) { return s.store.W9Info(ctx) }

// --- The team's side ---

// BillingService is a team's fees, with its registration's manage token:
// its account and invoices, its billing details and purchase order; the
// accounts-payable contact's invoice, with the invoice's own token; the
// payee's W-9; an event's price, for everyone.
type BillingService struct {
	Basics
	store  BillingStorage
	tokens *ManageTokens
	payee  Payee
}

// BillingStorage is what BillingService needs of storage.
type BillingStorage interface {
	EventReader
	RegistrationReader
	FeePolicyReader
	BillTos
	AccountUpdater
	AccountReader
	InvoiceReader
	W9Store
}

// BillTos reads an organization's bill-to on file (nil if none).
type BillTos interface {
	BillTo(ctx context.Context, orgKey string) (*BillTo, error)
}

// NewBillingService returns teams' fees over store, with their tokens
// (which must not be nil), invoicing in the name of payee.
func NewBillingService(b Basics, store BillingStorage, tokens *ManageTokens, payee Payee) *BillingService {
	return &BillingService{Basics: b, store: store, tokens: mustTokens("a billing service", tokens), payee: payee}
}

// Payee is who the invoices are issued by.
func (s *BillingService) Payee() Payee { return s.payee }

// EventFee returns an event's fee policy for everyone (the price is
// public), nil for a free event.
func (s *BillingService) EventFee(ctx context.Context, eventID string) (*FeePolicy, error) {
	if !ValidEventID(eventID) {
		return nil, ErrEventNotFound
	}
	return s.store.FeePolicy(ctx, eventID)
}

// CheckBilling validates billing details a team gives with its
// registration, before it registers, so that a mistake in them stores
// nothing: the fields as given, and a bill-to left empty only if its
// organization has one on file. It returns them normalized.
func (s *BillingService) CheckBilling(ctx context.Context, org Organization, in BillingInput) (BillingInput, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return in, err
	}
	if in.BillTo == nil {
		b, err := s.store.BillTo(ctx, org.Key())
		if err != nil {
			return in, err
		}
		if b == nil {
			return in, InvalidFields("The billing details", Field("billTo", RuleRequired))
		}
	}
	return in, nil
}

// TeamAccount returns a team's fees to the holder of its manage token.
// Errors: ENOTFOUND.
func (s *BillingService) TeamAccount(ctx context.Context, registrationID, token string) (AccountView, error) {
	if !authorized(s.tokens, registrationID, token) {
		return AccountView{}, ErrRegistrationNotFound
	}
	reg, err := s.store.Registration(ctx, registrationID)
	if err != nil {
		return AccountView{}, err
	}
	return accountView(ctx, s.store, reg, s.Now())
}

// SetBilling records the team's billing details (its bill-to, saved for
// its organization's next registration, and its purchase order number),
// for the holder of its manage token; the invoice is issued or reissued
// to show them. Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNoBillTo).
func (s *BillingService) SetBilling(ctx context.Context, registrationID, token string, in BillingInput) (Account, error) {
	if !authorized(s.tokens, registrationID, token) {
		return Account{}, ErrRegistrationNotFound
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Account{}, err
	}
	now := s.Now()
	return s.store.UpdateAccount(ctx, registrationID, AccountReads{FiscalYear: FiscalYear(now)}, DecideBilling(TeamActor, in, now, s.NewID))
}

// TeamInvoice returns one of the team's invoices or credit notes to the
// holder of its manage token. Errors: ENOTFOUND.
func (s *BillingService) TeamInvoice(ctx context.Context, registrationID, token, invoiceID string) (Invoice, error) {
	if !authorized(s.tokens, registrationID, token) || !validID(invoiceID) {
		return Invoice{}, ErrInvoiceNotFound
	}
	inv, err := s.store.Invoice(ctx, invoiceID)
	if err != nil || inv.RegistrationID != registrationID {
		return Invoice{}, ErrInvoiceNotFound
	}
	return inv, nil
}

// InvoiceStanding is an invoice as its private link shows it to accounts
// payable: the document, whether it is the one still owed (or was
// credited and replaced), and what is paid and owed on it.
type InvoiceStanding struct {
	Invoice      Invoice `json:"invoice"`
	Current      bool    `json:"current"`
	PaidCents    Cents   `json:"paidCents"`
	BalanceCents Cents   `json:"balanceCents"`
}

// InvoiceToken is the token of an invoice's private link.
func (s *BillingService) InvoiceToken(invoiceID string) string {
	return s.tokens.Token(InvoiceTokenSubject(invoiceID))
}

// InvoiceByToken returns an invoice to the holder of its own token (the
// link in the email to accounts payable). Errors: ENOTFOUND.
func (s *BillingService) InvoiceByToken(ctx context.Context, invoiceID, token string) (InvoiceStanding, error) {
	if !validID(invoiceID) || token == "" || !s.tokens.Valid(InvoiceTokenSubject(invoiceID), token) {
		return InvoiceStanding{}, ErrInvoiceNotFound
	}
	inv, err := s.store.Invoice(ctx, invoiceID)
	if err != nil {
		return InvoiceStanding{}, err
	}
	a, err := s.store.Account(ctx, inv.RegistrationID)
	if err != nil {
		return InvoiceStanding{}, err
	}
	st := InvoiceStanding{Invoice: inv, Current: a.Open != nil && a.Open.ID == inv.ID}
	if st.Current {
		st.PaidCents, st.BalanceCents = a.PaidCents+a.WaivedCents, a.BalanceCents()
	}
	return st, nil
}

// HasW9 reports whether staff uploaded the payee's W-9 (a failure to read
// says no: the pages then offer no link).
func (s *BillingService) HasW9(ctx context.Context) bool {
	_, err := s.store.W9Info(ctx)
	return err == nil
}

// W9 returns the payee's W-9 to a team (manage token) or accounts payable
// (an invoice's token: subject is InvoiceTokenSubject). Errors: ENOTFOUND.
func (s *BillingService) W9(ctx context.Context, subject, token string) (W9Document, error) {
	if !validID(strings.TrimPrefix(subject, "invoice:")) || token == "" || !s.tokens.Valid(subject, token) {
		return W9Document{}, ErrW9Missing
	}
	return s.store.W9(ctx)
}
