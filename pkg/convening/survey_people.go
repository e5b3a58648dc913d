package convening

import (
	"context"
	"fmt"
)

// The people a survey goes to: who came (Attendance), their personal
// links, and the emails they are sent.

// Attendance says who came to an event: the people its survey is sent to.
// The check-ins at the door say it (CheckIns); an online event's
// attendance is who attended the meeting (OnlineAttendees; see ByFormat).
type Attendance interface {
	// Attendees returns the people who came to e, each once, with an
	// address to write to.
	Attendees(ctx context.Context, e Event) ([]SurveyAttendee, error)
}

// RosterReads is what reading an event's roster needs: the event and its
// lists.
type RosterReads interface {
	EventReader
	RosterReader
}

// CheckIns is attendance from the check-ins at the door: the members of
// registered teams checked in (walk-ins included).
type CheckIns struct {
	Store RosterReads
}

// Attendees returns the members checked in; an erased member (no address
// left) is not among them.
func (c CheckIns) Attendees(ctx context.Context, e Event) ([]SurveyAttendee, error) {
	_, regs, err := allRegistrations(ctx, c.Store, e.ID, StatusRegistered)
	if err != nil {
		return nil, fmt.Errorf("attendance of %s: %w", e.ID, err)
	}
	var out []SurveyAttendee
	for _, r := range regs {
		for _, m := range r.Members {
			if m.CheckedInAt == nil || m.Email == "" || m.ID == "" {
				continue
			}
			out = append(out, SurveyAttendee{RegistrationID: r.ID, MemberID: m.ID, Name: m.Name, Email: m.Email, Role: m.Role,
				Organization: r.Organization})
		}
	}
	return out, nil
}

// OnlineAttendanceReads is what an online event's attendance needs: the
// roster and the attendance records of its participant report.
type OnlineAttendanceReads interface {
	RosterReads
	// EventOnlineAttendance: see OnlineAttendanceStore.
	EventOnlineAttendance(ctx context.Context, eventID string) ([]OnlineAttendance, []Unmatched, error)
}

// OnlineAttendees is an online event's attendance: the members of
// registered registrations (teams' and individuals') whose record says
// they attended, from the participant report's minutes against the
// event's threshold or from staff's override (OnlineAttendance.Attended),
// as the event's attendance page counts them. A member with no record
// (no report yet, or none that named them) did not attend: staff who have
// no report mark people attended by override.
type OnlineAttendees struct {
	Store OnlineAttendanceReads
}

// Attendees returns the members who attended; an erased member (no
// address left) is not among them.
func (o OnlineAttendees) Attendees(ctx context.Context, e Event) ([]SurveyAttendee, error) {
	recs, _, err := o.Store.EventOnlineAttendance(ctx, e.ID)
	if err != nil {
		return nil, fmt.Errorf("online attendance of %s: %w", e.ID, err)
	}
	attended := map[[2]string]bool{}
	for _, r := range recs {
		if r.Attended() {
			attended[[2]string{r.RegistrationID, r.MemberID}] = true
		}
	}
	if len(attended) == 0 {
		return nil, nil
	}
	_, regs, err := allRegistrations(ctx, o.Store, e.ID, StatusRegistered)
	if err != nil {
		return nil, fmt.Errorf("online attendance of %s: %w", e.ID, err)
	}
	var out []SurveyAttendee
	for _, r := range regs {
		for _, m := range r.Members {
			if !attended[[2]string{r.ID, m.ID}] || m.Email == "" || m.ID == "" {
				continue
			}
			out = append(out, SurveyAttendee{RegistrationID: r.ID, MemberID: m.ID, Name: m.Name, Email: m.Email, Role: m.Role,
				Organization: r.Organization})
		}
	}
	return out, nil
}

// ByFormat is attendance by the event's format: an online event's from
// Online (who attended the sessions), any other's from InPerson (the
// check-ins). Without Online, an online event's attendance is its
// check-ins too (staff check people in as they join).
type ByFormat struct {
	InPerson, Online Attendance
}

// Attendees returns the attendance of e's format.
func (b ByFormat) Attendees(ctx context.Context, e Event) ([]SurveyAttendee, error) {
	if e.Online && b.Online != nil {
		return b.Online.Attendees(ctx, e)
	}
	return b.InPerson.Attendees(ctx, e)
}

// surveyLabel is the survey links' label: a survey token opens nothing
// else, and no other token opens a survey.
const surveyLabel = "lmi-survey-v1"

// SurveyToken is a person's personal survey token: an HMAC of the event
// and the person under the manage-token secret, like a manage token but
// under a label of its own.
func (m *ManageTokens) SurveyToken(eventID, personID string) string {
	return m.token(surveyLabel, eventID+":"+personID)
}

// ValidSurveyToken reports in constant time whether token is the person's
// survey token.
func (m *ManageTokens) ValidSurveyToken(eventID, personID, token string) bool {
	return m.valid(surveyLabel, eventID+":"+personID, token)
}

// The survey's notices: to one person, about their invitation.
const (
	NoticeSurveyInvitation NoticeKind = "survey_invitation" // the survey is open: the person's link
	NoticeSurveyReminder   NoticeKind = "survey_reminder"   // not answered yet; the closing date
)

// SubjectSurvey marks a notice about a person's survey invitation: its
// SubjectID is the person (SurveyAttendee.PersonID), its event the survey's.
const SubjectSurvey SubjectKind = "survey"

// surveyNotice is the notice a survey invitation owes.
func surveyNotice(id string, kind NoticeKind, personID string) NoticeSpec {
	return NoticeSpec{ID: id, Kind: kind, SubjectID: personID, SubjectKind: SubjectSurvey}
}

// SurveyNotice is the email a notice about a survey invitation owes, from
// the invitation, its event and the survey as they are when it goes out.
// An erased invitation is owed nothing (ErrNoticeNotFound).
func SurveyNotice(rec NoticeRecord, inv SurveyInvitation, e Event, s Survey) (Notice, error) {
	if inv.Email == "" || inv.ErasedAt != nil {
		return Notice{}, fmt.Errorf("notice %s: the invitation was erased: %w", rec.ID, ErrNoticeNotFound)
	}
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: inv.PersonID, SubjectKind: SubjectSurvey,
		To: Contact{Name: inv.Name, Email: inv.Email}, Organization: Organization{Name: inv.OrganizationName, Type: inv.OrganizationType},
		Event: e.Summary(), CreatedAt: rec.CreatedAt}
	if s.ClosesAt != nil {
		by := *s.ClosesAt
		n.RespondBy = &by
	}
	return n, nil
}
