package console_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/storetest"
)

// reworded is the service with every error message reworded, as a later
// edit of the domain's wording would do.
type reworded struct {
	console.Service
	count *atomic.Int64
}

func (s reworded) fix(err error) error {
	e := convening.AsError(err)
	if e == nil {
		return err
	}
	s.count.Add(1)
	c := *e
	c.Message = "Reworded " + strings.ToUpper(e.Message)
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		c.Fields[i].Message = fmt.Sprintf("reworded %d: %s", i, strings.ToUpper(c.Fields[i].Message))
	}
	return fmt.Errorf("wrapped: %w", &c)
}

func (s reworded) Event(ctx context.Context, id string) (convening.Event, error) {
	e, err := s.Service.Event(ctx, id)
	return e, s.fix(err)
}

func (s reworded) CreateEvent(ctx context.Context, a convening.Actor, e convening.Event) (convening.Event, error) {
	e, err := s.Service.CreateEvent(ctx, a, e)
	return e, s.fix(err)
}

func (s reworded) UpdateEvent(ctx context.Context, a convening.Actor, id string, c convening.EventChange, reason string) (convening.Event, error) {
	e, err := s.Service.UpdateEvent(ctx, a, id, c, reason)
	return e, s.fix(err)
}

func (s reworded) Roster(ctx context.Context, id string, q convening.RosterQuery) (convening.Event, convening.RosterPage, error) {
	e, p, err := s.Service.Roster(ctx, id, q)
	return e, p, s.fix(err)
}

func (s reworded) StaffRegistration(ctx context.Context, id string) (convening.Registration, error) {
	r, err := s.Service.StaffRegistration(ctx, id)
	return r, s.fix(err)
}

func (s reworded) ValidateTeam(e convening.Event, team convening.Team) (convening.Team, error) {
	t, err := s.Service.ValidateTeam(e, team)
	return t, s.fix(err)
}

func (s reworded) StaffCancel(ctx context.Context, a convening.Actor, id, reason string) (convening.Registration, error) {
	r, err := s.Service.StaffCancel(ctx, a, id, reason)
	return r, s.fix(err)
}

func (s reworded) PromoteNow(ctx context.Context, a convening.Actor, id, reason string) (convening.Registration, error) {
	r, err := s.Service.PromoteNow(ctx, a, id, reason)
	return r, s.fix(err)
}

func (s reworded) MoveOnWaitlist(ctx context.Context, a convening.Actor, id string, position int, reason string) (convening.Registration, error) {
	r, err := s.Service.MoveOnWaitlist(ctx, a, id, position, reason)
	return r, s.fix(err)
}

func (s reworded) ChangeMembers(ctx context.Context, a convening.Actor, id string, ms []convening.Member, reason string) (convening.Registration, error) {
	r, err := s.Service.ChangeMembers(ctx, a, id, ms, reason)
	return r, s.fix(err)
}

func (s reworded) AddWalkIn(ctx context.Context, a convening.Actor, id string, m convening.Member, reason string) (convening.Registration, error) {
	r, err := s.Service.AddWalkIn(ctx, a, id, m, reason)
	return r, s.fix(err)
}

func (s reworded) CheckIn(ctx context.Context, a convening.Actor, id, memberID string, undo bool) (convening.Registration, error) {
	r, err := s.Service.CheckIn(ctx, a, id, memberID, undo)
	return r, s.fix(err)
}

func (s reworded) ExportOrganization(ctx context.Context, org convening.Organization) (convening.OrganizationData, error) {
	d, err := s.Service.ExportOrganization(ctx, org)
	return d, s.fix(err)
}

func (s reworded) EraseOrganization(ctx context.Context, a convening.Actor, org convening.Organization, reason string) (int, error) {
	n, err := s.Service.EraseOrganization(ctx, a, org, reason)
	return n, s.fix(err)
}

