package web_test

import (
	"context"
	"html"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/storetest"
)

// withQuestions is an event change that asks storetest's questions.
func withQuestions(e *convening.Event) { e.Questions = storetest.Questions() }

// answered adds the answers of storetest.Answered to a form of size
// members: the team arrives the day before, member 1 is vegan and stays for
// dinner, the others do not.
func answered(f url.Values, size int) url.Values {
	f.Set("q.arrival", "The day before")
	f.Set("q.notes", "We bring a cake.")
	for i := range size {
		if i == 0 {
			f.Set("m0.dinner", "yes")
			f["m0.dietary"] = []string{"Vegan", "Vegetarian"}
		} else {
			f.Set("m"+string(rune('0'+i))+".dinner", "no")
		}
	}
	return f
}

func TestFormAsksTheEventsQuestions(t *testing.T) {
	s := newSite(t)
	s.event("cv", 20, 4, withQuestions)
	p := s.get("/events/cv")
	p.has(t, "A few questions for your team", `name="q.arrival"`, `id="member-0-q-dinner"`, `name="m0.dinner" value="yes"`,
		`name="m0.dietary" value="Gluten-free"`, `<textarea id="q-notes" name="q.notes"`, `data-q="dinner"`)

	// Unanswered and wrong answers are named next to their questions, in
	// the summary in page order, and the answers typed are kept.
	f := teamForm(1, 2)
	f.Set("m0.dinner", "maybe")
	f["m1.dietary"] = []string{"Vegan", "Paleo"}
	f.Set("q.notes", "line one\r\nline two")
	p = s.register("cv", f)
	if p.status != 400 {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, `<a href="#member-0-q-dinner">Member 1: “Will you stay for the team dinner?”: choose yes or no</a>`,
		`<a href="#member-1-q-dietary">Member 2: “Dietary needs”: choose one of the answers offered</a>`,
		`<a href="#member-1-q-dinner">Member 2: “Will you stay for the team dinner?” needs an answer</a>`,
		`<a href="#q-arrival">“When does your team arrive?” needs an answer</a>`,
		`name="m1.dietary" value="Vegan" checked`, "line one\nline two</textarea>")
	summary := p.body[strings.Index(p.body, `id="error-summary"`):]
	if i, j := strings.Index(summary, "#member-1-q-dinner"), strings.Index(summary, "#q-arrival"); i < 0 || j < i {
		t.Errorf("the summary is not in page order")
	}
	if _, regs, _ := s.svc.AllRegistrations(context.Background(), "cv", convening.StatusRegistered); len(regs) != 0 {
		t.Fatal("a refused form registered a team")
	}
	// Adding a row without JavaScript keeps the answers typed.
	f = answered(teamForm(2, 1), 1)
	f.Set("op", "add")
	p = s.register("cv", f)
	p.has(t, `name="m0.dietary" value="Vegan" checked`, `id="member-1-q-dinner"`, `value="The day before" checked`)

	// Right answers register the team, kept as the questions word them.
	p = s.register("cv", answered(teamForm(3, 2), 2))
	if p.status != 200 || !strings.Contains(p.body, "Your team is registered") {
		t.Fatalf("register: %d\n%s", p.status, p.body)
	}
	_, regs, _ := s.svc.AllRegistrations(context.Background(), "cv", convening.StatusRegistered)
	r := regs[0]
	if r.Answers["arrival"].Text != "The day before" || r.Answers["notes"].Text != "We bring a cake." ||
		!reflect.DeepEqual(r.Members[0].Answers["dietary"].Choices, []string{"Vegetarian", "Vegan"}) || r.Members[1].Answers["dinner"].Value() != "No" {
		t.Fatalf("answers kept: %+v %+v", r.Answers, r.Members)
	}
}

func TestTeamChangesItsAnswers(t *testing.T) {
	s := newSite(t)
	s.event("cv", 20, 4, withQuestions)
	manage := s.register("cv", answered(teamForm(1, 2), 2)).manageLink(t)
	p := s.get(manage)
	p.has(t, `id="answers"`, "When does your team arrive?", "The day before", "Vegetarian; Vegan", "Change your answers")
	link := regexpFind(t, p.body, `href="(/manage/[^"]+/answers\?token=[^"]+)"`)
	p = s.get(link)
	p.has(t, "Your team&#39;s answers", `name="q.arrival" value="The day before" checked`, "Save our answers")
	id := strings.Split(strings.TrimPrefix(link, "/manage/"), "/")[0]
	_, regs, _ := s.svc.AllRegistrations(context.Background(), "cv", convening.StatusRegistered)
	before := regs[0]
	m1 := before.Members[1].ID
	form := p.hidden()

	// A wrong token reads nothing; a form without its anti-forgery token
	// changes nothing; a required answer cleared is named.
	bad := url.Values{"token": {"wrong"}, "csrf": form["csrf"], "q.arrival": {"Same day"}}
	if got := s.post("/manage/"+id+"/answers", bad); got.status != 404 {
		t.Fatalf("wrong token: %d", got.status)
	}
	noCSRF := url.Values{"token": form["token"], "q.arrival": {"The morning of the first day"}}
	if got := s.post("/manage/"+id+"/answers", noCSRF); got.status != 403 {
		t.Fatalf("no csrf: %d", got.status)
	}
	cleared := url.Values{"token": form["token"], "csrf": form["csrf"], "q.notes": {"x"}, "m." + m1 + ".dinner": {"perhaps"}}
	got := s.post("/manage/"+id+"/answers", cleared)
	if got.status != 400 {
		t.Fatalf("cleared: %d", got.status)
	}
	got.has(t, `<a href="#q-arrival">“When does your team arrive?” needs an answer</a>`,
		`<a href="#m-`+m1+`-q-dinner">`+before.Members[1].Name+`: “Will you stay for the team dinner?”: choose yes or no</a>`)
	if after, _ := s.svc.StaffRegistration(context.Background(), id); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused change changed the registration")
	}
	// Saved: redirected back to the form, which says so.
	change := url.Values{"token": form["token"], "csrf": form["csrf"], "q.arrival": {"The morning of the first day"},
		"m." + before.Members[0].ID + ".dinner": {"yes"}, "m." + before.Members[0].ID + ".dietary": {"Gluten-free"},
		"m." + m1 + ".dinner": {"yes"}}
	got = s.post("/manage/"+id+"/answers", change)
	if got.status != 303 || !strings.HasPrefix(got.headers["Location"], "/manage/"+id+"/answers?") {
		t.Fatalf("save: %d %v", got.status, got.headers)
	}
	s.get(html.UnescapeString(got.headers["Location"])).has(t, "your answers are saved")
	after, _ := s.svc.StaffRegistration(context.Background(), id)
	if after.Answers["arrival"].Text != "The morning of the first day" || !after.Answers["notes"].Empty() ||
		after.Members[0].Answers["dietary"].Value() != "Gluten-free" || after.Members[1].Answers["dinner"].Value() != "Yes" {
		t.Fatalf("after: %+v %+v", after.Answers, after.Members)
	}
	// Cancelled, the answers no longer change.
	if _, err := s.svc.Cancel(context.Background(), id, form.Get("token")); err != nil {
		t.Fatal(err)
	}
	s.get(link).has(t, "no longer active")
	if got := s.post("/manage/"+id+"/answers", change); got.status != 409 {
		t.Fatalf("after cancelling: %d", got.status)
	}
}

func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", re, s)
	}
	return html.UnescapeString(m[1])
}
