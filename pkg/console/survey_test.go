package console_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// surveyed is the cv event over, its team of four with three checked in;
// with send, its default survey saved and sent (the services' clock moves
// to the day after the event).
func (f *fixture) surveyed(send bool) []convening.SurveyInvitation {
	f.t.Helper()
	ctx := context.Background()
	e := f.event("cv", 20, convening.PolicyStrict)
	reg := f.register("cv", 1, 4)
	for _, m := range reg.Members[:3] {
		if _, err := f.svc.CheckIn(ctx, staffActor, reg.ID, m.ID, false); err != nil {
			f.t.Fatal(err)
		}
	}
	after := e.EndsAt.Add(24 * time.Hour)
	f.svc.Clock = func() time.Time { return after }
	if !send {
		return nil
	}
	if _, err := f.svc.SaveSurvey(ctx, staffActor, "cv", convening.DefaultSurvey()); err != nil {
		f.t.Fatal(err)
	}
	closes := after.Add(14 * 24 * time.Hour)
	if _, err := f.svc.SendSurvey(ctx, staffActor, "cv", &closes); err != nil {
		f.t.Fatal(err)
	}
	invs, err := f.store.SurveyInvitations(ctx, "cv", "")
	if err != nil {
		f.t.Fatal(err)
	}
	return invs
}

// TestSurveyBuilder: staff start from the default survey, add a question
// of choices, make mistakes (one choice only; an empty question) and are
// told which question, save it, then send it to the people checked in.
func TestSurveyBuilder(t *testing.T) {
	fx := newFixture(t)
	fx.surveyed(false)
	c := fx.as(deploy.RoleStaff)
	fx.as(deploy.RoleReviewer).get("/staff/events/cv/survey")
	if r := fx.as(deploy.RoleReviewer).get("/staff/events/cv/survey"); r.status != 403 {
		t.Fatalf("reviewer: %d", r.status)
	}
	r := c.get("/staff/events/cv/survey")
	r.has(t, "No survey yet", "Question 1: Statement rated 1 to 5", "Regional convenings", "Not saved yet", "Save the default survey as it is")
	r.hasHTML(t, `name="item-0-text" rows="3">Overall, the conference was useful and informative</textarea>`)

	// Add a question of choices; it is not saved yet.
	form := builderForm(convening.DefaultSurvey())
	form.Set("op", "add-choice")
	r = c.post("/staff/events/cv/survey", form)
	if r.status != 200 {
		t.Fatalf("add: %d", r.status)
	}
	r.has(t, "Question 5: Choices")
	if _, _, err := fx.svc.EventSurvey(context.Background(), "cv"); convening.ErrorReason(err) != convening.ReasonSurveyUnknown {
		t.Fatalf("adding a question saved the survey: %v", err)
	}
	form = builderForm(convening.DefaultSurvey())
	form.Set("items", "5")
	form.Set("item-4-type", "choice")
	form.Set("item-4-text", "Which day suits you for a regional convening?")
	form.Set("item-4-choices", "Tuesday\n\n")
	form.Set("item-1-text", "")
	form.Set("reminders", "7, 3")
	form.Set("op", "save")
	r = c.post("/staff/events/cv/survey", form)
	if r.status != 400 {
		t.Fatalf("bad survey: %d", r.status)
	}
	r.has(t, "Please correct these 3 things", "Question 2 is required", "Question 5's choices: give at least 2, one on each line",
		"Give the reminder days in rising order, each once")
	r.hasHTML(t, `href="#item-4-choices"`, `id="item-4-choices"`, `href="#reminders"`)

	form.Set("item-4-choices", "Tuesday\nWednesday\nThursday")
	form.Set("item-1-text", "I would recommend future CA LMI events to my colleagues")
	form.Set("reminders", "3, 7")
	form.Set("item-4-multiple", "yes")
	r = c.follow(c.post("/staff/events/cv/survey", form))
	r.has(t, "The survey is saved (5 questions)", "Draft")
	_, sv, err := fx.svc.EventSurvey(context.Background(), "cv")
	if err != nil || len(sv.Items) != 5 || !strings.HasPrefix(sv.Items[4].ID, "which-day-suits-you-for-a-regional-") || !sv.Items[4].Multiple ||
		sv.Items[4].Choices[1].ID != "wednesday" || sv.Items[2].Choices[1].ID != "district-capacity-project" {
		t.Fatalf("saved %v %+v", err, sv.Items)
	}

	// Move the new question up, remove it: the form only, until saved.
	form = builderForm(sv.SurveyDefinition)
	form.Set("op", "up-4")
	r = c.post("/staff/events/cv/survey", form)
	r.has(t, "Question 4: Choices Question Which day suits you for a regional convening? Choices One on each line, 2 to 12. Tuesday Wednesday Thursday")

	// Sending: a closing date too late is refused, naming it; then sent.
	r = c.post("/staff/events/cv/survey/send", url.Values{"closes_at": {"2099-01-01T17:00"}})
	if r.status != 400 {
		t.Fatalf("too late: %d", r.status)
	}
	r.has(t, "The closing date must be at most 60 days after the event ends")
	closes := fx.svc.Now().Add(10 * 24 * time.Hour).In(convening.Pacific).Format("2006-01-02T15:04")
	r = c.follow(c.post("/staff/events/cv/survey/send", url.Values{"closes_at": {closes}}))
	r.has(t, "The survey is sent: 3 people are emailed a personal link", "Open", "Invited 3", "Answered 0", "Response rate 0%",
		"Sent: the questions are fixed")
	if r = c.post("/staff/events/cv/survey", builderForm(convening.DefaultSurvey())); r.status != 409 {
		t.Fatalf("save a sent survey: %d", r.status)
	}
	r.has(t, "The survey has been sent: its questions can no longer change.")

	// Closed now; reopened.
	r = c.follow(c.post("/staff/events/cv/survey/close", url.Values{"op": {"close"}}))
	r.has(t, "The survey is closed", "Reopen the survey")
	later := fx.svc.Now().Add(5 * 24 * time.Hour).In(convening.Pacific).Format("2006-01-02T15:04")
	minuteLater := fx.svc.Now().Add(time.Minute)
	fx.svc.Clock = func() time.Time { return minuteLater }
	r = c.follow(c.post("/staff/events/cv/survey/close", url.Values{"op": {"change"}, "closes_at": {later}}))
	r.has(t, "The survey now closes", "Open")
}

