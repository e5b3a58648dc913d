package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// withContact gives the fixture's console the program's contact (and the
// checks for duplicates, which the harness leaves out).
func (f *fixture) withContact(c convening.ProgramContact) *fixture {
	f.t.Helper()
	services := consoleServices(f.svc)
	services.DuplicateService = convening.NewDuplicateService(convening.NewBasics(nil), f.store)
	h, err := console.New(context.Background(), services, f.sessions, console.Options{
		Pool:      cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_TEST", ClientID: "client", LoginURL: "https://login.example.org"},
		PublicURL: "https://convenings.example.org", Key: []byte(strings.Repeat("k", 32)), Contact: c})
	if err != nil {
		f.t.Fatal(err)
	}
	f.h = h
	return f
}

// TestConsoleFooterNamesTheProgramContact: every console page, for every
// role and on errors, ends with the program's contact (whom a volunteer at
// the door asks for help, and what teams are shown).
func TestConsoleFooterNamesTheProgramContact(t *testing.T) {
	f := newFixture(t).withContact(convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org", Phone: "(916) 555-0142"})
	f.event("cv", 20, convening.PolicyStrict)
	const footer = `Help and questions: CA LMI Convenings, <a href="mailto:help@lmi.example.org">help@lmi.example.org</a>, <a href="tel:&#43;19165550142">(916) 555-0142</a>.`
	for _, tt := range []struct{ role, path string }{
		{deploy.RoleStaff, "/staff"}, {deploy.RoleStaff, "/staff/events/cv"}, {deploy.RoleStaff, "/staff/events/nope"},
		{deploy.RoleCheckIn, "/staff/events/cv/check-in"}, {deploy.RoleCheckIn, "/staff/events/cv"}, {deploy.RoleReviewer, "/staff/events"},
		{"", "/staff/signed-out"},
	} {
		c := f.as()
		if tt.role != "" {
			c = f.as(tt.role)
		}
		r := c.do("GET", tt.path, "")
		if i := strings.Index(r.body, `<footer class="foot">`); i < 0 || !strings.Contains(r.body[i:], footer) {
			t.Errorf("%s as %q (%d): no contact in the footer:\n%s", tt.path, tt.role, r.status, r.body)
		}
	}
	if r := newFixture(t).as(deploy.RoleStaff).do("GET", "/staff", ""); !strings.Contains(r.body, "No program contact is set") {
		t.Errorf("without a contact the footer says:\n%s", r.body)
	}
}
