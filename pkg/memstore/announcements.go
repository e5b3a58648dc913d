package memstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// announcements are the staff's announcements, their recipients' pages,
// the content keys that refuse a second send, and test sends; the zero
// value is empty.
type announcements struct {
	byEvent map[string]map[string]convening.Announcement // event id -> announcement id -> announcement
	pages   map[string][]convening.RecipientPage         // announcement id -> pages in order
	keys    map[string]contentKey                        // event id + content key -> its use
	tests   map[string]convening.AnnouncementTest        // test id -> test
}

type contentKey struct {
	announcementID string
	sentAt         time.Time
}

func (a *announcements) init() {
	if a.byEvent == nil {
		a.byEvent, a.pages, a.keys, a.tests = map[string]map[string]convening.Announcement{},
			map[string][]convening.RecipientPage{}, map[string]contentKey{}, map[string]convening.AnnouncementTest{}
	}
}

// ActiveRegistrations returns every active registration of an event, as
// it is now.
func (s *Store) ActiveRegistrations(ctx context.Context, eventID string) ([]convening.Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return nil, convening.ErrEventNotFound
	}
	var out []convening.Registration
	for _, id := range ev.regs {
		if r := s.registrations[id]; r.Status.Active() {
			out = append(out, clone(*r))
		}
	}
	return out, nil
}

// CreateAnnouncement writes an announcement with its pages and audit
// record, unless one with its id exists (answered, with true) or its
// content was sent since w.NotBefore (a conflict).
func (s *Store) CreateAnnouncement(ctx context.Context, w convening.AnnouncementWrite) (convening.Announcement, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Announcement{}, false, err
	}
	a := w.Announcement
	if _, ok := s.events[a.EventID]; !ok {
		return convening.Announcement{}, false, convening.ErrEventNotFound
	}
	s.ann.init()
	if old, ok := s.ann.byEvent[a.EventID][a.ID]; ok {
		return cloneAnnouncement(old), true, nil
	}
	if w.ContentKey != "" {
		if k, ok := s.ann.keys[a.EventID+"/"+w.ContentKey]; ok && !k.sentAt.Before(w.NotBefore) {
			return convening.Announcement{}, false, errDuplicate(k.sentAt)
		}
		s.ann.keys[a.EventID+"/"+w.ContentKey] = contentKey{announcementID: a.ID, sentAt: a.SentAt}
	}
	if s.ann.byEvent[a.EventID] == nil {
		s.ann.byEvent[a.EventID] = map[string]convening.Announcement{}
	}
	a.Delivery = nil
	s.ann.byEvent[a.EventID][a.ID] = a
	pages := make([]convening.RecipientPage, len(w.Pages))
	for i, p := range w.Pages {
		pages[i] = clonePage(p)
	}
	s.ann.pages[a.ID] = pages
	s.audit = append(s.audit, w.Audit)
	return cloneAnnouncement(a), false, nil
}

// errDuplicate refuses an announcement whose content was sent at.
func errDuplicate(at time.Time) error {
	return convening.NewError(convening.ECONFLICT, convening.ReasonAnnouncementDuplicate,
		"The same announcement went out to the same lists %s; it is not sent twice.", convening.When(at, time.Time{}))
}

// WriteChunk writes a chunk's notices and audit records and moves its
// page on, if the page is as the chunk read it.
func (s *Store) WriteChunk(ctx context.Context, c convening.Chunk) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return false, err
	}
	s.ann.init()
	pages := s.ann.pages[c.Page.AnnouncementID]
	i := slices.IndexFunc(pages, func(p convening.RecipientPage) bool { return p.Number == c.Page.Number })
	if i < 0 {
		return false, fmt.Errorf("write chunk: announcement %s has no page %d", c.Page.AnnouncementID, c.Page.Number)
	}
	if pages[i].Written != c.Page.Written {
		return false, nil
	}
	for _, n := range c.Notices {
		if _, exists := s.notices[n.ID]; exists {
			return false, fmt.Errorf("write chunk: notice %s exists", n.ID)
		}
	}
	if _, ok := s.ann.byEvent[c.Page.EventID][c.Page.AnnouncementID]; !ok {
		return false, fmt.Errorf("write chunk: announcement %s is missing", c.Page.AnnouncementID)
	}
	for _, n := range c.Notices {
		s.addSpec(n, c.Page.EventID, c.At)
	}
	s.audit = append(s.audit, c.Audit...)
	pages[i].Written = c.Through
	return true, nil
}

