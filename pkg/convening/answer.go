package convening

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Answer is a team's or a member's answer to one of the event's questions.
// It keeps the question as it was asked (its label, its type, whether it
// was sensitive) and the choices as they were worded, so that it reads the
// same after staff reword a question, change its choices or remove it:
// the answer is a record of what the person said, and every page, export
// and privacy export reads it alone, without an old version of the
// question. (The alternative, versioned questions, would make every
// reader join each answer to the version it answered.)
//
// In JSON (the API) an answer is its value alone: a string (short_text,
// long_text, one_choice), an array of strings (several_choices), or true
// or false (yes_no); null clears it in a change.
type Answer struct {
	// Question is the question's label when the answer was given.
	Question string       `json:"question,omitempty"`
	Type     QuestionType `json:"type,omitempty"`
	// Exactly one of these holds the answer, as Type says.
	Text    string   `json:"text,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Yes     *bool    `json:"yes,omitempty"`
	// Sensitive: the question was about health or accessibility.
	Sensitive bool `json:"sensitive,omitempty"`

	// shape is the JSON the answer was sent as, for validation; zero for
	// an answer the system built.
	shape answerShape
}

// Answers are answers by question id: a team's (Team.Answers) or one
// member's (Member.Answers).
type Answers map[string]Answer

type answerShape int

const (
	shapeNone    answerShape = iota // built by the system, or null
	shapeString                     // "…"
	shapeList                       // ["…", …]
	shapeBool                       // true, false
	shapeInvalid                    // a number, an object, an array of non-strings
	shapeNull                       // null: clear the answer
)

// YesNo makes a yes_no answer.
func YesNo(yes bool) Answer { return Answer{Type: QuestionYesNo, Yes: &yes, shape: shapeBool} }

// TextAnswer makes a text or one_choice answer as a person typed or chose
// it; ChoiceAnswers several choices. The event's questions normalize them
// (Event.NormalizeAnswers).
func TextAnswer(s string) Answer { return Answer{Text: s, shape: shapeString} }

// ChoiceAnswers makes a several_choices answer.
func ChoiceAnswers(choices ...string) Answer {
	return Answer{Choices: slices.Clone(choices), shape: shapeList}
}

// Cleared is the answer that clears a question's answer in a change.
func Cleared() Answer { return Answer{shape: shapeNull} }

// IsCleared reports whether the answer clears the question in a change.
func (a Answer) IsCleared() bool { return a.shape == shapeNull }

// Empty reports whether the answer says nothing (no text, no choice, no
// yes or no).
func (a Answer) Empty() bool {
	return strings.TrimSpace(a.Text) == "" && len(a.Choices) == 0 && a.Yes == nil
}

// Value is the answer as a person reads it: the text, the choices joined
// by "; ", or "Yes" or "No".
func (a Answer) Value() string {
	switch {
	case a.Yes != nil && *a.Yes:
		return "Yes"
	case a.Yes != nil:
		return "No"
	case len(a.Choices) > 0:
		return strings.Join(a.Choices, "; ")
	}
	return a.Text
}

// Values are the answer's choices: the one chosen, the several, or "Yes"
// or "No"; none for a text answer.
func (a Answer) Values() []string {
	switch {
	case a.Yes != nil:
		return []string{a.Value()}
	case a.Type == QuestionChoices:
		return a.Choices
	case a.Type == QuestionOneChoice && a.Text != "":
		return []string{a.Text}
	}
	return nil
}

// MarshalJSON writes the answer's value alone (see Answer).
func (a Answer) MarshalJSON() ([]byte, error) {
	switch {
	case a.Yes != nil:
		return json.Marshal(*a.Yes)
	case a.Type == QuestionChoices || a.Choices != nil:
		return json.Marshal(append([]string{}, a.Choices...))
	}
	return json.Marshal(a.Text)
}

// UnmarshalJSON reads an answer's value. It never fails on a value of
// another kind: the event's questions say which kind each answer takes,
// so the validation reports it, naming the question.
func (a *Answer) UnmarshalJSON(b []byte) error {
	*a = Answer{shape: shapeInvalid}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty answer")
	}
	switch b[0] {
	case 'n':
		*a = Cleared()
	case 't', 'f':
		var yes bool
		if err := json.Unmarshal(b, &yes); err != nil {
			return err
		}
		*a = YesNo(yes)
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = TextAnswer(s)
	case '[':
		var xs []any
		if err := json.Unmarshal(b, &xs); err != nil {
			return err
		}
		choices := make([]string, 0, len(xs))
		for _, x := range xs {
			s, ok := x.(string)
			if !ok {
				return nil // shapeInvalid
			}
			choices = append(choices, s)
		}
		*a = ChoiceAnswers(choices...)
	}
	return nil
}

// shapeFor is the JSON shape a question's answers take, and its words for
// RuleType.
func shapeFor(t QuestionType) (answerShape, string) {
	switch t {
	case QuestionChoices:
		return shapeList, "an array of strings"
	case QuestionYesNo:
		return shapeBool, "true or false"
	}
	return shapeString, "a string"
}

// sentShape is the shape an answer came in; one the system built has the
// shape its type takes.
func (a Answer) sentShape() answerShape {
	if a.shape != shapeNone {
		return a.shape
	}
	switch {
	case a.Yes != nil:
		return shapeBool
	case a.Choices != nil:
		return shapeList
	}
	return shapeString
}

// CheckAnswers returns nil if the team's answers and each member's fit the
// event's questions, else the EINVALID error naming each problem by its
// path: answers.<id> for the team's, members[i].answers.<id> for a
// member's. A required question must be answered, an answer must be of
// the question's kind and, for choices, one of them; answers to questions
// the event does not ask (or asks the other of team and members) are
// refused.
func (e Event) CheckAnswers(t Team) error {
	var v validation
	e.checkAnswers(&v, t)
	return v.err("The registration")
}

func (e Event) checkAnswers(v *validation, t Team) {
	checkAnswerSet(v, "answers", t.Answers, e.QuestionsFor(PerTeam))
	member := e.QuestionsFor(PerMember)
	for i, m := range t.Members {
		checkAnswerSet(v, fmt.Sprintf("members[%d].answers", i), m.Answers, member)
	}
}

// checkAnswerSet checks one set of answers (at path) against the
// questions it may answer (a question to the team, answered by a member,
// is unknown there), and that each required one is answered.
func checkAnswerSet(v *validation, path string, answers Answers, qs []Question) {
	if len(answers) > MaxQuestions {
		v.add(path, RuleMaxItems, "max", MaxQuestions)
		return
	}
	for _, id := range slices.Sorted(maps.Keys(answers)) {
		a, p := answers[id], path+"."+echoQuestionID(id)
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == id })
		if i < 0 {
			v.add(p, RuleUnknownField)
			continue
		}
		checkAnswer(v, p, a, qs[i])
	}
	for _, q := range qs {
		if !q.Required {
			continue
		}
		a, ok := answers[q.ID]
		if want, _ := shapeFor(q.Type); ok && a.sentShape() != want && a.sentShape() != shapeNull {
			continue // its type is wrong: said already
		}
		if !ok || a.IsCleared() || a.Empty() {
			v.add(path+"."+q.ID, RuleRequired)
		}
	}
}

// echoQuestionID bounds a question id an error repeats (an unknown one
// is the caller's input), cutting between characters.
func echoQuestionID(id string) string {
	if len(id) <= 64 {
		return id
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return id[:cut] + "…"
}

// checkAnswer checks one answer against its question (not whether it is
// required).
func checkAnswer(v *validation, p string, a Answer, q Question) {
	shape := a.sentShape()
	if shape == shapeNull {
		return
	}
	want, words := shapeFor(q.Type)
	if shape != want {
		v.add(p, RuleType, "type", words)
		return
	}
	switch q.Type {
	case QuestionShortText:
		checkLines(v, p, strings.TrimSpace(a.Text), MaxShortAnswerLen, false, false)
	case QuestionLongText:
		checkLines(v, p, strings.TrimSpace(a.Text), MaxLongAnswerLen, false, true)
	case QuestionOneChoice:
		if s := strings.TrimSpace(a.Text); s != "" && choiceOf(q, s) == "" {
			v.add(p, RuleOneOf, "values", q.Choices)
		}
	case QuestionChoices:
		if len(a.Choices) > len(q.Choices) {
			v.add(p, RuleMaxItems, "max", len(q.Choices))
			return
		}
		seen := map[string]int{}
		for j, c := range a.Choices {
			cp := fieldIndex(p, j)
			canon := choiceOf(q, strings.TrimSpace(c))
			if canon == "" {
				v.add(cp, RuleOneOf, "values", q.Choices)
				continue
			}
			if at, dup := seen[canon]; dup {
				v.add(cp, RuleDuplicateOf, "of", fieldIndex(p, at))
			} else {
				seen[canon] = j
			}
		}
	}
}

// choiceOf is the question's choice s names (in any case), or "".
func choiceOf(q Question, s string) string {
	for _, c := range q.Choices {
		if strings.EqualFold(c, s) {
			return c
		}
	}
	return ""
}

// normalizeAnswer is an answer as it is kept: trimmed, its choices as the
// question words them, with the question's label, type and sensitivity.
// It reports false for an answer that says nothing.
func normalizeAnswer(a Answer, q Question) (Answer, bool) {
	out := Answer{Question: q.Label, Type: q.Type, Sensitive: q.Sensitive}
	switch q.Type {
	case QuestionYesNo:
		if a.Yes == nil {
			return Answer{}, false
		}
		yes := *a.Yes
		out.Yes = &yes
	case QuestionChoices:
		for _, c := range q.Choices { // in the question's order
			if slices.ContainsFunc(a.Choices, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), c) }) {
				out.Choices = append(out.Choices, c)
			}
		}
		if len(out.Choices) == 0 {
			return Answer{}, false
		}
	case QuestionOneChoice:
		if out.Text = choiceOf(q, strings.TrimSpace(a.Text)); out.Text == "" {
			return Answer{}, false
		}
	default:
		if out.Text = strings.TrimSpace(a.Text); out.Text == "" {
			return Answer{}, false
		}
	}
	return out, true
}

// normalizeSet keeps the answers of a set that answer one of qs,
// normalized; nil if none.
func normalizeSet(answers Answers, qs []Question) Answers {
	var out Answers
	for _, q := range qs {
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		if n, ok := normalizeAnswer(a, q); ok {
			if out == nil {
				out = Answers{}
			}
			out[q.ID] = n
		}
	}
	return out
}

// NormalizeAnswers returns the team with its answers and each member's as
// they are kept (see normalizeAnswer): answers to questions the event does
// not ask are dropped (CheckAnswers reports them first).
func (e Event) NormalizeAnswers(t Team) Team {
	t.Answers = normalizeSet(t.Answers, e.QuestionsFor(PerTeam))
	t.Members = slices.Clone(t.Members)
	member := e.QuestionsFor(PerMember)
	for i := range t.Members {
		t.Members[i].Answers = normalizeSet(t.Members[i].Answers, member)
	}
	return t
}

// HasAnswers reports whether the team or any member sent an answer.
func (t Team) HasAnswers() bool {
	if len(t.Answers) > 0 {
		return true
	}
	return slices.ContainsFunc(t.Members, func(m Member) bool { return len(m.Answers) > 0 })
}

// AnswersChange is a team changing its answers: the team's, and each
// member's by member id. An answer given replaces the one kept; a Cleared
// one removes it; a question not named keeps its answer. Errors name a
// member's answers by the member's place in the registration
// (members[2].answers.dietary: the registration's third member), and a
// member the registration does not have by its place in the change
// (members[0].id).
type AnswersChange struct {
	Answers Answers         `json:"answers,omitempty"`
	Members []MemberAnswers `json:"members,omitempty"`
}

// MemberAnswers are one member's answers in an AnswersChange.
type MemberAnswers struct {
	ID      string  `json:"id"`
	Answers Answers `json:"answers"`
}

// Empty reports whether the change names no answer.
func (c AnswersChange) Empty() bool {
	return len(c.Answers) == 0 && !slices.ContainsFunc(c.Members, func(m MemberAnswers) bool { return len(m.Answers) > 0 })
}

// Reasons of answer changes.
const (
	ReasonEventOver Reason = "event_over" // ECONFLICT: the event is over; its answers no longer change
)

// AuditAnswersChanged is the audit kind of a team changing its answers.
const AuditAnswersChanged AuditKind = "answers_changed"

// DecideAnswers changes a registration's answers as the team asks (see
// AnswersChange), checked against the event's questions as read: the
// result must answer every required question. Answers to questions the
// event no longer asks are kept as they were. Nobody is emailed (the team
// made the change on its own page); the audit log names the questions
// whose answers changed, never the answers, which may be about health.
func DecideAnswers(actor Actor, auditID string, change AnswersChange, reason string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if !reg.Status.Active() {
			return RegistrationChange{}, conflict(ReasonNotActive, "The registration of %s is cancelled.", reg.Organization.Name)
		}
		if !ev.EndsAt.IsZero() && !now.Before(ev.EndsAt) {
			return RegistrationChange{}, conflict(ReasonEventOver, "%s is over: its answers no longer change.", ev.Title)
		}
		if change.Empty() {
			return RegistrationChange{}, NewError(EINVALID, ReasonEmptyChange, "The change is empty: name at least one answer.")
		}
		var v validation
		team := ev.QuestionsFor(PerTeam)
		member := ev.QuestionsFor(PerMember)
		after := reg
		after.Answers = mergeAnswers(&v, "answers", reg.Answers, change.Answers, team)
		after.Members = slices.Clone(reg.Members)
		for i, m := range change.Members {
			j := slices.IndexFunc(after.Members, func(x Member) bool { return x.ID == m.ID && m.ID != "" })
			if j < 0 {
				v.add(fmt.Sprintf("members[%d].id", i), RuleOneOf, "values", memberIDs(reg.Members))
				continue
			}
			// A member's answers are named by the member's place in the
			// registration (as it lists them), whatever the change's order.
			after.Members[j].Answers = mergeAnswers(&v, fmt.Sprintf("members[%d].answers", j), after.Members[j].Answers, m.Answers, member)
		}
		// Every required question answered, as on the registration form.
		for _, q := range team {
			if q.Required && after.Answers[q.ID].Empty() {
				v.add("answers."+q.ID, RuleRequired)
			}
		}
		for i, m := range after.Members {
			for _, q := range member {
				if q.Required && m.Answers[q.ID].Empty() {
					v.add(fmt.Sprintf("members[%d].answers.%s", i, q.ID), RuleRequired)
				}
			}
		}
		if err := v.err("The answers"); err != nil {
			return RegistrationChange{}, err
		}
		changed := changedQuestions(reg, after)
		if len(changed) == 0 {
			return RegistrationChange{Unchanged: true}, nil
		}
		c := startChange(reg, AuditAnswersChanged, actor, auditID, reason, now)
		c.After.Answers, c.After.Members = after.Answers, after.Members
		c.Audit.Before, c.Audit.After = nil, map[string]string{"answers": strings.Join(changed, "; ")}
		return c.finish(reg), nil
	}
}

// mergeAnswers applies the answers given to those kept, checking each
// given one against the questions at path; errors go to v. Answers to
// questions no longer asked are kept.
func mergeAnswers(v *validation, path string, kept, given Answers, qs []Question) Answers {
	var out Answers
	for id, a := range kept {
		if out == nil {
			out = Answers{}
		}
		out[id] = a
	}
	if len(given) > MaxQuestions {
		v.add(path, RuleMaxItems, "max", MaxQuestions)
		return out
	}
	for _, id := range slices.Sorted(maps.Keys(given)) {
		a, p := given[id], path+"."+echoQuestionID(id)
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == id })
		if i < 0 {
			v.add(p, RuleUnknownField)
			continue
		}
		before := len(v.fields)
		checkAnswer(v, p, a, qs[i])
		if len(v.fields) > before {
			continue
		}
		n, ok := normalizeAnswer(a, qs[i])
		if !ok || a.IsCleared() {
			delete(out, id)
			continue
		}
		if out == nil {
			out = Answers{}
		}
		out[id] = n
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// changedQuestions names the questions whose answers differ between two
// states of a registration: the team's by label, members' by label with
// how many members changed it.
func changedQuestions(before, after Registration) []string {
	var out []string
	labels := map[string]string{}
	label := func(id string, as ...Answers) string {
		for _, a := range as {
			if x, ok := a[id]; ok && x.Question != "" {
				return x.Question
			}
		}
		return id
	}
	for _, id := range unionKeys(before.Answers, after.Answers) {
		if !sameAnswer(before.Answers[id], after.Answers[id]) {
			out = append(out, label(id, after.Answers, before.Answers))
		}
	}
	counts := map[string]int{}
	var order []string
	for _, m := range after.Members {
		var was Answers
		if j := slices.IndexFunc(before.Members, func(x Member) bool { return x.ID == m.ID }); j >= 0 {
			was = before.Members[j].Answers
		}
		for _, id := range unionKeys(was, m.Answers) {
			if !sameAnswer(was[id], m.Answers[id]) {
				if counts[id] == 0 {
					order = append(order, id)
					labels[id] = label(id, m.Answers, was)
				}
				counts[id]++
			}
		}
	}
	for _, id := range order {
		out = append(out, fmt.Sprintf("%s (%s)", labels[id], Plural(counts[id], "member", "members")))
	}
	return out
}

func unionKeys(a, b Answers) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
}

// sameAnswer reports whether two kept answers say the same.
func sameAnswer(a, b Answer) bool {
	return a.Value() == b.Value() && a.Empty() == b.Empty()
}

// WithoutSensitiveAnswers returns the registration without the answers
// to sensitive questions (health, accessibility), the team's and each
// member's, and reports whether it had any.
func (r Registration) WithoutSensitiveAnswers() (Registration, bool) {
	had := false
	strip := func(as Answers) Answers {
		var out Answers
		for id, a := range as {
			if a.Sensitive {
				had = true
				continue
			}
			if out == nil {
				out = Answers{}
			}
			out[id] = a
		}
		return out
	}
	r.Answers = strip(r.Answers)
	r.Members = slices.Clone(r.Members)
	for i := range r.Members {
		r.Members[i].Answers = strip(r.Members[i].Answers)
	}
	return r, had
}

// AuditSensitiveAnswersExpired is the audit kind of the retention
// function erasing a registration's sensitive answers.
const AuditSensitiveAnswersExpired AuditKind = "sensitive_answers_expired"

// DecideEraseSensitiveAnswers removes the answers to sensitive questions
// (RetainSensitiveAfterEvent); a registration without any is left as it
// is.
func DecideEraseSensitiveAnswers(auditID string, now time.Time) Decision {
	return func(reg Registration, _ Event, _ []WaitlistEntry) (RegistrationChange, error) {
		stripped, had := reg.WithoutSensitiveAnswers()
		if !had {
			return RegistrationChange{Unchanged: true}, nil
		}
		c := startChange(reg, AuditSensitiveAnswersExpired, SystemActor, auditID, "", now)
		c.After.Answers, c.After.Members = stripped.Answers, stripped.Members
		c.Audit.Before, c.Audit.After = nil, map[string]string{"sensitiveAnswers": "erased"}
		return c.finish(reg), nil
	}
}

// QuestionTally counts the answers to one of an event's questions among
// registrations: how many teams (or people, for a question to each
// member) were asked and answered, and for a question with choices (or
// yes and no) how many chose each, in the question's order, then the
// choices given that the question no longer offers (Earlier).
type QuestionTally struct {
	Question Question
	Asked    int
	Answered int
	Counts   []QuestionChoiceCount
}

// QuestionChoiceCount is how many chose one choice of an event's question.
type QuestionChoiceCount struct {
	Choice  string
	Count   int
	Earlier bool
}

// TallyAnswers counts the answers of regs to each of the event's
// questions.
func TallyAnswers(e Event, regs []Registration) []QuestionTally {
	out := make([]QuestionTally, 0, len(e.Questions))
	for _, q := range e.Questions {
		t := QuestionTally{Question: q}
		counts := map[string]int{}
		var earlier []string
		count := func(a Answer, ok bool) {
			t.Asked++
			if !ok || a.Empty() {
				return
			}
			t.Answered++
			for _, v := range a.Values() {
				if counts[v] == 0 && !slices.Contains(choicesOf(q), v) && !slices.Contains(earlier, v) {
					earlier = append(earlier, v)
				}
				counts[v]++
			}
		}
		for _, r := range regs {
			if q.PerMember() {
				for _, m := range r.Members {
					a, ok := m.Answers[q.ID]
					count(a, ok)
				}
			} else {
				a, ok := r.Answers[q.ID]
				count(a, ok)
			}
		}
		if q.Type.HasChoices() || q.Type == QuestionYesNo {
			for _, c := range choicesOf(q) {
				t.Counts = append(t.Counts, QuestionChoiceCount{Choice: c, Count: counts[c]})
			}
			for _, c := range earlier {
				t.Counts = append(t.Counts, QuestionChoiceCount{Choice: c, Count: counts[c], Earlier: true})
			}
		}
		out = append(out, t)
	}
	return out
}

// choicesOf are the values a question's answers take: its choices, or
// Yes and No.
func choicesOf(q Question) []string {
	if q.Type == QuestionYesNo {
		return []string{"Yes", "No"}
	}
	return q.Choices
}
