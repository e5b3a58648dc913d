package convening

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RegistrationChange is what the domain decided about one registration:
// its new state and everything that goes with it. The store applies it in
// one conditional transaction — on the registration as it was read, on the
// event's seats and, for a move, on the waiting list as it was read — or
// not at all, and then asks again (UpdateRegistration).
type RegistrationChange struct {
	// After is the registration as it will be.
	After Registration
	// Counts is the change to the event's counts (ChangeOf).
	Counts Counts
	// SeatsNeeded is how many seats the event must have left: the seats
	// the change takes.
	SeatsNeeded int
	// WaitlistAsRead requires the event's waiting list to be as it was
	// read (no arrival, departure or promotion since): a move is planned
	// from the positions it read.
	WaitlistAsRead bool
	// RaiseWaitlistSeq, when set, raises the event's floor of arrival numbers:
	// a team moved to the end takes a number past every arrival so far,
	// and later arrivals must come after it.
	RaiseWaitlistSeq int64
	// Notices are the emails the change owes: the team's, and for a move
	// those of the teams whose place got worse.
	Notices []NoticeSpec
	Audit   AuditRecord
	// Hold, if set, is put (seats held until a deadline, see Holds);
	// ReleaseHold removes the subject's hold.
	Hold        *Hold
	ReleaseHold bool
	// Unchanged says the decision changes nothing: the store writes
	// nothing and answers the registration as read.
	Unchanged bool
	// Facts are the attendance facts the change writes or removes (a
	// check-in, its undo, a walk-in).
	Facts []FactChange
}

// NoticeSpec is a notice a change writes. SubjectID names its subject: a
// registration, or (SubjectKind SubjectStatement) a statement; MemberID,
// if set, addresses one member instead of the contact.
type NoticeSpec struct {
	ID          string
	Kind        NoticeKind
	SubjectID   string
	SubjectKind SubjectKind
	MemberID    string
	// AboutMemberID is the member a contact's notice is about.
	AboutMemberID string
	// Fanout are the members' own emails the contact's email brings.
	Fanout []MemberNotices
	// Links are the private links of a person's links email.
	Links []LinkRef
	// AnnouncementID names the announcement (or reminder) the notice
	// carries to its recipient.
	AnnouncementID string
	// Position, if set, is the team's place on the waiting list when the
	// notice was written, known exactly by whoever wrote it (the queue's
	// sequencer): the email tells it without counting the list.
	Position int
}

// Decision decides a change of a registration from its state as read: the
// registration and, as Reads asks, its event and the event's waiting list
// in order.
type Decision func(reg Registration, ev Event, waitlist []WaitlistEntry) (RegistrationChange, error)

// Reads says what a Decision is decided from besides the registration.
type Reads int

const (
	// ReadEvent reads the registration's event too (the seats left).
	ReadEvent Reads = iota
	// ReadWaitlist reads the event and its waiting list in order, with the
	// registration's position on it.
	ReadWaitlist
	// ReadRegistration reads the registration alone: the decision needs
	// neither seats nor the waiting list (a zero Event is passed).
	ReadRegistration
)

// RegistrationUpdater is the store's side of every change of one
// registration after it was made (a cancellation, staff actions,
// check-in, an offer's answer or lapse, erasure).
type RegistrationUpdater interface {
	// UpdateRegistration reads the registration and what reads asks for,
	// asks decide, and applies its change in one transaction, asking again
	// if anything it read changed first.
	UpdateRegistration(ctx context.Context, id string, reads Reads, decide Decision) (Registration, error)
}

// Reasons of staff actions that the state of a registration refuses.
const (
	ReasonNotWaitlisted    Reason = "not_waitlisted"     // ECONFLICT: only a waitlisted team can be moved or promoted
	ReasonNotRegistered    Reason = "not_registered"     // ECONFLICT: only a registered team checks in
	ReasonNotActive        Reason = "not_active"         // ECONFLICT: a cancelled registration cannot change
	ReasonNotEnoughSeats   Reason = "not_enough_seats"   // ECONFLICT: the change needs more seats than are left
	ReasonMoveTooFar       Reason = "move_too_far"       // ECONFLICT: a move may pass at most MaxMovePast teams
	ReasonMemberUnknown    Reason = "member_unknown"     // ENOTFOUND: no member with that id in the registration
	ReasonAlreadyCheckedIn Reason = "already_checked_in" // ECONFLICT
	ReasonNotCheckedIn     Reason = "not_checked_in"     // ECONFLICT
)

