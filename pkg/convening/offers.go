package convening

import (
	"context"
	"time"
)

// Reasons of waiting-list offers.
const (
	ReasonOfferExpired Reason = "offer_expired" // ECONFLICT: the offer lapsed before it was accepted
	ReasonNoOffer      Reason = "no_offer"      // ECONFLICT: the registration has no offer to accept
)

// PromotionOf says what promotion makes of a waitlisted team: registered at
// once, or (on an event with waiting-list offers) offered its seats until
// a deadline, with the hold that keeps them.
func PromotionOf(e Event, w WaitlistEntry, now time.Time) (Status, *Offer, *Hold) {
	if e.WaitlistOffers == nil {
		return StatusRegistered, nil, nil
	}
	by := now.Add(time.Duration(e.WaitlistOffers.RespondWithinHours) * time.Hour)
	return StatusOffered, &Offer{Seats: w.Seats, RespondBy: by, OfferedAt: now},
		&Hold{Kind: HoldOffer, SubjectID: w.RegistrationID, EventID: e.ID, Seats: w.Seats, RespondBy: by, CreatedAt: now}
}

// DecideAcceptOffer registers an offered team that accepts in time; the
// team gets the registered email with its calendar invitation. Accepting
// twice answers the registration as it is.
func DecideAcceptOffer(auditID, noticeID string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		switch {
		case reg.Status == StatusRegistered && reg.Offer != nil:
			return RegistrationChange{}, errAlreadyDone
		case reg.Status == StatusExpired, reg.Status == StatusOffered && !now.Before(reg.Offer.RespondBy):
			return RegistrationChange{}, conflict(ReasonOfferExpired, "The offer to %s lapsed on %s.", reg.Organization.Name, When(reg.Offer.RespondBy, time.Time{}))
		case reg.Status != StatusOffered:
			return RegistrationChange{}, conflict(ReasonNoOffer, "%s has no offer to accept.", reg.Organization.Name)
		}
		c := startChange(reg, AuditOfferAccepted, TeamActor, auditID, "", now)
		c.After.Status, c.After.PromotedAt = StatusRegistered, &now
		c.ReleaseHold = true
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticeRegistered, SubjectID: reg.ID}}
		return c.finish(reg), nil
	}
}

// errAlreadyDone tells UpdateRegistration's caller that the change was made
// before: nothing to write, answer the registration as it is.
var errAlreadyDone = NewError(ECONFLICT, "already_done", "already done")

// DecideLapseOffer lapses an offer not accepted by its deadline: the seats
// go back (to the next team) and the team is told how to rejoin.
func DecideLapseOffer(auditID, noticeID string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if reg.Status != StatusOffered || now.Before(reg.Offer.RespondBy) {
			return RegistrationChange{}, ErrHoldMoved
		}
		c := startChange(reg, AuditOfferExpired, SystemActor, auditID, "", now)
		c.After.Status = StatusExpired
		c.ReleaseHold = true
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticeOfferExpired, SubjectID: reg.ID}}
		return c.finish(reg), nil
	}
}

// AcceptOffer registers an offered team, for the holder of its manage
// token. Errors: ENOTFOUND, ECONFLICT (ReasonOfferExpired, ReasonNoOffer).
func (s *Service) AcceptOffer(ctx context.Context, id, token string) (Registration, error) {
	if !s.authorized(id, token) {
		return Registration{}, ErrRegistrationNotFound
	}
	reg, err := s.Store.UpdateRegistration(ctx, id, ReadEvent, DecideAcceptOffer(s.NewID(), s.NewID(), s.Now()))
	if err != nil && ErrorReason(err) == "already_done" {
		return s.Store.Registration(ctx, id)
	}
	return reg, err
}

// SweepHolds acts on every hold that is due: it sends the reminders owed
// and lapses the holds past their deadlines (whose seats then go to the
// next team). It reports how many holds it acted on. The promoter runs it
// every few minutes; it is safe to run any number of times, at once.
func (s *Service) SweepHolds(ctx context.Context) (int, error) {
	store, ok := s.Store.(Holds)
	if !ok {
		return 0, NewError(EINTERNAL, ReasonInternal, "the store keeps no holds")
	}
	now := s.Now()
	due, err := store.DueHolds(ctx, now, 100)
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
			err = store.RemindHold(ctx, h, n, now)
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
		s.promote(ctx, id) // the lapsed seats go to the next team
	}
	return acted, nil
}

// lapse ends a hold past its deadline.
func (s *Service) lapse(ctx context.Context, h Hold, now time.Time) error {
	switch h.Kind {
	case HoldOffer:
		_, err := s.Store.UpdateRegistration(ctx, h.SubjectID, ReadEvent, DecideLapseOffer(s.NewID(), s.NewID(), now))
		return err
	}
	return s.lapseInvitation(ctx, h, now)
}
