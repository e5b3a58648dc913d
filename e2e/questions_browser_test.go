package e2e

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

// TestBrowserQuestionsAndAnnouncements walks the event's own questions and
// staff writing to the teams, as staff and a team use them: staff add
// questions from the suggestions and their own (a mistake first); a team
// answers them on the form (each member's in that member's row, a missing
// answer first) and changes an answer later on its own form; the event's
// page counts the answers, the members' download carries them; staff
// write an announcement, preview it with the count of recipients, test it
// on themselves and send it, and each recipient gets it exactly once in
// the local mail store; a reminder is set. Every page at 360 and 1280 px,
// axe-core finding no violation at all.
func TestBrowserQuestionsAndAnnouncements(t *testing.T) {
	b := startBrowserSystem(t)
	b.strict = true
	staff := b.users[deploy.RoleStaff]

	// Staff add the questions.
	b.do("open the questions", chromedp.Navigate(b.base+"/staff/events/central-valley/questions"), chromedp.WaitVisible(chromedp.ID("email")))
	b.signIn(staff.Email, staff.Password, "h1")
	b.has("This event asks no questions yet", "Add “Dietary needs”", "Add “Will you stay for the team dinner?”")
	b.checkStrict("questions-empty")
	b.clickThrough(`button[value="suggest-dietary"]`)
	b.clickThrough(`button[value="suggest-team-dinner"]`)
	b.clickThrough(`button[value="add"]`)
	b.do("word a question of their own",
		chromedp.SendKeys(chromedp.ID("q2-label"), "When does your team arrive?"),
		chromedp.SetValue(chromedp.ID("q2-type"), "one_choice"),
		chromedp.SendKeys(chromedp.ID("q2-choices"), "The evening before"), // one choice only: a mistake
		chromedp.Click(chromedp.ID("q2-required")))
	b.clickThrough(`form button[value="save"]:not([hidden])`)
	b.focused("error-summary")
	b.has("Question 3's choices: give from 2 to 40 choices, one per line", "Reason is required")
	if got := b.eval(`document.getElementById("q0-label").value + "|" + document.getElementById("q2-label").value`); got != "Dietary needs|When does your team arrive?" {
		t.Errorf("the questions typed were lost: %q", got)
	}
	b.checkStrict("questions-errors")
	b.do("fix the choices and give a reason",
		chromedp.SetValue(chromedp.ID("q2-choices"), "The evening before\nThe morning of the day"),
		chromedp.SendKeys(chromedp.ID("reason"), "The caterer and the venue need to know"))
	b.clickThrough(`form button[value="save"]:not([hidden])`)
	b.has("The questions of Central Valley Universal Convening are saved (3).")
	b.checkStrict("questions-saved")
	e, err := b.svc.Event(b.ctx, "central-valley")
	if err != nil || len(e.Questions) != 3 || e.Questions[2].ID != "when-does-your-team-arrive" || !e.Questions[2].Required {
		t.Fatalf("questions stored: %v %+v", err, e.Questions)
	}

	// A team answers them on the form, each member in their own row.
	b.do("open the event", chromedp.Navigate(b.base+"/events/central-valley"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.has("A few questions for your team", "When does your team arrive?", "Will you stay for the team dinner?")
	b.fillTeam(41, "Clovis Unified School District", 2)
	if got := b.eval(`document.querySelector('[name="m1.team-dinner"][value="yes"]').id`); got != "member-1-q-team-dinner" {
		t.Errorf("the added row's question is %q", got)
	}
	b.do("answer all but member 2's dinner",
		chromedp.Click(chromedp.ID("q-when-does-your-team-arrive")),
		chromedp.Click(chromedp.ID("member-0-q-team-dinner")),
		chromedp.Click(chromedp.ID("member-0-q-dietary-1")), // Vegan
		chromedp.Click(chromedp.ID("member-1-q-dietary")))   // Vegetarian
	b.submit("#error-summary")
	b.has("Member 2: “Will you stay for the team dinner?” needs an answer")
	if got := b.eval(`String(document.getElementById("member-0-q-dietary-1").checked) + document.getElementById("q-when-does-your-team-arrive").checked`); got != "truetrue" {
		t.Errorf("answers lost with the error: %s", got)
	}
	b.checkStrict("register-questions-errors")
	b.do("answer member 2's dinner", chromedp.Click(chromedp.ID("member-1-q-team-dinner-1"))) // No
	b.submit(".status-registered")
	b.checkStrict("register-questions-done")
	manage := b.eval(`document.querySelector(".private-link a").href`)
	_, regs, _ := b.svc.AllRegistrations(b.ctx, "central-valley", convening.StatusRegistered)
	var reg convening.Registration
	for _, r := range regs {
		if r.Organization.Name == "Clovis Unified School District" {
			reg = r
		}
	}
	if reg.Answers["when-does-your-team-arrive"].Text != "The evening before" || reg.Members[0].Answers["dietary"].Value() != "Vegan" ||
		reg.Members[1].Answers["team-dinner"].Value() != "No" || reg.Members[0].Answers["team-dinner"].Value() != "Yes" {
		t.Fatalf("answers stored: %+v %+v %+v", reg.Answers, reg.Members[0].Answers, reg.Members[1].Answers)
	}

	// The team changes an answer from its private link.
	b.do("open the manage page", chromedp.Navigate(manage), chromedp.WaitVisible(chromedp.ID("answers")))
	b.has("Your answers", "When does your team arrive? The evening before", "Person 2 of Clovis Unified School District")
	b.checkStrict("manage-answers")
	b.clickThrough(`a[href^="/manage/"][href*="/answers"]`)
	b.checkStrict("answers-form")
	b.do("member 2 stays for dinner after all", chromedp.Click(chromedp.ID("m-"+reg.Members[1].ID+"-q-team-dinner")))
	b.eval(`document.querySelectorAll('[name="q.when-does-your-team-arrive"]').forEach(e => e.checked = false); ""`) // and clears the team's arrival
	b.submitForm("form.answers-form")
	b.has("“When does your team arrive?” needs an answer")
	b.checkStrict("answers-form-errors")
	b.do("answer it again", chromedp.Click(chromedp.ID("q-when-does-your-team-arrive-1")))
	b.submitForm("form.answers-form")
	b.has("your answers are saved")
	b.checkStrict("answers-saved")
	after, _ := b.svc.StaffRegistration(b.ctx, reg.ID)
	if after.Members[1].Answers["team-dinner"].Value() != "Yes" || after.Answers["when-does-your-team-arrive"].Text != "The morning of the day" {
		t.Fatalf("changed answers: %+v %+v", after.Answers, after.Members[1].Answers)
	}

	// Staff see the answers: counted on the event's page, on the team's
	// page, and in the members' download.
	b.open("/staff/events/central-valley")
	b.has("Answers of the registered teams", "Will you stay for the team dinner?", "Vegan")
	if got := b.eval(`[...document.querySelectorAll("#answers ~ .tallies caption")].map(c => c.textContent).join("|")`); !strings.Contains(got, "2 of 2 answered") {
		t.Errorf("tallies: %s", got)
	}
	b.checkStrict("event-answers")
	members := b.download(`a[href$="/exports/members.csv"]`)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(members, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("members.csv: %v\n%s", err, members)
	}
	want := []string{"Dietary needs", "Will you stay for the team dinner?", "When does your team arrive?"}
	if got := rows[0][9:]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("members.csv header %q", rows[0])
	}
	if got := strings.Join(rows[2][9:], "|"); got != "Vegetarian|Yes|The morning of the day" {
		t.Errorf("member 2's row: %q", got)
	}
	b.open("/staff/registrations/" + reg.ID)
	b.has("Answers", "Dietary needs Vegan", "Answers changed")
	b.checkStrict("team-answers")

	// An announcement: preview, test, send; each member once.
	b.do("another team registers", chromedp.Navigate(b.base+"/events/central-valley"), chromedp.WaitVisible(chromedp.CSS("form.team-form")))
	b.fillTeam(42, "Sanger Unified School District", 3)
	b.do("answer",
		chromedp.Click(chromedp.ID("q-when-does-your-team-arrive")),
		chromedp.Click(chromedp.ID("member-0-q-team-dinner")), chromedp.Click(chromedp.ID("member-1-q-team-dinner")),
		chromedp.Click(chromedp.ID("member-2-q-team-dinner-1")))
	b.submit(".status-registered")
	b.open("/staff/events/central-valley/announcements")
	b.has("Nothing yet.")
	b.checkStrict("announce-empty")
	b.do("write it",
		chromedp.Click(chromedp.ID("to-members")),
		chromedp.SendKeys(chromedp.ID("subject"), "Parking and lunch"),
		chromedp.SendKeys(chromedp.ID("text"), "Park in the lot on Van Ness Ave.\n\nLunch is at noon."))
	b.clickThrough(`form button[value="preview"]:not([hidden])`)
	b.has("Sending now reaches 5 people of 2 teams", "Subject Parking and lunch: Central Valley Universal Convening",
		"Park in the lot on Van Ness Ave.", "Send to 5 people")
	b.checkStrict("announce-preview")
	b.clickThrough(`button[value="test"]`)
	b.has("A test went to you at " + staff.Email)
	b.checkStrict("announce-tested")
	test := b.sentTo(staff.Email, "[Test] Parking and lunch")
	if !strings.Contains(test.Text, "This is a test of an announcement") || strings.Contains(test.Text, "token=") {
		t.Errorf("test email:\n%s", test.Text)
	}
	b.clickThrough(`button[value="send"]`)
	b.focused("error-summary")
	b.has("Reason is required")
	b.checkStrict("announce-errors")
	b.do("give a reason", chromedp.SendKeys(chromedp.ID("reason"), "Teams asked where to park"))
	b.clickThrough(`form button[value="preview"]:not([hidden])`)
	b.clickThrough(`button[value="send"]`)
	b.has("“Parking and lunch” is on its way to 5 people of 2 teams", "every member of registered teams")
	b.checkStrict("announce-sent")
	var addrs []string
	for _, r := range []string{"41", "42"} {
		for m := range 3 {
			if r == "41" && m == 2 {
				continue
			}
			addrs = append(addrs, fmt.Sprintf("m%d@d%s.%s.example.org", m, r, b.run))
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		emails, err := localaws.SentEmails(b.ctx, b.sesURL)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, m := range emails {
			if strings.HasPrefix(m.Subject, "Parking and lunch") {
				if len(m.To) != 1 || len(m.CC)+len(m.BCC) != 0 {
					t.Fatalf("an announcement addressed to %v, cc %v, bcc %v", m.To, m.CC, m.BCC)
				}
				got[m.To[0]]++
			}
		}
		done := len(got) == len(addrs)
		for _, a := range addrs {
			if got[a] > 1 {
				t.Fatalf("%s got the announcement %d times", a, got[a])
			}
		}
		if done {
			if len(got) != len(addrs) {
				t.Fatalf("sent to %v, want %v", got, addrs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the announcement reached %v of %v", got, addrs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Another staff member sends the same announcement: nothing more goes
	// out.
	b.do("write it again",
		chromedp.Click(chromedp.ID("to-members")),
		chromedp.SendKeys(chromedp.ID("subject"), "Parking and lunch"),
		chromedp.SetValue(chromedp.ID("text"), "Park in the lot on Van Ness Ave.\n\nLunch is at noon."),
		chromedp.SendKeys(chromedp.ID("reason"), "Teams asked where to park"))
	b.clickThrough(`form button[value="preview"]:not([hidden])`)
	b.clickThrough(`button[value="send"]`)
	b.has("went out to the same lists within the last day")
	b.checkStrict("announce-duplicate")
	b.open("/staff/events/central-valley/announcements")
	b.has("5 sent")
	b.checkStrict("announce-delivered")
	b.open("/staff/registrations/" + reg.ID)
	b.has("Announcement received", "Parking and lunch", "2 members")

	// A reminder.
	b.open("/staff/events/central-valley/reminders")
	b.has("No reminder yet.")
	b.clickThrough(`button[value="add"]`)
	b.do("write it",
		chromedp.SendKeys(chromedp.ID("r0-subject"), "One week to go"),
		chromedp.SendKeys(chromedp.ID("r0-text"), "The agenda: https://lmi.example.org/agenda"),
		chromedp.SendKeys(chromedp.ID("reason"), "Logistics"))
	b.clickThrough(`form button[value="save"]:not([hidden])`)
	b.has("The reminders of Central Valley Universal Convening are saved (1).", "Goes out")
	b.checkStrict("reminders")
}
