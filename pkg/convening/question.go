package convening

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// An event's own questions: what staff need to know from each team or
// each of its members besides who they are (dietary needs, accessibility
// accommodations, hotel nights, parking, "will you stay for the team
// dinner"). The website's form and the API ask them; the answers are kept
// with the registration (answer.go).

// QuestionType is what kind of answer a question takes.
type QuestionType string

// The question types.
const (
	QuestionShortText QuestionType = "short_text"      // one line of text
	QuestionLongText  QuestionType = "long_text"       // a few lines of text
	QuestionOneChoice QuestionType = "one_choice"      // one of the choices
	QuestionChoices   QuestionType = "several_choices" // any of the choices
	QuestionYesNo     QuestionType = "yes_no"          // yes or no
)

// QuestionTypes lists every type in the order staff choose from.
var QuestionTypes = []QuestionType{QuestionShortText, QuestionLongText, QuestionOneChoice, QuestionChoices, QuestionYesNo}

var questionTypeLabels = map[QuestionType]string{
	QuestionShortText: "Short text",
	QuestionLongText:  "Long text",
	QuestionOneChoice: "One choice",
	QuestionChoices:   "Several choices",
	QuestionYesNo:     "Yes or no",
}

// Label is the type in plain words, e.g. "Several choices".
func (t QuestionType) Label() string { return questionTypeLabels[t] }

// HasChoices reports whether the type's answers come from a list of
// choices.
func (t QuestionType) HasChoices() bool { return t == QuestionOneChoice || t == QuestionChoices }

func (t QuestionType) valid() bool { return questionTypeLabels[t] != "" }

// QuestionPer says whom a question asks: the team once, or each member.
type QuestionPer string

// Whom a question asks.
const (
	PerTeam   QuestionPer = "team"
	PerMember QuestionPer = "member"
)

// Question is one of an event's own questions.
type Question struct {
	// ID names the question in answers (answers.<id>): lower-case letters,
	// digits and hyphens. Staff may leave it out; it is made from the
	// label.
	ID    string `json:"id"`
	Label string `json:"label"`
	// Help is shown under the label.
	Help string       `json:"help,omitempty"`
	Type QuestionType `json:"type"`
	// Per is whom it asks: the team once (the default), or each member.
	Per      QuestionPer `json:"per"`
	Required bool        `json:"required"`
	// Choices are the answers of a one_choice or several_choices question,
	// in the order they are offered.
	Choices []string `json:"choices,omitempty"`
	// Sensitive marks a question about health or accessibility (dietary
	// needs, accommodations): its answers are personal data of a special
	// kind, kept only until RetainSensitiveAfterEvent after the event.
	Sensitive bool `json:"sensitive"`
}

// Bounds of the questions staff may set and of the answers to them.
const (
	MaxQuestions       = 20
	MaxChoices         = 40
	maxQuestionIDLen   = 40
	maxQuestionLabel   = 200
	maxQuestionHelp    = 500
	maxChoiceLen       = 100
	MaxShortAnswerLen  = 200
	MaxLongAnswerLen   = 2000
	questionIDSuffixes = 99
)

// RetainSensitiveAfterEvent is how long answers to sensitive questions
// (health, accessibility) are kept after the event ends: they are needed
// to run the event, and for a short while after it to settle what the
// caterer or the venue billed; then the retention function erases them,
// long before the rest of the registration (RetainAfterEvent).
const RetainSensitiveAfterEvent = 14 * 24 * time.Hour

// PerMember reports whether the question asks each member.
func (q Question) PerMember() bool { return q.Per == PerMember }

// Question returns the event's question with that id.
func (e Event) Question(id string) (Question, bool) {
	i := slices.IndexFunc(e.Questions, func(q Question) bool { return q.ID == id })
	if i < 0 {
		return Question{}, false
	}
	return e.Questions[i], true
}

// QuestionsFor returns the event's questions that ask per (the team or
// each member), in order.
func (e Event) QuestionsFor(per QuestionPer) []Question {
	var out []Question
	for _, q := range e.Questions {
		if q.Per == per {
			out = append(out, q)
		}
	}
	return out
}

