// Package storetest is the contract every convening store keeps: one suite
// of tests, run against the in-memory store (package memstore) and against
// the DynamoDB store on DynamoDB Local (package dynamostore), so that tests
// elsewhere may use either and mean the same thing. It covers the
// invariants under concurrency as well: the last seat goes to exactly one
// team, racing cancellations and promotions never overfill an event, and
// every change owes exactly one notice.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Store is what a store implements: every service's storage, the
// mailer's outbox and the notices it sends, and what SES's later word on
// them needs.
type Store interface {
	convening.EventStorage
	convening.RegistrationStorage
	convening.StatementStorage
	convening.StaffStorage
	convening.ReviewStorage
	convening.HoldStorage
	convening.NoticeStorage
	convening.OrganizationStorage
	convening.PrivacyStorage
	convening.LinksStorage
	convening.FeeStorage
	convening.BillingStorage
	convening.SurveyStorage
	convening.SurveyAnswerStorage
	convening.AnnouncementStorage
	convening.EligibilityStorage
	convening.AttendanceStorage
	convening.JoinStorage
	convening.HistoryStorage
	convening.NetworkStorage
	convening.QueueStorage
	convening.Outbox
	convening.Notices
	convening.SentNotices
}

// Run runs the contract suite; newStore returns an empty store each call.
func Run(t *testing.T, newStore func(t testing.TB) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"RegisterFillsThenWaitlists", testRegisterFillsThenWaitlists},
		{"RegisterErrors", testRegisterErrors},
		{"IdempotentRegistration", testIdempotentRegistration},
		{"CancelPromotes", testCancelPromotes},
		{"FillPolicyLetsSmallerTeamsAhead", testFillPolicy},
		{"StrictHeadBlocks", testStrictHeadBlocks},
		{"CapacityChange", testCapacityChange},
		{"CutBelowAWaitlistedTeam", testCutBelowAWaitlistedTeam},
		{"Events", testEvents},
		{"Roster", testRoster},
		{"RosterPages", testRosterPages},
		{"NoticeLease", testNoticeLease},
		{"SentNoticeBounces", testSentNoticeBounces},
		{"CancelledContext", testCancelledContext},
		{"AuditLog", testAuditLog},
		{"PromoteNow", testPromoteNow},
		{"MoveOnWaitlist", testMoveOnWaitlist},
		{"ChangeMembers", testChangeMembers},
		{"WaitlistedTeamChangesSize", testWaitlistedTeamChangesSize},
		{"ContactAndResend", testContactAndResend},
		{"CheckIn", testCheckIn},
		{"WalkInForNoShow", testWalkInForNoShow},
		{"RaceStaffAndTeam", testRaceStaffAndTeam},
		{"Privacy", testPrivacy},
		{"AdmissionSettings", testAdmissionSettings},
		{"RaceForTheLastSeat", testRaceForTheLastSeat},
		{"RaceSameOrganization", testRaceSameOrganization},
		{"RaceSameIdempotencyKey", testRaceSameIdempotencyKey},
		{"RaceCancelAndPromote", testRaceCancelAndPromote},
		{"WaitlistOffers", testWaitlistOffers},
		{"RaceAcceptAndLapse", testRaceAcceptAndLapse},
		{"StatementLifecycle", testStatementLifecycle},
		{"InvitationLapses", testInvitationLapses},
		{"Reviews", testReviews},
		{"MergeOrganizations", testMergeOrganizations},
		{"StatementPrivacy", testStatementPrivacy},
		{"TeamChanges", testTeamChanges},
		{"TeamChangeRules", testTeamChangeRules},
		{"RaceAddedMemberAndNewTeams", testRaceAddedMemberAndNewTeams},
		{"MemberAttendance", testMemberAttendance},
		{"MemberNotices", testMemberNotices},
		{"PeopleAndLinks", testPeopleAndLinks},
		{"AuditNamesErased", testAuditNamesErased},
		{"LargestTeams", testLargestTeams},
		{"SurveyLifecycle", testSurveyLifecycle},
		{"SurveyBadAnswers", testSurveyBadAnswers},
		{"RaceSurveyAnswers", testRaceSurveyAnswers},
		{"SurveyReminders", testSurveyReminders},
		{"SurveyPrivacy", testSurveyPrivacy},
		// The event's own questions and staff writing to the teams
		// (questions.go, announcements.go).
		{"QuestionsAndAnswers", testQuestionsAndAnswers},
		{"AnswersAfterQuestionsChange", testAnswersAfterQuestionsChange},
		{"ChangeAnswers", testChangeAnswers},
		{"BadAnswersChangeNothing", testBadAnswersChangeNothing},
		{"SensitiveAnswersExpire", testSensitiveAnswersExpire},
		{"AnnouncementToContacts", testAnnouncementToContacts},
		{"AnnouncementToMembers", testAnnouncementToMembers},
		{"AnnouncementOnce", testAnnouncementOnce},
		{"AnnouncementPagesResume", testAnnouncementPagesResume},
		{"AnnouncementTest", testAnnouncementTestSend},
		{"Reminders", testReminders},
		{"RaceAnnouncementAndRegistrations", testRaceAnnouncementAndRegistrations},
		{"QueuedPlacesInArrivalOrder", testQueuedPlacesInArrivalOrder},
		{"QueuedRefusedAndCancelledInLine", testQueuedRefusedAndCancelledInLine},
		{"QueuedModeLocked", testQueuedModeLocked},
		{"QueuedPlacementsInvoiced", testQueuedPlacementsInvoiced},
		{"RaceQueuedLastSeats", testRaceQueuedLastSeats},
	}
	tests = append(tests, feeTests...)
	tests = append(tests, peopleTests...)
	tests = append(tests, onlineTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newEnv(t, newStore(t)))
		})
	}
}

