package convening_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

func newService(t *testing.T, store storetest.Store) *storetest.Services {
	t.Helper()
	tokens, err := convening.NewManageTokens([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return storetest.NewServices(store, tokens, nil)
}

func TestServiceCreateEventDefaults(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memstore.New())
	now := time.Date(2027, 1, 5, 17, 0, 0, 0, time.UTC)
	svc.Clock = func() time.Time { return now }
	start := time.Date(2027, 6, 22, 9, 0, 0, 0, convening.Pacific)
	e, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), convening.Event{Title: "Summer Institute 2027", Kind: convening.KindInstitute,
		StartsAt: start, EndsAt: start.Add(8 * time.Hour), Venue: "San Diego", Capacity: 200, MaxTeamSize: 8,
		Counts: convening.Counts{SeatsTaken: 99}})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "summer-institute-2027" || e.WaitlistPolicy != convening.PolicyStrict || !e.RegistrationOpensAt.Equal(now) ||
		!e.RegistrationClosesAt.Equal(start) || e.StartsAt.Location() != time.UTC || e.SeatsTaken != 0 {
		t.Fatalf("defaults: %+v", e)
	}
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), convening.Event{Title: "x"}); convening.ErrorReason(err) != convening.ReasonInvalidFields {
		t.Fatalf("invalid event: %v", err)
	}
}

func TestServiceManageTokens(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	svc := newService(t, store)
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 10, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	a, tokA, _, err := svc.Register(ctx, "ev", storetest.Team(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, tokB, _, _ := svc.Register(ctx, "ev", storetest.Team(2, 2), nil)
	if got, err := svc.Registration(ctx, a.ID, tokA); err != nil || got.ID != a.ID {
		t.Fatalf("own token: %v", err)
	}
	for _, tt := range []struct{ name, id, token string }{
		{"OtherTeamsToken", a.ID, tokB}, {"NoToken", a.ID, ""}, {"Garbage", a.ID, "!!"},
		{"UnknownID", "01NOTANID", tokA}, {"LongID", strings.Repeat("A", 65), tokA},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Registration(ctx, tt.id, tt.token); !errors.Is(err, convening.ErrRegistrationNotFound) {
				t.Errorf("read: %v", err)
			}
			if _, err := svc.Cancel(ctx, tt.id, tt.token); !errors.Is(err, convening.ErrRegistrationNotFound) {
				t.Errorf("cancel: %v", err)
			}
		})
	}
	if r, _ := store.Registration(ctx, b.ID); r.Status != convening.StatusRegistered {
		t.Fatalf("a wrong token changed a registration: %s", r.Status)
	}
}

