package dynamostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Fees are kept in items of their own (pk / sk):
//
//	EVENT#<id>      / FEES        the event's fee policy
//	BILLTO#<orgKey> / BILLTO      an organization's bill-to on file
//	REG#<id>        / ACCOUNT     the registration's account (gsi1: ACCOUNTS#<eventId> / <regId>;
//	                              gsi2, while receivable: RECEIVABLES / <orgKey>#<regId>)
//	REG#<id>        / PAY#<id>    a payment or waiver, written once (gsi2: LEDGER#<eventId> / <time>#PAY#<id>)
//	REG#<id>        / REV#<id>    the mark that an entry was reversed (once)
//	INV#<id>        / INV         an invoice or credit note, written once (gsi1: INVOICES#<regId> / <seq>;
//	                              gsi2: LEDGER#<eventId> / <time>#INV#<id>)
//	INVSEQ#<fy>     / INVSEQ      the fiscal year's last document number
//	W9              / CURRENT     the W-9's description and where its chunks are
//	W9#<upload>     / CHUNK#<n>   the W-9's bytes, in chunks under the item size limit
//
// Every change of an account is one transaction: the account conditioned
// on its version, the counter on its last number as read, the documents
// and the entry put if absent, the registration checked as read, the
// notices and audit records.
// The event item's fees attribute (eventItem.Fees).
const (
	feesNone   = "none"
	feesPolicy = "policy"
)

const (
	skFees       = "FEES"
	billToPrefix = "BILLTO#"
	skBillTo     = "BILLTO"
	skAccount    = "ACCOUNT"
	payPrefix    = "PAY#"
	revPrefix    = "REV#"
	invPrefix    = "INV#"
	skInv        = "INV"
	seqPrefix    = "INVSEQ#"
	skSeq        = "INVSEQ"
	pkW9         = "W9"
	skW9         = "CURRENT"
	chunkPrefix  = "CHUNK#"

	gsiAccounts    = "ACCOUNTS#"
	gsiReceivables = "RECEIVABLES"
	gsiInvoices    = "INVOICES#"
	gsiLedger      = "LEDGER#"

	// w9Chunk is the bytes of the W-9 per item: well under DynamoDB's
	// 400 KB, so a 1 MB W-9 is 4 items, written in one transaction.
	w9Chunk = 300 << 10
)

type feePolicyItem struct {
	PK     string              `json:"pk"`
	SK     string              `json:"sk"`
	Policy convening.FeePolicy `json:"policy"`
}

type billToItem struct {
	PK     string           `json:"pk"`
	SK     string           `json:"sk"`
	BillTo convening.BillTo `json:"billTo"`
}

type accountItem struct {
	PK      string            `json:"pk"`
	SK      string            `json:"sk"`
	GSI1PK  string            `json:"gsi1pk"`
	GSI1SK  string            `json:"gsi1sk"`
	GSI2PK  string            `json:"gsi2pk,omitempty"`
	GSI2SK  string            `json:"gsi2sk,omitempty"`
	Version int               `json:"version"`
	Account convening.Account `json:"account"`
}

type invoiceItem struct {
	PK      string            `json:"pk"`
	SK      string            `json:"sk"`
	GSI1PK  string            `json:"gsi1pk"`
	GSI1SK  string            `json:"gsi1sk"`
	GSI2PK  string            `json:"gsi2pk"`
	GSI2SK  string            `json:"gsi2sk"`
	Invoice convening.Invoice `json:"invoice"`
}

type entryItem struct {
	PK     string                `json:"pk"`
	SK     string                `json:"sk"`
	GSI2PK string                `json:"gsi2pk"`
	GSI2SK string                `json:"gsi2sk"`
	Entry  convening.LedgerEntry `json:"entry"`
}

type counterItem struct {
	PK   string `json:"pk"`
	SK   string `json:"sk"`
	Last int    `json:"last"`
}

func seqItemKey(fy int) string { return seqPrefix + strconv.Itoa(fy) }

// FeePolicy returns an event's fee policy, nil if it has none.
func (s *Store) FeePolicy(ctx context.Context, eventID string) (*convening.FeePolicy, error) {
	var it feePolicyItem
	found, err := s.getItem(ctx, eventPrefix+eventID, skFees, &it)
	if err != nil || !found {
		return nil, err
	}
	return &it.Policy, nil
}

