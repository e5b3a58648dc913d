package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Staff writing to the teams: announcements and reminders.

func draft(to convening.Recipients, lists ...convening.Status) convening.AnnouncementDraft {
	return convening.AnnouncementDraft{Audience: lists, To: to, Subject: "The hotel block closes Friday",
		Text: "Book your rooms by Friday.\n\nThe code is LMI2027.", Reason: "The hotel asked us to remind teams"}
}

// AnnouncementNotices returns the notices of an announcement by id, read
// from the store: every notice due within the year (none is sent here).
func AnnouncementNotices(t testing.TB, s Store, announcementID string) map[string]convening.Notice {
	t.Helper()
	ctx := context.Background()
	ids, err := s.DueNotices(ctx, time.Now().AddDate(1, 0, 0), 1000000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]convening.Notice{}
	for _, id := range ids {
		rec, err := s.NoticeRecord(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.AnnouncementID != announcementID {
			continue
		}
		n, err := s.Notice(ctx, id)
		if err != nil {
			t.Fatalf("notice %s: %v", id, err)
		}
		out[id] = n
	}
	return out
}

// SnapshotOf returns an announcement's recipients as its pages hold them:
// registration id -> member ids ("" for the contact).
func SnapshotOf(t testing.TB, s Store, a convening.Announcement) map[string][]string {
	t.Helper()
	pages, err := s.RecipientPages(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range pages {
		for _, team := range p.Teams {
			if _, dup := out[team.RegistrationID]; dup {
				t.Errorf("team %s twice in the snapshot", team.RegistrationID)
			}
			out[team.RegistrationID] = append([]string{}, team.Members...)
			if len(team.Members) == 0 {
				out[team.RegistrationID] = []string{""}
			}
		}
	}
	return out
}

// CheckAnnouncement checks that each recipient of the announcement's
// snapshot has exactly one notice, addressed to them, and that there is
// no other: the fan-out wrote each once.
func CheckAnnouncement(t testing.TB, s Store, a convening.Announcement) map[string][]string {
	t.Helper()
	snap := SnapshotOf(t, s, a)
	notices := AnnouncementNotices(t, s, a.ID)
	n := 0
	for reg, members := range snap {
		for _, m := range members {
			n++
			id := convening.AnnouncementNoticeID(a.ID, reg, m)
			got, ok := notices[id]
			if !ok {
				t.Errorf("recipient %s/%s has no notice", reg, m)
				continue
			}
			if got.SubjectID != reg || got.MemberID != m || got.Announcement == nil || got.Announcement.Subject != a.Subject {
				t.Errorf("notice %s: %+v", id, got)
			}
		}
	}
	if n != a.Recipients || len(notices) != n {
		t.Errorf("announcement for %d recipients: %d in its snapshot, %d notices", a.Recipients, n, len(notices))
	}
	return snap
}

func testAnnouncementToContacts(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "inst", 10, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "inst", [2]int{1, 4}, [2]int{2, 4}, [2]int{3, 4}, [2]int{4, 2}) // 3 and 4 wait
	if _, err := e.svc.Cancel(ctx, ids[4], tokens[4]); err != nil {
		t.Fatal(err)
	}
	before := e.notices(t)

	// Bad drafts are refused naming the field, and store nothing.
	for _, c := range []struct {
		d     convening.AnnouncementDraft
		field string
		rule  convening.Rule
	}{
		{convening.AnnouncementDraft{To: convening.ToContacts, Subject: "s", Text: "t", Reason: "r"}, "audience", convening.RuleMinItems},
		{draft(convening.ToContacts, convening.StatusCancelled), "audience[0]", convening.RuleOneOf},
		{draft(convening.ToContacts, convening.StatusRegistered, convening.StatusRegistered), "audience[1]", convening.RuleDuplicateOf},
		{draft("everyone", convening.StatusRegistered), "to", convening.RuleOneOf},
		{func() convening.AnnouncementDraft {
			d := draft(convening.ToContacts, convening.StatusRegistered)
			d.Subject = "a\nb"
			return d
		}(), "subject", convening.RuleSingleLine},
		{func() convening.AnnouncementDraft {
			d := draft(convening.ToContacts, convening.StatusRegistered)
			d.Text = " "
			return d
		}(), "text", convening.RuleRequired},
		{func() convening.AnnouncementDraft {
			d := draft(convening.ToContacts, convening.StatusRegistered)
			d.Reason = ""
			return d
		}(), "reason", convening.RuleRequired},
	} {
		_, _, err := e.svc.SendAnnouncement(ctx, staff, "inst", c.d, "")
		if got := fieldsOf(err); got[c.field] != c.rule || len(got) != 1 {
			t.Errorf("%+v: %v (fields %v), want %s %s", c.d, err, got, c.field, c.rule)
		}
	}
	_, _, err := e.svc.SendAnnouncement(ctx, staff, "inst", draft(convening.ToContacts, convening.StatusOffered), "")
	wantReason(t, "nobody offered", err, convening.ReasonNoRecipients)
	_, _, err = e.svc.SendAnnouncement(ctx, staff, "nowhere", draft(convening.ToContacts, convening.StatusRegistered), "")
	wantReason(t, "no event", err, convening.ReasonEventNotFound)
	if list, _ := e.svc.Announcements(ctx, "inst"); len(list) != 0 || !reflect.DeepEqual(e.notices(t), before) {
		t.Fatalf("refused announcements stored %d, or notices", len(list))
	}

	// The preview counts whom it reaches now, and shows a recipient's email.
	p, err := e.svc.PreviewAnnouncement(ctx, "inst", draft(convening.ToContacts, convening.StatusRegistered))
	if err != nil || p.Teams != 2 || p.Recipients != 2 || p.Sample == nil || p.Notice.To.Email == "" || p.Notice.Announcement.Subject != "The hotel block closes Friday" {
		t.Fatalf("preview %v %+v", err, p)
	}

	a, replayed, err := e.svc.SendAnnouncement(ctx, staff, "inst", draft(convening.ToContacts, convening.StatusRegistered), "")
	if err != nil || replayed || a.Teams != 2 || a.Recipients != 2 {
		t.Fatalf("send: %v %v %+v", err, replayed, a)
	}
	snap := CheckAnnouncement(t, e.store, a)
	if !reflect.DeepEqual(snap, map[string][]string{ids[1]: {""}, ids[2]: {""}}) {
		t.Fatalf("snapshot %v", snap)
	}
	for _, n := range AnnouncementNotices(t, e.store, a.ID) {
		reg, _ := e.store.Registration(ctx, n.SubjectID)
		if n.Kind != convening.NoticeAnnouncement || n.To != reg.Contact || n.Announcement.Text != a.Text || n.Announcement.Member {
			t.Errorf("contact's notice %+v", n)
		}
	}
	// The audit log: who sent what to whom, in the event's log and each
	// team's history.
	log, _, _ := e.svc.Audit(ctx, convening.AuditQuery{EventID: "inst", Kinds: []convening.AuditKind{convening.AuditAnnouncementSent}, Limit: 10})
	if len(log) != 1 || log[0].Actor != staff || log[0].Reason != "The hotel asked us to remind teams" || log[0].After["recipients"] != "2" ||
		log[0].After["subject"] != a.Subject || log[0].After["audience"] != "registered" {
		t.Fatalf("event's record %+v", log)
	}
	for _, id := range []string{ids[1], ids[2]} {
		h, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: id, Kinds: []convening.AuditKind{convening.AuditAnnouncementReceived}, Limit: 10})
		if len(h) != 1 || h[0].Actor != staff || h[0].After["to"] != "the contact" || h[0].After["subject"] != a.Subject {
			t.Fatalf("team's record %+v", h)
		}
		emails, _ := e.svc.RegistrationNotices(ctx, id)
		if !slices.ContainsFunc(emails, func(r convening.NoticeRecord) bool { return r.AnnouncementID == a.ID }) {
			t.Fatalf("the team's emails lack the announcement: %+v", emails)
		}
	}
	// Listed with its delivery: written, then sent as the mailer records.
	list, err := e.svc.Announcements(ctx, "inst")
	if err != nil || len(list) != 1 || list[0].ID != a.ID || *list[0].Delivery != (convening.Delivery{Written: 2, Pending: 2}) {
		t.Fatalf("list %v %+v", err, list)
	}
	one := convening.AnnouncementNoticeID(a.ID, ids[1], "")
	if _, err := e.store.ClaimNotice(ctx, one, time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkNoticeSent(ctx, one, "msg-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Announcement(ctx, "inst", a.ID); *got.Delivery != (convening.Delivery{Written: 2, Pending: 1, Sent: 1}) {
		t.Fatalf("delivery %+v", got.Delivery)
	}
	// Another announcement to the waiting list and the registered.
	b, _, err := e.svc.SendAnnouncement(ctx, staff, "inst", convening.AnnouncementDraft{Audience: []convening.Status{convening.StatusWaitlisted, convening.StatusRegistered},
		To: convening.ToContacts, Subject: "Agenda", Text: "The agenda is online.", Reason: "Everyone should see it"}, "")
	if err != nil || b.Recipients != 3 {
		t.Fatalf("second: %v %+v", err, b)
	}
	CheckAnnouncement(t, e.store, b)
}

