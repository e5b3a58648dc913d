package convening

import (
	"context"
	"strconv"
	"time"
)

// The audit log's survey kinds: staff's changes of a survey. Answers
// leave no audit record: it would say who answered when.
const (
	AuditSurveySaved          AuditKind = "survey_saved"
	AuditSurveySent           AuditKind = "survey_sent"
	AuditSurveyClosingChanged AuditKind = "survey_closing_changed"
	AuditSurveyComment        AuditKind = "survey_comment_published"
)

// SurveyService is staff's evaluation survey: building it (from
// DefaultSurvey), sending it once the event is over to the people who came
// (its Attendance), its closing date, its report and the comments chosen
// for publication; and the sweep that reminds those who have not answered,
// which the promoter's schedule runs.
type SurveyService struct {
	Basics
	store      SurveyStorage
	attendance Attendance
}

// SurveyStorage is what SurveyService needs of storage.
type SurveyStorage interface {
	EventReader
	SurveyReader
	SurveyUpdater
	SurveyInviter
	SurveyPeople
	SurveyResponses
	SurveyReminders
}

// NewSurveyService returns staff's surveys over store, sent to the people
// attendance names (which must not be nil: ByFormat{InPerson:
// CheckIns{store}, Online: OnlineAttendees{store}} reads the check-ins, or
// an online event's attendance).
func NewSurveyService(b Basics, store SurveyStorage, attendance Attendance) *SurveyService {
	if attendance == nil {
		panic("convening: a survey service needs the attendance")
	}
	return &SurveyService{Basics: b, store: store, attendance: attendance}
}

// EventSurvey returns an event and its survey. Errors: ENOTFOUND (the
// event; ReasonSurveyUnknown: it has none yet).
func (s *SurveyService) EventSurvey(ctx context.Context, eventID string) (Event, Survey, error) {
	if !ValidEventID(eventID) {
		return Event{}, Survey{}, ErrEventNotFound
	}
	e, err := s.store.Event(ctx, eventID)
	if err != nil {
		return Event{}, Survey{}, err
	}
	sv, err := s.store.Survey(ctx, eventID)
	return e, sv, err
}

// SaveSurvey creates the event's survey, or replaces its definition while
// it is a draft. Errors: EINVALID, ENOTFOUND, ECONFLICT (ReasonSurveySent).
func (s *SurveyService) SaveSurvey(ctx context.Context, actor Actor, eventID string, def SurveyDefinition) (Survey, error) {
	if !ValidEventID(eventID) {
		return Survey{}, ErrEventNotFound
	}
	def.Normalize()
	if def.ReminderDays == nil {
		def.ReminderDays = append([]int{}, DefaultReminderDays...)
	}
	if err := def.Validate(); err != nil {
		return Survey{}, err
	}
	now := s.Now()
	auditID := s.NewID()
	return s.store.UpdateSurvey(ctx, eventID, func(sv *Survey, e Event) (SurveyChange, error) {
		after := Survey{EventID: e.ID, SurveyDefinition: def, CreatedAt: now, UpdatedAt: now, Version: 1}
		before := map[string]string(nil)
		if sv != nil {
			if sv.SentAt != nil {
				return SurveyChange{}, NewError(ECONFLICT, ReasonSurveySent, "The survey was sent on %s: its questions can no longer change.", sv.SentAt.In(Pacific).Format("January 2, 2006"))
			}
			after.CreatedAt, after.Version = sv.CreatedAt, sv.Version+1
			before = map[string]string{"items": strconv.Itoa(len(sv.Items))}
		}
		return SurveyChange{After: after, Audit: surveyAudit(auditID, e.ID, AuditSurveySaved, actor, now, before,
			map[string]string{"items": strconv.Itoa(len(def.Items))})}, nil
	})
}

func surveyAudit(id, eventID string, kind AuditKind, actor Actor, at time.Time, before, after map[string]string) AuditRecord {
	return AuditRecord{ID: id, EventID: eventID, Kind: kind, Actor: actor, At: at, Before: before, After: after}
}

// checkClosesAt checks a survey's closing date: after now, and at most
// SurveyOpenDays after the event ends (its people are erased later).
func checkClosesAt(t time.Time, now time.Time, e Event) error {
	var v validation
	switch {
	case !t.After(now):
		v.add("closesAt", RuleAfter, "of", "now")
	case t.After(e.EndsAt.Add(SurveyOpenDays * 24 * time.Hour)):
		v.add("closesAt", RuleMaxDays, "max", SurveyOpenDays, "of", "the event's end")
	}
	return v.err("The survey")
}

