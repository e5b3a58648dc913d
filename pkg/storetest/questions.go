package storetest

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The event's own questions and the teams' answers.

// Questions are an institute's questions for the tests: to the team and
// to each member, required and optional, of every type, one sensitive.
func Questions() []convening.Question {
	return []convening.Question{
		{ID: "arrival", Label: "When does your team arrive?", Type: convening.QuestionOneChoice, Per: convening.PerTeam, Required: true,
			Choices: []string{"The day before", "The morning of the first day"}},
		{ID: "notes", Label: "Anything else we should know?", Type: convening.QuestionLongText, Per: convening.PerTeam},
		{ID: "dietary", Label: "Dietary needs", Type: convening.QuestionChoices, Per: convening.PerMember, Sensitive: true,
			Choices: []string{"Vegetarian", "Vegan", "Gluten-free"}},
		{ID: "dinner", Label: "Will you stay for the team dinner?", Type: convening.QuestionYesNo, Per: convening.PerMember, Required: true},
		{ID: "badge", Label: "Name on your badge", Type: convening.QuestionShortText, Per: convening.PerMember},
	}
}

// Answered returns team n of size members with valid answers to
// Questions(): the team arrives the day before, member 0 is vegan and
// stays for dinner, the others do not.
func Answered(n, size int) convening.Team {
	t := Team(n, size)
	t.Answers = convening.Answers{"arrival": convening.TextAnswer("the day before"), "notes": convening.TextAnswer("  We bring a cake.  ")}
	for i := range t.Members {
		t.Members[i].Answers = convening.Answers{"dinner": convening.YesNo(i == 0)}
	}
	t.Members[0].Answers["dietary"] = convening.ChoiceAnswers("vegan", "Vegetarian")
	return t
}

func (e *env) eventWithQuestions(t testing.TB, id string, capacity int) convening.Event {
	t.Helper()
	e.createEvent(t, id, capacity, convening.PolicyStrict)
	qs := Questions()
	ev, err := e.svc.UpdateEvent(context.Background(), staff, id, convening.EventChange{Questions: &qs}, "The hotel and the caterer need to know")
	if err != nil {
		t.Fatalf("set questions: %v", err)
	}
	return ev
}

// fieldsOf are the paths and rules of an error's fields.
func fieldsOf(err error) map[string]convening.Rule {
	out := map[string]convening.Rule{}
	if e := convening.AsError(err); e != nil {
		for _, f := range e.Fields {
			out[f.Field] = f.Rule
		}
	}
	return out
}

