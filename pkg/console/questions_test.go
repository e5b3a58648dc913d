package console_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

func TestQuestionsPage(t *testing.T) {
	fx := newFixture(t)
	fx.event("cv", 20, convening.PolicyStrict)
	c := fx.as(deploy.RoleStaff)
	c.get("/staff/events/cv/questions").has(t, "This event asks no questions yet", "Add “Dietary needs”", "Add “Hotel nights”")
	if r := fx.as(deploy.RoleReviewer).get("/staff/events/cv/questions"); r.status != 403 {
		t.Fatalf("a reviewer: %d", r.status)
	}
	// The buttons change the form, never the event.
	r := c.post("/staff/events/cv/questions", url.Values{"op": {"suggest-hotel-nights"}})
	r.has(t, "Question 1", "Night of")
	r.hasHTML(t, `value="Hotel nights"`)
	r = c.post("/staff/events/cv/questions", url.Values{"op": {"add"}, "q0.label": {"Hotel nights"}, "q0.id": {"hotel-nights"},
		"q0.type": {"several_choices"}, "q0.per": {"member"}, "q0.choices": {"Night of June 21\nNight of June 22"}})
	r.has(t, "Question 2")
	if e, _ := fx.svc.Event(context.Background(), "cv"); e.Questions != nil {
		t.Fatal("a button saved the questions")
	}
	// Bad input: each field named, nothing stored.
	bad := url.Values{"op": {"save"}, "q0.label": {""}, "q0.type": {"essay"}, "q0.choices": {"x"},
		"q1.label": {"Arrival"}, "q1.type": {"one_choice"}, "q1.choices": {"Day one\nday ONE"}, "q1.required": {"no", "yes"}}
	r = c.post("/staff/events/cv/questions", bad)
	if r.status != 400 {
		t.Fatalf("bad questions: %d", r.status)
	}
	r.has(t, "Question 1's label is required", "Choose question 1's type", "Question 2's choice 2 is given twice", "Reason is required")
	if e, _ := fx.svc.Event(context.Background(), "cv"); e.Questions != nil {
		t.Fatal("bad questions were stored")
	}
	good := url.Values{"op": {"save"}, "reason": {"The caterer asked"},
		"q0.label": {"Dietary needs"}, "q0.id": {"dietary"}, "q0.type": {"several_choices"}, "q0.per": {"member"}, "q0.choices": {"Vegan\r\nKosher\r\n"},
		"q0.sensitive": {"no", "yes"},
		"q1.label":     {"When does your team arrive?"}, "q1.type": {"one_choice"}, "q1.per": {"team"}, "q1.choices": {"Day before\nSame day"}, "q1.required": {"no", "yes"}}
	r = c.post("/staff/events/cv/questions", good)
	if r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "The questions of Test cv are saved (2).", "id when-does-your-team-arrive")
	e, _ := fx.svc.Event(context.Background(), "cv")
	want := []convening.Question{
		{ID: "dietary", Label: "Dietary needs", Type: convening.QuestionChoices, Per: convening.PerMember, Choices: []string{"Vegan", "Kosher"}, Sensitive: true},
		{ID: "when-does-your-team-arrive", Label: "When does your team arrive?", Type: convening.QuestionOneChoice, Per: convening.PerTeam,
			Required: true, Choices: []string{"Day before", "Same day"}},
	}
	if !reflect.DeepEqual(e.Questions, want) {
		t.Fatalf("questions stored:\n%+v", e.Questions)
	}
	// The event's page counts the answers; the team's page shows them.
	team := storetest.Team(1, 2)
	team.Answers = convening.Answers{"when-does-your-team-arrive": convening.TextAnswer("Same day")}
	team.Members[0].Answers = convening.Answers{"dietary": convening.ChoiceAnswers("Kosher")}
	reg, _, _, err := fx.svc.Register(context.Background(), "cv", team, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.get("/staff/events/cv").has(t, "Answers of the registered teams", "Dietary needs 1 of 2 answered", "Kosher 1", "Same day 1")
	c.get("/staff/registrations/"+reg.ID).has(t, "Answers", "When does your team arrive? Same day", "Dietary needs Kosher")
}