// SendReport says what sending did.
type SendReport struct {
	Survey Survey `json:"survey"`
	// NewlyInvited counts the people this sending invited; Attendees all
	// the people who came.
	NewlyInvited int `json:"newlyInvited"`
	Attendees    int `json:"attendees"`
}

// SendSurvey sends the survey to the people who came to the event and
// have not been sent it yet: the first time (closesAt required) it opens
// the survey until closesAt; later, it invites those whose attendance was
// recorded since (a late check-in), and closesAt, if given, moves the
// closing date. Each person is emailed a personal link.
// Errors: EINVALID (closesAt), ENOTFOUND (ReasonSurveyUnknown: no survey),
// ECONFLICT (ReasonEventNotOver, ReasonSurveyClosed, ReasonNoAttendees).
func (s *SurveyService) SendSurvey(ctx context.Context, actor Actor, eventID string, closesAt *time.Time) (SendReport, error) {
	e, sv, err := s.EventSurvey(ctx, eventID)
	if err != nil {
		return SendReport{}, err
	}
	now := s.Now()
	switch {
	case now.Before(e.EndsAt):
		return SendReport{}, NewError(ECONFLICT, ReasonEventNotOver, "The survey goes to the people who came: send it once %s has ended.", e.Title)
	case sv.SentAt == nil && closesAt == nil:
		return SendReport{}, InvalidFields("The survey", Field("closesAt", RuleRequired))
	case closesAt != nil:
		if err := checkClosesAt(*closesAt, now, e); err != nil {
			return SendReport{}, err
		}
	case sv.State(now) == SurveyClosed:
		return SendReport{}, NewError(ECONFLICT, ReasonSurveyClosed, "The survey closed on %s: give it a later closing date to send it again.", When(*sv.ClosesAt, time.Time{}))
	}
	attendees, err := s.attendance.Attendees(ctx, e)
	if err != nil {
		return SendReport{}, err
	}
	invited, err := s.store.SurveyInvitations(ctx, eventID, "")
	if err != nil {
		return SendReport{}, err
	}
	seen := map[string]bool{}
	for _, inv := range invited {
		seen[inv.PersonID] = true
	}
	var fresh []SurveyAttendee
	for _, a := range attendees {
		if id := a.PersonID(); !seen[id] {
			seen[id] = true
			fresh = append(fresh, a)
		}
	}
	if sv.SentAt == nil && len(fresh) == 0 {
		return SendReport{}, NewError(ECONFLICT, ReasonNoAttendees, "Nobody is recorded as having come to %s: check people in first.", e.Title)
	}
	auditID := s.NewID()
	sv, err = s.store.UpdateSurvey(ctx, eventID, func(cur *Survey, e Event) (SurveyChange, error) {
		if cur == nil {
			return SurveyChange{}, ErrSurveyNotFound
		}
		after := *cur
		before := map[string]string{}
		if after.SentAt == nil {
			after.SentAt = &now
		}
		if closesAt != nil {
			if after.ClosesAt != nil {
				before["closesAt"] = after.ClosesAt.UTC().Format(time.RFC3339)
			}
			t := closesAt.UTC()
			after.ClosesAt = &t
		} else if after.State(now) == SurveyClosed {
			return SurveyChange{}, ErrSurveyClosed
		}
		after.Version++
		after.UpdatedAt = now
		return SurveyChange{After: after, Audit: surveyAudit(auditID, e.ID, AuditSurveySent, actor, now, before, map[string]string{
			"closesAt": after.ClosesAt.UTC().Format(time.RFC3339), "newlyInvited": strconv.Itoa(len(fresh))})}, nil
	})
	if err != nil {
		return SendReport{}, err
	}
	invites := make([]SurveyInvite, len(fresh))
	for i, a := range fresh {
		inv := SurveyInvitation{EventID: eventID, PersonID: a.PersonID(), RegistrationID: a.RegistrationID, Name: a.Name, Email: a.Email,
			Role: a.Role, OrganizationName: a.Organization.Name, OrganizationType: a.Organization.Type, InvitedAt: now}
		inv.NextReminderAt = nextReminder(now, sv.ReminderDays, 0, sv.ClosesAt)
		invites[i] = SurveyInvite{Invitation: inv, Notice: surveyNotice(s.NewID(), NoticeSurveyInvitation, inv.PersonID)}
	}
	n, err := s.store.InviteToSurvey(ctx, eventID, invites, now)
	if err != nil {
		return SendReport{}, err
	}
	if sv, err = s.store.Survey(ctx, eventID); err != nil {
		return SendReport{}, err
	}
	return SendReport{Survey: sv, NewlyInvited: n, Attendees: len(attendees)}, nil
}