// env is a store and the services over it.
type env struct {
	store Store
	svc   *Services
}

func newEnv(t testing.TB, s Store) *env {
	return &env{store: s, svc: NewServices(s, Tokens(t), nil)}
}

// Tokens are manage tokens for tests.
func Tokens(t testing.TB) *convening.ManageTokens {
	tokens, err := convening.NewManageTokens([]byte("0123456789abcdef0123456789abcdef-storetest"))
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// Event returns a valid event that starts in a month and is open now.
func Event(id string, capacity int, policy convening.WaitlistPolicy) convening.Event {
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Hour)
	return convening.Event{
		ID: id, Title: "Test " + id, Kind: convening.KindInstitute,
		StartsAt: start, EndsAt: start.Add(8 * time.Hour), Venue: "DoubleTree, San Diego",
		Capacity: capacity, MaxTeamSize: min(8, capacity), WaitlistPolicy: policy,
	}
}

func (e *env) createEvent(t testing.TB, id string, capacity int, policy convening.WaitlistPolicy) convening.Event {
	t.Helper()
	ev, err := e.svc.CreateEvent(context.Background(), staff, Event(id, capacity, policy))
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

// Team returns a valid team of the given size from organization n.
func Team(n, size int) convening.Team {
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

func ptr[T any](v T) *T { return &v }

// notices returns every notice's kind by registration id (none is sent in
// these tests, so all are due within the year).
func (e *env) notices(t testing.TB) map[string][]convening.NoticeKind {
	t.Helper()
	ctx := context.Background()
	ids, err := e.store.DueNotices(ctx, time.Now().AddDate(1, 0, 0), 100000)
	if err != nil {
		t.Fatalf("due notices: %v", err)
	}
	out := map[string][]convening.NoticeKind{}
	for _, id := range ids {
		n, err := e.store.Notice(ctx, id)
		if err != nil {
			t.Fatalf("notice %s: %v", id, err)
		}
		out[n.SubjectID] = append(out[n.SubjectID], n.Kind)
	}
	return out
}

// CheckEvent checks, from what the store answers, every invariant of one
// event: counts equal the sum of its registrations' (and statements')
// contributions, seats taken and held never exceed capacity, every seat
// held is exactly an offered or invited team's seats under its hold,
// positions run 1..n in arrival order, no organization holds two active
// registrations or statements, and (after promotion has run) no waitlisted
// team fits the free seats under the event's policy.
func CheckEvent(t testing.TB, s Store, eventID string, promoted bool) (convening.Event, Lists) {
	t.Helper()
	ctx := context.Background()
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		t.Fatalf("event: %v", err)
	}
	r := ReadLists(t, s, eventID)
	var sum convening.Counts
	orgs := map[string]string{}
	held := map[string]int{} // subject id -> seats it should hold
	claim := func(key, id string) {
		if other, dup := orgs[key]; dup {
			t.Errorf("organization %s holds %s and %s", key, other, id)
		}
		orgs[key] = id
	}
	for _, list := range [][]convening.Registration{r.Registered, r.Offered, r.Waitlist, r.Cancelled, r.Expired} {
		for _, reg := range list {
			sum = sum.Plus(reg.Counts())
			if reg.Status.Active() && !reg.Individual() {
				claim(reg.Organization.Key(), reg.ID)
			}
			for _, k := range reg.PersonKeys() {
				claim("person "+k, reg.ID) // one person, one seat
			}
			if reg.Status == convening.StatusOffered {
				if reg.Offer == nil || reg.Offer.Seats != reg.Seats {
					t.Errorf("offered %s: offer %+v for %d seats", reg.ID, reg.Offer, reg.Seats)
				}
				held[reg.ID] = reg.Seats
			}
		}
	}
	for _, st := range readStatements(t, s, eventID) {
		sum = sum.Plus(st.Counts())
		if st.Status.Active() {
			claim(st.Organization.Key(), st.ID)
		}
		if st.Status == convening.StatementInvited {
			held[st.ID] = st.Seats()
		}
	}
	if sum != ev.Counts {
		t.Errorf("counts %+v, registrations and statements sum to %+v", ev.Counts, sum)
	}
	if ev.SeatsTaken+ev.SeatsHeld > ev.Capacity {
		t.Errorf("%d seats taken and %d held of %d", ev.SeatsTaken, ev.SeatsHeld, ev.Capacity)
	}
	// Far enough ahead, every hold has something due: all of them.
	all, err := s.DueHolds(ctx, time.Now().AddDate(5, 0, 0), 100000)
	if err != nil {
		t.Fatalf("holds: %v", err)
	}
	for _, h := range all {
		if h.EventID != eventID || h.Kind == convening.HoldConfirmation {
			continue
		}
		if seats, ok := held[h.SubjectID]; !ok || seats != h.Seats {
			t.Errorf("hold of %d seats for %s, which holds %d (held %v)", h.Seats, h.SubjectID, seats, ok)
		}
		delete(held, h.SubjectID)
	}
	for id, seats := range held {
		t.Errorf("%s holds %d seats without a hold", id, seats)
	}
	var entries []convening.WaitlistEntry
	for i, reg := range r.Waitlist {
		if reg.WaitlistPosition == nil || *reg.WaitlistPosition != i+1 {
			t.Errorf("waitlist[%d] has position %v", i, reg.WaitlistPosition)
		}
		entries = append(entries, convening.WaitlistEntry{RegistrationID: reg.ID, Seats: reg.Seats})
	}
	if promoted {
		if plan := convening.PlanPromotion(ev.WaitlistPolicy, ev.SeatsLeft(), entries); len(plan) > 0 {
			t.Errorf("%d seats free and %s could be promoted", ev.SeatsLeft(), plan[0].RegistrationID)
		}
	}
	return ev, r
}

// Lists are an event's three lists of registrations, read whole.
type Lists struct {
	Registered, Offered, Waitlist, Cancelled, Expired []convening.Registration
}

// readStatements reads every statement of an event, in small pages.
func readStatements(t testing.TB, s convening.StatementLister, eventID string) []convening.Statement {
	t.Helper()
	var all []convening.Statement
	after := ""
	for {
		page, more, err := s.Statements(context.Background(), eventID, "", after, 7)
		if err != nil {
			t.Fatalf("statements after %q: %v", after, err)
		}
		all = append(all, page...)
		if !more {
			return all
		}
		after = page[len(page)-1].ID
	}
}

// ReadLists reads each of an event's lists page by page (small pages, so
// that paging is exercised too).
func ReadLists(t testing.TB, s convening.RosterReader, eventID string) Lists {
	t.Helper()
	var l Lists
	for _, list := range []struct {
		status convening.Status
		dst    *[]convening.Registration
	}{{convening.StatusRegistered, &l.Registered}, {convening.StatusOffered, &l.Offered}, {convening.StatusWaitlisted, &l.Waitlist},
		{convening.StatusCancelled, &l.Cancelled}, {convening.StatusExpired, &l.Expired}} {
		after := ""
		for {
			regs, more, err := s.Roster(context.Background(), eventID, list.status, after, 3)
			if err != nil {
				t.Fatalf("roster %s after %q: %v", list.status, after, err)
			}
			for _, r := range regs {
				if r.Status != list.status {
					t.Errorf("%s in the %s list", r.Status, list.status)
				}
			}
			*list.dst = append(*list.dst, regs...)
			if !more {
				break
			}
			after = regs[len(regs)-1].ID
		}
	}
	return l
}

func testRegisterFillsThenWaitlists(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "institute", 10, convening.PolicyStrict)
	steps := []struct {
		team, size int
		status     convening.Status
		position   int
	}{
		{1, 4, convening.StatusRegistered, 0},
		{2, 4, convening.StatusRegistered, 0},
		{3, 4, convening.StatusWaitlisted, 1}, // 2 seats left, team of 4 waits
		{4, 2, convening.StatusWaitlisted, 2}, // fits, but nobody jumps the list
		{5, 3, convening.StatusWaitlisted, 3},
	}
	// Registering answers the status, never the place on the waiting list
	// (one transaction cannot return it: see dynamostore.Store.Register);
	// reading the registration tells it.
	for _, s := range steps {
		reg, token, replayed, err := e.svc.Register(ctx, "institute", Team(s.team, s.size), nil)
		if err != nil {
			t.Fatalf("team %d: register: %v", s.team, err)
		}
		if replayed || token == "" || reg.ID == "" {
			t.Fatalf("team %d: replayed=%v token=%q id=%q", s.team, replayed, token, reg.ID)
		}
		if reg.Status != s.status || reg.Seats != s.size {
			t.Fatalf("team %d: status %s seats %d, want %s %d", s.team, reg.Status, reg.Seats, s.status, s.size)
		}
		if reg.WaitlistPosition != nil {
			t.Fatalf("team %d: answered position %d, want none", s.team, *reg.WaitlistPosition)
		}
		live, err := e.svc.Registration(ctx, reg.ID, token)
		if err != nil {
			t.Fatal(err)
		}
		if live.Status != s.status || position(live) != s.position || live.Organization != reg.Organization || len(live.Members) != s.size {
			t.Fatalf("team %d: live %s %v", s.team, live.Status, live.WaitlistPosition)
		}
	}
	ev, _ := CheckEvent(t, e.store, "institute", false)
	if ev.SeatsTaken != 8 || ev.SeatsLeft() != 2 || ev.RegisteredTeams != 2 || ev.WaitlistLength != 3 || ev.WaitlistSeats != 9 {
		t.Fatalf("counts %+v", ev.Counts)
	}
	n := e.notices(t)
	if len(n) != 5 {
		t.Fatalf("notices %v, want one per team", n)
	}
}

