package convening

import (
	"context"
	"errors"
	"time"
)

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

// Outbox records which notices were sent, so that each is sent once.
// ClaimNotice takes a lease on a pending notice; it returns ErrNoticeDone
// if the notice was already sent, ErrNoticeBusy while another sender holds
// an unexpired lease, and ErrNoticeNotFound if there is no such notice.
type Outbox interface {
	ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) error
	MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error
	ReleaseNotice(ctx context.Context, id string, now time.Time, cause string) error
}

// Notices reads notices with everything their emails show: one by id, and
// the ids of those still unsent (for the sweep).
type Notices interface {
	Notice(ctx context.Context, id string) (Notice, error)
	UnsentNotices(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// Errors an Outbox returns from ClaimNotice. They are not *Error values:
// they never reach a caller, only the mailer.
var (
	ErrNoticeDone = errors.New("notice already sent")
	ErrNoticeBusy = errors.New("notice is being sent")
)
