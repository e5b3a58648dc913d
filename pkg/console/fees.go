package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
	"github.com/calmi/convenings/pkg/invoicepdf"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
)

// Fees in the console: an event's price and its accounts, the
// receivables across events, a team's account (payments, waivers,
// reversals, discount, reminders, invoices, billing details) and the
// payee's W-9. Amounts are typed as dollars ("$1,234.56") and read into
// cents exactly (convening.ParseMoney).

// Fees is what the fee pages need of the domain (convening.FeeService).
type Fees interface {
	Payee() convening.Payee
	FeePolicy(ctx context.Context, eventID string) (convening.Event, *convening.FeePolicy, error)
	SetFeePolicy(ctx context.Context, actor convening.Actor, eventID string, p convening.FeePolicy, reason string) (convening.FeePolicy, error)
	EventFees(ctx context.Context, eventID string) (convening.EventFees, error)
	Receivables(ctx context.Context) (convening.Receivables, error)
	StaffAccount(ctx context.Context, registrationID string) (convening.AccountView, error)
	FeeHistory(ctx context.Context, registrationID string) ([]convening.AuditRecord, error)
	RecordEntry(ctx context.Context, actor convening.Actor, registrationID string, in convening.EntryInput, key string) (convening.Account, convening.LedgerEntry, bool, error)
	ReverseEntry(ctx context.Context, actor convening.Actor, registrationID, entryID, reason string) (convening.Account, error)
	Discount(ctx context.Context, actor convening.Actor, registrationID string, unit convening.Cents, reason string) (convening.Account, error)
	Remind(ctx context.Context, actor convening.Actor, registrationID string) (convening.Account, error)
	IssueNow(ctx context.Context, actor convening.Actor, registrationID string) (convening.Account, error)
	SetBilling(ctx context.Context, actor convening.Actor, registrationID string, in convening.BillingInput) (convening.Account, error)
	StaffInvoice(ctx context.Context, id string) (convening.Invoice, error)
	EventLedger(ctx context.Context, eventID string) (convening.Event, []convening.Invoice, []convening.LedgerEntry, error)
	UploadW9(ctx context.Context, actor convening.Actor, filename string, data []byte) (convening.W9Document, error)
	W9(ctx context.Context) (convening.W9Document, error)
	W9Info(ctx context.Context) (convening.W9Document, error)
}

// feePages are the fee pages' routes, for New.
func (h *Handler) feePages() map[string]signin.Page {
	return map[string]signin.Page{
		"GET /staff/events/{eventId}/fees":                                       h.eventFees,
		"POST /staff/events/{eventId}/fees":                                      h.setFeePolicy,
		"GET /staff/events/{eventId}/ledger.csv":                                 h.ledgerCSV,
		"GET /staff/receivables":                                                 h.receivables,
		"GET /staff/receivables.csv":                                             h.receivablesCSV,
		"GET /staff/registrations/{registrationId}/fees":                         h.account,
		"POST /staff/registrations/{registrationId}/payments":                    h.recordEntry,
		"POST /staff/registrations/{registrationId}/payments/{entryId}/reversal": h.reverseEntry,
		"POST /staff/registrations/{registrationId}/discount":                    h.discount,
		"POST /staff/registrations/{registrationId}/reminders":                   h.remind,
		"POST /staff/registrations/{registrationId}/invoice":                     h.issueNow,
		"POST /staff/registrations/{registrationId}/billing":                     h.staffBilling,
		"GET /staff/invoices/{invoiceId}":                                        h.invoicePDF,
		"GET /staff/w9":                                                          h.w9Page,
		"POST /staff/w9":                                                         h.uploadW9,
		"GET /staff/w9.pdf":                                                      h.w9PDF,
	}
}

// --- An event's fees ---

type eventFeesView struct {
	Event        convening.Event
	Fees         convening.EventFees
	Form         formErrors
	Values       url.Values
	PayeeMissing bool
}

var policyFields = []formField{{"fee-price", "priceCents", "Price per person"}, {"fee-terms", "terms", "When invoices are due"},
	{"fee-po-by", "poExpectedBy", "Purchase order expected by"}, {"fee-note", "note", "Note on every invoice"}, {"fee-reason", "reason", "Reason"}}

func (h *Handler) eventFees(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	return h.showEventFees(w, r, who, http.StatusOK, nil, formErrors{})
}