func position(r convening.Registration) int {
	if r.WaitlistPosition == nil {
		return 0
	}
	return *r.WaitlistPosition
}

func testRegisterErrors(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "symposium", 20, convening.PolicyStrict)
	if _, _, _, err := e.svc.Register(ctx, "symposium", Team(1, 4), nil); err != nil {
		t.Fatal(err)
	}
	closed := e.createEvent(t, "closed", 20, convening.PolicyStrict)
	past := time.Now().Add(-time.Hour)
	if _, err := e.svc.UpdateEvent(ctx, staff, closed.ID, convening.EventChange{RegistrationOpensAt: &past, RegistrationClosesAt: ptr(past.Add(time.Minute))}, ""); err != nil {
		t.Fatal(err)
	}
	soon := e.createEvent(t, "soon", 20, convening.PolicyStrict)
	if _, err := e.svc.UpdateEvent(ctx, staff, soon.ID, convening.EventChange{RegistrationOpensAt: ptr(time.Now().Add(time.Hour))}, ""); err != nil {
		t.Fatal(err)
	}
	dup := Team(1, 2)
	dup.Organization.Name = "  district 1 UNIFIED. "
	dup.Organization.County = Team(1, 2).Organization.County + " County"
	tests := []struct {
		name, event string
		team        convening.Team
		reason      convening.Reason
		field       string
	}{
		{"SameOrganizationAgain", "symposium", dup, convening.ReasonOrganizationRegistered, ""},
		{"UnknownEvent", "no-such-event", Team(2, 2), convening.ReasonEventNotFound, ""},
		{"WindowClosed", "closed", Team(3, 2), convening.ReasonRegistrationClosed, ""},
		{"WindowNotOpen", "soon", Team(3, 2), convening.ReasonRegistrationNotOpenYet, ""},
		{"TeamTooLarge", "symposium", Team(4, 9), convening.ReasonInvalidFields, "members"},
		{"BadEmail", "symposium", func() convening.Team { t := Team(5, 3); t.Members[2].Email = "not-an-address"; return t }(), convening.ReasonInvalidFields, "members[2].email"},
		{"BadCounty", "symposium", func() convening.Team { t := Team(6, 3); t.Organization.County = "Atlantis"; return t }(), convening.ReasonInvalidFields, "organization.county"},
	}
	for _, tt := range tests {
		_, _, _, err := e.svc.Register(ctx, tt.event, tt.team, nil)
		if convening.ErrorReason(err) != tt.reason {
			t.Errorf("%s: error %v, want reason %s", tt.name, err, tt.reason)
			continue
		}
		if de := convening.AsError(err); tt.field != "" && (len(de.Fields) == 0 || de.Fields[0].Field != tt.field) {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		}
	}
	ev, _ := CheckEvent(t, e.store, "symposium", false)
	if ev.SeatsTaken != 4 || ev.RegisteredTeams != 1 || ev.WaitlistLength != 0 {
		t.Fatalf("failed registrations changed the event: %+v", ev.Counts)
	}
	if n := e.notices(t); len(n) != 1 {
		t.Fatalf("notices %v, want one", n)
	}
}