func testAnnouncementToMembers(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "inst", 20, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "inst", [2]int{1, 3}, [2]int{2, 5})
	a, _, err := e.svc.SendAnnouncement(ctx, staff, "inst", draft(convening.ToMembers, convening.StatusRegistered), "")
	if err != nil || a.Recipients != 8 || a.Teams != 2 {
		t.Fatalf("send: %v %+v", err, a)
	}
	CheckAnnouncement(t, e.store, a)
	for _, n := range AnnouncementNotices(t, e.store, a.ID) {
		reg, _ := e.store.Registration(ctx, n.SubjectID)
		i := slices.IndexFunc(reg.Members, func(m convening.Member) bool { return m.ID == n.MemberID })
		if i < 0 || n.To.Email != reg.Members[i].Email || n.To.Name != reg.Members[i].Name || !n.Announcement.Member {
			t.Errorf("member's notice %+v", n)
		}
	}
	h, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[2], Kinds: []convening.AuditKind{convening.AuditAnnouncementReceived}, Limit: 10})
	if len(h) != 1 || h[0].After["to"] != "5 members" {
		t.Fatalf("team's record %+v", h)
	}
	// A member who leaves the team before the email goes out has no
	// address: the notice says so, and is not sent elsewhere.
	reg, _ := e.store.Registration(ctx, ids[1])
	gone := reg.Members[2].ID
	if _, err := e.svc.ChangeMembers(ctx, staff, ids[1], reg.Members[:2], "Left the district"); err != nil {
		t.Fatal(err)
	}
	n, err := e.store.Notice(ctx, convening.AnnouncementNoticeID(a.ID, ids[1], gone))
	if err != nil || n.To != (convening.Contact{}) {
		t.Fatalf("notice of a member who left: %v %+v", err, n.To)
	}
}