func (h *Handler) showEventFees(w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, values url.Values, f formErrors) error {
	ctx := r.Context()
	fees, err := h.svc.EventFees(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := eventFeesView{Event: fees.Event, Fees: fees, Form: f, Values: values, PayeeMissing: !h.svc.Payee().Complete()}
	if v.Values == nil {
		v.Values = url.Values{"terms": {string(convening.DueNet30)}}
		if p := fees.Policy; p != nil {
			v.Values = url.Values{"price": {p.PriceCents.String()}, "terms": {string(p.Terms)}, "po_by": {p.POExpectedBy}, "note": {p.Note}}
			if p.POExpected {
				v.Values.Set("po_expected", "yes")
			}
		}
	}
	title := "Fees: " + fees.Event.Title
	if f.Failed() {
		title = "Error: " + title
	}
	return h.render(w, r, status, "fees-event", title, &who, v)
}

func (h *Handler) setFeePolicy(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := formValues(r)
	if err != nil {
		return err
	}
	var f formErrors
	price, perr := convening.ParseMoney("priceCents", v.Get("price"))
	if perr != nil {
		f.place(perr, policyFields)
	}
	p := convening.FeePolicy{PriceCents: price, Terms: convening.DueTerms(v.Get("terms")), POExpected: v.Get("po_expected") == "yes",
		POExpectedBy: strings.TrimSpace(v.Get("po_by")), Note: v.Get("note")}
	if !f.Failed() {
		if _, err = h.svc.SetFeePolicy(ctx, actor(who), r.PathValue("eventId"), p, v.Get("reason")); err == nil {
			e, _, _ := h.svc.FeePolicy(ctx, r.PathValue("eventId"))
			return h.redirectWith(w, r, "/staff/events/"+url.PathEscape(e.ID)+"/fees", flash{Code: "fee-policy", Team: e.Title, Person: price.String()})
		}
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		f.place(err, policyFields)
		return h.showEventFees(w, r, who, status, v, f)
	}
	return h.showEventFees(w, r, who, http.StatusBadRequest, v, f)
}

func (h *Handler) ledgerCSV(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, docs, entries, err := h.svc.EventLedger(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := export.Ledger(&b, docs, entries); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "export downloaded", "event", e.ID, "file", "ledger.csv", staffAttr(who))
	return csvFile(w, e.ID+"-ledger.csv", b.Bytes())
}

func csvFile(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(b)
	return nil
}

// --- The receivables ---

func (h *Handler) receivables(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	rc, err := h.svc.Receivables(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "receivables", "Receivables", &who, rc)
}

func (h *Handler) receivablesCSV(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	rc, err := h.svc.Receivables(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := export.Receivables(&b, rc); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "export downloaded", "file", "receivables.csv", staffAttr(who))
	return csvFile(w, "receivables-"+convening.DateIn(h.svc.Now())+".csv", b.Bytes())
}

// --- A team's account ---

type accountPageView struct {
	convening.AccountView
	History []auditRow
	Today   string
	// Idem is the payment form's idempotency key: the form sent twice
	// records one payment.
	Idem string
	// Failed is the action whose form has errors, Form its errors and
	// Values what was sent.
	Failed  string
	Form    formErrors
	Values  url.Values
	Billing convening.BillTo
	HasW9   bool
}

// Action returns the form of the named action.
func (v accountPageView) Action(name string) actionForm {
	if v.Failed != name {
		return actionForm{}
	}
	return actionForm{formErrors: v.Form, Open: true, values: v.Values}
}

// Reversed reports whether the entry was reversed.
func (v accountPageView) Reversed(id string) bool {
	for _, e := range v.Entries {
		if e.Reverses == id {
			return true
		}
	}
	return false
}

// Unit is the team's price per person.
func (v accountPageView) Unit() convening.Cents {
	if !v.Account.PriceFixed && v.Policy != nil {
		return v.Policy.PriceCents
	}
	return v.Account.UnitCents
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	v, err := h.accountView(r.Context(), r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "account", "Fees: "+v.Registration.Organization.Name, &who, v)
}

func (h *Handler) accountView(ctx context.Context, id string) (accountPageView, error) {
	a, err := h.svc.StaffAccount(ctx, id)
	if err != nil {
		return accountPageView{}, err
	}
	records, err := h.svc.FeeHistory(ctx, id)
	if err != nil {
		return accountPageView{}, err
	}
	v := accountPageView{AccountView: a, History: auditRows(records, memberNames(a.Registration)), Today: convening.DateIn(h.svc.Now()),
		Idem: newKey()}
	if a.Account.BillTo != nil {
		v.Billing = *a.Account.BillTo
	}
	_, err = h.svc.W9Info(ctx)
	v.HasW9 = err == nil
	return v, nil
}

func newKey() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// accountAction runs one action on a team's account from its form, as
// teamAction does on the team's page.
func (h *Handler) accountAction(w http.ResponseWriter, r *http.Request, who staffauth.Staff, name string, fields []formField,
	do func(v url.Values, f *formErrors) (flash, error)) error {
	ctx := r.Context()
	id := r.PathValue("registrationId")
	v, err := formValues(r)
	if err != nil {
		return err
	}
	var f formErrors
	done, err := do(v, &f)
	if err == nil && !f.Failed() {
		h.log.InfoContext(ctx, "staff action", "action", name, "registration", id, staffAttr(who))
		return h.redirectWith(w, r, "/staff/registrations/"+url.PathEscape(id)+"/fees", done)
	}
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		f.place(err, fields)
	}
	page, verr := h.accountView(ctx, id)
	if verr != nil {
		return verr
	}
	page.Failed, page.Form, page.Values = name, f, v
	if k := v.Get("idem"); keyRE.MatchString(k) {
		page.Idem = k // the same payment, if it is sent again
	}
	return h.render(w, r, status, "account", "Error: Fees: "+page.Registration.Organization.Name, &who, page)
}

