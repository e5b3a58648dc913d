package convening

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
)

// MaxRosterPage bounds the registrations of one roster page.
const MaxRosterPage = 200

// RosterQuery asks for one page of an event's registrations.
type RosterQuery struct {
	// Status is the list: StatusRegistered (in the order teams took their
	// seats), StatusOffered (in the order they were offered seats),
	// StatusWaitlisted (in waiting-list order, with positions),
	// StatusCancelled (in order of cancellation) or StatusExpired (offers
	// that lapsed, in the order they were offered). Empty means the active
	// registrations: the registered, the offered, then the waiting list.
	// Cancelled and expired registrations are left out unless asked for.
	Status Status
	// Cursor continues from a previous page's Next.
	Cursor string
	// Limit is the page size, 1 to MaxRosterPage; 0 means MaxRosterPage.
	Limit int
}

// RosterPage is one page of registrations; Next continues it ("" at the end).
type RosterPage struct {
	Registrations []Registration
	Next          string
}

// RosterCursor is the cursor that continues the list of status after the
// registration afterID ("" from the start of that list). Pages that stop
// short of what the store returned (to stay within an answer's size) make
// their own.
func RosterCursor(status Status, afterID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(status) + ":" + afterID))
}

func parseRosterCursor(c string) (Status, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	st, id, ok := strings.Cut(string(b), ":")
	s := Status(st)
	return s, id, ok && len(id) <= 64 && slices.Contains(RosterLists, s)
}

// RosterLists are the lists of an event's registrations, active ones first
// in the order the active roster reads them.
var RosterLists = []Status{StatusRegistered, StatusOffered, StatusWaitlisted, StatusCancelled, StatusExpired}

// nextActiveList is the list the active roster reads after list, or "".
func nextActiveList(list Status) Status {
	switch list {
	case StatusRegistered:
		return StatusOffered
	case StatusOffered:
		return StatusWaitlisted
	}
	return ""
}

// rosterReads are the reads of an event's roster: the event and its lists.
type rosterReads interface {
	EventReader
	RosterReader
}

// roster reads one page of an event's registrations (StaffService.Roster).
func roster(ctx context.Context, store rosterReads, eventID string, q RosterQuery) (Event, RosterPage, error) {
	var v validation
	if q.Status != "" && !slices.Contains(RosterLists, q.Status) {
		lists := make([]string, len(RosterLists))
		for i, l := range RosterLists {
			lists[i] = string(l)
		}
		v.add("status", RuleOneOf, "values", lists)
	}
	if q.Limit < 0 || q.Limit > MaxRosterPage {
		v.add("limit", RuleRange, "min", 1, "max", MaxRosterPage)
	}
	list, after := q.Status, ""
	if list == "" {
		list = StatusRegistered
	}
	if q.Cursor != "" {
		st, id, ok := parseRosterCursor(q.Cursor)
		if !ok || (q.Status != "" && st != q.Status) || (q.Status == "" && !st.Active()) {
			v.add("cursor", RuleCursor)
		}
		list, after = st, id
	}
	if err := v.err("The roster query"); err != nil {
		return Event{}, RosterPage{}, err
	}
	e, err := readEvent(ctx, store, eventID)
	if err != nil {
		return Event{}, RosterPage{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = MaxRosterPage
	}
	var page RosterPage
	for {
		regs, more, err := store.Roster(ctx, eventID, list, after, limit-len(page.Registrations))
		if err != nil {
			return Event{}, RosterPage{}, err
		}
		page.Registrations = append(page.Registrations, regs...)
		switch {
		case more && len(regs) > 0:
			page.Next = RosterCursor(list, regs[len(regs)-1].ID)
		case more:
			page.Next = RosterCursor(list, after)
		case q.Status == "" && nextActiveList(list) != "":
			// The active roster goes on with the next list.
			list, after = nextActiveList(list), ""
			if len(page.Registrations) < limit {
				continue
			}
			page.Next = RosterCursor(list, "")
		}
		return e, page, nil
	}
}

// allRegistrations reads every registration of one of an event's lists
// (see RosterQuery.Status; "" for the active ones), page by page.
func allRegistrations(ctx context.Context, store rosterReads, eventID string, list Status) (Event, []Registration, error) {
	q := RosterQuery{Status: list}
	var all []Registration
	for {
		e, page, err := roster(ctx, store, eventID, q)
		if err != nil {
			return Event{}, nil, err
		}
		all = append(all, page.Registrations...)
		if page.Next == "" {
			return e, all, nil
		}
		q.Cursor = page.Next
	}
}
