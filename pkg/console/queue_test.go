package console_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// TestQueuedEventForm: staff make an event queued when they create it,
// see it on its page, and cannot take it back to direct registration
// while registration is open (the form says why, at the field).
func TestQueuedEventForm(t *testing.T) {
	f := newFixture(t)
	c := f.as(deploy.RoleStaff)
	c.get("/staff/new-event").hasHTML(t, `id="mode-direct" name="mode" value="direct" checked`, `id="mode-queued"`)
	form := eventForm()
	form.Set("mode", "queued")
	form.Set("opens", "2026-01-01T09:00") // open now: the event starts in 2027
	r := c.post("/staff/events", form)
	if r.status != 303 {
		t.Fatalf("%d:\n%s", r.status, text(r.body))
	}
	c.follow(r).has(t, "queued for a rush")
	e, err := f.svc.Event(context.Background(), "central-valley-convening-2027")
	if err != nil || e.RegistrationMode != convening.ModeQueued {
		t.Fatalf("%v %s", err, e.RegistrationMode)
	}
	c.get("/staff/events/"+e.ID+"/edit").hasHTML(t, `id="mode-queued" name="mode" value="queued" checked`)
	back := url.Values{"mode": {"direct"}, "reason": {"The rush is over"}}
	r = c.post("/staff/events/"+e.ID, back)
	if r.status != 409 {
		t.Fatalf("back to direct while open: %d:\n%s", r.status, text(r.body))
	}
	r.has(t, "cannot go back to direct registration until registration closes")
	r.hasHTML(t, `id="error-summary"`, `href="#mode-direct"`)
}
