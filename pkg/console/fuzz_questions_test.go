package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// FuzzQuestionForms sends the forms of the event's questions,
// announcements and reminders any body, as staff with the session's
// anti-forgery token: every answer is a page or a redirect, never a
// server error (503 aside), and stays bounded.
func FuzzQuestionForms(f *testing.F) {
	paths := []string{"/staff/events/cv/questions", "/staff/events/cv/announcements", "/staff/events/cv/reminders"}
	f.Add(uint8(0), "op=save&reason=r&q0.label=Dietary&q0.type=several_choices&q0.choices=a%0Ab&q0.per=member&q0.required=yes")
	f.Add(uint8(0), "op=up-99999999999999999999&q0.label=x&q1.label=y&q20.label=z&q21.label=over")
	f.Add(uint8(0), "op=suggest-hotel-nights&op=suggest-nope&q0.id=..%2F&q0.label=%E2%80%AE&q0.choices="+strings.Repeat("c%0A", 60))
	f.Add(uint8(1), "op=preview&audience=registered&audience=registered&audience=x&to=members&subject=s&text=t&idem=short")
	f.Add(uint8(1), "op=send&audience=registered&to=contacts&subject=%0D%0ABcc:x&text=%00&reason=r&idem=aaaaaaaaaaaaaaaaaaaa")
	f.Add(uint8(1), "op=test&audience=waitlisted&to=members&subject=s&text=t")
	f.Add(uint8(2), "op=save&reason=r&r0.amount=1e9&r0.unit=weeks&r0.subject=s&r0.text=t&r0.audience=cancelled&r0.to=x")
	f.Add(uint8(2), "op=remove-0&r0.subject=a&r1.subject=b&r10.subject=c&r11.subject=over")
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		fx := newFixture(t)
		fx.event("cv", 20, convening.PolicyStrict)
		fx.register("cv", 1, 2)
		c := fx.as(deploy.RoleStaff)
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		path := paths[int(route)%len(paths)]
		r := c.post(path, form)
		if r.status >= 500 && r.status != 503 {
			t.Fatalf("POST %s: %d for %q", path, r.status, body)
		}
		if len(r.body) > 512<<10 {
			t.Fatalf("POST %s: %d-byte page for a %d-byte form", path, len(r.body), len(body))
		}
	})
}