// testAnnouncementOnce: a retried request, two staff pressing send, and
// the same key with another announcement.
func testAnnouncementOnce(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "inst", 40, convening.PolicyStrict)
	e.registerAll(t, "inst", [2]int{1, 3}, [2]int{2, 3}, [2]int{3, 3})
	d := draft(convening.ToMembers, convening.StatusRegistered)
	a, replayed, err := e.svc.SendAnnouncement(ctx, staff, "inst", d, "key-1")
	if err != nil || replayed {
		t.Fatal(err)
	}
	again, replayed, err := e.svc.SendAnnouncement(ctx, staff, "inst", d, "key-1")
	if err != nil || !replayed || again.ID != a.ID || again.Recipients != 9 {
		t.Fatalf("retry: %v %v %+v", err, replayed, again)
	}
	other := d
	other.Text = "Something else"
	_, _, err = e.svc.SendAnnouncement(ctx, staff, "inst", other, "key-1")
	wantReason(t, "the key with another announcement", err, convening.ReasonIdempotencyKeyReused)
	_, _, err = e.svc.SendAnnouncement(ctx, staff, "inst", d, "key-2")
	wantReason(t, "the same announcement again", err, convening.ReasonAnnouncementDuplicate)
	CheckAnnouncement(t, e.store, a)

	// Ten staff press send on the same new announcement at once.
	d.Subject = "Parking"
	var wg sync.WaitGroup
	var sent atomic.Int32
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			_, _, err := e.svc.SendAnnouncement(ctx, convening.StaffActor(fmt.Sprint("sub-", i), "s@lmi.example.org"), "inst", d, fmt.Sprint("press-", i))
			errs[i] = err
			if err == nil {
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && convening.ErrorReason(err) != convening.ReasonAnnouncementDuplicate {
			t.Errorf("press: %v", err)
		}
	}
	list, _ := e.svc.Announcements(ctx, "inst")
	if sent.Load() != 1 || len(list) != 2 {
		t.Fatalf("%d sends went out, %d listed", sent.Load(), len(list))
	}
	CheckAnnouncement(t, e.store, list[0])
}

