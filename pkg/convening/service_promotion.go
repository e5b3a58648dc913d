package convening

import "context"

// PromotionService moves waitlisted teams into free seats: the promoter
// function runs it when an event's stream record shows free seats and a
// waiting list, and every service whose change may free seats runs it
// before it answers.
type PromotionService struct {
	Basics
	store PromotionStorage
}

// PromotionStorage is what PromotionService needs of storage: promotion,
// and the accounts of the teams it registers (invoiced as any team that
// takes seats).
type PromotionStorage interface {
	Promoter
	AccountUpdater
}

// NewPromotionService returns promotion over store.
func NewPromotionService(b Basics, store PromotionStorage) *PromotionService {
	return &PromotionService{Basics: b, store: store}
}

// Promote moves waitlisted teams into the event's free seats, as its
// policy plans and DecidePromotions decides, and returns them.
func (s *PromotionService) Promote(ctx context.Context, eventID string) ([]Registration, error) {
	decide := DecidePromotions(s.Now(), s.NewID)
	free := false // the event as promotion read it has no fee policy
	promotions, err := s.store.Promote(ctx, eventID, func(e Event, planned []WaitlistEntry) ([]Promotion, Counts) {
		free = e.NoFeePolicy
		return decide(e, planned)
	})
	promoted := make([]Registration, len(promotions))
	for i, p := range promotions {
		promoted[i] = p.Registration()
		if promoted[i].Status == StatusRegistered && !free {
			invoiceAfter(ctx, s.Basics, s.store, SystemActor, promoted[i])
		}
	}
	return promoted, err
}

// promoteAfter runs promotion after a change that may have freed seats,
// and reports whether it promoted anyone. A failure is logged, not
// returned: the change itself is done, and the stream-driven promoter
// repairs a missed promotion within seconds.
func (s *PromotionService) promoteAfter(ctx context.Context, eventID string) bool {
	promoted, err := s.Promote(ctx, eventID)
	if err != nil {
		s.Log.WarnContext(ctx, "promotion deferred to the stream", "event", eventID, "error", err)
	}
	for _, r := range promoted {
		s.Log.InfoContext(ctx, "promoted from the waiting list", "event", eventID, "registration", r.ID, "seats", r.Seats)
	}
	return len(promoted) > 0
}
