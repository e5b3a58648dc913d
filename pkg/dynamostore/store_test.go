package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

// testEnv is a store on a fresh table and a service over it.
type testEnv struct {
	client *dynamodb.Client
	store  *dynamostore.Store
	svc    *convening.Service
	table  string
}

func newTestEnv(t testing.TB, optFns ...func(*dynamodb.Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	endpoint, _ := localaws.Endpoints(t)
	base, err := localaws.NewDynamoDBClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, base, dynamostore.CreateTableInput)
	client := dynamodb.New(base.Options(), optFns...)
	store := dynamostore.New(client, table, nil)
	tokens, err := convening.NewManageTokens([]byte("0123456789abcdef0123456789abcdef-test"))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{client: client, store: store, svc: convening.NewService(store, tokens, nil), table: table}
}

func (e *testEnv) createEvent(t testing.TB, id string, capacity int, policy convening.WaitlistPolicy) convening.Event {
	t.Helper()
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Hour)
	ev, err := e.svc.CreateEvent(context.Background(), convening.Event{
		ID: id, Title: "Test " + id, Kind: convening.KindInstitute,
		StartsAt: start, EndsAt: start.Add(8 * time.Hour), Venue: "DoubleTree, San Diego",
		Capacity: capacity, MaxTeamSize: min(8, capacity), WaitlistPolicy: policy,
	})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	return ev
}

var teamRoles = []convening.Role{
	convening.RoleSuperintendent, convening.RoleCertificatedUnionPresident,
	convening.RoleClassifiedUnionPresident, convening.RoleBoardMember,
	convening.RoleHRAdministrator, convening.RoleChiefAcademicOfficer, convening.RoleUnionOfficer, convening.RoleOther,
}

// team returns a valid team of the given size from a distinct organization.
func team(n, size int) convening.Team {
	t := convening.Team{
		Organization: convening.Organization{Name: fmt.Sprintf("District %d Unified", n), Type: convening.OrgDistrict, County: convening.Counties[n%58]},
		Contact:      convening.Contact{Name: fmt.Sprintf("Contact %d", n), Email: fmt.Sprintf("contact%d@district%d.org", n, n)},
	}
	for i := 0; i < size; i++ {
		t.Members = append(t.Members, convening.Member{Name: fmt.Sprintf("Member %d-%d", n, i),
			Email: fmt.Sprintf("m%d@district%d.org", i, n), Role: teamRoles[i%len(teamRoles)]})
	}
	return t
}

func codeOf(err error) string { return convening.ErrorCode(err) }

// notices returns every notice item in the table, by registration id.
func (e *testEnv) notices(t testing.TB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, it := range e.scan(t) {
		if it["sk"] == "NOTICE" {
			out[it["registrationId"].(string)] = append(out[it["registrationId"].(string)], it["kind"].(string))
		}
	}
	return out
}

// scan reads the whole table; tests use it to check invariants from the
// final state, never the code under test.
func (e *testEnv) scan(t testing.TB) []map[string]any {
	t.Helper()
	var items []map[string]any
	p := dynamodb.NewScanPaginator(e.client, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, m := range out.Items {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(m, &v); err != nil {
				t.Fatal(err)
			}
			items = append(items, v)
		}
	}
	return items
}