// testAnnouncementPagesResume: a snapshot larger than a transaction,
// written by several writers at once (a request and sweeps), and a chunk
// whose page moved: every recipient gets exactly one notice.
func testAnnouncementPagesResume(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "big", 400, convening.PolicyStrict)
	var teams [][2]int
	for i := range 40 {
		teams = append(teams, [2]int{i + 1, 8})
	}
	e.registerAll(t, "big", teams...)
	regs, err := e.store.ActiveRegistrations(ctx, "big")
	if err != nil || len(regs) != 40 {
		t.Fatalf("active registrations: %v %d", err, len(regs))
	}
	a := convening.Announcement{ID: "ann-big", EventID: "big", AnnouncementDraft: draft(convening.ToMembers, convening.StatusRegistered),
		SentBy: staff, SentAt: time.Now().UTC().Truncate(time.Millisecond)}
	w, err := convening.DecideAnnouncement(a, regs, "audit-big")
	if err != nil || w.Announcement.Recipients != 320 {
		t.Fatalf("decide: %v %+v", err, w.Announcement)
	}
	if _, _, err := e.store.CreateAnnouncement(ctx, w); err != nil {
		t.Fatal(err)
	}
	pending, err := e.store.PendingPages(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].Total() != 320 || pending[0].Written != 0 {
		t.Fatalf("pending %v %+v", err, pending)
	}
	// One chunk, then a stale copy of it is refused.
	c, _ := convening.NextChunk(w.Announcement, pending[0])
	c.At = time.Now()
	if ok, err := e.store.WriteChunk(ctx, c); !ok || err != nil {
		t.Fatalf("first chunk: %v %v", ok, err)
	}
	if ok, err := e.store.WriteChunk(ctx, c); ok || err != nil {
		t.Fatalf("stale chunk: %v %v", ok, err)
	}
	if got := len(AnnouncementNotices(t, e.store, a.ID)); got != c.Through || got < 80 {
		t.Fatalf("%d notices after one chunk through %d", got, c.Through)
	}
	// Three sweeps at once finish it.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := e.svc.SweepAnnouncements(ctx); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
	}
	wg.Wait()
	CheckAnnouncement(t, e.store, w.Announcement)
	if pending, _ := e.store.PendingPages(ctx, 10); len(pending) != 0 {
		t.Fatalf("still pending %+v", pending)
	}
	// Each team's history has the announcement once.
	for _, r := range regs[:3] {
		h, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: r.ID, Kinds: []convening.AuditKind{convening.AuditAnnouncementReceived}, Limit: 10})
		if len(h) != 1 {
			t.Fatalf("team %s has %d records", r.ID, len(h))
		}
	}
}

