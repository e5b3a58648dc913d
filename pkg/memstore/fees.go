package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

// feeState is the store's fees: policies, bill-tos, accounts, documents,
// the ledger, the fiscal years' counters and the W-9, under the store's
// one lock.
type feeState struct {
	policies map[string]convening.FeePolicy // by event
	billTos  map[string]convening.BillTo    // by organization key
	accounts map[string]convening.Account   // by registration
	invoices map[string]convening.Invoice   // by id
	docs     []string                       // invoice ids in the order issued
	entries  []convening.LedgerEntry        // in the order recorded
	reversed map[string]bool                // entry ids reversed
	counters map[int]int                    // fiscal year -> last number
	w9       *convening.W9Document
}

func (f *feeState) init() {
	if f.policies == nil {
		f.policies, f.billTos, f.accounts = map[string]convening.FeePolicy{}, map[string]convening.BillTo{}, map[string]convening.Account{}
		f.invoices, f.reversed, f.counters = map[string]convening.Invoice{}, map[string]bool{}, map[int]int{}
	}
}

// FeePolicy returns an event's fee policy, nil if it has none.
func (s *Store) FeePolicy(ctx context.Context, eventID string) (*convening.FeePolicy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	if p, ok := s.fees.policies[eventID]; ok {
		return &p, nil
	}
	return nil, nil
}

// PutFeePolicy stores an event's fee policy with its audit record.
func (s *Store) PutFeePolicy(ctx context.Context, p convening.FeePolicy, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	ev, ok := s.events[p.EventID]
	if !ok {
		return convening.ErrEventNotFound
	}
	ev.NoFeePolicy = false
	s.fees.init()
	s.fees.policies[p.EventID] = p
	s.audit = append(s.audit, audit)
	return nil
}

// BillTo returns an organization's bill-to on file, nil if none.
func (s *Store) BillTo(ctx context.Context, orgKey string) (*convening.BillTo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	if b, ok := s.fees.billTos[orgKey]; ok {
		return &b, nil
	}
	return nil, nil
}

// UpdateAccount applies the change decide makes of a registration's
// account, all under the store's lock.
func (s *Store) UpdateAccount(ctx context.Context, registrationID string, reads convening.AccountReads, decide convening.AccountDecision) (convening.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Account{}, err
	}
	s.fees.init()
	reg, ok := s.registrations[registrationID]
	if !ok {
		return convening.Account{}, convening.ErrRegistrationNotFound
	}
	ev := s.events[reg.EventID]
	policy, hasPolicy := s.fees.policies[reg.EventID]
	acct := s.fees.accounts[registrationID]
	if reads.Reconcile && !hasPolicy {
		return acct, nil
	}
	st := convening.AccountState{Registration: s.withPosition(clone(*reg)), Event: ev.Event, Account: cloneAccount(acct),
		Numbers: convening.InvoiceNumbers{FiscalYear: reads.FiscalYear, Last: s.fees.counters[reads.FiscalYear]}}
	if hasPolicy {
		st.Policy = &policy
	}
	if b, ok := s.fees.billTos[reg.Organization.Key()]; ok {
		st.OnFile = &b
	}
	if reads.Entries {
		st.Entries = s.entriesOf(registrationID)
	}
	c, err := decide(st)
	if err != nil {
		return convening.Account{}, err
	}
	if c.Unchanged {
		return acct, nil
	}
	if c.Entry != nil {
		for _, e := range s.fees.entries {
			if e.ID == c.Entry.ID {
				return convening.Account{}, fmt.Errorf("entry %s: %w", e.ID, convening.ErrEntryRecorded)
			}
		}
	}
	if c.Reverses != "" && s.fees.reversed[c.Reverses] {
		return convening.Account{}, convening.NewError(convening.ECONFLICT, convening.ReasonAlreadyReversed, "That entry is already reversed.")
	}
	for _, d := range c.Documents {
		if d.FiscalYear != reads.FiscalYear || d.Seq != s.fees.counters[d.FiscalYear]+1 {
			return convening.Account{}, fmt.Errorf("document %s numbered %d after %d", d.ID, d.Seq, s.fees.counters[d.FiscalYear])
		}
		s.fees.counters[d.FiscalYear] = d.Seq
		s.fees.invoices[d.ID] = d
		s.fees.docs = append(s.fees.docs, d.ID)
	}
	if c.Entry != nil {
		s.fees.entries = append(s.fees.entries, *c.Entry)
	}
	if c.Reverses != "" {
		s.fees.reversed[c.Reverses] = true
	}
	if c.SaveBillTo != nil {
		s.fees.billTos[reg.Organization.Key()] = *c.SaveBillTo
	}
	s.fees.accounts[registrationID] = cloneAccount(c.After)
	for _, n := range c.Notices {
		s.addSpec(n, reg.EventID, c.After.UpdatedAt)
	}
	s.audit = append(s.audit, c.Audit...)
	return cloneAccount(c.After), nil
}

