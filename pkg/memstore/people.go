package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// limitCount is the requests counted against one limit in its window.
type limitCount struct {
	count int
	until time.Time
}

// addPeople files the registration or statement under each person key;
// the caller holds the lock.
func (s *Store) addPeople(keys []string, kind convening.SubjectKind, subjectID string) {
	ref := convening.LinkRef{SubjectKind: kind, SubjectID: subjectID}
	for _, k := range keys {
		if !slices.Contains(s.people[k], ref) {
			s.people[k] = append(s.people[k], ref)
		}
	}
}

// PersonSubjects returns the registrations and statements filed under the
// person, newest first.
func (s *Store) PersonSubjects(ctx context.Context, personKey string) ([]convening.LinkRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	refs := slices.Clone(s.people[personKey])
	slices.Reverse(refs)
	if len(refs) > convening.MaxPersonSubjects {
		refs = refs[:convening.MaxPersonSubjects]
	}
	return refs, nil
}

// RequestLinks counts a request against its limits and writes its notice,
// unless a limit is reached.
func (s *Store) RequestLinks(ctx context.Context, req convening.LinkRequest) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return false, err
	}
	for _, l := range req.Limits {
		if c, ok := s.limits[l.Key]; ok && req.At.Before(c.until) && c.count >= l.Max {
			return false, nil
		}
	}
	for _, l := range req.Limits {
		c := s.limits[l.Key]
		if !req.At.Before(c.until) {
			c = limitCount{until: l.Until}
		}
		c.count++
		s.limits[l.Key] = c
	}
	if req.Notice != nil {
		s.addSpec(*req.Notice, req.EventID, req.At)
	}
	return true, nil
}

// AddNotices writes the members' own emails a contact's notice brings,
// each unless it is there already.
func (s *Store) AddNotices(ctx context.Context, eventID string, notices []convening.NoticeSpec, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	for _, n := range notices {
		if _, ok := s.notices[n.ID]; !ok {
			s.addSpec(n, eventID, at)
		}
	}
	return nil
}

// linksNotice fills a person's links notice; the caller holds the lock.
func (s *Store) linksNotice(rec convening.NoticeRecord) (convening.Notice, error) {
	var subjects []convening.LinkSubject
	for _, ref := range rec.Links {
		sub := convening.LinkSubject{Ref: ref}
		var eventID string
		if ref.SubjectKind == convening.SubjectStatement {
			st, ok := s.statements[ref.SubjectID]
			if !ok {
				continue
			}
			c := cloneStatement(*st)
			sub.Statement, eventID = &c, st.EventID
		} else {
			reg, ok := s.registrations[ref.SubjectID]
			if !ok {
				continue
			}
			c := clone(*reg)
			sub.Registration, eventID = &c, reg.EventID
		}
		ev, ok := s.events[eventID]
		if !ok {
			continue
		}
		sub.Event = ev.Event
		subjects = append(subjects, sub)
	}
	n, err := convening.LinksNotice(rec, subjects)
	if err != nil {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", rec.ID, err)
	}
	return n, nil
}