func (s reworded) StatementList(ctx context.Context, a convening.Actor, decider bool, id string, f convening.StatementFilter) ([]convening.StatementItem, map[convening.StatementStatus]int, error) {
	items, counts, err := s.Service.StatementList(ctx, a, decider, id, f)
	return items, counts, s.fix(err)
}

func (s reworded) StatementCounts(ctx context.Context, id string) (map[convening.StatementStatus]int, error) {
	counts, err := s.Service.StatementCounts(ctx, id)
	return counts, s.fix(err)
}

func (s reworded) NextToReview(ctx context.Context, a convening.Actor, id string) (convening.Statement, bool, error) {
	st, ok, err := s.Service.NextToReview(ctx, a, id)
	return st, ok, s.fix(err)
}

func (s reworded) StaffStatement(ctx context.Context, id string) (convening.Statement, error) {
	st, err := s.Service.StaffStatement(ctx, id)
	return st, s.fix(err)
}

func (s reworded) StatementReviews(ctx context.Context, a convening.Actor, decider bool, id string) ([]convening.Review, convening.ReviewSummary, bool, error) {
	rs, sum, mine, err := s.Service.StatementReviews(ctx, a, decider, id)
	return rs, sum, mine, s.fix(err)
}

func (s reworded) Review(ctx context.Context, a convening.Actor, id string, scores map[string]int, comment string) (convening.Review, error) {
	r, err := s.Service.Review(ctx, a, id, scores, comment)
	return r, s.fix(err)
}

func (s reworded) Decide(ctx context.Context, a convening.Actor, id string, d convening.StaffDecision) (convening.Statement, error) {
	st, err := s.Service.Decide(ctx, a, id, d)
	return st, s.fix(err)
}

// ReleaseStaged rewords the messages of the decisions a release kept too.
func (s reworded) ReleaseStaged(ctx context.Context, a convening.Actor, id string) (convening.ReleaseReport, error) {
	r, err := s.Service.ReleaseStaged(ctx, a, id)
	for k, msg := range r.Kept {
		s.count.Add(1)
		r.Kept[k] = "Reworded " + strings.ToUpper(msg)
	}
	return r, s.fix(err)
}

func (s reworded) ExtendDeadline(ctx context.Context, a convening.Actor, id string, by time.Time, reason string) (convening.Statement, error) {
	st, err := s.Service.ExtendDeadline(ctx, a, id, by, reason)
	return st, s.fix(err)
}

func (s reworded) Reinstate(ctx context.Context, a convening.Actor, id string, by time.Time, reason string) (convening.Statement, error) {
	st, err := s.Service.Reinstate(ctx, a, id, by, reason)
	return st, s.fix(err)
}

func (s reworded) History(ctx context.Context, org convening.Organization) (convening.OrganizationHistory, error) {
	h, err := s.Service.History(ctx, org)
	return h, s.fix(err)
}

func (s reworded) MergeOrganizations(ctx context.Context, a convening.Actor, from, into convening.Organization, reason string) (convening.OrganizationHistory, error) {
	h, err := s.Service.MergeOrganizations(ctx, a, from, into, reason)
	return h, s.fix(err)
}