func TestAnnouncementsPage(t *testing.T) {
	fx := newFixture(t)
	fx.event("cv", 20, convening.PolicyStrict)
	fx.register("cv", 1, 2)
	fx.register("cv", 2, 3)
	c := fx.as(deploy.RoleStaff)
	c.get("/staff/events/cv/announcements").has(t, "Announcements", "Nothing yet.", "Registered teams")
	draft := url.Values{"audience": {"registered"}, "to": {"members"}, "subject": {"Parking"}, "text": {"Lot B.\n\nLunch at noon."}, "idem": {"console-key-000001"}}
	// Preview: the count and the email as sent, the team's link never shown.
	r := c.post("/staff/events/cv/announcements", withOp(draft, "preview"))
	r.has(t, "Sending now reaches 5 people of 2 teams", "Parking: Test cv", "Lot B.", "Send to 5 people",
		"Send a test to me (staff@lmi.example.org)")
	contacts := withOp(draft, "preview")
	contacts.Set("to", "contacts")
	if r := c.post("/staff/events/cv/announcements", contacts); !strings.Contains(r.body, "[the team&#39;s private link]") || strings.Contains(r.body, "token=") {
		t.Errorf("a contact's preview shows a link:\n%s", text(r.body))
	}
	// Bad input: named, nothing sent.
	bad := url.Values{"audience": {"cancelled"}, "to": {"everyone"}, "subject": {""}, "text": {""}, "op": {"send"}}
	r = c.post("/staff/events/cv/announcements", bad)
	if r.status != 400 {
		t.Fatalf("bad: %d", r.status)
	}
	r.has(t, "Choose send to", "Choose who of each team", "Subject is required", "The message is required", "Reason is required")
	// A test to oneself.
	r = c.post("/staff/events/cv/announcements", withOp(draft, "test"))
	r.has(t, "A test went to you at staff@lmi.example.org")
	if list, _ := fx.svc.Announcements(context.Background(), "cv"); len(list) != 0 {
		t.Fatal("a preview, a test or a bad send sent an announcement")
	}
	// Sent; pressed again (the same form): once.
	send := withOp(draft, "send")
	send.Set("reason", "Teams asked")
	r = c.post("/staff/events/cv/announcements", send)
	if r.status != 303 {
		t.Fatalf("send: %d\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "“Parking” is on its way to 5 people of 2 teams", "every member of registered teams", "Teams asked")
	if r := c.post("/staff/events/cv/announcements", send); r.status != 303 {
		t.Fatalf("the same form again: %d", r.status)
	}
	list, _ := fx.svc.Announcements(context.Background(), "cv")
	if len(list) != 1 || list[0].Recipients != 5 {
		t.Fatalf("sent %+v", list)
	}
	other := withOp(draft, "send")
	other.Set("reason", "Again")
	other.Set("idem", "console-key-000002")
	c.post("/staff/events/cv/announcements", other).has(t, "went out to the same lists within the last day")
}

func TestRemindersPage(t *testing.T) {
	fx := newFixture(t)
	fx.event("cv", 20, convening.PolicyStrict)
	c := fx.as(deploy.RoleStaff)
	c.get("/staff/events/cv/reminders").has(t, "No reminder yet.")
	r := c.post("/staff/events/cv/reminders", url.Values{"op": {"add"}})
	r.has(t, "Reminder 1", "New: saved with the others.")
	bad := url.Values{"op": {"save"}, "r0.amount": {"0"}, "r0.unit": {"days"}, "r0.subject": {""}, "r0.text": {""}, "r0.to": {"contacts"}}
	r = c.post("/staff/events/cv/reminders", bad)
	if r.status != 400 {
		t.Fatalf("bad: %d", r.status)
	}
	r.has(t, "Reminder 1: how long before must be a whole number from 1 to 8784", "Reminder 1's subject is required", "Reason is required")
	if e, _ := fx.svc.Event(context.Background(), "cv"); e.Reminders != nil {
		t.Fatal("bad reminders stored")
	}
	good := url.Values{"op": {"save"}, "reason": {"Logistics"}, "r0.amount": {"7"}, "r0.unit": {"days"}, "r0.subject": {"One week to go"},
		"r0.text": {"Parking in lot B."}, "r0.to": {"members"}, "r0.audience": {"registered", "waitlisted"},
		"r1.amount": {"2"}, "r1.unit": {"hours"}, "r1.subject": {"Soon"}, "r1.text": {"Doors open"}, "r1.to": {"contacts"}, "r1.audience": {"registered"}}
	r = c.post("/staff/events/cv/reminders", good)
	if r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "The reminders of Test cv are saved (2).", "Goes out")
	e, _ := fx.svc.Event(context.Background(), "cv")
	if len(e.Reminders) != 2 || e.Reminders[0].HoursBefore != 168 || e.Reminders[1].HoursBefore != 2 || e.Reminders[0].To != convening.ToMembers ||
		!reflect.DeepEqual(e.Reminders[0].Audience, []convening.Status{convening.StatusRegistered, convening.StatusWaitlisted}) {
		t.Fatalf("reminders stored: %+v", e.Reminders)
	}
}

func withOp(v url.Values, op string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string{}, vs...)
	}
	out.Set("op", op)
	return out
}
