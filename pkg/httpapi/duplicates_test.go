package httpapi_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/httpapi"
)

// TestRefusalSaysWhoRegistered: the API's refusal of a second
// registration of an organization carries its reason and a safe detail:
// who holds the place (the contact's name, never an address) and the
// program's contact; the problem is as docs/openapi.yaml has it.
func TestRefusalSaysWhoRegistered(t *testing.T) {
	a := newAPI(t)
	b := convening.NewBasics(slog.New(slog.DiscardHandler)).WithContact(convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org"})
	a.functions[deploy.Register] = httpapi.Register(convening.NewRegistrationService(b, a.store, a.svc.Tokens), convening.NewEligibilityService(b, a.store), slog.New(slog.DiscardHandler))
	if st, _, body := a.do("POST /api/admin/events", nil, staff(), eventBody); st != http.StatusCreated {
		t.Fatalf("create event: %d %v", st, body)
	}
	if st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, teamBody(1, 2)); st != http.StatusCreated {
		t.Fatalf("first: %d %v", st, body)
	}
	again := strings.Replace(teamBody(1, 1), `"District 1"`, `"DISTRICT 1."`, 1)
	st, _, body := a.do("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "cv"}, nil, again)
	if st != http.StatusConflict || body["reason"] != string(convening.ReasonOrganizationRegistered) {
		t.Fatalf("second: %d %v", st, body)
	}
	by, _ := body["registeredBy"].(map[string]any)
	if by["organization"] != "District 1" || by["contactName"] != "Contact 1" || by["subject"] != "registration" || by["status"] != "registered" {
		t.Errorf("registeredBy %v", by)
	}
	if pc, _ := by["programContact"].(map[string]any); pc["email"] != "help@lmi.example.org" {
		t.Errorf("programContact %v", by["programContact"])
	}
	detail, _ := body["detail"].(string)
	if !strings.Contains(detail, "Contact 1") || strings.Contains(detail, "c@d1.org") || strings.Contains(strings.ToLower(detail), "link") {
		t.Errorf("detail %q", detail)
	}
}