func testIdempotentRegistration(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "convening", 6, convening.PolicyStrict)
	idem := &convening.Idempotency{Key: "k1", RequestHash: "body1"}
	first, tok1, replayed, err := e.svc.Register(ctx, "convening", Team(1, 4), idem)
	if err != nil || replayed {
		t.Fatalf("first: %v replayed=%v", err, replayed)
	}
	again, tok2, replayed, err := e.svc.Register(ctx, "convening", Team(1, 4), idem)
	if err != nil || !replayed {
		t.Fatalf("again: %v replayed=%v", err, replayed)
	}
	if again.ID != first.ID || again.Status != first.Status || tok1 != tok2 {
		t.Fatalf("replay differs: %+v vs %+v", again, first)
	}
	// A waitlisted first answer replays as it was: waitlisted, no place.
	w := &convening.Idempotency{Key: "k2", RequestHash: "body2"}
	wl, _, _, err := e.svc.Register(ctx, "convening", Team(2, 4), w)
	if err != nil || wl.Status != convening.StatusWaitlisted {
		t.Fatalf("waitlist: %v %v", err, wl.Status)
	}
	wl2, _, replayed, err := e.svc.Register(ctx, "convening", Team(2, 4), w)
	if err != nil || !replayed || wl2.Status != convening.StatusWaitlisted || wl2.WaitlistPosition != nil {
		t.Fatalf("waitlist replay: %v %v %v", err, replayed, wl2.WaitlistPosition)
	}
	_, _, _, err = e.svc.Register(ctx, "convening", Team(3, 2), &convening.Idempotency{Key: "k1", RequestHash: "other"})
	if convening.ErrorReason(err) != convening.ReasonIdempotencyKeyReused {
		t.Fatalf("reused key with another body: %v", err)
	}
	ev, _ := CheckEvent(t, e.store, "convening", false)
	if ev.RegisteredTeams != 1 || ev.WaitlistLength != 1 {
		t.Fatalf("replays created registrations: %+v", ev.Counts)
	}
	if n := e.notices(t); len(n[first.ID]) != 1 || len(n[wl.ID]) != 1 || len(n) != 2 {
		t.Fatalf("notices %v", n)
	}
}

// registerAll registers teams (number, size) in order and returns their
// ids and tokens by number.
func (e *env) registerAll(t testing.TB, eventID string, teams ...[2]int) (ids, tokens map[int]string) {
	t.Helper()
	ids, tokens = map[int]string{}, map[int]string{}
	for _, ns := range teams {
		r, tok, _, err := e.svc.Register(context.Background(), eventID, Team(ns[0], ns[1]), nil)
		if err != nil {
			t.Fatalf("register team %d: %v", ns[0], err)
		}
		ids[ns[0]], tokens[ns[0]] = r.ID, tok
	}
	return ids, tokens
}

