package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Notice states, as in the DynamoDB store.
const (
	noticePending = "pending"
	noticeSending = "sending"
	noticeSent    = "sent"
)

// addNotice records the notice a change owes; the caller holds the lock.
func (s *Store) addNotice(id string, kind convening.NoticeKind, reg convening.Registration, now time.Time) {
	s.notices[id] = &notice{id: id, kind: string(kind), registrationID: reg.ID, eventID: reg.EventID,
		createdAt: now, state: noticePending}
}

// ClaimNotice leases a pending notice to one sender.
func (s *Store) ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	n, ok := s.notices[id]
	switch {
	case !ok:
		return fmt.Errorf("claim notice %s: %w", id, convening.ErrNoticeNotFound)
	case n.state == noticeSent:
		return convening.ErrNoticeDone
	case n.state == noticeSending && !n.leaseUntil.Before(now):
		return convening.ErrNoticeBusy
	}
	n.state, n.leaseUntil = noticeSending, now.Add(lease)
	n.attempts++
	return nil
}

// MarkNoticeSent records that the notice went out.
func (s *Store) MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	n, ok := s.notices[id]
	if !ok {
		return fmt.Errorf("mark notice %s sent: %w", id, convening.ErrNoticeNotFound)
	}
	n.state, n.messageID, n.leaseUntil = noticeSent, messageID, time.Time{}
	return nil
}

// ReleaseNotice gives a lease back after a failed send, keeping the cause.
func (s *Store) ReleaseNotice(ctx context.Context, id string, now time.Time, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if n, ok := s.notices[id]; ok && n.state == noticeSending {
		n.state, n.lastError, n.leaseUntil = noticePending, cause, time.Time{}
	}
	return nil
}

// Notice returns the notice with the registration and event as they are now.
func (s *Store) Notice(ctx context.Context, id string) (convening.Notice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return convening.Notice{}, err
	}
	n, ok := s.notices[id]
	if !ok {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	reg, ev := s.registrations[n.registrationID], s.events[n.eventID]
	if reg == nil || ev == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: registration or event is missing", id)
	}
	r := s.withPosition(clone(*reg))
	position := 0
	if convening.NoticeKind(n.kind) == convening.NoticeWaitlisted && r.WaitlistPosition != nil {
		position = *r.WaitlistPosition
	}
	return convening.Notice{
		ID: n.id, Kind: convening.NoticeKind(n.kind), RegistrationID: n.registrationID,
		To: r.Contact, Organization: r.Organization, Members: r.Members, Seats: r.Seats,
		WaitlistPosition: position, Event: ev.Summary(), CreatedAt: n.createdAt,
	}, nil
}

// UnsentNotices returns the ids of up to limit unsent notices created
// before before, oldest first.
func (s *Store) UnsentNotices(ctx context.Context, before time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var unsent []*notice
	for _, n := range s.notices {
		if n.state != noticeSent && n.createdAt.Before(before) {
			unsent = append(unsent, n)
		}
	}
	slices.SortFunc(unsent, func(a, b *notice) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	var ids []string
	for _, n := range unsent[:min(limit, len(unsent))] {
		ids = append(ids, n.id)
	}
	return ids, nil
}