// amount reads a form's amount in dollars into f's errors or cents.
func amount(f *formErrors, ff formField, s string) convening.Cents {
	c, err := convening.ParseMoney(ff.Path, s)
	if err != nil {
		f.place(err, []formField{ff})
	}
	return c
}

var paymentFields = []formField{{"pay-method", "method", "How it was paid"}, {"pay-reference", "reference", "Check or ACH number"},
	{"pay-amount", "amountCents", "Amount"}, {"pay-date", "receivedOn", "Received on"}, {"pay-note", "reason", "Note"}}

var waiverFields = []formField{{"waive-amount", "amountCents", "Amount to waive"}, {"waive-date", "receivedOn", "Waived on"},
	{"waive-reason", "reason", "Reason"}}

// recordEntry records a payment or a waiver (the form's kind).
func (h *Handler) recordEntry(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := formValues(r)
	if err != nil {
		return err
	}
	name, fields := "payment", paymentFields
	if v.Get("kind") == string(convening.EntryWaiver) {
		name, fields = "waiver", waiverFields
	}
	return h.accountAction(w, r, who, name, fields, func(v url.Values, f *formErrors) (flash, error) {
		in := convening.EntryInput{Kind: convening.EntryKind(v.Get("kind")), Method: convening.PaymentMethod(v.Get("method")),
			Reference: v.Get("reference"), ReceivedOn: strings.TrimSpace(v.Get("received_on")), Reason: v.Get("reason")}
		in.AmountCents = amount(f, fields[len(fields)-3], v.Get("amount"))
		if err := in.Validate(h.svc.Now()); err != nil {
			if e := convening.AsError(err); e != nil {
				// The amount's own error is already placed.
				var rest []convening.FieldError
				for _, fe := range e.Fields {
					if fe.Field != "amountCents" || f.Err(fields[len(fields)-3].ID) == "" {
						rest = append(rest, fe)
					}
				}
				if len(rest) > 0 {
					f.place(convening.InvalidFields("The entry", rest...), fields)
				}
			}
		}
		if f.Failed() {
			return flash{}, nil
		}
		key := v.Get("idem")
		if !keyRE.MatchString(key) {
			key = ""
		}
		a, e, _, err := h.svc.RecordEntry(ctx, actor(who), r.PathValue("registrationId"), in, key)
		if err != nil {
			return flash{}, err
		}
		code := "payment-recorded"
		if e.Kind == convening.EntryWaiver {
			code = "waived"
		}
		return flash{Code: code, Team: a.Organization.Name, Person: in.AmountCents.String()}, nil
	})
}

func (h *Handler) reverseEntry(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	entryID := r.PathValue("entryId")
	fields := []formField{{"rev-" + entryID + "-reason", "reason", "Reason"}}
	return h.accountAction(w, r, who, "reverse-"+entryID, fields, func(v url.Values, _ *formErrors) (flash, error) {
		a, err := h.svc.ReverseEntry(ctx, actor(who), r.PathValue("registrationId"), entryID, v.Get("reason"))
		return flash{Code: "reversed", Team: a.Organization.Name}, err
	})
}

var discountFields = []formField{{"disc-unit", "unitCents", "Price per person"}, {"disc-reason", "reason", "Reason"}}

func (h *Handler) discount(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	return h.accountAction(w, r, who, "discount", discountFields, func(v url.Values, f *formErrors) (flash, error) {
		unit := amount(f, discountFields[0], v.Get("unit"))
		checkReason(f, v.Get("reason"), discountFields)
		if f.Failed() {
			return flash{}, nil
		}
		a, err := h.svc.Discount(ctx, actor(who), r.PathValue("registrationId"), unit, v.Get("reason"))
		return flash{Code: "discounted", Team: a.Organization.Name, Person: unit.String()}, err
	})
}

