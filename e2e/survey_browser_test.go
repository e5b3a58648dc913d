package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// pastEvent makes an event that ended yesterday, as the system would have
// made it: created a month before, two teams of three registered three
// weeks before, five of their six members checked in at the door (each
// step by the services at the time it happened). It returns the people
// checked in, by email.
func (b *browserSystem) pastEvent(id string) map[string]convening.Member {
	b.t.Helper()
	ctx := context.Background()
	day := time.Now().In(convening.Pacific).AddDate(0, 0, -1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, convening.Pacific).Add(-24 * time.Hour)
	at := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	if _, err := b.svc.WithClock(at(start.AddDate(0, 0, -30))).CreateEvent(ctx, staffInBrowserTest, convening.Event{
		ID: id, Title: "Kern County Network Convening", Kind: convening.KindConvening, StartsAt: start, EndsAt: start.Add(6 * time.Hour),
		Venue: "Kern County Superintendent of Schools, 1300 17th St., Bakersfield", Capacity: 30, MaxTeamSize: 4,
		WaitlistPolicy: convening.PolicyStrict}); err != nil {
		b.t.Fatal(err)
	}
	came := map[string]convening.Member{}
	for n, org := range []string{"Bakersfield City School District", "Kern High School District"} {
		t := b.team(20+n, 3, org)
		t.Organization.County = "Kern"
		reg, _, _, err := b.svc.WithClock(at(start.AddDate(0, 0, -21))).Register(ctx, id, t, nil)
		if err != nil {
			b.t.Fatal(err)
		}
		door := b.svc.WithClock(at(start.Add(20 * time.Minute)))
		for i, m := range reg.Members {
			if n == 1 && i == 2 {
				continue // did not come
			}
			if _, err := door.CheckIn(ctx, staffInBrowserTest, reg.ID, m.ID, false); err != nil {
				b.t.Fatal(err)
			}
			came[m.Email] = m
		}
	}
	return came
}

var surveyLinkRE = regexp.MustCompile(`https?://\S+/surveys/\S+`)

