package convening

import (
	"slices"
	"time"
)

// A member of a registered team has a private link of their own: it shows
// their attendance, the event and who else is on the team (names and
// roles), and lets them say they cannot attend. It gives none of the
// contact's powers.

// AttendeeTokenSubject is what a member's personal token of a registration
// signs: the registration and the member under a label of its own, so that
// a member's token is never a registration's manage token, nor a
// statement member's (MemberTokenSubject), nor another member's.
func AttendeeTokenSubject(registrationID, memberID string) string {
	return "attendee\x00" + registrationID + "\x00" + memberID
}

// ReasonMemberLeft: ENOTFOUND, the member's link names a member no longer
// on the team (a substitute took their place, or they were removed).
const ReasonMemberLeft Reason = "member_left"

// DecideAttendance records a member's own word: that they cannot attend
// (cantAttend), or that they can after all. Their seat stays the team's;
// the contact is told at once, and substitutes them or releases the seat
// (DecideTeamChange). Saying the same twice changes nothing.
func DecideAttendance(memberID string, cantAttend bool, auditID, noticeID string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		i := slices.IndexFunc(reg.Members, func(m Member) bool { return m.ID == memberID })
		switch {
		case i < 0:
			return RegistrationChange{}, NewError(ENOTFOUND, ReasonMemberLeft, "That member is no longer on the team.")
		case !reg.Status.Active():
			return RegistrationChange{}, conflict(ReasonNotActive, "The registration of %s is cancelled.", reg.Organization.Name)
		case !now.Before(ev.EndsAt):
			return RegistrationChange{}, conflict(ReasonEventStarted, "%s is over.", ev.Title)
		case (reg.Members[i].CantAttendAt != nil) == cantAttend:
			return RegistrationChange{Unchanged: true}, nil
		}
		kind, notice := AuditMemberCanAttend, NoticeMemberCanAttend
		if cantAttend {
			kind, notice = AuditMemberCantAttend, NoticeMemberCantAttend
		}
		c := startChange(reg, kind, TeamActor, auditID, "", now)
		m := &c.After.Members[i]
		m.CantAttendAt = nil
		if cantAttend {
			m.CantAttendAt = &now
		}
		c.Audit.Before, c.Audit.After = nil, map[string]string{"person": m.Name, "role": string(m.Role)}
		c.Notices = []NoticeSpec{{ID: noticeID, Kind: notice, SubjectID: reg.ID, AboutMemberID: m.ID}}
		return c.finish(reg), nil
	}
}