func testCancelPromotes(t *testing.T, e *env) {
	ctx := context.Background()
	for _, policy := range []convening.WaitlistPolicy{convening.PolicyStrict, convening.PolicyFill} {
		id := "ev-" + string(policy)
		e.createEvent(t, id, 10, policy)
		// team1(4) team2(4) registered; waitlist: team3(6) team4(2) team5(2).
		// team1 cancels: 6 free, team3 fits under either policy.
		ids, tokens := e.registerAll(t, id, [2]int{1, 4}, [2]int{2, 4}, [2]int{3, 6}, [2]int{4, 2}, [2]int{5, 2})
		c, err := e.svc.Cancel(ctx, ids[1], tokens[1])
		if err != nil || c.Status != convening.StatusCancelled || c.CancelledAt == nil {
			t.Fatalf("%s: cancel: %v %v", policy, err, c.Status)
		}
		r3, err := e.svc.Registration(ctx, ids[3], tokens[3])
		if err != nil || r3.Status != convening.StatusRegistered || r3.PromotedAt == nil {
			t.Fatalf("%s: team 3: %v %+v", policy, err, r3.Status)
		}
		r4, _ := e.svc.Registration(ctx, ids[4], tokens[4])
		if r4.Status != convening.StatusWaitlisted || position(r4) != 1 {
			t.Fatalf("%s: team 4: %s %v", policy, r4.Status, r4.WaitlistPosition)
		}
		// Cancelling twice is not an error and sends nothing more.
		if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
			t.Fatal(err)
		}
		// A wrong token reads as not found.
		if _, err := e.svc.Cancel(ctx, ids[2], tokens[1]); !errors.Is(err, convening.ErrRegistrationNotFound) {
			t.Fatalf("wrong token: %v", err)
		}
		CheckEvent(t, e.store, id, true)
		n := e.notices(t)
		if !slices.Equal(n[ids[1]], []convening.NoticeKind{convening.NoticeRegistered, convening.NoticeCancelled}) &&
			!slices.Equal(n[ids[1]], []convening.NoticeKind{convening.NoticeCancelled, convening.NoticeRegistered}) {
			t.Fatalf("%s: notices of team 1: %v", policy, n[ids[1]])
		}
		if len(n[ids[3]]) != 2 || len(n[ids[4]]) != 1 {
			t.Fatalf("%s: notices %v", policy, n)
		}
	}
}

func testFillPolicy(t *testing.T, e *env) {
	ctx := context.Background()
	for _, policy := range []convening.WaitlistPolicy{convening.PolicyStrict, convening.PolicyFill} {
		id := "ev-" + string(policy)
		e.createEvent(t, id, 8, policy)
		ids, tokens := e.registerAll(t, id, [2]int{1, 5}, [2]int{2, 6}, [2]int{3, 2})
		// Team 1 leaves: 8 free fit team 2 (6) first, then team 3 (2).
		if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{2, 3} {
			if r, _ := e.svc.Registration(ctx, ids[n], tokens[n]); r.Status != convening.StatusRegistered {
				t.Fatalf("%s: team %d %s", policy, n, r.Status)
			}
		}
		CheckEvent(t, e.store, id, true)
	}
}

func testStrictHeadBlocks(t *testing.T, e *env) {
	ctx := context.Background()
	for _, tt := range []struct {
		policy convening.WaitlistPolicy
		want   convening.Status
	}{{convening.PolicyStrict, convening.StatusWaitlisted}, {convening.PolicyFill, convening.StatusRegistered}} {
		id := "ev-" + string(tt.policy)
		e.createEvent(t, id, 8, tt.policy)
		ids, tokens := e.registerAll(t, id, [2]int{1, 3}, [2]int{2, 5}, [2]int{3, 6}, [2]int{4, 3})
		if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err != nil { // 3 free: the head needs 6
			t.Fatal(err)
		}
		if r, _ := e.svc.Registration(ctx, ids[4], tokens[4]); r.Status != tt.want {
			t.Fatalf("%s: small team %s, want %s", tt.policy, r.Status, tt.want)
		}
		CheckEvent(t, e.store, id, true)
	}
}

func testCapacityChange(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 4}, [2]int{3, 3})
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{Capacity: ptr(6), MaxTeamSize: ptr(4)}, ""); convening.ErrorReason(err) != convening.ReasonCapacityBelowTaken {
		t.Fatalf("capacity below seats taken: %v", err)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{Capacity: ptr(0)}, ""); convening.ErrorCode(err) != convening.EINVALID {
		t.Fatalf("capacity 0: %v", err)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{}, ""); convening.ErrorReason(err) != convening.ReasonEmptyChange {
		t.Fatalf("empty change: %v", err)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "nope", convening.EventChange{Capacity: ptr(9)}, ""); !errors.Is(err, convening.ErrEventNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	ev, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{Capacity: ptr(11)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Capacity != 11 || ev.SeatsTaken != 11 || ev.WaitlistLength != 0 {
		t.Fatalf("after raise: %+v", ev)
	}
	if r, _ := e.svc.Registration(ctx, ids[3], tokens[3]); r.Status != convening.StatusRegistered {
		t.Fatalf("not promoted: %s", r.Status)
	}
	CheckEvent(t, e.store, "ev", true)
}

func testEvents(t *testing.T, e *env) {
	ctx := context.Background()
	later := Event("later", 10, convening.PolicyStrict)
	later.StartsAt, later.EndsAt = later.StartsAt.Add(48*time.Hour), later.EndsAt.Add(48*time.Hour)
	for _, ev := range []convening.Event{later, Event("sooner", 10, convening.PolicyFill)} {
		if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CreateEvent(ctx, staff, Event("later", 5, convening.PolicyFill)); convening.ErrorReason(err) != convening.ReasonEventExists {
		t.Fatalf("duplicate id: %v", err)
	}
	list, err := e.svc.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range list {
		ids = append(ids, ev.ID)
	}
	if strings.Join(ids, ",") != "sooner,later" {
		t.Fatalf("events %v, want by start time", ids)
	}
	got, err := e.svc.Event(ctx, "later")
	if err != nil || got.Capacity != 10 || got.Title != later.Title || !got.StartsAt.Equal(later.StartsAt) || got.WaitlistPolicy != convening.PolicyStrict {
		t.Fatalf("event %+v %v", got, err)
	}
	if _, err := e.svc.Event(ctx, "missing"); !errors.Is(err, convening.ErrEventNotFound) {
		t.Fatalf("missing event: %v", err)
	}
}

func testRoster(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4}, [2]int{2, 4}, [2]int{3, 2}, [2]int{4, 2}, [2]int{5, 1})
	if _, err := e.svc.Cancel(ctx, ids[4], tokens[4]); err != nil {
		t.Fatal(err)
	}
	_, r := CheckEvent(t, e.store, "ev", true)
	order := func(list []convening.Registration) string {
		var s []string
		for _, reg := range list {
			for n, id := range ids {
				if id == reg.ID {
					s = append(s, fmt.Sprint(n))
				}
			}
		}
		return strings.Join(s, ",")
	}
	if order(r.Registered) != "1,2" || order(r.Waitlist) != "3,5" || order(r.Cancelled) != "4" {
		t.Fatalf("roster %s | %s | %s", order(r.Registered), order(r.Waitlist), order(r.Cancelled))
	}
	if len(r.Registered[0].Members) != 4 || r.Waitlist[1].Contact.Email == "" {
		t.Fatalf("roster entries lack their teams: %+v", r.Registered[0])
	}
}

