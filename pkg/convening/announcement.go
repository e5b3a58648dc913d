package convening

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strings"
	"time"
)

// Announcements are staff writing to an event's teams: to the contacts of
// the teams in some lists (registered, waitlisted, offered seats), or to
// every member of them, each person their own email. An announcement is
// sent through the outbox like every other email: exactly one notice per
// recipient, however often the sending is retried or however many staff
// press send.
//
// How it stays exactly once at any size: sending reads the teams in the
// audience (consistently, at the moment of sending: the snapshot) and
// writes, in one transaction, the announcement, its audit record and its
// recipients in pages (RecipientPage, up to RecipientsPerPage each),
// conditioned on the announcement being new. The notices are then written
// from the pages in chunks of at most MaxChunkItems items per
// transaction, each conditioned on the page's progress (Written) as read,
// so two writers of one page (the request that sent it and the sweep, or
// two sweeps) never write a chunk twice; each notice's id is derived from
// the announcement and the recipient, and is written only if absent. The
// mailer sends the notices at the SES rate, and its sweep finishes any
// page a writer left half done.

// Recipients says who of a team an announcement is for.
type Recipients string

// Whom of each team an announcement reaches.
const (
	ToContacts Recipients = "contacts" // the team's contact
	ToMembers  Recipients = "members"  // every member, each their own email
)

// AudienceLists are the lists of an event an announcement may reach.
var AudienceLists = []Status{StatusRegistered, StatusWaitlisted, StatusOffered}

// AnnouncementDraft is what staff write: to whom, the subject, the text,
// and why (the audit log keeps the reason).
type AnnouncementDraft struct {
	Audience []Status   `json:"audience"`
	To       Recipients `json:"to"`
	Subject  string     `json:"subject"`
	Text     string     `json:"text"`
	Reason   string     `json:"reason"`
}

// Bounds of an announcement.
const (
	maxAnnouncementSubject = 200
	MaxAnnouncementText    = 10000
)

// Normalize trims the draft and puts its lists in the order of
// AudienceLists, each once.
func (d AnnouncementDraft) Normalize() AnnouncementDraft {
	d.Subject, d.Text, d.Reason = strings.TrimSpace(d.Subject), strings.TrimSpace(d.Text), strings.TrimSpace(d.Reason)
	d.Text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(d.Text)
	return d
}

// Validate checks a draft: at least one list, each one of AudienceLists
// once; contacts or members; a subject on one line; a text; a reason
// unless the system sends it (a reminder).
func (d AnnouncementDraft) Validate(needReason bool) error {
	var v validation
	validateAudience(&v, "audience", d.Audience, d.To, "to")
	checkLines(&v, "subject", d.Subject, maxAnnouncementSubject, true, false)
	checkLines(&v, "text", d.Text, MaxAnnouncementText, true, true)
	if needReason {
		checkText(&v, "reason", d.Reason, MaxReasonLen, true)
	}
	return v.err("The announcement")
}

// validateAudience checks an audience's lists and recipients.
func validateAudience(v *validation, field string, lists []Status, to Recipients, toField string) {
	if len(lists) == 0 {
		v.add(field, RuleMinItems, "min", 1)
	}
	seen := map[Status]int{}
	for i, s := range lists {
		p := fieldIndex(field, i)
		switch j, dup := seen[s]; {
		case !slices.Contains(AudienceLists, s):
			v.add(p, RuleOneOf, "values", listValues(AudienceLists))
		case dup:
			v.add(p, RuleDuplicateOf, "of", fieldIndex(field, j))
		default:
			seen[s] = i
		}
	}
	if to != ToContacts && to != ToMembers {
		v.add(toField, RuleOneOf, "values", []string{string(ToContacts), string(ToMembers)})
	}
}

