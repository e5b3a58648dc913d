package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Online events: their reminders with each registrant's join link, and
// their survey going to the members who attended.
var onlineTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"OnlineReminders", testOnlineReminders},
	{"OnlineRemindersWhenMadeOnline", testOnlineRemindersWhenMadeOnline},
	{"OnlineSurveyToAttended", testOnlineSurveyToAttended},
	{"IndividualOwesOneSeat", testIndividualOwesOneSeat},
}

// OnlineEvent creates an online event, id, that teams and individuals
// both register for, with reminders as given (nil: the defaults).
func (e *env) onlineEvent(t testing.TB, id string, reminders []convening.Reminder) convening.Event {
	t.Helper()
	return e.createWith(t, id, 50, func(ev *convening.Event) {
		ev.Kind, ev.Online, ev.Venue, ev.Registrants = convening.KindWebinar, true, "", convening.RegistrantsBoth
		ev.Reminders = reminders
	})
}

// ReminderRecipients maps each notice of a reminder to its recipient,
// registration id and member id ("" for the contact), and fails the test
// if any recipient has two.
func ReminderRecipients(t testing.TB, s Store, announcementID string) map[[2]string]convening.Notice {
	t.Helper()
	out := map[[2]string]convening.Notice{}
	for id, n := range AnnouncementNotices(t, s, announcementID) {
		k := [2]string{n.SubjectID, n.MemberID}
		if _, dup := out[k]; dup {
			t.Fatalf("recipient %v has two notices of %s", k, announcementID)
		}
		if n.Kind != convening.NoticeReminder || n.ID != id || n.ID != convening.AnnouncementNoticeID(announcementID, n.SubjectID, n.MemberID) {
			t.Fatalf("reminder notice %s: %+v", id, n)
		}
		out[k] = n
	}
	return out
}

