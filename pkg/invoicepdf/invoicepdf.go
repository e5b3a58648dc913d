// Package invoicepdf writes an invoice or a credit note as the PDF a
// district's accounts payable file: the payee's legal name, remit-to
// address and tax id, the document's number, date and due date, whom it
// is billed to, the purchase order, one line per person (role, name,
// price), the total, and how to pay. It uses fpdf
// (codeberg.org/go-pdf/fpdf) with the PDF core font Helvetica, so the file
// needs no embedded font and stays small (about 3 KB).
//
// Helvetica's encoding is Windows-1252, which has the letters of English
// and Spanish names (á, ñ, ü, …). A letter outside it is written without
// its accent (ễ as e) or, failing that, as "?"; the stored document keeps
// every name as given.
package invoicepdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/calmi/convenings/pkg/convening"
)

// Options adjust a document's rendering.
type Options struct {
	// Uncompressed writes the page's content stream as plain text, for
	// reading in tests; production output is compressed.
	Uncompressed bool
	// Contact is whom accounts payable write to with questions (an email
	// address), printed under how to pay; optional.
	Contact string
}

// Render writes the document as a PDF. It fails if the payee's settings
// are incomplete (no invoice is issued without a legal name, remit-to
// address and tax id).
func Render(inv convening.Invoice, payee convening.Payee, o Options) ([]byte, error) {
	if !payee.Complete() {
		return nil, fmt.Errorf("invoicepdf: the payee's settings are incomplete (legal name, remit-to address, tax id NN-NNNNNNN)")
	}
	credit := inv.Kind == convening.DocCreditNote
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetCompression(!o.Uncompressed)
	// The same document renders to the same bytes.
	pdf.SetCreationDate(inv.IssuedAt.UTC())
	pdf.SetModificationDate(inv.IssuedAt.UTC())
	pdf.SetCatalogSort(true)
	pdf.SetTitle(inv.Title(), true)
	pdf.SetAuthor(payee.LegalName, true)
	pdf.SetCreator("CA LMI convenings", true)
	pdf.SetLang("en-US")
	pdf.SetMargins(18, 16, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, text(fmt.Sprintf("%s, page %d of {nb}", inv.Title(), pdf.PageNo())), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	full := width - left - right

	// The payee, and the document's title on the right.
	top := pdf.GetY()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(full*0.6, 6.5, text(payee.LegalName), "", "L", false)
	pdf.SetFont("Helvetica", "", 9.5)
	for _, l := range payee.Address {
		pdf.CellFormat(full*0.6, 4.6, text(l), "", 1, "L", false, 0, "")
	}
	pdf.CellFormat(full*0.6, 4.6, text("Tax ID (EIN): "+payee.TaxID), "", 1, "L", false, 0, "")
	below := pdf.GetY()

	title := "INVOICE"
	if credit {
		title = "CREDIT NOTE"
	}
	pdf.SetXY(left+full*0.6, top)
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(full*0.4, 8, title, "", 2, "R", false, 0, "")
	facts := [][2]string{{"Number", inv.Number}, {"Date", longDate(inv.IssuedOn())}}
	if !credit {
		facts = append(facts, [2]string{"Due", longDate(inv.DueOn)})
	} else {
		facts = append(facts, [2]string{"Cancels invoice", inv.Credits})
	}
	if inv.PONumber != "" {
		facts = append(facts, [2]string{"Purchase order", inv.PONumber})
	}
	for _, f := range facts {
		pdf.SetX(left + full*0.6)
		pdf.SetFont("Helvetica", "", 9.5)
		pdf.CellFormat(full*0.2, 5, text(f[0]+":"), "", 0, "R", false, 0, "")
		pdf.SetFont("Helvetica", "B", 9.5)
		pdf.CellFormat(full*0.2, 5, text(f[1]), "", 1, "R", false, 0, "")
	}
	pdf.SetY(max(below, pdf.GetY()) + 8)

	// Billed to, and what for.
	half := full/2 - 4
	y := pdf.GetY()
	heading(pdf, "Bill to")
	b := inv.BillTo
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(half, 5, text(b.LegalName), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range b.Address.Lines() {
		pdf.MultiCell(half, 5, text(l), "", "L", false)
	}
	pdf.Ln(1.5)
	pdf.SetFont("Helvetica", "", 9)
	ap := b.AccountsPayable
	pdf.MultiCell(half, 4.5, text("Accounts payable: "+ap.Name), "", "L", false)
	pdf.MultiCell(half, 4.5, text(ap.Email+", "+ap.Phone), "", "L", false)
	afterBill := pdf.GetY()

	pdf.SetXY(left+half+8, y)
	heading(pdf, "For")
	pdf.SetX(left + half + 8)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.MultiCell(half, 5, text(inv.Event.Title), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.SetX(left + half + 8)
	pdf.MultiCell(half, 5, text(convening.When(inv.Event.StartsAt, inv.Event.EndsAt)), "", "L", false)
	if !inv.Event.Online && inv.Event.Venue != "" {
		pdf.SetX(left + half + 8)
		pdf.MultiCell(half, 5, text(inv.Event.Venue), "", "L", false)
	}
	pdf.SetX(left + half + 8)
	pdf.MultiCell(half, 5, text("Team of "+inv.Organization.Name), "", "L", false)
	pdf.SetY(max(afterBill, pdf.GetY()) + 7)

	if credit {
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(full, 5, text(fmt.Sprintf("This credit note cancels invoice %s in full. %s", inv.Credits, creditWhy(inv.Why))), "", "L", false)
		pdf.Ln(3)
	}

	// One line per person.
	cols := []float64{10, full*0.42 - 10, full * 0.38, full * 0.20}
	header := func() {
		pdf.SetFont("Helvetica", "B", 9.5)
		pdf.SetFillColor(234, 238, 243)
		for i, h := range []string{"#", "Role", "Name", "Price"} {
			align := "L"
			if i == 3 {
				align = "R"
			}
			pdf.CellFormat(cols[i], 7, h, "B", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 9.5)
	}
	header()
	_, pageHeight := pdf.GetPageSize()
	for i, l := range inv.Lines {
		if pdf.GetY()+6.5 > pageHeight-18 {
			pdf.AddPage() // the table goes on with its header
			header()
		}
		price := l.UnitCents.String()
		if credit {
			price = (-l.UnitCents).String()
		}
		pdf.CellFormat(cols[0], 6.5, fmt.Sprint(i+1), "B", 0, "L", false, 0, "")
		pdf.CellFormat(cols[1], 6.5, fit(pdf, l.Role.Label(), cols[1]), "B", 0, "L", false, 0, "")
		pdf.CellFormat(cols[2], 6.5, fit(pdf, l.Name, cols[2]), "B", 0, "L", false, 0, "")
		pdf.CellFormat(cols[3], 6.5, text(price), "B", 1, "R", false, 0, "")
	}
	totalLabel, totalValue := "Total due", inv.TotalCents.String()
	if credit {
		totalLabel, totalValue = "Total credited", (-inv.TotalCents).String()
	}
	pdf.SetFont("Helvetica", "B", 10.5)
	pdf.CellFormat(cols[0]+cols[1]+cols[2], 8, text(fmt.Sprintf("%s (%s)", totalLabel, convening.Plural(len(inv.Lines), "person", "people"))), "", 0, "R", false, 0, "")
	pdf.CellFormat(cols[3], 8, text(totalValue), "", 1, "R", false, 0, "")
	if inv.Note != "" {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "I", 9.5)
		pdf.MultiCell(full, 5, text(inv.Note), "", "L", false)
	}

	pdf.Ln(5)
	heading(pdf, "How to pay")
	pdf.SetFont("Helvetica", "", 9.5)
	if credit {
		pdf.MultiCell(full, 5, text(fmt.Sprintf("Nothing is due on this credit note. Whatever was paid against invoice %s counts towards the invoice that replaces it, or is refunded.", inv.Credits)), "", "L", false)
	} else {
		quote := "the invoice number " + inv.Number
		if inv.PONumber != "" {
			quote += " and purchase order " + inv.PONumber
		}
		pdf.MultiCell(full, 5, text(fmt.Sprintf("Please pay %s by %s. Make checks payable to %s and mail them to the remit-to address: %s. Please quote %s with your payment.",
			inv.TotalCents, longDate(inv.DueOn), payee.LegalName, strings.Join(payee.Address, ", "), quote)), "", "L", false)
		if payee.HowToPay != "" {
			pdf.Ln(1)
			pdf.MultiCell(full, 5, text(payee.HowToPay), "", "L", false)
		}
	}
	if o.Contact != "" {
		pdf.Ln(1)
		pdf.MultiCell(full, 5, text("Questions about this "+strings.ToLower(strings.SplitN(inv.Title(), " ", 2)[0])+"? Write to "+o.Contact+"."), "", "L", false)
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("invoicepdf: %s: %w", inv.Number, err)
	}
	return out.Bytes(), nil
}

func heading(pdf *fpdf.Fpdf, s string) {
	pdf.SetFont("Helvetica", "B", 8.5)
	pdf.SetTextColor(70, 80, 95)
	x := pdf.GetX()
	pdf.CellFormat(60, 5, strings.ToUpper(s), "", 2, "L", false, 0, "")
	pdf.SetX(x)
	pdf.SetTextColor(0, 0, 0)
}

func creditWhy(why string) string {
	if why == "" {
		return ""
	}
	return "Reason: " + why + "."
}

// fit cuts s to the column's width, with an ellipsis, so that a long name
// never spills into the next column.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	t := text(s)
	if pdf.GetStringWidth(t) <= w-2 {
		return t
	}
	for len(t) > 1 && pdf.GetStringWidth(t+"...") > w-2 {
		t = t[:len(t)-1]
	}
	return t + "..."
}

// longDate writes a date (YYYY-MM-DD) as "June 30, 2027".
func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("January 2, 2006")
}

// text makes s what Helvetica can show: Windows-1252 bytes, a letter
// outside it without its accent, or "?"; control characters as spaces.
func text(s string) string {
	var b strings.Builder
	enc := charmap.Windows1252
	for _, r := range s {
		if unicode.IsControl(r) {
			b.WriteByte(' ')
			continue
		}
		if c, ok := enc.EncodeRune(r); ok {
			b.WriteByte(c)
			continue
		}
		written := false
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if c, ok := enc.EncodeRune(d); ok {
				b.WriteByte(c)
				written = true
			}
		}
		if !written {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// Filename is the name the document downloads under:
// "invoice-2026-27-0003.pdf".
func Filename(inv convening.Invoice) string {
	kind := "invoice"
	if inv.Kind == convening.DocCreditNote {
		kind = "credit-note"
	}
	return kind + "-" + inv.Number + ".pdf"
}
