package httpapi

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
	"github.com/calmi/convenings/pkg/invoicepdf"
	"github.com/calmi/convenings/pkg/problem"
)

// Fees: staff's routes (an event's fee policy and accounts, the
// receivables, a team's account and its payments, waivers, discount,
// reminders, invoices, the W-9) and the team's (its account, billing
// details, invoices and the W-9, with its manage token). Amounts are
// integer cents ("amountCents": 5000 is $50.00); anything else is refused
// naming the field.

// FeeRoutes are the staff API's routes of fees, for Admin.
func (h *Handler) feeRoutes() map[string]route {
	return map[string]route{
		"GET /api/admin/events/{eventId}/fees":                                       h.eventFees,
		"PUT /api/admin/events/{eventId}/fees":                                       h.setFeePolicy,
		"GET /api/admin/events/{eventId}/ledger.csv":                                 h.ledgerCSV,
		"GET /api/admin/receivables":                                                 h.receivables,
		"GET /api/admin/receivables.csv":                                             h.receivablesCSV,
		"GET /api/admin/registrations/{registrationId}/account":                      h.staffAccount,
		"PUT /api/admin/registrations/{registrationId}/billing":                      h.staffBilling,
		"POST /api/admin/registrations/{registrationId}/payments":                    h.recordEntry,
		"POST /api/admin/registrations/{registrationId}/payments/{entryId}/reversal": h.reverseEntry,
		"POST /api/admin/registrations/{registrationId}/discount":                    h.discount,
		"POST /api/admin/registrations/{registrationId}/reminders":                   h.remind,
		"POST /api/admin/registrations/{registrationId}/invoice":                     h.issueNow,
		"GET /api/admin/invoices/{invoiceId}":                                        h.staffInvoice,
		"GET /api/admin/invoices/{invoiceId}/pdf":                                    h.staffInvoicePDF,
		"GET /api/admin/w9":                                                          h.staffW9,
		"PUT /api/admin/w9":                                                          h.uploadW9,
	}
}

// teamFeeRoutes are the team's routes of fees, for Registration.
func (h *Handler) teamFeeRoutes() map[string]route {
	return map[string]route{
		"GET /api/registrations/{registrationId}/account":                  h.teamAccount,
		"PUT /api/registrations/{registrationId}/billing":                  h.teamBilling,
		"GET /api/registrations/{registrationId}/invoices/{invoiceId}/pdf": h.teamInvoicePDF,
		"GET /api/registrations/{registrationId}/w9":                       h.teamW9,
	}
}

type feePolicyRequest struct {
	PriceCents   convening.Cents    `json:"priceCents"`
	Terms        convening.DueTerms `json:"terms"`
	POExpected   bool               `json:"poExpected"`
	POExpectedBy string             `json:"poExpectedBy"`
	Note         string             `json:"note"`
	Reason       string             `json:"reason"`
}

func (h *Handler) eventFees(w http.ResponseWriter, r *http.Request) error {
	f, err := h.fees.EventFees(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, f)
}

func (h *Handler) setFeePolicy(w http.ResponseWriter, r *http.Request) error {
	var in feePolicyRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	p, err := h.fees.SetFeePolicy(r.Context(), staffActor(r), r.PathValue("eventId"),
		convening.FeePolicy{PriceCents: in.PriceCents, Terms: in.Terms, POExpected: in.POExpected, POExpectedBy: in.POExpectedBy, Note: in.Note}, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"policy": p})
}

func csvAnswer(w http.ResponseWriter, name string, b []byte) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(b)
	return nil
}

func (h *Handler) ledgerCSV(w http.ResponseWriter, r *http.Request) error {
	e, docs, entries, err := h.fees.EventLedger(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := export.Ledger(&b, docs, entries); err != nil {
		return err
	}
	return csvAnswer(w, e.ID+"-ledger.csv", b.Bytes())
}

func (h *Handler) receivables(w http.ResponseWriter, r *http.Request) error {
	rc, err := h.fees.Receivables(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rc)
}

func (h *Handler) receivablesCSV(w http.ResponseWriter, r *http.Request) error {
	rc, err := h.fees.Receivables(r.Context())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := export.Receivables(&b, rc); err != nil {
		return err
	}
	return csvAnswer(w, "receivables-"+convening.DateIn(h.fees.Now())+".csv", b.Bytes())
}

// accountResponse is a team's fees: its account with its status, the
// documents, the ledger, and (for staff) the history of its fees.
type accountResponse struct {
	convening.AccountView
	EventID string                  `json:"eventId"`
	History []convening.AuditRecord `json:"history,omitempty"`
}

func (h *Handler) staffAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := h.fees.StaffAccount(ctx, r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	history, err := h.fees.FeeHistory(ctx, v.Registration.ID)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, accountResponse{AccountView: v, EventID: v.Event.ID, History: history})
}

// accountAnswer answers the account after a change.
func accountAnswer(w http.ResponseWriter, status int, a convening.Account, now func() convening.PaymentStatus) error {
	return ok(w, status, map[string]any{"account": a, "status": now()})
}

func (h *Handler) staffBilling(w http.ResponseWriter, r *http.Request) error {
	var in convening.BillingInput
	if _, err := decode(r, &in); err != nil {
		return err
	}
	a, err := h.fees.SetBilling(r.Context(), staffActor(r), r.PathValue("registrationId"), in)
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusOK, a, func() convening.PaymentStatus { return a.Status(h.fees.Now()) })
}

