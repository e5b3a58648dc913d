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

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://evil\")": "'=HYPERLINK(\"http://evil\")",
		"+1 555":                      "'+1 555",
		"-2":                          "'-2",
		"@SUM(A1)":                    "'@SUM(A1)",
		"\tcmd":                       "'\tcmd",
		"Fresno Unified":              "Fresno Unified",
		"":                            "",
		"a=b":                         "a=b",
	} {
		if got := export.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMembersCSV(t *testing.T) {
	at := time.Date(2027, 6, 22, 16, 5, 0, 0, time.UTC)
	regs := []convening.Registration{{ID: "r1", Status: convening.StatusRegistered, Seats: 2,
		Team: convening.Team{Organization: convening.Organization{Name: "=Fresno Unified", Type: convening.OrgDistrict, County: "Fresno"},
			Members: []convening.Member{
				{ID: "m1", Name: "María López", Email: "maria@f.org", Role: convening.RoleSuperintendent, CheckedInAt: &at},
				{ID: "m2", Name: "Ben, \"B\" Ortiz", Email: "ben@f.org", Role: convening.RoleBoardMember},
			}}}}
	var b bytes.Buffer
	if err := export.Members(&b, convening.Event{}, regs); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\xef\xbb\xbf")) || !strings.Contains(b.String(), "\r\n") {
		t.Fatalf("no BOM or CRLF: %q", b.String()[:20])
	}
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][0] != "'=Fresno Unified" || rows[1][3] != "María López" || rows[1][6] != "2027-06-22 09:05" ||
		rows[2][3] != `Ben, "B" Ortiz` || rows[2][5] != "School board member" || rows[2][6] != "" {
		t.Fatalf("rows %q", rows)
	}
}
