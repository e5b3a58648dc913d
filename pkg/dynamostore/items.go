package dynamostore

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Storage structs are separate from the domain types: they carry keys,
// counters kept for conditions, and times in a comparable layout. The
// nested domain values (organization, contact, members) are stored under
// their JSON names.

func marshal(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(m, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

type eventItem struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI1PK string `json:"gsi1pk"`
	GSI1SK string `json:"gsi1sk"`

	ID                   string `json:"id"`
	Title                string `json:"title"`
	Kind                 string `json:"kind"`
	Description          string `json:"description,omitempty"`
	StartsAt             string `json:"startsAt"`
	EndsAt               string `json:"endsAt"`
	Venue                string `json:"venue,omitempty"`
	Online               bool   `json:"online"`
	Capacity             int    `json:"capacity"`
	MaxTeamSize          int    `json:"maxTeamSize"`
	RegistrationOpensAt  string `json:"registrationOpensAt"`
	RegistrationClosesAt string `json:"registrationClosesAt"`
	WaitlistPolicy       string `json:"waitlistPolicy"`
	ParentEventID        string `json:"parentEventId,omitempty"`

	Admission     string   `json:"admission,omitempty"`
	RequiredRoles []string `json:"requiredRoles,omitempty"`
	// RequiredRolesKey is convening.RequiredRolesKey: registrations are
	// conditioned on the key of the roles they were checked against.
	RequiredRolesKey   string                `json:"requiredRolesKey"`
	StatementsCloseAt  string                `json:"statementsCloseAt,omitempty"`
	ReviewCriteria     []convening.Criterion `json:"reviewCriteria,omitempty"`
	RespondWithinHours int                   `json:"respondWithinHours,omitempty"`
	// WaitlistOfferHours is WaitlistOffers.RespondWithinHours; 0 means no
	// offers (promote directly).
	WaitlistOfferHours int  `json:"waitlistOfferHours,omitempty"`
	AutoInvite         bool `json:"autoInvite,omitempty"`
	// Questions are the event's own questions; QuestionsKey is
	// convening.QuestionsKey of them: registrations are conditioned on the
	// key of the questions their answers were checked against.
	Questions    []convening.Question `json:"questions,omitempty"`
	QuestionsKey string               `json:"questionsKey,omitempty"`
	Reminders    []convening.Reminder `json:"reminders,omitempty"`
	// Registrants is who may register (teams when absent): registrations
	// are conditioned on it (registrantsCond).
	Registrants string `json:"registrants,omitempty"`
	// Eligibility and its version: registrations are conditioned on the
	// version they were checked against (eligibilityVersionIs).
	Eligibility        *convening.EligibilityRule `json:"eligibility,omitempty"`
	EligibilityVersion int                        `json:"eligibilityVersion,omitempty"`
	// RegistrationMode is "queued" for a queued event; absent (or
	// "direct") otherwise, which registerItems' condition requires.
	RegistrationMode string `json:"registrationMode,omitempty"`
	// Fees is feesNone from the event's creation until staff set its fee
	// policy (feesPolicy), which is never removed; absent on events stored
	// before it was kept, whose registrations read the policy.
	Fees string `json:"fees,omitempty"`

	// seatsLeft is capacity minus the seats taken and held, stored because
	// a condition expression cannot do arithmetic: "seatsLeft >= :seats" is
	// how the table itself refuses to overfill an event.
	SeatsLeft       int `json:"seatsLeft"`
	SeatsTaken      int `json:"seatsTaken"`
	RegisteredTeams int `json:"registeredTeams"`
	WaitlistLength  int `json:"waitlistLength"`
	WaitlistSeats   int `json:"waitlistSeats"`
	CheckedIn       int `json:"checkedIn"`
	SeatsHeld       int `json:"seatsHeld"`
	// WaitlistSeq is the floor of arrival numbers: no team may join the
	// waiting list under it (register.go). It rises with teams put at the
	// end of the list (one that fits but must wait, staff's moves, the
	// sequencer's placements) and when a place is told (settle).
	WaitlistSeq int64 `json:"waitlistSeq"`
	// WaitlistJoins counts the teams that joined the waiting list by
	// registering: a waitlisted registration that does not fit the seats
	// left does not raise WaitlistSeq (register.go), so a change planned
	// from the list as read is conditioned on this too.
	WaitlistJoins int64 `json:"waitlistJoins,omitempty"`

	PersonalDataErasedAt string `json:"personalDataErasedAt,omitempty"`

	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

func newEventItem(e convening.Event) eventItem {
	roles := make([]string, len(e.RequiredRoles))
	for i, r := range e.RequiredRoles {
		roles[i] = string(r)
	}
	offerHours := 0
	if e.WaitlistOffers != nil {
		offerHours = e.WaitlistOffers.RespondWithinHours
	}
	return eventItem{
		Admission: string(e.Admission), RequiredRoles: roles, RequiredRolesKey: convening.RequiredRolesKey(e.RequiredRoles),
		StatementsCloseAt: fmtTimePtr(e.StatementsCloseAt), ReviewCriteria: e.ReviewCriteria, RespondWithinHours: e.RespondWithinHours,
		WaitlistOfferHours: offerHours, AutoInvite: e.AutoInvite,
		Questions: e.Questions, QuestionsKey: convening.QuestionsKey(e.Questions), Reminders: e.Reminders,
		Registrants: string(e.Registrants), Eligibility: e.Eligibility, EligibilityVersion: e.EligibilityVersion, RegistrationMode: string(e.RegistrationMode),
		PK: eventPrefix + e.ID, SK: skEvent,
		GSI1PK: gsiEvents, GSI1SK: fmtTime(e.StartsAt) + "#" + e.ID,
		ID: e.ID, Title: e.Title, Kind: string(e.Kind), Description: e.Description,
		StartsAt: fmtTime(e.StartsAt), EndsAt: fmtTime(e.EndsAt), Venue: e.Venue, Online: e.Online,
		Capacity: e.Capacity, MaxTeamSize: e.MaxTeamSize,
		RegistrationOpensAt: fmtTime(e.RegistrationOpensAt), RegistrationClosesAt: fmtTime(e.RegistrationClosesAt),
		WaitlistPolicy: string(e.WaitlistPolicy), ParentEventID: e.ParentEventID,
		SeatsLeft: e.Capacity - e.SeatsTaken - e.SeatsHeld, SeatsTaken: e.SeatsTaken, SeatsHeld: e.SeatsHeld, RegisteredTeams: e.RegisteredTeams,
		WaitlistLength: e.WaitlistLength, WaitlistSeats: e.WaitlistSeats, CheckedIn: e.CheckedIn,
		CreatedAt: fmtTime(e.CreatedAt), UpdatedAt: fmtTime(e.UpdatedAt), PersonalDataErasedAt: fmtTimePtr(e.PersonalDataErasedAt),
	}
}

func (it eventItem) event() convening.Event {
	roles := make([]convening.Role, len(it.RequiredRoles))
	for i, r := range it.RequiredRoles {
		roles[i] = convening.Role(r)
	}
	var offers *convening.WaitlistOffers
	if it.WaitlistOfferHours > 0 {
		offers = &convening.WaitlistOffers{RespondWithinHours: it.WaitlistOfferHours}
	}
	return convening.Event{
		Admission: convening.Admission(it.Admission), RequiredRoles: roles, StatementsCloseAt: parseTimePtr(it.StatementsCloseAt),
		ReviewCriteria: it.ReviewCriteria, RespondWithinHours: it.RespondWithinHours, WaitlistOffers: offers, AutoInvite: it.AutoInvite,
		RegistrationMode: convening.RegistrationMode(it.RegistrationMode),
		Questions:        it.Questions, Reminders: it.Reminders,
		Registrants: convening.Registrants(it.Registrants), Eligibility: it.Eligibility, EligibilityVersion: it.EligibilityVersion,
		ID: it.ID, Title: it.Title, Kind: convening.Kind(it.Kind), Description: it.Description,
		StartsAt: parseTime(it.StartsAt), EndsAt: parseTime(it.EndsAt), Venue: it.Venue, Online: it.Online,
		Capacity: it.Capacity, MaxTeamSize: it.MaxTeamSize,
		RegistrationOpensAt: parseTime(it.RegistrationOpensAt), RegistrationClosesAt: parseTime(it.RegistrationClosesAt),
		WaitlistPolicy: convening.WaitlistPolicy(it.WaitlistPolicy), ParentEventID: it.ParentEventID,
		Counts: convening.Counts{SeatsTaken: it.SeatsTaken, RegisteredTeams: it.RegisteredTeams,
			WaitlistLength: it.WaitlistLength, WaitlistSeats: it.WaitlistSeats, CheckedIn: it.CheckedIn, SeatsHeld: it.SeatsHeld},
		WaitlistSeq: it.WaitlistSeq, NoFeePolicy: it.Fees == feesNone, PersonalDataErasedAt: parseTimePtr(it.PersonalDataErasedAt),
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt),
	}.WithAdmissionDefaults()
}

// rosterKey is a registration's sort key in the registrations index: one
// range per list, in list order (the registered by the time they took their
// seats, the waiting list by arrival number, the cancelled by the time they
// cancelled), so that each list reads as pages of one query. at is that
// time; seq the arrival number.
func rosterKey(list convening.Status, id string, at time.Time, seq int64) string {
	if list == convening.StatusWaitlisted {
		return regPrefix + string(list) + "#" + fmt.Sprintf("%019d", seq)
	}
	return regPrefix + string(list) + "#" + fmtTime(at) + "#" + id
}

// rosterKeyIn is where the registration stands, or would stand, in a list:
// a page cursor names a registration, which may have left that list since.
// It reports false if the registration was never in the list.
func (it registrationItem) rosterKeyIn(list convening.Status) (string, bool) {
	switch list {
	case convening.StatusRegistered:
		if it.PromotedAt != "" {
			return rosterKey(list, it.ID, parseTime(it.PromotedAt), 0), true
		}
		return rosterKey(list, it.ID, parseTime(it.CreatedAt), 0), it.WaitlistSeq == 0
	case convening.StatusWaitlisted:
		return rosterKey(list, it.ID, time.Time{}, it.WaitlistSeq), it.WaitlistSeq > 0
	case convening.StatusCancelled:
		return rosterKey(list, it.ID, parseTime(it.CancelledAt), 0), it.CancelledAt != ""
	case convening.StatusOffered, convening.StatusExpired:
		if it.Offer == nil {
			return "", false
		}
		return rosterKey(list, it.ID, parseTime(it.Offer.OfferedAt), 0), true
	}
	return "", false
}

// offerItem is a registration's offer of seats (convening.Offer).
type offerItem struct {
	Seats     int    `json:"seats"`
	RespondBy string `json:"respondBy"`
	OfferedAt string `json:"offeredAt"`
}

func newOfferItem(o *convening.Offer) *offerItem {
	if o == nil {
		return nil
	}
	return &offerItem{Seats: o.Seats, RespondBy: fmtTime(o.RespondBy), OfferedAt: fmtTime(o.OfferedAt)}
}

func (o *offerItem) offer() *convening.Offer {
	if o == nil {
		return nil
	}
	return &convening.Offer{Seats: o.Seats, RespondBy: parseTime(o.RespondBy), OfferedAt: parseTime(o.OfferedAt)}
}

type registrationItem struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
	// gsi1 files the registration in its event's lists (rosterKey); one
	// in line at a queued event (received) is in none yet.
	GSI1PK string `json:"gsi1pk,omitempty"`
	GSI1SK string `json:"gsi1sk,omitempty"`
	// gsi2 files the registration under its organization, across events
	// (none for a person registered without one).
	GSI2PK string `json:"gsi2pk,omitempty"`
	GSI2SK string `json:"gsi2sk,omitempty"`

	ID           string                 `json:"id"`
	EventID      string                 `json:"eventId"`
	Status       string                 `json:"status"`
	Seats        int                    `json:"seats"`
	WaitlistSeq  int64                  `json:"waitlistSeq,omitempty"`
	OrgKey       string                 `json:"orgKey"`
	Organization convening.Organization `json:"organization"`
	Contact      convening.Contact      `json:"contact"`
	Members      []convening.Member     `json:"members"`
	// FormerMembers: see convening.Registration.
	FormerMembers []convening.Member `json:"formerMembers,omitempty"`
	CreatedAt     string             `json:"createdAt"`
	UpdatedAt     string             `json:"updatedAt"`
	PromotedAt    string             `json:"promotedAt,omitempty"`
	CancelledAt   string             `json:"cancelledAt,omitempty"`
	ErasedAt      string             `json:"erasedAt,omitempty"`
	Offer         *offerItem         `json:"offer,omitempty"`
	// Registrant is "individual" for one person's own registration;
	// PersonClaims says it holds its people's places at the event
	// (EVENT#<id> / PERSON#<key>) while active.
	Registrant         string `json:"registrant,omitempty"`
	PersonClaims       bool   `json:"personClaims,omitempty"`
	EligibilityVersion int    `json:"eligibilityVersion,omitempty"`
	// Answers are the team's answers to the event's questions (each
	// member's are in Members).
	Answers convening.Answers `json:"answers,omitempty"`
	// RefusedReason: see convening.Registration.
	RefusedReason string `json:"refusedReason,omitempty"`
}

