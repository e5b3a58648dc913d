package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/invoicepdf"
	"github.com/calmi/convenings/pkg/problem"
)

// Fees on the website: the price on the event page, the billing details
// the registration form asks once (and the organization reuses), the
// fees on the manage page with the invoices to download and a page to
// change the billing details or add the purchase order number, and the
// page accounts payable open from their email, with the invoice and the
// payee's W-9.

// Billing is what the website needs of the team's fees
// (convening.BillingService).
type Billing interface {
	Payee() convening.Payee
	EventFee(ctx context.Context, eventID string) (*convening.FeePolicy, error)
	CheckBilling(ctx context.Context, org convening.Organization, in convening.BillingInput) (convening.BillingInput, error)
	SetBilling(ctx context.Context, registrationID, token string, in convening.BillingInput) (convening.Account, error)
	TeamAccount(ctx context.Context, registrationID, token string) (convening.AccountView, error)
	TeamInvoice(ctx context.Context, registrationID, token, invoiceID string) (convening.Invoice, error)
	InvoiceToken(invoiceID string) string
	InvoiceByToken(ctx context.Context, invoiceID, token string) (convening.InvoiceStanding, error)
	HasW9(ctx context.Context) bool
	W9(ctx context.Context, subject, token string) (convening.W9Document, error)
}

// billingForm is the billing details as typed, kept as sent.
type billingForm struct {
	LegalName, Line1, Line2, City, State, ZIP string
	APName, APEmail, APPhone                  string
	PONumber                                  string
}

// Field ids of the billing fields.
const (
	idBilling    = "billing"
	idLegalName  = "bill-legal-name"
	idLine1      = "bill-line1"
	idLine2      = "bill-line2"
	idCity       = "bill-city"
	idState      = "bill-state"
	idZIP        = "bill-zip"
	idAPName     = "ap-name"
	idAPEmail    = "ap-email"
	idAPPhone    = "ap-phone"
	idPONumber   = "po-number"
	maxFormField = 1000
)

// billingOrder is the billing fields in page order, for the error summary.
var billingOrder = []string{idBilling, idLegalName, idLine1, idLine2, idCity, idState, idZIP, idAPName, idAPEmail, idAPPhone, idPONumber}

func parseBillingForm(f url.Values) billingForm {
	get := func(k string) string {
		v := f.Get(k)
		if len(v) > maxFormField {
			v = v[:maxFormField]
		}
		return v
	}
	return billingForm{LegalName: get("bill_legal_name"), Line1: get("bill_line1"), Line2: get("bill_line2"), City: get("bill_city"),
		State: get("bill_state"), ZIP: get("bill_zip"), APName: get("ap_name"), APEmail: get("ap_email"), APPhone: get("ap_phone"),
		PONumber: get("po_number")}
}

// input is the form as the domain's billing details (a bill-to left all
// empty means "the one on file").
func (b billingForm) input() convening.BillingInput {
	in := convening.BillingInput{PONumber: b.PONumber, BillTo: &convening.BillTo{LegalName: b.LegalName,
		Address:         convening.Address{Line1: b.Line1, Line2: b.Line2, City: b.City, State: b.State, ZIP: b.ZIP},
		AccountsPayable: convening.APContact{Name: b.APName, Email: b.APEmail, Phone: b.APPhone}}}
	in.Normalize()
	return in
}

func billingFormOf(a convening.Account) billingForm {
	f := billingForm{PONumber: a.PONumber, State: "CA"}
	if b := a.BillTo; b != nil {
		f.LegalName, f.Line1, f.Line2, f.City, f.State, f.ZIP = b.LegalName, b.Address.Line1, b.Address.Line2, b.Address.City, b.Address.State, b.Address.ZIP
		f.APName, f.APEmail, f.APPhone = b.AccountsPayable.Name, b.AccountsPayable.Email, b.AccountsPayable.Phone
	}
	return f
}