func testQuestionsAndAnswers(t *testing.T, e *env) {
	ctx := context.Background()
	ev := e.eventWithQuestions(t, "inst", 20)
	if !reflect.DeepEqual(ev.Questions, Questions()) {
		t.Fatalf("questions %+v", ev.Questions)
	}
	if read, _ := e.store.Event(ctx, "inst"); !reflect.DeepEqual(read.Questions, Questions()) {
		t.Fatalf("questions read back %+v", read.Questions)
	}

	// Nothing answered: every required question is named.
	_, _, _, err := e.svc.Register(ctx, "inst", Team(1, 2), nil)
	want := map[string]convening.Rule{"answers.arrival": convening.RuleRequired,
		"members[0].answers.dinner": convening.RuleRequired, "members[1].answers.dinner": convening.RuleRequired}
	if got := fieldsOf(err); !reflect.DeepEqual(got, want) {
		t.Fatalf("unanswered: %v\n got %v\nwant %v", err, got, want)
	}
	// Wrong answers, each named by its full path.
	bad := Answered(2, 2)
	bad.Answers["arrival"] = convening.TextAnswer("By boat")
	bad.Answers["unknown"] = convening.TextAnswer("x")
	bad.Members[0].Answers["dinner"] = convening.TextAnswer("yes")
	bad.Members[1].Answers["dietary"] = convening.ChoiceAnswers("Vegan", "Paleo", "vegan")
	bad.Members[1].Answers["arrival"] = convening.TextAnswer("The day before")
	_, _, _, err = e.svc.Register(ctx, "inst", bad, nil)
	want = map[string]convening.Rule{"answers.arrival": convening.RuleOneOf, "answers.unknown": convening.RuleUnknownField,
		"members[0].answers.dinner": convening.RuleType, "members[1].answers.dietary[1]": convening.RuleOneOf,
		"members[1].answers.dietary[2]": convening.RuleDuplicateOf, "members[1].answers.arrival": convening.RuleUnknownField}
	if got := fieldsOf(err); !reflect.DeepEqual(got, want) || convening.ErrorCode(err) != convening.EINVALID {
		t.Fatalf("bad answers: %v\n got %v\nwant %v", err, got, want)
	}
	if after, _ := e.store.Event(ctx, "inst"); after.Counts != (convening.Counts{}) {
		t.Fatalf("a refused registration changed the counts: %+v", after.Counts)
	}

	// Right answers are kept as the questions word them, with the
	// question as asked.
	reg, token, _, err := e.svc.Register(ctx, "inst", Answered(3, 2), &convening.Idempotency{Key: "k3", RequestHash: "h3"})
	if err != nil {
		t.Fatal(err)
	}
	wantAnswers := func(r convening.Registration) {
		t.Helper()
		arrival := r.Answers["arrival"]
		if arrival.Text != "The day before" || arrival.Question != "When does your team arrive?" || arrival.Type != convening.QuestionOneChoice ||
			r.Answers["notes"].Text != "We bring a cake." {
			t.Fatalf("team answers %+v", r.Answers)
		}
		m0, m1 := r.Members[0].Answers, r.Members[1].Answers
		if !slices.Equal(m0["dietary"].Choices, []string{"Vegetarian", "Vegan"}) || !m0["dietary"].Sensitive ||
			m0["dinner"].Value() != "Yes" || m1["dinner"].Value() != "No" || len(m1) != 1 {
			t.Fatalf("member answers %+v %+v", m0, m1)
		}
	}
	wantAnswers(reg)
	read, err := e.svc.Registration(ctx, reg.ID, token)
	if err != nil {
		t.Fatal(err)
	}
	wantAnswers(read)
	replay, _, replayed, err := e.svc.Register(ctx, "inst", Answered(3, 2), &convening.Idempotency{Key: "k3", RequestHash: "h3"})
	if err != nil || !replayed {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	wantAnswers(replay)

	// The counts per choice, people for a question to each member.
	if _, _, _, err := e.svc.Register(ctx, "inst", Answered(4, 3), nil); err != nil {
		t.Fatal(err)
	}
	_, regs, _ := e.svc.AllRegistrations(ctx, "inst", convening.StatusRegistered)
	tally := convening.TallyAnswers(ev, regs)
	dinner := tally[3]
	if dinner.Asked != 5 || dinner.Answered != 5 || !reflect.DeepEqual(dinner.Counts, []convening.QuestionChoiceCount{{Choice: "Yes", Count: 2}, {Choice: "No", Count: 3}}) {
		t.Fatalf("dinner tally %+v", dinner)
	}
	if arrival := tally[0]; arrival.Asked != 2 || arrival.Counts[0].Count != 2 {
		t.Fatalf("arrival tally %+v", arrival)
	}
}

// testAnswersAfterQuestionsChange: staff reword a question, change its
// choices or remove it, and the answers given read as they were; a
// question made required refuses a team that has not answered it, even
// from a store that saw the event before the change.
func testAnswersAfterQuestionsChange(t *testing.T, e *env) {
	ctx := context.Background()
	e.eventWithQuestions(t, "inst", 20)
	reg, _, _, err := e.svc.Register(ctx, "inst", Answered(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	qs := Questions()
	qs[0].Label = "Arrival"
	qs[0].Choices = []string{"Day one", "Day two"}
	qs[4].Required = true        // the badge's name, which nobody answered
	qs = slices.Delete(qs, 2, 3) // dietary is gone
	ev, err := e.svc.UpdateEvent(ctx, staff, "inst", convening.EventChange{Questions: &qs}, "The hotel changed")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := e.store.Registration(ctx, reg.ID)
	if a := r.Answers["arrival"]; a.Question != "When does your team arrive?" || a.Text != "The day before" {
		t.Fatalf("reworded question's answer %+v", a)
	}
	if a := r.Members[0].Answers["dietary"]; a.Question != "Dietary needs" || a.Value() != "Vegetarian; Vegan" {
		t.Fatalf("removed question's answer %+v", a)
	}
	tally := convening.TallyAnswers(ev, []convening.Registration{r})
	if want := []convening.QuestionChoiceCount{{Choice: "Day one"}, {Choice: "Day two"}, {Choice: "The day before", Count: 1, Earlier: true}}; !reflect.DeepEqual(tally[0].Counts, want) {
		t.Fatalf("tally after the change %+v", tally[0].Counts)
	}
	// Teams answer the questions as they are now.
	team := Answered(2, 1)
	team.Answers["arrival"] = convening.TextAnswer("Day one")
	delete(team.Members[0].Answers, "dietary")
	_, _, _, err = e.svc.Register(ctx, "inst", team, nil)
	if got := fieldsOf(err); !reflect.DeepEqual(got, map[string]convening.Rule{"members[0].answers.badge": convening.RuleRequired}) {
		t.Fatalf("badge now required: %v", err)
	}
	team.Members[0].Answers["badge"] = convening.TextAnswer("Sam")
	if _, _, _, err := e.svc.Register(ctx, "inst", team, nil); err != nil {
		t.Fatal(err)
	}
}

func testChangeAnswers(t *testing.T, e *env) {
	ctx := context.Background()
	e.eventWithQuestions(t, "inst", 20)
	reg, token, _, err := e.svc.Register(ctx, "inst", Answered(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	change := convening.AnswersChange{
		Answers: convening.Answers{"arrival": convening.TextAnswer("The morning of the first day"), "notes": convening.Cleared()},
		Members: []convening.MemberAnswers{{ID: reg.Members[1].ID, Answers: convening.Answers{
			"dinner": convening.YesNo(true), "dietary": convening.ChoiceAnswers("Gluten-free")}}},
	}
	if _, err := e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, "wrong", change); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Fatalf("wrong token: %v", err)
	}
	got, err := e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, token, change)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := e.store.Registration(ctx, reg.ID)
	for _, x := range []convening.Registration{got, r} {
		if x.Answers["arrival"].Text != "The morning of the first day" || !x.Answers["notes"].Empty() ||
			x.Members[1].Answers["dinner"].Value() != "Yes" || x.Members[1].Answers["dietary"].Value() != "Gluten-free" ||
			x.Members[0].Answers["dietary"].Value() != "Vegetarian; Vegan" {
			t.Fatalf("after the change: %+v %+v", x.Answers, x.Members)
		}
	}
	history, _, err := e.svc.Audit(ctx, convening.AuditQuery{Subject: reg.ID, Kinds: []convening.AuditKind{convening.AuditAnswersChanged}, Limit: 10})
	if err != nil || len(history) != 1 || history[0].Actor.Kind != convening.ActorTeam ||
		history[0].After["answers"] != "When does your team arrive?; Anything else we should know?; Dietary needs (1 member); Will you stay for the team dinner? (1 member)" {
		t.Fatalf("history %v %+v", err, history)
	}
	// The same again changes nothing and records nothing.
	if _, err := e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, token, change); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: reg.ID, Kinds: []convening.AuditKind{convening.AuditAnswersChanged}, Limit: 10}); len(again) != 1 {
		t.Fatalf("an unchanged answer recorded %d changes", len(again))
	}
	// Staff, for the team, with a reason.
	if _, err := e.svc.StaffChangeAnswers(ctx, staff, reg.ID, convening.AnswersChange{Answers: convening.Answers{"notes": convening.TextAnswer("Late")}}, ""); convening.ErrorCode(err) != convening.EINVALID {
		t.Fatalf("staff without a reason: %v", err)
	}
	if r, err := e.svc.StaffChangeAnswers(ctx, staff, reg.ID, convening.AnswersChange{Answers: convening.Answers{"notes": convening.TextAnswer("Late")}}, "They phoned"); err != nil || r.Answers["notes"].Text != "Late" {
		t.Fatalf("staff change: %v", err)
	}
	// A cancelled registration's answers no longer change.
	if _, err := e.svc.Cancel(ctx, reg.ID, token); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, token, change)
	wantReason(t, "change after cancelling", err, convening.ReasonNotActive)
}

