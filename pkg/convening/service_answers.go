package convening

import (
	"context"
	"strings"
)

// ChangeAnswers changes a registration's answers to the event's questions
// (the team's and its members'), for the holder of its manage token: one
// conditional transaction, audited as the team. Errors: ENOTFOUND (or a
// wrong token), EINVALID (naming each answer at fault), ECONFLICT
// (ReasonNotActive, ReasonEventOver), EUNAVAILABLE.
func (s *RegistrationService) ChangeAnswers(ctx context.Context, id, token string, change AnswersChange) (Registration, error) {
	if !authorized(s.tokens, id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	return s.store.UpdateRegistration(ctx, id, ReadEvent, DecideAnswers(TeamActor, s.NewID(), change, "", s.Now()))
}

// StaffChangeAnswers changes a team's answers on its behalf (it asked staff to),
// for a reason the audit log keeps. Errors: those of
// RegistrationService.ChangeAnswers, and EINVALID (reason).
func (s *StaffService) StaffChangeAnswers(ctx context.Context, actor Actor, id string, change AnswersChange, reason string) (Registration, error) {
	return staffChange(ctx, s.store, id, reason, ReadEvent, DecideAnswers(actor, s.NewID(), change, strings.TrimSpace(reason), s.Now()))
}

// ExpireSensitiveAnswers erases the answers to sensitive questions
// (health, accessibility) of every registration of the events that ended
// more than RetainSensitiveAfterEvent ago and whose people are not erased
// yet (which erases every answer), and reports how many registrations it
// changed. The retention function runs it daily; it is safe to run any
// number of times.
func (s *PrivacyService) ExpireSensitiveAnswers(ctx context.Context) (int, error) {
	now := s.Now()
	events, err := s.store.Events(ctx)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, e := range events {
		if e.PersonalDataErasedAt != nil || now.Sub(e.EndsAt) < RetainSensitiveAfterEvent || !hasSensitive(e) && !e.hadQuestions() {
			continue
		}
		for _, list := range RosterLists {
			_, regs, err := allRegistrations(ctx, s.store, e.ID, list)
			if err != nil {
				return changed, err
			}
			for _, r := range regs {
				if _, had := r.WithoutSensitiveAnswers(); !had {
					continue
				}
				if _, err := s.store.UpdateRegistration(ctx, r.ID, ReadRegistration, DecideEraseSensitiveAnswers(s.NewID(), now)); err != nil {
					return changed, err
				}
				changed++
			}
		}
	}
	return changed, nil
}

// hasSensitive reports whether the event asks a sensitive question.
func hasSensitive(e Event) bool {
	for _, q := range e.Questions {
		if q.Sensitive {
			return true
		}
	}
	return false
}

// hadQuestions: answers outlive their questions (staff may remove a
// question after teams answered it), so an event without questions now
// may still hold sensitive answers; it is read unless it never had any
// registration.
func (e Event) hadQuestions() bool { return e.RegisteredTeams+e.WaitlistLength > 0 || e.SeatsHeld > 0 }
