package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzChangeTeamForm: any form posted to a team's change page (after a
// real page load) gets a page, never a server error; the event is never
// oversold, and the page stays bounded.
func FuzzChangeTeamForm(f *testing.F) {
	f.Add("contact_name=Ana&contact_email=ana%40f.org&member_id=&member_name=Ana&member_email=ana%40f.org&member_role=superintendent&op=submit")
	f.Add("op=add&member_name=a&member_name=b&member_id=x&member_id=y")
	f.Add("op=remove-99999999999999999999&member_name=a")
	f.Add(strings.Repeat("member_name=x&member_email=x%40x.org&member_role=other&", 120) + "op=submit")
	f.Add("member_id=%00&member_name=%E2%80%AE&member_email=%C3%BC%40example.com&member_role=mascot&op=submit")
	f.Add("%zz=1&&=&op=submit")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.event("cv", 6, 4, nil)
		link := s.register("cv", teamForm(1, 3)).manageLink(t)
		s.register("cv", teamForm(2, 2))
		team := strings.Replace(link, "?token=", "/team?token=", 1)
		page := s.get(team)
		u, _ := url.Parse(team)
		for k, v := range page.form(t, u.Path) {
			form[k] = v
		}
		p := s.post(u.Path, form)
		if p.status >= 500 && p.status != 503 {
			t.Fatalf("status %d for %q", p.status, body)
		}
		if len(p.body) > 512<<10 {
			t.Fatalf("%d-byte page for a %d-byte form", len(p.body), len(body))
		}
		if ev, _ := s.svc.Event(t.Context(), "cv"); ev.SeatsTaken > ev.Capacity {
			t.Fatalf("oversold: %d of %d", ev.SeatsTaken, ev.Capacity)
		}
	})
}

// FuzzLinksForm: any form posted to /links gets the same redirect or the
// form again, never a server error.
func FuzzLinksForm(f *testing.F) {
	f.Add("email=m1%40d1.example.org")
	f.Add("email=")
	f.Add("email=%0D%0ABcc%3A+x%40evil.org")
	f.Add("email=" + strings.Repeat("a", 300) + "%40x.org")
	f.Add("email=a%40b.org&email=c%40d.org&x=1")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		s := newSite(t)
		s.event("cv", 6, 4, nil)
		s.register("cv", teamForm(1, 2))
		for k, v := range s.get("/links").form(t, "/links") {
			form[k] = v
		}
		p := s.post("/links", form)
		switch {
		case p.status == 303 && p.headers["Location"] == "/links?sent=1", p.status == 400:
		default:
			t.Fatalf("status %d %v for %q", p.status, p.headers, body)
		}
	})
}
