package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// The evaluation survey's page: a person who came opens it from the link
// in their email, answers once, and is thanked; a second answer, a closed
// survey and a wrong link each get their page.

// SurveyPages is what the survey's page needs of the domain (the
// convening.SurveyAnswerService).
type SurveyPages interface {
	PersonalSurvey(ctx context.Context, eventID, personID, token string) (convening.PersonalSurvey, error)
	AnswerSurvey(ctx context.Context, eventID, personID, token string, answers map[string]convening.SurveyAnswer) (convening.PersonalSurvey, error)
}

// answerPrefix starts the name of every answer's field: a.<item id>.
const answerPrefix = "a."

// surveyForm is the survey as posted: the values by item, and what was
// wrong with them by item ("" for the whole form).
type surveyForm struct {
	values map[string][]string
	errors map[string]string
}

// ParseSurveyForm reads a posted survey form into answers: a.<item id>
// holds a rating (1 to 5), the ids of the choices taken, or text. A rating
// that is not a number from 1 to 5 is a field error here; everything else
// is the domain's to check (convening.Survey.CheckAnswers), unknown items
// included. Fields not named a.* are not answers.
func ParseSurveyForm(sv convening.Survey, f url.Values) (map[string]convening.SurveyAnswer, []convening.FieldError) {
	answers := map[string]convening.SurveyAnswer{}
	var errs []convening.FieldError
	for _, name := range slices.Sorted(mapKeys(f)) {
		id, ok := strings.CutPrefix(name, answerPrefix)
		if !ok {
			continue
		}
		values := f[name]
		it, known := sv.Item(id)
		var a convening.SurveyAnswer
		switch {
		case !known:
			// Kept, so that the domain names the unknown item.
			a.Text = strings.Join(values, "\n")
		case it.Type == convening.SurveyRating:
			v := strings.TrimSpace(strings.Join(values, ""))
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || len(values) > 1 || n < 1 || n > 5 {
				errs = append(errs, convening.Field("answers."+id+".rating", convening.RuleRange, "min", 1, "max", 5))
				continue
			}
			a.Rating = n
		case it.Type == convening.SurveyChoice:
			for _, v := range values {
				if v != "" {
					a.Choices = append(a.Choices, v)
				}
			}
		default:
			a.Text = strings.Join(values, "\n")
		}
		answers[id] = a
	}
	return answers, errs
}

func mapKeys(f url.Values) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range f {
			if !yield(k) {
				return
			}
		}
	}
}

// surveyView is the survey's page.
type surveyView struct {
	Event    eventView
	EventID  string
	PersonID string
	Token    string
	CSRF     string
	// State is "open", "closed" or "answered".
	State      string
	Intro      string
	Items      []surveyItemView
	ClosesAt   string
	AnsweredAt string
	// Problem says what went wrong with the whole form; Summary lists the
	// items at fault, to jump to.
	Problem string
	Summary []summaryLine
}

type summaryLine struct{ ID, Text string }

// surveyItemView is one question as the page shows it.
type surveyItemView struct {
	convening.SurveyItem
	Number int
	// Field is the form's name for it; DOM the id its controls start with.
	Field, DOM string
	Err        string
	// Value is a rating or text as posted; Chosen the choices.
	Value   string
	Chosen  map[string]bool
	Options []optionView
}

type optionView struct {
	Value, Label, DOM string
}

// Points are a rating item's options, 1 to 5.
func ratingOptions(dom string) []optionView {
	out := make([]optionView, 5)
	for i := range out {
		out[i] = optionView{Value: strconv.Itoa(i + 1), Label: convening.RatingLabels[i], DOM: fmt.Sprintf("%s-%d", dom, i+1)}
	}
	return out
}

func surveyPagePath(eventID, personID, token string) string {
	return "/surveys/" + url.PathEscape(eventID) + "/" + url.PathEscape(personID) + "?" + url.Values{"token": {token}}.Encode()
}