func TestRegisterFillsThenWaitlists(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.createEvent(t, "institute", 10, convening.PolicyStrict)

	steps := []struct {
		team     int
		size     int
		status   convening.Status
		position int
	}{
		{1, 4, convening.StatusRegistered, 0},
		{2, 4, convening.StatusRegistered, 0},
		{3, 4, convening.StatusWaitlisted, 1}, // 2 seats left, team of 4 waits
		{4, 2, convening.StatusWaitlisted, 2}, // fits, but strict: nobody jumps the list
		{5, 3, convening.StatusWaitlisted, 3},
	}
	for _, s := range steps {
		t.Run(fmt.Sprintf("team%d", s.team), func(t *testing.T) {
			reg, token, replayed, err := e.svc.Register(ctx, "institute", team(s.team, s.size), nil)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			if replayed || token == "" || reg.ID == "" {
				t.Fatalf("replayed=%v token=%q id=%q", replayed, token, reg.ID)
			}
			if reg.Status != s.status || reg.Seats != s.size {
				t.Fatalf("status %s seats %d, want %s %d", reg.Status, reg.Seats, s.status, s.size)
			}
			got := 0
			if reg.WaitlistPosition != nil {
				got = *reg.WaitlistPosition
			}
			if got != s.position {
				t.Fatalf("position %d, want %d", got, s.position)
			}
			live, err := e.svc.Registration(ctx, reg.ID, token)
			if err != nil {
				t.Fatal(err)
			}
			if live.Status != s.status || (s.position > 0 && *live.WaitlistPosition != s.position) {
				t.Fatalf("live %s %v", live.Status, live.WaitlistPosition)
			}
		})
	}
	ev, err := e.svc.Event(ctx, "institute")
	if err != nil {
		t.Fatal(err)
	}
	if ev.SeatsTaken != 8 || ev.SeatsLeft() != 2 || ev.RegisteredTeams != 2 || ev.WaitlistLength != 3 || ev.WaitlistSeats != 9 {
		t.Fatalf("counters %+v", ev)
	}
}

