package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// TestSurveyReportCSV: the report's figures as rows, formulas in comments
// neutralized, groups too small left out.
func TestSurveyReportCSV(t *testing.T) {
	sv := convening.Survey{EventID: "ev", SurveyDefinition: convening.DefaultSurvey(), Invited: 8, Answered: 6}
	var responses []convening.SurveyResponse
	for i, r := range []int{5, 5, 4, 4, 3, 1} {
		x := convening.SurveyResponse{ID: string(rune('a' + i)), Role: convening.RoleSuperintendent,
			Answers: map[string]convening.SurveyAnswer{"useful": {Rating: r}, "recommend": {Rating: 5}}}
		if i == 0 {
			x.Answers["comments"] = convening.SurveyAnswer{Text: "=HYPERLINK(\"http://x\")"}
			x.Published = map[string]bool{"comments": true}
		}
		if i == 1 {
			x.Role = convening.RoleBoardMember
			x.Answers["interest"] = convening.SurveyAnswer{Choices: []string{"webinars"}}
		}
		responses = append(responses, x)
	}
	var b bytes.Buffer
	if err := SurveyReport(&b, sv.Report(responses)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), bom))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	has := func(want ...string) {
		t.Helper()
		for _, r := range rows {
			if strings.Join(r, "|") == strings.Join(want, "|") {
				return
			}
		}
		t.Errorf("no row %q in\n%s", want, b.String())
	}
	has("Section", "Item", "Question", "Answer", "Count", "Of", "Percent", "Published")
	has("Response rate", "", "", "Answered", "6", "8", "75%", "")
	has("Rating", "useful", "Overall, the conference was useful and informative", "5 Strongly agree", "2", "6", "33.3%", "")
	has("Rating", "useful", "Overall, the conference was useful and informative", "4 or 5", "4", "6", "66.7%", "")
	has("Choice", "interest", "Which of these continued CA LMI activities would interest you?", "Webinars", "1", "1", "100%", "")
	has("Comment", "comments", "Comments: what worked well, and what should we change?", "'=HYPERLINK(\"http://x\")", "", "", "", "yes")
	// Five superintendents are shown; the one board member is not, and
	// then neither are the superintendents (the total would show them).
	for _, r := range rows {
		if strings.HasPrefix(r[0], "By role: ") && !strings.Contains(r[0], "other groups") {
			t.Errorf("a group shown: %q", r)
		}
	}
	has("By role: other groups (too few responses to show)", "", "", "Responses", "6", "", "", "")
}