func surveyPurpose(eventID, personID string) string { return "survey:" + eventID + ":" + personID }

func (h *Handler) surveyPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	p, err := h.svc.PersonalSurvey(r.Context(), r.PathValue("eventId"), r.PathValue("personId"), token)
	if err != nil {
		return err
	}
	return h.showSurvey(w, r, http.StatusOK, p, token, nil, "")
}

// showSurvey renders the survey's page; posted (nil if none) fills the
// form again with what was sent and its errors.
func (h *Handler) showSurvey(w http.ResponseWriter, r *http.Request, status int, p convening.PersonalSurvey, token string, posted *surveyForm, problem string) error {
	private(w)
	now := h.svc.Now()
	v := surveyView{Event: newEventView(p.Event, now), EventID: p.Event.ID, PersonID: p.Invitation.PersonID, Token: token,
		State: p.State(now), Intro: p.Survey.Intro, Problem: problem}
	if p.Survey.ClosesAt != nil {
		v.ClosesAt = deadlineText(*p.Survey.ClosesAt)
	}
	if p.Invitation.AnsweredAt != nil {
		v.AnsweredAt = p.Invitation.AnsweredAt.In(convening.Pacific).Format("Monday, January 2, 2006")
	}
	for i, it := range p.Survey.Items {
		iv := surveyItemView{SurveyItem: it, Number: i + 1, Field: answerPrefix + it.ID, DOM: "q-" + it.ID, Chosen: map[string]bool{}}
		switch it.Type {
		case convening.SurveyRating:
			iv.Options = ratingOptions(iv.DOM)
		case convening.SurveyChoice:
			for _, o := range it.Choices {
				iv.Options = append(iv.Options, optionView{Value: o.ID, Label: o.Label, DOM: iv.DOM + "-" + o.ID})
			}
		}
		if posted != nil {
			vals := posted.values[iv.Field]
			iv.Value = strings.Join(vals, "\n")
			for _, c := range vals {
				iv.Chosen[c] = true
			}
			if e := posted.errors[it.ID]; e != "" {
				iv.Err = e
				v.Summary = append(v.Summary, summaryLine{ID: iv.firstControl(), Text: fmt.Sprintf("Question %d: %s", iv.Number, e)})
			}
		}
		v.Items = append(v.Items, iv)
	}
	if posted != nil && posted.errors[""] != "" && v.Problem == "" {
		v.Problem = posted.errors[""]
	}
	v.CSRF = h.csrfToken(h.csrfNonce(w, r), surveyPurpose(v.EventID, v.PersonID))
	title := "Evaluation: " + p.Event.Title
	switch v.State {
	case "answered":
		title = "Thank you for your answers"
	case string(convening.SurveyClosed):
		title = "The survey is closed"
	}
	return h.render(w, status, "survey", title, v, false)
}

// firstControl is the id the error summary links to: the item's first
// input.
func (iv surveyItemView) firstControl() string {
	if len(iv.Options) > 0 {
		return iv.Options[0].DOM
	}
	return iv.DOM
}

// deadlineText is a closing time in Pacific time, as the emails give it.
func deadlineText(t time.Time) string {
	p := t.In(convening.Pacific)
	if p.Hour() == 0 && p.Minute() == 0 {
		return p.Add(-time.Minute).Format("Monday, January 2, 2006") + ", at midnight (end of the day)"
	}
	return p.Format("Monday, January 2, 2006, 3:04 PM")
}

