package storetest

import (
	"context"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// testAdmissionSettings: a statement event takes no registrations; an
// event's required roles hold for every registration, even right after
// staff change them.
func testAdmissionSettings(t *testing.T, e *env) {
	ctx := context.Background()
	stmt := Event("symposium", 40, convening.PolicyStrict)
	stmt.Admission = convening.AdmissionStatement
	created, err := e.svc.CreateEvent(ctx, staff, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if len(created.ReviewCriteria) != 4 || created.StatementsCloseAt == nil || created.RespondWithinHours != 168 {
		t.Fatalf("statement event defaults: %+v", created)
	}
	_, _, _, err = e.svc.Register(ctx, "symposium", Team(1, 4), nil)
	wantReason(t, "register for a statement event", err, convening.ReasonStatementRequired)

	open := Event("institute", 40, convening.PolicyStrict)
	open.RequiredRoles = convening.CoreRoles[:2]
	if _, err := e.svc.CreateEvent(ctx, staff, open); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.Register(ctx, "institute", Team(2, 4), nil); err != nil { // has all four core roles
		t.Fatal(err)
	}
	lacking := Team(3, 1) // a superintendent only
	_, _, _, err = e.svc.Register(ctx, "institute", lacking, nil)
	wantReason(t, "missing a required role", err, convening.ReasonInvalidFields)
	if de := convening.AsError(err); de == nil || de.Fields[0].Field != "members" || de.Fields[0].Rule != convening.RuleRequiredRoles {
		t.Fatalf("error %v", err)
	}
	// Staff add a role: the next team without it is refused at once.
	roles := convening.CoreRoles[:4]
	if _, err := e.svc.UpdateEvent(ctx, staff, "institute", convening.EventChange{RequiredRoles: &roles}, ""); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.svc.Register(ctx, "institute", Team(4, 3), nil)
	wantReason(t, "missing a role added since", err, convening.ReasonInvalidFields)
	if _, _, _, err := e.svc.Register(ctx, "institute", Team(5, 4), nil); err != nil {
		t.Fatalf("a team with every role: %v", err)
	}
	none := []convening.Role{}
	if _, err := e.svc.UpdateEvent(ctx, staff, "institute", convening.EventChange{RequiredRoles: &none}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.svc.Register(ctx, "institute", Team(6, 1), nil); err != nil {
		t.Fatalf("once no role is required: %v", err)
	}
	ev, _ := CheckEvent(t, e.store, "institute", true)
	if ev.RegisteredTeams != 3 {
		t.Fatalf("counts %+v", ev.Counts)
	}
	bad := Event("bad", 10, convening.PolicyStrict)
	bad.Admission, bad.WaitlistOffers = convening.AdmissionStatement, &convening.WaitlistOffers{RespondWithinHours: 48}
	_, err = e.svc.CreateEvent(ctx, staff, bad)
	wantReason(t, "offers on a statement event", err, convening.ReasonInvalidFields)
}
