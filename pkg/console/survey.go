package console

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
	"github.com/calmi/convenings/pkg/export"
	"github.com/calmi/convenings/pkg/staffauth"
)

// The evaluation survey in the console: its page (where it stands, the
// builder while a draft, sending and closing) and its report (printable,
// with charts, the comments to publish, and the CSV).

// SurveyPages is what the survey's pages need of the domain (the
// convening.SurveyService).
type SurveyPages interface {
	EventSurvey(ctx context.Context, eventID string) (convening.Event, convening.Survey, error)
	SaveSurvey(ctx context.Context, actor convening.Actor, eventID string, def convening.SurveyDefinition) (convening.Survey, error)
	SendSurvey(ctx context.Context, actor convening.Actor, eventID string, closesAt *time.Time) (convening.SendReport, error)
	CloseSurvey(ctx context.Context, actor convening.Actor, eventID string, closesAt *time.Time) (convening.Survey, error)
	SurveyReport(ctx context.Context, eventID string) (convening.Event, convening.Survey, convening.SurveyReport, error)
	PublishComment(ctx context.Context, actor convening.Actor, eventID, commentID string, published bool) error
}

// surveyView is the survey's page.
type surveyView struct {
	Event convening.Event
	// Survey is nil until one is saved.
	Survey *convening.Survey
	State  convening.SurveyState
	Rate   convening.Share
	// Over says the event has ended: the survey can be sent.
	Over bool
	// Builder is the draft's form (or the default's, before any).
	Builder *surveyBuilder
	// Send is the sending and closing forms' date and errors.
	Send      sendForm
	ItemTypes []convening.SurveyItemType
}

// sendForm is the closing date as the forms to send and close the survey
// post it (datetime-local, Pacific time), with its errors.
type sendForm struct {
	formErrors
	ClosesAt string
}

// ClosesText is the closing date in words.
func (v surveyView) ClosesText() string {
	if v.Survey == nil || v.Survey.ClosesAt == nil {
		return ""
	}
	return dateTime(*v.Survey.ClosesAt)
}

// SentText is when it was first sent, in words.
func (v surveyView) SentText() string {
	if v.Survey == nil || v.Survey.SentAt == nil {
		return ""
	}
	return dateTime(*v.Survey.SentAt)
}

// surveyBuilder is the draft survey as a form: every question's fields,
// numbered; ops add, remove and move questions before it is saved.
type surveyBuilder struct {
	formErrors
	Intro     string
	Reminders string
	Items     []builderItem
	// Changed says the form holds changes not saved yet.
	Changed bool
}

// builderItem is one question's fields.
type builderItem struct {
	Index    int
	ID       string
	Type     string
	Text     string
	Choices  string
	Multiple bool
	Required bool
}

// Prefix is the question's fields' id prefix: item-<index>.
func (it builderItem) Prefix() string { return "item-" + strconv.Itoa(it.Index) }

// TypeLabel says the question's kind in words.
func (it builderItem) TypeLabel() string { return convening.SurveyItemType(it.Type).Label() }

func builderFrom(d convening.SurveyDefinition) *surveyBuilder {
	b := &surveyBuilder{Intro: d.Intro, Reminders: daysText(d.ReminderDays)}
	for i, it := range d.Items {
		labels := make([]string, len(it.Choices))
		for j, o := range it.Choices {
			labels[j] = o.Label
		}
		b.Items = append(b.Items, builderItem{Index: i, ID: it.ID, Type: string(it.Type), Text: it.Text,
			Choices: strings.Join(labels, "\n"), Multiple: it.Multiple, Required: it.Required})
	}
	return b
}