func testAnnouncementTestSend(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "inst", 10, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "inst", [2]int{1, 2})
	before := e.notices(t)
	_, err := e.svc.TestAnnouncement(ctx, staff, "inst", draft(convening.ToMembers, convening.StatusRegistered), convening.Contact{})
	wantReason(t, "test without an address", err, convening.ReasonNoStaffEmail)
	if !reflect.DeepEqual(e.notices(t), before) {
		t.Fatal("a refused test wrote a notice")
	}
	d := draft(convening.ToMembers, convening.StatusRegistered)
	d.Reason = "" // a test needs none
	tst, err := e.svc.TestAnnouncement(ctx, staff, "inst", d, convening.Contact{Name: "Ana", Email: "ana@lmi.example.org"})
	if err != nil || tst.Sample == nil || tst.Sample.RegistrationID != ids[1] {
		t.Fatalf("test: %v %+v", err, tst)
	}
	notices := AnnouncementNotices(t, e.store, tst.ID)
	if len(notices) != 1 {
		t.Fatalf("%d test notices", len(notices))
	}
	reg, _ := e.store.Registration(ctx, ids[1])
	for _, n := range notices {
		if n.Kind != convening.NoticeAnnouncementTest || n.To.Email != "ana@lmi.example.org" || !n.Announcement.Test ||
			n.Announcement.Greeting != reg.Members[0].Name || n.Organization != reg.Organization {
			t.Fatalf("test notice %+v", n)
		}
	}
	if list, _ := e.svc.Announcements(ctx, "inst"); len(list) != 0 {
		t.Fatal("a test is listed as sent")
	}
}

// testReminders: an event's reminders go out at their times, once each,
// to whoever is in their lists then; one added after its time never does.
func testReminders(t *testing.T, e *env) {
	ctx := context.Background()
	real := e.svc.Clock
	defer func() { e.svc.Clock = real }()
	ev := e.createEvent(t, "inst", 20, convening.PolicyStrict)
	ids, _ := e.registerAll(t, "inst", [2]int{1, 2}, [2]int{2, 3})
	rs := []convening.Reminder{
		{HoursBefore: 7 * 24, Subject: "One week to go", Text: "Parking is in lot B."},
		{HoursBefore: 24, To: convening.ToMembers, Subject: "Tomorrow", Text: "The agenda: https://lmi.example.org/agenda"},
	}
	ev, err := e.svc.UpdateEvent(ctx, staff, "inst", convening.EventChange{Reminders: &rs}, "Logistics")
	if err != nil || len(ev.Reminders) != 2 || ev.Reminders[0].ID == "" || ev.Reminders[0].To != convening.ToContacts ||
		!slices.Equal(ev.Reminders[0].Audience, []convening.Status{convening.StatusRegistered}) || ev.Reminders[0].CreatedAt.IsZero() {
		t.Fatalf("reminders: %v %+v", err, ev.Reminders)
	}
	at := func(d time.Duration) { e.svc.Clock = func() time.Time { return ev.StartsAt.Add(-d) } }
	sendDue := func(want int) {
		t.Helper()
		n, err := e.svc.SendDueReminders(ctx)
		if err != nil || n != want {
			t.Fatalf("sent %d (%v), want %d", n, err, want)
		}
	}
	at(8 * 24 * time.Hour)
	sendDue(0)
	at(7*24*time.Hour - time.Minute)
	sendDue(2) // the two contacts
	sendDue(0) // once
	week, err := e.svc.Announcement(ctx, "inst", convening.ReminderAnnouncementID(ev.Reminders[0].ID))
	if err != nil || week.SentBy != convening.SystemActor || week.ReminderID != ev.Reminders[0].ID {
		t.Fatalf("the week's reminder %v %+v", err, week)
	}
	for _, n := range AnnouncementNotices(t, e.store, week.ID) {
		if n.Kind != convening.NoticeReminder || n.Announcement.HoursBefore != 7*24 || !n.Announcement.Reminder {
			t.Fatalf("reminder notice %+v", n)
		}
	}
	CheckAnnouncement(t, e.store, week)
	// Staff change the reminder afterwards: it is not sent again.
	rs = ev.Reminders
	rs[0].Text = "Parking moved to lot C."
	e.svc.Clock = real
	if _, err := e.svc.UpdateEvent(ctx, staff, "inst", convening.EventChange{Reminders: &rs}, "Lot C"); err != nil {
		t.Fatal(err)
	}
	at(2 * 24 * time.Hour)
	sendDue(0)
	// A three-day reminder added now, after its time, is missed.
	rs = append(rs, convening.Reminder{HoursBefore: 3 * 24, Subject: "Late", Text: "Too late"})
	ev, err = e.svc.UpdateEvent(ctx, staff, "inst", convening.EventChange{Reminders: &rs}, "One more")
	if err != nil || !ev.Reminders[2].Missed(ev) || ev.Reminders[0].Missed(ev) {
		t.Fatalf("late reminder: %v %+v", err, ev.Reminders)
	}
	at(24*time.Hour - time.Minute)
	sendDue(5) // the day before, to each member
	at(time.Minute)
	sendDue(0)
	e.svc.Clock = func() time.Time { return ev.StartsAt.Add(time.Hour) }
	sendDue(0) // the event has started
	list, _ := e.svc.Announcements(ctx, "inst")
	if len(list) != 2 {
		t.Fatalf("%d reminders sent", len(list))
	}
	h, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: ids[2], Kinds: []convening.AuditKind{convening.AuditAnnouncementReceived}, Limit: 10})
	if len(h) != 2 || h[0].Actor != convening.SystemActor {
		t.Fatalf("team's history %+v", h)
	}
	// Bad reminders are refused naming the field.
	bad := []convening.Reminder{{HoursBefore: 0, Subject: "x", Text: "y"}}
	_, err = e.svc.UpdateEvent(ctx, staff, "inst", convening.EventChange{Reminders: &bad}, "bad")
	if got := fieldsOf(err); got["reminders[0].hoursBefore"] != convening.RuleRange || len(got) != 1 {
		t.Fatalf("bad reminder: %v", err)
	}
}

