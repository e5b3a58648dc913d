package convening_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/calmi/convenings/pkg/convening"
)

// FuzzTeam: any team a client sends is normalized and validated without
// panicking, and a team that passes is one the system can serve: every
// address is one SES delivers to, no name hides format or bidirectional
// characters, the organization key is bounded, and validating again after
// normalizing again changes nothing.
func FuzzTeam(f *testing.F) {
	f.Add(`{"organization":{"name":"Fresno Unified","type":"district","county":"fresno county"},"contact":{"name":"Ana Ruiz","email":"ana@fresnounified.org"},"members":[{"name":"Ana Ruiz","email":"ana@fresnounified.org","role":"superintendent"}]}`)
	f.Add(`{"organization":{"name":"Ｆｒｅｓｎｏ\u200b Unified","type":"county_office","county":"Monterey"},"contact":{"name":"\u202eAna","email":"ü@example.com"},"members":[]}`)
	f.Add(`{"members":[{},{},{}]}`)
	f.Add(`{"contact":{"email":"a@xn--bcher-kva.example"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var team convening.Team
		if json.Unmarshal([]byte(body), &team) != nil {
			return
		}
		team.Normalize()
		err := team.Validate(convening.Event{MaxTeamSize: 8})
		if de := convening.AsError(err); err != nil && (de == nil || de.Code != convening.EINVALID || len(de.Fields) > convening.MaxFieldErrors) {
			t.Fatalf("validation error %v", err)
		}
		if err != nil {
			return
		}
		if k := team.Organization.Key(); len(k) > 1024 || k == "" {
			t.Fatalf("organization key %q", k)
		}
		emails := []string{team.Contact.Email}
		names := []string{team.Organization.Name, team.Contact.Name}
		for _, m := range team.Members {
			emails, names = append(emails, m.Email), append(names, m.Name)
		}
		for _, e := range emails {
			if !convening.DeliverableEmail(e) || strings.ContainsFunc(e, func(r rune) bool { return r > unicode.MaxASCII || r <= ' ' }) {
				t.Fatalf("accepted address %q", e)
			}
		}
		for _, n := range names {
			if strings.ContainsFunc(n, func(r rune) bool { return unicode.Is(unicode.Cf, r) || unicode.IsControl(r) }) {
				t.Fatalf("accepted name %q", n)
			}
		}
		again := team
		again.Normalize()
		if again.Validate(convening.Event{MaxTeamSize: 8}) != nil || again.Organization.Key() != team.Organization.Key() {
			t.Fatal("normalizing twice changed the team")
		}
	})
}

// FuzzEvent: a valid event's times are in range, so they store as
// fixed-width UTC text that sorts as time does.
func FuzzEvent(f *testing.F) {
	f.Add(`{"id":"si","title":"Summer Institute","kind":"institute","startsAt":"2027-06-22T09:00:00-07:00","endsAt":"2027-06-23T16:00:00-07:00","venue":"San Diego","capacity":10,"maxTeamSize":4,"waitlistPolicy":"strict"}`)
	f.Add(`{"id":"x","title":"x","kind":"webinar","online":true,"startsAt":"9999-12-31T23:59:59-23:59","endsAt":"9999-12-31T23:59:59-23:59","capacity":1,"maxTeamSize":1,"waitlistPolicy":"fill"}`)
	f.Add(`{"id":"y","title":"y","kind":"webinar","online":true,"startsAt":"0000-01-01T00:30:00+01:00","endsAt":"2000-01-01T00:00:00Z","capacity":1,"maxTeamSize":1,"waitlistPolicy":"fill"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var e convening.Event
		if json.Unmarshal([]byte(body), &e) != nil {
			return
		}
		if e.Validate() != nil {
			return
		}
		for _, at := range []time.Time{e.StartsAt, e.EndsAt, e.RegistrationOpensAt, e.RegistrationClosesAt} {
			if at.IsZero() {
				continue
			}
			if s := at.UTC().Format("2006-01-02T15:04:05.000Z"); len(s) != 24 || at.Before(convening.EarliestTime) || !at.Before(convening.LatestTime) {
				t.Fatalf("accepted time %v (%s)", at, s)
			}
		}
		if !e.EndsAt.After(e.StartsAt) || !convening.ValidEventID(e.ID) {
			t.Fatalf("accepted %+v", e)
		}
	})
}

// FuzzSlug: a title's slug is a valid event id or empty.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"CA LMI Summer Institute 2019", "  Pre-conference: new teams!", "Convening — Central Valley", "ÅÄÖ", strings.Repeat("a-", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		if s := convening.Slug(title); s != "" && !convening.ValidEventID(s) {
			t.Fatalf("Slug(%q) = %q is not an event id", title, s)
		}
	})
}

// FuzzManageToken: only the registration's own token opens it.
func FuzzManageToken(f *testing.F) {
	m, _ := convening.NewManageTokens([]byte(strings.Repeat("k", 32)))
	f.Add("01ABC", m.Token("01ABC"))
	f.Add("01ABC", m.Token("01ABD"))
	f.Add("", "")
	f.Add("01ABC", "!!!")
	f.Fuzz(func(t *testing.T, id, token string) {
		if m.Valid(id, token) != (token == m.Token(id)) {
			t.Fatalf("Valid(%q, %q) disagrees with Token", id, token)
		}
	})
}