// PutFeePolicy stores an event's fee policy with its audit record, in one
// transaction conditioned on the event existing.
func (s *Store) PutFeePolicy(ctx context.Context, p convening.FeePolicy, audit convening.AuditRecord) error {
	av, err := marshal(feePolicyItem{PK: eventPrefix + p.EventID, SK: skFees, Policy: p})
	if err != nil {
		return err
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	// The event item says it has a fee policy from now on: registrations
	// that assumed none (noFeePolicyCond) are refused and ask again.
	tx := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(s.table), Key: key(eventPrefix+p.EventID, skEvent),
			ConditionExpression: aws.String("attribute_exists(#pk)"), UpdateExpression: aws.String("SET #fees = :policy"),
			ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#fees": "fees"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":policy": &types.AttributeValueMemberS{Value: feesPolicy}}}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: av}},
		a,
	}}
	return s.transact(ctx, "put fee policy "+p.EventID, func(ctx context.Context) (*write, error) {
		return &write{tx: tx, answer: func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrEventNotFound
			}
			return nil
		}}, nil
	})
}

// BillTo returns an organization's bill-to on file, nil if none.
func (s *Store) BillTo(ctx context.Context, orgKey string) (*convening.BillTo, error) {
	var it billToItem
	found, err := s.getItem(ctx, billToPrefix+orgKey, skBillTo, &it)
	if err != nil || !found {
		return nil, err
	}
	return &it.BillTo, nil
}

// UpdateAccount reads a registration's account and all a decision about
// it is made from, asks decide, and writes its change in one transaction
// (see the items above), asking again if the account, the registration
// or the counter moved first. A reconciliation of a free event's team
// costs one read.
//
// Errors: ENOTFOUND, those of decide, ErrEntryRecorded for an entry id
// already written, ECONFLICT (ReasonAlreadyReversed), EUNAVAILABLE.
func (s *Store) UpdateAccount(ctx context.Context, registrationID string, reads convening.AccountReads, decide convening.AccountDecision) (convening.Account, error) {
	var out convening.Account
	if reads.Reconcile && reads.EventID != "" {
		if p, err := s.FeePolicy(ctx, reads.EventID); err != nil || p == nil {
			return out, err // a free event: nothing to invoice
		}
	}
	err := s.transact(ctx, "update account "+registrationID, func(ctx context.Context) (*write, error) {
		var reg registrationItem
		found, err := s.getItem(ctx, regPrefix+registrationID, skReg, &reg)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, convening.ErrRegistrationNotFound
		}
		var policyIt feePolicyItem
		hasPolicy, err := s.getItem(ctx, eventPrefix+reg.EventID, skFees, &policyIt)
		if err != nil {
			return nil, err
		}
		var acctIt accountItem
		if _, err := s.getItem(ctx, regPrefix+registrationID, skAccount, &acctIt); err != nil {
			return nil, err
		}
		if reads.Reconcile && !hasPolicy {
			out = acctIt.Account
			return nil, nil
		}
		r := reg.registration()
		var ev eventItem
		if found, err := s.getItem(ctx, eventPrefix+reg.EventID, skEvent, &ev); err != nil || !found {
			return nil, fmt.Errorf("update account %s: read event %s: %w (found %v)", registrationID, reg.EventID, err, found)
		}
		var counter counterItem
		if _, err := s.getItem(ctx, seqItemKey(reads.FiscalYear), skSeq, &counter); err != nil {
			return nil, err
		}
		st := convening.AccountState{Registration: r, Event: ev.event(), Account: acctIt.Account,
			Numbers: convening.InvoiceNumbers{FiscalYear: reads.FiscalYear, Last: counter.Last}}
		if hasPolicy {
			st.Policy = &policyIt.Policy
		}
		if st.OnFile, err = s.BillTo(ctx, r.Organization.Key()); err != nil {
			return nil, err
		}
		if reads.Entries {
			if st.Entries, err = s.AccountEntries(ctx, registrationID); err != nil {
				return nil, err
			}
		}
		c, err := decide(st)
		if err != nil {
			return nil, err
		}
		if c.Unchanged {
			out = acctIt.Account
			return nil, nil
		}
		out = c.After
		return s.accountWrite(reg, acctIt.Version, counter.Last, reads.FiscalYear, c)
	})
	if err != nil {
		return convening.Account{}, err
	}
	return out, nil
}

