package memstore

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// surveys are the events' surveys: each survey, its invitations (the
// people), the separate records that a person has answered, and the
// responses, which name no one. The zero value is empty.
type surveys struct {
	byEvent     map[string]*convening.Survey
	invitations map[string]map[string]*convening.SurveyInvitation // event, person
	answered    map[string]map[string]time.Time                   // event, person: the "answered" records
	responses   map[string]map[string]*convening.SurveyResponse   // event, response id
}

func (v *surveys) init() {
	if v.byEvent == nil {
		v.byEvent = map[string]*convening.Survey{}
		v.invitations = map[string]map[string]*convening.SurveyInvitation{}
		v.answered = map[string]map[string]time.Time{}
		v.responses = map[string]map[string]*convening.SurveyResponse{}
	}
}

func cloneSurvey(sv convening.Survey) convening.Survey {
	sv.SentAt, sv.ClosesAt = copied(sv.SentAt), copied(sv.ClosesAt)
	sv.Items = slices.Clone(sv.Items)
	for i := range sv.Items {
		sv.Items[i].Choices = slices.Clone(sv.Items[i].Choices)
	}
	sv.ReminderDays = slices.Clone(sv.ReminderDays)
	return sv
}

func cloneResponse(r convening.SurveyResponse) convening.SurveyResponse {
	r.Answers = maps.Clone(r.Answers)
	for k, a := range r.Answers {
		a.Choices = slices.Clone(a.Choices)
		r.Answers[k] = a
	}
	r.Published = maps.Clone(r.Published)
	return r
}

// invitation returns a copy with the person's "answered" record; the
// caller holds the lock.
func (s *Store) invitation(inv *convening.SurveyInvitation) convening.SurveyInvitation {
	out := *inv
	out.NextReminderAt, out.ErasedAt = copied(inv.NextReminderAt), copied(inv.ErasedAt)
	if at, ok := s.surveys.answered[inv.EventID][inv.PersonID]; ok {
		out.AnsweredAt = &at
	}
	return out
}

// Survey returns an event's survey. Errors: ENOTFOUND.
func (s *Store) Survey(ctx context.Context, eventID string) (convening.Survey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Survey{}, err
	}
	s.surveys.init()
	sv, ok := s.surveys.byEvent[eventID]
	if !ok {
		return convening.Survey{}, convening.NewError(convening.ENOTFOUND, convening.ReasonSurveyUnknown, "The event has no survey yet.")
	}
	return cloneSurvey(*sv), nil
}

// UpdateSurvey decides a change of an event's survey from the survey and
// the event, and keeps it with its audit record; the counters stay the
// store's.
func (s *Store) UpdateSurvey(ctx context.Context, eventID string, decide convening.SurveyDecision) (convening.Survey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Survey{}, err
	}
	s.surveys.init()
	ev, ok := s.events[eventID]
	if !ok {
		return convening.Survey{}, convening.ErrEventNotFound
	}
	var cur *convening.Survey
	if sv, ok := s.surveys.byEvent[eventID]; ok {
		c := cloneSurvey(*sv)
		cur = &c
	}
	c, err := decide(cur, ev.Event)
	if err != nil {
		return convening.Survey{}, err
	}
	after := cloneSurvey(c.After)
	after.EventID = eventID
	after.Invited, after.Answered = 0, 0
	if cur != nil {
		after.Invited, after.Answered = cur.Invited, cur.Answered
	}
	s.surveys.byEvent[eventID] = &after
	s.audit = append(s.audit, c.Audit)
	return cloneSurvey(after), nil
}

// InviteToSurvey keeps each invitation not already there, with its notice.
func (s *Store) InviteToSurvey(ctx context.Context, eventID string, invites []convening.SurveyInvite, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	s.surveys.init()
	sv, ok := s.surveys.byEvent[eventID]
	if !ok {
		return 0, convening.ErrSurveyNotFound
	}
	people := s.surveys.invitations[eventID]
	if people == nil {
		people = map[string]*convening.SurveyInvitation{}
		s.surveys.invitations[eventID] = people
	}
	n := 0
	for _, in := range invites {
		inv := in.Invitation
		if _, ok := people[inv.PersonID]; ok {
			continue
		}
		inv.AnsweredAt = nil
		people[inv.PersonID] = &inv
		s.addSpec(in.Notice, eventID, now)
		n++
	}
	sv.Invited += n
	return n, nil
}

// SurveyInvitation returns one person's invitation. Errors: ENOTFOUND.
func (s *Store) SurveyInvitation(ctx context.Context, eventID, personID string) (convening.SurveyInvitation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.SurveyInvitation{}, err
	}
	s.surveys.init()
	inv, ok := s.surveys.invitations[eventID][personID]
	if !ok {
		return convening.SurveyInvitation{}, convening.ErrSurveyNotFound
	}
	return s.invitation(inv), nil
}

// SurveyInvitations returns an event's invitations (or one
// registration's), in the order of their people's ids.
func (s *Store) SurveyInvitations(ctx context.Context, eventID, registrationID string) ([]convening.SurveyInvitation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.surveys.init()
	var out []convening.SurveyInvitation
	for _, inv := range s.surveys.invitations[eventID] {
		if registrationID == "" || strings.HasPrefix(inv.PersonID, registrationID+".") {
			out = append(out, s.invitation(inv))
		}
	}
	slices.SortFunc(out, func(a, b convening.SurveyInvitation) int { return cmp.Compare(a.PersonID, b.PersonID) })
	return out, nil
}