// MaxMovePast bounds the teams one move may pass: each is told its new
// place in the same transaction. Longer moves are made in steps.
const MaxMovePast = 40

// WaitlistSpacing spaces arrival numbers in stores that hand them out one
// by one, so that a move finds room between two neighbours. The DynamoDB
// store's numbers are microsecond times, mostly spaced by nature; two
// neighbours one microsecond apart (a burst in one function, a team
// placed right after the last) leave no room, and a move between them is
// refused (ReasonBusy); a place further on has room.
const WaitlistSpacing = 1 << 20

func conflict(reason Reason, format string, args ...any) *Error {
	return NewError(ECONFLICT, reason, format, args...)
}

// decideWith starts a change from reg: the new state is reg at now, with
// its audit record; the caller edits After, then finish computes counts.
func startChange(reg Registration, kind AuditKind, actor Actor, auditID, reason string, now time.Time) RegistrationChange {
	after := reg
	after.Members = slices.Clone(reg.Members)
	after.UpdatedAt = now
	after.WaitlistPosition = nil
	return RegistrationChange{After: after, Audit: AuditOf(auditID, kind, actor, reg, now, reason, reg.Summary(), nil)}
}

func (c RegistrationChange) finish(before Registration) RegistrationChange {
	c.Counts = ChangeOf(before, c.After)
	if c.Audit.After == nil {
		c.Audit.After = c.After.Summary()
	}
	return c
}

// DecidePromoteNow promotes a waitlisted team at once, out of turn, if it
// fits the seats left (staff's override of the waiting-list policy).
func DecidePromoteNow(actor Actor, auditID, noticeID, reason string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if reg.Status != StatusWaitlisted {
			return RegistrationChange{}, conflict(ReasonNotWaitlisted, "%s is not on the waiting list.", reg.Organization.Name)
		}
		if reg.Seats > ev.SeatsLeft() {
			return RegistrationChange{}, ErrNotEnoughSeats(reg.Organization.Name, reg.Seats, ev.SeatsLeft())
		}
		c := startChange(reg, AuditPromoted, actor, auditID, reason, now)
		c.After.Status, c.After.PromotedAt = StatusRegistered, &now
		c.SeatsNeeded = reg.Seats
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: NoticePromoted, SubjectID: reg.ID, Fanout: welcomeEveryMember}}
		return c.finish(reg), nil
	}
}

