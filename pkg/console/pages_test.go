package console_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// TestEveryPageChecksRoleSessionAndForm calls every console route with
// roles, as each role, signed out, and (forms) with a forged token: a page
// answers only the roles deploy.Routes gives it, sends the signed-out to
// sign in, and refuses a form without the session's token.
func TestEveryPageChecksRoleSessionAndForm(t *testing.T) {
	f := newFixture(t)
	f.event("cv", 10, convening.PolicyStrict)
	reg := f.register("cv", 1, 3)
	notices, _ := f.svc.RegistrationNotices(context.Background(), reg.ID)
	f.statementEvent("sym", 10)
	st := f.submit("sym", 2, 4, true)
	path := strings.NewReplacer("{eventId}", "cv", "{registrationId}", reg.ID, "{noticeId}", notices[0].ID, "{file}", "roster.csv",
		"{statementId}", st.ID)
	signedOut := f.as()
	forged := map[string]*client{}
	n := 0
	for _, rt := range deploy.Routes {
		if rt.Function != deploy.Console || !rt.SignedIn() {
			continue
		}
		n++
		target := path.Replace(rt.Path)
		t.Run(rt.Key(), func(t *testing.T) {
			for _, role := range deploy.Roles {
				c := f.as(role)
				var r response
				if rt.Method == "GET" {
					r = c.get(target)
				} else {
					r = c.post(target, nil)
				}
				admitted := slices.Contains(rt.Roles, role) || role == deploy.RoleStaff
				switch {
				case admitted && (r.status == 403 || r.status == 303 && strings.HasPrefix(r.location(), "/staff/sign-in") || r.status >= 500):
					t.Errorf("%s: %d, want the page:\n%s", role, r.status, text(r.body))
				case !admitted && r.status != 403:
					t.Errorf("%s: %d, want 403", role, r.status)
				case !admitted:
					r.has(t, "You do not have access to this page", "This page is not for your role")
				}
				if rt.Method == "POST" && admitted {
					if forged[role] == nil {
						forged[role] = f.as(role)
					}
					r := forged[role].post(target, url.Values{"csrf": {"forged"}, "reason": {"x"}})
					if r.status != 403 || !strings.Contains(text(r.body), "This form has expired") {
						t.Errorf("%s with a forged token: %d", role, r.status)
					}
					c.header["origin"] = "https://elsewhere.example"
					if r := c.post(target, url.Values{"reason": {"x"}}); r.status != 403 {
						t.Errorf("%s from another site: %d", role, r.status)
					}
				}
			}
			var r response
			if rt.Method == "GET" {
				r = signedOut.get(target)
			} else {
				r = signedOut.post(target, nil)
			}
			if r.status != 303 || !strings.HasPrefix(r.location(), "/staff/sign-in?next=") {
				t.Errorf("signed out: %d %q, want the sign-in", r.status, r.location())
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d console pages with roles", n)
	}
}
