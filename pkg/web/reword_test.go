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
		s.svc.Clock = func() time.Time { return now }
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
