package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Sequence places the registrations in line at a queued event, in the
// order received, as the DynamoDB store does (convening.Sequencer): in
// batches of at most convening.MaxPlacementsPerBatch, each decided from
// the event as it is; one received less than grace ago waits (with the
// lock released) while ctx leaves time.
func (s *Store) Sequence(ctx context.Context, eventID string, grace time.Duration, decide convening.PlacementDecision) (int, error) {
	placed := 0
	for {
		n, next, err := s.placeReady(ctx, eventID, time.Now().Add(-grace), decide)
		placed += n
		if err != nil || next.IsZero() {
			return placed, err
		}
		wait := time.Until(next.Add(grace)) + time.Millisecond
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait || !ok && wait > time.Minute {
			return placed, fmt.Errorf("sequence %s: registrations still in line: %w", eventID, convening.ErrBusy)
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return placed, ctx.Err()
		case <-t.C:
		}
	}
}

// placeReady places what was received before readyBefore and returns how
// many, and when the first of those still in line was received (zero if
// none is).
func (s *Store) placeReady(ctx context.Context, eventID string, readyBefore time.Time, decide convening.PlacementDecision) (int, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, time.Time{}, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return 0, time.Time{}, convening.ErrEventNotFound
	}
	// Those no longer received (cancelled in line) simply leave it.
	ev.line = slices.DeleteFunc(ev.line, func(id string) bool { return s.registrations[id].Status != convening.StatusReceived })
	slices.SortFunc(ev.line, func(a, b string) int {
		ra, rb := s.registrations[a], s.registrations[b]
		return cmp.Or(ra.CreatedAt.Compare(rb.CreatedAt), cmp.Compare(a, b))
	})
	ready := 0
	for ready < len(ev.line) && s.registrations[ev.line[ready]].CreatedAt.Before(readyBefore) {
		ready++
	}
	placed := 0
	for placed < ready {
		batch := ev.line[placed:min(ready, placed+convening.MaxPlacementsPerBatch)]
		received := make([]convening.Registration, len(batch))
		for i, id := range batch {
			received[i] = clone(*s.registrations[id])
		}
		placements, after := decide(ev.Event, received)
		for _, p := range placements {
			reg := clone(p.Registration)
			reg.WaitlistPosition = nil
			switch reg.Status {
			case convening.StatusWaitlisted:
				ev.waitlist = append(ev.waitlist, convening.WaitlistEntry{RegistrationID: reg.ID, Seq: reg.WaitlistSeq, Seats: reg.Seats,
					Organization: reg.Organization.Name})
			case convening.StatusRefused:
				delete(ev.orgs, reg.Organization.Key())
			}
			s.registrations[reg.ID] = &reg
			s.addSpec(p.Notice, eventID, p.At)
			s.audit = append(s.audit, p.Audit)
			ev.UpdatedAt = p.At
		}
		ev.Counts, ev.WaitlistSeq = after.Counts, after.WaitlistSeq
		placed += len(batch)
	}
	ev.line = ev.line[placed:]
	if len(ev.line) == 0 {
		return placed, time.Time{}, nil
	}
	return placed, s.registrations[ev.line[0]].CreatedAt, nil
}