// billingFieldText maps a billing field error to its field's id and a
// message that reads on its own, worded from the rule (never the domain's
// message); ok is false for a field that is not a billing field.
func billingFieldText(f convening.FieldError) (id, msg string, ok bool) {
	labels := map[string][2]string{
		"billTo":                       {idBilling, ""},
		"billTo.legalName":             {idLegalName, "Legal name"},
		"billTo.address.line1":         {idLine1, "Billing address"},
		"billTo.address.line2":         {idLine2, "Address line 2"},
		"billTo.address.city":          {idCity, "City"},
		"billTo.address.state":         {idState, "State"},
		"billTo.address.zip":           {idZIP, "ZIP code"},
		"billTo.accountsPayable.name":  {idAPName, "Accounts payable contact name"},
		"billTo.accountsPayable.email": {idAPEmail, "Accounts payable email"},
		"billTo.accountsPayable.phone": {idAPPhone, "Accounts payable phone"},
		"poNumber":                     {idPONumber, "Purchase order number"},
	}
	l, found := labels[f.Field]
	if !found {
		return "", "", false
	}
	id = l[0]
	switch f.Rule {
	case convening.RuleRequired:
		if id == idBilling {
			return id, "Give your organization's billing details: we have none on file for it", true
		}
		return id, l[1] + " is required", true
	case convening.RulePONumber:
		return id, "Purchase order number must be up to 30 letters, digits, spaces and - / . # with at least one digit, like PO-2027-00123", true
	case convening.RulePhone:
		return id, "Accounts payable phone must be a phone number like (559) 457-3000, optionally with an extension like x12", true
	case convening.RuleZIP:
		return id, "ZIP code must be like 93721 or 93721-2287", true
	case convening.RuleUSState:
		return id, "State must be a two-letter code like CA", true
	case convening.RuleLetterOrDigit:
		return id, l[1] + " must contain a letter or digit", true
	}
	return id, l[1] + " " + ruleText(f), true
}

// feeView is an event's fee as its page shows it.
type feeView struct {
	Price      string
	Terms      string
	POExpected string
	Note       string
}

func newFeeView(p *convening.FeePolicy) *feeView {
	if !p.Charges() {
		return nil
	}
	v := &feeView{Price: p.PriceCents.String(), Note: p.Note}
	switch p.Terms {
	case convening.DueAfterEvent:
		v.Terms = "due 30 days after the event"
	default:
		v.Terms = "due 30 days after the invoice's date"
	}
	if p.POExpected {
		v.POExpected = longDate(p.POExpectedBy)
	}
	return v
}

func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("Monday, January 2, 2006")
}

// accountView is a team's fees as the manage page shows them.
type accountView struct {
	Status      string
	StatusLabel string
	Awaiting    string
	Unit        string
	People      int
	Billed      string
	Paid        string
	Waived      string
	Balance     string
	Credit      string
	Owed        bool
	DueOn       string
	Overdue     bool
	Discount    string
	BillTo      *convening.BillTo
	PONumber    string
	POMissing   bool
	POExpected  string
	Documents   []documentView
	BillingPath string
	W9Path      string
}

type documentView struct {
	Title, IssuedOn, Total, Path, State string
}