// TestBrowserSurvey: staff build the default survey of an event that is
// over and send it from the console; a person who came opens the survey
// from the link in their email (read from the local SES), makes a
// mistake, answers, and is thanked; a second answer from the same link (a
// tab opened before) is refused; staff read the response rate and the
// report with its chart, and mark a comment for publication. Every page at
// 360 and 1280 px, with no axe-core violation of any impact.
func TestBrowserSurvey(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	b.strict = true
	came := b.pastEvent("kern-network")
	staff := b.users[deploy.RoleStaff]

	// Staff: the survey page, from the event's page.
	b.do("open the console", chromedp.Navigate(b.base+"/staff/events/kern-network"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "h1")
	b.clickThrough(`a[href="/staff/events/kern-network/survey"]`)
	b.has("No survey yet", "Below is the default one", "Question 1: Statement rated 1 to 5", "Question 3: Choices", "Save the survey first")
	b.check("survey-staff-new")
	b.clickThrough(`button[value="default"]`)
	b.has("The survey is saved (4 questions)", "Draft", "5 people are checked in", "reminded 3 and 7 days after the invitation")
	b.check("survey-staff-draft")
	b.submitForm(`form[action="/staff/events/kern-network/survey/send"]`)
	b.has("The survey is sent: 5 people are emailed a personal link", "Open", "Invited 5", "Answered 0", "Response rate 0%")
	b.check("survey-staff-sent")

	// A person who came: the link in their email.
	var email string
	for e := range came {
		email = e
		break
	}
	msg := b.sentTo(email, "How was Kern County Network Convening?")
	link := surveyLinkRE.FindString(msg.Text)
	if link == "" || !strings.Contains(msg.HTML, link) || !strings.Contains(msg.Text, "Your answers are anonymous") {
		t.Fatalf("no survey link in the email:\n%s", msg.Text)
	}
	b.visit("open the survey from the email", link, "form.survey-form")
	b.mainHas("survey", "Evaluation: Kern County Network Convening", "Overall, the conference was useful and informative",
		"I would recommend future CA LMI events to my colleagues", "Regional convenings", "Your answers are anonymous")
	b.checkStrict("survey-form")
	// A second tab on the same link, loaded now: it will answer too late.
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form.survey-form"))); err != nil {
		t.Fatalf("open the survey in a second tab: %v", err)
	}

	// A mistake: the second statement not rated.
	b.do("rate one statement only", chromedp.Click(chromedp.ID("q-useful-5")),
		chromedp.Click(chromedp.ID("q-interest-regional-convenings")), chromedp.Click(chromedp.ID("q-interest-district-capacity-project")),
		chromedp.SendKeys(chromedp.ID("q-comments"), "Our team left with a plan for the next bargaining session."))
	b.clickThrough("button.primary")
	b.mainHas("survey with a mistake", "Your answers are not sent yet", "Question 2: Please choose a number from 1 to 5.")
	if got := b.eval(`document.getElementById("q-useful-5").checked ? "kept" : "lost"`); got != "kept" {
		t.Errorf("the first rating was %s", got)
	}
	b.checkStrict("survey-form-errors")
	b.do("rate the second", chromedp.Click(chromedp.ID("q-recommend-4")))
	b.clickThrough("button.primary")
	b.mainHas("answered", "Thank you for your answers", "Your answers are recorded", "stored without your name")
	b.checkStrict("survey-answered")

	// The second tab answers: refused, and nothing changes.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("q-useful-1")), chromedp.Click(chromedp.ID("q-recommend-1")),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".error-summary"))); err != nil {
		t.Fatalf("answer again from the second tab: %v", err)
	}
	refused, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(refused, "You have answered already") || !strings.Contains(refused, "These answers were not recorded") {
		t.Errorf("second answer: %v %s", err, refused)
	}
	main := b.ctx
	b.ctx = tab
	b.checkStrict("survey-second-answer-refused")
	b.ctx = main
	_, sv, err := b.svc.EventSurvey(context.Background(), "kern-network")
	if err != nil || sv.Answered != 1 {
		t.Fatalf("answered %v %d, want 1", err, sv.Answered)
	}
	// The link again: the thanks, not the form.
	b.visit("the survey again", link, "h1")
	b.mainHas("answered already", "Thank you for your answers")

	// A link with a wrong token opens nothing.
	b.visit("a wrong link", strings.Split(link, "?")[0]+"?token=wrong", "h1")
	b.mainHas("wrong link", "We can't find that page")

	// Staff: the response rate, the report, a comment published.
	b.open("/staff/events/kern-network/survey")
	b.has("Invited 5", "Answered 1", "Response rate 20%")
	b.open("/staff/events/kern-network/survey/report")
	b.has("100% answered 4 or 5 (1 of the 1 who rated it)", "every respondent indicated 4 or 5 for both of the following statements",
		"“Regional convenings” (1 of 1, 100%)", "Our team left with a plan", "No group is shown")
	if got := b.eval(`String(document.querySelectorAll("figure.chart svg[role=img] rect.chart-bar").length)`); got != "10" {
		t.Errorf("%s bars in the charts, want 5 for each of the 2 statements", got)
	}
	b.check("survey-report")
	b.clickThrough(`.comment button[type="submit"]`)
	b.has("The comment is marked for publication", "Marked for publication")
	b.check("survey-report-published")
	csv := b.download(`a[href="/staff/events/kern-network/exports/survey.csv"]`)
	if !strings.Contains(csv, "Response rate,,,Answered,1,5,20%") || !strings.Contains(csv, ",yes\r\n") {
		t.Errorf("survey.csv:\n%s", csv)
	}
	t.Logf("survey browser test: %d pages checked with axe-core (%s), %d screenshots in %s; %v",
		len(b.checked), strings.Join(b.checked, ", "), b.shotCount, b.shots, time.Since(began).Round(time.Millisecond))
}
