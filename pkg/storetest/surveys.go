package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// surveyed is an event that is over, with checked-in people and its sent
// survey: its invitations (each person's link) by person.
type surveyed struct {
	eventID string
	regs    map[int]string
	invites []convening.SurveyInvitation
	// sentAt is the services' clock when it was sent.
	sentAt time.Time
}

// sendSurvey registers two teams (4 and 3 members) for an event a month
// ahead, checks in three of the first and two of the second, saves the
// default survey, and sends it the day after the event (the services'
// clock moves there), open for 14 days.
func (e *env) sendSurvey(t testing.TB, id string) surveyed {
	t.Helper()
	ctx := context.Background()
	e.svc.Clock = func() time.Time { return time.Now().UTC() }
	e.createEvent(t, id, 20, convening.PolicyStrict)
	ids, _ := e.registerAll(t, id, [2]int{1, 4}, [2]int{2, 3})
	for n, count := range map[int]int{1: 3, 2: 2} {
		reg, err := e.store.Registration(ctx, ids[n])
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reg.Members[:count] {
			if _, err := e.svc.CheckIn(ctx, staff, ids[n], m.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.svc.SaveSurvey(ctx, staff, id, convening.DefaultSurvey()); err != nil {
		t.Fatalf("save the default survey: %v", err)
	}
	// Before the event is over, it cannot be sent.
	closes := time.Now().UTC().Add(45 * 24 * time.Hour).Truncate(time.Second)
	_, err := e.svc.SendSurvey(ctx, staff, id, &closes)
	wantReason(t, "send before the event", err, convening.ReasonEventNotOver)
	now := e.at(t, 31*24*time.Hour)
	rep, err := e.svc.SendSurvey(ctx, staff, id, &closes)
	if err != nil {
		t.Fatalf("send survey: %v", err)
	}
	if rep.NewlyInvited != 5 || rep.Attendees != 5 || rep.Survey.Invited != 5 || rep.Survey.SentAt == nil {
		t.Fatalf("send: %+v, want 5 invited", rep)
	}
	invs, err := e.store.SurveyInvitations(ctx, id, "")
	if err != nil || len(invs) != 5 {
		t.Fatalf("invitations: %v %d", err, len(invs))
	}
	return surveyed{eventID: id, regs: ids, invites: invs, sentAt: now}
}

func (e *env) answer(s surveyed, i int, answers map[string]convening.SurveyAnswer) (convening.PersonalSurvey, error) {
	inv := s.invites[i]
	return e.svc.AnswerSurvey(context.Background(), s.eventID, inv.PersonID, e.svc.SurveyToken(s.eventID, inv.PersonID), answers)
}

func rated(useful, recommend int) map[string]convening.SurveyAnswer {
	return map[string]convening.SurveyAnswer{"useful": {Rating: useful}, "recommend": {Rating: recommend}}
}

// testSurveyLifecycle: a survey saved, changed, sent to the people checked
// in (each emailed a personal link), answered once per person, sent again
// to a late check-in only, closed; its report from what was stored.
func testSurveyLifecycle(t *testing.T, e *env) {
	ctx := context.Background()
	_, _, err := e.svc.EventSurvey(ctx, "nope")
	wantReason(t, "no event", err, convening.ReasonEventNotFound)
	s := e.sendSurvey(t, "sv")

	// Each person got one invitation email, addressed to them, with the
	// closing date.
	notices := e.notices(t)
	for _, inv := range s.invites {
		if countKind(notices, inv.PersonID, convening.NoticeSurveyInvitation) != 1 {
			t.Errorf("%s: notices %v", inv.PersonID, notices[inv.PersonID])
		}
		if inv.Email == "" || inv.Role == "" || inv.OrganizationType != convening.OrgDistrict || inv.NextReminderAt == nil {
			t.Errorf("invitation %+v", inv)
		}
	}
	id := firstOfKind(t, e, s.invites[0].PersonID, convening.NoticeSurveyInvitation)
	n, err := e.store.Notice(ctx, id)
	if err != nil || n.To.Email != s.invites[0].Email || n.RespondBy == nil || n.SubjectKind != convening.SubjectSurvey || n.Event.ID != "sv" {
		t.Fatalf("notice: %v %+v", err, n)
	}

	// Sent: the questions are fixed.
	_, err = e.svc.SaveSurvey(ctx, staff, "sv", convening.DefaultSurvey())
	wantReason(t, "save a sent survey", err, convening.ReasonSurveySent)

	// A person answers; the response names no one, a record says they did.
	p, err := e.answer(s, 0, map[string]convening.SurveyAnswer{"useful": {Rating: 5}, "recommend": {Rating: 4},
		"interest": {Choices: []string{"webinars", "regional-convenings"}}, "comments": {Text: "  Very useful.  "}})
	if err != nil || p.Invitation.AnsweredAt == nil || p.State(e.svc.Now()) != "answered" {
		t.Fatalf("answer: %v %+v", err, p.Invitation)
	}
	responses, err := e.store.SurveyResponses(ctx, "sv")
	if err != nil || len(responses) != 1 {
		t.Fatalf("responses %v %v", err, responses)
	}
	r := responses[0]
	if len(r.ID) != 32 || r.Role != s.invites[0].Role || r.OrganizationType != convening.OrgDistrict ||
		r.Answers["comments"].Text != "Very useful." || !slices.Equal(r.Answers["interest"].Choices, []string{"regional-convenings", "webinars"}) {
		t.Errorf("response %+v", r)
	}
	// A second answer from the same link is refused; nothing changes.
	_, err = e.answer(s, 0, rated(1, 1))
	if !errors.Is(err, convening.ErrSurveyAnswered) {
		t.Errorf("second answer: %v", err)
	}
	e.answer(s, 1, rated(4, 2))
	_, sv, err := e.svc.EventSurvey(ctx, "sv")
	if err != nil || sv.Invited != 5 || sv.Answered != 2 || sv.ResponseRate().String() != "40%" {
		t.Fatalf("survey %v %+v", err, sv)
	}

	// A late check-in: sending again invites that person only.
	reg, _ := e.store.Registration(ctx, s.regs[2])
	if _, err := e.svc.CheckIn(ctx, staff, s.regs[2], reg.Members[2].ID, false); err != nil {
		t.Fatal(err)
	}
	rep, err := e.svc.SendSurvey(ctx, staff, "sv", nil)
	if err != nil || rep.NewlyInvited != 1 || rep.Survey.Invited != 6 || rep.Attendees != 6 {
		t.Fatalf("send again: %v %+v", err, rep)
	}
	rep, err = e.svc.SendSurvey(ctx, staff, "sv", nil)
	if err != nil || rep.NewlyInvited != 0 || rep.Survey.Invited != 6 {
		t.Fatalf("send a third time: %v %+v", err, rep)
	}

	// Comments: staff mark one for publication; an unknown one is 404.
	_, _, report, err := e.svc.SurveyReport(ctx, "sv")
	if err != nil {
		t.Fatal(err)
	}
	comments := report.Items[3].Comments
	if len(comments) != 1 || comments[0].Published {
		t.Fatalf("comments %+v", comments)
	}
	if err := e.svc.PublishComment(ctx, staff, "sv", comments[0].ID, true); err != nil {
		t.Fatal(err)
	}
	err = e.svc.PublishComment(ctx, staff, "sv", convening.CommentID(r.ID, "useful"), true)
	wantReason(t, "a rating is no comment", err, convening.ReasonCommentUnknown)
	err = e.svc.PublishComment(ctx, staff, "sv", convening.CommentID("0123456789abcdef0123456789abcdef", "comments"), true)
	wantReason(t, "no such response", err, convening.ReasonCommentUnknown)
	_, _, report, _ = e.svc.SurveyReport(ctx, "sv")
	if !report.Items[3].Comments[0].Published || report.Answered != 2 || report.Items[0].N != 2 || report.Items[0].Agree.String() != "100%" {
		t.Errorf("report %+v", report)
	}
	if err := e.svc.PublishComment(ctx, staff, "sv", comments[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, report, _ = e.svc.SurveyReport(ctx, "sv"); report.Items[3].Comments[0].Published {
		t.Error("unpublished comment still published")
	}

	// Closed: no more answers, no more sending without a later date.
	if _, err := e.svc.CloseSurvey(ctx, staff, "sv", nil); err != nil {
		t.Fatal(err)
	}
	e.at(t, 31*24*time.Hour+time.Minute)
	_, err = e.answer(s, 2, rated(5, 5))
	wantReason(t, "answer a closed survey", err, convening.ReasonSurveyClosed)
	_, err = e.svc.SendSurvey(ctx, staff, "sv", nil)
	wantReason(t, "send a closed survey", err, convening.ReasonSurveyClosed)
	later := e.svc.Now().Add(7 * 24 * time.Hour)
	if sv, err = e.svc.CloseSurvey(ctx, staff, "sv", &later); err != nil || sv.State(e.svc.Now()) != convening.SurveyOpen {
		t.Fatalf("reopen: %v %+v", err, sv)
	}
	if _, err := e.answer(s, 2, rated(5, 5)); err != nil {
		t.Fatalf("answer after reopening: %v", err)
	}
	tooLate := e.svc.Now().Add(90 * 24 * time.Hour)
	_, err = e.svc.CloseSurvey(ctx, staff, "sv", &tooLate)
	wantSurveyField(t, "too late a closing date", err, "closesAt", convening.RuleMaxDays)

	// Every change of the survey by staff left an audit record.
	records, _, err := e.svc.Audit(ctx, convening.AuditQuery{EventID: "sv", Kinds: []convening.AuditKind{
		convening.AuditSurveySaved, convening.AuditSurveySent, convening.AuditSurveyClosingChanged, convening.AuditSurveyComment}})
	if err != nil || len(records) != 8 {
		t.Errorf("audit: %v %d records, want 8 (saved, sent ×3, published ×2, closed, reopened)", err, len(records))
	}
}

func wantSurveyField(t testing.TB, what string, err error, field string, rule convening.Rule) {
	t.Helper()
	e := convening.AsError(err)
	if e == nil || e.Code != convening.EINVALID || !slices.ContainsFunc(e.Fields, func(f convening.FieldError) bool { return f.Field == field && f.Rule == rule }) {
		t.Errorf("%s: %v, want %s %s", what, err, field, rule)
	}
}

// testSurveyBadAnswers: answers outside 1-5, for an item that does not
// exist, of the wrong form, missing a required item, or by a wrong link,
// are refused naming the field, and change nothing stored.
func testSurveyBadAnswers(t *testing.T, e *env) {
	ctx := context.Background()
	s := e.sendSurvey(t, "bad")
	inv := s.invites[0]
	tests := []struct {
		name    string
		answers map[string]convening.SurveyAnswer
		field   string
		rule    convening.Rule
	}{
		{"rating 6", rated(6, 4), "answers.useful.rating", convening.RuleRange},
		{"rating 0 of a required item", rated(0, 4), "answers.useful", convening.RuleRequired},
		{"rating -1", rated(-1, 4), "answers.useful.rating", convening.RuleRange},
		{"unknown item", map[string]convening.SurveyAnswer{"useful": {Rating: 4}, "recommend": {Rating: 4}, "venue": {Rating: 3}}, "answers.venue", convening.RuleUnknownField},
		{"unknown choice", map[string]convening.SurveyAnswer{"useful": {Rating: 4}, "recommend": {Rating: 4}, "interest": {Choices: []string{"golf"}}}, "answers.interest.choices[0]", convening.RuleOneOf},
		{"a rating's text", map[string]convening.SurveyAnswer{"useful": {Rating: 4, Text: "x"}, "recommend": {Rating: 4}}, "answers.useful.text", convening.RuleUnknownField},
		{"a choice rated", map[string]convening.SurveyAnswer{"useful": {Rating: 4}, "recommend": {Rating: 4}, "interest": {Rating: 2}}, "answers.interest.rating", convening.RuleUnknownField},
		{"control characters", map[string]convening.SurveyAnswer{"useful": {Rating: 4}, "recommend": {Rating: 4}, "comments": {Text: "a\x00b"}}, "answers.comments.text", convening.RuleText},
	}
	for _, tt := range tests {
		_, err := e.answer(s, 0, tt.answers)
		wantSurveyField(t, tt.name, err, tt.field, tt.rule)
	}
	_, err := e.svc.AnswerSurvey(ctx, "bad", inv.PersonID, "not-the-token", rated(4, 4))
	wantReason(t, "wrong token", err, convening.ReasonSurveyUnknown)
	_, err = e.svc.AnswerSurvey(ctx, "bad", "someone.else", e.svc.SurveyToken("bad", "someone.else"), rated(4, 4))
	wantReason(t, "not invited", err, convening.ReasonSurveyUnknown)
	// A manage token is no survey token.
	_, err = e.svc.AnswerSurvey(ctx, "bad", inv.PersonID, e.svc.Tokens.Token("bad:"+inv.PersonID), rated(4, 4))
	wantReason(t, "manage token", err, convening.ReasonSurveyUnknown)

	_, sv, _ := e.svc.EventSurvey(ctx, "bad")
	responses, _ := e.store.SurveyResponses(ctx, "bad")
	got, _ := e.store.SurveyInvitation(ctx, "bad", inv.PersonID)
	if sv.Answered != 0 || len(responses) != 0 || got.AnsweredAt != nil {
		t.Fatalf("bad answers changed the store: answered %d, %d responses, %+v", sv.Answered, len(responses), got)
	}
	// Then a good one counts.
	if _, err := e.answer(s, 0, rated(4, 4)); err != nil {
		t.Fatal(err)
	}

	// A definition that is not valid is refused naming the field, and the
	// draft stays as it was.
	e.svc.Clock = func() time.Time { return time.Now().UTC() }
	e.createEvent(t, "draft", 10, convening.PolicyStrict)
	if _, err := e.svc.SaveSurvey(ctx, staff, "draft", convening.DefaultSurvey()); err != nil {
		t.Fatal(err)
	}
	bad := convening.DefaultSurvey()
	bad.Items[2].Choices = bad.Items[2].Choices[:1]
	bad.Items[1].ID = "useful"
	_, err = e.svc.SaveSurvey(ctx, staff, "draft", bad)
	wantSurveyField(t, "one choice", err, "items[2].choices", convening.RuleMinItems)
	wantSurveyField(t, "duplicate id", err, "items[1].id", convening.RuleDuplicateOf)
	if _, sv, _ := e.svc.EventSurvey(ctx, "draft"); len(sv.Items[2].Choices) != 5 || sv.Items[1].ID != "recommend" {
		t.Errorf("the draft changed: %+v", sv.Items)
	}
}

// testRaceSurveyAnswers: the same link answers ten times at once (a double
// click, a retried request): one answer counts, the others are refused.
func testRaceSurveyAnswers(t *testing.T, e *env) {
	ctx := context.Background()
	s := e.sendSurvey(t, "race")
	errs := make([]error, 10)
	race(10, func(i int) { _, errs[i] = e.answer(s, 0, rated(1+i%5, 5)) })
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, convening.ErrSurveyAnswered):
		default:
			t.Errorf("racing answer: %v", err)
		}
	}
	_, sv, _ := e.svc.EventSurvey(ctx, "race")
	responses, _ := e.store.SurveyResponses(ctx, "race")
	if ok != 1 || sv.Answered != 1 || len(responses) != 1 {
		t.Fatalf("%d answers counted, survey says %d, %d responses: want 1 each", ok, sv.Answered, len(responses))
	}
	// Two people at once both count.
	race(2, func(i int) { errs[i] = nil; _, errs[i] = e.answer(s, 1+i, rated(5, 5)) })
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("two people: %v %v", errs[0], errs[1])
	}
	if _, sv, _ = e.svc.EventSurvey(ctx, "race"); sv.Answered != 3 {
		t.Fatalf("answered %d, want 3", sv.Answered)
	}
}

// testSurveyReminders: those who have not answered are reminded 3 and 7
// days after the invitation, once each; not after answering, nor after
// the survey closed.
func testSurveyReminders(t *testing.T, e *env) {
	s := e.sendSurvey(t, "rem")
	sweep := func(at time.Duration) int {
		t.Helper()
		now := s.sentAt.Add(at)
		e.svc.Clock = func() time.Time { return now }
		n, err := e.svc.SweepSurveyReminders(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sweep(2 * 24 * time.Hour); n != 0 {
		t.Fatalf("day 2: %d reminders", n)
	}
	e.svc.Clock = func() time.Time { return s.sentAt.Add(time.Hour) }
	if _, err := e.answer(s, 0, rated(5, 5)); err != nil {
		t.Fatal(err)
	}
	if n := sweep(3*24*time.Hour + time.Minute); n != 4 {
		t.Fatalf("day 3: acted on %d, want the 4 who have not answered", n)
	}
	if n := sweep(3*24*time.Hour + 2*time.Minute); n != 0 {
		t.Fatalf("day 3 again: %d", n)
	}
	e.svc.Clock = func() time.Time { return s.sentAt.Add(4 * 24 * time.Hour) }
	if _, err := e.answer(s, 1, rated(5, 5)); err != nil {
		t.Fatal(err)
	}
	if n := sweep(7*24*time.Hour + time.Minute); n != 3 {
		t.Fatalf("day 7: %d, want 3", n)
	}
	if n := sweep(20 * 24 * time.Hour); n != 0 {
		t.Fatalf("day 20: %d, want none (two reminders each)", n)
	}
	notices := e.notices(t)
	for i, inv := range s.invites {
		want := map[int]int{0: 0, 1: 1}[i]
		if i > 1 {
			want = 2
		}
		if got := countKind(notices, inv.PersonID, convening.NoticeSurveyReminder); got != want {
			t.Errorf("person %d: %d reminders, want %d", i, got, want)
		}
	}

	// A survey that closes before the next reminder drops it.
	s2 := e.sendSurvey(t, "rem2")
	e.svc.Clock = func() time.Time { return s2.sentAt.Add(time.Hour) }
	if _, err := e.svc.CloseSurvey(context.Background(), staff, "rem2", nil); err != nil {
		t.Fatal(err)
	}
	s = s2
	if n := sweep(3*24*time.Hour + time.Minute); n != 5 {
		t.Fatalf("closed survey: acted on %d, want 5 dropped", n)
	}
	notices = e.notices(t)
	for _, inv := range s2.invites {
		if countKind(notices, inv.PersonID, convening.NoticeSurveyReminder) != 0 {
			t.Errorf("%s reminded after the survey closed", inv.PersonID)
		}
	}
	if n := sweep(8 * 24 * time.Hour); n != 0 {
		t.Fatalf("closed survey, day 8: %d", n)
	}
}

// testSurveyPrivacy: erasing an organization erases its people's survey
// invitations (names, addresses, reminders), and their links open
// nothing; the anonymous responses stay, with the counts.
func testSurveyPrivacy(t *testing.T, e *env) {
	ctx := context.Background()
	s := e.sendSurvey(t, "priv")
	if _, err := e.answer(s, 0, rated(5, 5)); err != nil {
		t.Fatal(err)
	}
	org := Team(1, 1).Organization
	data, err := e.svc.ExportOrganization(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.SurveyInvitations) != 3 || data.SurveyInvitations[0].Email == "" {
		t.Fatalf("export: %d invitations %+v", len(data.SurveyInvitations), data.SurveyInvitations)
	}
	answered := 0
	for _, inv := range data.SurveyInvitations {
		if inv.AnsweredAt != nil {
			answered++
		}
	}
	if answered != 1 {
		t.Errorf("export: %d answered, want 1", answered)
	}
	if _, err := e.svc.EraseOrganization(ctx, staff, org, "The district asked"); err != nil {
		t.Fatal(err)
	}
	invs, _ := e.store.SurveyInvitations(ctx, "priv", s.regs[1])
	for _, inv := range invs {
		if inv.Email != "" || inv.Name != "" || inv.ErasedAt == nil || inv.NextReminderAt != nil {
			t.Errorf("not erased: %+v", inv)
		}
		_, err := e.svc.PersonalSurvey(ctx, "priv", inv.PersonID, e.svc.SurveyToken("priv", inv.PersonID))
		wantReason(t, "an erased person's link", err, convening.ReasonSurveyUnknown)
	}
	others, _ := e.store.SurveyInvitations(ctx, "priv", s.regs[2])
	if len(others) != 2 || others[0].Email == "" {
		t.Errorf("the other organization's people were erased: %+v", others)
	}
	responses, _ := e.store.SurveyResponses(ctx, "priv")
	if _, sv, _ := e.svc.EventSurvey(ctx, "priv"); len(responses) != 1 || sv.Answered != 1 || sv.Invited != 5 {
		t.Errorf("erasure changed the results: %d responses, %+v", len(responses), sv)
	}
	// The retention pass erases the rest once the event is long over.
	e.at(t, 31*24*time.Hour+convening.RetainAfterEvent)
	if _, err := e.svc.ExpirePersonalData(ctx); err != nil {
		t.Fatal(err)
	}
	if others, _ = e.store.SurveyInvitations(ctx, "priv", ""); others[3].Email != "" || others[4].ErasedAt == nil {
		t.Errorf("retention left survey invitations: %+v", others)
	}
}
