package convening

import (
	"context"
	"time"
)

// The storage ports of fees (AccountUpdater is in invoicing.go).

// FeePolicyReader reads an event's fee policy: nil for a free event.
type FeePolicyReader interface {
	FeePolicy(ctx context.Context, eventID string) (*FeePolicy, error)
}

// FeePolicyWriter stores an event's fee policy with the audit record of
// the change.
type FeePolicyWriter interface {
	PutFeePolicy(ctx context.Context, p FeePolicy, audit AuditRecord) error
}

// AccountReader reads one registration's account (a zero Account if it
// has none yet), its documents (invoices and credit notes, in the order
// issued) and its ledger (payments, waivers and their reversals, in the
// order recorded).
type AccountReader interface {
	Account(ctx context.Context, registrationID string) (Account, error)
	AccountDocuments(ctx context.Context, registrationID string) ([]Invoice, error)
	AccountEntries(ctx context.Context, registrationID string) ([]LedgerEntry, error)
}

// InvoiceReader reads one invoice or credit note. Errors: ENOTFOUND
// (ErrInvoiceNotFound).
type InvoiceReader interface {
	Invoice(ctx context.Context, id string) (Invoice, error)
}

// EventAccounts reads the accounts of an event's registrations, and its
// ledger: every document and entry, in the order written.
type EventAccounts interface {
	EventAccounts(ctx context.Context, eventID string) ([]Account, error)
	EventLedger(ctx context.Context, eventID string) ([]Invoice, []LedgerEntry, error)
}

// ReceivableAccounts reads the accounts staff follow (Account.Receivable):
// a balance owed, or an invoice owed but not issued yet, across events.
type ReceivableAccounts interface {
	ReceivableAccounts(ctx context.Context) ([]Account, error)
}

// MaxW9Bytes bounds the W-9 staff upload: the IRS form filled in and
// signed is 100 to 300 KB; a scan of it may be larger. It is kept in the
// table (in chunks under DynamoDB's 400 KB item limit), not in S3.
const MaxW9Bytes = 1 << 20

// W9Document is the payee's form W-9 as staff uploaded it, for districts'
// accounts payable to set the program up as a vendor.
type W9Document struct {
	Data       []byte    `json:"-"`
	Filename   string    `json:"filename"`
	Size       int       `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedAt time.Time `json:"uploadedAt"`
	UploadedBy Actor     `json:"uploadedBy"`
}

// W9Store keeps the W-9: the latest upload replaces it (earlier ones are
// kept, unreferenced). W9 returns ENOTFOUND (ReasonW9Missing) before the
// first upload.
type W9Store interface {
	PutW9(ctx context.Context, doc W9Document) error
	W9(ctx context.Context) (W9Document, error)
	// W9Info is W9 without the bytes (one small read): whether there is
	// one, and its description.
	W9Info(ctx context.Context) (W9Document, error)
}

// ErrW9Missing is the error of a W-9 not uploaded yet.
var ErrW9Missing = NewError(ENOTFOUND, ReasonW9Missing, "Staff have not uploaded the W-9 yet.")
