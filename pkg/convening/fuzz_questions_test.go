package convening

import (
	"encoding/json"
	"testing"
)

// FuzzAnswers: whatever answers a body carries (any JSON value for any
// question id, the team's and a member's), checking them never panics,
// and answers that pass are kept as the questions word them, pass again
// once kept, and stay within the questions.
func FuzzAnswers(f *testing.F) {
	f.Add(`{"arrival":"day before","notes":"x"}`, `{"dinner":true,"dietary":["vegan","Vegan"]}`)
	f.Add(`{"arrival":7}`, `{"dinner":"yes","dietary":[1,2]}`)
	f.Add(`{"arrival":null}`, `{"dietary":null,"badge":"\u202e"}`)
	f.Add(`{"":""}`, `{"dinner":{"a":1}}`)
	f.Add(`{"notes":"a\u0000b"}`, `[]`)
	e := Event{Questions: []Question{
		{ID: "arrival", Label: "Arrival", Type: QuestionOneChoice, Per: PerTeam, Required: true, Choices: []string{"Day before", "Same day"}},
		{ID: "notes", Label: "Notes", Type: QuestionLongText, Per: PerTeam},
		{ID: "dietary", Label: "Dietary", Type: QuestionChoices, Per: PerMember, Choices: []string{"Vegan", "Kosher"}, Sensitive: true},
		{ID: "dinner", Label: "Dinner", Type: QuestionYesNo, Per: PerMember, Required: true},
		{ID: "badge", Label: "Badge", Type: QuestionShortText, Per: PerMember},
	}}
	f.Fuzz(func(t *testing.T, team, member string) {
		var tm Team
		var ta, ma Answers
		if json.Unmarshal([]byte(team), &ta) != nil || json.Unmarshal([]byte(member), &ma) != nil {
			return
		}
		tm.Answers, tm.Members = ta, []Member{{ID: "m1", Answers: ma}}
		err := e.CheckAnswers(tm)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(AsError(err).Fields) == 0 {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		kept := e.NormalizeAnswers(tm)
		if err := e.CheckAnswers(kept); err != nil {
			t.Fatalf("kept answers refused: %v", err)
		}
		for id, a := range kept.Answers {
			q, ok := e.Question(id)
			if !ok || a.Question != q.Label || a.Type != q.Type {
				t.Fatalf("kept %s: %+v", id, a)
			}
		}
		// What the API answers reads back as the same answers.
		b, err := json.Marshal(kept.Members[0].Answers)
		if err != nil {
			t.Fatal(err)
		}
		var back Answers
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := e.CheckAnswers(Team{Members: []Member{{Answers: back}}, Answers: kept.Answers}); err != nil {
			t.Fatalf("answers written as JSON read back refused: %v (%s)", err, b)
		}
		// A change with them decides, or refuses with field errors.
		reg := Registration{ID: "r", Status: StatusRegistered, Team: kept}
		c, err := DecideAnswers(TeamActor, "a", AnswersChange{Answers: ta, Members: []MemberAnswers{{ID: "m1", Answers: ma}}}, "", e.StartsAt)(reg, e, nil)
		if err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("change: %v", err)
		}
		_ = c
	})
}

// FuzzQuestions: whatever questions staff send, normalizing and checking
// them never panics; valid ones keep their ids unique, and their key
// tells them from fewer questions.
func FuzzQuestions(f *testing.F) {
	f.Add("Dietary needs", "", "several_choices", "member", "Vegan\nKosher", true)
	f.Add("", "BAD", "essay", "everyone", "a", false)
	f.Add("Team dinner?", "team-dinner", "yes_no", "", "x\ny", false)
	f.Add("\u202e", "a-", "one_choice", "team", "A\na\n\n", true)
	f.Fuzz(func(t *testing.T, label, id, typ, per, choices string, required bool) {
		q := Question{ID: id, Label: label, Type: QuestionType(typ), Per: QuestionPer(per), Required: required}
		q.Choices = append(q.Choices, splitLines(choices)...)
		qs := NormalizeQuestions([]Question{q, q})
		e := Event{ID: "e", Title: "T", Kind: KindConvening, Venue: "V", Capacity: 10, MaxTeamSize: 4, WaitlistPolicy: PolicyStrict,
			StartsAt: EarliestTime.AddDate(30, 0, 0), EndsAt: EarliestTime.AddDate(30, 0, 1)}
		e.Questions = qs
		err := e.Validate()
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("not invalid: %v", err)
			}
			return
		}
		if qs[0].ID == qs[1].ID {
			t.Fatalf("two questions with id %q", qs[0].ID)
		}
		if QuestionsKey(qs) == "" || QuestionsKey(qs) == QuestionsKey(qs[:1]) {
			t.Fatal("the questions' key does not tell them apart")
		}
	})
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
