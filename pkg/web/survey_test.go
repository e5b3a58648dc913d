package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/web"
)

// surveyed sends the default survey of an event that is over to the two
// members checked in of a team of three, and returns their links' paths.
func (s *site) surveyed() []string {
	s.t.Helper()
	ctx := context.Background()
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	e := s.event("cv", 10, 4, nil)
	reg, _, _, err := s.svc.Register(ctx, "cv", convening.Team{Organization: convening.Organization{Name: "Fresno Unified", Type: convening.OrgDistrict, County: "Fresno"},
		Contact: convening.Contact{Name: "Ana", Email: "ana@fresno.example.org"}, Members: []convening.Member{
			{Name: "Ana Ruiz", Email: "ana@fresno.example.org", Role: convening.RoleSuperintendent},
			{Name: "Ben Ortiz", Email: "ben@fta.example.org", Role: convening.RoleCertificatedUnionPresident},
			{Name: "Cho Park", Email: "cho@csea.example.org", Role: convening.RoleClassifiedUnionPresident}}}, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range reg.Members[:2] {
		if _, err := s.svc.CheckIn(ctx, staff, reg.ID, m.ID, false); err != nil {
			s.t.Fatal(err)
		}
	}
	if _, err := s.svc.SaveSurvey(ctx, staff, "cv", convening.DefaultSurvey()); err != nil {
		s.t.Fatal(err)
	}
	after := e.EndsAt.Add(24 * time.Hour)
	s.svc.Clock = func() time.Time { return after }
	closes := after.Add(14 * 24 * time.Hour)
	if _, err := s.svc.SendSurvey(ctx, staff, "cv", &closes); err != nil {
		s.t.Fatal(err)
	}
	invs, err := s.store.SurveyInvitations(ctx, "cv", "")
	if err != nil || len(invs) != 2 {
		s.t.Fatalf("invitations: %v %v", err, invs)
	}
	var links []string
	for _, inv := range invs {
		links = append(links, "/surveys/cv/"+inv.PersonID+"?"+url.Values{"token": {s.svc.SurveyToken("cv", inv.PersonID)}}.Encode())
	}
	return links
}

func answeredCount(s *site) int {
	_, sv, _ := s.svc.EventSurvey(context.Background(), "cv")
	return sv.Answered
}

// TestSurveyPage: a person opens the survey from their link, makes
// mistakes (a rating out of range, an item the survey lacks, a required
// statement skipped) and is told which question, with nothing recorded;
// answers, is thanked; a second answer from the link, a second tab, is
// refused; a wrong link is the 404 page; once closed, the page says so.
func TestSurveyPage(t *testing.T) {
	s := newSite(t)
	links := s.surveyed()
	path, _, _ := strings.Cut(links[0], "?")

	if p := s.get(path + "?token=wrong"); p.status != http.StatusNotFound {
		t.Fatalf("wrong token: %d", p.status)
	}
	p := s.get(links[0])
	if p.status != 200 || p.headers["Referrer-Policy"] != "no-referrer" {
		t.Fatalf("survey page: %d %v", p.status, p.headers)
	}
	p.has(t, "Evaluation: Convening cv", "Overall, the conference was useful and informative", "Your answers are anonymous",
		`name="a.useful" value="5"`, "5</span> <span class=\"w\">Strongly agree", `type="checkbox" id="q-interest-webinars" name="a.interest"`,
		`<textarea id="q-comments" name="a.comments"`, "(required)")
	form := p.hidden()
	if form.Get("token") == "" || form.Get("csrf") == "" {
		t.Fatalf("hidden fields %v", form)
	}

	// Mistakes: told by question, nothing recorded, what was typed kept.
	bad := url.Values{"token": {form.Get("token")}, "csrf": {form.Get("csrf")}, "a.useful": {"7"}, "a.comments": {"Kept <b>text</b>"},
		"a.interest": {"webinars"}}
	p = s.post(path, bad)
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad rating: %d", p.status)
	}
	p.has(t, "Your answers are not sent yet", "Question 1: Choose a number from 1 (strongly disagree) to 5 (strongly agree).",
		"Question 2: Please choose a number from 1 to 5.", `href="#q-useful-1"`, "Kept &lt;b&gt;text&lt;/b&gt;</textarea>",
		`id="q-interest-webinars" name="a.interest" value="webinars" checked`)
	bad = url.Values{"token": {form.Get("token")}, "csrf": {form.Get("csrf")}, "a.useful": {"5"}, "a.recommend": {"4"}, "a.venue": {"5"}}
	if p = s.post(path, bad); p.status != http.StatusBadRequest {
		t.Fatalf("unknown item: %d", p.status)
	}
	p.has(t, "Some answers do not belong to this survey")
	if n := answeredCount(s); n != 0 {
		t.Fatalf("bad answers counted: %d", n)
	}
	// Without the anti-forgery token: refused, nothing recorded.
	if p = s.post(path, url.Values{"token": {form.Get("token")}, "a.useful": {"5"}, "a.recommend": {"4"}}); p.status != http.StatusForbidden {
		t.Fatalf("no csrf: %d", p.status)
	}

	good := url.Values{"token": {form.Get("token")}, "csrf": {form.Get("csrf")}, "a.useful": {"5"}, "a.recommend": {"4"},
		"a.interest": {"regional-convenings", "district-capacity-project"}, "a.comments": {"More team time, please."}}
	p = s.post(path, good)
	if p.status != http.StatusSeeOther || p.headers["Location"] != links[0] {
		t.Fatalf("answer: %d %v", p.status, p.headers)
	}
	s.get(links[0]).has(t, "Thank you for your answers", "Your answers are recorded")
	if p = s.post(path, good); p.status != http.StatusConflict {
		t.Fatalf("second answer: %d", p.status)
	}
	p.has(t, "These answers were not recorded: this link has been used to answer already")
	if n := answeredCount(s); n != 1 {
		t.Fatalf("answered %d, want 1", n)
	}
	responses, _ := s.store.SurveyResponses(context.Background(), "cv")
	if len(responses) != 1 || responses[0].Answers["comments"].Text != "More team time, please." || len(responses[0].Answers["interest"].Choices) != 2 {
		t.Fatalf("responses %+v", responses)
	}

	// Closed: the other person's page says so, and refuses an answer
	// from the page loaded before.
	form1 := s.get(links[1]).hidden()
	if _, err := s.svc.CloseSurvey(context.Background(), convening.StaffActor("staff-1", "s"), "cv", nil); err != nil {
		t.Fatal(err)
	}
	later := s.svc.Now().Add(time.Minute)
	s.svc.Clock = func() time.Time { return later }
	p = s.get(links[1])
	p.has(t, "The survey is closed", "no longer takes answers")
	path1, _, _ := strings.Cut(links[1], "?")
	if p = s.post(path1, url.Values{"token": {form1.Get("token")}, "csrf": {form1.Get("csrf")}, "a.useful": {"5"}, "a.recommend": {"4"}}); p.status != http.StatusConflict {
		t.Fatalf("answer when closed: %d", p.status)
	}
}

