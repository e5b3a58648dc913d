package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// testPrivacy: an organization's data can be exported and its people
// erased at its request; every event's people are erased on schedule, and
// nothing else is.
func testPrivacy(t *testing.T, e *env) {
	ctx := context.Background()
	real := e.svc.Clock
	defer func() { e.svc.Clock = real }()
	// An event that ended 100 days ago, registered for at the time.
	past := real().Add(-130 * 24 * time.Hour)
	e.svc.Clock = func() time.Time { return past }
	ev := Event("past", 10, convening.PolicyStrict)
	ev.StartsAt, ev.EndsAt = past.Add(30*24*time.Hour).Truncate(time.Hour), past.Add(30*24*time.Hour+8*time.Hour).Truncate(time.Hour)
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	pastIDs, _ := e.registerAll(t, "past", [2]int{1, 3}, [2]int{2, 2})
	e.svc.Clock = real
	e.createEvent(t, "now", 10, convening.PolicyStrict)
	nowIDs, nowTokens := e.registerAll(t, "now", [2]int{1, 2}, [2]int{3, 2})

	org := Team(1, 1).Organization
	data, err := e.svc.ExportOrganization(ctx, convening.Organization{Name: "  district 1 UNIFIED ", County: org.County + " county"})
	if err != nil || len(data.Registrations) != 2 || data.Registrations[0].Registration.ID != pastIDs[1] ||
		len(data.Registrations[0].Notices) != 1 || len(data.Registrations[1].History) != 1 || data.Registrations[1].Registration.Contact.Email == "" {
		t.Fatalf("export: %v %+v", err, data)
	}
	_, err = e.svc.EraseOrganization(ctx, staff, org, "The district asked us to")
	wantReason(t, "erase with a registration for a coming event", err, convening.ReasonOrganizationActive)
	if _, err := e.svc.Cancel(ctx, nowIDs[1], nowTokens[1]); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.EraseOrganization(ctx, staff, org, "The district asked us to")
	if err != nil || n != 2 {
		t.Fatalf("erase: %d %v", n, err)
	}
	for _, id := range []string{pastIDs[1], nowIDs[1]} {
		r, _ := e.store.Registration(ctx, id)
		if r.ErasedAt == nil || r.Contact.Email != "" || r.Contact.Name != "" || r.Members[0].Name != "" || r.Members[0].Email != "" ||
			r.Members[0].Role == "" || r.Members[0].ID == "" || r.Organization.Name == "" {
			t.Fatalf("erased registration %+v", r)
		}
	}
	if n, _ := e.svc.EraseOrganization(ctx, staff, org, "again"); n != 0 {
		t.Fatalf("erased %d again", n)
	}
	recs, _, _ := e.svc.Audit(ctx, convening.AuditQuery{Subject: pastIDs[1], Kinds: []convening.AuditKind{convening.AuditPersonalErased}})
	if len(recs) != 1 || recs[0].Actor != staff || recs[0].Reason != "The district asked us to" {
		t.Fatalf("audit %+v", recs)
	}
	// On schedule: the past event's other team, once; the coming event's
	// teams never before their time.
	n, err = e.svc.ExpirePersonalData(ctx)
	if err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if n, _ := e.svc.ExpirePersonalData(ctx); n != 0 {
		t.Fatalf("expired %d again", n)
	}
	if r, _ := e.store.Registration(ctx, pastIDs[2]); r.ErasedAt == nil || r.Contact.Email != "" {
		t.Fatalf("past team 2 %+v", r)
	}
	if r, _ := e.store.Registration(ctx, nowIDs[3]); r.ErasedAt != nil || r.Contact.Email == "" {
		t.Fatalf("a coming event's team was erased: %+v", r)
	}
	if ev, _ := e.store.Event(ctx, "past"); ev.PersonalDataErasedAt == nil {
		t.Fatal("the past event is not marked erased")
	}
	CheckEvent(t, e.store, "past", false)
	_, err = e.svc.ExportOrganization(ctx, convening.Organization{Name: "Nowhere Unified", County: "Fresno"})
	wantReason(t, "unknown organization", err, convening.ReasonOrganizationUnknown)
	_, err = e.svc.ExportOrganization(ctx, convening.Organization{Name: "X", County: "Atlantis"})
	wantReason(t, "unknown county", err, convening.ReasonInvalidFields)
}