func (h *Handler) recordEntry(w http.ResponseWriter, r *http.Request) error {
	var in convening.EntryInput
	b, err := decode(r, &in)
	if err != nil {
		return err
	}
	id := r.PathValue("registrationId")
	key := ""
	if idem, err := idempotency(r, "entry\x00"+id, b); err != nil {
		return err
	} else if idem != nil {
		key = idem.Key
	}
	a, e, replayed, err := h.fees.RecordEntry(r.Context(), staffActor(r), id, in, key)
	if err != nil {
		return err
	}
	return created(w, "/api/admin/registrations/"+id+"/account", replayed,
		map[string]any{"account": a, "status": a.Status(h.fees.Now()), "entry": e})
}

func (h *Handler) reverseEntry(w http.ResponseWriter, r *http.Request) error {
	var in reasonRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	a, err := h.fees.ReverseEntry(r.Context(), staffActor(r), r.PathValue("registrationId"), r.PathValue("entryId"), in.Reason)
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusOK, a, func() convening.PaymentStatus { return a.Status(h.fees.Now()) })
}

type discountRequest struct {
	UnitCents convening.Cents `json:"unitCents"`
	Reason    string          `json:"reason"`
}

func (h *Handler) discount(w http.ResponseWriter, r *http.Request) error {
	var in discountRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	a, err := h.fees.Discount(r.Context(), staffActor(r), r.PathValue("registrationId"), in.UnitCents, in.Reason)
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusOK, a, func() convening.PaymentStatus { return a.Status(h.fees.Now()) })
}

func (h *Handler) remind(w http.ResponseWriter, r *http.Request) error {
	a, err := h.fees.Remind(r.Context(), staffActor(r), r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusCreated, a, func() convening.PaymentStatus { return a.Status(h.fees.Now()) })
}

func (h *Handler) issueNow(w http.ResponseWriter, r *http.Request) error {
	a, err := h.fees.IssueNow(r.Context(), staffActor(r), r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusOK, a, func() convening.PaymentStatus { return a.Status(h.fees.Now()) })
}

func (h *Handler) staffInvoice(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.fees.StaffInvoice(r.Context(), r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"invoice": inv})
}

// pdfAnswer answers a document as its PDF, to download.
func pdfAnswer(w http.ResponseWriter, name string, pdf []byte) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, _ = w.Write(pdf)
	return nil
}

func invoicePDF(w http.ResponseWriter, inv convening.Invoice, payee convening.Payee) error {
	pdf, err := invoicepdf.Render(inv, payee, invoicepdf.Options{})
	if err != nil {
		return err
	}
	return pdfAnswer(w, invoicepdf.Filename(inv), pdf)
}

func (h *Handler) staffInvoicePDF(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.fees.StaffInvoice(r.Context(), r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	return invoicePDF(w, inv, h.fees.Payee())
}

func (h *Handler) staffW9(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.fees.W9(r.Context())
	if err != nil {
		return err
	}
	return pdfAnswer(w, doc.Filename, doc.Data)
}

// uploadW9 takes the W-9 as the request's body, application/pdf, at most
// convening.MaxW9Bytes; the file's name may come in X-Filename.
func (h *Handler) uploadW9(w http.ResponseWriter, r *http.Request) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/pdf" {
		return convening.NewError(problem.EUnsupportedMedia, convening.ReasonUnsupportedMedia, "Send the W-9 as application/pdf.")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, convening.MaxW9Bytes+1))
	if err != nil {
		return err
	}
	if len(b) > convening.MaxW9Bytes {
		return convening.NewError(problem.ETooLarge, convening.ReasonBodyTooLarge, "The W-9 is larger than %d KiB.", convening.MaxW9Bytes>>10)
	}
	doc, err := h.fees.UploadW9(r.Context(), staffActor(r), r.Header.Get("X-Filename"), b)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"w9": doc})
}

// --- The team's ---

func (h *Handler) teamAccount(w http.ResponseWriter, r *http.Request) error {
	v, err := h.billing.TeamAccount(r.Context(), r.PathValue("registrationId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, accountResponse{AccountView: v, EventID: v.Event.ID})
}

func (h *Handler) teamBilling(w http.ResponseWriter, r *http.Request) error {
	var in convening.BillingInput
	if _, err := decode(r, &in); err != nil {
		return err
	}
	a, err := h.billing.SetBilling(r.Context(), r.PathValue("registrationId"), bearer(r), in)
	if err != nil {
		return err
	}
	return accountAnswer(w, http.StatusOK, a, func() convening.PaymentStatus { return a.Status(h.billing.Now()) })
}

func (h *Handler) teamInvoicePDF(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.billing.TeamInvoice(r.Context(), r.PathValue("registrationId"), bearer(r), r.PathValue("invoiceId"))
	if err != nil {
		return err
	}
	return invoicePDF(w, inv, h.billing.Payee())
}

func (h *Handler) teamW9(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.billing.W9(r.Context(), r.PathValue("registrationId"), bearer(r))
	if err != nil {
		return err
	}
	return pdfAnswer(w, doc.Filename, doc.Data)
}
