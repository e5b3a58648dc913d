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
	// Changes staff make.
	NoticeWaitlistMoved  NoticeKind = "waitlist_moved"  // the team's place on the waiting list changed
	NoticeMembersChanged NoticeKind = "members_changed" // staff changed the team's members
	NoticeContactChanged NoticeKind = "contact_changed" // staff made someone else the team's contact
	// Waiting-list offers.
	NoticeOffered       NoticeKind = "offered"        // seats are held for the team until a deadline (action required)
	NoticeOfferReminder NoticeKind = "offer_reminder" // the offer's deadline is near
	NoticeOfferExpired  NoticeKind = "offer_expired"  // the offer lapsed; how to rejoin
	// Statements of interest and invitations.
	NoticeStatementReceived  NoticeKind = "statement_received"    // the contact: the statement arrived
	NoticeMemberConfirmation NoticeKind = "member_confirmation"   // a member: please confirm you will attend
	NoticeConfirmationNudge  NoticeKind = "confirmation_reminder" // a member who has not confirmed yet
	NoticeShortlisted        NoticeKind = "shortlisted"           // next in line for an invitation
	NoticeInvitation         NoticeKind = "invitation"            // seats held until a deadline (action required)
	NoticeInvitationReminder NoticeKind = "invitation_reminder"   // an invitation's deadline is near
	NoticeInvitationExpired  NoticeKind = "invitation_expired"    // the invitation lapsed
	NoticeStatementDeclined  NoticeKind = "statement_declined"    // staff declined, with their message
	NoticeInvitationExtended NoticeKind = "invitation_extended"   // staff gave more time
)

// Subject kinds of a notice: what its RegistrationID names.
const (
	SubjectRegistration = ""          // a registration (the default)
	SubjectStatement    = "statement" // a statement of interest
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
	// Status is where the registration stands as the email goes out.
	Status    Status       `json:"status"`
	Event     EventSummary `json:"event"`
	CreatedAt time.Time    `json:"createdAt"`
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

// NoticeState is where a notice stands in the outbox.
type NoticeState string

const (
	NoticePending NoticeState = "pending" // owed; due for the sweep at its DueAt
	NoticeSending NoticeState = "sending" // leased to one sender until its lease ends
	NoticeSent    NoticeState = "sent"    // SES accepted it
	NoticeFailed  NoticeState = "failed"  // it cannot be delivered as it is; staff can see why
)

// NoticeRecord is a notice's delivery record, as staff see it. Cause says
// why a send failed, in words with no personal data (an SES error code,
// never SES's message, which holds the address).
type NoticeRecord struct {
	ID             string      `json:"id"`
	Kind           NoticeKind  `json:"kind"`
	RegistrationID string      `json:"registrationId"`
	EventID        string      `json:"eventId"`
	State          NoticeState `json:"state"`
	Attempts       int         `json:"attempts"`
	Cause          string      `json:"cause,omitempty"`
	CreatedAt      time.Time   `json:"createdAt"`
	// DueAt is when a pending notice is next due (for the sweep).
	DueAt     *time.Time `json:"dueAt,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	FailedAt  *time.Time `json:"failedAt,omitempty"`
	MessageID string     `json:"messageId,omitempty"`
}

// NoticeSweepDelay is how long after it is written a notice waits before
// the sweep may take it: the stream delivers it first, within seconds.
const NoticeSweepDelay = 3 * time.Minute

// Outbox records the delivery of each notice, so that each is sent once
// and none is lost or jams the others:
//
//   - ClaimNotice leases a notice that is due to one sender and returns how
//     many times it has been claimed, this one included. It returns
//     ErrNoticeDone if the notice was sent or failed for good,
//     ErrNoticeBusy while another sender holds it or it is not due yet (a
//     failed attempt set a later time), ErrNoticeNotFound if there is none.
//   - MarkNoticeSent records that SES accepted it.
//   - ReleaseNotice gives a lease back after a send that may succeed later;
//     the notice is due again at retryAt.
//   - FailNotice records that it cannot be sent as it is (a rejected
//     address, a message that cannot be rendered, too many attempts, a hard
//     bounce or a complaint): it leaves the sweep and waits for staff.
type Outbox interface {
	ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (attempts int, err error)
	MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error
	ReleaseNotice(ctx context.Context, id string, now, retryAt time.Time, cause string) error
	FailNotice(ctx context.Context, id string, now time.Time, cause string) error
}

// Notices reads notices: one with everything its email shows, one's
// delivery record, the ids of those due for the sweep (oldest due first),
// those that failed (newest first) and those of one registration.
type Notices interface {
	Notice(ctx context.Context, id string) (Notice, error)
	NoticeRecord(ctx context.Context, id string) (NoticeRecord, error)
	DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error)
	FailedNotices(ctx context.Context, limit int) ([]NoticeRecord, error)
	// RegistrationNotices returns every notice of a registration, oldest
	// first: the emails a team was sent, or is owed.
	RegistrationNotices(ctx context.Context, registrationID string) ([]NoticeRecord, error)
}

// Errors an Outbox returns from ClaimNotice. They are not *Error values:
// they never reach a caller, only the mailer.
var (
	ErrNoticeDone = errors.New("notice already sent or failed")
	ErrNoticeBusy = errors.New("notice is being sent or not due yet")
)