// EraseSurveyInvitations removes the names and addresses of an event's
// invitations (or one registration's) and their reminders.
func (s *Store) EraseSurveyInvitations(ctx context.Context, eventID, registrationID string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	s.surveys.init()
	n := 0
	for _, inv := range s.surveys.invitations[eventID] {
		if inv.ErasedAt != nil || (registrationID != "" && !strings.HasPrefix(inv.PersonID, registrationID+".")) {
			continue
		}
		inv.Name, inv.Email, inv.OrganizationName = "", "", ""
		inv.NextReminderAt, inv.ErasedAt = nil, &now
		n++
	}
	return n, nil
}

// AnswerSurvey keeps the response and the person's "answered" record
// together, once.
func (s *Store) AnswerSurvey(ctx context.Context, a convening.SurveyAnswerWrite) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	s.surveys.init()
	inv, ok := s.surveys.invitations[a.EventID][a.PersonID]
	if !ok || inv.ErasedAt != nil {
		return convening.ErrSurveyNotFound
	}
	if _, done := s.surveys.answered[a.EventID][a.PersonID]; done {
		return convening.ErrSurveyAnswered
	}
	sv, ok := s.surveys.byEvent[a.EventID]
	if !ok || sv.State(a.At) != convening.SurveyOpen {
		return convening.ErrSurveyClosed
	}
	if s.surveys.answered[a.EventID] == nil {
		s.surveys.answered[a.EventID] = map[string]time.Time{}
		s.surveys.responses[a.EventID] = map[string]*convening.SurveyResponse{}
	}
	s.surveys.answered[a.EventID][a.PersonID] = a.At
	r := cloneResponse(a.Response)
	r.EventID = a.EventID
	s.surveys.responses[a.EventID][r.ID] = &r
	sv.Answered++
	inv.NextReminderAt = nil
	return nil
}

// SurveyResponses returns an event's responses, by id.
func (s *Store) SurveyResponses(ctx context.Context, eventID string) ([]convening.SurveyResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.surveys.init()
	out := []convening.SurveyResponse{}
	for _, r := range s.surveys.responses[eventID] {
		out = append(out, cloneResponse(*r))
	}
	slices.SortFunc(out, func(a, b convening.SurveyResponse) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// PublishSurveyComment marks a text answer for publication, or not.
func (s *Store) PublishSurveyComment(ctx context.Context, eventID, responseID, itemID string, published bool, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	s.surveys.init()
	r, ok := s.surveys.responses[eventID][responseID]
	if !ok || r.Answers[itemID].Text == "" {
		return convening.ErrCommentUnknown
	}
	if r.Published == nil {
		r.Published = map[string]bool{}
	}
	if published {
		r.Published[itemID] = true
	} else {
		delete(r.Published, itemID)
	}
	s.audit = append(s.audit, audit)
	return nil
}

// DueSurveyReminders returns up to limit invitations whose reminder is
// due, the longest due first.
func (s *Store) DueSurveyReminders(ctx context.Context, now time.Time, limit int) ([]convening.SurveyInvitation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	s.surveys.init()
	var due []convening.SurveyInvitation
	for _, people := range s.surveys.invitations {
		for _, inv := range people {
			if inv.NextReminderAt != nil && !inv.NextReminderAt.After(now) {
				due = append(due, s.invitation(inv))
			}
		}
	}
	slices.SortFunc(due, func(a, b convening.SurveyInvitation) int {
		return cmp.Or(a.NextReminderAt.Compare(*b.NextReminderAt), cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.PersonID, b.PersonID))
	})
	return due[:min(limit, len(due))], nil
}

// RemindSurvey writes the reminder (if any) and files the invitation by
// its next, unless the invitation changed since inv was read.
func (s *Store) RemindSurvey(ctx context.Context, inv convening.SurveyInvitation, notice *convening.NoticeSpec, next *time.Time, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	s.surveys.init()
	cur, ok := s.surveys.invitations[inv.EventID][inv.PersonID]
	if !ok || cur.Reminded != inv.Reminded || cur.NextReminderAt == nil || inv.NextReminderAt == nil ||
		!cur.NextReminderAt.Equal(*inv.NextReminderAt) {
		return convening.ErrReminderMoved
	}
	if notice != nil {
		cur.Reminded++
		s.addSpec(*notice, inv.EventID, now)
	}
	cur.NextReminderAt = copied(next)
	return nil
}

// surveyNotice is a survey notice's email, from the invitation, its event
// and survey; the caller holds the lock.
func (s *Store) surveyNotice(n *notice) (convening.Notice, error) {
	s.surveys.init()
	inv, ok := s.surveys.invitations[n.EventID][n.SubjectID]
	sv, hasSurvey := s.surveys.byEvent[n.EventID]
	ev := s.events[n.EventID]
	if !ok || !hasSurvey || ev == nil {
		return convening.Notice{}, convening.ErrNoticeNotFound
	}
	return convening.SurveyNotice(n.NoticeRecord, s.invitation(inv), ev.Event, cloneSurvey(*sv))
}
