package web_test

import (
	"strings"
	"testing"
)

// TestLookAlikeTeamIsAskedFirst: a team whose organization looks like one
// already registered (same county, "Unified" set aside), or whose contact
// already holds a registration, is asked to check before it registers:
// nothing is stored until it says it is another organization, and the
// page names no address.
func TestLookAlikeTeamIsAskedFirst(t *testing.T) {
	s := newContactSite(t, sampleContact)
	s.event("cv", 40, 4, nil)
	first := teamForm(1, 2)
	first.Set("org_name", "Selma Unified School District")
	if p := s.register("cv", first); p.status != 200 || !strings.Contains(p.body, "registered") {
		t.Fatalf("first: %d", p.status)
	}
	second := teamForm(2, 2)
	second.Set("org_name", "Selma Unified")
	b := s.browser()
	p := b.register("cv", second)
	if p.status != 200 {
		t.Fatalf("look-alike: %d", p.status)
	}
	p.has(t, "Is your organization already registered?", "<strong>Selma Unified School District</strong> (Fresno County), registered",
		`<input type="checkbox" id="not-duplicate" name="not_duplicate" value="yes">`, `value="Selma Unified"`, `href="/links"`)
	if strings.Contains(p.body, "contact@d1.example.org") {
		t.Error("the question shows the other team's address")
	}
	if n := s.registrationCount("cv"); n != 1 {
		t.Fatalf("%d registrations after the question, want 1", n)
	}
	// Pressing Register again without the box asks again.
	again := p.hidden()
	for k, v := range second {
		again[k] = v
	}
	if p := b.post("/events/cv", again); !strings.Contains(p.body, "Is your organization already registered?") || s.registrationCount("cv") != 1 {
		t.Fatalf("without the box: %d, %d registrations\n%s", p.status, s.registrationCount("cv"), p.body)
	}
	// Ticked: registered.
	again.Set("not_duplicate", "yes")
	if p := b.follow(b.post("/events/cv", again)); p.status != 200 || !strings.Contains(p.body, "Your team is registered") {
		t.Fatalf("with the box: %d\n%s", p.status, p.body)
	}
	if n := s.registrationCount("cv"); n != 2 {
		t.Errorf("%d registrations, want 2", n)
	}

	// The same contact for another organization: asked, no organization named.
	third := teamForm(3, 2)
	third.Set("org_name", "Kerman Unified")
	third.Set("contact_email", "CONTACT@d1.example.org")
	p = s.browser().register("cv", third)
	p.has(t, "The contact's email address is already the contact of a team registered for this event.")
	if strings.Contains(p.body, "<strong>Selma") {
		t.Error("the same-contact question names the other organization")
	}
}

// TestRefusalPageNamesWhoRegistered: registering an organization again is
// refused with who registered it (the contact's name) and whom to ask,
// never an address nor "use your link".
func TestRefusalPageNamesWhoRegistered(t *testing.T) {
	s := newContactSite(t, sampleContact)
	s.event("cv", 40, 4, nil)
	first := teamForm(1, 2)
	first.Set("contact_name", "Rosa Diaz")
	s.register("cv", first)
	p := s.browser().register("cv", teamForm(1, 3))
	if p.status != 409 {
		t.Fatalf("second: %d", p.status)
	}
	p.has(t, "<strong>District 1</strong> already has a registration for this event (registered), made by its contact, Rosa Diaz.",
		"Ask Rosa Diaz to add you to the team or to change it", `href="/links"`,
		`Questions? Contact CA LMI Convenings at <a href="mailto:help@lmi.example.org">`)
	main := p.body[strings.Index(p.body, `<div class="error-summary"`):strings.Index(p.body, "<form")]
	if strings.Contains(main, "contact@d1.example.org") || strings.Contains(strings.ToLower(main), "use your link") ||
		strings.Contains(main, "private link in your confirmation") {
		t.Errorf("the refusal gives an address or sends to a link:\n%s", main)
	}
}

// registrationCount is how many active registrations the event has.
func (s *site) registrationCount(eventID string) int {
	s.t.Helper()
	_, regs, err := s.svc.AllRegistrations(s.t.Context(), eventID, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return len(regs)
}
