package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// The event's own questions: staff add them (from the suggestions or from
// scratch), word them, choose their type, whom they ask and whether they
// are required, order and remove them, on a page of their own; the event's
// page counts the answers per choice.

// questionRow is one question on the form, as typed. ID is the question's
// id for a question the event has (answers are kept by it), empty for a
// new one, which takes its id from its label.
type questionRow struct {
	N                                   int
	ID, Label, Help, Type, Per, Choices string
	Required, Sensitive                 bool
	// Answered counts the answers given so far (teams or people).
	Answered int
}

// Number is the row's number as the page shows it.
func (r questionRow) Number() int { return r.N + 1 }

// FieldID is the id of one of the row's fields.
func (r questionRow) FieldID(part string) string { return fmt.Sprintf("q%d-%s", r.N, part) }

// Name is the form name of one of the row's fields.
func (r questionRow) Name(part string) string { return fmt.Sprintf("q%d.%s", r.N, part) }

// Blank reports whether a new row was left empty.
func (r questionRow) Blank() bool {
	return r.ID == "" && strings.TrimSpace(r.Label+r.Help+r.Choices) == ""
}

type questionsView struct {
	formErrors
	Event       convening.Event
	Rows        []questionRow
	Suggestions []suggestionButton
	Types       []option
	Reason      string
	// Answers counts the registrations whose answers the page counted.
	Teams int
}

type suggestionButton struct{ Key, Label string }

func (h *Handler) questions(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := questionsView{Event: e}
	for i, q := range e.Questions {
		v.Rows = append(v.Rows, rowOf(i, q))
	}
	return h.showQuestions(ctx, w, r, who, http.StatusOK, v)
}

func rowOf(n int, q convening.Question) questionRow {
	return questionRow{N: n, ID: q.ID, Label: q.Label, Help: q.Help, Type: string(q.Type), Per: string(q.Per),
		Choices: strings.Join(q.Choices, "\n"), Required: q.Required, Sensitive: q.Sensitive}
}

// showQuestions answers the questions' page with its rows as they are, the
// suggestions not yet added, and how many have answered each question.
func (h *Handler) showQuestions(ctx context.Context, w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, v questionsView) error {
	for _, t := range convening.QuestionTypes {
		v.Types = append(v.Types, option{Value: string(t), Label: t.Label()})
	}
	for _, s := range convening.SuggestedQuestions(v.Event) {
		if !slices.ContainsFunc(v.Rows, func(r questionRow) bool { return r.ID == s.Question.ID }) {
			v.Suggestions = append(v.Suggestions, suggestionButton{Key: s.Key, Label: s.Question.Label})
		}
	}
	regs, err := h.activeRegistrations(ctx, v.Event.ID)
	if err != nil {
		return err
	}
	v.Teams = len(regs)
	for _, t := range convening.TallyAnswers(v.Event, regs) {
		for i := range v.Rows {
			if v.Rows[i].ID == t.Question.ID {
				v.Rows[i].Answered = t.Answered
			}
		}
	}
	return h.render(w, r, status, "questions", "Questions: "+v.Event.Title, &who, v)
}

// activeRegistrations are the registered, offered and waitlisted teams of
// an event.
func (h *Handler) activeRegistrations(ctx context.Context, eventID string) ([]convening.Registration, error) {
	var out []convening.Registration
	for _, list := range convening.AudienceLists {
		_, regs, err := h.svc.AllRegistrations(ctx, eventID, list)
		if err != nil {
			return nil, err
		}
		out = append(out, regs...)
	}
	return out, nil
}

var questionOp = regexp.MustCompile(`^(up|down|remove)-(\d+)$`)

// readQuestionRows reads the rows the form sent, in order.
func readQuestionRows(f url.Values) []questionRow {
	var rows []questionRow
	for n := range convening.MaxQuestions + 1 {
		p := "q" + strconv.Itoa(n) + "."
		if _, ok := f[p+"label"]; !ok {
			continue
		}
		rows = append(rows, questionRow{N: len(rows), ID: strings.TrimSpace(f.Get(p + "id")), Label: f.Get(p + "label"), Help: f.Get(p + "help"),
			Type: f.Get(p + "type"), Per: f.Get(p + "per"), Choices: f.Get(p + "choices"),
			Required: slices.Contains(f[p+"required"], "yes"), Sensitive: slices.Contains(f[p+"sensitive"], "yes")})
	}
	return rows
}