// testBadAnswersChangeNothing: each bad change is refused naming the
// answer at fault, and the registration is as it was.
func testBadAnswersChangeNothing(t *testing.T, e *env) {
	ctx := context.Background()
	e.eventWithQuestions(t, "inst", 20)
	reg, token, _, err := e.svc.Register(ctx, "inst", Answered(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.store.Registration(ctx, reg.ID)
	for _, c := range []struct {
		name   string
		change convening.AnswersChange
		field  string
		rule   convening.Rule
	}{
		{"unknown question", convening.AnswersChange{Answers: convening.Answers{"parking": convening.YesNo(true)}}, "answers.parking", convening.RuleUnknownField},
		{"not a choice", convening.AnswersChange{Answers: convening.Answers{"arrival": convening.TextAnswer("Never")}}, "answers.arrival", convening.RuleOneOf},
		{"required cleared", convening.AnswersChange{Answers: convening.Answers{"arrival": convening.Cleared()}}, "answers.arrival", convening.RuleRequired},
		{"wrong type", convening.AnswersChange{Members: []convening.MemberAnswers{{ID: reg.Members[0].ID, Answers: convening.Answers{"dinner": convening.ChoiceAnswers("Yes")}}}}, "members[0].answers.dinner", convening.RuleType},
		{"unknown member", convening.AnswersChange{Members: []convening.MemberAnswers{{ID: "nobody", Answers: convening.Answers{"dinner": convening.YesNo(true)}}}}, "members[0].id", convening.RuleOneOf},
		{"long text", convening.AnswersChange{Answers: convening.Answers{"notes": convening.TextAnswer(strings.Repeat("a", convening.MaxLongAnswerLen+1))}}, "answers.notes", convening.RuleMaxLength},
		{"control character", convening.AnswersChange{Answers: convening.Answers{"notes": convening.TextAnswer("a\x00b")}}, "answers.notes", convening.RuleText},
	} {
		_, err := e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, token, c.change)
		if got := fieldsOf(err); got[c.field] != c.rule || len(got) != 1 {
			t.Errorf("%s: %v (fields %v), want %s %s", c.name, err, got, c.field, c.rule)
		}
	}
	_, err = e.svc.RegistrationService.ChangeAnswers(ctx, reg.ID, token, convening.AnswersChange{})
	wantReason(t, "empty change", err, convening.ReasonEmptyChange)
	if after, _ := e.store.Registration(ctx, reg.ID); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused change changed the registration:\n%+v\n%+v", before, after)
	}
}

