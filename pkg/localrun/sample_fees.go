package localrun

import (
	"context"
	"fmt"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// FeesEventID is the upcoming sample event that charges a fee.
const FeesEventID = "summer-institute-2027"

// SampleFees adds fees to the sample events, to try the receivables, a
// team's account and the invoice emails (in the mail viewer):
//
//   - the past event (SamplePastEvent, made here if missing) charged $50 a
//     person: four of its teams were invoiced weeks before it; one paid by
//     check, one paid part by ACH and is now overdue, the county office's
//     fee was waived (a foundation subsidy), one owes its invoice (overdue);
//   - the Summer Institute charges $50 a person, net 30, a purchase order
//     expected within a month: Fresno Unified registered with its billing
//     details and PO and is invoiced; Sacramento City Unified registered
//     without billing details, and waits for them.
//
// It adds nothing if the past event has a fee already.
func SampleFees(ctx context.Context, s *System, o SystemOptions) error {
	ss, err := newSampleServices(s, o)
	if err != nil {
		return err
	}
	if !convening.PayeeFrom(o.PayeeName, o.PayeeAddress, o.PayeeTaxID, o.PaymentInstructions).Complete() {
		ss.log.WarnContext(ctx, "no payee settings: the sample fees are left out (set LMI_PAYEE_NAME, LMI_PAYEE_ADDRESS, LMI_PAYEE_TAX_ID)")
		return nil
	}
	past, err := ensurePastEvent(ctx, ss)
	if err != nil {
		return err
	}
	if p, err := ss.store.FeePolicy(ctx, PastEventID); err != nil || p != nil {
		return err // made before
	}
	fifty := convening.FeePolicy{PriceCents: 5000, Terms: convening.DueNet30, Note: "Subsidised by a foundation: the full cost is about $400 per person."}
	ss.now = past.StartsAt.AddDate(0, 0, -40)
	if _, err := ss.fees.SetFeePolicy(ctx, sampleStaff, PastEventID, fifty, "sample data"); err != nil {
		return fmt.Errorf("sample fees: %w", err)
	}
	_, regs, err := ss.staff.AllRegistrations(ctx, PastEventID, convening.StatusRegistered)
	if err != nil {
		return err
	}
	// Four of the six teams gave their billing details and were invoiced.
	billed := []struct {
		org, po string
		entry   *convening.EntryInput
	}{
		{"Salinas Union High School District", "PO-2627-00418",
			&convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodCheck, Reference: "104522", ReceivedOn: convening.DateIn(past.StartsAt.AddDate(0, 0, -6))}},
		{"Monterey Peninsula Unified School District", "4500021877",
			&convening.EntryInput{Kind: convening.EntryPayment, Method: convening.MethodACH, Reference: "091000019812345", AmountCents: 5000, ReceivedOn: convening.DateIn(past.StartsAt.AddDate(0, 0, -2))}},
		{"Monterey County Office of Education", "",
			&convening.EntryInput{Kind: convening.EntryWaiver, Reason: "Foundation subsidy for the host county office", ReceivedOn: convening.DateIn(past.StartsAt.AddDate(0, 0, -20))}},
		{"North Monterey County Unified School District", "PO 27-0311", nil},
	}
	byOrg := map[string]convening.Registration{}
	for _, reg := range regs {
		byOrg[reg.Organization.Name] = reg
	}
	for i, bill := range billed {
		reg, ok := byOrg[bill.org]
		if !ok {
			continue
		}
		ss.now = past.StartsAt.AddDate(0, 0, -35+i)
		b := sampleBillTo(reg.Organization.Name, i)
		if _, err := ss.fees.SetBilling(ctx, sampleStaff, reg.ID, convening.BillingInput{BillTo: &b, PONumber: bill.po}); err != nil {
			return fmt.Errorf("sample fees: billing of %s: %w", reg.Organization.Name, err)
		}
	}
	for _, bill := range billed {
		reg, ok := byOrg[bill.org]
		if !ok || bill.entry == nil {
			continue
		}
		in := *bill.entry
		a, err := ss.store.Account(ctx, reg.ID)
		if err != nil {
			return err
		}
		if in.AmountCents == 0 {
			in.AmountCents = a.BalanceCents()
		}
		rec, _ := time.Parse(time.DateOnly, in.ReceivedOn)
		ss.now = rec.Add(20 * time.Hour) // recorded that afternoon, Pacific
		if _, _, _, err := ss.fees.RecordEntry(ctx, sampleStaff, reg.ID, in, ""); err != nil {
			return fmt.Errorf("sample fees: %s of %s: %w", in.Kind, reg.Organization.Name, err)
		}
	}

	// The upcoming event.
	ss.now = time.Now().UTC()
	if _, err := ss.events.Event(ctx, FeesEventID); err != nil {
		return nil // not among this run's sample events
	}
	inst := fifty
	inst.Note, inst.POExpected, inst.POExpectedBy = "", true, convening.DateIn(ss.now.AddDate(0, 1, 0))
	if _, err := ss.fees.SetFeePolicy(ctx, sampleStaff, FeesEventID, inst, "sample data"); err != nil {
		return fmt.Errorf("sample fees: %w", err)
	}
	fresno, token, _, err := ss.regs.Register(ctx, FeesEventID, withInstituteAnswers(sampleTeam("Fresno Unified School District", "Fresno", "fresnounified", 5), "The evening before"), nil)
	if err != nil {
		return fmt.Errorf("sample fees: register: %w", err)
	}
	b := sampleBillTo(fresno.Organization.Name, 3)
	if _, err := ss.billing.SetBilling(ctx, fresno.ID, token, convening.BillingInput{BillTo: &b, PONumber: "PO-2627-01022"}); err != nil {
		return fmt.Errorf("sample fees: billing: %w", err)
	}
	if _, _, _, err := ss.regs.Register(ctx, FeesEventID, withInstituteAnswers(sampleTeam("Sacramento City Unified School District", "Sacramento", "scusd", 4), "The morning of the first day"), nil); err != nil {
		return fmt.Errorf("sample fees: register: %w", err)
	}
	ss.log.InfoContext(ctx, "sample fees added", "manage", "/manage/"+fresno.ID+"?token="+token)
	return nil
}

// sampleBillTo is the i-th sample organization's bill-to.
func sampleBillTo(legalName string, i int) convening.BillTo {
	streets := []string{"431 W Alisal St", "700 Pacific St", "901 Blanco Circle", "2309 Tulare St"}
	cities := []string{"Salinas", "Monterey", "Salinas", "Fresno"}
	zips := []string{"93901", "93940", "93901", "93721"}
	aps := []string{"Pat Alvarez", "Morgan Chen", "Sam Delgado", "Robin Vasquez"}
	i %= len(streets)
	return convening.BillTo{LegalName: legalName,
		Address:         convening.Address{Line1: streets[i], Line2: "Attn: Accounts Payable", City: cities[i], State: "CA", ZIP: zips[i]},
		AccountsPayable: convening.APContact{Name: aps[i], Email: fmt.Sprintf("accountspayable%d@district.example.org", i+1), Phone: fmt.Sprintf("(831) 555-01%02d", 10+i)}}
}