func daysText(days []int) string {
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// readBuilder reads the builder's form as posted.
func readBuilder(v url.Values) *surveyBuilder {
	b := &surveyBuilder{Intro: v.Get("intro"), Reminders: v.Get("reminders"), Changed: true}
	n, _ := strconv.Atoi(v.Get("items"))
	n = min(max(n, 0), convening.MaxSurveyItems+1)
	for i := range n {
		p := fmt.Sprintf("item-%d-", i)
		it := builderItem{Index: i, ID: v.Get(p + "id"), Type: v.Get(p + "type"), Text: v.Get(p + "text"), Choices: v.Get(p + "choices"),
			Multiple: v.Get(p+"multiple") == "yes", Required: v.Get(p+"required") == "yes"}
		if !slices.Contains(convening.SurveyItemTypes, convening.SurveyItemType(it.Type)) {
			it.Type = string(convening.SurveyText)
		}
		b.Items = append(b.Items, it)
	}
	return b
}

// renumber gives the questions their places after a change.
func (b *surveyBuilder) renumber() {
	for i := range b.Items {
		b.Items[i].Index = i
	}
}

// definition is the survey the form describes. Questions and choices keep
// the ids they had (a choice is known by its label); new ones get ids from
// their words. saved is the draft as stored, if any.
func (b *surveyBuilder) definition(saved *convening.Survey) convening.SurveyDefinition {
	d := convening.SurveyDefinition{Intro: strings.TrimSpace(b.Intro), ReminderDays: []int{}}
	for _, f := range strings.FieldsFunc(b.Reminders, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			n = -1 // out of range: the domain names the field
		}
		d.ReminderDays = append(d.ReminderDays, n)
	}
	taken := map[string]bool{}
	for _, it := range b.Items {
		if it.ID != "" {
			taken[it.ID] = true
		}
	}
	for _, it := range b.Items {
		item := convening.SurveyItem{ID: it.ID, Type: convening.SurveyItemType(it.Type), Text: strings.TrimSpace(it.Text),
			Multiple: it.Multiple && it.Type == string(convening.SurveyChoice), Required: it.Required}
		if item.ID == "" {
			item.ID = convening.SurveyItemID(item.Text, func(id string) bool { return taken[id] })
			taken[item.ID] = true
		}
		if item.Type == convening.SurveyChoice {
			var before convening.SurveyItem
			if saved != nil {
				before, _ = saved.Item(item.ID)
			}
			choiceTaken := map[string]bool{}
			for _, line := range strings.Split(it.Choices, "\n") {
				label := strings.TrimSpace(line)
				if label == "" {
					continue
				}
				id := ""
				for _, o := range before.Choices {
					if strings.EqualFold(o.Label, label) && !choiceTaken[o.ID] {
						id = o.ID
					}
				}
				if id == "" {
					id = convening.SurveyItemID(label, func(id string) bool {
						return choiceTaken[id] || slices.ContainsFunc(before.Choices, func(o convening.SurveyOption) bool { return o.ID == id })
					})
				}
				choiceTaken[id] = true
				item.Choices = append(item.Choices, convening.SurveyOption{ID: id, Label: label})
			}
		}
		d.Items = append(d.Items, item)
	}
	return d
}

// place puts the domain's field errors next to the builder's fields, in
// words for the survey.
func (b *surveyBuilder) place(err error) {
	e := convening.AsError(err)
	if e == nil || e.Code != convening.EINVALID {
		b.Problem = surveyProblemText(err)
		return
	}
	for _, fe := range e.Fields {
		id, label := builderField(fe.Field)
		b.set(id, surveyFieldText(label, fe))
	}
}

// builderField is the builder's field of a domain path, and its label:
// items[2].choices[1].label is question 3's choices.
func builderField(path string) (id, label string) {
	switch {
	case path == "intro":
		return "intro", "The introduction"
	case strings.HasPrefix(path, "reminderDays"):
		return "reminders", "Reminders"
	case path == "items":
		return "add-rating", "The survey"
	}
	rest, ok := strings.CutPrefix(path, "items[")
	i, after, _ := strings.Cut(rest, "]")
	n, err := strconv.Atoi(i)
	if !ok || err != nil {
		return "intro", "The survey"
	}
	label = fmt.Sprintf("Question %d", n+1)
	p := "item-" + i + "-"
	switch {
	case strings.HasPrefix(after, ".choices"):
		return p + "choices", label + "'s choices"
	case after == ".type":
		return p + "text", label + "'s kind"
	case after == ".multiple":
		return p + "multiple", label
	}
	return p + "text", label
}

