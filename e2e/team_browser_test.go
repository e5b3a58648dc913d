package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/localaws"
)

// linkIn is the first private link of the form base+path...token=... in
// an email's text.
func linkIn(t *testing.T, text, path string) string {
	t.Helper()
	m := regexp.MustCompile(`https?://\S+` + regexp.QuoteMeta(path) + `\S*token=[A-Za-z0-9_-]+`).FindString(text)
	if m == "" {
		t.Fatalf("no %s link in:\n%s", path, text)
	}
	return m
}

// TestBrowserTeamLooksAfterItself walks what a team does after
// registering, at phone and desktop widths with axe-core on every page: the
// contact substitutes a member (the new one gets their own welcome with a
// calendar invitation, the one replaced a cancellation), a member says
// "I can't attend" from their own page (the contact is told), and a
// member who lost their link asks for it again. Every page must have no
// axe-core violation at all, whatever its impact.
func TestBrowserTeamLooksAfterItself(t *testing.T) {
	b := startBrowserSystem(t)
	b.strict = true
	addr := func(who string) string { return fmt.Sprintf("%s@d7.%s.example.org", who, b.run) }

	// A team of three registers.
	b.do("open the event", chromedp.Navigate(b.base+"/events/central-valley"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.fillTeam(7, "Kerman Unified School District", 3)
	b.submit(".status-registered")
	manage := b.eval(`document.querySelector(".private-link a").href`)
	// Post/redirect/get: the confirmation is the registration's own page.
	if got := b.eval(`location.pathname`); !strings.HasPrefix(got, "/manage/") {
		t.Errorf("after registering the browser is at %s, not the registration's page", got)
	}
	welcome := b.sentTo(addr("m1"), "You are registered for ")
	if len(welcome.Attachments) != 1 || welcome.Attachments[0].Filename != "invitation.ics" || len(welcome.To) != 1 {
		t.Errorf("a member's welcome: to %v, attachments %+v", welcome.To, welcome.Attachments)
	}

	// The contact substitutes the second member.
	b.do("open the manage page", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	b.do("change the team", chromedp.Click(chromedp.CSS(`a.button[href*="/team?"]`)), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	if got := b.text("main"); !strings.Contains(got, "seats are left: an added member takes one") {
		t.Errorf("team page: %s", got)
	}
	b.check("team-change")
	b.do("type a substitute over member 2",
		chromedp.Clear(chromedp.ID("member-1-name")), chromedp.SendKeys(chromedp.ID("member-1-name"), "Gloria Vang"),
		chromedp.Clear(chromedp.ID("member-1-email")), chromedp.SendKeys(chromedp.ID("member-1-email"), addr("gloria")),
	)
	b.submit(".notice.success")
	if got := b.text(".notice.success"); !strings.Contains(got, "Your team is changed.") {
		t.Errorf("after the change: %q", got)
	}
	b.check("manage-changed")
	b.sentTo(addr("contact"), "Your team's members changed: ")
	gloria := b.sentTo(addr("gloria"), "You are registered for ")
	if len(gloria.Attachments) != 1 || gloria.Attachments[0].Filename != "invitation.ics" {
		t.Errorf("the substitute's welcome: %+v", gloria.Attachments)
	}
	gone := b.sentTo(addr("m1"), "You are no longer on the team")
	if len(gone.Attachments) != 1 || gone.Attachments[0].Filename != "cancellation.ics" {
		t.Errorf("the replaced member's cancellation: %+v", gone.Attachments)
	}
	for _, e := range []string{gloria.Text, gloria.HTML} {
		if strings.Contains(e, addr("m0")) || strings.Contains(e, addr("contact")) || strings.Contains(e, "/manage/") {
			t.Errorf("a member's email shows another's address or the manage link:\n%s", e)
		}
	}

	// The substitute cannot come after all: from their own page.
	own := linkIn(t, gloria.Text, "/members/")
	b.do("open the member's page", chromedp.Navigate(own), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	if got := b.text("main"); !strings.Contains(got, "You are expected.") || strings.Contains(got, addr("m0")) {
		t.Errorf("member page: %s", got)
	}
	b.check("member-page")
	b.do("I can't attend", chromedp.Click(chromedp.CSS(`button[value="cant"]`)), chromedp.WaitVisible(chromedp.CSS(".notice.success")))
	if got := b.text("main"); !strings.Contains(got, "You can't attend.") {
		t.Errorf("after I can't attend: %s", got)
	}
	b.check("member-cant-attend")
	b.sentTo(addr("contact"), "Gloria Vang can't attend ")
	b.do("the contact's page", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.CSS(".status-registered")))
	if got := b.text("main"); !strings.Contains(got, "1 member told us they can't attend.") {
		t.Errorf("manage page: %s", got)
	}
	b.check("manage-cant-attend")

	// A member lost their link: "Email me my links".
	b.do("the links page", chromedp.Navigate(b.base+"/links"), chromedp.WaitVisible(chromedp.CSS("form.links-form")))
	b.check("links-form")
	b.do("ask", chromedp.SendKeys(chromedp.ID("email"), addr("m0")), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".notice.success")))
	if got := b.eval(`location.pathname + location.search`); got != "/links?sent=1" {
		t.Errorf("after asking: %s", got)
	}
	b.check("links-sent")
	links := b.sentTo(addr("m0"), "Your private links for CA LMI events")
	if l := linkIn(t, links.Text, "/members/"); !strings.Contains(l, "/registrations/") {
		t.Errorf("the links email gives %s", l)
	}
	// An unknown address gets the same page, and no email.
	b.do("ask for a stranger", chromedp.Navigate(b.base+"/links"), chromedp.WaitVisible(chromedp.CSS("form.links-form")),
		chromedp.SendKeys(chromedp.ID("email"), "stranger@"+b.run+".example.org"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".notice.success")))
	time.Sleep(2 * time.Second)
	b.noEmailTo("stranger@" + b.run)
	t.Logf("team browser test: %d pages checked with axe-core, failing on a violation of any impact (%s; %d rule passes), %d screenshots in %s",
		len(b.checked), strings.Join(b.checked, ", "), b.passes, b.shotCount, b.shots)
}

// noEmailTo fails if any email went to addr.
func (b *browserSystem) noEmailTo(addr string) {
	b.t.Helper()
	emails, err := localawsSent(b)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, e := range emails {
		if strings.Contains(strings.Join(e.To, ","), addr) {
			b.t.Errorf("an email went to %s: %s", addr, e.Subject)
		}
	}
}

func localawsSent(b *browserSystem) ([]localaws.SentEmail, error) {
	return localaws.SentEmails(b.ctx, b.sesURL)
}
