package convening

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	NoticeInvitationDeclined NoticeKind = "invitation_declined"   // the team declined its invitation: seats released
	NoticeStatementWithdrawn NoticeKind = "statement_withdrawn"   // the team withdrew its statement
	// Members of a registered team, each their own email (MemberID).
	NoticeMemberRegistered NoticeKind = "member_registered" // a member: you are on the team, with its calendar invitation
	NoticeMemberCancelled  NoticeKind = "member_cancelled"  // a member: you are no longer expected (removed, or the team cancelled)
	// The contact, about one member (AboutMemberID).
	NoticeMemberCantAttend NoticeKind = "member_cant_attend" // a member said they cannot attend
	NoticeMemberCanAttend  NoticeKind = "member_can_attend"  // a member who could not attend now can
	// Statements: the contact, about a member or the team.
	NoticeStatementMemberDeclined NoticeKind = "statement_member_declined" // a member said they cannot attend
	NoticeStatementComplete       NoticeKind = "statement_complete"        // every required member has confirmed
	// A person's private links (SubjectPerson), on their request.
	NoticeLinks NoticeKind = "links"
)

// SubjectKind is what a notice is about: what its SubjectID names.
type SubjectKind string

const (
	SubjectRegistration SubjectKind = ""          // a registration (the default)
	SubjectStatement    SubjectKind = "statement" // a statement of interest
	// SubjectPerson: the notice is for one person about every
	// registration and statement it names (Links), SubjectID the first.
	SubjectPerson SubjectKind = "person"
)

// Notice is the email a state change owes a team. The store writes it in the
// same transaction as the change (a transactional outbox), so every change
// produces exactly one notice; the mailer renders and sends it later. It
// carries a snapshot of everything the email shows, so that sending never
// needs to read the event or registration again.
type Notice struct {
	ID   string     `json:"id"`
	Kind NoticeKind `json:"kind"`
	// SubjectID is the registration or statement (SubjectKind) the notice
	// is about. Its JSON name is the one API clients and stored notices
	// have always had.
	SubjectID        string       `json:"registrationId"`
	To               Contact      `json:"to"`
	Organization     Organization `json:"organization"`
	Members          []Member     `json:"members"`
	Seats            int          `json:"seats"`
	WaitlistPosition int          `json:"waitlistPosition,omitempty"`
	// Status is where the registration stands as the email goes out.
	Status    Status       `json:"status"`
	Event     EventSummary `json:"event"`
	CreatedAt time.Time    `json:"createdAt"`

	// SubjectKind says what SubjectID names: a registration
	// (SubjectRegistration) or a statement of interest (SubjectStatement).
	SubjectKind SubjectKind `json:"subjectKind,omitempty"`
	// MemberID is the member the notice is addressed to (To is then that
	// member): a confirmation request or its reminder.
	MemberID string `json:"memberId,omitempty"`
	// RespondBy is the deadline of the offer or invitation the notice is
	// about (offered, invitation, reminders, extended, expired).
	RespondBy *time.Time `json:"respondBy,omitempty"`
	// Message is what staff told the team with their decision.
	Message string `json:"message,omitempty"`
	// StatementStatus is where a statement stands as the email goes out.
	StatementStatus StatementStatus `json:"statementStatus,omitempty"`
	// RefusedReason says why a queued registration was refused when its
	// turn came (NoticeRefused).
	RefusedReason Reason `json:"refusedReason,omitempty"`
	// SubmittedBy is the team's contact, who submitted the statement, on
	// an email to one of its members (who may not know this system but
	// knows their colleague); nil on every other email. Emails show the
	// name only.
	SubmittedBy *Contact `json:"submittedBy,omitempty"`
	// AboutMember is the member a contact's email is about (a member who
	// cannot attend, or now can): name and role only.
	AboutMember *Member `json:"aboutMember,omitempty"`
	// Experience and Reasons are the statement's answers, on the copy of
	// the statement the contact is sent when it arrives.
	Experience string `json:"experience,omitempty"`
	Reasons    string `json:"reasons,omitempty"`
	// Fanout are the members' own emails this contact's email brings
	// (NoticeSpec.Fanout, resolved against the team as it is): the mailer
	// writes them to the outbox before it sends this one.
	Fanout []NoticeSpec `json:"-"`
	// Links are the private links a person's links email gives
	// (SubjectPerson), one per registration or statement.
	Links []PrivateLink `json:"links,omitempty"`
	// OfferHours is how long a team has to accept seats offered from the
	// waiting list, on an event that offers them (0: it registers the
	// team at once).
	OfferHours int `json:"offerHours,omitempty"`
	// Billing is the document an email to accounts payable is about
	// (SubjectInvoice), with what is paid and owed as it goes out.
	Billing *BillingNotice `json:"billing,omitempty"`
	// Announcement is what staff wrote, on an announcement, a reminder or
	// a test of either (announcement_notice.go).
	Announcement *AnnouncementContent `json:"announcement,omitempty"`
	// Individual: the registration is one person's own (the email speaks
	// to them, not to a team's contact).
	Individual bool `json:"individual,omitempty"`
}