// surveyFieldText words a survey's field error by its rule.
func surveyFieldText(label string, f convening.FieldError) string {
	a := f.Args
	switch {
	case f.Field == "items" && f.Rule == convening.RuleMinItems:
		return "Add at least one question"
	case f.Field == "items" && f.Rule == convening.RuleMaxItems:
		return fmt.Sprintf("A survey has at most %v questions", a["max"])
	case strings.HasSuffix(f.Field, ".id") && !strings.Contains(f.Field, "choices"):
		if f.Rule == convening.RuleDuplicateOf {
			return label + " has the same words as another question: make them differ"
		}
		return label + " needs words with a letter or digit"
	case strings.Contains(f.Field, ".choices"):
		switch f.Rule {
		case convening.RuleMinItems:
			return fmt.Sprintf("%s: give at least %v, one on each line", label, a["min"])
		case convening.RuleMaxItems:
			if a["max"] == 0 {
				return label + ": only a question of choices has choices"
			}
			return fmt.Sprintf("%s: give at most %v", label, a["max"])
		case convening.RuleDuplicateOf:
			return label + ": each choice once (two lines say the same)"
		case convening.RuleRequired, convening.RuleSlug:
			return label + ": each choice needs a letter or digit"
		case convening.RuleMaxLength:
			return fmt.Sprintf("%s: each choice at most %v characters", label, a["max"])
		}
		return label + ": " + fieldText("each choice", f)
	case strings.HasSuffix(f.Field, ".multiple"):
		return label + ": only a question of choices takes several"
	case strings.HasPrefix(f.Field, "reminderDays"):
		switch f.Rule {
		case convening.RuleMaxItems:
			return fmt.Sprintf("Give at most %v reminder days", a["max"])
		case convening.RuleAfter:
			return "Give the reminder days in rising order, each once"
		}
		return fmt.Sprintf("Reminders are days after the invitation, whole numbers from 1 to %d, separated by commas", convening.MaxReminderDay)
	case f.Field == "closesAt":
		switch f.Rule {
		case convening.RuleRequired:
			return "Give the date the survey closes"
		case convening.RuleAfter:
			return "The closing date must be in the future"
		case convening.RuleMaxDays:
			return fmt.Sprintf("The closing date must be at most %v days after the event ends: its people's data is erased later", a["max"])
		}
	}
	return fieldText(label, f)
}

// surveyProblemText words a survey's conflict, by its reason.
func surveyProblemText(err error) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonSurveySent:
		return "The survey has been sent: its questions can no longer change."
	case convening.ReasonSurveyNotSent:
		return "The survey has not been sent yet: there is nothing to close."
	case convening.ReasonSurveyClosed:
		return "The survey is closed: give it a later closing date to send it again."
	case convening.ReasonEventNotOver:
		return "The survey goes to the people who came: send it once the event has ended."
	case convening.ReasonNoAttendees:
		return "Nobody is checked in for this event, so there is nobody to send the survey to. Check people in first."
	case convening.ReasonSurveyUnknown:
		return "This event has no survey yet: save one first."
	case convening.ReasonCommentUnknown:
		return "That comment is not in the survey's answers (any more): reload the report."
	}
	return problemText(err)
}

func surveyHref(eventID string) string { return "/staff/events/" + url.PathEscape(eventID) + "/survey" }

// surveyPage is the survey's page.
func (h *Handler) surveyPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	return h.showSurvey(w, r, who, http.StatusOK, nil, nil)
}

// showSurvey renders the survey's page: the builder as posted (nil: as
// saved), the sending forms as posted (nil: as saved).
func (h *Handler) showSurvey(w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, b *surveyBuilder, send *sendForm) error {
	ctx := r.Context()
	e, sv, err := h.svc.EventSurvey(ctx, r.PathValue("eventId"))
	var svp *convening.Survey
	switch {
	case err == nil:
		svp = &sv
	case convening.ErrorReason(err) != convening.ReasonSurveyUnknown:
		return err
	}
	now := h.svc.Now()
	v := surveyView{Event: e, Survey: svp, State: convening.SurveyDraft, Over: !now.Before(e.EndsAt), ItemTypes: convening.SurveyItemTypes}
	if svp != nil {
		v.State, v.Rate = sv.State(now), sv.ResponseRate()
	}
	switch {
	case b != nil:
		v.Builder = b
	case svp == nil:
		v.Builder = builderFrom(convening.DefaultSurvey())
		v.Builder.Changed = true
	case sv.SentAt == nil:
		v.Builder = builderFrom(sv.SurveyDefinition)
	}
	if send != nil {
		v.Send = *send
	}
	if v.Send.ClosesAt == "" {
		switch {
		case svp != nil && sv.ClosesAt != nil:
			v.Send.ClosesAt = localTime(*sv.ClosesAt)
		default:
			// Two weeks after the event, at 5 PM.
			d := e.EndsAt.In(convening.Pacific).AddDate(0, 0, 14)
			v.Send.ClosesAt = localTime(time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, convening.Pacific))
		}
	}
	return h.render(w, r, status, "survey", "Evaluation survey: "+e.Title, &who, v)
}