func TestRegisterErrors(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.createEvent(t, "symposium", 20, convening.PolicyStrict)
	if _, _, _, err := e.svc.Register(ctx, "symposium", team(1, 4), nil); err != nil {
		t.Fatal(err)
	}
	closed := e.createEvent(t, "closed", 20, convening.PolicyStrict)
	past := time.Now().Add(-time.Hour)
	if _, err := e.svc.UpdateEvent(ctx, closed.ID, convening.EventChange{RegistrationOpensAt: &past, RegistrationClosesAt: ptr(past.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	dup := team(1, 2)
	dup.Organization.Name = "  district 1 UNIFIED. "
	dup.Organization.County = team(1, 2).Organization.County + " County"

	tests := []struct {
		name  string
		event string
		team  convening.Team
		code  string
		field string
	}{
		{"SameOrganizationAgain", "symposium", dup, convening.ECONFLICT, ""},
		{"UnknownEvent", "no-such-event", team(2, 2), convening.ENOTFOUND, ""},
		{"WindowClosed", "closed", team(3, 2), convening.ECONFLICT, ""},
		{"TeamTooLarge", "symposium", team(4, 9), convening.EINVALID, "members"},
		{"BadEmail", "symposium", func() convening.Team { t := team(5, 3); t.Members[2].Email = "not-an-address"; return t }(), convening.EINVALID, "members[2].email"},
		{"BadCounty", "symposium", func() convening.Team { t := team(6, 3); t.Organization.County = "Atlantis"; return t }(), convening.EINVALID, "organization.county"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := e.svc.Register(ctx, tt.event, tt.team, nil)
			if codeOf(err) != tt.code {
				t.Fatalf("error %v, want code %s", err, tt.code)
			}
			var de *convening.Error
			if tt.field != "" && (!errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != tt.field) {
				t.Fatalf("error %v, want field %s", err, tt.field)
			}
		})
	}
	ev, _ := e.svc.Event(ctx, "symposium")
	if ev.SeatsTaken != 4 || ev.RegisteredTeams != 1 || ev.WaitlistLength != 0 {
		t.Fatalf("failed registrations changed the event: %+v", ev)
	}
	if n := e.notices(t); len(n) != 1 {
		t.Fatalf("notices %v, want one", n)
	}
}

func ptr[T any](v T) *T { return &v }

func TestIdempotentRegistration(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.createEvent(t, "convening", 6, convening.PolicyStrict)
	idem := &convening.Idempotency{Key: "k1", RequestHash: "body1"}
	first, tok1, replayed, err := e.svc.Register(ctx, "convening", team(1, 4), idem)
	if err != nil || replayed {
		t.Fatalf("first: %v replayed=%v", err, replayed)
	}
	again, tok2, replayed, err := e.svc.Register(ctx, "convening", team(1, 4), idem)
	if err != nil || !replayed {
		t.Fatalf("again: %v replayed=%v", err, replayed)
	}
	if again.ID != first.ID || again.Status != first.Status || tok1 != tok2 {
		t.Fatalf("replay differs: %+v vs %+v", again, first)
	}
	// A waitlisted first answer replays with its position.
	w := &convening.Idempotency{Key: "k2", RequestHash: "body2"}
	wl, _, _, err := e.svc.Register(ctx, "convening", team(2, 4), w)
	if err != nil || wl.Status != convening.StatusWaitlisted {
		t.Fatalf("waitlist: %v %v", err, wl.Status)
	}
	wl2, _, replayed, err := e.svc.Register(ctx, "convening", team(2, 4), w)
	if err != nil || !replayed || wl2.WaitlistPosition == nil || *wl2.WaitlistPosition != 1 {
		t.Fatalf("waitlist replay: %v %v %v", err, replayed, wl2.WaitlistPosition)
	}
	_, _, _, err = e.svc.Register(ctx, "convening", team(3, 2), &convening.Idempotency{Key: "k1", RequestHash: "other"})
	if codeOf(err) != convening.ECONFLICT {
		t.Fatalf("reused key with another body: %v", err)
	}
	ev, _ := e.svc.Event(ctx, "convening")
	if ev.RegisteredTeams != 1 || ev.WaitlistLength != 1 {
		t.Fatalf("replays created registrations: %+v", ev)
	}
	if n := e.notices(t); len(n[first.ID]) != 1 || len(n[wl.ID]) != 1 {
		t.Fatalf("notices %v", n)
	}
}

func TestCancelPromotes(t *testing.T) {
	for _, tt := range []struct {
		policy   convening.WaitlistPolicy
		promoted []int // team numbers promoted after team 1 cancels
	}{
		// capacity 10: team1(4) team2(4) registered; waitlist: team3(6) team4(2) team5(2)
		// team1 cancels: 6 free. strict: team3 fits (6). fill: same.
		{convening.PolicyStrict, []int{3}},
		{convening.PolicyFill, []int{3}},
	} {
		t.Run(string(tt.policy), func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t)
			e.createEvent(t, "ev", 10, tt.policy)
			ids := map[int]string{}
			tokens := map[int]string{}
			for n, size := range map[int]int{1: 4, 2: 4} {
				r, tok, _, err := e.svc.Register(ctx, "ev", team(n, size), nil)
				if err != nil {
					t.Fatal(err)
				}
				ids[n], tokens[n] = r.ID, tok
			}
			for _, ns := range [][2]int{{3, 6}, {4, 2}, {5, 2}} {
				r, tok, _, err := e.svc.Register(ctx, "ev", team(ns[0], ns[1]), nil)
				if err != nil {
					t.Fatal(err)
				}
				ids[ns[0]], tokens[ns[0]] = r.ID, tok
			}
			c, err := e.svc.Cancel(ctx, ids[1], tokens[1])
			if err != nil || c.Status != convening.StatusCancelled {
				t.Fatalf("cancel: %v %v", err, c.Status)
			}
			for _, n := range tt.promoted {
				r, err := e.svc.Registration(ctx, ids[n], tokens[n])
				if err != nil || r.Status != convening.StatusRegistered || r.PromotedAt == nil {
					t.Fatalf("team %d: %v %+v", n, err, r.Status)
				}
			}
			r4, _ := e.svc.Registration(ctx, ids[4], tokens[4])
			if r4.Status != convening.StatusWaitlisted || *r4.WaitlistPosition != 1 {
				t.Fatalf("team 4: %s %v", r4.Status, r4.WaitlistPosition)
			}
			// Cancelling twice is not an error and sends nothing more.
			if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
				t.Fatal(err)
			}
			// A wrong token reads as not found.
			if _, err := e.svc.Cancel(ctx, ids[2], tokens[1]); codeOf(err) != convening.ENOTFOUND {
				t.Fatalf("wrong token: %v", err)
			}
			n := e.notices(t)
			if len(n[ids[1]]) != 2 || len(n[ids[3]]) != 2 || len(n[ids[4]]) != 1 {
				t.Fatalf("notices %v", n)
			}
		})
	}
}