// MemberNotices are members' own emails that a contact's notice brings:
// Kind to each member named (MemberIDs), or to every member the team has
// when the notice goes out (All). They are written when the contact's
// email is sent, not in the change's transaction, which they would
// outgrow (a promotion of nineteen teams of eight is one transaction).
type MemberNotices struct {
	Kind      NoticeKind `json:"kind"`
	All       bool       `json:"all,omitempty"`
	MemberIDs []string   `json:"memberIds,omitempty"`
}

// MemberNoticeID is the id of the member's email that the notice parentID
// brings: the same every time, so that writing it twice writes it once.
func MemberNoticeID(parentID, memberID string) string { return parentID + "-" + memberID }

// LinkRef names one private link of a person's links email: the contact's
// of a registration or statement, or a member's (MemberID).
type LinkRef struct {
	SubjectKind SubjectKind `json:"subjectKind,omitempty"`
	SubjectID   string      `json:"subjectId"`
	MemberID    string      `json:"memberId,omitempty"`
}

// PrivateLink is one link of a links email, with what it opens.
type PrivateLink struct {
	LinkRef
	Event        EventSummary `json:"event"`
	Organization string       `json:"organization"`
	// Role is the person's part: "Contact", or their role on the team.
	Role string `json:"role"`
	// Status is where the registration or statement stands.
	Status string `json:"status"`
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
	ID   string     `json:"id"`
	Kind NoticeKind `json:"kind"`
	// SubjectID and SubjectKind, MemberID: see Notice.
	SubjectID   string      `json:"registrationId"`
	EventID     string      `json:"eventId"`
	State       NoticeState `json:"state"`
	Attempts    int         `json:"attempts"`
	Cause       string      `json:"cause,omitempty"`
	CreatedAt   time.Time   `json:"createdAt"`
	SubjectKind SubjectKind `json:"subjectKind,omitempty"`
	MemberID    string      `json:"memberId,omitempty"`
	// AboutMemberID is the member a contact's notice is about.
	AboutMemberID string `json:"aboutMemberId,omitempty"`
	// Fanout and Links: see NoticeSpec.
	Fanout []MemberNotices `json:"-"`
	Links  []LinkRef       `json:"-"`
	// DueAt is when a pending notice is next due (for the sweep).
	DueAt     *time.Time `json:"dueAt,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	FailedAt  *time.Time `json:"failedAt,omitempty"`
	MessageID string     `json:"messageId,omitempty"`
	// AnnouncementID names the announcement the notice carries.
	AnnouncementID string `json:"announcementId,omitempty"`
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
//     address, a message that cannot be rendered, too many attempts): it
//     leaves the sweep and waits for staff. (A hard bounce or a complaint
//     after sending fails it through SentNotices.)
//   - AddNotices writes the members' own emails a contact's notice brings
//     (Notice.Fanout) before that notice is sent, each unless it is there
//     already (their ids are the same every time): a sender that dies
//     after writing some writes the rest next time, and none twice.
type Outbox interface {
	ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (attempts int, err error)
	AddNotices(ctx context.Context, eventID string, notices []NoticeSpec, at time.Time) error
	MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error
	ReleaseNotice(ctx context.Context, id string, now, retryAt time.Time, cause string) error
	FailNotice(ctx context.Context, id string, now time.Time, cause string) error
}

// Notices reads notices for the mailer: one with everything its email
// shows, and the ids of those due for the sweep (oldest due first); and
// their delivery records.
type Notices interface {
	Notice(ctx context.Context, id string) (Notice, error)
	DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error)
	NoticeRecords
}

// NoticeRecords reads notices' delivery records for staff: one's, those
// that failed (newest first) and those of one subject.
type NoticeRecords interface {
	NoticeRecord(ctx context.Context, id string) (NoticeRecord, error)
	FailedNotices(ctx context.Context, limit int) ([]NoticeRecord, error)
	NoticeHistory
}

// NoticeHistory reads the notices of one subject.
type NoticeHistory interface {
	// RegistrationNotices returns every notice of a registration or a
	// statement (its subject id), oldest first: the emails a team was
	// sent, or is owed.
	RegistrationNotices(ctx context.Context, subjectID string) ([]NoticeRecord, error)
}

// SentNotices is what SES's later word on a sent email needs: SES reports a
// bounce or a complaint by the message id it gave the email when it
// accepted it, possibly long after the notice was marked sent.
//
//   - NoticeByMessageID returns the delivery record of the sent notice
//     whose email SES accepted under messageID. It returns
//     ErrNoticeNotFound if there is none: an id this system never sent, a
//     sent notice whose record has expired, or one already failed (a failed
//     notice is filed for staff, no longer by message id).
//   - FailSentNotice fails a sent notice for good with the cause, which
//     staff see. It returns ErrNoticeDone, changing nothing, if the notice
//     is not in state sent (it was failed already, or never sent), and
//     ErrNoticeNotFound if there is none. So the same event twice changes
//     nothing more.
type SentNotices interface {
	NoticeByMessageID(ctx context.Context, messageID string) (NoticeRecord, error)
	FailSentNotice(ctx context.Context, id string, now time.Time, cause string) error
}

// Errors an Outbox returns from ClaimNotice (and SentNotices from
// FailSentNotice). They are not *Error values: they never reach a caller,
// only the mailer and the ses-events function.
var (
	ErrNoticeDone = errors.New("notice already sent or failed")
	ErrNoticeBusy = errors.New("notice is being sent or not due yet")
)

// MaxNoticePage bounds the notices one read returns.
const MaxNoticePage = 200

// NoticeQuery asks staff's question about the notices.
type NoticeQuery struct {
	// State is the notices' state: NoticeFailed, the only one staff list
	// (empty means it too).
	State NoticeState
	// Limit is how many, 1 to MaxNoticePage; 0 means MaxNoticePage.
	Limit int
}

// RegistrationNotice is the email a notice about a registration owes, from
// the registration and its event as they are when it goes out; position
// is the team's place on the waiting list, for the kinds that tell it. A
// member's email goes to that member (a removed member's cancellation to
// them as they were); a member no longer on the team is owed nothing
// else (ErrNoticeNotFound). A contact's email carries the members' own
// emails it brings (Fanout).
func RegistrationNotice(rec NoticeRecord, r Registration, e Event, position int) (Notice, error) {
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: r.ID, To: r.Contact, Organization: r.Organization,
		Members: r.Members, Seats: r.Seats, Status: r.Status, Event: e.Summary(), CreatedAt: rec.CreatedAt, Individual: r.Individual(),
		RefusedReason: r.RefusedReason}
	if e.WaitlistOffers != nil {
		n.OfferHours = e.WaitlistOffers.RespondWithinHours
	}
	if rec.Kind == NoticeWaitlisted || rec.Kind == NoticeWaitlistMoved {
		n.WaitlistPosition = position
	}
	if r.Offer != nil {
		by := r.Offer.RespondBy
		n.RespondBy = &by
	}
	if rec.MemberID != "" {
		m, ok := findMember(r.Members, rec.MemberID)
		if !ok && rec.Kind == NoticeMemberCancelled {
			m, ok = findMember(r.FormerMembers, rec.MemberID)
		}
		if !ok || m.Email == "" {
			return Notice{}, fmt.Errorf("notice %s: member %s left the team: %w", rec.ID, rec.MemberID, ErrNoticeNotFound)
		}
		contact := r.Contact
		n.MemberID, n.To, n.SubmittedBy = m.ID, Contact{Name: m.Name, Email: m.Email}, &contact
		return n, nil
	}
	if rec.AboutMemberID != "" {
		if m, ok := findMember(append(slices.Clone(r.Members), r.FormerMembers...), rec.AboutMemberID); ok {
			n.AboutMember = &Member{ID: m.ID, Name: m.Name, Role: m.Role, CantAttendAt: m.CantAttendAt}
		}
	}
	for _, f := range rec.Fanout {
		if r.Individual() {
			// One person's own registration: its contact is its only
			// member, and the registration's email already speaks to them
			// (with their own join link); a member's copy would be a
			// second email naming a team.
			break
		}
		ids := f.MemberIDs
		if f.All {
			ids = nil
			for _, m := range r.Members {
				ids = append(ids, m.ID)
			}
		}
		for _, id := range ids {
			n.Fanout = append(n.Fanout, NoticeSpec{ID: MemberNoticeID(rec.ID, id), Kind: f.Kind, SubjectID: r.ID, MemberID: id})
		}
	}
	return n, nil
}

// findMember returns the member of ms with the id.
func findMember(ms []Member, id string) (Member, bool) {
	i := slices.IndexFunc(ms, func(m Member) bool { return m.ID == id })
	if i < 0 {
		return Member{}, false
	}
	return ms[i], true
}

// StatementNotice is the email a notice about a statement owes, from the
// statement and its event as they are when it goes out: to the contact, or
// to the member memberID names. A member no longer on the team is owed
// nothing (ErrNoticeNotFound).
func StatementNotice(rec NoticeRecord, st Statement, e Event, memberID string) (Notice, error) {
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: st.ID, SubjectKind: SubjectStatement, To: st.Contact,
		Organization: st.Organization, Members: st.Members, Seats: st.Seats(), Event: e.Summary(), CreatedAt: rec.CreatedAt,
		StatementStatus: st.Status}
	if memberID != "" {
		i := slices.IndexFunc(st.Members, func(m Member) bool { return m.ID == memberID })
		if i < 0 {
			return Notice{}, fmt.Errorf("notice %s: member %s left the team: %w", rec.ID, memberID, ErrNoticeNotFound)
		}
		contact := st.Contact
		n.MemberID, n.To, n.SubmittedBy = memberID, Contact{Name: st.Members[i].Name, Email: st.Members[i].Email}, &contact
	}
	if st.Invitation != nil {
		by := st.Invitation.RespondBy
		n.RespondBy = &by
	}
	if st.Message != nil {
		n.Message = *st.Message
	}
	if rec.Kind == NoticeStatementReceived {
		n.Experience, n.Reasons = st.Experience, st.Reasons
	}
	if rec.AboutMemberID != "" {
		if m, ok := findMember(st.Members, rec.AboutMemberID); ok {
			n.AboutMember = &Member{ID: m.ID, Name: m.Name, Role: m.Role, CantAttendAt: m.CantAttendAt}
		}
	}
	return n, nil
}
