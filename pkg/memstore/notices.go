package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// addSpec records a notice as a change specifies it (about a registration
// or a statement, to its contact or one member); the caller holds the
// lock.
func (s *Store) addSpec(n convening.NoticeSpec, eventID string, now time.Time) {
	s.notices[n.ID] = &notice{NoticeRecord: convening.NoticeRecord{ID: n.ID, Kind: n.Kind, SubjectID: n.SubjectID, EventID: eventID,
		SubjectKind: n.SubjectKind, MemberID: n.MemberID, AboutMemberID: n.AboutMemberID, Fanout: slices.Clone(n.Fanout), Links: slices.Clone(n.Links),
		AnnouncementID: n.AnnouncementID, State: convening.NoticePending, CreatedAt: now}, due: now.Add(convening.NoticeSweepDelay),
		position: n.Position}
}

// ClaimNotice leases a due notice to one sender.
func (s *Store) ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	n, ok := s.notices[id]
	switch {
	case !ok:
		return 0, fmt.Errorf("claim notice %s: %w", id, convening.ErrNoticeNotFound)
	case n.State == convening.NoticeSent || n.State == convening.NoticeFailed:
		return 0, convening.ErrNoticeDone
	case n.State == convening.NoticeSending && !n.leaseUntil.Before(now),
		n.State == convening.NoticePending && n.retryAt.After(now):
		return 0, convening.ErrNoticeBusy
	}
	n.State, n.leaseUntil, n.due = convening.NoticeSending, now.Add(lease), now.Add(lease)
	n.Attempts++
	return n.Attempts, nil
}

// MarkNoticeSent records that the notice went out.
func (s *Store) MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	n, ok := s.notices[id]
	if !ok {
		return fmt.Errorf("mark notice %s sent: %w", id, convening.ErrNoticeNotFound)
	}
	n.State, n.MessageID, n.SentAt, n.leaseUntil = convening.NoticeSent, messageID, &now, time.Time{}
	return nil
}

// ReleaseNotice gives a lease back after a failed send; the notice is due
// again at retryAt.
func (s *Store) ReleaseNotice(ctx context.Context, id string, now, retryAt time.Time, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if n, ok := s.notices[id]; ok && n.State == convening.NoticeSending {
		n.State, n.Cause, n.leaseUntil, n.retryAt, n.due = convening.NoticePending, cause, time.Time{}, retryAt, retryAt
	}
	return nil
}

// FailNotice records that the notice cannot be sent as it is.
func (s *Store) FailNotice(ctx context.Context, id string, now time.Time, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	n, ok := s.notices[id]
	if !ok {
		return fmt.Errorf("fail notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	n.State, n.Cause, n.FailedAt, n.leaseUntil = convening.NoticeFailed, cause, &now, time.Time{}
	return nil
}

// Notice returns the notice with the registration and event as they are now.
func (s *Store) Notice(ctx context.Context, id string) (convening.Notice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Notice{}, err
	}
	n, ok := s.notices[id]
	if !ok {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	if n.SubjectKind == convening.SubjectPerson {
		return s.linksNotice(n.NoticeRecord)
	}
	ev := s.events[n.EventID]
	if n.AnnouncementID != "" && ev != nil {
		return s.announcementNotice(n, ev)
	}
	switch n.SubjectKind {
	case convening.SubjectInvoice:
		return s.invoiceNotice(n)
	case convening.SubjectSurvey:
		return s.surveyNotice(n)
	}
	if n.SubjectKind == convening.SubjectStatement {
		st := s.statements[n.SubjectID]
		if st == nil || ev == nil {
			return convening.Notice{}, fmt.Errorf("notice %s: statement or event is missing", id)
		}
		return convening.StatementNotice(n.NoticeRecord, cloneStatement(*st), ev.Event, n.MemberID)
	}
	reg := s.registrations[n.SubjectID]
	if reg == nil || ev == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: registration or event is missing", id)
	}
	r := s.withPosition(clone(*reg))
	position := 0
	switch {
	case n.Kind == convening.NoticeWaitlisted && n.position > 0 && r.WaitlistPosition != nil:
		position = n.position // as the DynamoDB store: the place its writer knew
	case r.WaitlistPosition != nil:
		position = *r.WaitlistPosition
	}
	return convening.RegistrationNotice(n.NoticeRecord, r, ev.Event, position)
}

// NoticeRecord returns a notice's delivery record.
func (s *Store) NoticeRecord(ctx context.Context, id string) (convening.NoticeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.NoticeRecord{}, err
	}
	n, ok := s.notices[id]
	if !ok {
		return convening.NoticeRecord{}, fmt.Errorf("notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	return n.record(), nil
}

// DueNotices returns the ids of up to limit notices due at now, the one
// due longest first.
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var due []*notice
	for _, n := range s.notices {
		if (n.State == convening.NoticePending || n.State == convening.NoticeSending) && !n.due.After(now) {
			due = append(due, n)
		}
	}
	slices.SortFunc(due, func(a, b *notice) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.ID, b.ID)) })
	var ids []string
	for _, n := range due[:min(limit, len(due))] {
		ids = append(ids, n.ID)
	}
	return ids, nil
}

// FailedNotices returns up to limit failed notices, the latest first.
func (s *Store) FailedNotices(ctx context.Context, limit int) ([]convening.NoticeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var failed []convening.NoticeRecord
	for _, n := range s.notices {
		if n.State == convening.NoticeFailed {
			failed = append(failed, n.record())
		}
	}
	slices.SortFunc(failed, func(a, b convening.NoticeRecord) int {
		return cmp.Or(b.FailedAt.Compare(*a.FailedAt), cmp.Compare(b.ID, a.ID))
	})
	return failed[:min(limit, len(failed))], nil
}

func (n *notice) record() convening.NoticeRecord {
	r := n.NoticeRecord
	if r.State == convening.NoticePending || r.State == convening.NoticeSending {
		due := n.due
		r.DueAt = &due
	}
	return r
}

// RegistrationNotices returns every notice of a registration, oldest first.
func (s *Store) RegistrationNotices(ctx context.Context, registrationID string) ([]convening.NoticeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.NoticeRecord
	for _, n := range s.notices {
		if n.SubjectID == registrationID {
			out = append(out, n.record())
		}
	}
	slices.SortFunc(out, func(a, b convening.NoticeRecord) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// NoticeByMessageID returns the sent notice SES accepted under messageID.
func (s *Store) NoticeByMessageID(ctx context.Context, messageID string) (convening.NoticeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.NoticeRecord{}, err
	}
	for _, n := range s.notices {
		// Only sent ones, as the DynamoDB store files only those by id.
		if messageID != "" && n.MessageID == messageID && n.State == convening.NoticeSent {
			return n.record(), nil
		}
	}
	return convening.NoticeRecord{}, fmt.Errorf("notice of message %s: %w", messageID, convening.ErrNoticeNotFound)
}

// FailSentNotice fails a sent notice, once.
func (s *Store) FailSentNotice(ctx context.Context, id string, now time.Time, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	n, ok := s.notices[id]
	switch {
	case !ok:
		return fmt.Errorf("fail sent notice %s: %w", id, convening.ErrNoticeNotFound)
	case n.State != convening.NoticeSent:
		return fmt.Errorf("fail sent notice %s: %w", id, convening.ErrNoticeDone)
	}
	n.State, n.Cause, n.FailedAt = convening.NoticeFailed, cause, &now
	return nil
}