func newRegistrationItem(r convening.Registration) registrationItem {
	listed := r.CreatedAt // the time it took its seats, or cancelled
	switch {
	case r.Status == convening.StatusRegistered && r.PromotedAt != nil:
		listed = *r.PromotedAt
	case r.Status == convening.StatusCancelled && r.CancelledAt != nil:
		listed = *r.CancelledAt
	case (r.Status == convening.StatusOffered || r.Status == convening.StatusExpired) && r.Offer != nil:
		listed = r.Offer.OfferedAt
	}
	it := registrationItem{
		PK: regPrefix + r.ID, SK: skReg,
		GSI1PK: eventPrefix + r.EventID, GSI1SK: rosterKey(r.Status, r.ID, listed, r.WaitlistSeq),
		GSI2PK: orgPrefix + r.Organization.Key(), GSI2SK: regPrefix + fmtTime(r.CreatedAt) + "#" + r.ID,
		ID: r.ID, EventID: r.EventID, Status: string(r.Status), Seats: r.Seats, WaitlistSeq: r.WaitlistSeq,
		OrgKey: r.Organization.Key(), Organization: r.Organization, Contact: r.Contact, Members: r.Members,
		FormerMembers: r.FormerMembers, CreatedAt: fmtTime(r.CreatedAt), UpdatedAt: fmtTime(r.UpdatedAt),
		PromotedAt: fmtTimePtr(r.PromotedAt), CancelledAt: fmtTimePtr(r.CancelledAt), ErasedAt: fmtTimePtr(r.ErasedAt),
		Offer: newOfferItem(r.Offer), Answers: r.Answers, RefusedReason: string(r.RefusedReason),
		Registrant: string(r.Registrant), PersonClaims: r.PersonClaims, EligibilityVersion: r.EligibilityVersion,
	}
	if r.Organization.Name == "" {
		it.GSI2PK, it.GSI2SK = "", "" // a person outside any organization
	}
	if r.Status == convening.StatusReceived {
		it.GSI1PK, it.GSI1SK = "", "" // in line: in no list of its event yet
	}
	return it
}

