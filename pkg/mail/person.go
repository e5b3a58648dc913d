package mail

import (
	"errors"
	"net/mail"
	"slices"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
)

// JoinURL returns one registered member's personal link to join an online
// event, <base>/join/<registrationId>/<memberId>?token=<token>: the same
// private-link scheme as the manage link, under its own label
// (convening.JoinTokenSubject), so it opens the meeting for that member
// and nothing else. Like every private link it must never be logged.
//
// The reminder emails of an online event include it for each member (see
// convening.JoinTargets for who gets one).
func (l Links) JoinURL(registrationID, memberID string) (string, error) {
	if registrationID == "" || memberID == "" {
		return "", errors.New("mail: join link needs a registration and a member id")
	}
	return l.private(convening.JoinTokenSubject(registrationID, memberID), "join", registrationID, memberID)
}

// RegistrantJoinURL returns the personal join link of the registrant of
// reg whose address is email (compared normalized): the link of the member
// of a registered registration of an online event with that address, as
// convening.JoinTargets lists them. ok is false when there is none (an
// in-person event, no seat yet or any more, a team contact who is not a
// member, an erased address): the email then carries no join link. It is
// the one place that picks the link for a recipient: the confirmations do,
// and the reminders of an online event should.
func (l Links) RegistrantJoinURL(e convening.Event, reg convening.Registration, email string) (u string, ok bool, err error) {
	want := convening.NormalizeEmail(email)
	if want == "" {
		return "", false, nil
	}
	for _, t := range convening.JoinTargets(e, reg) {
		if t.MemberID != "" && t.Email != "" && convening.NormalizeEmail(t.Email) == want {
			u, err := l.JoinURL(t.RegistrationID, t.MemberID)
			return u, err == nil, err
		}
	}
	return "", false, nil
}

// reminderJoin gives a reminder of an online event its recipient's own
// join link, through RegistrantJoinURL like the confirmations: the member
// the notice names (that member's link only, even if another member
// shares the address), or the contact when the contact is a member (an
// individual always is). A contact who is no member gets none: the email
// says the members' links are on the team's private page.
func reminderJoin(v *view, n convening.Notice, links Links) error {
	if n.Kind != convening.NoticeReminder || !n.Event.Online || n.Status != convening.StatusRegistered {
		return nil
	}
	v.OnlineSeat = true
	members := n.Members
	if n.MemberID != "" {
		i := slices.IndexFunc(members, func(m convening.Member) bool { return m.ID == n.MemberID })
		if i < 0 {
			return nil // no longer on the team: the notice has no address either
		}
		members = members[i : i+1]
	}
	u, _, err := links.RegistrantJoinURL(convening.Event{ID: n.Event.ID, Online: true},
		convening.Registration{ID: n.SubjectID, EventID: n.Event.ID, Status: n.Status, Team: convening.Team{Members: members}}, n.To.Email)
	v.JoinURL = u
	return err
}

// personTemplates are the templates of the registration kinds that speak
// to one person registered on their own rather than to a team's contact.
var personTemplates = map[convening.NoticeKind]string{
	convening.NoticeRegistered:    "person_registered",
	convening.NoticeWaitlisted:    "person_waitlisted",
	convening.NoticePromoted:      "person_promoted",
	convening.NoticeCancelled:     "person_cancelled",
	convening.NoticeWaitlistMoved: "person_waitlist_moved",
	convening.NoticeOffered:       "person_offered",
	convening.NoticeOfferReminder: "person_offer_reminder",
	convening.NoticeOfferExpired:  "person_offer_expired",
}

// personalize fits the email to its recipient: an individual's notice
// takes the person templates, and an email that confirms a seat at an
// online event carries the recipient's own join link (an individual's, or
// a team contact's who is a member: never another member's, who gets
// theirs on their own).
func personalize(v *view, n convening.Notice, links Links, textName, htmlName *string) error {
	if n.Individual {
		if t, ok := personTemplates[n.Kind]; ok {
			v.Individual, *textName, *htmlName = true, t, t
			v.EventURL = links.EventURL(n.Event.ID)
			if a, err := mail.ParseAddress(links.Organizer); err == nil {
				v.StaffEmail = a.Address
			}
		}
	}
	if !n.Event.Online || n.Status != convening.StatusRegistered || (n.Kind != convening.NoticeRegistered && n.Kind != convening.NoticePromoted) {
		return nil
	}
	v.OnlineSeat = true
	to := n.To.Email
	if n.Individual && len(n.Members) > 0 {
		// An individual's registration is their one seat.
		to = n.Members[0].Email
	}
	u, _, err := links.RegistrantJoinURL(convening.Event{ID: n.Event.ID, Online: n.Event.Online},
		convening.Registration{ID: n.SubjectID, EventID: n.Event.ID, Status: n.Status, Team: convening.Team{Members: n.Members}}, to)
	v.JoinURL = u
	return err
}

// personSubject words a subject for one person registered on their own.
func personSubject(n convening.Notice, subject string) string {
	if !n.Individual {
		return subject
	}
	return strings.NewReplacer("seats are held for your team at", "a seat is held for you at",
		"accept your seats at", "accept your seat at", "Seats confirmed", "Seat confirmed").Replace(subject)
}