// testOnlineReminders: an online event created without reminders has two,
// 24 hours and 1 hour before, to every registered member and individual;
// each goes out once, one notice per person (a team's contact who is no
// member gets none, a waitlisted person none); reminders staff set, even
// none, are kept.
func testOnlineReminders(t *testing.T, e *env) {
	ctx := context.Background()
	real := e.svc.Clock
	defer func() { e.svc.Clock = real }()
	ev := e.onlineEvent(t, "webinar", nil)
	if len(ev.Reminders) != 2 {
		t.Fatalf("default reminders %+v", ev.Reminders)
	}
	for i, hours := range []int{24, 1} {
		r := ev.Reminders[i]
		if r.HoursBefore != hours || r.To != convening.ToMembers || !slices.Equal(r.Audience, []convening.Status{convening.StatusRegistered}) ||
			r.ID == "" || r.CreatedAt.IsZero() || r.Subject == "" || r.Text == "" {
			t.Fatalf("default reminder %d: %+v", i, r)
		}
	}
	if ev.Reminders[0].ID == ev.Reminders[1].ID {
		t.Fatal("the two reminders share an id")
	}
	// Staff's own reminders, and an explicit none, are kept as set.
	own := e.onlineEvent(t, "webinar-own", []convening.Reminder{{HoursBefore: 2, Subject: "Soon", Text: "Two hours"}})
	none := e.onlineEvent(t, "webinar-none", []convening.Reminder{})
	inPerson := e.createEvent(t, "inst", 10, convening.PolicyStrict)
	if len(own.Reminders) != 1 || own.Reminders[0].HoursBefore != 2 || len(none.Reminders) != 0 || len(inPerson.Reminders) != 0 {
		t.Fatalf("reminders set by staff: %+v, %+v, in person %+v", own.Reminders, none.Reminders, inPerson.Reminders)
	}

	team, _, _, err := e.svc.Register(ctx, "webinar", Team(1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A team whose contact is also a member: one email to that person.
	withContact := Team(2, 2)
	withContact.Contact = convening.Contact{Name: withContact.Members[1].Name, Email: withContact.Members[1].Email}
	team2, _, _, err := e.svc.Register(ctx, "webinar", withContact, nil)
	if err != nil {
		t.Fatal(err)
	}
	person, _, _, err := e.svc.RegisterPerson(ctx, "webinar", PersonN(7, -1), nil)
	if err != nil {
		t.Fatal(err)
	}
	gone, gtok, _, err := e.svc.RegisterPerson(ctx, "webinar", PersonN(8, -1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(ctx, gone.ID, gtok); err != nil {
		t.Fatal(err)
	}

	at := func(d time.Duration) { e.svc.Clock = func() time.Time { return ev.StartsAt.Add(-d) } }
	sendDue := func(want int) {
		t.Helper()
		n, err := e.svc.SendDueReminders(ctx)
		if err != nil || n != want {
			t.Fatalf("sent %d (%v), want %d", n, err, want)
		}
	}
	at(25 * time.Hour)
	sendDue(0)
	want := map[[2]string]string{}
	for _, r := range []convening.Registration{team, team2, person} {
		for _, m := range r.Members {
			want[[2]string{r.ID, m.ID}] = m.Email
		}
	}
	for i, d := range []time.Duration{24*time.Hour - time.Minute, time.Hour - time.Minute} {
		at(d)
		sendDue(len(want)) // 3 + 2 members and the individual
		sendDue(0)         // once
		got := ReminderRecipients(t, e.store, convening.ReminderAnnouncementID(ev.Reminders[i].ID))
		if len(got) != len(want) {
			t.Fatalf("reminder %d reached %d, want %d", i, len(got), len(want))
		}
		for k, n := range got {
			if want[k] == "" || n.To.Email != want[k] || !n.Event.Online || n.Status != convening.StatusRegistered ||
				n.Announcement.HoursBefore != ev.Reminders[i].HoursBefore || n.Individual != (k[0] == person.ID) {
				t.Fatalf("reminder %d to %v: %+v", i, k, n)
			}
		}
	}
}

// testOnlineRemindersWhenMadeOnline: an in-person event without reminders
// made online gets the online reminders; one with reminders keeps them.
func testOnlineRemindersWhenMadeOnline(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "a", 10, convening.PolicyStrict)
	ev, err := e.svc.UpdateEvent(ctx, staff, "a", convening.EventChange{Online: ptr(true), Venue: ptr("")}, "")
	if err != nil || len(ev.Reminders) != 2 || ev.Reminders[0].HoursBefore != 24 || ev.Reminders[1].HoursBefore != 1 ||
		!convening.ValidEventID(ev.Reminders[0].ID) || ev.Reminders[0].CreatedAt.IsZero() {
		t.Fatalf("made online: %v %+v", err, ev.Reminders)
	}
	if err := ev.Validate(); err != nil {
		t.Fatalf("the event made online does not validate: %v", err)
	}
	e.createEvent(t, "b", 10, convening.PolicyStrict)
	rs := []convening.Reminder{{HoursBefore: 48, Subject: "Two days", Text: "Soon"}}
	if _, err := e.svc.UpdateEvent(ctx, staff, "b", convening.EventChange{Reminders: &rs}, "Logistics"); err != nil {
		t.Fatal(err)
	}
	ev, err = e.svc.UpdateEvent(ctx, staff, "b", convening.EventChange{Online: ptr(true)}, "")
	if err != nil || len(ev.Reminders) != 1 || ev.Reminders[0].HoursBefore != 48 {
		t.Fatalf("made online with reminders: %v %+v", err, ev.Reminders)
	}
}

// testOnlineSurveyToAttended: an online event's survey goes to the members
// who attended (the participant report's minutes at the threshold, or
// staff's override), whether on a team or on their own; not to one below
// the threshold or overridden to absent, not to one the report does not
// name, not to a team's contact who is no member, and not for a check-in.
func testOnlineSurveyToAttended(t *testing.T, e *env) {
	ctx := context.Background()
	e.svc.Clock = func() time.Time { return time.Now().UTC() }
	ev := e.createWith(t, "websv", 40, func(ev *convening.Event) {
		ev.Kind, ev.Online, ev.Venue, ev.Registrants = convening.KindWebinar, true, "", convening.RegistrantsBoth
		ev.StartsAt = time.Date(2030, 1, 20, 23, 30, 0, 0, time.UTC) // 3:30 PM Pacific
		ev.EndsAt = ev.StartsAt.Add(time.Hour)
	})
	team, _, _, err := e.svc.Register(ctx, "websv", Team(1, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	var people []convening.Registration
	for i := range 3 {
		p, _, _, err := e.svc.RegisterPerson(ctx, "websv", PersonN(i, -1), nil)
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	m := team.Members
	row := func(name, email, join, leave string) string {
		return name + "," + email + ",01/20/2030 " + join + ",01/20/2030 " + leave + ",0\n"
	}
	report := "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n" +
		row(m[0].Name, m[0].Email, "03:28 PM", "04:30 PM") + // the whole hour
		row(m[1].Name, m[1].Email, "03:30 PM", "03:40 PM") + // 10 minutes: below 75 %
		row(m[2].Name, m[2].Email, "03:30 PM", "04:30 PM") + // attended, then overridden to absent
		row(people[0].Members[0].Name, strings.ToUpper(people[0].Members[0].Email), "03:35 PM", "04:30 PM") + // 55 minutes
		row(people[1].Members[0].Name, people[1].Members[0].Email, "03:30 PM", "03:50 PM") // 20 minutes
	if _, err := e.svc.UploadReport(ctx, staff, "websv", strings.NewReader(report), false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Override(ctx, staff, "websv", team.ID, m[2].ID, false, "Left the camera on in an empty room"); err != nil {
		t.Fatal(err)
	}
	// The third individual is in no report: staff saw them join by phone.
	if _, err := e.svc.Override(ctx, staff, "websv", people[2].ID, people[2].Members[0].ID, true, "Joined by phone, host confirmed"); err != nil {
		t.Fatal(err)
	}
	// A check-in does not make an online attendee.
	if _, err := e.svc.CheckIn(ctx, staff, team.ID, m[3].ID, false); err != nil && convening.ErrorCode(err) != convening.ECONFLICT {
		t.Fatal(err)
	}
	if _, err := e.svc.SaveSurvey(ctx, staff, "websv", convening.DefaultSurvey()); err != nil {
		t.Fatal(err)
	}
	e.svc.Clock = func() time.Time { return ev.EndsAt.Add(24 * time.Hour) }
	closes := ev.EndsAt.Add(30 * 24 * time.Hour)
	rep, err := e.svc.SendSurvey(ctx, staff, "websv", &closes)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := e.store.SurveyInvitations(ctx, "websv", "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, inv := range invs {
		got[inv.Email] = true
	}
	want := map[string]bool{m[0].Email: true, people[0].Members[0].Email: true, people[2].Members[0].Email: true}
	if rep.Attendees != 3 || rep.NewlyInvited != 3 || len(invs) != 3 || len(got) != 3 {
		t.Fatalf("sent %+v, invitations %v", rep, got)
	}
	for email := range want {
		if !got[email] {
			t.Fatalf("invitations %v, want %v", got, want)
		}
	}
	v, err := e.svc.Attendance(ctx, "websv")
	if err != nil || v.Attended != 3 {
		t.Fatalf("the attendance page counts %d (%v), the survey invited 3", v.Attended, err)
	}
}

// testIndividualOwesOneSeat: an individual at a priced event owes one
// seat: one line on the invoice, in their name, at the price; cancelling
// credits it. One promoted from the waiting list is invoiced then.
func testIndividualOwesOneSeat(t *testing.T, e *env) {
	ctx := context.Background()
	e.createWith(t, "paidweb", 1, func(ev *convening.Event) {
		ev.Kind, ev.Online, ev.Venue, ev.Registrants = convening.KindWebinar, true, "", convening.RegistrantsIndividuals
	})
	if _, err := e.svc.Fees.SetFeePolicy(ctx, staff, "paidweb", fifty, "the webinar's price"); err != nil {
		t.Fatal(err)
	}
	invoiced := func(reg convening.Registration, token string, n int) convening.Invoice {
		t.Helper()
		b := BillTo(n)
		a, err := e.svc.Billing.SetBilling(ctx, reg.ID, token, convening.BillingInput{BillTo: &b})
		if err != nil {
			t.Fatal(err)
		}
		if a.Open == nil || a.Open.TotalCents != 5000 || len(a.Open.Lines) != 1 {
			t.Fatalf("the individual's account: %+v", a)
		}
		l := a.Open.Lines[0]
		if l.Name != reg.Members[0].Name || l.Role != reg.Members[0].Role || l.UnitCents != 5000 {
			t.Fatalf("the invoice's line %+v", l)
		}
		return *a.Open
	}
	first, token, _, err := e.svc.RegisterPerson(ctx, "paidweb", PersonN(1, 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	invoiced(first, token, 5)
	// The second waits, owing nothing yet; promoted when the first
	// cancels, they owe their seat.
	second, token2, _, err := e.svc.RegisterPerson(ctx, "paidweb", PersonN(2, 6), nil)
	if err != nil || second.Status != convening.StatusWaitlisted {
		t.Fatalf("second: %v %+v", err, second.Status)
	}
	if v := e.account(t, second.ID); v.Account.Open != nil || v.Account.BilledCents != 0 {
		t.Fatalf("a waitlisted individual is invoiced: %+v", v.Account)
	}
	if _, err := e.svc.Cancel(ctx, first.ID, token); err != nil {
		t.Fatal(err)
	}
	if v := e.account(t, first.ID); v.Account.Open != nil || v.Account.BilledCents != 0 || len(v.Documents) != 2 || v.Documents[1].Kind != convening.DocCreditNote {
		t.Fatalf("after cancelling: %+v", v.Account)
	}
	second, err = e.store.Registration(ctx, second.ID)
	if err != nil || second.Status != convening.StatusRegistered {
		t.Fatalf("not promoted: %v %s", err, second.Status)
	}
	invoiced(second, token2, 6)
}
