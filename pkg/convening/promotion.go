package convening

import "time"

// Promotion is what promotion does to one waitlisted team: the status it
// moves to (registered, or offered with its offer and the hold that keeps
// the seats), the email it owes and the audit record, at At. Both stores
// apply exactly this.
type Promotion struct {
	Entry  WaitlistEntry
	Status Status
	Offer  *Offer
	Hold   *Hold
	Notice NoticeSpec
	Audit  AuditRecord
	At     time.Time
}

// Registration is the promoted registration as far as the promotion knows
// it (for logs and callers that want the ids and seats).
func (p Promotion) Registration() Registration {
	return Registration{ID: p.Entry.RegistrationID, EventID: p.Audit.EventID, Status: p.Status, Seats: p.Entry.Seats,
		Team: Team{Organization: Organization{Name: p.Entry.Organization}}, Offer: p.Offer}
}

// A PromotionDecision says what promoting the teams a PromotionPlan
// picked from the event's waiting list does, and the change to the
// event's counts. The store runs it in one transaction conditioned on the
// seats and the teams as it read them.
type PromotionDecision func(e Event, planned []WaitlistEntry) ([]Promotion, Counts)

// DecidePromotions promotes the planned teams at now as the event says:
// registered at once, or offered their seats until a deadline (PromotionOf).
// The system is the actor of each audit record; newID makes the notices'
// and records' ids.
func DecidePromotions(now time.Time, newID func() string) PromotionDecision {
	return func(e Event, planned []WaitlistEntry) ([]Promotion, Counts) {
		out := make([]Promotion, 0, len(planned))
		var d Counts
		for _, w := range planned {
			status, offer, hold := PromotionOf(e, w, now)
			notice, audit := NoticePromoted, AuditPromoted
			if status == StatusOffered {
				notice, audit = NoticeOffered, AuditOffered
			}
			before := Registration{ID: w.RegistrationID, EventID: e.ID, Status: StatusWaitlisted, Seats: w.Seats,
				Team: Team{Organization: Organization{Name: w.Organization}}}
			after := before
			after.Status = status
			spec := NoticeSpec{ID: newID(), Kind: notice, SubjectID: w.RegistrationID}
			if status == StatusRegistered {
				spec.Fanout = welcomeEveryMember
			}
			out = append(out, Promotion{Entry: w, Status: status, Offer: offer, Hold: hold, At: now,
				Notice: spec,
				Audit:  AuditOf(newID(), audit, SystemActor, before, now, "", before.Summary(), after.Summary())})
			d = d.Plus(Change(StatusWaitlisted, status, w.Seats))
		}
		return out, d
	}
}
