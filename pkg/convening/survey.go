package convening

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The evaluation survey of an event. Staff build it from items (a
// statement rated 1 to 5, one or several choices, free text), starting
// from DefaultSurvey; once the event is over they send it to the people
// who came (Attendance), each by a personal link, with reminders to those
// who have not answered until its closing date.
//
// Answers are anonymous and counted once: a person's answer is stored as a
// SurveyResponse that names no one (a random id, the answers, and the
// coarse attributes the report breaks results down by: the respondent's
// role and organization type), and a separate record says that the person
// has answered. Both are written in one transaction whose put of the
// "answered" record is conditional, so that two answers from one link
// count once. Neither records when the response was given, so the two
// cannot be matched by time.

// SurveyItemType is what kind of question an item is.
type SurveyItemType string

const (
	// SurveyRating is a statement rated from 1 (strongly disagree) to 5
	// (strongly agree).
	SurveyRating SurveyItemType = "rating"
	// SurveyChoice offers choices, one or (Multiple) several of them:
	// "Which of these would interest you?".
	SurveyChoice SurveyItemType = "choice"
	// SurveyText is a box for free text: comments.
	SurveyText SurveyItemType = "text"
)

// SurveyItemTypes lists every type, in the order the console offers them.
var SurveyItemTypes = []SurveyItemType{SurveyRating, SurveyChoice, SurveyText}

// Label is the type in plain words.
func (t SurveyItemType) Label() string {
	switch t {
	case SurveyRating:
		return "Statement rated 1 to 5"
	case SurveyChoice:
		return "Choices"
	case SurveyText:
		return "Free text"
	}
	return string(t)
}

// RatingLabels are the points of the rating scale, 1 to 5.
var RatingLabels = [5]string{"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"}

// SurveyOption is one choice of a SurveyChoice item.
type SurveyOption struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// SurveyItem is one question of a survey.
type SurveyItem struct {
	// ID names the item in answers and reports: lower-case letters, digits
	// and hyphens, unique in the survey.
	ID   string         `json:"id"`
	Type SurveyItemType `json:"type"`
	// Text is the statement to rate or the question to answer.
	Text string `json:"text"`
	// Choices are a choice item's options (2 to MaxSurveyChoices).
	Choices []SurveyOption `json:"choices,omitempty"`
	// Multiple lets a choice item take several choices.
	Multiple bool `json:"multiple,omitempty"`
	// Required items must be answered; others may be skipped.
	Required bool `json:"required,omitempty"`
}

// Option returns the item's choice with the given id.
func (it SurveyItem) Option(id string) (SurveyOption, bool) {
	i := slices.IndexFunc(it.Choices, func(o SurveyOption) bool { return o.ID == id })
	if i < 0 {
		return SurveyOption{}, false
	}
	return it.Choices[i], true
}

// SurveyDefinition is what staff build: the items, an introduction and
// when the reminders go out.
type SurveyDefinition struct {
	// Intro is shown above the questions.
	Intro string       `json:"intro,omitempty"`
	Items []SurveyItem `json:"items"`
	// ReminderDays are the days after the invitation on which those who
	// have not answered are reminded, while the survey is open (at most
	// MaxSurveyReminders, rising); nil means DefaultReminderDays, empty
	// none.
	ReminderDays []int `json:"reminderDays"`
}

// Limits of a survey: generous, but they keep a typo from making a survey
// of a thousand questions.
const (
	MaxSurveyItems     = 30
	MaxSurveyChoices   = 12
	MaxSurveyReminders = 3
	// MaxReminderDay is the latest reminder, in days after the invitation.
	MaxReminderDay       = 30
	maxSurveyItemText    = 500
	maxSurveyChoiceLabel = 200
	maxSurveyIntro       = 2000
	maxSurveyIDLen       = 40
	// MaxSurveyAnswerText is the longest answer to a text item.
	MaxSurveyAnswerText = 4000
	// SurveyOpenDays is how long after its event a survey may stay open,
	// well within RetainAfterEvent: the people it is sent to are erased
	// then.
	SurveyOpenDays = 60
	// MinGroupResponses is the fewest responses a group of the report's
	// breakdowns must have to be shown at all (see SurveyReport).
	MinGroupResponses = 5
)

// DefaultReminderDays: reminders 3 and 7 days after the invitation.
var DefaultReminderDays = []int{3, 7}

// DefaultSurvey is the survey every event starts from: the two statements
// the 2015 Symposium's evaluation asked to rate, the interest in continued
// CA LMI activities, and a comment box.
func DefaultSurvey() SurveyDefinition {
	return SurveyDefinition{
		Intro: "Thank you for taking part. Your answers help CA LMI plan the next convenings. " +
			"The survey takes about three minutes.",
		Items: []SurveyItem{
			{ID: "useful", Type: SurveyRating, Text: "Overall, the conference was useful and informative", Required: true},
			{ID: "recommend", Type: SurveyRating, Text: "I would recommend future CA LMI events to my colleagues", Required: true},
			{ID: "interest", Type: SurveyChoice, Multiple: true,
				Text: "Which of these continued CA LMI activities would interest you?",
				Choices: []SurveyOption{
					{ID: "regional-convenings", Label: "Regional convenings"},
					{ID: "district-capacity-project", Label: "A California District Capacity Project"},
					{ID: "summer-institute", Label: "The Summer Institute"},
					{ID: "webinars", Label: "Webinars"},
					{ID: "county-network", Label: "A regional labor-management network in your county"},
				}},
			{ID: "comments", Type: SurveyText, Text: "Comments: what worked well, and what should we change?"},
		},
		ReminderDays: slices.Clone(DefaultReminderDays),
	}
}

// Survey is an event's evaluation survey: its definition and where its
// sending stands. There is at most one per event.
type Survey struct {
	EventID string `json:"eventId"`
	SurveyDefinition
	// SentAt is when the survey was first sent; nil while it is a draft,
	// which staff may change. Once sent, its items are fixed.
	SentAt *time.Time `json:"sentAt"`
	// ClosesAt is when it stops taking answers (and reminders).
	ClosesAt *time.Time `json:"closesAt"`
	// Invited and Answered count the people sent the survey and those who
	// have answered; the store keeps them in the transactions that invite
	// and answer.
	Invited  int `json:"invited"`
	Answered int `json:"answered"`
	// Version counts the changes staff made, for the store's conditions.
	Version   int       `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SurveyState is where a survey stands.
type SurveyState string

const (
	SurveyDraft  SurveyState = "draft"  // being built; not sent
	SurveyOpen   SurveyState = "open"   // sent, taking answers until ClosesAt
	SurveyClosed SurveyState = "closed" // past ClosesAt
)

// State is where the survey stands at now.
func (s Survey) State(now time.Time) SurveyState {
	switch {
	case s.SentAt == nil:
		return SurveyDraft
	case s.ClosesAt != nil && !now.Before(*s.ClosesAt):
		return SurveyClosed
	}
	return SurveyOpen
}

// Item returns the survey's item with the given id.
func (s Survey) Item(id string) (SurveyItem, bool) {
	i := slices.IndexFunc(s.Items, func(it SurveyItem) bool { return it.ID == id })
	if i < 0 {
		return SurveyItem{}, false
	}
	return s.Items[i], true
}

// ResponseRate is the share of the invited who have answered.
func (s Survey) ResponseRate() Share { return Share{Part: s.Answered, Whole: s.Invited} }

// The survey's reasons.
const (
	ReasonSurveyUnknown  Reason = "survey_unknown"  // ENOTFOUND: no survey for the event, or a wrong personal link
	ReasonSurveySent     Reason = "survey_sent"     // ECONFLICT: a sent survey's items cannot change
	ReasonSurveyNotSent  Reason = "survey_not_sent" // ECONFLICT: the survey has not been sent yet
	ReasonSurveyClosed   Reason = "survey_closed"   // ECONFLICT: past the survey's closing date
	ReasonSurveyAnswered Reason = "survey_answered" // ECONFLICT: this person has answered already
	ReasonEventNotOver   Reason = "event_not_over"  // ECONFLICT: a survey is sent once the event has ended
	ReasonNoAttendees    Reason = "no_attendees"    // ECONFLICT: nobody came (checked in), so nobody to ask
	ReasonCommentUnknown Reason = "comment_unknown" // ENOTFOUND: no such comment in the survey's responses
)

// Errors of the survey that callers check with errors.Is.
var (
	ErrSurveyNotFound = NewError(ENOTFOUND, ReasonSurveyUnknown, "No survey with that link.")
	ErrSurveyAnswered = NewError(ECONFLICT, ReasonSurveyAnswered, "This survey has been answered from this link already: each person answers once.")
	ErrSurveyClosed   = NewError(ECONFLICT, ReasonSurveyClosed, "The survey is closed.")
	ErrCommentUnknown = NewError(ENOTFOUND, ReasonCommentUnknown, "No comment with that id.")
	// ErrReminderMoved: the invitation is not as the sweep read it (the
	// person answered, or another sweep reminded them).
	ErrReminderMoved = NewError(ECONFLICT, ReasonBusy, "The invitation changed; look again.")
)

var surveyIDRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func validSurveyID(id string) bool { return len(id) <= maxSurveyIDLen && surveyIDRE.MatchString(id) }

// Normalize trims the definition's texts.
func (d *SurveyDefinition) Normalize() {
	d.Intro = strings.TrimSpace(d.Intro)
	d.Items = slices.Clone(d.Items)
	for i := range d.Items {
		it := &d.Items[i]
		it.ID, it.Text = strings.TrimSpace(it.ID), strings.TrimSpace(it.Text)
		it.Choices = slices.Clone(it.Choices)
		for j := range it.Choices {
			it.Choices[j].ID, it.Choices[j].Label = strings.TrimSpace(it.Choices[j].ID), strings.TrimSpace(it.Choices[j].Label)
		}
	}
}

// Validate checks a definition as staff send it. It reports every problem
// at once, each with the JSON path of its field.
func (d SurveyDefinition) Validate() error {
	var v validation
	checkLines(&v, "intro", d.Intro, maxSurveyIntro, false, true)
	switch n := len(d.Items); {
	case n == 0:
		v.add("items", RuleMinItems, "min", 1)
	case n > MaxSurveyItems:
		v.add("items", RuleMaxItems, "max", MaxSurveyItems)
		return v.err("The survey")
	}
	ids := map[string]int{}
	for i, it := range d.Items {
		p := fmt.Sprintf("items[%d]", i)
		switch {
		case it.ID == "":
			v.add(p+".id", RuleRequired)
		case !validSurveyID(it.ID):
			v.add(p+".id", RuleSlug, "max", maxSurveyIDLen)
		default:
			if j, dup := ids[it.ID]; dup {
				v.add(p+".id", RuleDuplicateOf, "of", fmt.Sprintf("items[%d].id", j))
			} else {
				ids[it.ID] = i
			}
		}
		if !slices.Contains(SurveyItemTypes, it.Type) {
			v.add(p+".type", RuleOneOf, "values", []string{string(SurveyRating), string(SurveyChoice), string(SurveyText)})
		}
		checkText(&v, p+".text", it.Text, maxSurveyItemText, true)
		if it.Type != SurveyChoice {
			if len(it.Choices) > 0 {
				v.add(p+".choices", RuleMaxItems, "max", 0)
			}
			if it.Multiple {
				v.add(p+".multiple", RuleOneOf, "values", []string{"false"})
			}
			continue
		}
		switch n := len(it.Choices); {
		case n < 2:
			v.add(p+".choices", RuleMinItems, "min", 2)
		case n > MaxSurveyChoices:
			v.add(p+".choices", RuleMaxItems, "max", MaxSurveyChoices)
			continue
		}
		choiceIDs, labels := map[string]int{}, map[string]int{}
		for j, o := range it.Choices {
			q := fmt.Sprintf("%s.choices[%d]", p, j)
			switch {
			case o.ID == "":
				v.add(q+".id", RuleRequired)
			case !validSurveyID(o.ID):
				v.add(q+".id", RuleSlug, "max", maxSurveyIDLen)
			default:
				if k, dup := choiceIDs[o.ID]; dup {
					v.add(q+".id", RuleDuplicateOf, "of", fmt.Sprintf("%s.choices[%d].id", p, k))
				} else {
					choiceIDs[o.ID] = j
				}
			}
			if checkText(&v, q+".label", o.Label, maxSurveyChoiceLabel, true) {
				if k, dup := labels[strings.ToLower(o.Label)]; dup {
					v.add(q+".label", RuleDuplicateOf, "of", fmt.Sprintf("%s.choices[%d].label", p, k))
				} else {
					labels[strings.ToLower(o.Label)] = j
				}
			}
		}
	}
	if len(d.ReminderDays) > MaxSurveyReminders {
		v.add("reminderDays", RuleMaxItems, "max", MaxSurveyReminders)
	} else {
		for i, day := range d.ReminderDays {
			p := fmt.Sprintf("reminderDays[%d]", i)
			switch {
			case day < 1 || day > MaxReminderDay:
				v.add(p, RuleRange, "min", 1, "max", MaxReminderDay)
			case i > 0 && day <= d.ReminderDays[i-1]:
				v.add(p, RuleAfter, "of", fmt.Sprintf("reminderDays[%d]", i-1))
			}
		}
	}
	return v.err("The survey")
}

// SurveyItemID makes an item or choice id from its text, as the console
// does for staff: "Regional convenings" becomes "regional-convenings".
// taken ids get a number added; "" becomes "item".
func SurveyItemID(text string, taken func(string) bool) string {
	base := Slug(text)
	if len(base) > maxSurveyIDLen-3 {
		base = strings.Trim(base[:maxSurveyIDLen-3], "-")
	}
	if base == "" {
		base = "item"
	}
	id := base
	for n := 2; taken(id); n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	return id
}

// SurveyAnswer is one person's answer to one item: a rating (1 to 5), the
// ids of the choices taken, or text. The other fields are empty.
type SurveyAnswer struct {
	Rating  int      `json:"rating,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// empty reports whether the answer says nothing: the item was skipped.
func (a SurveyAnswer) empty() bool { return a.Rating == 0 && len(a.Choices) == 0 && a.Text == "" }

// CheckAnswers checks a person's answers against the survey: each names
// an item of it, in that item's form (a rating 1 to 5, choices the item
// offers, text), and every required item is answered. It returns the
// answers cleaned (texts trimmed, skipped items left out, choices in the
// item's order) or the EINVALID error naming each field at fault, as
// answers.<item id>.rating and the like.
func (s Survey) CheckAnswers(answers map[string]SurveyAnswer) (map[string]SurveyAnswer, error) {
	var v validation
	out := make(map[string]SurveyAnswer, len(answers))
	for _, id := range slices.Sorted(mapKeys(answers)) {
		a := answers[id]
		p := "answers." + id
		it, ok := s.Item(id)
		if !ok {
			v.add(truncatePath(p), RuleUnknownField)
			continue
		}
		a.Text = strings.TrimSpace(a.Text)
		switch it.Type {
		case SurveyRating:
			if len(a.Choices) > 0 {
				v.add(p+".choices", RuleUnknownField)
			}
			if a.Text != "" {
				v.add(p+".text", RuleUnknownField)
			}
			if a.Rating != 0 && (a.Rating < 1 || a.Rating > 5) {
				v.add(p+".rating", RuleRange, "min", 1, "max", 5)
				continue
			}
		case SurveyChoice:
			if a.Rating != 0 {
				v.add(p+".rating", RuleUnknownField)
			}
			if a.Text != "" {
				v.add(p+".text", RuleUnknownField)
			}
			if !it.Multiple && len(a.Choices) > 1 {
				v.add(p+".choices", RuleMaxItems, "max", 1)
				continue
			}
			if len(a.Choices) > len(it.Choices) {
				v.add(p+".choices", RuleMaxItems, "max", len(it.Choices))
				continue
			}
			chosen := map[string]bool{}
			for i, c := range a.Choices {
				q := fmt.Sprintf("%s.choices[%d]", p, i)
				if _, ok := it.Option(c); !ok {
					ids := make([]string, len(it.Choices))
					for j, o := range it.Choices {
						ids[j] = o.ID
					}
					v.add(q, RuleOneOf, "values", ids)
				} else if chosen[c] {
					v.add(q, RuleDuplicateOf, "of", fmt.Sprintf("%s.choices[%d]", p, slices.Index(a.Choices, c)))
				}
				chosen[c] = true
			}
			a.Choices = nil
			for _, o := range it.Choices {
				if chosen[o.ID] {
					a.Choices = append(a.Choices, o.ID)
				}
			}
		case SurveyText:
			if a.Rating != 0 {
				v.add(p+".rating", RuleUnknownField)
			}
			if len(a.Choices) > 0 {
				v.add(p+".choices", RuleUnknownField)
			}
			if !checkLines(&v, p+".text", a.Text, MaxSurveyAnswerText, false, true) {
				continue
			}
		}
		if !a.empty() {
			out[id] = a
		}
	}
	for _, it := range s.Items {
		if _, answered := out[it.ID]; it.Required && !answered && !v.has("answers."+it.ID) {
			v.add("answers."+it.ID, RuleRequired)
		}
	}
	if err := v.err("The answer"); err != nil {
		return nil, err
	}
	return out, nil
}

// truncatePath keeps an unknown item's path short whatever was sent.
func truncatePath(p string) string {
	if len(p) > 80 {
		return p[:80] + "…"
	}
	return p
}

// has reports whether a field already has an error.
func (v *validation) has(field string) bool {
	return slices.ContainsFunc(v.fields, func(f FieldError) bool { return strings.HasPrefix(f.Field, field) })
}

func mapKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// SurveyResponse is one person's answers, stored without the person: a
// random id (not time-ordered), the answers, and the respondent's role and
// organization type, coarse attributes the report breaks results down by
// only where a group has MinGroupResponses or more. No time is kept.
type SurveyResponse struct {
	ID               string                  `json:"id"`
	EventID          string                  `json:"eventId"`
	Answers          map[string]SurveyAnswer `json:"answers"`
	Role             Role                    `json:"role,omitempty"`
	OrganizationType OrganizationType        `json:"organizationType,omitempty"`
	// Published names the text items whose answer staff marked for
	// publication (the report's public comments).
	Published map[string]bool `json:"published,omitempty"`
}

// NewResponseID returns a response's id: 128 random bits, so that the
// order of responses says nothing of when they came (a ULID would).
func NewResponseID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CommentID names one text answer of one response: "<response>-<item>".
func CommentID(responseID, itemID string) string { return responseID + "-" + itemID }

// SplitCommentID is CommentID's inverse.
func SplitCommentID(id string) (responseID, itemID string, ok bool) {
	r, it, ok := strings.Cut(id, "-")
	return r, it, ok && len(r) == 32 && validSurveyID(it)
}

// SurveyAttendee is one person who came to an event: the people a survey is
// sent to.
type SurveyAttendee struct {
	RegistrationID string
	MemberID       string
	Name, Email    string
	Role           Role
	Organization   Organization
}

// PersonID identifies the attendee in the event's survey:
// "<registration id>.<member id>".
func (a SurveyAttendee) PersonID() string { return a.RegistrationID + "." + a.MemberID }

// SurveyInvitation is one person's invitation to an event's survey: the
// address the invitation and its reminders go to, and (AnsweredAt) the
// separate record that the person has answered. It is personal data:
// erased with the event's people (RetainAfterEvent), or the
// organization's at its request.
type SurveyInvitation struct {
	EventID        string `json:"eventId"`
	PersonID       string `json:"personId"`
	RegistrationID string `json:"registrationId"`
	// Name and Email are where the invitation goes; empty once erased.
	Name  string `json:"name"`
	Email string `json:"email"`
	// Role and OrganizationType go with the person's response (see
	// SurveyResponse); OrganizationName is for the email.
	Role             Role             `json:"role"`
	OrganizationName string           `json:"organizationName"`
	OrganizationType OrganizationType `json:"organizationType"`
	InvitedAt        time.Time        `json:"invitedAt"`
	// Reminded counts the reminders sent; NextReminderAt is when the next
	// is due, nil when none is (answered, closed, or all sent).
	Reminded       int        `json:"reminded"`
	NextReminderAt *time.Time `json:"nextReminderAt,omitempty"`
	// AnsweredAt is when the person answered, from the "answered" record.
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
	ErasedAt   *time.Time `json:"erasedAt,omitempty"`
}

// nextReminder is when the reminder after the first done ones is due:
// the next of the reminder days that falls before the survey closes.
func nextReminder(invitedAt time.Time, days []int, done int, closesAt *time.Time) *time.Time {
	if done < 0 || done >= len(days) {
		return nil
	}
	at := invitedAt.Add(time.Duration(days[done]) * 24 * time.Hour)
	if closesAt != nil && !at.Before(*closesAt) {
		return nil
	}
	return &at
}

// SurveyDecision decides a change of an event's survey from the survey as
// read (nil if there is none yet) and its event.
type SurveyDecision func(s *Survey, e Event) (SurveyChange, error)

// SurveyChange is a decided change of a survey: the survey as it becomes
// (its counters are the store's) and the audit record.
type SurveyChange struct {
	After Survey
	Audit AuditRecord
}

// SurveyInvite is one invitation to write, with its email.
type SurveyInvite struct {
	Invitation SurveyInvitation
	Notice     NoticeSpec
}

// SurveyAnswerWrite is an answer to write: the response (which names no
// one), the person whose "answered" record it makes, and the time, before
// which the survey must not have closed.
type SurveyAnswerWrite struct {
	EventID  string
	PersonID string
	Response SurveyResponse
	At       time.Time
}

// The survey's storage ports.

// SurveyReader reads an event's survey. Errors: ENOTFOUND
// (ReasonSurveyUnknown).
type SurveyReader interface {
	Survey(ctx context.Context, eventID string) (Survey, error)
}

// SurveyUpdater creates and changes surveys as staff build, send and close
// them.
type SurveyUpdater interface {
	// UpdateSurvey reads the event and its survey, has decide decide the
	// change, and writes the survey (all but its counters) and the audit
	// record in one transaction conditioned on the survey as read, asking
	// again if it moved. Errors: ENOTFOUND (the event), and decide's.
	UpdateSurvey(ctx context.Context, eventID string, decide SurveyDecision) (Survey, error)
}

// SurveyInviter sends the survey.
type SurveyInviter interface {
	// InviteToSurvey writes each invitation with its notice, and adds them
	// to the survey's Invited count, in transactions of a few dozen; a
	// person already invited is skipped (the put is conditional). It
	// returns how many it wrote.
	InviteToSurvey(ctx context.Context, eventID string, invites []SurveyInvite, now time.Time) (int, error)
}

// SurveyPeople reads and erases the people a survey was sent to.
type SurveyPeople interface {
	// SurveyInvitations returns an event's invitations, all of them or
	// (registrationID) those of one registration's people, each with its
	// AnsweredAt.
	SurveyInvitations(ctx context.Context, eventID, registrationID string) ([]SurveyInvitation, error)
	// EraseSurveyInvitations removes the names and addresses of an event's
	// invitations (all, or one registration's) and their reminders, and
	// reports how many it erased.
	EraseSurveyInvitations(ctx context.Context, eventID, registrationID string, now time.Time) (int, error)
}

// SurveyInvitationReader reads one person's invitation, with its
// AnsweredAt. Errors: ENOTFOUND (ReasonSurveyUnknown).
type SurveyInvitationReader interface {
	SurveyInvitation(ctx context.Context, eventID, personID string) (SurveyInvitation, error)
}

// SurveyAnswerer stores answers.
type SurveyAnswerer interface {
	// AnswerSurvey writes, in one transaction, the person's "answered"
	// record (a put that fails if it exists: ErrSurveyAnswered), the
	// response, the survey's Answered count (conditioned on the survey
	// being open at a.At: ErrSurveyClosed) and the end of the person's
	// reminders (conditioned on the invitation, not erased:
	// ErrSurveyNotFound).
	AnswerSurvey(ctx context.Context, a SurveyAnswerWrite) error
}

// SurveyResponses reads the responses and keeps staff's choice of comments
// to publish.
type SurveyResponses interface {
	// SurveyResponses returns every response of an event's survey, in the
	// order of their ids.
	SurveyResponses(ctx context.Context, eventID string) ([]SurveyResponse, error)
	// PublishSurveyComment marks a text answer for publication, or not,
	// with the audit record. Errors: ErrCommentUnknown.
	PublishSurveyComment(ctx context.Context, eventID, responseID, itemID string, published bool, audit AuditRecord) error
}

// SurveyReminders is the reminders' schedule: each invitation filed by
// when its next reminder is due.
type SurveyReminders interface {
	// DueSurveyReminders returns up to limit invitations whose reminder is
	// due at now, the longest due first.
	DueSurveyReminders(ctx context.Context, now time.Time, limit int) ([]SurveyInvitation, error)
	// RemindSurvey writes the reminder's notice (nil: none, the survey has
	// closed) and files the invitation by its next reminder (nil: none),
	// in one transaction conditioned on the invitation as read; otherwise
	// it answers ErrReminderMoved.
	RemindSurvey(ctx context.Context, inv SurveyInvitation, notice *NoticeSpec, next *time.Time, now time.Time) error
}

// Share is a part of a whole, such as the respondents who answered 4 or
// 5 of those who rated a statement. Compared exactly, shown to a tenth of a
// percent.
type Share struct {
	Part  int `json:"part"`
	Whole int `json:"whole"`
}

// MarshalJSON writes the share with its percentage to the tenth:
// {"part":19,"whole":20,"percent":95}.
func (s Share) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"part":%d,"whole":%d,"percent":%s}`, s.Part, s.Whole, strconv.FormatFloat(float64(s.tenths())/10, 'f', -1, 64)), nil
}

// Percent is the share in percent; 0 of nothing is 0.
func (s Share) Percent() float64 {
	if s.Whole == 0 {
		return 0
	}
	return 100 * float64(s.Part) / float64(s.Whole)
}

// String shows the share as a percentage to the tenth, rounded half up,
// without a trailing ".0": "94.2%", "90%"; "–" of nothing. Only all is
// 100% and only none 0%.
func (s Share) String() string {
	if s.Whole <= 0 {
		return "–"
	}
	tenths := s.tenths()
	if tenths%10 == 0 {
		return fmt.Sprintf("%d%%", tenths/10)
	}
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// tenths is the share in tenths of a percent, rounded half up, but never
// 100% unless all, nor 0% unless none; 0 of nothing.
func (s Share) tenths() int {
	if s.Whole <= 0 {
		return 0
	}
	t := (s.Part*2000 + s.Whole) / (2 * s.Whole)
	switch {
	case t == 1000 && s.Part < s.Whole:
		return 999
	case t == 0 && s.Part > 0:
		return 1
	}
	return t
}

// compareShares orders shares by their value, exactly.
func compareShares(a, b Share) int {
	return cmp.Compare(a.Part*b.Whole, b.Part*a.Whole)
}
