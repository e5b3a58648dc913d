package convening

// Counts are an event's tallies of its registrations. Each registration
// contributes to them according to its status (Contribution), so the
// counts always equal the sum over the event's registrations, and every
// change of status changes them by exactly Change(from, to, seats). The
// stores apply these deltas in the transaction that changes the status;
// no store computes a delta of its own.
type Counts struct {
	SeatsTaken      int `json:"seatsTaken"`
	RegisteredTeams int `json:"registeredTeams"`
	WaitlistLength  int `json:"waitlistLength"`
	WaitlistSeats   int `json:"waitlistSeats"`
	// CheckedIn counts the members of registered teams checked in at the
	// door.
	CheckedIn int `json:"checkedIn"`
	// SeatsHeld counts the seats held for teams that were offered or
	// invited and have not answered yet: taken by nobody, free to nobody.
	SeatsHeld int `json:"seatsHeld"`
}

// Plus returns the sum of two counts (or of counts and a delta).
func (c Counts) Plus(d Counts) Counts {
	return Counts{
		SeatsTaken:      c.SeatsTaken + d.SeatsTaken,
		RegisteredTeams: c.RegisteredTeams + d.RegisteredTeams,
		WaitlistLength:  c.WaitlistLength + d.WaitlistLength,
		WaitlistSeats:   c.WaitlistSeats + d.WaitlistSeats,
		CheckedIn:       c.CheckedIn + d.CheckedIn,
		SeatsHeld:       c.SeatsHeld + d.SeatsHeld,
	}
}

// Minus returns c - d.
func (c Counts) Minus(d Counts) Counts {
	return c.Plus(Counts{-d.SeatsTaken, -d.RegisteredTeams, -d.WaitlistLength, -d.WaitlistSeats, -d.CheckedIn, -d.SeatsHeld})
}

// Contribution is what one registration of seats in status adds to its
// event's counts: a registered team takes its seats, a waitlisted one
// waits with them, an offered one has them held, a cancelled or expired
// one (or none, "") counts for nothing.
func Contribution(status Status, seats int) Counts {
	switch status {
	case StatusRegistered:
		return Counts{SeatsTaken: seats, RegisteredTeams: 1}
	case StatusWaitlisted:
		return Counts{WaitlistLength: 1, WaitlistSeats: seats}
	case StatusOffered:
		return Counts{SeatsHeld: seats}
	}
	return Counts{}
}

// Change is the delta to an event's counts when a registration of seats
// moves from one status to another; from is "" for a new registration.
func Change(from, to Status, seats int) Counts {
	return Contribution(to, seats).Minus(Contribution(from, seats))
}

// Counts is what the registration contributes to its event's counts: its
// status's contribution and, while registered, its members checked in.
func (r Registration) Counts() Counts {
	c := Contribution(r.Status, r.Seats)
	if r.Status == StatusRegistered {
		for _, m := range r.Members {
			if m.CheckedInAt != nil {
				c.CheckedIn++
			}
		}
	}
	return c
}

// ChangeOf is the delta to an event's counts when a registration goes from
// before to after.
func ChangeOf(before, after Registration) Counts { return after.Counts().Minus(before.Counts()) }
