package export

import (
	"io"
	"strconv"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// amount writes cents as a spreadsheet reads a number: "-50.00". It is
// written as it is (not neutralized: it is ours, and a leading apostrophe
// would make the bookkeeper's sums text).
func amount(c convening.Cents) string { return c.Plain() }

// rawRow writes cells of which those at the numeric indexes are ours
// (amounts, counts) and left as they are; the rest are neutralized.
func (w *writer) rawRow(numeric map[int]bool, cells ...string) error {
	for i, c := range cells {
		if !numeric[i] {
			cells[i] = Neutralize(c)
		}
	}
	return w.w.Write(cells)
}

// Ledger writes an event's ledger for the bookkeeper: every invoice,
// credit note, payment and waiver in the order written, with a signed
// amount (what the organization owes goes up with an invoice, down with
// a credit note, a payment or a waiver; a reversal undoes an entry), so
// that the column sums to what is outstanding.
func Ledger(out io.Writer, docs []convening.Invoice, entries []convening.LedgerEntry) error {
	w, err := newWriter(out, "Date", "Type", "Number or reference", "Organization", "Bill to", "Purchase order",
		"Amount", "Method", "Received on", "Recorded by", "Reason", "Registration", "Recorded at")
	if err != nil {
		return err
	}
	type row struct {
		at    time.Time
		cells []string
	}
	var rows []row
	for _, d := range docs {
		kind, amt := "Invoice", d.TotalCents
		if d.Kind == convening.DocCreditNote {
			kind, amt = "Credit note (cancels "+d.Credits+")", -d.TotalCents
		}
		rows = append(rows, row{d.IssuedAt, []string{d.IssuedOn(), kind, d.Number, d.Organization.Name, d.BillTo.LegalName, d.PONumber,
			amount(amt), "", "", "", d.Why, d.RegistrationID, when(d.IssuedAt)}})
	}
	for _, e := range entries {
		kind := "Payment"
		if e.Kind == convening.EntryWaiver {
			kind = "Waiver"
		}
		if e.Reverses != "" {
			kind += " reversal (of " + e.Reverses + ")"
		}
		by := e.Actor.Name
		if by == "" {
			by = string(e.Actor.Kind)
		}
		rows = append(rows, row{e.RecordedAt, []string{convening.DateIn(e.RecordedAt), kind, e.Reference, "", "", "",
			amount(-e.AmountCents), e.Method.Label(), e.ReceivedOn, by, e.Reason, e.RegistrationID, when(e.RecordedAt)}})
	}
	// In the order written (stable: documents of one change stay together).
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].at.Before(rows[j-1].at); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	for _, r := range rows {
		if err := w.rawRow(map[int]bool{6: true}, r.cells...); err != nil {
			return err
		}
	}
	return w.flush()
}

// Receivables writes the open accounts for the bookkeeper: one row per
// account, with its aging bucket's amount in its column.
func Receivables(out io.Writer, r convening.Receivables) error {
	w, err := newWriter(out, "Organization", "County", "Event", "Invoice", "Invoice date", "Due date", "Purchase order", "Status",
		"Age (days)", "0-30 days", "31-60 days", "61+ days", "Billed", "Paid", "Waived", "Balance",
		"Accounts payable", "Accounts payable email", "Accounts payable phone", "Registration")
	if err != nil {
		return err
	}
	numeric := map[int]bool{8: true, 9: true, 10: true, 11: true, 12: true, 13: true, 14: true, 15: true}
	for _, o := range r.Organizations {
		for _, a := range o.Accounts {
			inv, issued, due := "", "", ""
			if a.Open != nil {
				inv, issued, due = a.Open.Number, a.Open.IssuedOn(), a.Open.DueOn
			}
			buckets := map[string]string{}
			for _, b := range convening.AgingBuckets {
				buckets[b] = "0.00"
			}
			if a.Aging != "" && a.BalanceCents() > 0 {
				buckets[a.Aging] = amount(a.BalanceCents())
			}
			var ap convening.APContact
			if a.BillTo != nil {
				ap = a.BillTo.AccountsPayable
			}
			status := a.Status.Label()
			if a.POMissing {
				status += " (PO missing)"
			}
			if err := w.rawRow(numeric, a.Organization.Name, a.Organization.County, a.EventTitle, inv, issued, due, a.PONumber, status,
				strconv.Itoa(a.AgeDays), buckets["0-30"], buckets["31-60"], buckets["61+"],
				amount(a.BilledCents), amount(a.PaidCents), amount(a.WaivedCents), amount(a.BalanceCents()),
				ap.Name, ap.Email, ap.Phone, a.RegistrationID); err != nil {
				return err
			}
		}
	}
	return w.flush()
}
