package convening_test

import (
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

func TestRegistrationPatchSplit(t *testing.T) {
	members := func(ms ...convening.Member) *[]convening.Member { return &ms }
	tests := []struct {
		name          string
		patch         convening.RegistrationPatch
		team, answers bool
		wantField     string
	}{
		{"AnswersOnly", convening.RegistrationPatch{Answers: convening.Answers{"arrival": {Text: "Same day"}}}, false, true, ""},
		{"MembersAnswersByID", convening.RegistrationPatch{Members: members(convening.Member{ID: "m1", Answers: convening.Answers{"dietary": {Choices: []string{"Vegan"}}}})}, false, true, ""},
		{"Empty", convening.RegistrationPatch{}, false, true, ""},
		{"Contact", convening.RegistrationPatch{Contact: &convening.Contact{Name: "Rosa", Email: "rosa@example.org"}}, true, false, ""},
		{"Substitute", convening.RegistrationPatch{Members: members(convening.Member{ID: "m1", Name: "Gloria Vang", Email: "g@example.org", Role: convening.RoleSuperintendent})}, true, false, ""},
		{"PeopleWithTeamAnswers", convening.RegistrationPatch{Contact: &convening.Contact{Name: "Rosa"}, Answers: convening.Answers{"arrival": {Text: "Same day"}}}, false, false, "answers"},
		{"PeopleWithMemberAnswers", convening.RegistrationPatch{Members: members(convening.Member{Name: "Zed", Answers: convening.Answers{"dietary": {Choices: []string{"Vegan"}}}})}, false, false, "members[0].answers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team, answers, err := tt.patch.Split()
			if tt.wantField != "" {
				e := convening.AsError(err)
				if e == nil || e.Code != convening.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tt.wantField || e.Fields[0].Rule != convening.RuleNotWith {
					t.Fatalf("err %v, want %s not_with", err, tt.wantField)
				}
				return
			}
			if err != nil || (team != nil) != tt.team || (answers != nil) != tt.answers {
				t.Fatalf("team %v, answers %v, err %v", team, answers, err)
			}
		})
	}
}
