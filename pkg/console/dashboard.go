package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// eventSummary is an event as the dashboard and the events list show it:
// its numbers, where registration stands, its failed emails.
type eventSummary struct {
	convening.Event
	Window       windowView
	FailedEmails int
	// Statements counts an event's statements of interest by status (nil
	// for an event open to all).
	Statements statementCounts
}

// statementCounts are an event's statements of interest by status, as the
// dashboard and the event's page sum them up.
type statementCounts map[convening.StatementStatus]int

// Total is how many statements arrived; ToDecide how many wait for a
// decision (submitted or shortlisted).
func (c statementCounts) Total() int {
	n := 0
	for _, k := range c {
		n += k
	}
	return n
}

func (c statementCounts) ToDecide() int {
	return c[convening.StatementSubmitted] + c[convening.StatementShortlisted]
}

func (c statementCounts) Invited() int  { return c[convening.StatementInvited] }
func (c statementCounts) Accepted() int { return c[convening.StatementAccepted] }

// links are what a staff member may open from an event, by role.
type links struct {
	Event, CheckIn, Create, Events, FailedEmails, Statements bool
}

func linksFor(who staffauth.Staff) links {
	return links{
		Event:        can(who, "GET /staff/events/{eventId}"),
		CheckIn:      can(who, "GET /staff/events/{eventId}/check-in"),
		Create:       can(who, "GET /staff/new-event"),
		Events:       can(who, "GET /staff/events"),
		FailedEmails: can(who, "GET /staff/failed-emails"),
		Statements:   can(who, "GET /staff/events/{eventId}/statements"),
	}
}

type dashboardView struct {
	Name, Role, Duty string
	Upcoming         []eventSummary
	Past             int
	FailedEmails     int
	Links            links
}

// dashboard is every upcoming event with its numbers, and for each role
// the links it may follow: staff every page, check-in volunteers the
// check-in pages, reviewers none (the numbers name no one).
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v := dashboardView{Name: who.Name(), Role: roleNames[who.Role()], Duty: roleDuty[who.Role()], Links: linksFor(who)}
	upcoming, past, failed, err := h.eventSummaries(ctx, v.Links.FailedEmails)
	if err != nil {
		return err
	}
	v.Upcoming, v.Past = upcoming, len(past)
	v.FailedEmails = failed
	return h.render(w, r, http.StatusOK, "dashboard", "Staff console", &who, v)
}

type eventsView struct {
	Upcoming, Past []eventSummary
	Links          links
}

// events lists every event, upcoming and past, with its numbers.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v := eventsView{Links: linksFor(who)}
	var err error
	if v.Upcoming, v.Past, _, err = h.eventSummaries(ctx, v.Links.FailedEmails); err != nil {
		return err
	}
	slices.Reverse(v.Past) // the latest first
	return h.render(w, r, http.StatusOK, "events", "Events", &who, v)
}

// eventSummaries returns the events that are not over yet and those that
// are, by start, with their failed emails if withFailed (and how many
// failed in all).
func (h *Handler) eventSummaries(ctx context.Context, withFailed bool) (upcoming, past []eventSummary, failed int, err error) {
	list, err := h.svc.Events(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	byEvent := map[string]int{}
	if withFailed {
		notices, err := h.svc.FailedNotices(ctx, convening.NoticeQuery{State: convening.NoticeFailed})
		if err != nil {
			return nil, nil, 0, err
		}
		for _, n := range notices {
			byEvent[n.EventID]++
		}
		failed = len(notices)
	}
	now := h.svc.Now()
	for _, e := range list {
		e = e.WithAdmissionDefaults()
		s := eventSummary{Event: e, Window: windowOf(e, now), FailedEmails: byEvent[e.ID]}
		if now.Before(e.EndsAt) {
			// Past events' statements are history: only the upcoming
			// events' are counted, one read each.
			if s.Admission == convening.AdmissionStatement {
				if s.Statements, err = h.svc.StatementCounts(ctx, e.ID); err != nil {
					return nil, nil, 0, err
				}
			}
			upcoming = append(upcoming, s)
		} else {
			past = append(past, s)
		}
	}
	return upcoming, past, failed, nil
}

// windowView is where an event's window stands (convening.Event.Window),
// in staff's words.
type windowView struct {
	Code, Label string
}

func windowOf(e convening.Event, now time.Time) windowView {
	w := e.Window(now)
	v := windowView{Code: string(w.State)}
	switch {
	case w.State == convening.WindowPast:
		v.Label = "Over"
	case w.State == convening.WindowSoon && w.Statements:
		v.Label = "Statements open " + dateTime(w.OpensAt)
	case w.State == convening.WindowSoon:
		v.Label = "Opens " + dateTime(w.OpensAt)
	case w.State == convening.WindowClosed && w.Statements:
		v.Label = "Statements closed"
	case w.State == convening.WindowClosed:
		v.Label = "Registration closed"
	case w.State == convening.WindowFull:
		v.Label = "Full, waiting list open until " + dateTime(w.ClosesAt)
	case w.Statements:
		v.Label = "Taking statements until " + dateTime(w.ClosesAt)
	default:
		v.Label = "Open until " + dateTime(w.ClosesAt)
	}
	return v
}
