package convening_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
)

// TestStatementReads: a member's link opens the statement (and only with
// that member's token); the statement's token opens the registration it
// became, once accepted.
func TestStatementReads(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memstore.New())
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	start := svc.Now().AddDate(0, 2, 0).Truncate(time.Hour)
	if _, err := svc.CreateEvent(ctx, staff, convening.Event{ID: "sym", Title: "Symposium", Kind: convening.KindSymposium,
		StartsAt: start, EndsAt: start.Add(8 * time.Hour), Venue: "San Diego", Capacity: 20, MaxTeamSize: 6,
		Admission: convening.AdmissionStatement}); err != nil {
		t.Fatal(err)
	}
	team := convening.Team{Organization: convening.Organization{Name: "Fresno Unified", Type: convening.OrgDistrict, County: "Fresno"},
		Contact: convening.Contact{Name: "Ana", Email: "ana@fresno.example.org"},
		Members: []convening.Member{{Name: "Ana", Email: "ana@fresno.example.org", Role: convening.RoleSuperintendent},
			{Name: "Ben", Email: "ben@fresno.example.org", Role: convening.RoleBoardMember}}}
	answer := strings.Repeat("We bargain together. ", 3)
	st, token, _, err := svc.SubmitStatement(ctx, "sym", team, answer, answer, nil)
	if err != nil {
		t.Fatal(err)
	}
	ana, ben := st.Members[0].ID, st.Members[1].ID

	tests := []struct {
		name          string
		member, token string
		found         bool
	}{
		{"OwnLink", ana, svc.MemberToken(st.ID, ana), true},
		{"AnotherMembersToken", ana, svc.MemberToken(st.ID, ben), false},
		{"TheContactsToken", ana, token, false},
		{"UnknownMember", "01NOSUCHMEMBER", svc.MemberToken(st.ID, "01NOSUCHMEMBER"), false},
		{"NoToken", ana, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.MemberStatement(ctx, st.ID, tt.member, tt.token)
			if tt.found != (err == nil) || !tt.found && convening.ErrorReason(err) != convening.ReasonStatementUnknown {
				t.Fatalf("found %v, error %v", err == nil, err)
			}
			if tt.found && got.ID != st.ID {
				t.Fatalf("statement %q", got.ID)
			}
		})
	}

	if _, _, err := svc.StatementRegistration(ctx, st.ID, token); convening.ErrorReason(err) != convening.ReasonRegistrationUnknown {
		t.Fatalf("before acceptance: %v", err)
	}
	if _, err := svc.Decide(ctx, staff, st.ID, convening.StaffDecision{Kind: convening.DecideInvite, Reason: "Strong", Override: true}); err != nil {
		t.Fatal(err)
	}
	reg, regToken, _, err := svc.AcceptInvitation(ctx, st.ID, token)
	if err != nil {
		t.Fatal(err)
	}
	got, gotToken, err := svc.StatementRegistration(ctx, st.ID, token)
	if err != nil || got.ID != reg.ID || gotToken != regToken {
		t.Fatalf("after acceptance: %q %v, want %q", got.ID, err, reg.ID)
	}
	if _, _, err := svc.StatementRegistration(ctx, st.ID, svc.MemberToken(st.ID, ana)); convening.ErrorReason(err) != convening.ReasonStatementUnknown {
		t.Fatalf("a member's token opened the registration: %v", err)
	}
}
