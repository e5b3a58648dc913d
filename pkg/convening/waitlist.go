package convening

// WaitlistEntry is one team on an event's waiting list, in arrival order.
type WaitlistEntry struct {
	RegistrationID string
	Seq            int64
	Seats          int
}

// PlanPromotion picks, from a waiting list in arrival order, the teams to
// promote into seatsLeft free seats under the given policy. The store runs
// the plan in one conditional transaction, so a plan made from a stale view
// is rejected, never applied.
func PlanPromotion(policy WaitlistPolicy, seatsLeft int, waitlist []WaitlistEntry) []WaitlistEntry {
	var promote []WaitlistEntry
	for _, w := range waitlist {
		if seatsLeft <= 0 {
			break
		}
		if w.Seats > seatsLeft {
			if policy == PolicyStrict {
				break
			}
			continue
		}
		promote = append(promote, w)
		seatsLeft -= w.Seats
	}
	return promote
}

// FitsDirectly reports whether a new team of seats may take seats at once
// rather than join the waiting list: only when nobody is waiting, so that
// arrivals never overtake the waiting list.
func FitsDirectly(e Event, seats int) bool {
	return e.WaitlistLength == 0 && seats <= e.SeatsLeft()
}