// PutAnnouncementTest stores a test send and its notice.
func (s *Store) PutAnnouncementTest(ctx context.Context, t convening.AnnouncementTest, n convening.NoticeSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	s.ann.init()
	s.ann.tests[t.ID] = t
	s.addSpec(n, t.EventID, t.SentAt)
	return nil
}

// Announcement returns one announcement of an event.
func (s *Store) Announcement(ctx context.Context, eventID, id string) (convening.Announcement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Announcement{}, err
	}
	a, ok := s.ann.byEvent[eventID][id]
	if !ok {
		return convening.Announcement{}, convening.NewError(convening.ENOTFOUND, convening.ReasonAnnouncementUnknown, "No announcement with that id.")
	}
	return cloneAnnouncement(a), nil
}

// Announcements lists an event's announcements, newest first.
func (s *Store) Announcements(ctx context.Context, eventID string) ([]convening.Announcement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.Announcement
	for _, a := range s.ann.byEvent[eventID] {
		out = append(out, cloneAnnouncement(a))
	}
	slices.SortFunc(out, func(a, b convening.Announcement) int {
		return cmp.Or(b.SentAt.Compare(a.SentAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// RecipientPages returns an announcement's pages in order.
func (s *Store) RecipientPages(ctx context.Context, a convening.Announcement) ([]convening.RecipientPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.RecipientPage
	for _, p := range s.ann.pages[a.ID] {
		out = append(out, clonePage(p))
	}
	return out, nil
}

// PendingPages returns up to limit pages not all written, oldest first.
func (s *Store) PendingPages(ctx context.Context, limit int) ([]convening.RecipientPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.RecipientPage
	for _, id := range slices.Sorted(maps.Keys(s.ann.pages)) {
		for _, p := range s.ann.pages[id] {
			if !p.Done() {
				out = append(out, clonePage(p))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b convening.RecipientPage) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out[:min(limit, len(out))], nil
}

// NoticeStates returns the state of each notice named that exists.
func (s *Store) NoticeStates(ctx context.Context, ids []string) (map[string]convening.NoticeState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := map[string]convening.NoticeState{}
	for _, id := range ids {
		if n, ok := s.notices[id]; ok {
			out[id] = n.State
		}
	}
	return out, nil
}

// announcementNotice fills a notice of an announcement, a reminder or a
// test send; the caller holds the lock.
func (s *Store) announcementNotice(n *notice, ev *event) (convening.Notice, error) {
	if n.SubjectKind == convening.SubjectAnnouncement {
		t, ok := s.ann.tests[n.SubjectID]
		if !ok {
			return convening.Notice{}, fmt.Errorf("notice %s: its test is missing: %w", n.ID, convening.ErrNoticeNotFound)
		}
		var sample *convening.Registration
		if t.Sample != nil {
			if r, ok := s.registrations[t.Sample.RegistrationID]; ok {
				c := clone(*r)
				sample = &c
			}
		}
		return convening.AnnouncementTestNotice(n.record(), t, sample, ev.Event), nil
	}
	a, ok := s.ann.byEvent[n.EventID][n.AnnouncementID]
	reg := s.registrations[n.SubjectID]
	if !ok || reg == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: its announcement or registration is missing", n.ID)
	}
	var reminder *convening.Reminder
	if i := slices.IndexFunc(ev.Reminders, func(r convening.Reminder) bool { return r.ID == a.ReminderID }); i >= 0 {
		reminder = &ev.Reminders[i]
	}
	return convening.AnnouncementNotice(n.record(), a, clone(*reg), ev.Event, reminder), nil
}

func cloneAnnouncement(a convening.Announcement) convening.Announcement {
	a.Audience = slices.Clone(a.Audience)
	a.Delivery = nil
	return a
}

func clonePage(p convening.RecipientPage) convening.RecipientPage {
	p.Teams = slices.Clone(p.Teams)
	for i := range p.Teams {
		p.Teams[i].Members = slices.Clone(p.Teams[i].Members)
	}
	return p
}

// cloneAnswers copies answers, so that callers never share them with the
// store.
func cloneAnswers(as convening.Answers) convening.Answers {
	if as == nil {
		return nil
	}
	out := make(convening.Answers, len(as))
	for k, a := range as {
		a.Choices = slices.Clone(a.Choices)
		if a.Yes != nil {
			yes := *a.Yes
			a.Yes = &yes
		}
		out[k] = a
	}
	return out
}
