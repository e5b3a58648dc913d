package export_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
)

// TestMembersCSVAnswers: one row per person with their answers, the
// team's answers on each of its rows, a question removed after teams
// answered it still in a column of its own, and a formula in an answer
// made text.
func TestMembersCSVAnswers(t *testing.T) {
	e := convening.Event{Questions: []convening.Question{
		{ID: "arrival", Label: "When does your team arrive?", Type: convening.QuestionOneChoice, Per: convening.PerTeam, Choices: []string{"Day before", "Same day"}},
		{ID: "dietary", Label: "Dietary needs", Type: convening.QuestionChoices, Per: convening.PerMember, Choices: []string{"Vegan", "Kosher"}},
		{ID: "dinner", Label: "Team dinner?", Type: convening.QuestionYesNo, Per: convening.PerMember},
	}}
	yes, no := true, false
	regs := []convening.Registration{{ID: "r1", Status: convening.StatusRegistered,
		Team: convening.Team{Organization: convening.Organization{Name: "Fresno Unified", County: "Fresno"},
			Answers: convening.Answers{"arrival": {Question: "When?", Type: convening.QuestionOneChoice, Text: "Day before"}},
			Members: []convening.Member{
				{ID: "m1", Name: "Ana", Role: convening.RoleSuperintendent, Answers: convening.Answers{
					"dietary": {Type: convening.QuestionChoices, Choices: []string{"Vegan", "Kosher"}},
					"dinner":  {Type: convening.QuestionYesNo, Yes: &yes},
					"parking": {Question: "Parking?", Type: convening.QuestionShortText, Text: "=HYPERLINK(\"x\")"}}},
				{ID: "m2", Name: "Ben", Role: convening.RoleBoardMember, Answers: convening.Answers{"dinner": {Type: convening.QuestionYesNo, Yes: &no}}},
			}}}}
	var b bytes.Buffer
	if err := export.Members(&b, e, regs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"When does your team arrive?", "Dietary needs", "Team dinner?", "Parking? (no longer asked)"},
		{"Day before", "Vegan; Kosher", "Yes", "'=HYPERLINK(\"x\")"},
		{"Day before", "", "No", ""},
	}
	for i, w := range want {
		if got := rows[i][9:]; !reflect.DeepEqual(got, w) {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
}