func newAccountView(v convening.AccountView, regID, token string, hasW9 bool, now time.Time) *accountView {
	if v.Policy == nil && !v.Account.Exists() {
		return nil
	}
	a := v.Account
	out := &accountView{Status: string(v.Status), StatusLabel: v.Status.Label(), Awaiting: string(a.Awaiting),
		Billed: a.BilledCents.String(), Paid: a.PaidCents.String(), Waived: a.WaivedCents.String(), BillTo: a.BillTo,
		PONumber: a.PONumber, POMissing: v.POMissing, People: len(v.Registration.Members),
		BillingPath: tokenPath("/manage/"+url.PathEscape(regID)+"/billing", token)}
	unit := a.UnitCents
	if !a.PriceFixed && v.Policy != nil {
		unit = v.Policy.PriceCents
	}
	out.Unit = unit.String()
	if bal := a.BalanceCents(); bal > 0 {
		out.Owed, out.Balance = true, bal.String()
	} else if bal < 0 {
		out.Credit = (-bal).String()
	}
	if a.Open != nil {
		out.DueOn = longDate(a.Open.DueOn)
		out.Overdue = v.Status == convening.PaymentOverdue
	}
	if d := a.Discount; d != nil {
		out.Discount = d.UnitCents.String() + " per person: " + d.Reason
	}
	if v.Policy != nil && v.Policy.POExpected {
		out.POExpected = longDate(v.Policy.POExpectedBy)
	}
	credited := map[string]string{}
	for _, d := range v.Documents {
		if d.Kind == convening.DocCreditNote {
			credited[d.CreditsID] = d.Number
		}
	}
	for i := len(v.Documents) - 1; i >= 0; i-- { // newest first
		d := v.Documents[i]
		dv := documentView{Title: d.Title(), IssuedOn: longDate(d.IssuedOn()), Total: d.TotalCents.String(),
			Path: tokenPath("/manage/"+url.PathEscape(regID)+"/invoices/"+url.PathEscape(d.ID), token)}
		switch {
		case d.Kind == convening.DocCreditNote:
			dv.State = "Cancels invoice " + d.Credits
		case credited[d.ID] != "":
			dv.State = "Cancelled by credit note " + credited[d.ID]
		case a.Open != nil && a.Open.ID == d.ID:
			dv.State = "Current, due " + longDate(d.DueOn)
		}
		out.Documents = append(out.Documents, dv)
	}
	if hasW9 {
		out.W9Path = tokenPath("/manage/"+url.PathEscape(regID)+"/w9", token)
	}
	return out
}

func tokenPath(path, token string) string { return path + "?" + url.Values{"token": {token}}.Encode() }

// teamFees reads a team's fees for its pages; nil for a free event. A
// failure to read them is logged and shows no fees rather than no page.
func (h *Handler) teamFees(ctx context.Context, regID, token string) *accountView {
	v, err := h.billing.TeamAccount(ctx, regID, token)
	if err != nil {
		h.log.WarnContext(ctx, "read the team's fees", "error", err)
		return nil
	}
	return newAccountView(v, regID, token, h.billing.HasW9(ctx), h.svc.Now())
}

// --- The billing page ---

type billingPageView struct {
	Event   eventView
	Reg     registrationView
	Token   string
	CSRF    string
	Form    billingForm
	Fee     *feeView
	Errors  map[string]string
	Summary []fieldProblem
	Problem string
}

// Err returns the error shown next to a billing field.
func (v billingPageView) Err(id string) string { return v.Errors[id] }

func (h *Handler) billingPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("registrationId"), r.URL.Query().Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	acct, err := h.billing.TeamAccount(ctx, id, token)
	if err != nil {
		return err
	}
	return h.showBilling(w, r, http.StatusOK, e, reg, token, billingFormOf(acct.Account), acct.Policy, nil, "")
}

func (h *Handler) showBilling(w http.ResponseWriter, r *http.Request, status int, e convening.Event, reg convening.Registration, token string,
	form billingForm, policy *convening.FeePolicy, err error, problem string) error {
	private(w)
	now := h.svc.Now()
	v := billingPageView{Event: newEventView(e, now), Reg: newRegistrationView(r, reg, token, now), Token: token, Form: form,
		Fee: newFeeView(policy), Problem: problem}
	v.CSRF = h.csrfToken(h.csrfNonce(w, r), "billing:"+reg.ID)
	v.Errors, v.Summary = billingErrors(err)
	title := "Billing details"
	if len(v.Summary) > 0 || problem != "" {
		title = "Error: " + title
	}
	return h.render(w, status, "billing", title, v, false)
}

// billingErrors places billing field errors by field id, and lists them
// in page order.
func billingErrors(err error) (map[string]string, []fieldProblem) {
	var e *convening.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		if id, msg, ok := billingFieldText(f); ok {
			if _, dup := m[id]; !dup {
				m[id] = msg
			}
		}
	}
	var s []fieldProblem
	for _, id := range billingOrder {
		if msg, ok := m[id]; ok {
			s = append(s, fieldProblem{ID: id, Text: msg})
		}
	}
	return m, s
}

