package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

// UpdateRegistration applies the change decide makes of a registration as
// it is, with what reads asks for (its event, the waiting list), all under
// the store's lock: nothing can change between the reading and the
// writing.
func (s *Store) UpdateRegistration(ctx context.Context, id string, reads convening.Reads, decide convening.Decision) (convening.Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Registration{}, err
	}
	reg, ok := s.registrations[id]
	if !ok {
		return convening.Registration{}, convening.ErrRegistrationNotFound
	}
	ev := s.events[reg.EventID]
	var seen convening.Event // what the DynamoDB store reads: nothing unless asked
	var waitlist []convening.WaitlistEntry
	current := clone(*reg)
	switch reads {
	case convening.ReadWaitlist:
		waitlist, current = slices.Clone(ev.waitlist), s.withPosition(current)
		seen = ev.Event
	case convening.ReadEvent:
		seen = ev.Event
	}
	c, err := decide(current, seen, waitlist)
	if err != nil {
		return convening.Registration{}, err
	}
	if c.Unchanged {
		return s.withPosition(current), nil
	}
	if c.SeatsNeeded > ev.SeatsLeft() {
		return convening.Registration{}, convening.ErrNotEnoughSeats("The change", c.SeatsNeeded, ev.SeatsLeft())
	}
	if err := s.history.claimable(reg.EventID, c.After, reg); err != nil {
		return convening.Registration{}, err
	}
	before, after := *reg, clone(c.After)
	after.WaitlistPosition = nil
	// The waiting list: the entry leaves, moves or changes with the team.
	ev.waitlist = slices.DeleteFunc(ev.waitlist, func(w convening.WaitlistEntry) bool { return w.RegistrationID == id })
	if after.Status == convening.StatusWaitlisted {
		ev.waitlist = append(ev.waitlist, convening.WaitlistEntry{RegistrationID: id, Seq: after.WaitlistSeq, Seats: after.Seats, Organization: after.Organization.Name})
		slices.SortFunc(ev.waitlist, func(a, b convening.WaitlistEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	if before.Status.Active() && !after.Status.Active() && ev.orgs[before.Organization.Key()] == id {
		delete(ev.orgs, before.Organization.Key())
	}
	s.history.claim(reg.EventID, before, after)
	s.history.applyFacts(c.Facts)
	ev.Counts = ev.Counts.Plus(c.Counts)
	ev.WaitlistSeq = max(ev.WaitlistSeq, c.RaiseWaitlistSeq)
	ev.UpdatedAt = after.UpdatedAt
	s.registrations[id] = &after
	s.addPeople(convening.NewPersonKeys(before.Team, after.Team), convening.SubjectRegistration, id)
	if c.ReleaseHold {
		delete(s.holds, id)
	}
	if c.Hold != nil {
		s.holds[id] = *c.Hold
	}
	for _, n := range c.Notices {
		s.addSpec(n, after.EventID, after.UpdatedAt)
	}
	s.audit = append(s.audit, c.Audit)
	return s.withPosition(clone(after)), nil
}