// testRaceAnnouncementAndRegistrations: an announcement sent while teams
// register and cancel reaches each team that was in its lists for the
// whole send, never one that came after it or had left before it, and
// every recipient of its snapshot exactly once.
func testRaceAnnouncementAndRegistrations(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "race", 60, convening.PolicyStrict)
	var started, finished atomic.Bool
	type fate struct {
		id                                  string
		registeredBefore, registeredAfter   bool // Register returned before the send began; was called after it ended
		cancelledBefore, cancelStartedAfter bool
		cancelled                           bool
	}
	fates := make([]fate, 40)
	var wg sync.WaitGroup
	var registered atomic.Int32
	for i := range fates {
		wg.Go(func() {
			f := &fates[i]
			f.registeredAfter = finished.Load()
			r, tok, _, err := e.svc.Register(ctx, "race", Team(i+1, 1+i%3), nil)
			if err != nil {
				t.Errorf("register %d: %v", i, err)
				return
			}
			f.id, f.registeredBefore = r.ID, !started.Load()
			registered.Add(1)
			if i%3 == 0 {
				f.cancelStartedAfter = finished.Load()
				if _, err := e.svc.Cancel(ctx, r.ID, tok); err != nil {
					t.Errorf("cancel %d: %v", i, err)
					return
				}
				f.cancelled, f.cancelledBefore = true, !started.Load()
			}
		})
		if i == 20 {
			for registered.Load() < 5 { // some teams in, others on their way
				time.Sleep(time.Millisecond)
			}
			started.Store(true)
			a, _, err := e.svc.SendAnnouncement(ctx, staff, "race", draft(convening.ToContacts, convening.StatusRegistered, convening.StatusWaitlisted), "")
			finished.Store(true)
			wg.Wait()
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			snap := CheckAnnouncement(t, e.store, a)
			for j, f := range fates[:i+1] {
				_, in := snap[f.id]
				switch {
				case f.id == "":
				case f.registeredBefore && (!f.cancelled || f.cancelStartedAfter) && !in:
					t.Errorf("team %d, in the lists for the whole send, missed it", j)
				case (f.registeredAfter || f.cancelledBefore) && in:
					t.Errorf("team %d, out of the lists for the whole send, got it", j)
				}
			}
		}
	}
	wg.Wait()
	CheckEvent(t, e.store, "race", true)
}