// FuzzSurveyForm: any form posted to the survey page (after a real page
// load, so its tokens are right) gets a page, never a server error; a
// rating that is not 1 to 5 or an item the survey lacks is never recorded.
func FuzzSurveyForm(f *testing.F) {
	f.Add("a.useful=5&a.recommend=4&a.interest=webinars&a.comments=Thanks")
	f.Add("a.useful=6&a.recommend=0")
	f.Add("a.useful=5&a.useful=4&a.recommend=4")
	f.Add("a.useful=5&a.recommend=4&a.venue=5")
	f.Add("a.useful=%2B5&a.recommend=4&a.interest=webinars&a.interest=webinars")
	f.Add("a.comments=%00%E2%80%AE&a.useful=5&a.recommend=5")
	f.Add("a.=1&a.a.b=2&%zz")
	f.Fuzz(func(t *testing.T, body string) {
		posted, err := url.ParseQuery(body)
		if err != nil {
			posted = url.Values{}
		}
		s := newSite(t)
		links := s.surveyed()
		page := s.get(links[0])
		form := page.hidden()
		for k, v := range posted {
			if k != "token" && k != "csrf" {
				form[k] = v
			}
		}
		path, _, _ := strings.Cut(links[0], "?")
		p := s.post(path, form)
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		responses, _ := s.store.SurveyResponses(context.Background(), "cv")
		for _, r := range responses {
			for id, a := range r.Answers {
				if id != "useful" && id != "recommend" && id != "interest" && id != "comments" {
					t.Fatalf("recorded an answer to %q", id)
				}
				if (id == "useful" || id == "recommend") && (a.Rating < 1 || a.Rating > 5) {
					t.Fatalf("recorded rating %d", a.Rating)
				}
			}
		}
	})
}

// TestParseSurveyForm: ratings are read as numbers 1 to 5, choices as
// listed, text as typed; other fields are not answers.
func TestParseSurveyForm(t *testing.T) {
	sv := convening.Survey{SurveyDefinition: convening.DefaultSurvey()}
	answers, errs := web.ParseSurveyForm(sv, url.Values{"a.useful": {"5"}, "a.recommend": {""}, "a.interest": {"webinars", ""},
		"a.comments": {"Hi"}, "token": {"x"}, "a.useful2": {"3"}})
	if len(errs) != 0 || answers["useful"].Rating != 5 || len(answers["interest"].Choices) != 1 || answers["comments"].Text != "Hi" {
		t.Fatalf("%v %+v", errs, answers)
	}
	if _, ok := answers["recommend"]; ok {
		t.Error("an empty rating is an answer")
	}
	if _, ok := answers["useful2"]; !ok {
		t.Error("an unknown item is dropped, not left for the domain to name")
	}
	_, errs = web.ParseSurveyForm(sv, url.Values{"a.useful": {"five"}, "a.recommend": {"4", "5"}})
	if len(errs) != 2 || errs[0].Field != "answers.recommend.rating" || errs[1].Field != "answers.useful.rating" {
		t.Fatalf("errors %+v", errs)
	}
}