// QuestionsKey identifies what a registration's answers are checked
// against: the questions' ids, types, whom they ask, whether they are
// required and their choices (not their wording, which answers keep as
// they were). The DynamoDB store conditions a registration on the key of
// the questions its answers were checked against, as it does on the
// required roles, so that no team registers past a question staff have
// just made required. "" means no questions.
func QuestionsKey(qs []Question) string {
	if len(qs) == 0 {
		return ""
	}
	h := sha256.New()
	for _, q := range qs {
		h.Write([]byte(q.ID + "\x00" + string(q.Type) + "\x00" + string(q.Per) + "\x00" + strconv.FormatBool(q.Required)))
		for _, c := range q.Choices {
			h.Write([]byte("\x00" + c))
		}
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// NormalizeQuestions trims what staff typed and fills what they may leave
// out: a question asks the team unless it says each member, and its id is
// made from its label (unique among the event's). Choices of questions
// without choices are dropped, and empty choices (a blank line in the
// console's list) left out.
func NormalizeQuestions(qs []Question) []Question {
	if len(qs) == 0 {
		return nil
	}
	out := make([]Question, len(qs))
	taken := map[string]bool{}
	for _, q := range qs {
		if id := strings.TrimSpace(q.ID); id != "" {
			taken[id] = true
		}
	}
	for i, q := range qs {
		q.ID, q.Label, q.Help = strings.TrimSpace(q.ID), strings.TrimSpace(q.Label), strings.TrimSpace(q.Help)
		if q.Per == "" {
			q.Per = PerTeam
		}
		var choices []string
		for _, c := range q.Choices {
			if c = strings.TrimSpace(c); c != "" {
				choices = append(choices, c)
			}
		}
		q.Choices = choices
		if !q.Type.HasChoices() && q.Type.valid() {
			q.Choices = nil
		}
		if q.ID == "" {
			q.ID = questionID(q.Label, taken)
		}
		out[i] = q
	}
	return out
}

// questionID makes an id from a label: its slug, cut to fit, with a
// number when another question has it.
func questionID(label string, taken map[string]bool) string {
	base := Slug(label)
	if len(base) > maxQuestionIDLen-3 {
		base = strings.Trim(base[:maxQuestionIDLen-3], "-")
	}
	if base == "" {
		base = "question"
	}
	id := base
	for n := 2; taken[id] && n <= questionIDSuffixes; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	taken[id] = true
	return id
}

// validQuestionID reports whether id can name a question.
func validQuestionID(id string) bool { return len(id) <= maxQuestionIDLen && slugRE.MatchString(id) }

// validateQuestions checks an event's questions (Event.Validate).
func (e Event) validateQuestions(v *validation) {
	if len(e.Questions) > MaxQuestions {
		v.add("questions", RuleMaxItems, "max", MaxQuestions)
		return
	}
	ids := map[string]int{}
	for i, q := range e.Questions {
		p := fieldIndex("questions", i)
		switch j, dup := ids[q.ID]; {
		case !validQuestionID(q.ID):
			v.add(p+".id", RuleSlug, "max", maxQuestionIDLen)
		case dup:
			v.add(p+".id", RuleDuplicateOf, "of", fieldIndex("questions", j)+".id")
		default:
			ids[q.ID] = i
		}
		checkLines(v, p+".label", q.Label, maxQuestionLabel, true, false)
		checkLines(v, p+".help", q.Help, maxQuestionHelp, false, false)
		if !q.Type.valid() {
			v.add(p+".type", RuleOneOf, "values", questionTypeValues())
		}
		if q.Per != PerTeam && q.Per != PerMember {
			v.add(p+".per", RuleOneOf, "values", []string{string(PerTeam), string(PerMember)})
		}
		if !q.Type.valid() {
			continue // its choices depend on the type it was meant to have
		}
		if !q.Type.HasChoices() {
			if len(q.Choices) > 0 {
				v.add(p+".choices", RuleMaxItems, "max", 0)
			}
			continue
		}
		if n := len(q.Choices); n < 2 || n > MaxChoices {
			v.add(p+".choices", RuleRange, "min", 2, "max", MaxChoices)
		}
		seen := map[string]int{}
		for j, c := range q.Choices[:min(len(q.Choices), MaxChoices)] {
			cp := fieldIndex(p+".choices", j)
			if !checkLines(v, cp, c, maxChoiceLen, true, false) {
				continue
			}
			k := strings.ToLower(c)
			if at, dup := seen[k]; dup {
				v.add(cp, RuleDuplicateOf, "of", fieldIndex(p+".choices", at))
			} else {
				seen[k] = j
			}
		}
	}
}

func questionTypeValues() []string {
	out := make([]string, len(QuestionTypes))
	for i, t := range QuestionTypes {
		out[i] = string(t)
	}
	return out
}

// questionsSummary is the questions as the audit log records a change of
// them: each label with its type, whom it asks and whether it is required,
// in order.
func questionsSummary(qs []Question) string {
	if len(qs) == 0 {
		return "none"
	}
	parts := make([]string, len(qs))
	for i, q := range qs {
		s := q.Label + " (" + strings.ToLower(q.Type.Label())
		if q.PerMember() {
			s += ", each member"
		}
		if q.Required {
			s += ", required"
		}
		if q.Type.HasChoices() {
			s += ": " + strings.Join(q.Choices, " / ")
		}
		parts[i] = s + ")"
	}
	return strings.Join(parts, "; ")
}

// Suggestion is one of the questions staff can add with a click: what a
// two-day institute at a hotel asks, worded and set up, to edit as they
// like.
type Suggestion struct {
	Key      string
	Question Question
}

// SuggestedQuestions are the questions staff are offered for the event:
// dietary needs, accessibility accommodations, hotel nights (the nights
// before each of the event's days, in Pacific time), parking, and the
// team dinner. Those about health or accessibility are sensitive.
func SuggestedQuestions(e Event) []Suggestion {
	return []Suggestion{
		{"dietary", Question{ID: "dietary", Label: "Dietary needs", Type: QuestionChoices, Per: PerMember, Sensitive: true,
			Help:    "Choose any that apply; leave it blank if none. Tell us about a severe allergy under accessibility.",
			Choices: []string{"Vegetarian", "Vegan", "Gluten-free", "Dairy-free", "Halal", "Kosher", "Nut allergy"}}},
		{"accessibility", Question{ID: "accessibility", Label: "Accessibility accommodations", Type: QuestionLongText, Per: PerMember, Sensitive: true,
			Help: "For example step-free access, a sign language interpreter, large print, or a quiet room. We will contact you about what we need to arrange."}},
		{"hotel-nights", Question{ID: "hotel-nights", Label: "Hotel nights", Type: QuestionChoices, Per: PerMember,
			Help:    "The nights you need a room in the event's hotel block. Leave it blank if you need none.",
			Choices: hotelNights(e)}},
		{"parking", Question{ID: "parking", Label: "Will you need parking?", Type: QuestionYesNo, Per: PerMember,
			Help: "Parking at the venue for the days of the event."}},
		{"team-dinner", Question{ID: "team-dinner", Label: "Will you stay for the team dinner?", Type: QuestionYesNo, Per: PerMember, Required: true}},
	}
}

// hotelNights are the nights a guest of the event may need: the night
// before each of its days, in Pacific time ("Night of Tuesday, June 24").
// An event without dates gets the night before and the night of its day.
func hotelNights(e Event) []string {
	if e.StartsAt.IsZero() || !e.EndsAt.After(e.StartsAt) {
		return []string{"The night before the event", "The night of the event"}
	}
	first := e.StartsAt.In(Pacific)
	last := e.EndsAt.Add(-time.Nanosecond).In(Pacific)
	day := time.Date(first.Year(), first.Month(), first.Day()-1, 12, 0, 0, 0, Pacific)
	end := time.Date(last.Year(), last.Month(), last.Day(), 12, 0, 0, 0, Pacific)
	var out []string
	for ; day.Before(end) && len(out) < MaxChoices; day = day.AddDate(0, 0, 1) {
		out = append(out, "Night of "+day.Format("Monday, January 2"))
	}
	if len(out) < 2 { // a one-day event: the night before, and the night of the day
		out = append(out, "Night of "+end.Format("Monday, January 2"))
	}
	return out
}
