package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// The event's own questions on the website: asked on the registration
// form (the team's once, each member's in that member's row), and changed
// later on a form of their own (/manage/{id}/answers), with the manage
// token. Answers are kept as typed (strings, by question id) so that a
// form with errors comes back as it was sent; the event's questions say
// what each becomes.

// typedAnswers are one set of answers as posted: values by question id.
type typedAnswers map[string][]string

// questionField is one question as a form draws it.
type questionField struct {
	QID, ID, Name string
	Label, Help   string
	Type          string
	Required      bool
	// Value is a text answer as typed; Options the choices (or yes and
	// no), each checked as posted.
	Value   string
	Options []optionField
	Err     string
	// Row, for a member's question in the registration form, is the
	// member row's index: the form's script renumbers rows.
	Row    int
	InRow  bool
	MaxLen int
}

type optionField struct {
	ID, Value, Label string
	Checked          bool
	Opt              int
}

// Text reports whether the question takes text (an input or a textarea).
func (q questionField) Text() bool {
	return q.Type == string(convening.QuestionShortText) || q.Type == string(convening.QuestionLongText)
}

// Long reports whether its text takes lines.
func (q questionField) Long() bool { return q.Type == string(convening.QuestionLongText) }

// Multiple reports whether several options may be chosen (checkboxes).
func (q questionField) Multiple() bool { return q.Type == string(convening.QuestionChoices) }

