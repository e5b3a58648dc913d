package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzTeamForm: any form posted to an event page (after a real page load,
// so the anti-forgery token is right) gets a page, never a server error,
// and the page stays bounded however many fields were posted.
func FuzzTeamForm(f *testing.F) {
	f.Add("org_name=Fresno+Unified&org_type=district&county=Fresno&contact_name=Ana&contact_email=ana%40f.org&member_name=Ana&member_email=ana%40f.org&member_role=superintendent")
	f.Add("op=add&member_name=a&member_name=b")
	f.Add("op=remove-99999999999999999999&member_name=a")
	f.Add(strings.Repeat("member_name=x&", 300))
	f.Add("org_name=%E2%80%AE&contact_email=%C3%BC%40example.com&member_role=mascot")
	f.Add("%zz=1&&=&")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.event("cv", 10, 4, nil)
		p := s.register("cv", form)
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		if len(p.body) > 256<<10 {
			t.Fatalf("%d-byte page for a %d-byte form", len(p.body), len(body))
		}
	})
}

// FuzzStatementForm: any form posted to a statement event's form (after a
// real page load) gets a page, never a server error; the page stays
// bounded; and an answer shown back never escapes its text box.
func FuzzStatementForm(f *testing.F) {
	f.Add("org_name=Fresno+Unified&org_type=district&county=Fresno&contact_name=Ana&contact_email=ana%40f.org" +
		"&member_name=Ana&member_email=ana%40f.org&member_role=superintendent&experience=Twenty+characters+at+least&reasons=Twenty+characters+at+least")
	f.Add("experience=a%0D%0Ab%0Dc&reasons=%00%E2%80%AE")
	f.Add("op=add&experience=" + strings.Repeat("x", 3001))
	f.Add("op=remove-0&member_name=a&member_name=b&reasons=%ff%fe")
	f.Add("experience=%3C%2Ftextarea%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	f.Add(strings.Repeat("member_role=board_member&", 60))
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.statementEvent("sym", 40, nil)
		p := s.submitStatement("sym", form)
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		if len(p.body) > 512<<10 {
			t.Fatalf("%d-byte page for a %d-byte form", len(p.body), len(body))
		}
		if strings.Contains(p.body, "<script>") || strings.Count(p.body, "</textarea>") > 2 {
			t.Fatalf("an answer escaped its field:\n%s", p.body)
		}
	})
}

// FuzzQuestionsForm: any answers posted with the registration form of an
// event that asks questions, and any change of answers posted to a team's
// answers page (with its token and anti-forgery token), get a page or a
// redirect, never a server error, and a bounded page.
func FuzzQuestionsForm(f *testing.F) {
	f.Add("q.arrival=The+day+before&m0.dinner=yes&m0.dietary=Vegan&m0.dietary=vegan", false)
	f.Add("q.arrival=&m0.dinner=maybe&m99.dinner=yes&q.notes=%00%E2%80%AE&op=add", false)
	f.Add("q.arrival=Same+day&m.x.dinner=no&q.unknown=1&q..=&q.ARRIVAL=x", true)
	f.Add(strings.Repeat("q.notes=x&", 50)+"m0.dietary="+strings.Repeat("Vegan&m0.dietary=", 60), true)
	f.Fuzz(func(t *testing.T, body string, change bool) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.event("cv", 20, 4, withQuestions)
		var p page
		if change {
			link := regexpFind(t, s.get(s.register("cv", answered(teamForm(1, 2), 2)).manageLink(t)).body, `href="(/manage/[^"]+/answers\?token=[^"]+)"`)
			for k, v := range s.get(link).hidden() {
				form[k] = v
			}
			p = s.post(strings.Split(link, "?")[0], form)
		} else {
			for k, v := range teamForm(2, 1) {
				if _, set := form[k]; !set {
					form[k] = v
				}
			}
			p = s.register("cv", form)
		}
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		if len(p.body) > 512<<10 {
			t.Fatalf("%d-byte page for a %d-byte form", len(p.body), len(body))
		}
	})
}