// builderForm is the builder's form holding d.
func builderForm(d convening.SurveyDefinition) url.Values {
	f := url.Values{"intro": {d.Intro}, "reminders": {"3, 7"}, "items": {strconv.Itoa(len(d.Items))}}
	for i, it := range d.Items {
		p := "item-" + strconv.Itoa(i) + "-"
		f.Set(p+"id", it.ID)
		f.Set(p+"type", string(it.Type))
		f.Set(p+"text", it.Text)
		var labels []string
		for _, o := range it.Choices {
			labels = append(labels, o.Label)
		}
		f.Set(p+"choices", strings.Join(labels, "\n"))
		if it.Multiple {
			f.Set(p+"multiple", "yes")
		}
		if it.Required {
			f.Set(p+"required", "yes")
		}
	}
	return f
}

// TestSurveyReport: the report shows each statement's N, share of 4 or 5
// and its distribution as an SVG chart with a table of the same figures;
// the choices ranked; the comments, which staff mark for publication; the
// 2015 sentence; the CSV.
func TestSurveyReport(t *testing.T) {
	fx := newFixture(t)
	invs := fx.surveyed(true)
	ctx := context.Background()
	answers := []map[string]convening.SurveyAnswer{
		{"useful": {Rating: 5}, "recommend": {Rating: 5}, "interest": {Choices: []string{"webinars", "regional-convenings"}}, "comments": {Text: "Great day <b>really</b>"}},
		{"useful": {Rating: 4}, "recommend": {Rating: 2}, "interest": {Choices: []string{"regional-convenings"}}},
	}
	for i, a := range answers {
		if _, err := fx.svc.AnswerSurvey(ctx, "cv", invs[i].PersonID, fx.svc.SurveyToken("cv", invs[i].PersonID), a); err != nil {
			t.Fatal(err)
		}
	}
	c := fx.as(deploy.RoleStaff)
	r := c.get("/staff/events/cv/survey")
	r.has(t, "Invited 3", "Answered 2", "Response rate 66.7%")
	r = c.get("/staff/events/cv/survey/report")
	if r.status != 200 {
		t.Fatalf("report: %d", r.status)
	}
	r.has(t, "100% answered 4 or 5 (2 of the 2 who rated it)", "50% answered 4 or 5 (1 of the 2 who rated it)",
		"at least 50% of respondents indicated 4 or 5 for both of the following statements",
		"1 Regional convenings 2 100%", "2 Webinars 1 50%", "Great day <b>really</b>", "Mark for publication",
		"By role", "No group is shown")
	r.hasHTML(t, `<svg viewBox="0 0 480 250" role="img"`, `<title id="chart-useful-title">`, `class="chart-bar chart-agree"`,
		`<caption id="t-useful">Answers to question 1</caption>`, "Great day &lt;b&gt;really&lt;/b&gt;")
	id := ""
	if i := strings.Index(r.body, `name="comment" value="`); i >= 0 {
		id, _, _ = strings.Cut(r.body[i+len(`name="comment" value="`):], `"`)
	}
	r = c.follow(c.post("/staff/events/cv/survey/comments", url.Values{"comment": {id}, "published": {"yes"}}))
	r.has(t, "The comment is marked for publication", "Marked for publication", "Take off the mark")
	r = c.get("/staff/events/cv/survey/report?comments=published")
	r.has(t, "Showing those marked for publication", "Great day")
	if r = c.post("/staff/events/cv/survey/comments", url.Values{"comment": {"nope"}, "published": {"yes"}}); r.status != 404 {
		t.Fatalf("unknown comment: %d", r.status)
	}
	r = c.get("/staff/events/cv/exports/survey.csv")
	if r.status != 200 || !strings.Contains(r.body, "Response rate,,,Answered,2,3,66.7%") || !strings.Contains(r.body, "Great day <b>really</b>,,,,yes") {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
}

// FuzzSurveyForms sends the survey's forms any body, as staff: never a
// server error, always a bounded page.
func FuzzSurveyForms(f *testing.F) {
	paths := []string{"/staff/events/cv/survey", "/staff/events/cv/survey/send", "/staff/events/cv/survey/close", "/staff/events/cv/survey/comments"}
	f.Add(uint8(0), builderForm(convening.DefaultSurvey()).Encode()+"&op=save")
	f.Add(uint8(0), "items=99999&item-0-type=choice&item-0-choices=a%0Aa&op=add-choice")
	f.Add(uint8(0), "items=3&item-1-type=rating&item-1-id=..%2Fx&item-2-multiple=yes&op=remove-7&reminders=x,1e9,-3")
	f.Add(uint8(0), "items=2&op=up-1&item-0-text=%E2%80%AE&item-1-text=%00")
	f.Add(uint8(1), "closes_at=2099-13-40T99:99")
	f.Add(uint8(2), "op=change&closes_at=")
	f.Add(uint8(3), "comment=0123456789abcdef0123456789abcdef-comments&published=maybe")
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		fx := newFixture(t)
		fx.surveyed(route%2 == 1)
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		r := fx.as(deploy.RoleStaff).post(paths[int(route)%len(paths)], form)
		if r.status >= 500 && r.status != 503 {
			t.Fatalf("%d for %q", r.status, body)
		}
		if len(r.body) > 512<<10 {
			t.Fatalf("%d-byte page", len(r.body))
		}
	})
}