// DecideMove moves a waitlisted team to position (1 is the head). The team
// is told its new place; so is every team whose place gets worse, so that
// what each team was last told stays true (a place only ever gets worse by
// a move, and never silently). newID makes notice ids.
func DecideMove(actor Actor, auditID string, position int, reason string, now time.Time, newID func() string) Decision {
	return func(reg Registration, ev Event, waitlist []WaitlistEntry) (RegistrationChange, error) {
		if reg.Status != StatusWaitlisted {
			return RegistrationChange{}, conflict(ReasonNotWaitlisted, "%s is not on the waiting list.", reg.Organization.Name)
		}
		from := slices.IndexFunc(waitlist, func(w WaitlistEntry) bool { return w.RegistrationID == reg.ID })
		if from < 0 {
			return RegistrationChange{}, conflict(ReasonNotWaitlisted, "%s is not on the waiting list.", reg.Organization.Name)
		}
		if position < 1 || position > len(waitlist) {
			return RegistrationChange{}, InvalidFields("The move", Field("position", RuleRange, "min", 1, "max", len(waitlist)))
		}
		to := position - 1
		if to == from {
			return RegistrationChange{}, InvalidFields("The move", Field("position", RuleNotAbove, "of", "the current position", "max", from+1))
		}
		if d := to - from; d > MaxMovePast || -d > MaxMovePast {
			return RegistrationChange{}, conflict(ReasonMoveTooFar, "A move may pass at most %d teams; move the team in steps.", MaxMovePast)
		}
		others := slices.DeleteFunc(slices.Clone(waitlist), func(w WaitlistEntry) bool { return w.RegistrationID == reg.ID })
		// The new arrival number lies between the neighbours at the new place.
		var lo, hi int64
		if to > 0 {
			lo = others[to-1].Seq
		}
		last := false
		if to < len(others) {
			hi = others[to].Seq
		} else {
			hi, last = max(ev.WaitlistSeq, lo)+2*WaitlistSpacing, true
		}
		if hi-lo < 2 {
			return RegistrationChange{}, conflict(ReasonBusy, "The two teams at that place on the waiting list arrived in the same instant, so there is no room between them; move the team one place higher or lower.")
		}
		c := startChange(reg, AuditMoved, actor, auditID, reason, now)
		c.After.WaitlistSeq = lo + (hi-lo)/2
		c.WaitlistAsRead = true
		if last {
			c.RaiseWaitlistSeq = c.After.WaitlistSeq
		}
		c.Audit.Before = map[string]string{"position": strconv.Itoa(from + 1)}
		c.Audit.After = map[string]string{"position": strconv.Itoa(to + 1)}
		c.Notices = append(c.Notices, NoticeSpec{ID: newID(), Kind: NoticeWaitlistMoved, SubjectID: reg.ID})
		if to < from { // moved up: the teams it passed are each one place further back
			for _, w := range waitlist[to:from] {
				c.Notices = append(c.Notices, NoticeSpec{ID: newID(), Kind: NoticeWaitlistMoved, SubjectID: w.RegistrationID})
			}
			c.Audit.After["passed"] = strconv.Itoa(from - to)
		}
		return c.finish(reg), nil
	}
}

// DecideMembers replaces a team's members (a substitute, an added or a
// removed member) within the seats left: staff's change of the members,
// decided as every change of a team's people is (DecideTeamChange).
func DecideMembers(actor Actor, auditID, noticeID string, members []Member, reason string, now time.Time, newID func() string) Decision {
	return DecideTeamChange(actor, auditID, noticeID, TeamChange{Members: &members}, reason, now, newID)
}

// DecideContact replaces the team's contact, who is told by email
// (DecideTeamChange).
func DecideContact(actor Actor, auditID, noticeID string, contact Contact, reason string, now time.Time) Decision {
	return DecideTeamChange(actor, auditID, noticeID, TeamChange{Contact: &contact}, reason, now, NewID)
}

// DecideResend writes a new notice of kind for the registration: the email
// again, with the team's details as they are now.
func DecideResend(actor Actor, auditID, noticeID string, kind NoticeKind, reason string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		c := startChange(reg, AuditEmailResent, actor, auditID, reason, now)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"email": string(kind)}
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: kind, SubjectID: reg.ID}}
		return c.finish(reg), nil
	}
}

// DecideCheckIn checks a member of a registered team in at the door, or
// (undo) out again. No email: the team is at the door.
func DecideCheckIn(actor Actor, auditID, memberID string, undo bool, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if reg.Status != StatusRegistered {
			return RegistrationChange{}, conflict(ReasonNotRegistered, "%s is not registered.", reg.Organization.Name)
		}
		i := slices.IndexFunc(reg.Members, func(m Member) bool { return m.ID == memberID })
		if i < 0 {
			return RegistrationChange{}, NewError(ENOTFOUND, ReasonMemberUnknown, "No member with that id in the registration.")
		}
		kind := AuditCheckedIn
		if undo {
			kind = AuditCheckInUndone
		}
		c := startChange(reg, kind, actor, auditID, "", now)
		m := &c.After.Members[i]
		switch {
		case !undo && m.CheckedInAt != nil:
			return RegistrationChange{}, conflict(ReasonAlreadyCheckedIn, "%s is already checked in.", m.Name)
		case undo && m.CheckedInAt == nil:
			return RegistrationChange{}, conflict(ReasonNotCheckedIn, "%s is not checked in.", m.Name)
		case undo:
			m.CheckedInAt = nil
		default:
			m.CheckedInAt = &now
		}
		c.Audit.Before, c.Audit.After = nil, map[string]string{"person": m.Name, "role": string(m.Role)}
		c.Facts = checkInFacts(ev, reg, c.After, now)
		return c.finish(reg), nil
	}
}

