package convening

import "time"

// NoticeKind is which state change a notice tells a team about.
type NoticeKind string

const (
	NoticeRegistered NoticeKind = "registered" // the team holds seats
	NoticeWaitlisted NoticeKind = "waitlisted" // the team joined the waiting list
	NoticePromoted   NoticeKind = "promoted"   // the team moved from the waiting list into seats
	NoticeCancelled  NoticeKind = "cancelled"  // the registration was cancelled
)

// Notice is the email a state change owes a team. The store writes it in the
// same transaction as the change (a transactional outbox), so every change
// produces exactly one notice; the mailer renders and sends it later. It
// carries a snapshot of everything the email shows, so that sending never
// needs to read the event or registration again.
type Notice struct {
	ID               string       `json:"id"`
	Kind             NoticeKind   `json:"kind"`
	RegistrationID   string       `json:"registrationId"`
	To               Contact      `json:"to"`
	Organization     Organization `json:"organization"`
	Members          []Member     `json:"members"`
	Seats            int          `json:"seats"`
	WaitlistPosition int          `json:"waitlistPosition,omitempty"`
	Event            EventSummary `json:"event"`
	CreatedAt        time.Time    `json:"createdAt"`
}

// EventSummary is what a notice shows of an event.
type EventSummary struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Kind     Kind      `json:"kind"`
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Venue    string    `json:"venue"`
	Online   bool      `json:"online"`
}

// Summary returns the event's summary for a notice.
func (e Event) Summary() EventSummary {
	return EventSummary{ID: e.ID, Title: e.Title, Kind: e.Kind, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Venue: e.Venue, Online: e.Online}
}