func listValues(ss []Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// Announcement is an announcement as sent: the draft, who sent it and
// when, and how many it reached at that moment.
type Announcement struct {
	ID      string `json:"id"`
	EventID string `json:"eventId"`
	AnnouncementDraft
	// ReminderID names the event's reminder this announcement is (sent by
	// the system at its time); "" for one staff wrote.
	ReminderID string    `json:"reminderId,omitempty"`
	SentBy     Actor     `json:"sentBy"`
	SentAt     time.Time `json:"sentAt"`
	// Teams and Recipients count the teams and the people (emails) it
	// reached at the moment of sending.
	Teams      int `json:"teams"`
	Recipients int `json:"recipients"`
	// Pages is how many RecipientPages hold its recipients.
	Pages int `json:"-"`
	// Delivery is where its emails stand, when read with them.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery counts an announcement's emails by where they stand: written
// to the outbox so far (the rest are still being written from its
// pages), and of those pending, sent and failed.
type Delivery struct {
	Written int `json:"written"`
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
}

// RecipientTeam is one team in an announcement's snapshot: its
// registration, its organization's name (for the audit record), and the
// members it reaches (none: the contact).
type RecipientTeam struct {
	RegistrationID string   `json:"registrationId"`
	Organization   string   `json:"organization"`
	Members        []string `json:"members,omitempty"`
}

// Count is how many emails the team gets.
func (t RecipientTeam) Count() int { return max(1, len(t.Members)) }

// RecipientPage is one page of an announcement's recipients, and how far
// its notices are written (Written recipients, in order).
type RecipientPage struct {
	AnnouncementID string          `json:"announcementId"`
	EventID        string          `json:"eventId"`
	Number         int             `json:"number"`
	Teams          []RecipientTeam `json:"teams"`
	Written        int             `json:"written"`
	CreatedAt      time.Time       `json:"createdAt"`
}

// Total is how many recipients the page holds.
func (p RecipientPage) Total() int {
	n := 0
	for _, t := range p.Teams {
		n += t.Count()
	}
	return n
}

// Done reports whether every notice of the page is written.
func (p RecipientPage) Done() bool { return p.Written >= p.Total() }

// Limits of the fan-out: a page holds up to RecipientsPerPage recipients
// (about 60 bytes each: a page item stays far below DynamoDB's 400 KB),
// and a chunk writes at most MaxChunkItems items (notices, the teams'
// audit records and the page's progress) in one transaction, under its
// limit of 100.
const (
	RecipientsPerPage = 1000
	MaxChunkItems     = 99
	// MaxAnnouncementPages bounds the pages one transaction writes with
	// the announcement: 95 pages of 1,000, more than MaxCapacity.
	MaxAnnouncementPages = 95
)

// Reasons of announcements.
const (
	ReasonAnnouncementDuplicate Reason = "announcement_duplicate" // ECONFLICT: the same announcement went out to the same lists within DuplicateWindow
	ReasonNoRecipients          Reason = "no_recipients"          // ECONFLICT: nobody is in the lists chosen
	ReasonAnnouncementUnknown   Reason = "announcement_unknown"   // ENOTFOUND
	ReasonNoStaffEmail          Reason = "no_staff_email"         // EINVALID: a test send needs the staff member's address
	ReasonTooManyRecipients     Reason = "too_many_recipients"    // ECONFLICT: more recipients than one announcement's snapshot holds
)

// ErrTooManyRecipients refuses an announcement whose snapshot would not
// fit the one transaction that writes it with its pages (about 60,000
// recipients; CA LMI's largest events have a thousand): send it to one
// list at a time.
var ErrTooManyRecipients = NewError(ECONFLICT, ReasonTooManyRecipients,
	"This announcement reaches more people than one send can hold; send it to one list at a time.")

// DuplicateWindow is how long the same announcement (lists, recipients,
// subject and text) to an event is refused as a second press of send.
const DuplicateWindow = 24 * time.Hour

// The audit kinds of announcements: the event's record (who sent what to
// which lists, how many) and each team's (what reached it).
const (
	AuditAnnouncementSent     AuditKind = "announcement_sent"
	AuditAnnouncementReceived AuditKind = "announcement_received"
)

// Notice kinds of announcements.
const (
	NoticeAnnouncement     NoticeKind = "announcement"      // staff's announcement, to a contact or a member
	NoticeAnnouncementTest NoticeKind = "announcement_test" // a test of it, to the staff member who asked
	NoticeReminder         NoticeKind = "reminder"          // an event's reminder, to a contact or a member
)

// SubjectAnnouncement: the notice is about an announcement itself (a test
// send), not a registration.
const SubjectAnnouncement SubjectKind = "announcement"

// ContentKey identifies an announcement's content for the duplicate
// check: its lists, recipients, subject and text.
func (d AnnouncementDraft) ContentKey() string {
	lists := listValues(d.Audience)
	slices.Sort(lists)
	h := sha256.Sum256([]byte(strings.Join(lists, ",") + "\x00" + string(d.To) + "\x00" + d.Subject + "\x00" + d.Text))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15])
}

