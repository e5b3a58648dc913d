package convening

import (
	"context"
	"time"
)

// HoldService is the sweep of holds, which the promoter's schedule runs
// every few minutes: the reminders owed before an offer's or an
// invitation's deadline, the reminder to members of a statement who have
// not confirmed, and the lapse of offers and invitations past their
// deadlines (whose seats then go to the next team: promotion, or the
// automatic invitation of the shortlist).
type HoldService struct {
	Basics
	store       HoldStorage
	promotion   *PromotionService
	invitations invitations
}

// HoldStorage is what HoldService needs of storage.
type HoldStorage interface {
	Holds
	RegistrationUpdater
	StatementUpdater
	StatementLister
	EventReader
	Promoter
	AccountUpdater
}

// NewHoldService returns the sweep of holds over store.
func NewHoldService(b Basics, store HoldStorage) *HoldService {
	return &HoldService{Basics: b, store: store, promotion: NewPromotionService(b, store),
		invitations: invitations{Basics: b, store: store}}
}

// SweepHolds acts on every hold that is due: it sends the reminders owed
// and lapses the holds past their deadlines (whose seats then go to the
// next team). It reports how many holds it acted on. It is safe to run any
// number of times, at once.
func (s *HoldService) SweepHolds(ctx context.Context) (int, error) {
	now := s.Now()
	due, err := s.store.DueHolds(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	acted := 0
	events := map[string]bool{}
	for _, h := range due {
		var err error
		switch h.Due(now) {
		case HoldRemind:
			n := NoticeSpec{ID: s.NewID(), Kind: h.Kind.reminder(), SubjectID: h.SubjectID}
			if h.Kind == HoldInvitation {
				n.SubjectKind = SubjectStatement
			}
			err = s.store.RemindHold(ctx, h, n, now)
		case HoldLapse:
			err = s.lapse(ctx, h, now)
			events[h.EventID] = true
		default:
			continue
		}
		switch {
		case err == nil:
			acted++
		case ErrorReason(err) == ReasonBusy:
			// Answered, lapsed or reminded meanwhile: nothing to do.
		default:
			s.Log.WarnContext(ctx, "hold not swept; the next sweep retries", "subject", h.SubjectID, "error", err)
		}
	}
	for id := range events {
		s.promotion.promoteAfter(ctx, id) // the lapsed seats go to the next team
	}
	return acted, nil
}

// lapse acts on a hold at its deadline: an offer or an invitation lapses
// (an invitation's seats go to the next shortlisted team, if the event
// invites automatically); the members who have not confirmed a statement
// are reminded.
func (s *HoldService) lapse(ctx context.Context, h Hold, now time.Time) error {
	switch h.Kind {
	case HoldOffer:
		_, err := s.store.UpdateRegistration(ctx, h.SubjectID, ReadEvent, DecideLapseOffer(s.NewID(), s.NewID(), now))
		return err
	case HoldConfirmation:
		_, err := s.store.UpdateStatement(ctx, h.SubjectID, DecideMembersReminder(s.NewID(), now, s.NewID))
		return err
	}
	if _, err := s.store.UpdateStatement(ctx, h.SubjectID, DecideInvitationLapse(s.NewID(), s.NewID(), now)); err != nil {
		return err
	}
	s.invitations.autoInvite(ctx, h.EventID, "an invitation lapsed")
	return nil
}