func (h *Handler) remind(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	return h.accountAction(w, r, who, "remind", nil, func(url.Values, *formErrors) (flash, error) {
		a, err := h.svc.Remind(ctx, actor(who), r.PathValue("registrationId"))
		ap := ""
		if a.BillTo != nil {
			ap = a.BillTo.AccountsPayable.Email
		}
		return flash{Code: "reminded", Team: a.Organization.Name, Person: ap}, err
	})
}

func (h *Handler) issueNow(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	return h.accountAction(w, r, who, "issue", nil, func(url.Values, *formErrors) (flash, error) {
		a, err := h.svc.IssueNow(ctx, actor(who), r.PathValue("registrationId"))
		return flash{Code: "invoiced", Team: a.Organization.Name}, err
	})
}

var billingFields = []formField{{"bill-legal-name", "billTo.legalName", "Legal name"}, {"bill-line1", "billTo.address.line1", "Billing address"},
	{"bill-line2", "billTo.address.line2", "Address line 2"}, {"bill-city", "billTo.address.city", "City"}, {"bill-state", "billTo.address.state", "State"},
	{"bill-zip", "billTo.address.zip", "ZIP code"}, {"ap-name", "billTo.accountsPayable.name", "Accounts payable contact"},
	{"ap-email", "billTo.accountsPayable.email", "Accounts payable email"}, {"ap-phone", "billTo.accountsPayable.phone", "Accounts payable phone"},
	{"po-number", "poNumber", "Purchase order number"}}

func (h *Handler) staffBilling(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	return h.accountAction(w, r, who, "billing", billingFields, func(v url.Values, _ *formErrors) (flash, error) {
		in := convening.BillingInput{PONumber: v.Get("po_number"), BillTo: &convening.BillTo{LegalName: v.Get("bill_legal_name"),
			Address:         convening.Address{Line1: v.Get("bill_line1"), Line2: v.Get("bill_line2"), City: v.Get("bill_city"), State: v.Get("bill_state"), ZIP: v.Get("bill_zip")},
			AccountsPayable: convening.APContact{Name: v.Get("ap_name"), Email: v.Get("ap_email"), Phone: v.Get("ap_phone")}}}
		a, err := h.svc.SetBilling(ctx, actor(who), r.PathValue("registrationId"), in)
		return flash{Code: "billing-saved", Team: a.Organization.Name}, err
	})
}

func (h *Handler) invoicePDF(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	inv, err := h.svc.StaffInvoice(ctx, r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	b, err := invoicepdf.Render(inv, h.svc.Payee(), invoicepdf.Options{})
	if err != nil {
		return err
	}
	return pdfFile(w, invoicepdf.Filename(inv), b)
}

func pdfFile(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	_, _ = w.Write(b)
	return nil
}

// --- The W-9 ---

type w9View struct {
	W9   *convening.W9Document
	Form formErrors
	Max  string
}

func (h *Handler) w9Page(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	return h.showW9(w, r, who, http.StatusOK, formErrors{})
}

func (h *Handler) showW9(w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, f formErrors) error {
	v := w9View{Form: f, Max: "1 MB"}
	if doc, err := h.svc.W9Info(r.Context()); err == nil {
		v.W9 = &doc
	} else if convening.ErrorReason(err) != convening.ReasonW9Missing {
		return err
	}
	return h.render(w, r, status, "w9", "The W-9", &who, v)
}

// uploadW9 takes the W-9 from a multipart form (its anti-forgery token
// checked by the sign-in, like every form's).
func (h *Handler) uploadW9(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"w9-file", "file", "The W-9"}}
	var data []byte
	name := ""
	if _, err := formValues(r); err == nil && r.MultipartForm != nil {
		if files := r.MultipartForm.File["file"]; len(files) > 0 {
			name = files[0].Filename
			if fh, err := files[0].Open(); err == nil {
				data, _ = io.ReadAll(io.LimitReader(fh, convening.MaxW9Bytes+1))
				_ = fh.Close()
			}
		}
	}
	if _, err := h.svc.UploadW9(ctx, actor(who), name, data); err != nil {
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		var f formErrors
		f.place(err, fields)
		return h.showW9(w, r, who, status, f)
	}
	h.log.InfoContext(ctx, "W-9 uploaded", "bytes", len(data), staffAttr(who))
	return h.redirectWith(w, r, "/staff/w9", flash{Code: "w9-uploaded", Team: name})
}

func (h *Handler) w9PDF(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	doc, err := h.svc.W9(r.Context())
	if err != nil {
		return err
	}
	return pdfFile(w, doc.Filename, doc.Data)
}

// dateOn shows a date (YYYY-MM-DD) as a table's column does: "Jan 2,
// 2006".
func dateOn(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("Jan 2, 2006")
}

// paymentStatus words a payment status for the pages.
func paymentStatus(s convening.PaymentStatus) string { return s.Label() }