// Snapshot is the teams an announcement reaches, from the registrations
// of its event as read at the moment of sending: those in its lists, each
// with its contact (ToContacts) or each member with an address
// (ToMembers). Registrations whose people were erased reach nobody.
func Snapshot(d AnnouncementDraft, regs []Registration) []RecipientTeam {
	var out []RecipientTeam
	for _, r := range regs {
		if !slices.Contains(d.Audience, r.Status) || r.ErasedAt != nil {
			continue
		}
		t := RecipientTeam{RegistrationID: r.ID, Organization: r.Organization.Name}
		if d.To == ToMembers {
			for _, m := range r.Members {
				if m.Email != "" {
					t.Members = append(t.Members, m.ID)
				}
			}
			if len(t.Members) == 0 {
				continue
			}
		} else if r.Contact.Email == "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// Paginate cuts a snapshot into pages of at most RecipientsPerPage
// recipients (a team is never split), numbered from 1.
func Paginate(a Announcement, teams []RecipientTeam) []RecipientPage {
	var pages []RecipientPage
	var cur []RecipientTeam
	n := 0
	flush := func() {
		if len(cur) > 0 {
			pages = append(pages, RecipientPage{AnnouncementID: a.ID, EventID: a.EventID, Number: len(pages) + 1, Teams: cur, CreatedAt: a.SentAt})
			cur, n = nil, 0
		}
	}
	for _, t := range teams {
		if n+t.Count() > RecipientsPerPage {
			flush()
		}
		cur = append(cur, t)
		n += t.Count()
	}
	flush()
	return pages
}

// AnnouncementNoticeID is the id of the notice that carries announcement
// id to one recipient (the contact when memberID is ""): derived, so that
// writing it twice writes it once.
func AnnouncementNoticeID(announcementID, registrationID, memberID string) string {
	return derivedID("notice", announcementID, registrationID, memberID)
}

// derivedID is a 26-character id (like a ULID's) derived from parts.
func derivedID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:])[:26]
}

// Chunk is what one transaction of an announcement's fan-out writes: the
// notices of the next recipients of a page, the audit record of each
// team it starts, and the page's progress from Written to Through.
type Chunk struct {
	Page    RecipientPage
	Through int
	Notices []NoticeSpec
	Audit   []AuditRecord
	// At is when the chunk is written (its notices' time).
	At time.Time
}

// NextChunk plans the next chunk of a page from its progress as read, or
// reports false when the page is done.
func NextChunk(a Announcement, page RecipientPage) (Chunk, bool) {
	if page.Done() {
		return Chunk{}, false
	}
	kind := NoticeAnnouncement
	if a.ReminderID != "" {
		kind = NoticeReminder
	}
	c := Chunk{Page: page, Through: page.Written}
	i := 0 // recipients before the team
	for _, t := range page.Teams {
		if i+t.Count() <= page.Written {
			i += t.Count()
			continue
		}
		members := t.Members
		if len(members) == 0 {
			members = []string{""}
		}
		for j, m := range members {
			if i+j < page.Written {
				continue
			}
			starts := j == 0 // the team's first recipient writes its audit record
			need := 1
			if starts {
				need++
			}
			if len(c.Notices)+len(c.Audit)+need > MaxChunkItems-1 { // one item is the page
				return c, true
			}
			c.Notices = append(c.Notices, NoticeSpec{ID: AnnouncementNoticeID(a.ID, t.RegistrationID, m), Kind: kind,
				SubjectID: t.RegistrationID, MemberID: m, AnnouncementID: a.ID})
			if starts {
				c.Audit = append(c.Audit, a.receivedAudit(t))
			}
			c.Through = i + j + 1
		}
		i += t.Count()
	}
	return c, true
}

// receivedAudit is the record, in the team's history, of the announcement
// reaching it.
func (a Announcement) receivedAudit(t RecipientTeam) AuditRecord {
	to := "the contact"
	if len(t.Members) > 0 {
		to = Plural(len(t.Members), "member", "members")
	}
	return AuditRecord{ID: derivedID("audit", a.ID, t.RegistrationID), EventID: a.EventID, Subject: t.RegistrationID,
		Organization: t.Organization, Kind: AuditAnnouncementReceived, Actor: a.SentBy, At: a.SentAt, Reason: a.Reason,
		After: map[string]string{"subject": a.Subject, "to": to, "announcement": a.ID}}
}

// sentAudit is the event's record of an announcement: who sent what to
// which lists, and how many it reached.
func (a Announcement) sentAudit(id string) AuditRecord {
	after := map[string]string{"subject": a.Subject, "audience": strings.Join(listValues(a.Audience), ", "),
		"to": string(a.To), "teams": itoa(a.Teams), "recipients": itoa(a.Recipients), "announcement": a.ID}
	if a.ReminderID != "" {
		after["reminder"] = a.ReminderID
	}
	return AuditRecord{ID: id, EventID: a.EventID, Kind: AuditAnnouncementSent, Actor: a.SentBy, At: a.SentAt, Reason: a.Reason, After: after}
}

// AnnouncementWrite is what sending an announcement writes at once: the
// announcement, its recipients' pages, the event's audit record and, for
// staff's, the duplicate check's key (the content key; "" for a
// reminder, whose id is its key).
type AnnouncementWrite struct {
	Announcement Announcement
	Pages        []RecipientPage
	Audit        AuditRecord
	ContentKey   string
	// NotBefore: the content key refuses the announcement if it was used
	// at or after this time (DuplicateWindow).
	NotBefore time.Time
}