// accountWrite builds the transaction of an account's change.
func (s *Store) accountWrite(reg registrationItem, version, last, fy int, c convening.AccountChange) (*write, error) {
	var tx items
	after := c.After
	it := accountItem{PK: regPrefix + reg.ID, SK: skAccount, GSI1PK: gsiAccounts + reg.EventID, GSI1SK: reg.ID,
		Version: after.Version, Account: after}
	if after.Receivable() {
		it.GSI2PK, it.GSI2SK = gsiReceivables, after.Organization.Key()+"#"+reg.ID
	}
	av, err := marshal(it)
	if err != nil {
		return nil, err
	}
	put := &types.Put{TableName: aws.String(s.table), Item: av}
	if version == 0 {
		put.ConditionExpression, put.ExpressionAttributeNames = aws.String("attribute_not_exists(#pk)"), map[string]string{"#pk": AttrPK}
	} else {
		put.ConditionExpression = aws.String("#v = :v")
		put.ExpressionAttributeNames = map[string]string{"#v": "version"}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(int64(version))}
	}
	tx.add(types.TransactWriteItem{Put: put}, true)
	if c.RegistrationAsRead {
		tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: key(regPrefix+reg.ID, skReg),
			ConditionExpression:       aws.String("#status = :status AND #updatedAt = :updatedAt"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#updatedAt": "updatedAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":status": str(reg.Status), ":updatedAt": str(reg.UpdatedAt)},
		}}, true)
	}
	if n := len(c.Documents); n > 0 {
		for i, d := range c.Documents {
			if d.FiscalYear != fy || d.Seq != last+i+1 {
				return nil, fmt.Errorf("update account %s: document %s numbered %d after %d", reg.ID, d.ID, d.Seq, last+i)
			}
		}
		cav, err := marshal(counterItem{PK: seqItemKey(fy), SK: skSeq, Last: last + n})
		if err != nil {
			return nil, err
		}
		p := &types.Put{TableName: aws.String(s.table), Item: cav}
		if last == 0 {
			p.ConditionExpression, p.ExpressionAttributeNames = aws.String("attribute_not_exists(#pk)"), map[string]string{"#pk": AttrPK}
		} else {
			p.ConditionExpression = aws.String("#last = :last")
			p.ExpressionAttributeNames = map[string]string{"#last": "last"}
			p.ExpressionAttributeValues = map[string]types.AttributeValue{":last": num(int64(last))}
		}
		// The number as read: another document may have taken it.
		tx.add(types.TransactWriteItem{Put: p}, true)
		for _, d := range c.Documents {
			dav, err := marshal(invoiceItem{PK: invPrefix + d.ID, SK: skInv, GSI1PK: gsiInvoices + reg.ID, GSI1SK: fmt.Sprintf("%d#%06d", d.FiscalYear, d.Seq),
				GSI2PK: gsiLedger + reg.EventID, GSI2SK: fmtTime(d.IssuedAt) + "#" + invPrefix + d.ID, Invoice: d})
			if err != nil {
				return nil, err
			}
			tx.add(putIfAbsent(s.table, dav), false)
		}
	}
	entryAt := -1
	if e := c.Entry; e != nil {
		eav, err := marshal(entryItem{PK: regPrefix + reg.ID, SK: payPrefix + e.ID, GSI2PK: gsiLedger + reg.EventID,
			GSI2SK: fmtTime(e.RecordedAt) + "#" + payPrefix + e.ID, Entry: *e})
		if err != nil {
			return nil, err
		}
		entryAt = tx.add(putIfAbsent(s.table, eav), false)
	}
	revAt := -1
	if c.Reverses != "" {
		rav, err := marshal(map[string]string{AttrPK: regPrefix + reg.ID, AttrSK: revPrefix + c.Reverses})
		if err != nil {
			return nil, err
		}
		revAt = tx.add(putIfAbsent(s.table, rav), false)
	}
	if c.SaveBillTo != nil {
		bav, err := marshal(billToItem{PK: billToPrefix + reg.OrgKey, SK: skBillTo, BillTo: *c.SaveBillTo})
		if err != nil {
			return nil, err
		}
		tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: bav}}, false)
	}
	for _, n := range c.Notices {
		nav, err := marshal(newSpecItem(n, reg.EventID, after.UpdatedAt))
		if err != nil {
			return nil, err
		}
		tx.add(putIfAbsent(s.table, nav), false)
	}
	for _, a := range c.Audit {
		p, err := s.auditPut(a)
		if err != nil {
			return nil, err
		}
		tx.add(p, false)
	}
	w := tx.write()
	w.answer = func(cn cancellation) error {
		switch {
		case cn.failed(entryAt):
			return fmt.Errorf("entry %s: %w", c.Entry.ID, convening.ErrEntryRecorded)
		case cn.failed(revAt):
			return convening.NewError(convening.ECONFLICT, convening.ReasonAlreadyReversed, "That entry is already reversed.")
		}
		return nil
	}
	return w, nil
}