// saveSurvey is the builder's post: a change of the form (add, remove or
// move a question), or saving it; "default" saves the default survey.
func (h *Handler) saveSurvey(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID := r.PathValue("eventId")
	b := readBuilder(form)
	op := form.Get("op")
	switch {
	case op == "add-rating" || op == "add-choice" || op == "add-text":
		if len(b.Items) >= convening.MaxSurveyItems {
			b.set("add-rating", fmt.Sprintf("A survey has at most %d questions", convening.MaxSurveyItems))
			return h.showSurvey(w, r, who, http.StatusBadRequest, b, nil)
		}
		b.Items = append(b.Items, builderItem{Type: strings.TrimPrefix(op, "add-"), Required: op == "add-rating"})
		b.renumber()
		return h.showSurvey(w, r, who, http.StatusOK, b, nil)
	case strings.HasPrefix(op, "remove-"), strings.HasPrefix(op, "up-"), strings.HasPrefix(op, "down-"):
		verb, n, _ := strings.Cut(op, "-")
		i, err := strconv.Atoi(n)
		if err == nil && i >= 0 && i < len(b.Items) {
			switch {
			case verb == "remove":
				b.Items = slices.Delete(b.Items, i, i+1)
			case verb == "up" && i > 0:
				b.Items[i-1], b.Items[i] = b.Items[i], b.Items[i-1]
			case verb == "down" && i+1 < len(b.Items):
				b.Items[i+1], b.Items[i] = b.Items[i], b.Items[i+1]
			}
		}
		b.renumber()
		return h.showSurvey(w, r, who, http.StatusOK, b, nil)
	}
	def := convening.DefaultSurvey()
	if op != "default" {
		// The form started from the draft as saved, or from the default
		// survey: its choices keep their ids.
		saved := &convening.Survey{SurveyDefinition: convening.DefaultSurvey()}
		if _, sv, err := h.svc.EventSurvey(ctx, eventID); err == nil {
			saved = &sv
		}
		def = b.definition(saved)
	}
	_, err = h.svc.SaveSurvey(ctx, actor(who), eventID, def)
	if status, ok := formFailure(err); ok {
		b.place(err)
		return h.showSurvey(w, r, who, status, b, nil)
	}
	if err != nil {
		return err
	}
	h.log.InfoContext(ctx, "survey saved", "event", eventID, staffAttr(who))
	return h.redirectWith(w, r, surveyHref(eventID), flash{Code: "survey-saved", N: len(def.Items)})
}

// readClosesAt reads the closing date's field; ok is false (with the
// error set) if it is not a date and time.
func readClosesAt(form url.Values, errs *sendForm) (*time.Time, bool) {
	errs.ClosesAt = form.Get("closes_at")
	t, ok := parseLocal(form.Get("closes_at"))
	if !ok {
		errs.set("closes-at", "The closing date must be a date and time")
		return nil, false
	}
	if t.IsZero() {
		return nil, true
	}
	return &t, true
}

// sendSurvey sends the survey (to the people checked in since, if sent
// already).
func (h *Handler) sendSurvey(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID := r.PathValue("eventId")
	var errs sendForm
	closesAt, ok := readClosesAt(form, &errs)
	if !ok {
		return h.showSurvey(w, r, who, http.StatusBadRequest, nil, &errs)
	}
	rep, err := h.svc.SendSurvey(ctx, actor(who), eventID, closesAt)
	if status, ok := formFailure(err); ok {
		h.placeSending(&errs, err)
		return h.showSurvey(w, r, who, status, nil, &errs)
	}
	if err != nil {
		return err
	}
	h.log.InfoContext(ctx, "survey sent", "event", eventID, "invited", rep.NewlyInvited, staffAttr(who))
	return h.redirectWith(w, r, surveyHref(eventID), flash{Code: "survey-sent", N: rep.NewlyInvited})
}

func (h *Handler) placeSending(errs *sendForm, err error) {
	if e := convening.AsError(err); e != nil && e.Code == convening.EINVALID {
		for _, fe := range e.Fields {
			errs.set("closes-at", surveyFieldText("The closing date", fe))
		}
		return
	}
	errs.Problem = surveyProblemText(err)
}

// closeSurvey closes the survey now (op close), or moves its closing date.
func (h *Handler) closeSurvey(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID := r.PathValue("eventId")
	var errs sendForm
	var closesAt *time.Time
	if form.Get("op") != "close" {
		var ok bool
		if closesAt, ok = readClosesAt(form, &errs); !ok {
			return h.showSurvey(w, r, who, http.StatusBadRequest, nil, &errs)
		}
		if closesAt == nil {
			errs.set("closes-at", "Give the date the survey closes")
			return h.showSurvey(w, r, who, http.StatusBadRequest, nil, &errs)
		}
	}
	sv, err := h.svc.CloseSurvey(ctx, actor(who), eventID, closesAt)
	if status, ok := formFailure(err); ok {
		h.placeSending(&errs, err)
		return h.showSurvey(w, r, who, status, nil, &errs)
	}
	if err != nil {
		return err
	}
	f := flash{Code: "survey-closed"}
	if closesAt != nil {
		f = flash{Code: "survey-closing", Person: dateTime(*sv.ClosesAt)}
	}
	return h.redirectWith(w, r, surveyHref(eventID), f)
}

