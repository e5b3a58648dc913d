package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// DueHolds returns up to limit holds whose next action is due at now, the
// longest due first.
func (s *Store) DueHolds(ctx context.Context, now time.Time, limit int) ([]convening.Hold, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var due []convening.Hold
	for _, h := range s.holds {
		if h.Due(now) != convening.HoldNothing {
			due = append(due, h)
		}
	}
	slices.SortFunc(due, func(a, b convening.Hold) int {
		_, at := a.Next()
		_, bt := b.Next()
		return cmp.Or(at.Compare(bt), cmp.Compare(a.SubjectID, b.SubjectID))
	})
	return due[:min(limit, len(due))], nil
}

// RemindHold writes the reminder and records it, unless the hold changed
// since h was read.
func (s *Store) RemindHold(ctx context.Context, h convening.Hold, n convening.NoticeSpec, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	cur, ok := s.holds[h.SubjectID]
	if !ok || cur != h {
		return convening.ErrHoldMoved
	}
	s.holds[h.SubjectID] = h.AfterReminder(now)
	s.addSpec(n, h.EventID, now)
	return nil
}

// Hold returns the hold of a subject, if it has one (for tests).
func (s *Store) Hold(id string) (convening.Hold, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.holds[id]
	return h, ok
}