// Account returns a registration's account (zero if it has none).
func (s *Store) Account(ctx context.Context, registrationID string) (convening.Account, error) {
	var it accountItem
	if _, err := s.getItem(ctx, regPrefix+registrationID, skAccount, &it); err != nil {
		return convening.Account{}, err
	}
	return it.Account, nil
}

// AccountDocuments returns a registration's documents in the order issued.
func (s *Store) AccountDocuments(ctx context.Context, registrationID string) ([]convening.Invoice, error) {
	var out []convening.Invoice
	err := queryEach(ctx, s, query{op: "documents of " + registrationID, index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiInvoices + registrationID))},
		func(it invoiceItem) bool { out = append(out, it.Invoice); return true })
	sortDocuments(out)
	return out, err
}

func sortDocuments(docs []convening.Invoice) {
	slices.SortFunc(docs, func(a, b convening.Invoice) int {
		return cmp.Or(cmp.Compare(a.FiscalYear, b.FiscalYear), cmp.Compare(a.Seq, b.Seq))
	})
}

// AccountEntries returns a registration's ledger in the order recorded
// (one consistent query of its partition).
func (s *Store) AccountEntries(ctx context.Context, registrationID string) ([]convening.LedgerEntry, error) {
	var out []convening.LedgerEntry
	err := queryEach(ctx, s, query{op: "ledger of " + registrationID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(regPrefix + registrationID)).And(expression.Key(AttrSK).BeginsWith(payPrefix))},
		func(it entryItem) bool { out = append(out, it.Entry); return true })
	sortEntries(out)
	return out, err
}

func sortEntries(es []convening.LedgerEntry) {
	slices.SortStableFunc(es, func(a, b convening.LedgerEntry) int {
		return cmp.Or(a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ID, b.ID))
	})
}

// Invoice returns one document. Errors: ENOTFOUND.
func (s *Store) Invoice(ctx context.Context, id string) (convening.Invoice, error) {
	var it invoiceItem
	found, err := s.getItem(ctx, invPrefix+id, skInv, &it)
	if err != nil {
		return convening.Invoice{}, err
	}
	if !found {
		return convening.Invoice{}, convening.ErrInvoiceNotFound
	}
	return it.Invoice, nil
}

// EventAccounts returns the accounts of an event's registrations (one
// query of gsi1).
func (s *Store) EventAccounts(ctx context.Context, eventID string) ([]convening.Account, error) {
	var out []convening.Account
	err := queryEach(ctx, s, query{op: "accounts of " + eventID, index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiAccounts + eventID))},
		func(it accountItem) bool { out = append(out, it.Account); return true })
	return out, err
}

// EventLedger returns an event's documents and entries in the order
// written (one query of gsi2).
func (s *Store) EventLedger(ctx context.Context, eventID string) ([]convening.Invoice, []convening.LedgerEntry, error) {
	var docs []convening.Invoice
	var entries []convening.LedgerEntry
	err := queryEach(ctx, s, query{op: "ledger of " + eventID, index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(gsiLedger + eventID))},
		func(it struct {
			SK      string                 `json:"sk"`
			Invoice *convening.Invoice     `json:"invoice"`
			Entry   *convening.LedgerEntry `json:"entry"`
		}) bool {
			switch {
			case it.Invoice != nil && it.SK == skInv:
				docs = append(docs, *it.Invoice)
			case it.Entry != nil:
				entries = append(entries, *it.Entry)
			}
			return true
		})
	sortDocuments(docs)
	sortEntries(entries)
	return docs, entries, err
}

// ReceivableAccounts returns the accounts staff follow across events (the
// sparse RECEIVABLES partition of gsi2).
func (s *Store) ReceivableAccounts(ctx context.Context) ([]convening.Account, error) {
	var out []convening.Account
	err := queryEach(ctx, s, query{op: "receivables", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(gsiReceivables))},
		func(it accountItem) bool { out = append(out, it.Account); return true })
	return out, err
}