// Describedby is the ids that describe the question's control.
func (q questionField) Describedby() string {
	var ids []string
	if q.Help != "" {
		ids = append(ids, q.ID+"-hint")
	}
	if q.Err != "" {
		ids = append(ids, q.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// DataD names the parts that describe the control, for the form script.
func (q questionField) DataD() string {
	var parts []string
	if q.Help != "" {
		parts = append(parts, "hint")
	}
	if q.Err != "" {
		parts = append(parts, "error")
	}
	return strings.Join(parts, " ")
}

// newQuestionField draws question q with id and form name, and its
// answer as typed.
func newQuestionField(q convening.Question, id, name string, typed []string, err string) questionField {
	f := questionField{QID: q.ID, ID: id, Name: name, Label: q.Label, Help: q.Help, Type: string(q.Type), Required: q.Required, Err: err}
	switch q.Type {
	case convening.QuestionShortText, convening.QuestionLongText:
		if len(typed) > 0 {
			f.Value = typed[0]
		}
		f.MaxLen = convening.MaxShortAnswerLen
		if q.Type == convening.QuestionLongText {
			f.MaxLen = convening.MaxLongAnswerLen
		}
	case convening.QuestionYesNo:
		f.Options = []optionField{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}
	default:
		for _, c := range q.Choices {
			f.Options = append(f.Options, optionField{Value: c, Label: c})
		}
	}
	for i := range f.Options {
		o := &f.Options[i]
		o.Opt, o.ID = i, id
		if i > 0 {
			o.ID = id + "-" + strconv.Itoa(i)
		}
		o.Checked = slices.Contains(typed, o.Value)
	}
	return f
}

// answerIDRE reads a question id from a form name.
var answerIDRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// readTyped reads the answers posted under prefix (q., m3., m.<member
// id>.): values by question id, at most MaxQuestions of them.
func readTyped(f url.Values, prefix string) typedAnswers {
	var out typedAnswers
	for _, k := range slices.Sorted(maps.Keys(f)) {
		qid, ok := strings.CutPrefix(k, prefix)
		if !ok || len(qid) > 40 || !answerIDRE.MatchString(qid) {
			continue
		}
		if out == nil {
			out = typedAnswers{}
		}
		if len(out) >= convening.MaxQuestions {
			break
		}
		vals := f[k]
		if len(vals) > convening.MaxChoices {
			vals = vals[:convening.MaxChoices+1] // one too many is reported, never more
		}
		kept := make([]string, len(vals))
		for i, v := range vals {
			kept[i] = answer(v) // line ends as the domain keeps them
		}
		out[qid] = kept
	}
	return out
}

// answersOf turns typed answers into the domain's for the questions qs:
// a question left blank is not answered (cleared, when clear is set: a
// change of answers).
func answersOf(qs []convening.Question, typed typedAnswers, clear bool) convening.Answers {
	var out convening.Answers
	set := func(id string, a convening.Answer) {
		if out == nil {
			out = convening.Answers{}
		}
		out[id] = a
	}
	for _, q := range qs {
		var vals []string
		for _, v := range typed[q.ID] {
			if strings.TrimSpace(v) != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if clear {
				set(q.ID, convening.Cleared())
			}
			continue
		}
		switch q.Type {
		case convening.QuestionChoices:
			set(q.ID, convening.ChoiceAnswers(vals...))
		case convening.QuestionYesNo:
			switch vals[0] {
			case "yes":
				set(q.ID, convening.YesNo(true))
			case "no":
				set(q.ID, convening.YesNo(false))
			default:
				set(q.ID, convening.TextAnswer(vals[0])) // not yes or no: refused as such
			}
		default:
			set(q.ID, convening.TextAnswer(answer(vals[0])))
		}
	}
	return out
}

// typedOf is a set of kept answers as a form shows them.
func typedOf(as convening.Answers) typedAnswers {
	out := typedAnswers{}
	for id, a := range as {
		switch {
		case a.Yes != nil && *a.Yes:
			out[id] = []string{"yes"}
		case a.Yes != nil:
			out[id] = []string{"no"}
		case a.Type == convening.QuestionChoices:
			out[id] = a.Choices
		default:
			out[id] = []string{a.Text}
		}
	}
	return out
}

// answerPath splits the path of an answer's field error: the member's
// index (-1 for the team's) and the question's id.
var answerPathRE = regexp.MustCompile(`^(?:members\[(\d+)\]\.)?answers\.([a-z0-9-]+)(?:\[\d+\])?$`)

func answerPath(path string) (member int, qid string, ok bool) {
	m := answerPathRE.FindStringSubmatch(path)
	if m == nil {
		return 0, "", false
	}
	member = -1
	if m[1] != "" {
		member, _ = strconv.Atoi(m[1])
	}
	return member, m[2], true
}

// answerText words an answer's field error by its rule, starting with the
// question (and, for a member's, who). It returns "" for an error a form
// cannot show (a question no longer asked).
func answerText(q convening.Question, who string, f convening.FieldError) string {
	label := "“" + q.Label + "”"
	if who != "" {
		label = who + ": " + label
	}
	switch f.Rule {
	case convening.RuleRequired:
		return label + " needs an answer"
	case convening.RuleOneOf:
		return label + ": choose one of the answers offered"
	case convening.RuleDuplicateOf:
		return label + ": choose each answer once"
	case convening.RuleMaxItems:
		return fmt.Sprintf("%s: choose at most %v", label, f.Args["max"])
	case convening.RuleType:
		if q.Type == convening.QuestionYesNo {
			return label + ": choose yes or no"
		}
		return label + " is not an answer this question takes"
	case convening.RuleMaxLength:
		return fmt.Sprintf("%s must be at most %v characters", label, thousands(f.Args["max"]))
	case convening.RuleSingleLine:
		return label + " must be on one line"
	case convening.RuleText:
		return label + " must not contain control characters"
	}
	return ""
}

// --- On the registration form ---

// readFormAnswers reads the registration form's answers to the event's
// questions: the team's (q.) and each member row's (m<i>.).
func (t *teamForm) readFormAnswers(e convening.Event, f url.Values) {
	t.teamQs, t.memberQs = e.QuestionsFor(convening.PerTeam), e.QuestionsFor(convening.PerMember)
	t.Answers = readTyped(f, "q.")
	for i := range t.Members {
		t.Members[i].Answers = readTyped(f, "m"+strconv.Itoa(i)+".")
	}
}

// teamWithAnswers is the form's team with its answers to the event's
// questions.
func (t teamForm) teamWithAnswers() convening.Team {
	team := t.team()
	team.Answers = answersOf(t.teamQs, t.Answers, false)
	// team() drops rows left empty; the rows' answers follow the rows kept.
	i := 0
	for _, m := range t.Members {
		if strings.TrimSpace(m.Name+m.Email+m.Role) == "" {
			continue
		}
		if i < len(team.Members) {
			team.Members[i].Answers = answersOf(t.memberQs, m.Answers, false)
		}
		i++
	}
	return team
}

// drawQuestions draws the event's questions on the form: the team's, and
// each row's, with their answers as typed and their errors.
func (t *teamForm) drawQuestions(e convening.Event) {
	t.teamQs, t.memberQs = e.QuestionsFor(convening.PerTeam), e.QuestionsFor(convening.PerMember)
	t.TeamQuestions = nil
	for _, q := range t.teamQs {
		id := "q-" + q.ID
		t.TeamQuestions = append(t.TeamQuestions, newQuestionField(q, id, "q."+q.ID, t.Answers[q.ID], t.Errors[id]))
	}
	for i := range t.Members {
		row := &t.Members[i]
		row.Questions = nil
		for _, q := range t.memberQs {
			id := fmt.Sprintf("member-%d-q-%s", i, q.ID)
			f := newQuestionField(q, id, fmt.Sprintf("m%d.%s", i, q.ID), row.Answers[q.ID], t.Errors[id])
			f.Row, f.InRow = i, true
			row.Questions = append(row.Questions, f)
		}
	}
}

// placeAnswerErrors places the answers' field errors on the form's
// question fields (by id), worded by their rule.
func (t *teamForm) placeAnswerErrors(fields []convening.FieldError) {
	find := func(qs []convening.Question, id string) (convening.Question, bool) {
		i := slices.IndexFunc(qs, func(q convening.Question) bool { return q.ID == id })
		if i < 0 {
			return convening.Question{}, false
		}
		return qs[i], true
	}
	for _, f := range fields {
		member, qid, ok := answerPath(f.Field)
		if !ok {
			continue
		}
		qs, id, who := t.teamQs, "q-"+qid, ""
		if member >= 0 {
			qs, id, who = t.memberQs, fmt.Sprintf("member-%d-q-%s", member, qid), fmt.Sprintf("Member %d", member+1)
		}
		q, known := find(qs, qid)
		if !known {
			continue
		}
		if msg := answerText(q, who, f); msg != "" {
			if _, dup := t.Errors[id]; !dup {
				t.Errors[id] = msg
			}
		}
	}
}

// answerOrder are the ids of the questions' fields of row i (-1: the
// team's), in the page's order, for the error summary.
func (t teamForm) answerOrder(row int) []string {
	var ids []string
	if row < 0 {
		for _, q := range t.teamQs {
			ids = append(ids, "q-"+q.ID)
		}
		return ids
	}
	for _, q := range t.memberQs {
		ids = append(ids, fmt.Sprintf("member-%d-q-%s", row, q.ID))
	}
	return ids
}

// validateRegistration checks the form's team and its answers for the
// event, every problem at once.
func (h *Handler) validateRegistration(e convening.Event, team convening.Team) (convening.Team, error) {
	normal, err := h.svc.ValidateTeam(e, team)
	normal.Answers = team.Answers
	for i := range normal.Members {
		if i < len(team.Members) {
			normal.Members[i].Answers = team.Members[i].Answers
		}
	}
	aerr := e.CheckAnswers(normal)
	if err == nil {
		return normal, aerr
	}
	if aerr == nil {
		return normal, err
	}
	var a, b *convening.Error
	if errors.As(err, &a) && errors.As(aerr, &b) {
		return normal, convening.InvalidFields("The registration", append(slices.Clone(a.Fields), b.Fields...)...)
	}
	return normal, err
}

// --- The team changes its answers ---

type answersView struct {
	Event convening.Event
	Reg   registrationView
	Token string
	CSRF  string
	// Team are the team's questions; Members each member's.
	Team    []questionField
	Members []memberQuestions
	Summary []fieldProblem
	Problem string
	Done    bool
	// Closed says the answers no longer change (cancelled, or the event
	// is over), and why.
	Closed string
}

type memberQuestions struct {
	Name, Role string
	Questions  []questionField
}

// HasQuestions reports whether the event asks anything.
func (v answersView) HasQuestions() bool { return len(v.Team) > 0 || len(v.Members) > 0 }

func (h *Handler) answersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, token := r.PathValue("registrationId"), r.URL.Query().Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	team, members := typedOf(reg.Answers), map[string]typedAnswers{}
	for _, m := range reg.Members {
		members[m.ID] = typedOf(m.Answers)
	}
	v := h.answersView(w, r, e, reg, token, team, members, nil)
	v.Done = r.URL.Query().Get("done") == "saved"
	return h.render(w, http.StatusOK, "answers", "Your team's answers", v, true)
}

// answersView draws the answers form, with the answers as typed and the
// errors of err (nil: none).
func (h *Handler) answersView(w http.ResponseWriter, r *http.Request, e convening.Event, reg convening.Registration, token string,
	team typedAnswers, members map[string]typedAnswers, err error) answersView {
	now := h.svc.Now()
	v := answersView{Event: e, Reg: newRegistrationView(r, reg, token, now), Token: token,
		CSRF: h.csrfToken(h.csrfNonce(w, r), "answers:"+reg.ID)}
	switch {
	case !reg.Status.Active():
		v.Closed = "This registration is no longer active, so its answers no longer change."
	case !now.Before(e.EndsAt):
		v.Closed = "The event is over, so its answers no longer change."
	}
	errs := map[string]string{}
	var de *convening.Error
	if errors.As(err, &de) {
		for _, f := range de.Fields {
			member, qid, ok := answerPath(f.Field)
			q, known := e.Question(qid)
			if !ok || !known || member >= len(reg.Members) {
				continue
			}
			fid, who := "q-"+qid, ""
			if member >= 0 {
				m := reg.Members[member]
				fid, who = "m-"+m.ID+"-q-"+qid, m.Name
			}
			if msg := answerText(q, who, f); msg != "" {
				if _, dup := errs[fid]; !dup {
					errs[fid] = msg
				}
			}
		}
	}
	for _, q := range e.QuestionsFor(convening.PerTeam) {
		fid := "q-" + q.ID
		v.Team = append(v.Team, newQuestionField(q, fid, "q."+q.ID, team[q.ID], errs[fid]))
	}
	if qs := e.QuestionsFor(convening.PerMember); len(qs) > 0 {
		for _, m := range reg.Members {
			mq := memberQuestions{Name: m.Name, Role: m.Role.Label()}
			for _, q := range qs {
				fid := "m-" + m.ID + "-q-" + q.ID
				mq.Questions = append(mq.Questions, newQuestionField(q, fid, "m."+m.ID+"."+q.ID, members[m.ID][q.ID], errs[fid]))
			}
			v.Members = append(v.Members, mq)
		}
	}
	// The summary in the page's order.
	for _, f := range v.Team {
		if f.Err != "" {
			v.Summary = append(v.Summary, fieldProblem{ID: f.ID, Text: f.Err})
		}
	}
	for _, m := range v.Members {
		for _, f := range m.Questions {
			if f.Err != "" {
				v.Summary = append(v.Summary, fieldProblem{ID: f.ID, Text: f.Err})
			}
		}
	}
	return v
}

func (h *Handler) saveAnswers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	id, token := r.PathValue("registrationId"), f.Get("token")
	reg, e, err := h.registration(ctx, id, token)
	if err != nil {
		return err
	}
	team := readTyped(f, "q.")
	members := map[string]typedAnswers{}
	for _, m := range reg.Members {
		members[m.ID] = readTyped(f, "m."+m.ID+".")
	}
	show := func(status int, err error, problemText string) error {
		v := h.answersView(w, r, e, reg, token, team, members, err)
		v.Problem = problemText
		title := "Your team's answers"
		if len(v.Summary) > 0 || v.Problem != "" {
			title = "Error: " + title
		}
		return h.render(w, status, "answers", title, v, true)
	}
	if !h.checkCSRF(r, "answers:"+reg.ID) {
		return show(http.StatusForbidden, nil, "For your security, please check your answers and press “Save our answers” again.")
	}
	change := convening.AnswersChange{Answers: answersOf(e.QuestionsFor(convening.PerTeam), team, true)}
	member := e.QuestionsFor(convening.PerMember)
	for _, m := range reg.Members {
		if as := answersOf(member, members[m.ID], true); len(as) > 0 {
			change.Members = append(change.Members, convening.MemberAnswers{ID: m.ID, Answers: as})
		}
	}
	if change.Empty() {
		return show(http.StatusBadRequest, nil, "This event asks no questions of your team.")
	}
	_, err = h.svc.ChangeAnswers(ctx, id, token, change)
	switch reason := convening.ErrorReason(err); reason {
	case "":
		return redirect(w, "/manage/"+url.PathEscape(reg.ID)+"/answers?"+url.Values{"token": {token}, "done": {"saved"}}.Encode())
	case convening.ReasonInvalidFields:
		return show(http.StatusBadRequest, err, "")
	case convening.ReasonNotActive, convening.ReasonEventOver:
		return show(http.StatusConflict, nil, "Your answers are not saved: "+closedText(reason))
	case convening.ReasonBusy:
		return show(problem.Status(err), nil, "We're very busy right now, and your answers are not saved yet. Please press “Save our answers” again in a few seconds.")
	}
	return err
}

func closedText(r convening.Reason) string {
	if r == convening.ReasonEventOver {
		return "the event is over."
	}
	return "this registration is no longer active."
}

// --- On the manage page ---

// answersSummary is a team's answers as its manage page shows them: each
// question of the event with the answer given (or none), and the answers
// kept to questions the event no longer asks.
type answersSummary struct {
	Team    []answerLine
	Members []memberLines
	// Path opens the answers' form; Open says the answers may change;
	// Missing counts the required questions without an answer.
	Path    string
	Open    bool
	Missing int
}

type answerLine struct{ Label, Value string }

type memberLines struct {
	Name, Role string
	Lines      []answerLine
}

// Show reports whether the page has answers to show: the event asks, or
// answers were given.
func (s answersSummary) Show() bool { return len(s.Team) > 0 || len(s.Members) > 0 }

func newAnswersSummary(e convening.Event, reg convening.Registration, token string, now time.Time) answersSummary {
	s := answersSummary{Path: "/manage/" + url.PathEscape(reg.ID) + "/answers?" + url.Values{"token": {token}}.Encode(),
		Open: reg.Status.Active() && now.Before(e.EndsAt)}
	lines := func(qs []convening.Question, as convening.Answers) []answerLine {
		var out []answerLine
		for _, q := range qs {
			a, ok := as[q.ID]
			if q.Required && (!ok || a.Empty()) {
				s.Missing++
			}
			out = append(out, answerLine{Label: q.Label, Value: a.Value()})
		}
		// Answers to questions no longer asked, as they were given.
		for _, id := range slices.Sorted(maps.Keys(as)) {
			if _, asked := e.Question(id); !asked && as[id].Question != "" {
				out = append(out, answerLine{Label: as[id].Question, Value: as[id].Value()})
			}
		}
		return out
	}
	s.Team = lines(e.QuestionsFor(convening.PerTeam), reg.Answers)
	member := e.QuestionsFor(convening.PerMember)
	for _, m := range reg.Members {
		if ls := lines(member, m.Answers); len(ls) > 0 {
			s.Members = append(s.Members, memberLines{Name: m.Name, Role: m.Role.Label(), Lines: ls})
		}
	}
	return s
}
