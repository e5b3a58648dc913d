package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/deploy"
)

// url returns the page's address now.
func (b *browserSystem) url() string {
	b.t.Helper()
	return b.eval(`location.href`)
}

// signIn fills the sign-in page (the managed-login stand-in) the browser
// is on, and waits for the page it leads to.
func (b *browserSystem) signIn(email, password, waitFor string) {
	b.t.Helper()
	b.do("fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// TestBrowserStaffSignIn signs in to the staff console through the sign-in
// page as each role, with Cognito's tokens from cognito-local and the
// console's own code path (code exchange with PKCE, JWKS verification,
// group check): staff sees the console and its staff-only page, signs out
// and is refused afterwards; the reviewer and the check-in volunteer sign
// in and get 403 on the staff-only page.
func TestBrowserStaffSignIn(t *testing.T) {
	began := time.Now()
	b := startBrowserSystem(t)
	staff := b.users[deploy.RoleStaff]

	b.do("open the console", chromedp.Navigate(b.base+"/staff/events"), chromedp.WaitVisible(chromedp.ID("email")))
	if got := b.url(); !strings.HasPrefix(got, b.login+"/oauth2/authorize?") {
		t.Fatalf("the console sent the browser to %s, want the sign-in page", got)
	}
	b.check("staff-sign-in")
	b.signIn(staff.Email, "not-the-password", "#sign-in-error")
	if got := b.text("#sign-in-error"); got != "Incorrect email or password." {
		t.Errorf("sign-in error %q", got)
	}
	b.check("staff-sign-in-error")
	b.do("clear the email", chromedp.Clear(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "ul.events")
	if got := b.url(); got != b.base+"/staff/events" {
		t.Errorf("after signing in the browser is at %s, want the page it asked for", got)
	}
	if got := b.text("header.bar"); !strings.Contains(got, staff.Email) || !strings.Contains(got, "Staff") {
		t.Errorf("header %q does not name the staff member and role", got)
	}
	if got := b.text("main"); !strings.Contains(got, "Central Valley Universal Convening") {
		t.Errorf("events page: %s", got)
	}
	b.check("staff-events")
	// Page scripts see no cookie at all: the session's is HttpOnly.
	if got := b.eval(`document.cookie`); got != "" {
		t.Errorf("page scripts see cookies %q", got)
	}
	b.do("home", chromedp.Click(chromedp.CSS(`nav a[href="/staff"]`)), chromedp.WaitVisible(chromedp.CSS("p.lead")))
	if got := b.text("p.lead"); !strings.Contains(got, staff.Email) || !strings.Contains(got, "Staff") {
		t.Errorf("home page says %q", got)
	}
	b.check("staff-home")

	b.do("sign out", chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/sign-in"]`)))
	if got := b.url(); got != b.base+"/staff/signed-out" {
		t.Errorf("signed out at %s", got)
	}
	b.check("staff-signed-out")
	b.do("the console after signing out", chromedp.Navigate(b.base+"/staff/events"), chromedp.WaitVisible(chromedp.ID("email")))
	if got := b.url(); !strings.HasPrefix(got, b.login+"/oauth2/authorize?") {
		t.Errorf("after signing out the console is at %s, want the sign-in page", got)
	}

	for _, role := range []string{deploy.RoleReviewer, deploy.RoleCheckIn} {
		u := b.users[role]
		b.do("open the staff-only page", chromedp.Navigate(b.base+"/staff/events"), chromedp.WaitVisible(chromedp.ID("email")))
		b.signIn(u.Email, u.Password, "header.bar")
		if got := b.text("h1"); got != "You do not have access to this page" {
			t.Errorf("%s on the staff-only page: %q", role, got)
		}
		status := b.eval(`String(performance.getEntriesByType("navigation")[0].responseStatus)`)
		if status != "403" {
			t.Errorf("%s on the staff-only page: status %s, want 403", role, status)
		}
		b.check("staff-forbidden-" + role)
		b.do("home", chromedp.Navigate(b.base+"/staff"), chromedp.WaitVisible(chromedp.CSS("p.lead")))
		if got := b.text("p.lead"); !strings.Contains(got, u.Email) {
			t.Errorf("%s's home page says %q", role, got)
		}
		if n := b.eval(`String(document.querySelectorAll('nav a[href="/staff/events"]').length)`); n != "0" {
			t.Errorf("%s is offered the staff-only page", role)
		}
		b.check("staff-home-" + role)
		b.do("sign out", chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/sign-in"]`)))
	}
	t.Logf("console browser test: %d pages checked (%s), %d screenshots in %s; minor findings %v; %v",
		len(b.checked), strings.Join(b.checked, ", "), b.shotCount, b.shots, b.minor, time.Since(began).Round(time.Millisecond))
}