// DecideAnnouncement decides an announcement from the event's
// registrations as read at the moment of sending. It refuses one that
// reaches nobody (ReasonNoRecipients).
func DecideAnnouncement(a Announcement, regs []Registration, auditID string) (AnnouncementWrite, error) {
	teams := Snapshot(a.AnnouncementDraft, regs)
	a.Teams, a.Recipients = len(teams), 0
	for _, t := range teams {
		a.Recipients += t.Count()
	}
	if a.Recipients == 0 && a.ReminderID == "" { // a reminder is recorded as sent to nobody, once
		return AnnouncementWrite{}, NewError(ECONFLICT, ReasonNoRecipients, "Nobody is in the lists chosen: the announcement reaches no one.")
	}
	pages := Paginate(a, teams)
	if len(pages) > MaxAnnouncementPages {
		return AnnouncementWrite{}, ErrTooManyRecipients
	}
	a.Pages = len(pages)
	w := AnnouncementWrite{Announcement: a, Pages: pages, Audit: a.sentAudit(auditID)}
	if a.ReminderID == "" {
		w.ContentKey, w.NotBefore = a.ContentKey(), a.SentAt.Add(-DuplicateWindow)
	}
	return w, nil
}

// AnnouncementTest is a test send of a draft to the staff member who
// writes it: rendered as the sample recipient (a team of the audience,
// when there is one) will get it, and sent to SendTo.
type AnnouncementTest struct {
	ID      string `json:"id"`
	EventID string `json:"eventId"`
	AnnouncementDraft
	ReminderID string `json:"reminderId,omitempty"`
	// SendTo is the staff member the test goes to.
	SendTo Contact   `json:"sendTo"`
	Sample *Sample   `json:"sample,omitempty"`
	SentBy Actor     `json:"sentBy"`
	SentAt time.Time `json:"sentAt"`
}

// Sample names the recipient a preview or test shows the email as: a
// registration and a member of it ("" for the contact).
type Sample struct {
	RegistrationID string `json:"registrationId"`
	MemberID       string `json:"memberId,omitempty"`
}

// SampleOf is the first recipient of a snapshot, or nil.
func SampleOf(teams []RecipientTeam) *Sample {
	if len(teams) == 0 {
		return nil
	}
	s := &Sample{RegistrationID: teams[0].RegistrationID}
	if len(teams[0].Members) > 0 {
		s.MemberID = teams[0].Members[0]
	}
	return s
}

// The storage ports of announcements.

// AnnouncementAudience reads the registrations an announcement may reach:
// every active registration of an event, each read consistently at the
// moment of the call (not from an index that trails the table).
type AnnouncementAudience interface {
	ActiveRegistrations(ctx context.Context, eventID string) ([]Registration, error)
}

// AnnouncementWriter stores announcements and writes their notices.
type AnnouncementWriter interface {
	// CreateAnnouncement writes w in one transaction, conditioned on the
	// announcement being new and, with a content key, on that key not
	// used since w.NotBefore. A second announcement with the same id
	// answers the first one, with true (a retry); a duplicate content key
	// is ECONFLICT ReasonAnnouncementDuplicate.
	CreateAnnouncement(ctx context.Context, w AnnouncementWrite) (Announcement, bool, error)
	// WriteChunk writes a chunk's notices and audit records and moves the
	// page's progress from chunk.Page.Written to chunk.Through, in one
	// transaction conditioned on the progress as read. It reports false,
	// writing nothing, if another writer moved it first.
	WriteChunk(ctx context.Context, chunk Chunk) (bool, error)
	// PutAnnouncementTest stores a test send and its notice.
	PutAnnouncementTest(ctx context.Context, t AnnouncementTest, notice NoticeSpec) error
}

// AnnouncementReader reads announcements and their pages.
type AnnouncementReader interface {
	// Announcement returns one announcement of an event. Errors:
	// ENOTFOUND (ReasonAnnouncementUnknown).
	Announcement(ctx context.Context, eventID, id string) (Announcement, error)
	// Announcements lists an event's announcements, newest first.
	Announcements(ctx context.Context, eventID string) ([]Announcement, error)
	// RecipientPages returns an announcement's pages, in order, with
	// their progress (consistent reads).
	RecipientPages(ctx context.Context, a Announcement) ([]RecipientPage, error)
	// PendingPages returns up to limit pages whose notices are not all
	// written yet, the oldest first.
	PendingPages(ctx context.Context, limit int) ([]RecipientPage, error)
	// NoticeStates returns the state of each notice named that exists.
	NoticeStates(ctx context.Context, ids []string) (map[string]NoticeState, error)
}
