package convening

import (
	"context"
	"slices"
	"time"
)

// invitations invites the next shortlisted teams of an event that invites
// automatically when seats free up: after a team declines its invitation,
// staff decline an invited team, or an invitation lapses.
type invitations struct {
	Basics
	store invitationStorage
}

// invitationStorage is what automatic invitations need of storage.
type invitationStorage interface {
	EventReader
	StatementLister
	StatementUpdater
}

// autoInvite invites the next shortlisted teams, in shortlist order, while
// they fit, if the event asks for automatic invitations. A failure is
// logged: staff can invite by hand, and the next lapse tries again.
func (s invitations) autoInvite(ctx context.Context, eventID, why string) {
	e, err := s.store.Event(ctx, eventID)
	if err != nil || !e.AutoInvite {
		return
	}
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		s.Log.WarnContext(ctx, "automatic invitation deferred", "event", eventID, "error", err)
		return
	}
	var shortlist []Statement
	for _, st := range all {
		if st.Status == StatementShortlisted && st.completeFor(e) {
			shortlist = append(shortlist, st)
		}
	}
	slices.SortFunc(shortlist, func(a, b Statement) int { return int(a.ShortlistSeq - b.ShortlistSeq) })
	for _, st := range shortlist {
		_, err := s.store.UpdateStatement(ctx, st.ID, func(cur Statement, ev Event) (StatementChange, error) {
			if cur.Status != StatementShortlisted {
				return StatementChange{}, errAlreadyDone
			}
			c, err := invite(cur, ev, SystemActor, "Automatic invitation: "+why, time.Time{}, false, AuditInvited, s.Now(), s.NewID)
			if err != nil {
				return StatementChange{}, err
			}
			return c.finish(cur), nil
		})
		if ErrorReason(err) == ReasonNotEnoughSeats {
			return // in order: a team that does not fit waits for more seats
		}
		if err != nil && ErrorReason(err) != "already_done" {
			s.Log.WarnContext(ctx, "automatic invitation failed", "statement", st.ID, "error", err)
		}
	}
}
