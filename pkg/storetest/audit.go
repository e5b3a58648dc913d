package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// staff is the staff member the suite acts as.
var staff = convening.StaffActor("sub-ana", "ana@lmi.example.org")

// testAuditLog: every change writes exactly one audit record with it, by
// the right actor, readable per event (newest first, in pages, filtered)
// and per team.
func testAuditLog(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 6}, [2]int{2, 4})
	if _, err := e.svc.StaffCancel(ctx, staff, ids[1], "  Registered by mistake in the district's name.\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{Capacity: ptr(9)}, "More room at the venue"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cancel(ctx, ids[2], tokens[2]); err != nil {
		t.Fatal(err)
	}
	all, next, err := e.svc.Audit(ctx, convening.AuditQuery{EventID: "ev"})
	if err != nil || next != "" {
		t.Fatalf("audit: %v %q", err, next)
	}
	var kinds []string
	for _, r := range all {
		kinds = append(kinds, string(r.Kind)+"/"+string(r.Actor.Kind))
	}
	// Newest first: the team's own cancel, the capacity change, the
	// promotion of team 2, the staff cancel of team 1, the two
	// registrations, the event's creation.
	want := "cancelled/team event_changed/staff promoted/system cancelled/staff waitlisted/team registered/team event_created/staff"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("audit log\n got %s\nwant %s", got, want)
	}
	staffCancel := all[3]
	if staffCancel.Subject != ids[1] || staffCancel.Actor != staff || staffCancel.Reason != "Registered by mistake in the district's name." ||
		staffCancel.Before["status"] != "registered" || staffCancel.After["status"] != "cancelled" || staffCancel.Organization != "District 1 Unified" {
		t.Fatalf("staff cancel record %+v", staffCancel)
	}
	if c := all[1]; c.Before["capacity"] != "8" || c.After["capacity"] != "9" || c.Reason != "More room at the venue" || c.Subject != "" {
		t.Fatalf("event change record %+v", c)
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.After(all[i-1].At) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	// Pages of two cover the same records, once each.
	var paged []string
	q := convening.AuditQuery{EventID: "ev", Limit: 2}
	for {
		page, next, err := e.svc.Audit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			paged = append(paged, r.ID)
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	var ids7 []string
	for _, r := range all {
		ids7 = append(ids7, r.ID)
	}
	if !slices.Equal(paged, ids7) {
		t.Fatalf("pages %v, want %v", paged, ids7)
	}
	// Filters: one staff member, the system, some kinds; one team.
	for _, tt := range []struct {
		q    convening.AuditQuery
		want int
	}{
		{convening.AuditQuery{EventID: "ev", ActorID: staff.ID}, 3},
		{convening.AuditQuery{EventID: "ev", ActorID: "system"}, 1},
		{convening.AuditQuery{EventID: "ev", ActorID: "team"}, 3},
		{convening.AuditQuery{EventID: "ev", Kinds: []convening.AuditKind{convening.AuditCancelled, convening.AuditPromoted}}, 3},
		{convening.AuditQuery{Subject: ids[2]}, 3},
		{convening.AuditQuery{Subject: ids[2], Kinds: []convening.AuditKind{convening.AuditPromoted}}, 1},
	} {
		got, _, err := e.svc.Audit(ctx, tt.q)
		if err != nil || len(got) != tt.want {
			t.Errorf("%+v: %d records (%v), want %d", tt.q, len(got), err, tt.want)
		}
	}
	if _, _, err := e.svc.Audit(ctx, convening.AuditQuery{EventID: "ev", Cursor: "not a cursor"}); convening.ErrorCode(err) != convening.EINVALID &&
		err != nil {
		t.Errorf("bad cursor: %v", err)
	}
	// The team's emails, in order.
	notices, err := e.store.RegistrationNotices(ctx, ids[2])
	if err != nil {
		t.Fatal(err)
	}
	var sent []convening.NoticeKind
	for _, n := range notices {
		sent = append(sent, n.Kind)
	}
	if !slices.Equal(sent, []convening.NoticeKind{convening.NoticeWaitlisted, convening.NoticePromoted, convening.NoticeCancelled}) {
		t.Fatalf("team 2's notices %v", sent)
	}
	// A staff action needs a reason; an unknown registration is not found.
	if _, err := e.svc.StaffCancel(ctx, staff, ids[1], " \n"); convening.ErrorReason(err) != convening.ReasonInvalidFields {
		t.Errorf("no reason: %v", err)
	}
	if _, err := e.svc.StaffCancel(ctx, staff, "01NOSUCHREGISTRATION", "typo"); convening.ErrorCode(err) != convening.ENOTFOUND {
		t.Errorf("unknown registration: %v", err)
	}
}

// checkOneRecordPerChange checks, for every registration of an event, that
// each change of its status has exactly one notice and one audit record:
// the same kinds (registered or waitlisted, promoted, cancelled), as many of
// each. (Other records have other rules: a check-in emails nobody, a move
// emails the teams it passes.)
func (e *env) checkOneRecordPerChange(t testing.TB, eventID string) {
	t.Helper()
	ctx := context.Background()
	l := ReadLists(t, e.store, eventID)
	for _, list := range [][]convening.Registration{l.Registered, l.Waitlist, l.Cancelled} {
		for _, reg := range list {
			notices, err := e.store.RegistrationNotices(ctx, reg.ID)
			if err != nil {
				t.Fatal(err)
			}
			var records []convening.AuditRecord
			for q := (convening.AuditQuery{Subject: reg.ID}); ; {
				page, next, err := e.svc.Audit(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				records = append(records, page...)
				if next == "" {
					break
				}
				q.Cursor = next
			}
			status := func(kind string) bool {
				return slices.Contains([]string{"registered", "waitlisted", "promoted", "cancelled"}, kind)
			}
			var n, a []string
			for _, x := range notices {
				if status(string(x.Kind)) {
					n = append(n, string(x.Kind))
				}
			}
			for _, x := range records {
				if status(string(x.Kind)) {
					a = append(a, string(x.Kind))
				}
			}
			slices.Sort(n)
			slices.Sort(a)
			if !slices.Equal(n, a) {
				t.Errorf("%s: notices %v, audit records %v", reg.ID, n, a)
			}
		}
	}
}
