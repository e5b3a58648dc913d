package web_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
	"github.com/calmi/convenings/pkg/web"
)

var sampleContact = convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org", Phone: "(916) 555-0142"}

// newContactSite is newSite with the program's contact set.
func newContactSite(t *testing.T, contact convening.ProgramContact) *site {
	t.Helper()
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("k", 32)))
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	store := memstore.New()
	b := convening.NewBasics(log).WithContact(contact)
	svc := storetest.NewServices(store, tokens, log)
	// Every service the pages use (registering shows the billing form, the
	// 404 page the links form), each with the contact's basics.
	pages := web.Services{EventService: convening.NewEventService(b, store), RegistrationService: convening.NewRegistrationService(b, store, tokens),
		StatementService: convening.NewStatementService(b, store, tokens), LinksService: convening.NewLinksService(b, store),
		BillingService: convening.NewBillingService(b, store, tokens, storetest.Payee), SurveyAnswerService: convening.NewSurveyAnswerService(b, store, tokens),
		DuplicateService: convening.NewDuplicateService(b, store), EligibilityService: convening.NewEligibilityService(b, store),
		JoinService: convening.NewJoinService(b, store, tokens), HistoryService: convening.NewHistoryService(b, store)}
	h, err := web.New(pages, web.Options{CSRFKey: []byte(strings.Repeat("c", 32)), Log: log, Contact: contact})
	if err != nil {
		t.Fatal(err)
	}
	return &site{t: t, h: h, svc: svc, store: store, jar: map[string]string{}, logs: &logs}
}

// TestFooterNamesTheProgramContact: every page ends with the program's
// contact, its address a mailto: link and its phone a tel: link; without
// one the pages say to reply to an email.
func TestFooterNamesTheProgramContact(t *testing.T) {
	s := newContactSite(t, sampleContact)
	s.event("cv", 20, 4, nil)
	reg, token, _, err := s.svc.Register(t.Context(), "cv", storetest.Team(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	footer := `Questions? Contact CA LMI Convenings at <a href="mailto:help@lmi.example.org">help@lmi.example.org</a> or <a href="tel:&#43;19165550142">(916) 555-0142</a>.`
	for _, path := range []string{"/", "/events/cv", "/manage/" + reg.ID + "?token=" + token, "/events/nope", "/static/nope.css"} {
		p := s.get(path)
		if i := strings.Index(p.body, `<footer class="site">`); i < 0 || !strings.Contains(p.body[i:], footer) {
			t.Errorf("%s (%d): the footer lacks the contact %q:\n%s", path, p.status, footer, p.body)
		}
	}
	none := newSite(t)
	none.get("/").has(t, "Questions? Reply to any email from us to reach CA LMI staff.")
}

// TestNotFoundOffersTheLinksAgain: a private link that is wrong, mistyped
// or out of date answers the 404 page, which offers the links by email
// (/links) and names the program's contact.
func TestNotFoundOffersTheLinksAgain(t *testing.T) {
	s := newContactSite(t, sampleContact)
	s.event("cv", 20, 4, nil)
	reg, token, _, err := s.svc.Register(t.Context(), "cv", storetest.Team(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/manage/" + reg.ID + "?token=" + token[:20],   // cut short
		"/manage/" + reg.ID,                            // no token
		"/manage/01NOSUCHREGISTRATION?token=" + token,  // another registration's
		"/statements/01NOSUCHSTATEMENT?token=" + token, // not a statement
		"/statements/01NOSUCH/members/01NOSUCH?token=x",
		"/registrations/" + reg.ID + "/members/" + reg.Members[0].ID + "?token=" + token, // the team's token, not the member's
		"/invoices/01NOSUCHINVOICE?token=" + token,
		"/surveys/cv/01NOSUCHPERSON?token=" + token,
	} {
		p := s.get(path)
		if p.status != 404 {
			t.Errorf("%s: %d, want 404", path, p.status)
		}
		p.has(t, "We can&#39;t find that page", `<a class="button" href="/links">Email me my links</a>`,
			`Questions? Contact CA LMI Convenings at <a href="mailto:help@lmi.example.org">`)
	}
}

func TestProgramContactIsChecked(t *testing.T) {
	for _, c := range []convening.ProgramContact{
		{Name: "CA LMI", Email: "not an address"},
		{Name: "", Email: "help@lmi.example.org"},
		{Name: "CA LMI", Email: "help@lmi.example.org", Phone: "call us"},
		{Name: "CA\u2028LMI", Email: "help@lmi.example.org"},
	} {
		if _, err := web.New(web.Services{}, web.Options{CSRFKey: []byte(strings.Repeat("c", 32)), Contact: c}); err == nil {
			t.Errorf("contact %+v accepted", c)
		}
	}
}