// volatile are the parts of a page that differ between two runs by
// design: the anti-forgery tokens are the session's.
var volatile = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// TestPagesDoNotDependOnErrorMessages sends the console every form error
// staff can meet, twice, once with the domain's messages and once with
// each of them reworded, and requires the same pages: the console chooses
// its words by reason and rule, never by message text.
func TestPagesDoNotDependOnErrorMessages(t *testing.T) {
	var count atomic.Int64
	journey := func(reword bool) []string {
		var wrap func(console.Service) console.Service
		if reword {
			wrap = func(s console.Service) console.Service { return reworded{Service: s, count: &count} }
		}
		f := newFixtureWith(t, wrap)
		at := time.Now().UTC().Truncate(time.Hour)
		var n atomic.Int64
		f.svc.Clock = func() time.Time { return at }
		f.svc.NewID = func() string { return fmt.Sprintf("ID%024d", n.Add(1)) }
		ev := storetest.Event("cv", 6, convening.PolicyStrict)
		ev.StartsAt, ev.EndsAt = at.Add(30*24*time.Hour), at.Add(30*24*time.Hour+8*time.Hour)
		if _, err := f.svc.CreateEvent(context.Background(), staffActor, ev); err != nil {
			t.Fatal(err)
		}
		first, second, third := f.register("cv", 1, 4), f.register("cv", 2, 3), f.register("cv", 3, 2)
		sym := storetest.Event("sym", 8, convening.PolicyStrict)
		sym.StartsAt, sym.EndsAt = ev.StartsAt, ev.EndsAt
		sym.Admission, sym.RequiredRoles = convening.AdmissionStatement, convening.CoreRoles
		if _, err := f.svc.CreateEvent(context.Background(), staffActor, sym); err != nil {
			t.Fatal(err)
		}
		// Team 4 is complete, team 5 not; team 6 and 7 (complete) are
		// staged to be invited, and only one of them fits.
		complete, incomplete := f.submit("sym", 4, 4, true), f.submit("sym", 5, 4, false)
		staged1, staged2 := f.submit("sym", 6, 4, true), f.submit("sym", 7, 4, true)
		c := f.as(deploy.RoleStaff)
		stage := url.Values{"decision": {"invite"}, "reason": {"x"}, "staged": {"yes"}}
		edit := url.Values{"capacity": {"3"}, "max_team_size": {"3"}, "opens": {pacific(at)}, "closes": {pacific(ev.StartsAt)}, "policy": {"strict"}, "reason": {"x"}}
		members := url.Values{"member_id": {"", ""}, "member_name": {"A", "B"}, "member_email": {"a@x.org", "b@x.org"},
			"member_role": {"other", "other"}, "reason": {"x"}}
		requests := []struct {
			method, path string
			form         url.Values
		}{
			{"POST", "/staff/events", url.Values{"title": {"Only a title"}}},
			{"POST", "/staff/events", url.Values{"title": {"Test cv"}, "id": {"cv"}, "kind": {"convening"}, "starts": {pacific(ev.StartsAt)},
				"ends": {pacific(ev.EndsAt)}, "venue": {"Here"}, "capacity": {"5"}, "max_team_size": {"5"}}},
			{"POST", "/staff/events/cv", edit},
			{"POST", "/staff/events/cv", url.Values{"capacity": {"6"}, "max_team_size": {"6"}, "opens": {pacific(at)}, "closes": {pacific(ev.StartsAt)},
				"policy": {"strict"}, "reason": {"x"}}},
			{"GET", "/staff/events/nope", nil},
			{"GET", "/staff/events/cv?status=pending", nil},
			{"POST", "/staff/registrations/" + first.ID + "/cancel", url.Values{}},
			{"POST", "/staff/registrations/" + second.ID + "/promote", url.Values{"reason": {"x"}}},
			{"POST", "/staff/registrations/" + first.ID + "/promote", url.Values{"reason": {"x"}}},
			{"POST", "/staff/registrations/" + third.ID + "/move", url.Values{"position": {"9"}, "reason": {"x"}}},
			{"POST", "/staff/registrations/" + first.ID + "/contact", url.Values{"contact_email": {"nope"}}},
			{"POST", "/staff/registrations/" + first.ID + "/members", members},
			{"POST", "/staff/events/cv/walk-in", url.Values{"registration": {first.ID}, "member_email": {"x"}}},
			{"POST", "/staff/events/cv/walk-in", url.Values{"registration": {first.ID}, "member_name": {"A"}, "member_email": {"a@x.org"},
				"member_role": {"other"}, "reason": {"x"}}},
			{"POST", "/staff/events/cv/check-in", url.Values{"registration": {third.ID}, "member": {third.Members[0].ID}}},
			{"GET", "/staff/registrations/NOPE", nil},
			{"GET", "/staff/privacy/export?name=District+1+Unified", nil},
			{"GET", "/staff/privacy/export?name=Nowhere&county=Fresno", nil},
			{"POST", "/staff/privacy/erase", url.Values{"name": {"District 1 Unified"}, "county": {first.Organization.County}, "reason": {"x"}, "confirm": {"yes"}}},
			// Statements, reviews and decisions; organizations.
			{"POST", "/staff/events", url.Values{"title": {"Mixed"}, "admission": {"statement"}, "offers": {"yes"}, "respond_hours": {"0"}}},
			{"POST", "/staff/events/sym", url.Values{"title": {""}, "respond_hours": {"0"}, "reason": {"x"}}},
			{"GET", "/staff/events/sym/statements?status=pending&county=Atlantis&min_score=9", nil},
			{"GET", "/staff/events/nope/statements", nil},
			{"GET", "/staff/statements/NOPE", nil},
			{"POST", "/staff/statements/" + complete.ID + "/review", url.Values{"score_need": {"9"}, "comment": {strings.Repeat("x", 2001)}}},
			{"POST", "/staff/statements/" + complete.ID + "/decision", url.Values{"decision": {"maybe"}, "respond_by": {"x"}}},
			{"POST", "/staff/statements/" + incomplete.ID + "/decision", url.Values{"decision": {"invite"}, "reason": {"x"}}},
			{"POST", "/staff/statements/" + complete.ID + "/extend", url.Values{"respond_by": {pacific(at.Add(time.Hour))}, "reason": {"x"}}},
			{"POST", "/staff/statements/" + complete.ID + "/reinstate", url.Values{"reason": {"x"}}},
			{"POST", "/staff/statements/" + staged1.ID + "/decision", stage},
			{"POST", "/staff/statements/" + staged2.ID + "/decision", stage},
			{"POST", "/staff/statements/" + complete.ID + "/decision", url.Values{"decision": {"invite"}, "reason": {"x"}}},
			{"POST", "/staff/events/sym/statements/release", url.Values{"reason": {"x"}}},
			{"POST", "/staff/statements/" + staged2.ID + "/decision", url.Values{"decision": {"invite"}, "reason": {"x"}}},
			{"POST", "/staff/statements/" + complete.ID + "/extend", url.Values{"respond_by": {pacific(at.Add(time.Hour))}, "reason": {"x"}}},
			{"POST", "/staff/events/sym/statements/release", url.Values{"reason": {"x"}}},
			{"GET", "/staff/organizations?name=Nowhere&county=Fresno", nil},
			{"GET", "/staff/organizations?name=District+4+Unified", nil},
			{"POST", "/staff/organizations/merge", url.Values{"from_name": {"District 4 Unified"}, "from_county": {complete.Organization.County},
				"name": {"Nowhere"}, "county": {"Fresno"}}},
			{"POST", "/staff/organizations/merge", url.Values{"from_name": {"District 4 Unified"}, "from_county": {complete.Organization.County},
				"name": {"District 4 Unified"}, "county": {complete.Organization.County}, "reason": {"x"}, "confirm": {"yes"}}},
		}
		var pages []string
		for _, rq := range requests {
			var r response
			if rq.method == "GET" {
				r = c.get(rq.path)
			} else {
				r = c.post(rq.path, rq.form)
			}
			if r.status == 303 { // a redirect's page says it
				r = c.follow(r)
			}
			pages = append(pages, fmt.Sprintf("%s %s: %d\n%s", rq.method, rq.path, r.status, volatile.ReplaceAllString(r.body, "")))
		}
		return pages
	}
	plain, rewordedPages := journey(false), journey(true)
	if count.Load() < 30 {
		t.Fatalf("only %d errors reworded: the journey misses errors", count.Load())
	}
	for i := range plain {
		if plain[i] != rewordedPages[i] {
			t.Errorf("the page depends on an error's message:\n%s\n--- reworded ---\n%s", plain[i], rewordedPages[i])
		}
	}
}