// TestServiceKeepsMemberRecordsFromInput: a member's id, check-in and
// confirmation are the system's; a body may carry them (a member sent back
// as the API answered it), but neither registering nor a staff change of
// members takes them from it.
func TestServiceKeepsMemberRecordsFromInput(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memstore.New())
	staff := convening.StaffActor("staff-1", "staff@lmi.example.org")
	if _, err := svc.CreateEvent(ctx, staff, storetest.Event("ev", 10, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	claimed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	claim := func(m convening.Member) convening.Member {
		m.ID, m.CheckedInAt, m.ConfirmedAt = "mine", &claimed, &claimed
		return m
	}
	team := storetest.Team(1, 2)
	team.Members[0] = claim(team.Members[0])
	reg, _, _, err := svc.Register(ctx, "ev", team, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, members []convening.Member) {
		t.Helper()
		for i, m := range members {
			if m.ID == "mine" || m.ID == "" || m.CheckedInAt != nil || m.ConfirmedAt != nil {
				t.Errorf("member %d: %+v", i, m)
			}
		}
	}
	t.Run("Register", func(t *testing.T) { check(t, reg.Members) })
	t.Run("ChangeMembers", func(t *testing.T) {
		kept := reg.Members[1]
		kept.CheckedInAt, kept.ConfirmedAt = &claimed, &claimed
		added := claim(convening.Member{Name: "New Member", Email: "new@d1.example.org", Role: convening.RoleOther})
		got, err := svc.ChangeMembers(ctx, staff, reg.ID, []convening.Member{kept, added}, "A substitute")
		if err != nil {
			t.Fatal(err)
		}
		check(t, got.Members)
		if got.Members[0].ID != kept.ID {
			t.Errorf("the kept member's id changed: %+v", got.Members[0])
		}
	})
}

// noNotices is a store whose registrations' notices have all expired.
type noNotices struct{ *memstore.Store }

func (noNotices) RegistrationNotices(context.Context, string) ([]convening.NoticeRecord, error) {
	return nil, nil
}

// TestServiceExportListsAreNeverNull: an organization's file lists a
// registration's notices as [] when there are none left (sent notices
// expire), as the team's page does, not as null.
func TestServiceExportListsAreNeverNull(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, noNotices{memstore.New()})
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 10, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	team := storetest.Team(1, 2)
	if _, _, _, err := svc.Register(ctx, "ev", team, nil); err != nil {
		t.Fatal(err)
	}
	data, err := svc.ExportOrganization(ctx, team.Organization)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"notices":[]`) {
		t.Fatalf("export: %s", b)
	}
}

// TestTeamServicesNeedTheirTokens: a function that serves teams but was
// wired without the manage-token secret fails at start, not at its first
// request.
func TestTeamServicesNeedTheirTokens(t *testing.T) {
	b, store := convening.NewBasics(nil), memstore.New()
	for name, build := range map[string]func(){
		"registrations": func() { convening.NewRegistrationService(b, store, nil) },
		"statements":    func() { convening.NewStatementService(b, store, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("built without manage tokens")
				}
			}()
			build()
		})
	}
}

func TestServicePromotesAfterFreeingSeats(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memstore.New())
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 6, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	first, tok, _, _ := svc.Register(ctx, "ev", storetest.Team(1, 4), nil)
	second, tok2, _, _ := svc.Register(ctx, "ev", storetest.Team(2, 4), nil)
	third, tok3, _, _ := svc.Register(ctx, "ev", storetest.Team(3, 3), nil)
	if second.Status != convening.StatusWaitlisted || third.Status != convening.StatusWaitlisted {
		t.Fatalf("setup: %s %s", second.Status, third.Status)
	}
	if _, err := svc.Cancel(ctx, first.ID, tok); err != nil {
		t.Fatal(err)
	}
	if r, _ := svc.Registration(ctx, second.ID, tok2); r.Status != convening.StatusRegistered {
		t.Fatalf("cancel did not promote: %s", r.Status)
	}
	seven := 7
	e, err := svc.UpdateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), "ev", convening.EventChange{Capacity: &seven}, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.SeatsTaken != 7 || e.WaitlistLength != 0 {
		t.Fatalf("the answer to a capacity raise shows the event before promotion: %+v", e.Counts)
	}
	if r, _ := svc.Registration(ctx, third.ID, tok3); r.Status != convening.StatusRegistered {
		t.Fatalf("capacity raise did not promote: %s", r.Status)
	}
}

// failingPromotion is a store whose promotion fails, as when DynamoDB is
// unreachable just after a cancellation committed.
type failingPromotion struct{ *memstore.Store }

func (failingPromotion) Promote(context.Context, string, convening.PromotionDecision) ([]convening.Promotion, error) {
	return nil, errors.New("dynamodb: connection reset")
}

func TestServiceCancelSucceedsWhenPromotionFails(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("s", 32)))
	svc := storetest.NewServices(failingPromotion{memstore.New()}, tokens, slog.New(slog.NewJSONHandler(&logs, nil)))
	if _, err := svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), storetest.Event("ev", 4, convening.PolicyStrict)); err != nil {
		t.Fatal(err)
	}
	r, tok, _, _ := svc.Register(ctx, "ev", storetest.Team(1, 4), nil)
	svc.Register(ctx, "ev", storetest.Team(2, 4), nil)
	got, err := svc.Cancel(ctx, r.ID, tok)
	if err != nil || got.Status != convening.StatusCancelled {
		t.Fatalf("cancel: %v %s", err, got.Status)
	}
	if !strings.Contains(logs.String(), "promotion deferred to the stream") {
		t.Fatalf("the deferred promotion was not logged: %s", logs.String())
	}
}

func TestServiceRejectsBadIDs(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memstore.New())
	for _, id := range []string{"", "../x", "UPPER", strings.Repeat("a", 81)} {
		if _, err := svc.Event(ctx, id); !errors.Is(err, convening.ErrEventNotFound) {
			t.Errorf("Event(%q): %v", id, err)
		}
		if _, _, _, err := svc.Register(ctx, id, storetest.Team(1, 1), nil); !errors.Is(err, convening.ErrEventNotFound) {
			t.Errorf("Register(%q): %v", id, err)
		}
	}
}
