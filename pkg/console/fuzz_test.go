package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// FuzzForms sends the console's forms and filters any body or query, as
// staff with the session's anti-forgery token: the event forms, a review,
// a decision, a deadline, a release, a merge, the statements' filters and
// an organization's page. Every answer is a page or a redirect, never a
// server error (503 aside), and stays bounded whatever was sent.
func FuzzForms(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/staff/statements/{id}/review"},
		{"POST", "/staff/statements/{id}/decision"},
		{"POST", "/staff/statements/{id}/extend"},
		{"POST", "/staff/statements/{id}/reinstate"},
		{"POST", "/staff/events/sym/statements/release"},
		{"POST", "/staff/events"},
		{"POST", "/staff/events/sym"},
		{"POST", "/staff/events/cv"},
		{"POST", "/staff/organizations/merge"},
		{"GET", "/staff/events/sym/statements"},
		{"GET", "/staff/organizations"},
	}
	f.Add(uint8(0), "score_collaboration-history=4&score_readiness=x&score_need=99999999999999999999&comment=ok&then=next")
	f.Add(uint8(1), "decision=invite&reason=Panel&respond_by=2027-02-30T25:61&override=yes&staged=no&staged=yes")
	f.Add(uint8(2), "respond_by=0001-01-01T00:00&reason=%00")
	f.Add(uint8(3), "respond_by=9999-12-31T23:59:59&reason=x")
	f.Add(uint8(4), "reason="+strings.Repeat("x", 600))
	f.Add(uint8(5), "title=T&kind=symposium&admission=statement&starts=2027-01-01T09:00&ends=2027-01-02T09:00&venue=V&capacity=9&max_team_size=4"+
		"&statements_close=2026-12-01T00:00&respond_hours=-1&offers=yes&offer_hours=1e9&auto_invite=yes&required_roles=mascot")
	f.Add(uint8(6), "title=&starts=&statements_close=x&respond_hours=NaN&auto_invite=no&reason=x")
	f.Add(uint8(7), "offers=no&offers=yes&offer_hours=%E2%80%AE&policy=fill&reason=x")
	f.Add(uint8(8), "from_name=District+1+Unified&from_county=Alpine&name=%00&county=Atlantis&reason=x&confirm=yes")
	f.Add(uint8(9), "status=pending&county=fresno&complete=maybe&min_score=NaN")
	f.Add(uint8(10), "name=District+1+Unified&county=alpine")
	f.Add(uint8(6), "criterion_id_0=collaboration-history&criterion_label_0=&criterion_label_1=%E2%80%AE&criterion_weight_1=1e9"+
		"&criterion_id_2=../x&criterion_label_2=N&criterion_label_9=Z&criterion_label_10=over&reason=x")
	f.Add(uint8(5), "title=T&kind=webinar&admission=statement&criterion_label_0=A&criterion_label_1=a&criterion_description_3=d&criterion_weight_0=-1")
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		// A fixture of its own: a failure reproduces from its input alone.
		fx := newFixture(t)
		fx.event("cv", 20, convening.PolicyStrict)
		fx.statementEvent("sym", 20)
		st := fx.submit("sym", 1, 4, true)
		fx.submit("sym", 2, 4, false)
		c := fx.as(deploy.RoleStaff)
		rt := routes[int(route)%len(routes)]
		path := strings.Replace(rt.path, "{id}", st.ID, 1)
		var r response
		if rt.method == "GET" {
			q, err := url.ParseQuery(body)
			if err != nil {
				q = url.Values{}
			}
			r = c.get(path + "?" + q.Encode())
		} else {
			form, err := url.ParseQuery(body)
			if err != nil {
				form = url.Values{}
			}
			r = c.post(path, form)
		}
		if r.status >= 500 && r.status != 503 {
			t.Fatalf("%s %s: %d for %q", rt.method, rt.path, r.status, body)
		}
		if len(r.body) > 512<<10 {
			t.Fatalf("%s %s: %d-byte page for a %d-byte form", rt.method, rt.path, len(r.body), len(body))
		}
	})
}