func TestFillPolicyLetsSmallerTeamsAhead(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		policy       convening.WaitlistPolicy
		wantPromoted bool
	}{{convening.PolicyStrict, false}, {convening.PolicyFill, true}} {
		t.Run(string(tt.policy), func(t *testing.T) {
			e := newTestEnv(t)
			e.createEvent(t, "ev", 8, tt.policy)
			r1, tok1, _, _ := e.svc.Register(ctx, "ev", team(1, 5), nil)
			big, _, _, _ := e.svc.Register(ctx, "ev", team(2, 6), nil)
			small, tokS, _, _ := e.svc.Register(ctx, "ev", team(3, 2), nil)
			if big.Status != convening.StatusWaitlisted || small.Status != convening.StatusWaitlisted {
				t.Fatalf("setup: %s %s", big.Status, small.Status)
			}
			// Team 1 leaves: 8 free would fit big (6) first; then small (2) fits too.
			_ = r1
			if _, err := e.svc.Cancel(ctx, r1.ID, tok1); err != nil {
				t.Fatal(err)
			}
			s, _ := e.svc.Registration(ctx, small.ID, tokS)
			if s.Status != convening.StatusRegistered {
				t.Fatalf("small team %s", s.Status)
			}
		})
	}
	t.Run("BlockedHead", func(t *testing.T) {
		for _, tt := range []struct {
			policy convening.WaitlistPolicy
			want   convening.Status
		}{{convening.PolicyStrict, convening.StatusWaitlisted}, {convening.PolicyFill, convening.StatusRegistered}} {
			e := newTestEnv(t)
			e.createEvent(t, "ev", 8, tt.policy)
			a, tokA, _, _ := e.svc.Register(ctx, "ev", team(1, 3), nil)
			e.svc.Register(ctx, "ev", team(2, 5), nil)
			e.svc.Register(ctx, "ev", team(3, 6), nil) // head: needs 6
			small, tokS, _, _ := e.svc.Register(ctx, "ev", team(4, 3), nil)
			if _, err := e.svc.Cancel(ctx, a.ID, tokA); err != nil { // 3 free: head blocks under strict
				t.Fatal(err)
			}
			s, _ := e.svc.Registration(ctx, small.ID, tokS)
			if s.Status != tt.want {
				t.Fatalf("%s: small team %s, want %s", tt.policy, s.Status, tt.want)
			}
		}
	})
}

func TestCapacityChange(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	e.svc.Register(ctx, "ev", team(1, 4), nil)
	e.svc.Register(ctx, "ev", team(2, 4), nil)
	w, tok, _, _ := e.svc.Register(ctx, "ev", team(3, 3), nil)

	if _, err := e.svc.UpdateEvent(ctx, "ev", convening.EventChange{Capacity: ptr(6), MaxTeamSize: ptr(4)}); codeOf(err) != convening.ECONFLICT {
		t.Fatalf("capacity below seats taken: %v", err)
	}
	if _, err := e.svc.UpdateEvent(ctx, "ev", convening.EventChange{Capacity: ptr(0)}); codeOf(err) != convening.EINVALID {
		t.Fatalf("capacity 0: %v", err)
	}
	ev, err := e.svc.UpdateEvent(ctx, "ev", convening.EventChange{Capacity: ptr(11)})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Capacity != 11 || ev.SeatsTaken != 11 || ev.WaitlistLength != 0 {
		t.Fatalf("after raise: %+v", ev)
	}
	r, _ := e.svc.Registration(ctx, w.ID, tok)
	if r.Status != convening.StatusRegistered {
		t.Fatalf("not promoted: %s", r.Status)
	}
}