func cloneAccount(a convening.Account) convening.Account {
	a.BillTo = copied(a.BillTo)
	a.Discount = copied(a.Discount)
	a.LastReminderAt = copied(a.LastReminderAt)
	if a.Open != nil {
		o := *a.Open
		o.Lines = slices.Clone(o.Lines)
		a.Open = &o
	}
	return a
}

func (s *Store) entriesOf(registrationID string) []convening.LedgerEntry {
	var out []convening.LedgerEntry
	for _, e := range s.fees.entries {
		if e.RegistrationID == registrationID {
			out = append(out, e)
		}
	}
	return out
}

// Account returns a registration's account (zero if none).
func (s *Store) Account(ctx context.Context, registrationID string) (convening.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Account{}, err
	}
	s.fees.init()
	return cloneAccount(s.fees.accounts[registrationID]), nil
}

// AccountDocuments returns a registration's documents in the order issued.
func (s *Store) AccountDocuments(ctx context.Context, registrationID string) ([]convening.Invoice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	var out []convening.Invoice
	for _, id := range s.fees.docs {
		if d := s.fees.invoices[id]; d.RegistrationID == registrationID {
			out = append(out, d)
		}
	}
	return out, nil
}

// AccountEntries returns a registration's ledger in the order recorded.
func (s *Store) AccountEntries(ctx context.Context, registrationID string) ([]convening.LedgerEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	return s.entriesOf(registrationID), nil
}

// Invoice returns one document. Errors: ENOTFOUND.
func (s *Store) Invoice(ctx context.Context, id string) (convening.Invoice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Invoice{}, err
	}
	s.fees.init()
	d, ok := s.fees.invoices[id]
	if !ok {
		return convening.Invoice{}, convening.ErrInvoiceNotFound
	}
	return d, nil
}

// EventAccounts returns the accounts of an event's registrations.
func (s *Store) EventAccounts(ctx context.Context, eventID string) ([]convening.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	var out []convening.Account
	for _, a := range s.fees.accounts {
		if a.EventID == eventID {
			out = append(out, cloneAccount(a))
		}
	}
	slices.SortFunc(out, func(a, b convening.Account) int { return cmp.Compare(a.RegistrationID, b.RegistrationID) })
	return out, nil
}

// EventLedger returns an event's documents and entries in the order
// written.
func (s *Store) EventLedger(ctx context.Context, eventID string) ([]convening.Invoice, []convening.LedgerEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, nil, err
	}
	s.fees.init()
	var docs []convening.Invoice
	for _, id := range s.fees.docs {
		if d := s.fees.invoices[id]; d.Event.ID == eventID {
			docs = append(docs, d)
		}
	}
	var entries []convening.LedgerEntry
	for _, e := range s.fees.entries {
		if e.EventID == eventID {
			entries = append(entries, e)
		}
	}
	return docs, entries, nil
}

// ReceivableAccounts returns the accounts staff follow, across events.
func (s *Store) ReceivableAccounts(ctx context.Context) ([]convening.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.fees.init()
	var out []convening.Account
	for _, a := range s.fees.accounts {
		if a.Receivable() {
			out = append(out, cloneAccount(a))
		}
	}
	slices.SortFunc(out, func(a, b convening.Account) int {
		return cmp.Or(cmp.Compare(a.Organization.Key(), b.Organization.Key()), cmp.Compare(a.RegistrationID, b.RegistrationID))
	})
	return out, nil
}

// PutW9 replaces the W-9.
func (s *Store) PutW9(ctx context.Context, doc convening.W9Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	doc.Data = slices.Clone(doc.Data)
	s.fees.w9 = &doc
	return nil
}

// W9Info returns the W-9 without its bytes.
func (s *Store) W9Info(ctx context.Context) (convening.W9Document, error) {
	doc, err := s.W9(ctx)
	doc.Data = nil
	return doc, err
}

// W9 returns the W-9. Errors: ENOTFOUND (ReasonW9Missing).
func (s *Store) W9(ctx context.Context) (convening.W9Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.W9Document{}, err
	}
	if s.fees.w9 == nil {
		return convening.W9Document{}, convening.ErrW9Missing
	}
	doc := *s.fees.w9
	doc.Data = slices.Clone(doc.Data)
	return doc, nil
}

// invoiceNotice is the email a notice about a document owes, with the
// account as it is when it goes out. The caller holds the lock.
func (s *Store) invoiceNotice(n *notice) (convening.Notice, error) {
	s.fees.init()
	d, ok := s.fees.invoices[n.SubjectID]
	if !ok {
		return convening.Notice{}, fmt.Errorf("notice %s: its document is missing", n.ID)
	}
	return convening.InvoiceNotice(n.NoticeRecord, d, s.fees.accounts[d.RegistrationID]), nil
}