// keepOrgKey keeps the organization key the registration's claim on the
// event was taken under: a record stored under a legacy key
// (convening.Organization.LegacyKey) keeps its claim there as long as it
// lives, so that the claim is found and released. Its index entry (gsi2)
// moves to today's key, where the organization's history reads first.
func (it *registrationItem) keepOrgKey(stored string) {
	if stored != "" {
		it.OrgKey = stored
	}
}

func parseTimePtr(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseTime(s)
	return &t
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func (it registrationItem) registration() convening.Registration {
	r := convening.Registration{
		ID: it.ID, EventID: it.EventID, Status: convening.Status(it.Status), Seats: it.Seats,
		WaitlistSeq: it.WaitlistSeq,
		Team:        convening.Team{Organization: it.Organization, Contact: it.Contact, Members: it.Members, Answers: it.Answers},
		CreatedAt:   parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), FormerMembers: it.FormerMembers,
	}
	if it.PromotedAt != "" {
		t := parseTime(it.PromotedAt)
		r.PromotedAt = &t
	}
	if it.CancelledAt != "" {
		t := parseTime(it.CancelledAt)
		r.CancelledAt = &t
	}
	r.ErasedAt = parseTimePtr(it.ErasedAt)
	r.Offer = it.Offer.offer()
	r.Registrant, r.PersonClaims, r.EligibilityVersion = convening.RegistrantKind(it.Registrant), it.PersonClaims, it.EligibilityVersion
	r.RefusedReason = convening.Reason(it.RefusedReason)
	return r
}