// testSensitiveAnswersExpire: two weeks after the event, answers about
// health go; the rest stay until the people are erased.
func testSensitiveAnswersExpire(t *testing.T, e *env) {
	ctx := context.Background()
	real := e.svc.Clock
	defer func() { e.svc.Clock = real }()
	for _, c := range []struct {
		id    string
		ended time.Duration
	}{{"long-ago", 20 * 24 * time.Hour}, {"recent", 5 * 24 * time.Hour}} {
		past := real().Add(-c.ended - 40*24*time.Hour)
		e.svc.Clock = func() time.Time { return past }
		ev := Event(c.id, 10, convening.PolicyStrict)
		ev.StartsAt = real().Add(-c.ended - 8*time.Hour).Truncate(time.Hour)
		ev.EndsAt = ev.StartsAt.Add(8 * time.Hour)
		ev.Questions = Questions()
		if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := e.svc.Register(ctx, c.id, Answered(1, 2), nil); err != nil {
			t.Fatal(err)
		}
	}
	e.svc.Clock = real
	n, err := e.svc.ExpireSensitiveAnswers(ctx)
	if err != nil || n != 1 {
		t.Fatalf("expired %d: %v", n, err)
	}
	for id, sensitive := range map[string]bool{"long-ago": false, "recent": true} {
		_, regs, _ := e.svc.AllRegistrations(ctx, id, convening.StatusRegistered)
		r := regs[0]
		if _, has := r.Members[0].Answers["dietary"]; has != sensitive || r.Members[0].Answers["dinner"].Value() != "Yes" || r.Answers["arrival"].Empty() {
			t.Errorf("%s: answers %+v %+v", id, r.Answers, r.Members[0].Answers)
		}
	}
	if n, _ := e.svc.ExpireSensitiveAnswers(ctx); n != 0 {
		t.Fatalf("expired %d again", n)
	}
	// Erasing the people takes every answer with them.
	_, regs, _ := e.svc.AllRegistrations(ctx, "recent", convening.StatusRegistered)
	erased := regs[0].Erased(real())
	if erased.Answers != nil || erased.Members[0].Answers != nil {
		t.Fatalf("erased registration keeps answers: %+v", erased)
	}
}