type w9Item struct {
	PK       string          `json:"pk"`
	SK       string          `json:"sk"`
	Upload   string          `json:"upload"`
	Chunks   int             `json:"chunks"`
	Filename string          `json:"filename"`
	Size     int             `json:"size"`
	SHA256   string          `json:"sha256"`
	At       string          `json:"uploadedAt"`
	By       convening.Actor `json:"uploadedBy"`
}

type chunkItem struct {
	PK   string `json:"pk"`
	SK   string `json:"sk"`
	Data []byte `json:"data"`
}

// PutW9 writes the W-9's chunks and makes them the current W-9 in one
// transaction (at most MaxW9Bytes: 4 chunks).
func (s *Store) PutW9(ctx context.Context, doc convening.W9Document) error {
	if len(doc.Data) > convening.MaxW9Bytes {
		return errors.New("put W-9: too large")
	}
	upload := convening.NewID()
	var tx []types.TransactWriteItem
	n := 0
	for off := 0; off < len(doc.Data); off += w9Chunk {
		av, err := marshal(chunkItem{PK: pkW9 + "#" + upload, SK: fmt.Sprintf("%s%03d", chunkPrefix, n), Data: doc.Data[off:min(off+w9Chunk, len(doc.Data))]})
		if err != nil {
			return err
		}
		tx = append(tx, putIfAbsent(s.table, av))
		n++
	}
	av, err := marshal(w9Item{PK: pkW9, SK: skW9, Upload: upload, Chunks: n, Filename: doc.Filename, Size: doc.Size, SHA256: doc.SHA256,
		At: fmtTime(doc.UploadedAt), By: doc.UploadedBy})
	if err != nil {
		return err
	}
	tx = append(tx, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}})
	return s.transact(ctx, "put W-9", func(ctx context.Context) (*write, error) {
		return &write{tx: &dynamodb.TransactWriteItemsInput{TransactItems: tx}}, nil
	})
}

// W9Info returns the current W-9's description (one read).
func (s *Store) W9Info(ctx context.Context) (convening.W9Document, error) {
	var it w9Item
	found, err := s.getItem(ctx, pkW9, skW9, &it)
	if err != nil {
		return convening.W9Document{}, err
	}
	if !found {
		return convening.W9Document{}, convening.ErrW9Missing
	}
	return convening.W9Document{Filename: it.Filename, Size: it.Size, SHA256: it.SHA256, UploadedAt: parseTime(it.At), UploadedBy: it.By}, nil
}

// W9 returns the current W-9, its chunks read in one consistent query.
// Errors: ENOTFOUND (ReasonW9Missing).
func (s *Store) W9(ctx context.Context) (convening.W9Document, error) {
	var it w9Item
	found, err := s.getItem(ctx, pkW9, skW9, &it)
	if err != nil {
		return convening.W9Document{}, err
	}
	if !found {
		return convening.W9Document{}, convening.ErrW9Missing
	}
	doc := convening.W9Document{Filename: it.Filename, Size: it.Size, SHA256: it.SHA256, UploadedAt: parseTime(it.At), UploadedBy: it.By}
	n := 0
	err = queryEach(ctx, s, query{op: "W-9 chunks", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(pkW9 + "#" + it.Upload)).And(expression.Key(AttrSK).BeginsWith(chunkPrefix))},
		func(c chunkItem) bool { doc.Data = append(doc.Data, c.Data...); n++; return true })
	if err != nil {
		return convening.W9Document{}, err
	}
	if n != it.Chunks || len(doc.Data) != it.Size {
		return convening.W9Document{}, fmt.Errorf("W-9 %s: %d of %d chunks, %d of %d bytes", it.Upload, n, it.Chunks, len(doc.Data), it.Size)
	}
	return doc, nil
}

// invoiceNotice is the email a notice about a document owes, with the
// account as it is when it goes out.
func (s *Store) invoiceNotice(ctx context.Context, it noticeItem) (convening.Notice, error) {
	d, err := s.Invoice(ctx, it.SubjectID)
	if err != nil {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", it.ID, err)
	}
	a, err := s.Account(ctx, d.RegistrationID)
	if err != nil {
		return convening.Notice{}, err
	}
	return convening.InvoiceNotice(it.record(), d, a), nil
}

// noFeePolicyCond is the condition that the event has no fee policy: false
// for an event stored before the event item said so (no attribute).
func noFeePolicyCond() expression.ConditionBuilder {
	return expression.Name("fees").Equal(expression.Value(feesNone))
}