func renumberRows(rows []questionRow) []questionRow {
	for i := range rows {
		rows[i].N = i
	}
	return rows
}

// saveQuestions answers the form: a button that adds, moves or removes a
// row shows the form again (nothing is saved until "Save the questions");
// saving replaces the event's questions, with a reason the audit log
// keeps.
func (h *Handler) saveQuestions(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	v := questionsView{Event: e, Rows: readQuestionRows(f), Reason: f.Get("reason")}
	op := f.Get("op")
	switch m := questionOp.FindStringSubmatch(op); {
	case op == "add":
		if len(v.Rows) < convening.MaxQuestions {
			v.Rows = append(v.Rows, questionRow{Type: string(convening.QuestionShortText), Per: string(convening.PerTeam)})
		}
		return h.showQuestions(ctx, w, r, who, http.StatusOK, withRows(v))
	case strings.HasPrefix(op, "suggest-"):
		for _, s := range convening.SuggestedQuestions(e) {
			if "suggest-"+s.Key == op && len(v.Rows) < convening.MaxQuestions {
				row := rowOf(len(v.Rows), s.Question)
				row.ID = "" // a new question until saved (its id comes from its label)
				if !slices.ContainsFunc(v.Rows, func(r questionRow) bool { return r.ID == s.Question.ID }) {
					row.ID = s.Question.ID
				}
				v.Rows = append(v.Rows, row)
			}
		}
		return h.showQuestions(ctx, w, r, who, http.StatusOK, withRows(v))
	case m != nil:
		i, _ := strconv.Atoi(m[2])
		if i < len(v.Rows) {
			switch m[1] {
			case "remove":
				v.Rows = slices.Delete(v.Rows, i, i+1)
			case "up":
				if i > 0 {
					v.Rows[i-1], v.Rows[i] = v.Rows[i], v.Rows[i-1]
				}
			case "down":
				if i+1 < len(v.Rows) {
					v.Rows[i+1], v.Rows[i] = v.Rows[i], v.Rows[i+1]
				}
			}
		}
		return h.showQuestions(ctx, w, r, who, http.StatusOK, withRows(v))
	}
	// Save.
	var qs []convening.Question
	fields := []formField{{ID: "questions", Path: "questions", Label: "The questions"}}
	for _, row := range v.Rows {
		if row.Blank() {
			continue
		}
		q := convening.Question{ID: row.ID, Label: row.Label, Help: row.Help, Type: convening.QuestionType(row.Type),
			Per: convening.QuestionPer(row.Per), Required: row.Required, Sensitive: row.Sensitive}
		q.Choices = append(q.Choices, strings.Split(strings.ReplaceAll(row.Choices, "\r\n", "\n"), "\n")...)
		p, label := fmt.Sprintf("questions[%d]", len(qs)), fmt.Sprintf("Question %d", row.Number())
		fields = append(fields,
			formField{ID: row.FieldID("label"), Path: p + ".id", Label: label + "'s label"},
			formField{ID: row.FieldID("label"), Path: p + ".label", Label: label + "'s label"},
			formField{ID: row.FieldID("help"), Path: p + ".help", Label: label + "'s help"},
			formField{ID: row.FieldID("type"), Path: p + ".type", Label: label + "'s type"},
			formField{ID: row.FieldID("per"), Path: p + ".per", Label: label + ": whom it asks"},
			formField{ID: row.FieldID("choices"), Path: p + ".choices", Label: label + "'s choices"})
		for j := range convening.MaxChoices {
			fields = append(fields, formField{ID: row.FieldID("choices"), Path: fmt.Sprintf("%s.choices[%d]", p, j),
				Label: fmt.Sprintf("%s's choice %d", label, j+1)})
		}
		qs = append(qs, q)
	}
	fields = append(fields, formField{ID: "reason", Path: "reason", Label: "Reason"})
	if qs == nil {
		qs = []convening.Question{}
	}
	// Every problem at once: the questions' (as the change would find
	// them) with the reason's.
	if _, err := (convening.EventChange{Questions: &qs}).Apply(e, nil); convening.ErrorCode(err) == convening.EINVALID {
		placeQuestionErrors(&v.formErrors, err, fields)
	}
	checkReason(&v.formErrors, v.Reason, fields)
	if !v.Failed() {
		changed, err := h.svc.UpdateEvent(ctx, actor(who), e.ID, convening.EventChange{Questions: &qs}, v.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "staff action", "action", "questions", "event", e.ID, staffAttr(who))
			return h.redirectWith(w, r, "/staff/events/"+e.ID+"/questions", flash{Code: "questions-saved", Team: changed.Title, N: len(changed.Questions)})
		}
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		placeQuestionErrors(&v.formErrors, err, fields)
		return h.showQuestions(ctx, w, r, who, status, v)
	}
	return h.showQuestions(ctx, w, r, who, http.StatusBadRequest, v)
}