type waitItem struct {
	PK             string `json:"pk"`
	SK             string `json:"sk"`
	RegistrationID string `json:"registrationId"`
	Seats          int    `json:"seats"`
	Seq            int64  `json:"seq"`
	Organization   string `json:"organization,omitempty"`
}

func (w waitItem) entry() convening.WaitlistEntry {
	return convening.WaitlistEntry{RegistrationID: w.RegistrationID, Seq: w.Seq, Seats: w.Seats, Organization: w.Organization}
}

type orgItem struct {
	PK             string `json:"pk"`
	SK             string `json:"sk"`
	RegistrationID string `json:"registrationId"`
	Organization   string `json:"organization"`
}

// noticeItem is a notice and its delivery record (convening.Outbox). While
// it is owed, gsi1 files it under NOTICES#UNSENT by the time it is next due,
// so the sweep reads the longest-due first; a failed one under
// NOTICES#FAILED by failure time, for staff; a sent one under MSG#<SES
// message id>, so that a bounce or complaint SES reports later finds it.
type noticeItem struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI1PK string `json:"gsi1pk,omitempty"`
	GSI1SK string `json:"gsi1sk,omitempty"`
	// gsi2 files the notice under its registration (TEAM#<id>), for the
	// team's page in the staff console.
	GSI2PK string `json:"gsi2pk,omitempty"`
	GSI2SK string `json:"gsi2sk,omitempty"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	// SubjectID, SubjectKind and MemberID: see convening.Notice. The
	// subject's attribute keeps the name it had when every notice was a
	// registration's, so items written before read the same.
	SubjectID   string                `json:"registrationId"`
	EventID     string                `json:"eventId"`
	CreatedAt   string                `json:"createdAt"`
	SubjectKind convening.SubjectKind `json:"subjectKind,omitempty"`
	MemberID    string                `json:"memberId,omitempty"`
	// AboutMemberID, Fanout and Links: see convening.NoticeSpec (ids and
	// kinds only: a notice item names no one).
	AboutMemberID string                    `json:"aboutMemberId,omitempty"`
	Fanout        []convening.MemberNotices `json:"fanout,omitempty"`
	Links         []convening.LinkRef       `json:"links,omitempty"`
	// AnnouncementID names the announcement the notice carries.
	AnnouncementID string `json:"announcementId,omitempty"`
	// Position is the place on the waiting list its writer knew exactly
	// (convening.NoticeSpec.Position); 0 if it is counted when sent.
	Position int `json:"position,omitempty"`

	State      string `json:"state"`
	LeaseUntil string `json:"leaseUntil,omitempty"`
	RetryAt    string `json:"retryAt,omitempty"`
	Attempts   int    `json:"attempts,omitempty"`
	Cause      string `json:"cause,omitempty"`
	SentAt     string `json:"sentAt,omitempty"`
	FailedAt   string `json:"failedAt,omitempty"`
	MessageID  string `json:"messageId,omitempty"`
	ExpiresAt  int64  `json:"expiresAt,omitempty"`
}

func (it noticeItem) record() convening.NoticeRecord {
	r := convening.NoticeRecord{ID: it.ID, Kind: convening.NoticeKind(it.Kind), SubjectID: it.SubjectID,
		EventID: it.EventID, State: convening.NoticeState(it.State), Attempts: it.Attempts, Cause: it.Cause,
		CreatedAt: parseTime(it.CreatedAt), MessageID: it.MessageID, SubjectKind: it.SubjectKind, MemberID: it.MemberID,
		AboutMemberID: it.AboutMemberID, Fanout: it.Fanout, Links: it.Links, AnnouncementID: it.AnnouncementID}
	at := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		t := parseTime(s)
		return &t
	}
	r.SentAt, r.FailedAt = at(it.SentAt), at(it.FailedAt)
	if it.GSI1PK == gsiUnsent {
		due, _, _ := strings.Cut(it.GSI1SK, "#")
		r.DueAt = at(due)
	}
	return r
}

type idemItem struct {
	PK          string `json:"pk"`
	SK          string `json:"sk"`
	RequestHash string `json:"requestHash"`
	// Response is the registration as the first request answered it, or
	// Statement the statement.
	Response  registrationItem `json:"response"`
	Statement *statementItem   `json:"statement,omitempty"`
	Position  int              `json:"position,omitempty"`
	ExpiresAt int64            `json:"expiresAt"`
}