// answerSurvey records a person's answers once; a second answer, from a
// second tab or the back button, is refused and says so.
func (h *Handler) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := readForm(r)
	if err != nil {
		return err
	}
	eventID, personID, token := r.PathValue("eventId"), r.PathValue("personId"), f.Get("token")
	p, err := h.svc.PersonalSurvey(ctx, eventID, personID, token)
	if err != nil {
		return err
	}
	posted := &surveyForm{values: f, errors: map[string]string{}}
	if !h.checkCSRF(r, surveyPurpose(eventID, personID)) {
		return h.showSurvey(w, r, http.StatusForbidden, p, token, posted, "For your security, please press “Send my answers” again.")
	}
	answers, fieldErrs := ParseSurveyForm(p.Survey, f)
	if len(fieldErrs) == 0 {
		_, err = h.svc.AnswerSurvey(ctx, eventID, personID, token, answers)
	} else {
		// Say everything at once: what the form could not read, and what
		// the survey's rules find in the rest.
		if _, derr := p.Survey.CheckAnswers(answers); convening.AsError(derr) != nil {
			fieldErrs = append(fieldErrs, convening.AsError(derr).Fields...)
		}
		err = convening.InvalidFields("The answer", fieldErrs...)
	}
	switch convening.ErrorReason(err) {
	case "":
		return redirect(w, surveyPagePath(eventID, personID, token))
	case convening.ReasonInvalidFields:
		for _, fe := range convening.AsError(err).Fields {
			item, text := surveyFieldText(p.Survey, fe)
			if _, ok := posted.errors[item]; !ok {
				posted.errors[item] = text
			}
		}
		if e := convening.AsError(err); e != nil && posted.errors[""] == "" && hasUnplaced(p.Survey, e.Fields) {
			posted.errors[""] = "Some answers do not belong to this survey. Please reload the page and answer again."
		}
		return h.showSurvey(w, r, http.StatusBadRequest, p, token, posted, "")
	case convening.ReasonSurveyAnswered:
		if p, err = h.svc.PersonalSurvey(ctx, eventID, personID, token); err != nil {
			return err
		}
		return h.showSurvey(w, r, http.StatusConflict, p, token, nil,
			"These answers were not recorded: this link has been used to answer already, and each person answers once.")
	case convening.ReasonSurveyClosed:
		if p, err = h.svc.PersonalSurvey(ctx, eventID, personID, token); err != nil {
			return err
		}
		return h.showSurvey(w, r, http.StatusConflict, p, token, nil, "These answers were not recorded: the survey has closed.")
	case convening.ReasonBusy:
		return h.showSurvey(w, r, problem.Status(err), p, token, posted,
			"We're very busy right now, and your answers are not recorded yet. Please press “Send my answers” again in a few seconds.")
	}
	return err
}

// hasUnplaced reports whether an error names no question of the survey
// (an answer to an item it lacks: a tampered or stale form).
func hasUnplaced(sv convening.Survey, fields []convening.FieldError) bool {
	for _, f := range fields {
		if item, _ := surveyFieldText(sv, f); item == "" {
			return true
		}
	}
	return false
}

// surveyFieldText words an answer's error for the page, by its rule (never
// its message), and says which item it belongs to ("" for none of the
// survey's).
func surveyFieldText(sv convening.Survey, f convening.FieldError) (string, string) {
	rest, _ := strings.CutPrefix(f.Field, "answers.")
	id, _, _ := strings.Cut(rest, ".")
	if i := strings.IndexByte(id, '['); i >= 0 {
		id = id[:i]
	}
	it, ok := sv.Item(id)
	if !ok {
		return "", ""
	}
	switch f.Rule {
	case convening.RuleRequired:
		if it.Type == convening.SurveyRating {
			return id, "Please choose a number from 1 to 5."
		}
		return id, "Please answer this question."
	case convening.RuleRange:
		return id, "Choose a number from 1 (strongly disagree) to 5 (strongly agree)."
	case convening.RuleMaxItems:
		if it.Multiple {
			return id, "Choose among the options shown."
		}
		return id, "Choose one option."
	case convening.RuleOneOf, convening.RuleDuplicateOf:
		return id, "Choose among the options shown."
	case convening.RuleMaxLength:
		return id, fmt.Sprintf("Please shorten your answer to at most %s characters.", thousands(convening.MaxSurveyAnswerText))
	case convening.RuleText:
		return id, "Please remove the special characters from your answer."
	}
	return id, "Please check this answer."
}