// reportView is the survey's report page.
type reportView struct {
	Event  convening.Event
	Survey convening.Survey
	State  convening.SurveyState
	Report convening.SurveyReport
	Items  []itemReport
	// Breakdowns are the groups' tables, with the statements' texts.
	Breakdowns []breakdownView
	// Rated are the statements rated, with their numbers.
	Rated []itemReport
	// OnlyPublished shows only the comments marked for publication (to
	// print the report for publication).
	OnlyPublished bool
}

// itemReport is one item's results as the page shows them.
type itemReport struct {
	convening.ItemResult
	Number int
	Chart  chart
}

// chart is a rating's distribution as an SVG bar chart: one row per
// point of the scale, 5 first, its label above a bar whose length is the
// share of N. It is drawn on the server; a table beside it gives the same
// figures.
type chart struct {
	Bars []bar
	// Width and Height are the SVG's size in its own units.
	Width, Height int
	// Text says the whole chart in words (its description).
	Text string
}

type bar struct {
	Label, Count, Percent string
	// LabelY is the label's baseline; BarY the bar's top; Width its
	// length; ValueX and ValueY where its count goes.
	LabelY, BarY, Width, ValueX, ValueY int
	// Agree marks 4 and 5 (drawn darker).
	Agree bool
}

const (
	chartBarMax = 380 // a bar of all N
	chartRow    = 50
)

func newChart(res convening.ItemResult) chart {
	c := chart{Width: chartBarMax + 100, Height: 5 * chartRow}
	var words []string
	for i := 4; i >= 0; i-- {
		s := convening.Share{Part: res.Ratings[i], Whole: res.N}
		y := (4 - i) * chartRow
		width := 0
		if res.N > 0 {
			width = res.Ratings[i] * chartBarMax / res.N
		}
		b := bar{Label: fmt.Sprintf("%d %s", i+1, convening.RatingLabels[i]), Count: strconv.Itoa(res.Ratings[i]), Percent: s.String(),
			LabelY: y + 17, BarY: y + 23, Width: width, ValueX: width + 8, ValueY: y + 38, Agree: i >= 3}
		c.Bars = append(c.Bars, b)
		words = append(words, fmt.Sprintf("%s: %s (%s)", b.Label, b.Count, b.Percent))
	}
	c.Text = strings.Join(words, "; ") + "."
	return c
}

// breakdownView is one breakdown with its words.
type breakdownView struct {
	convening.Breakdown
	Title string
}

// surveyReport is the report page: printable, its charts drawn on the
// server (no script), each with a table of the same figures.
func (h *Handler) surveyReport(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	e, sv, report, err := h.svc.SurveyReport(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := reportView{Event: e, Survey: sv, State: sv.State(h.svc.Now()), Report: report,
		OnlyPublished: r.URL.Query().Get("comments") == "published"}
	for i, res := range report.Items {
		ir := itemReport{ItemResult: res, Number: i + 1}
		if res.Item.Type == convening.SurveyRating {
			ir.Chart = newChart(res)
			v.Rated = append(v.Rated, ir)
		}
		v.Items = append(v.Items, ir)
	}
	for _, b := range report.Breakdowns {
		title := "By role"
		if b.By == "organizationType" {
			title = "By type of organization"
		}
		v.Breakdowns = append(v.Breakdowns, breakdownView{Breakdown: b, Title: title})
	}
	return h.render(w, r, http.StatusOK, "survey-report", "Survey report: "+e.Title, &who, v)
}

// publishComment marks a comment for publication, or takes the mark off,
// and goes back to it in the report.
func (h *Handler) publishComment(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID, id := r.PathValue("eventId"), form.Get("comment")
	published := form.Get("published") == "yes"
	if err := h.svc.PublishComment(ctx, actor(who), eventID, id, published); err != nil {
		return err
	}
	code := "comment-published"
	if !published {
		code = "comment-unpublished"
	}
	return h.redirectWith(w, r, surveyHref(eventID)+"/report#c-"+id, flash{Code: code})
}

// surveyCSV writes the report's spreadsheet (exports/survey.csv).
func (h *Handler) surveyCSV(ctx context.Context, eventID string, b *strings.Builder) error {
	_, _, report, err := h.svc.SurveyReport(ctx, eventID)
	if err != nil {
		return err
	}
	return export.SurveyReport(b, report)
}