func withRows(v questionsView) questionsView {
	v.Rows = renumberRows(v.Rows)
	return v
}

// placeQuestionErrors places the domain's errors on the questions' form,
// worded for it: a question's id comes from its label, and its choices
// are lines.
func placeQuestionErrors(f *formErrors, err error, fields []formField) {
	f.place(err, fields)
	e := convening.AsError(err)
	if e == nil {
		return
	}
	for _, fe := range e.Fields {
		i := slices.IndexFunc(fields, func(ff formField) bool { return ff.Path == fe.Field })
		if i < 0 {
			continue
		}
		ff := fields[i]
		var msg string
		switch {
		case strings.HasSuffix(fe.Field, ".id") && fe.Rule == convening.RuleDuplicateOf:
			msg = ff.Label + " is the same as another question's: make them differ"
		case strings.HasSuffix(fe.Field, ".id"):
			msg = ff.Label + " must contain a letter or digit"
		case strings.HasSuffix(fe.Field, ".choices") && fe.Rule == convening.RuleRange:
			msg = fmt.Sprintf("%s: give from %v to %v choices, one per line", ff.Label, fe.Args["min"], fe.Args["max"])
		case strings.HasSuffix(fe.Field, ".choices") && fe.Rule == convening.RuleMaxItems:
			msg = ff.Label + ": only questions of one or several choices have choices; empty the box or change the type"
		case strings.Contains(fe.Field, ".choices[") && fe.Rule == convening.RuleDuplicateOf:
			msg = ff.Label + " is given twice"
		case fe.Field == "questions" && fe.Rule == convening.RuleMaxItems:
			msg = fmt.Sprintf("An event asks at most %v questions", fe.Args["max"])
		default:
			continue
		}
		if _, set := f.byID[ff.ID]; set && f.byID[ff.ID] != msg {
			f.byID[ff.ID] = msg
			for j := range f.Summary {
				if f.Summary[j].ID == ff.ID {
					f.Summary[j].Text = msg
				}
			}
		}
	}
}

// answerLine is one answer as the pages show it: the question as asked,
// and the answer ("" unanswered).
type answerLine struct{ Question, Value string }

// memberAnswerLines are one member's answers.
type memberAnswerLines struct {
	Name  string
	Lines []answerLine
}

// teamAnswers are a team's answers on its page: the team's, then each
// member's, to the event's questions and to questions it no longer asks.
type teamAnswers struct {
	Team    []answerLine
	Members []memberAnswerLines
}

// Any reports whether there is anything to show.
func (a teamAnswers) Any() bool { return len(a.Team) > 0 || len(a.Members) > 0 }

// Answers are the team's answers, as its page shows them.
func (v teamView) Answers() teamAnswers {
	lines := func(qs []convening.Question, as convening.Answers) []answerLine {
		var out []answerLine
		for _, q := range qs {
			out = append(out, answerLine{Question: q.Label, Value: as[q.ID].Value()})
		}
		for _, id := range slices.Sorted(mapsKeys(as)) {
			if _, asked := v.Event.Question(id); !asked {
				out = append(out, answerLine{Question: as[id].Question + " (no longer asked)", Value: as[id].Value()})
			}
		}
		return out
	}
	a := teamAnswers{Team: lines(v.Event.QuestionsFor(convening.PerTeam), v.Reg.Answers)}
	member := v.Event.QuestionsFor(convening.PerMember)
	for _, m := range v.Reg.Members {
		if ls := lines(member, m.Answers); len(ls) > 0 {
			name := m.Name
			if name == "" {
				name = "(erased)"
			}
			a.Members = append(a.Members, memberAnswerLines{Name: name + ", " + m.Role.Label(), Lines: ls})
		}
	}
	return a
}

func mapsKeys(as convening.Answers) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range as {
			if !yield(k) {
				return
			}
		}
	}
}
