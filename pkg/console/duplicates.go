package console

import (
	"context"

	"github.com/calmi/convenings/pkg/convening"
)

// duplicateRow is a pair of an event's teams that may be one organization
// twice, as the event's page flags it for staff.
type duplicateRow struct {
	A, B placeLink
	Why  string
}

// placeLink is a team holding a place on an event, linked to its page.
type placeLink struct {
	Href, Name, County, Standing, Contact string
}

// placeStanding says where a place stands, in words.
var placeStanding = map[string]string{
	string(convening.StatusRegistered): "registered", string(convening.StatusWaitlisted): "on the waiting list",
	string(convening.StatusOffered): "offered seats", string(convening.StatementSubmitted): "statement submitted",
	string(convening.StatementShortlisted): "statement shortlisted", string(convening.StatementInvited): "invited",
}

func newPlaceLink(p convening.Place) placeLink {
	l := placeLink{Href: "/staff/registrations/" + p.ID, Name: p.Organization.Name, County: p.Organization.County,
		Standing: placeStanding[p.Status], Contact: p.Contact.Name}
	if p.Subject == "statement" {
		l.Href = "/staff/statements/" + p.ID
	}
	return l
}

// duplicateRows reads the event's possible duplicates for its page.
func (h *Handler) duplicateRows(ctx context.Context, eventID string) ([]duplicateRow, error) {
	pairs, err := h.svc.PossibleDuplicates(ctx, eventID)
	if err != nil {
		return nil, err
	}
	rows := make([]duplicateRow, len(pairs))
	for i, p := range pairs {
		rows[i] = duplicateRow{A: newPlaceLink(p.A), B: newPlaceLink(p.B), Why: p.Why()}
	}
	return rows, nil
}

// PossibleDuplicates lists the event's teams that may be one organization
// twice (convening.DuplicateService); none without the service.
func (s Services) PossibleDuplicates(ctx context.Context, eventID string) ([]convening.PossibleDuplicate, error) {
	if s.DuplicateService == nil {
		return nil, nil
	}
	return s.DuplicateService.PossibleDuplicates(ctx, eventID)
}