// CloseSurvey changes a sent survey's closing date: closesAt, or now if
// nil (it closes at once). Reminders stop at the closing date; extending it
// does not bring back reminders already dropped.
// Errors: EINVALID (closesAt), ENOTFOUND, ECONFLICT (ReasonSurveyNotSent).
func (s *SurveyService) CloseSurvey(ctx context.Context, actor Actor, eventID string, closesAt *time.Time) (Survey, error) {
	if !ValidEventID(eventID) {
		return Survey{}, ErrEventNotFound
	}
	now := s.Now()
	auditID := s.NewID()
	return s.store.UpdateSurvey(ctx, eventID, func(sv *Survey, e Event) (SurveyChange, error) {
		switch {
		case sv == nil:
			return SurveyChange{}, NewError(ENOTFOUND, ReasonSurveyUnknown, "%s has no survey.", e.Title)
		case sv.SentAt == nil:
			return SurveyChange{}, NewError(ECONFLICT, ReasonSurveyNotSent, "The survey has not been sent: there is nothing to close.")
		}
		at := now
		if closesAt != nil {
			if err := checkClosesAt(*closesAt, now, e); err != nil {
				return SurveyChange{}, err
			}
			at = closesAt.UTC()
		}
		after := *sv
		after.ClosesAt, after.UpdatedAt = &at, now
		after.Version++
		before := map[string]string{}
		if sv.ClosesAt != nil {
			before["closesAt"] = sv.ClosesAt.UTC().Format(time.RFC3339)
		}
		return SurveyChange{After: after, Audit: surveyAudit(auditID, e.ID, AuditSurveyClosingChanged, actor, now, before,
			map[string]string{"closesAt": at.Format(time.RFC3339)})}, nil
	})
}

// SurveyReport returns an event, its survey and the survey's report.
// Errors: ENOTFOUND.
func (s *SurveyService) SurveyReport(ctx context.Context, eventID string) (Event, Survey, SurveyReport, error) {
	e, sv, err := s.EventSurvey(ctx, eventID)
	if err != nil {
		return Event{}, Survey{}, SurveyReport{}, err
	}
	responses, err := s.store.SurveyResponses(ctx, eventID)
	if err != nil {
		return Event{}, Survey{}, SurveyReport{}, err
	}
	return e, sv, sv.Report(responses), nil
}

// PublishComment marks a comment (a text answer, CommentID) for
// publication, or takes the mark off. Errors: ENOTFOUND
// (ReasonCommentUnknown).
func (s *SurveyService) PublishComment(ctx context.Context, actor Actor, eventID, commentID string, published bool) error {
	responseID, itemID, ok := SplitCommentID(commentID)
	if !ok {
		return ErrCommentUnknown
	}
	_, sv, err := s.EventSurvey(ctx, eventID)
	if err != nil {
		return err
	}
	if it, ok := sv.Item(itemID); !ok || it.Type != SurveyText {
		return ErrCommentUnknown
	}
	now := s.Now()
	audit := surveyAudit(s.NewID(), eventID, AuditSurveyComment, actor, now, nil,
		map[string]string{"comment": commentID, "published": strconv.FormatBool(published)})
	return s.store.PublishSurveyComment(ctx, eventID, responseID, itemID, published, audit)
}