// DecideWalkIn adds a member to a registered team at the door and checks
// them in. Without replaces the walk-in takes a seat of their own, seats
// permitting. With replaces, the id of a member of the team who has not
// checked in (a no-show), the walk-in takes that member's place and seat,
// as a substitution does (DecideTeamChange): no seat is added, so it works
// at a full event and never oversells, and the member replaced leaves the
// team (FormerMembers, a calendar cancellation). Either way the team must
// stay valid for the event (its size, its required roles).
func DecideWalkIn(actor Actor, auditID, noticeID string, member Member, replaces, reason string, now time.Time, newID func() string) Decision {
	return func(reg Registration, ev Event, wl []WaitlistEntry) (RegistrationChange, error) {
		if reg.Status != StatusRegistered {
			return RegistrationChange{}, conflict(ReasonNotRegistered, "%s is not registered.", reg.Organization.Name)
		}
		members, at := slices.Clone(reg.Members), len(reg.Members)
		if replaces == "" {
			member.ID = ""
			members = append(members, member)
		} else {
			at = slices.IndexFunc(members, func(m Member) bool { return m.ID == replaces })
			if err := checkNoShow(reg, at, member); err != nil {
				return RegistrationChange{}, err
			}
			// Given with the no-show's id and another address, the
			// walk-in is their substitute (nextMembers).
			member.ID = replaces
			members[at] = member
		}
		c, err := DecideMembers(actor, auditID, noticeID, members, reason, now, newID)(reg, ev, wl)
		if err != nil {
			return c, err
		}
		walkIn := &c.After.Members[at]
		walkIn.CheckedInAt = &now
		c.Audit.After["walkIn"] = personWords(*walkIn)
		c.Facts = checkInFacts(ev, reg, c.After, now)
		c.Counts = ChangeOf(reg, c.After)
		return c, nil
	}
}

// ReasonNoShowCheckedIn is the conflict of a walk-in given in place of a
// member who has checked in since the door's list was read.
const ReasonNoShowCheckedIn Reason = "member_checked_in" // ECONFLICT

// checkNoShow refuses a walk-in in place of the member at index at unless
// that is a member of the team who has not checked in, and someone else.
func checkNoShow(reg Registration, at int, walkIn Member) error {
	var noShows []string
	for _, m := range reg.Members {
		if m.CheckedInAt == nil {
			noShows = append(noShows, m.ID)
		}
	}
	if at < 0 {
		return InvalidFields("The walk-in", Field("replaces", RuleOneOf, "values", noShows))
	}
	was := reg.Members[at]
	if was.CheckedInAt != nil {
		e := conflict(ReasonNoShowCheckedIn, "%s has checked in: a walk-in can take the place only of a member who has not come.", was.Name)
		e.Fields = []FieldError{Field("replaces", RuleOneOf, "values", noShows)}
		return e
	}
	if strings.EqualFold(strings.TrimSpace(walkIn.Email), was.Email) {
		return InvalidFields("The walk-in", Field(fmt.Sprintf("members[%d].email", at), RuleDuplicateOf, "of", "replaces"))
	}
	return nil
}

// ErrNotEnoughSeats is the conflict of a change that needs more seats than
// the event has left, in words that name both.
func ErrNotEnoughSeats(who string, needed, left int) error {
	return conflict(ReasonNotEnoughSeats, "%s needs %s; %s.", who, Plural(needed, "seat", "seats"), seatsLeftPhrase(left))
}

func seatsLeftPhrase(n int) string {
	switch n {
	case 0:
		return "none are left"
	case 1:
		return "1 is left"
	}
	return fmt.Sprintf("%d are left", n)
}

// Plural is n and the noun, singular for one.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
