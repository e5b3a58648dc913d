package convening

// WaitlistEntry is one team on an event's waiting list, in arrival order.
type WaitlistEntry struct {
	RegistrationID string
	Seq            int64
	Seats          int
	// Organization is the team's organization name, for messages.
	Organization string
}

// PromotionPlan picks, from a waiting list read in arrival order, the
// teams to promote into the free seats under the event's policy. Entries
// are offered one at a time, so a store can stop reading the list as soon
// as the plan is complete. The store runs the finished plan in one
// conditional transaction, so a plan made from a stale view is rejected,
// never applied.
type PromotionPlan struct {
	policy    WaitlistPolicy
	seatsLeft int
	done      bool
	entries   []WaitlistEntry
}

// NewPromotionPlan starts a plan for seatsLeft free seats.
func NewPromotionPlan(policy WaitlistPolicy, seatsLeft int) *PromotionPlan {
	return &PromotionPlan{policy: policy, seatsLeft: seatsLeft, done: seatsLeft <= 0}
}

// Consider offers the next entry of the waiting list and reports whether
// later entries could still be promoted. Under PolicyStrict the first team
// that does not fit blocks every team behind it; under PolicyFill a later
// team that fits goes ahead of it.
func (p *PromotionPlan) Consider(w WaitlistEntry) (more bool) {
	if p.done {
		return false
	}
	if w.Seats > p.seatsLeft {
		if p.policy == PolicyStrict {
			p.done = true
		}
		return !p.done
	}
	p.entries = append(p.entries, w)
	p.seatsLeft -= w.Seats
	p.done = p.seatsLeft <= 0
	return !p.done
}

// Entries are the teams to promote, in arrival order.
func (p *PromotionPlan) Entries() []WaitlistEntry { return p.entries }

// Counts is the change the plan makes to the event's counts.
func (p *PromotionPlan) Counts() Counts {
	var d Counts
	for _, w := range p.entries {
		d = d.Plus(Change(StatusWaitlisted, StatusRegistered, w.Seats))
	}
	return d
}

// PlanPromotion plans a promotion from a whole waiting list in arrival
// order; see PromotionPlan.
func PlanPromotion(policy WaitlistPolicy, seatsLeft int, waitlist []WaitlistEntry) []WaitlistEntry {
	p := NewPromotionPlan(policy, seatsLeft)
	for _, w := range waitlist {
		if !p.Consider(w) {
			break
		}
	}
	return p.Entries()
}

// FitsDirectly reports whether a new team of seats may take seats at once
// rather than join the waiting list: only when nobody is waiting, so that
// arrivals never overtake the waiting list. Stores enforce the same rule as
// the condition of the registering write.
func FitsDirectly(e Event, seats int) bool {
	return e.WaitlistLength == 0 && seats <= e.SeatsLeft()
}