// SweepSurveyReminders reminds the people whose reminder is due and who
// have not answered, while their survey is open, and files each for its
// next reminder; once a survey has closed, its reminders are dropped. It
// reports how many invitations it acted on, and is safe to run any number
// of times, at once.
func (s *SurveyService) SweepSurveyReminders(ctx context.Context) (int, error) {
	now := s.Now()
	due, err := s.store.DueSurveyReminders(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	surveys := map[string]*Survey{}
	acted := 0
	for _, inv := range due {
		sv, ok := surveys[inv.EventID]
		if !ok {
			got, err := s.store.Survey(ctx, inv.EventID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return acted, err
			}
			if err == nil {
				sv = &got
			}
			surveys[inv.EventID] = sv
		}
		var notice *NoticeSpec
		var next *time.Time
		if sv != nil && sv.State(now) == SurveyOpen && inv.AnsweredAt == nil && inv.ErasedAt == nil {
			n := surveyNotice(s.NewID(), NoticeSurveyReminder, inv.PersonID)
			notice = &n
			next = nextReminder(inv.InvitedAt, sv.ReminderDays, inv.Reminded+1, sv.ClosesAt)
		}
		switch err := s.store.RemindSurvey(ctx, inv, notice, next, now); {
		case err == nil:
			acted++
		case ErrorReason(err) == ReasonBusy:
			// Answered or reminded meanwhile: nothing to do.
		default:
			s.Log.WarnContext(ctx, "survey reminder not swept; the next sweep retries", "event", inv.EventID, "error", err)
		}
	}
	return acted, nil
}

// SurveyAnswerService is a person's side of a survey: reading it and
// answering it once, by their personal link.
type SurveyAnswerService struct {
	Basics
	store  SurveyAnswerStorage
	tokens *ManageTokens
}

// SurveyAnswerStorage is what SurveyAnswerService needs of storage.
type SurveyAnswerStorage interface {
	EventReader
	SurveyReader
	SurveyInvitationReader
	SurveyAnswerer
}

// NewSurveyAnswerService returns people's answers over store, with the
// tokens of their links (which must not be nil).
func NewSurveyAnswerService(b Basics, store SurveyAnswerStorage, tokens *ManageTokens) *SurveyAnswerService {
	return &SurveyAnswerService{Basics: b, store: store, tokens: mustTokens("a survey answer service", tokens)}
}

// PersonalSurvey is a survey as one invited person sees it.
type PersonalSurvey struct {
	Event      Event
	Survey     Survey
	Invitation SurveyInvitation
}

// State is where the survey stands for the person at now: open, closed,
// or answered (already).
func (p PersonalSurvey) State(now time.Time) string {
	if p.Invitation.AnsweredAt != nil {
		return "answered"
	}
	return string(p.Survey.State(now))
}

// SurveyToken is a person's token (for their link).
func (s *SurveyAnswerService) SurveyToken(eventID, personID string) string {
	return s.tokens.SurveyToken(eventID, personID)
}

// PersonalSurvey returns the survey to the holder of a person's link. A
// wrong token, an unknown person or an erased invitation answers
// ErrSurveyNotFound.
func (s *SurveyAnswerService) PersonalSurvey(ctx context.Context, eventID, personID, token string) (PersonalSurvey, error) {
	if len(eventID) > maxIDLen || len(personID) > 160 || !s.tokens.ValidSurveyToken(eventID, personID, token) {
		return PersonalSurvey{}, ErrSurveyNotFound
	}
	inv, err := s.store.SurveyInvitation(ctx, eventID, personID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return PersonalSurvey{}, ErrSurveyNotFound
	case err != nil:
		return PersonalSurvey{}, err
	case inv.ErasedAt != nil:
		return PersonalSurvey{}, ErrSurveyNotFound
	}
	sv, err := s.store.Survey(ctx, eventID)
	if err != nil {
		return PersonalSurvey{}, err
	}
	e, err := s.store.Event(ctx, eventID)
	if err != nil {
		return PersonalSurvey{}, err
	}
	// The counts are staff's.
	sv.Invited, sv.Answered = 0, 0
	return PersonalSurvey{Event: e, Survey: sv, Invitation: inv}, nil
}

// AnswerSurvey stores a person's answers, once: the response without the
// person, and the record that the person has answered, together.
// Errors: ENOTFOUND (ErrSurveyNotFound), ECONFLICT (ErrSurveyAnswered:
// answered already, whatever this answer holds; ErrSurveyClosed),
// EINVALID (CheckAnswers; answers empty), EUNAVAILABLE.
func (s *SurveyAnswerService) AnswerSurvey(ctx context.Context, eventID, personID, token string, answers map[string]SurveyAnswer) (PersonalSurvey, error) {
	p, err := s.PersonalSurvey(ctx, eventID, personID, token)
	if err != nil {
		return PersonalSurvey{}, err
	}
	now := s.Now()
	switch {
	case p.Invitation.AnsweredAt != nil:
		return p, ErrSurveyAnswered
	case p.Survey.State(now) != SurveyOpen:
		return p, ErrSurveyClosed
	}
	clean, err := p.Survey.CheckAnswers(answers)
	if err != nil {
		return p, err
	}
	if len(clean) == 0 {
		return p, InvalidFields("The answer", Field("answers", RuleMinItems, "min", 1))
	}
	err = s.store.AnswerSurvey(ctx, SurveyAnswerWrite{EventID: eventID, PersonID: personID, At: now,
		Response: SurveyResponse{ID: NewResponseID(), EventID: eventID, Answers: clean,
			Role: p.Invitation.Role, OrganizationType: p.Invitation.OrganizationType}})
	if err != nil {
		return p, err
	}
	return s.PersonalSurvey(ctx, eventID, personID, token)
}
