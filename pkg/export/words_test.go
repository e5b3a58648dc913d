package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
)

// TestFilesSpeakWords: the spreadsheets show statuses, kinds of change,
// who made them and yes or no in words, never a code, "true" or an id as
// a person.
func TestFilesSpeakWords(t *testing.T) {
	at := time.Date(2027, 3, 5, 18, 30, 0, 0, time.UTC)
	pos := 1
	regs := []convening.Registration{{ID: "01JREG", Status: convening.StatusWaitlisted, Seats: 2, WaitlistPosition: &pos, CreatedAt: at,
		Team: convening.Team{Organization: convening.Organization{Name: "Selma Unified", Type: convening.OrgDistrict, County: "Fresno"},
			Members: []convening.Member{{Name: "Ana Ruiz", Role: convening.RoleSuperintendent}}}}}
	var b bytes.Buffer
	if err := export.Registrations(&b, regs); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.String())
	if rows[1][3] != "Waiting list" {
		t.Errorf("roster status %q", rows[1][3])
	}
	b.Reset()
	records := []convening.AuditRecord{
		{ID: "01JA", Kind: convening.AuditEventChanged, At: at, Actor: convening.StaffActor("9f1c2d3e-0000-4000-8000-123456789abc", "9f1c2d3e-0000-4000-8000-123456789abc"),
			Before: map[string]string{"autoInvite": "false", "waitlistPolicy": "strict"}, After: map[string]string{"autoInvite": "true", "waitlistPolicy": "fill"}},
		{ID: "01JB", Kind: convening.AuditWaitlisted, At: at, Actor: convening.TeamActor, Subject: "01JREG", Organization: "Selma Unified",
			After: map[string]string{"status": "waitlisted", "roles": "superintendent board_member"}},
		{ID: "01JC", Kind: convening.AuditCancelled, At: at, Actor: convening.StaffActor("sub-1", "maria@lmi.example.org")},
	}
	if err := export.Audit(&b, records); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, b.String())
	want := [][]string{
		{"A staff member (staff API)", "Staff", "Event changed", "autoInvite: no; waitlistPolicy: in order", "autoInvite: yes; waitlistPolicy: fill the seats"},
		{"The team", "Team", "Joined the waiting list", "", "roles: Superintendent, School board member; status: Waiting list"},
		{"maria@lmi.example.org", "Staff", "Cancelled", "", ""},
	}
	for i, w := range want {
		got := []string{rows[i+1][1], rows[i+1][2], rows[i+1][3], rows[i+1][6], rows[i+1][7]}
		if strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("audit row %d: %q, want %q", i+1, got, w)
		}
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
