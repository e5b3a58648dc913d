package convening

import (
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
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticeRegistered, SubjectID: reg.ID, Fanout: welcomeEveryMember}}
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
