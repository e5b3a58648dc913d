package web_test

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

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/web"
)

// reworded is the service with every error message reworded, as a later
// edit of the domain's wording would do. Requests from "Busy District" get
// the busy error, which only a loaded table produces otherwise.
type reworded struct {
	web.Service
	reword bool
	count  *atomic.Int64
}

func (s reworded) fix(err error) error {
	e := convening.AsError(err)
	if e == nil || !s.reword {
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

func (s reworded) ValidateTeam(e convening.Event, team convening.Team) (convening.Team, error) {
	n, err := s.Service.ValidateTeam(e, team)
	return n, s.fix(err)
}

func (s reworded) Register(ctx context.Context, eventID string, team convening.Team, idem *convening.Idempotency) (convening.Registration, string, bool, error) {
	if team.Organization.Name == "Busy District" {
		return convening.Registration{}, "", false, s.fix(convening.ErrBusy)
	}
	r, tok, replayed, err := s.Service.Register(ctx, eventID, team, idem)
	return r, tok, replayed, s.fix(err)
}

func (s reworded) Registration(ctx context.Context, id, token string) (convening.Registration, error) {
	r, err := s.Service.Registration(ctx, id, token)
	return r, s.fix(err)
}

func (s reworded) Cancel(ctx context.Context, id, token string) (convening.Registration, error) {
	r, err := s.Service.Cancel(ctx, id, token)
	return r, s.fix(err)
}

func (s reworded) AcceptOffer(ctx context.Context, id, token string) (convening.Registration, error) {
	r, err := s.Service.AcceptOffer(ctx, id, token)
	return r, s.fix(err)
}

func (s reworded) SubmitStatement(ctx context.Context, eventID string, team convening.Team, experience, reasons string, idem *convening.Idempotency) (convening.Statement, string, bool, error) {
	if team.Organization.Name == "Busy District" {
		return convening.Statement{}, "", false, s.fix(convening.ErrBusy)
	}
	st, tok, replayed, err := s.Service.SubmitStatement(ctx, eventID, team, experience, reasons, idem)
	return st, tok, replayed, s.fix(err)
}

func (s reworded) Statement(ctx context.Context, id, token string) (convening.Statement, error) {
	st, err := s.Service.Statement(ctx, id, token)
	return st, s.fix(err)
}

func (s reworded) StatementRegistration(ctx context.Context, id, token string) (convening.Registration, string, error) {
	r, tok, err := s.Service.StatementRegistration(ctx, id, token)
	return r, tok, s.fix(err)
}

func (s reworded) AcceptInvitation(ctx context.Context, id, token string) (convening.Registration, string, convening.Statement, error) {
	r, tok, st, err := s.Service.AcceptInvitation(ctx, id, token)
	return r, tok, st, s.fix(err)
}

func (s reworded) DeclineStatement(ctx context.Context, id, token string) (convening.Statement, error) {
	st, err := s.Service.DeclineStatement(ctx, id, token)
	return st, s.fix(err)
}

func (s reworded) MemberStatement(ctx context.Context, statementID, memberID, token string) (convening.Statement, error) {
	st, err := s.Service.MemberStatement(ctx, statementID, memberID, token)
	return st, s.fix(err)
}

func (s reworded) ConfirmMember(ctx context.Context, statementID, memberID, token string) (convening.Statement, error) {
	st, err := s.Service.ConfirmMember(ctx, statementID, memberID, token)
	return st, s.fix(err)
}

// volatile are the parts of a page that differ between two runs by design:
// anti-forgery tokens and form keys are random.
var volatile = regexp.MustCompile(`name="(csrf|idem)" value="[^"]*"`)

// TestPagesDoNotDependOnErrorMessages runs one journey through every error
// a team can meet twice, once with the domain's messages and once with each
// of them reworded, and requires the same pages: the website chooses its
// words by reason and rule, never by message text.
func TestPagesDoNotDependOnErrorMessages(t *testing.T) {
	var count atomic.Int64
	journey := func(reword bool) []string {
		s := newSite(t, func(svc web.Service) web.Service { return reworded{svc, reword, &count} })
		now := time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC)
		var n atomic.Int64
		clock := now
		s.svc.Clock = func() time.Time { return clock }
		s.svc.NewID = func() string { return fmt.Sprintf("01JOURNEY%017d", n.Add(1)) }
		s.event("open", 6, 4, nil)
		s.event("full", 2, 2, nil)
		s.event("closed", 10, 4, func(e *convening.Event) {
			e.RegistrationOpensAt, e.RegistrationClosesAt = now.Add(-48*time.Hour), now.Add(-time.Hour)
		})
		s.event("soon", 10, 4, func(e *convening.Event) { e.RegistrationOpensAt = now.Add(24 * time.Hour) })
		var pages []string
		keep := func(p page) page {
			pages = append(pages, fmt.Sprintf("%d\n%s", p.status, volatile.ReplaceAllString(p.body, "")))
			return p
		}
		bad := teamForm(2, 3)
		bad.Set("org_name", strings.Repeat("x", 300))
		bad.Set("contact_name", "")
		bad["member_email"] = []string{"m@d2.example.org", "not an address", "M@D2.example.org"}
		bad["member_role"] = []string{"superintendent", "", "mascot"}
		busy := teamForm(3, 2)
		busy.Set("org_name", "Busy District")

		keep(s.get("/"))
		keep(s.get("/events/open"))
		keep(s.register("open", url.Values{}))
		keep(s.register("open", bad))
		keep(s.register("open", teamForm(4, 5)))
		keep(s.register("open", busy))
		done := keep(s.register("open", teamForm(1, 3)))
		keep(s.register("open", teamForm(1, 2)))
		// The same form (same idempotency key) sent again with other details.
		again := teamForm(5, 2)
		first := s.get("/events/open")
		for k, v := range first.hidden() {
			again[k] = v
		}
		keep(s.post("/events/open", again))
		again.Set("org_name", "District 6")
		keep(s.post("/events/open", again))
		keep(s.register("closed", teamForm(7, 2)))
		keep(s.register("soon", teamForm(8, 2)))
		keep(s.register("full", teamForm(9, 2)))
		keep(s.register("full", teamForm(10, 2)))
		link := done.manageLink(t)
		manage := keep(s.get(link))
		keep(s.post(strings.Replace(link, "?token=", "/cancel?token=", 1), manage.hidden()))
		keep(s.get("/events/no-such-event"))
		keep(s.get(strings.Replace(link, "token=", "token=x", 1)))

		// Statements of interest, and waiting-list offers.
		s.statementEvent("sym", 8, nil)
		s.statementEvent("sym-closed", 8, func(e *convening.Event) {
			closed := now.Add(-time.Hour)
			e.RegistrationOpensAt, e.StatementsCloseAt = now.Add(-48*time.Hour), &closed
		})
		s.event("offers", 4, 4, func(e *convening.Event) { e.WaitlistOffers = &convening.WaitlistOffers{RespondWithinHours: 48} })
		keep(s.get("/events/sym"))
		keep(s.register("sym", teamForm(11, 4)))
		keep(s.submitStatement("open", statementForm(12, 4)))
		keep(s.submitStatement("sym-closed", statementForm(12, 4)))
		badStatement := statementForm(12, 3)
		badStatement.Set("experience", "short")
		keep(s.submitStatement("sym", badStatement))
		busyStatement := statementForm(12, 4)
		busyStatement.Set("org_name", "Busy District")
		keep(s.submitStatement("sym", busyStatement))
		sent := keep(s.submitStatement("sym", statementForm(13, 4)))
		keep(s.browser().submitStatement("sym", statementForm(13, 4)))
		stLink, stID, _ := sent.statementLink(t)
		keep(s.get(stLink))
		for _, m := range s.memberLinks(stID) {
			keep(s.get(m))
			done := keep(s.confirm(m))
			keep(s.get(done.headers["Location"]))
		}
		s.invite(stID, now.Add(2*time.Hour), "Welcome.")
		invited := keep(s.get(stLink))
		keep(s.get(strings.Replace(stLink, "token=", "token=x", 1)))
		// Declined: a stale accept is not invited, a late member closed.
		declined := keep(s.submitStatement("sym", statementForm(14, 4)))
		wLink, wID, _ := declined.statementLink(t)
		wMember := s.memberLinks(wID)[0]
		mu, _ := url.Parse(wMember)
		wMemberForm := keep(s.get(wMember)).form(t, mu.Path)
		s.invite(wID, time.Time{}, "")
		stale := keep(s.get(wLink))
		ask := keep(s.post("/statements/"+wID+"/decline", stale.form(t, "/statements/"+wID+"/decline")))
		keep(s.get(keep(s.post("/statements/"+wID+"/decline", ask.form(t, "/statements/"+wID+"/decline"))).headers["Location"]))
		keep(s.post("/statements/"+wID+"/accept", stale.form(t, "/statements/"+wID+"/accept")))
		keep(s.post(mu.Path, wMemberForm))

		a := s.register("offers", teamForm(21, 4)).manageLink(t)
		b := s.register("offers", teamForm(22, 2)).manageLink(t)
		au, _ := url.Parse(a)
		if _, err := s.svc.Cancel(context.Background(), strings.TrimPrefix(au.Path, "/manage/"), au.Query().Get("token")); err != nil {
			t.Fatal(err)
		}
		offered := keep(s.get(b))
		bu, _ := url.Parse(b)
		clock = now.Add(3 * time.Hour)
		keep(s.post("/statements/"+stID+"/accept", invited.form(t, "/statements/"+stID+"/accept")))
		clock = now.Add(49 * time.Hour)
		keep(s.post(bu.Path+"/accept", offered.form(t, bu.Path+"/accept")))
		return pages
	}
	plain, changed := journey(false), journey(true)
	if count.Load() < 8 {
		t.Fatalf("only %d errors were reworded: the journey misses the error paths", count.Load())
	}
	for i := range plain {
		if plain[i] != changed[i] {
			t.Errorf("step %d differs when messages are reworded:\n--- domain's words\n%s\n--- reworded\n%s", i, plain[i], changed[i])
		}
	}
}