func testNoticeLease(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	reg, _, _, err := e.svc.Register(ctx, "ev", Team(1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _, err := e.svc.Register(ctx, "ev", Team(2, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond) // stores may keep times to the millisecond
	if ids, _ := e.store.DueNotices(ctx, now, 10); len(ids) != 0 {
		t.Fatalf("new notices are due for the sweep before the stream had its turn: %v", ids)
	}
	ids, err := e.store.DueNotices(ctx, now.Add(convening.NoticeSweepDelay+time.Second), 10)
	if err != nil || len(ids) != 2 {
		t.Fatalf("due %v %v", ids, err)
	}
	var id, otherID string
	for _, x := range ids {
		n, err := e.store.Notice(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		switch n.SubjectID {
		case reg.ID:
			id = x
			if n.Kind != convening.NoticeRegistered || n.To != reg.Contact || n.Event.ID != "ev" || n.Seats != 2 || len(n.Members) != 2 {
				t.Fatalf("notice %+v", n)
			}
		case other.ID:
			otherID = x
		}
	}
	record := func(id string) convening.NoticeRecord {
		r, err := e.store.NoticeRecord(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	claim := func(at time.Time, want int, wantErr error) {
		t.Helper()
		n, err := e.store.ClaimNotice(ctx, id, at, time.Minute)
		if !errors.Is(err, wantErr) || n != want {
			t.Fatalf("claim at +%v: %d %v, want %d %v", at.Sub(now), n, err, want, wantErr)
		}
	}
	claim(now, 1, nil)
	if r := record(id); r.State != convening.NoticeSending || r.Attempts != 1 || r.DueAt == nil || !r.DueAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("claimed %+v", r)
	}
	claim(now.Add(time.Second), 0, convening.ErrNoticeBusy) // leased
	retry := now.Add(5 * time.Minute)
	if err := e.store.ReleaseNotice(ctx, id, now, retry, "ses TooManyRequestsException (HTTP 429)"); err != nil {
		t.Fatal(err)
	}
	if r := record(id); r.State != convening.NoticePending || r.Cause != "ses TooManyRequestsException (HTTP 429)" || !r.DueAt.Equal(retry) {
		t.Fatalf("released %+v", r)
	}
	claim(now.Add(time.Minute), 0, convening.ErrNoticeBusy) // not due yet
	if ids, _ := e.store.DueNotices(ctx, retry.Add(-time.Second), 10); slices.Contains(ids, id) {
		t.Fatalf("due before its retry time: %v", ids)
	}
	if ids, _ := e.store.DueNotices(ctx, retry, 1); len(ids) != 1 || ids[0] != otherID {
		t.Fatalf("the notice due longest comes first: %v", ids)
	}
	claim(retry, 2, nil)
	claim(retry.Add(time.Minute+time.Second), 3, nil) // the sender died: its lease ran out
	if err := e.store.MarkNoticeSent(ctx, id, "msg-1", retry); err != nil {
		t.Fatal(err)
	}
	if r := record(id); r.State != convening.NoticeSent || r.MessageID != "msg-1" || r.SentAt == nil || r.DueAt != nil || r.Attempts != 3 {
		t.Fatalf("sent %+v", r)
	}
	claim(now.Add(time.Hour), 0, convening.ErrNoticeDone)
	if ids, _ := e.store.DueNotices(ctx, now.Add(time.Hour), 10); slices.Contains(ids, id) {
		t.Fatalf("sent notice still due: %v", ids)
	}
	// The other fails for good: it leaves the sweep and waits for staff.
	if _, err := e.store.ClaimNotice(ctx, otherID, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.store.FailNotice(ctx, otherID, now.Add(time.Second), "ses MessageRejected (HTTP 400)"); err != nil {
		t.Fatal(err)
	}
	if r := record(otherID); r.State != convening.NoticeFailed || r.FailedAt == nil || r.Cause != "ses MessageRejected (HTTP 400)" || r.DueAt != nil {
		t.Fatalf("failed %+v", r)
	}
	if _, err := e.store.ClaimNotice(ctx, otherID, now.Add(time.Hour), time.Minute); !errors.Is(err, convening.ErrNoticeDone) {
		t.Fatalf("claim of a failed notice: %v", err)
	}
	if ids, _ := e.store.DueNotices(ctx, now.Add(24*time.Hour), 10); len(ids) != 0 {
		t.Fatalf("due after sent and failed: %v", ids)
	}
	failed, err := e.store.FailedNotices(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != otherID || failed[0].SubjectID != other.ID {
		t.Fatalf("failed notices %+v %v", failed, err)
	}
	for name, err := range map[string]error{
		"claim":  func() error { _, err := e.store.ClaimNotice(ctx, "no-such-notice", now, time.Minute); return err }(),
		"record": func() error { _, err := e.store.NoticeRecord(ctx, "no-such-notice"); return err }(),
		"fail":   e.store.FailNotice(ctx, "no-such-notice", now, "x"),
	} {
		if !errors.Is(err, convening.ErrNoticeNotFound) {
			t.Errorf("%s of an unknown notice: %v", name, err)
		}
	}
}

// testSentNoticeBounces: SES's later bounce or complaint finds the sent
// notice by message id and fails it, once; the failed notice is then
// filed for staff and no longer found by message id.
func testSentNoticeBounces(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	for n := 1; n <= 2; n++ {
		if _, _, _, err := e.svc.Register(ctx, "ev", Team(n, 2), nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Truncate(time.Millisecond)
	ids, err := e.store.DueNotices(ctx, now.Add(convening.NoticeSweepDelay+time.Second), 10)
	if err != nil || len(ids) != 2 {
		t.Fatalf("due %v %v", ids, err)
	}
	sent, pending := ids[0], ids[1]
	if _, err := e.store.ClaimNotice(ctx, sent, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkNoticeSent(ctx, sent, "0100018f-msg-a", now); err != nil {
		t.Fatal(err)
	}
	record := func(id string) convening.NoticeRecord {
		t.Helper()
		r, err := e.store.NoticeRecord(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	got, err := e.store.NoticeByMessageID(ctx, "0100018f-msg-a")
	if err != nil || got.ID != sent || got.State != convening.NoticeSent || got.MessageID != "0100018f-msg-a" {
		t.Fatalf("by message id: %+v %v", got, err)
	}
	for _, id := range []string{"", "0100018f-msg-unknown", "0100018f-msg-"} {
		if _, err := e.store.NoticeByMessageID(ctx, id); !errors.Is(err, convening.ErrNoticeNotFound) {
			t.Errorf("by message id %q: %v, want not found", id, err)
		}
	}

	bounced := now.Add(time.Hour)
	if err := e.store.FailSentNotice(ctx, sent, bounced, "bounced (Permanent/General)"); err != nil {
		t.Fatal(err)
	}
	r := record(sent)
	if r.State != convening.NoticeFailed || r.Cause != "bounced (Permanent/General)" || r.FailedAt == nil ||
		!r.FailedAt.Equal(bounced) || r.MessageID != "0100018f-msg-a" || r.DueAt != nil {
		t.Fatalf("bounced %+v", r)
	}
	// The same report again, or a complaint after the bounce, changes nothing.
	if err := e.store.FailSentNotice(ctx, sent, bounced.Add(time.Minute), "complaint"); !errors.Is(err, convening.ErrNoticeDone) {
		t.Fatalf("fail twice: %v, want ErrNoticeDone", err)
	}
	if again := record(sent); !reflect.DeepEqual(again, r) {
		t.Fatalf("failing twice changed the record:\n%+v\n%+v", r, again)
	}
	if _, err := e.store.NoticeByMessageID(ctx, "0100018f-msg-a"); !errors.Is(err, convening.ErrNoticeNotFound) {
		t.Errorf("a failed notice is still found by message id: %v", err)
	}
	if failed, err := e.store.FailedNotices(ctx, 10); err != nil || len(failed) != 1 || failed[0].ID != sent {
		t.Errorf("failed notices %+v %v", failed, err)
	}
	if _, err := e.store.ClaimNotice(ctx, sent, bounced.Add(time.Hour), time.Minute); !errors.Is(err, convening.ErrNoticeDone) {
		t.Errorf("claim of a bounced notice: %v", err)
	}

	// A notice that was never sent is not SES's to fail.
	if err := e.store.FailSentNotice(ctx, pending, now, "complaint"); !errors.Is(err, convening.ErrNoticeDone) {
		t.Errorf("fail a pending notice: %v, want ErrNoticeDone", err)
	}
	if r := record(pending); r.State != convening.NoticePending || r.Cause != "" {
		t.Errorf("pending notice changed: %+v", r)
	}
	if err := e.store.FailSentNotice(ctx, "no-such-notice", now, "complaint"); !errors.Is(err, convening.ErrNoticeNotFound) {
		t.Errorf("fail an unknown notice: %v", err)
	}
}

// testCancelledContext: a request whose context has ended changes nothing.
func testCancelledContext(t *testing.T, e *env) {
	e.createEvent(t, "ev", 8, convening.PolicyStrict)
	ids, tokens := e.registerAll(t, "ev", [2]int{1, 4})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := e.svc.Register(ctx, "ev", Team(2, 2), nil); err == nil {
		t.Fatal("registered with an ended context")
	}
	if _, err := e.svc.Cancel(ctx, ids[1], tokens[1]); err == nil {
		t.Fatal("cancelled with an ended context")
	}
	ev, _ := CheckEvent(t, e.store, "ev", true)
	if ev.RegisteredTeams != 1 || ev.SeatsTaken != 4 {
		t.Fatalf("an ended request changed the event: %+v", ev.Counts)
	}
}

// testCutBelowAWaitlistedTeam: capacity or team size may not drop below a
// waitlisted team's size (it could never be promoted, and would block the
// list under the strict policy); the refusal names the team.
func testCutBelowAWaitlistedTeam(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 10, convening.PolicyStrict)
	// 6 seats taken; team 3 waits with 8 members, team 4 behind it.
	ids, _ := e.registerAll(t, "ev", [2]int{1, 2}, [2]int{2, 4}, [2]int{3, 8}, [2]int{4, 1})
	for _, change := range []convening.EventChange{{Capacity: ptr(7), MaxTeamSize: ptr(7)}, {MaxTeamSize: ptr(5)}, {Capacity: ptr(6), MaxTeamSize: ptr(6)}} {
		_, err := e.svc.UpdateEvent(ctx, staff, "ev", change, "")
		de := convening.AsError(err)
		if convening.ErrorReason(err) != convening.ReasonWaitlistedTeamTooLarge || len(de.Fields) != 1 ||
			de.Fields[0].Args["registrationId"] != ids[3] || !strings.Contains(de.Message, "District 3 Unified") {
			t.Fatalf("cut %v/%v: %v", deref(change.Capacity), deref(change.MaxTeamSize), err)
		}
	}
	// Cuts that strand nobody are fine; so are changes that cut nothing.
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{Capacity: ptr(9)}, ""); err != nil {
		t.Fatalf("capacity 9: %v", err)
	}
	if _, err := e.svc.UpdateEvent(ctx, staff, "ev", convening.EventChange{WaitlistPolicy: ptr(convening.PolicyFill)}, ""); err != nil {
		t.Fatalf("policy: %v", err)
	}
	ev, _ := CheckEvent(t, e.store, "ev", false)
	if ev.Capacity != 9 || ev.MaxTeamSize != 8 || ev.WaitlistPolicy != convening.PolicyFill {
		t.Fatalf("event %+v", ev)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// testRosterPages: the active roster pages through the registered, then
// the waiting list; a page's cursor still works when its last team has
// since left the list; cancelled teams only when asked for.
func testRosterPages(t *testing.T, e *env) {
	ctx := context.Background()
	e.createEvent(t, "ev", 20, convening.PolicyStrict)
	var teams [][2]int
	for n := range 16 {
		teams = append(teams, [2]int{n, 2})
	}
	ids, tokens := e.registerAll(t, "ev", teams...) // 10 registered, 6 waitlisted
	for _, n := range []int{3, 12} {
		if _, err := e.svc.Cancel(ctx, ids[n], tokens[n]); err != nil {
			t.Fatal(err)
		}
	}
	// Cancelling team 3 promoted team 10: registered are 0-2, 4-9, 10.
	read := func(q convening.RosterQuery, cancelAfterFirst bool) []string {
		var seen []string
		for page := 0; ; page++ {
			_, p, err := e.svc.Roster(ctx, "ev", q)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if limit := cmp.Or(q.Limit, MaxRoster); len(p.Registrations) > limit {
				t.Fatalf("page of %d, limit %d", len(p.Registrations), q.Limit)
			}
			for _, r := range p.Registrations {
				for n, id := range ids {
					if id == r.ID {
						seen = append(seen, fmt.Sprint(n))
					}
				}
			}
			if page == 0 && cancelAfterFirst {
				last := p.Registrations[len(p.Registrations)-1]
				n, _ := strconv.Atoi(seen[len(seen)-1])
				if _, err := e.svc.Cancel(ctx, last.ID, tokens[n]); err != nil {
					t.Fatal(err)
				}
			}
			if p.Next == "" {
				return seen
			}
			q.Cursor = p.Next
		}
	}
	if got := strings.Join(read(convening.RosterQuery{Limit: 4}, false), ","); got != "0,1,2,4,5,6,7,8,9,10,11,13,14,15" {
		t.Fatalf("active roster %s", got)
	}
	if got := strings.Join(read(convening.RosterQuery{Status: convening.StatusCancelled}, false), ","); got != "3,12" {
		t.Fatalf("cancelled %s", got)
	}
	// Team 2 ends the first page and then cancels (promoting team 11): the
	// next page goes on after where it stood.
	if got := strings.Join(read(convening.RosterQuery{Status: convening.StatusRegistered, Limit: 3}, true), ","); got != "0,1,2,4,5,6,7,8,9,10,11" {
		t.Fatalf("registered, with a cancellation between pages: %s", got)
	}
	for _, q := range []convening.RosterQuery{
		{Limit: MaxRoster + 1}, {Limit: -1}, {Status: "gone"}, {Cursor: "not-a-cursor"},
		{Cursor: convening.RosterCursor(convening.StatusCancelled, ids[3])},
		{Status: convening.StatusWaitlisted, Cursor: convening.RosterCursor(convening.StatusRegistered, ids[1])},
		{Status: convening.StatusCancelled, Cursor: convening.RosterCursor(convening.StatusCancelled, ids[1])},
		{Status: convening.StatusRegistered, Cursor: convening.RosterCursor(convening.StatusRegistered, "01NOSUCHREGISTRATION")},
	} {
		if _, _, err := e.svc.Roster(ctx, "ev", q); convening.ErrorCode(err) != convening.EINVALID {
			t.Errorf("query %+v: %v, want invalid", q, err)
		}
	}
	if _, _, err := e.svc.Roster(ctx, "nope", convening.RosterQuery{}); !errors.Is(err, convening.ErrEventNotFound) {
		t.Errorf("unknown event: %v", err)
	}
}

// MaxRoster is convening.MaxRosterPage, for the table above.
const MaxRoster = convening.MaxRosterPage
