package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONIsReadAsDocumented sends bodies that encoding/json's defaults
// read otherwise than docs/api.md promises (found by a held-out test of the
// API): each is a 400 whose field error has the field's full path, and
// changes nothing.
func TestJSONIsReadAsDocumented(t *testing.T) {
	a := newAPI(t)
	a.do("POST /api/admin/events", nil, staff(), eventBody)
	cv := map[string]string{"eventId": "cv"}
	member := func(i int) string {
		return `{"name":"Member ` + string(rune('A'+i)) + `","email":"m` + string(rune('a'+i)) + `@d9.org","role":"other"}`
	}
	team := func(org, contact string, members ...string) string {
		return `{"organization":` + org + `,"contact":` + contact + `,"members":[` + strings.Join(members, ",") + `]}`
	}
	org := `{"name":"District 9","type":"district","county":"Fresno"}`
	contact := `{"name":"Contact 9","email":"c@d9.org"}`
	patch, reg := "PATCH /api/admin/events/{eventId}", "POST /api/events/{eventId}/registrations"
	tests := []struct {
		name, route, body string
		field, rule       string
		reason            string
	}{
		{"NamesAreExact", patch, `{"CAPACITY":12}`, "CAPACITY", "unknown_field", "invalid_fields"},
		{"NamesAreExactBesideTheName", patch, `{"capacity":50,"Capacity":13}`, "Capacity", "unknown_field", "invalid_fields"},
		{"DuplicateName", patch, `{"capacity":50,"capacity":13}`, "capacity", "duplicate_of", "invalid_fields"},
		{"NestedNamesAreExact", patch, `{"waitlistOffers":{"RespondWithinHours":5}}`, "waitlistOffers.RespondWithinHours", "unknown_field", "invalid_fields"},
		{"NestedDuplicate", patch, `{"waitlistOffers":{"respondWithinHours":5,"respondWithinHours":6}}`, "waitlistOffers.respondWithinHours", "duplicate_of", "invalid_fields"},
		{"MemberTypeHasItsIndex", reg, team(org, contact, member(0), strings.Replace(member(1), `"other"`, `5`, 1)), "members[1].role", "type", "invalid_fields"},
		{"MemberUnknownFieldHasItsParent", reg, team(org, contact, member(0), strings.Replace(member(1), `"role"`, `"nickname":"B","role"`, 1)), "members[1].nickname", "unknown_field", "invalid_fields"},
		{"MemberDuplicate", reg, team(org, contact, strings.Replace(member(0), `"role"`, `"name":"Other","role"`, 1)), "members[0].name", "duplicate_of", "invalid_fields"},
		{"MemberBadTime", reg, team(org, contact, strings.Replace(member(0), `"role"`, `"checkedInAt":"soon","role"`, 1)), "members[0].checkedInAt", "date_time", "invalid_fields"},
		{"InvalidUTF8", reg, team(`{"name":"District `+"\xff"+`","type":"district","county":"Fresno"}`, contact, member(0)), "organization.name", "text", "invalid_fields"},
		{"LoneSurrogate", reg, team(org, `{"name":"Contact \ud800","email":"c@d9.org"}`, member(0)), "contact.name", "text", "invalid_fields"},
		{"LoneLowSurrogate", reg, team(org, contact, strings.Replace(member(0), "Member A", `Member \udc00A`, 1)), "members[0].name", "text", "invalid_fields"},
		{"CaseOfANestedName", reg, team(`{"Name":"District 9","type":"district","county":"Fresno"}`, contact, member(0)), "organization.Name", "unknown_field", "invalid_fields"},
		{"TrailingData", reg, team(org, contact, member(0)) + `{}`, "", "", "malformed_body"},
		{"NotAnObject", patch, `"capacity"`, "", "", "malformed_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, body := a.do(tt.route, cv, staff(), tt.body)
			if st != http.StatusBadRequest || body["reason"] != tt.reason {
				t.Fatalf("%d %v", st, body)
			}
			if tt.field != "" {
				errs, _ := body["errors"].([]any)
				if len(errs) != 1 {
					t.Fatalf("errors %v", body["errors"])
				}
				e := errs[0].(map[string]any)
				if e["field"] != tt.field || e["rule"] != tt.rule {
					t.Fatalf("error %v, want %s %s", e, tt.field, tt.rule)
				}
			}
		})
	}
	// Nothing was changed or stored.
	if _, _, ev := a.do("GET /api/events/{eventId}", cv, nil, ""); ev["capacity"] != 6.0 || ev["seatsTaken"] != 0.0 {
		t.Fatalf("the event changed: %v", ev)
	}
	// And what is written as documented still reads.
	if st, _, ev := a.do(patch, cv, staff(), `{"capacity":12,"waitlistOffers":{"respondWithinHours":48}}`); st != http.StatusOK || ev["capacity"] != 12.0 {
		t.Fatalf("a documented change: %d %v", st, ev)
	}
	if st, _, body := a.do(reg, cv, nil, team(org, `{"name":"Contact \u00e9 \ud83d\ude00","email":"c@d9.org"}`, member(0))); st != http.StatusCreated {
		t.Fatalf("a registration with escaped text (a surrogate pair): %d %v", st, body)
	}
}