func (h *Handler) saveBilling(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("registrationId"), f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	form := parseBillingForm(f)
	policy, err := h.billing.EventFee(ctx, e.ID)
	if err != nil {
		return err
	}
	if !h.checkCSRF(r, "billing:"+reg.ID) {
		return h.showBilling(w, r, http.StatusForbidden, e, reg, token, form, policy, nil, "For your security, please press “Save billing details” again.")
	}
	_, err = h.billing.SetBilling(ctx, id, token, form.input())
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, managePath(reg.ID, token, "billing")+"#fees")
	case convening.ReasonInvalidFields, convening.ReasonNoBillTo:
		return h.showBilling(w, r, problem.Status(err), e, reg, token, form, policy, err, "")
	case convening.ReasonBusy:
		return h.showBilling(w, r, problem.Status(err), e, reg, token, form, policy, nil,
			"We're very busy right now, and your billing details are not saved yet. Please press “Save billing details” again in a few seconds.")
	}
	return err
}

// --- Downloads ---

func (h *Handler) teamInvoice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	inv, err := h.billing.TeamInvoice(ctx, r.PathValue("registrationId"), r.URL.Query().Get("token"), r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	return h.pdf(w, inv)
}

func (h *Handler) pdf(w http.ResponseWriter, inv convening.Invoice) error {
	b, err := invoicepdf.Render(inv, h.billing.Payee(), invoicepdf.Options{})
	if err != nil {
		return err
	}
	return download(w, invoicepdf.Filename(inv), b)
}

func download(w http.ResponseWriter, name string, b []byte) error {
	private(w)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	_, _ = w.Write(b)
	return nil
}

func (h *Handler) teamW9(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.billing.W9(r.Context(), r.PathValue("registrationId"), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	return download(w, doc.Filename, doc.Data)
}

// --- Accounts payable's page ---

type invoicePageView struct {
	Inv       convening.Invoice
	Credit    bool
	Current   bool
	Total     string
	Paid      string
	Balance   string
	Owed      bool
	IssuedOn  string
	DueOn     string
	People    string
	PDFPath   string
	W9Path    string
	PayeeName string
	RemitTo   string
	HowToPay  string
}

func (h *Handler) invoicePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("invoiceId"), r.URL.Query().Get("token")
	st, err := h.billing.InvoiceByToken(ctx, id, token)
	if err != nil {
		return err
	}
	inv, payee := st.Invoice, h.billing.Payee()
	v := invoicePageView{Inv: inv, Credit: inv.Kind == convening.DocCreditNote, Current: st.Current, Total: inv.TotalCents.String(),
		Paid: st.PaidCents.String(), Balance: st.BalanceCents.String(), Owed: st.Current && st.BalanceCents > 0,
		IssuedOn: longDate(inv.IssuedOn()), DueOn: longDate(inv.DueOn), People: convening.Plural(len(inv.Lines), "person", "people"),
		PDFPath:   tokenPath("/invoices/"+url.PathEscape(id)+"/pdf", token),
		PayeeName: payee.LegalName, RemitTo: strings.Join(payee.Address, ", "), HowToPay: payee.HowToPay}
	if h.billing.HasW9(ctx) {
		v.W9Path = tokenPath("/invoices/"+url.PathEscape(id)+"/w9", token)
	}
	private(w)
	return h.render(w, http.StatusOK, "invoice", inv.Title(), v, false)
}

func (h *Handler) invoicePDF(w http.ResponseWriter, r *http.Request) error {
	st, err := h.billing.InvoiceByToken(r.Context(), r.PathValue("invoiceId"), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	return h.pdf(w, st.Invoice)
}

func (h *Handler) invoiceW9(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("invoiceId")
	doc, err := h.billing.W9(r.Context(), convening.InvoiceTokenSubject(id), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	return download(w, doc.Filename, doc.Data)
}

// joinInvalid joins the field errors of two validations (the team's and
// its billing details'), so that the form shows every problem at once.
func joinInvalid(a, b error) error {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	ea, eb := convening.AsError(a), convening.AsError(b)
	if ea == nil || eb == nil {
		return a
	}
	return convening.InvalidFields("The registration", append(append([]convening.FieldError{}, ea.Fields...), eb.Fields...)...)
}
