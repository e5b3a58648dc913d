package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// TestOrganizationPage shows an organization's statements and
// registrations across events, and merges another spelling into it after
// a confirmation step.
func TestOrganizationPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.event("cv", 20, convening.PolicyStrict)
	f.statementEvent("sym", 20)
	reg := f.register("cv", 1, 3)
	st := f.submit("sym", 1, 4, true)
	// The same district, spelled otherwise by another of its teams.
	other := storetest.Team(1, 2)
	other.Organization.Name = "District One Unified"
	f.event("webinar", 20, convening.PolicyStrict)
	stray, _, _, err := f.svc.Register(ctx, "webinar", other, nil)
	if err != nil {
		t.Fatal(err)
	}
	county := reg.Organization.County
	staff, reviewer := f.as(deploy.RoleStaff), f.as(deploy.RoleReviewer)

	page := "/staff/organizations?" + url.Values{"name": {"District 1 Unified"}, "county": {county}}.Encode()
	r := reviewer.get(page)
	if r.status != 200 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	r.has(t, "District 1 Unified", "1 statement of interest, 1 registration", "Test sym Statement of interest: Submitted", "Test cv Registration: Registered",
		"Spellings merged into it None.")
	r.hasHTML(t, `href="/staff/statements/`+st.ID+`"`)
	if strings.Contains(r.body, "/staff/organizations/merge") || strings.Contains(r.body, "/staff/registrations/") {
		t.Error("the reviewer is offered the merge or a team page")
	}
	staff.get(page).hasHTML(t, `action="/staff/organizations/merge"`, `href="/staff/registrations/`+reg.ID+`"`)
	// The team's page and the statement's link here.
	staff.get("/staff/registrations/"+reg.ID).hasHTML(t, `href="/staff/organizations?county=`)

	t.Run("Search", func(t *testing.T) {
		r := reviewer.get("/staff/organizations")
		if r.status != 200 {
			t.Fatalf("%d", r.status)
		}
		r.has(t, "Find an organization")
		r = reviewer.get("/staff/organizations?name=Nowhere+Unified&county=Fresno")
		if r.status != 404 {
			t.Fatalf("an unknown organization: %d", r.status)
		}
		r.has(t, "No statement or registration of this organization was found")
		r = reviewer.get("/staff/organizations?name=District+1+Unified")
		if r.status != 400 {
			t.Fatalf("no county: %d", r.status)
		}
		r.has(t, "County is required")
		r.hasHTML(t, `href="#org-county"`)
	})

	strayPage := "/staff/organizations?" + url.Values{"name": {"District One Unified"}, "county": {county}}.Encode()
	from := url.Values{"from_name": {"District One Unified"}, "from_county": {county}}
	merge := func(extra url.Values) url.Values {
		v := url.Values{}
		for k, vs := range from {
			v[k] = vs
		}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	if r := reviewer.post("/staff/organizations/merge", merge(url.Values{"name": {"District 1 Unified"}, "county": {county}, "reason": {"x"}})); r.status != 403 {
		t.Errorf("a reviewer merges: %d", r.status)
	}
	t.Run("MergeErrors", func(t *testing.T) {
		r := staff.post("/staff/organizations/merge", merge(url.Values{"name": {"District 1 Unified"}, "county": {county}}))
		if r.status != 400 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		r.has(t, "Reason is required", "District One Unified")
		r.hasHTML(t, `href="#merge-reason"`)
		r = staff.post("/staff/organizations/merge", merge(url.Values{"name": {"Nowhere Unified"}, "county": {county}, "reason": {"x"}}))
		if r.status != 404 {
			t.Fatalf("%d", r.status)
		}
		r.has(t, "No statement or registration of that organization was found: merge into an organization on record")
		r = staff.post("/staff/organizations/merge", merge(url.Values{"name": {"District One Unified"}, "county": {county}, "reason": {"x"}, "confirm": {"yes"}}))
		if r.status != 409 {
			t.Fatalf("into itself: %d", r.status)
		}
		r.has(t, "These name the same organization already")
	})

	// The first step shows both records; the second merges.
	r = staff.post("/staff/organizations/merge", merge(url.Values{"name": {"district 1 unified"}, "county": {county}, "reason": {"The same district"}}))
	if r.status != 200 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	r.has(t, "Merge District One Unified into District 1 Unified?", "Test webinar Registration: Registered", "Test sym Statement of interest",
		"Reason: The same district")
	r = staff.post("/staff/organizations/merge", merge(url.Values{"name": {"District 1 Unified"}, "county": {county}, "reason": {"The same district"},
		"confirm": {"yes"}}))
	if r.status != 303 || r.location() != orgPage("District 1 Unified", county) {
		t.Fatalf("%d %s:\n%s", r.status, r.location(), text(r.body))
	}
	r = staff.follow(r)
	r.has(t, "District One Unified is now recorded as another spelling of District 1 Unified.", "1 statement of interest, 2 registrations",
		"District One Unified ("+county+" County), merged by staff@lmi.example.org", "The same district", "Test webinar Registration: Registered")
	r.hasHTML(t, `href="/staff/registrations/`+stray.ID+`"`)
	// The merged spelling leads to the record it is part of.
	reviewer.get(strayPage).has(t, "You asked for “District One Unified” ("+county+" County): that spelling is merged into District 1 Unified")
	r = staff.post("/staff/organizations/merge", merge(url.Values{"name": {"District 1 Unified"}, "county": {county}, "reason": {"Again"}, "confirm": {"yes"}}))
	if r.status != 409 {
		t.Fatalf("merged twice: %d", r.status)
	}
}

func orgPage(name, county string) string {
	return "/staff/organizations?" + url.Values{"name": {name}, "county": {county}}.Encode()
}
