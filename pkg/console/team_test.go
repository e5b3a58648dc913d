package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// teamScene is an event of 6 seats, strict: team 1 (4) registered, team 2
// (3) at the head of the waiting list and not fitting the 2 seats left,
// team 3 (2) behind it.
type teamScene struct {
	f                    *fixture
	c                    *client
	first, second, third convening.Registration
}

func newTeamScene(t *testing.T) teamScene {
	f := newFixture(t)
	f.event("cv", 6, convening.PolicyStrict)
	s := teamScene{f: f, c: f.as(deploy.RoleStaff)}
	s.first, s.second, s.third = f.register("cv", 1, 4), f.register("cv", 2, 3), f.register("cv", 3, 2)
	return s
}

func (s teamScene) audit(id string) []convening.AuditRecord {
	records, _, err := s.f.svc.Audit(context.Background(), convening.AuditQuery{Subject: id})
	if err != nil {
		s.f.t.Fatal(err)
	}
	return records
}

func TestTeamPage(t *testing.T) {
	s := newTeamScene(t)
	s.f.failNotice(s.second.ID, "bounced (Permanent/General)")
	r := s.c.get("/staff/registrations/" + s.second.ID)
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	r.has(t, "District 2 Unified", "Waiting list number 1 on the waiting list", "Contact 2, contact2@district2.org",
		"Member 2-0 m0@district2.org Superintendent expected no", "Waiting-list place Failed", "Cause: bounced (Permanent/General)",
		"The team Joined the waiting list", "Register now, out of turn", "only 2 are left: it cannot be registered now",
		"Move on the waiting list", "Cancel this registration")
	r = s.c.get("/staff/registrations/" + s.third.ID)
	r.has(t, "Waiting-list place Pending", "it can be registered at once")
	r = s.c.get("/staff/registrations/" + s.first.ID)
	if strings.Contains(r.body, "Move on the waiting list") || strings.Contains(r.body, "out of turn") {
		t.Error("a registered team is offered waiting-list actions")
	}
	if r := s.c.get("/staff/registrations/NOPE"); r.status != 404 || !strings.Contains(text(r.body), "no registration has that id") {
		t.Errorf("an unknown registration: %d", r.status)
	}
}

// TestTeamPageShowsWhoCantAttend: a member who said, by their own link,
// that they can't attend is marked on the team's page, with when, and
// counted by the seats; saying they can after all clears it.
func TestTeamPageShowsWhoCantAttend(t *testing.T) {
	s := newTeamScene(t)
	ctx := context.Background()
	m := s.first.Members[2]
	token := s.f.svc.AttendeeToken(s.first.ID, m.ID)
	if _, err := s.f.svc.SetAttendance(ctx, s.first.ID, m.ID, token, true); err != nil {
		t.Fatal(err)
	}
	r := s.c.get("/staff/registrations/" + s.first.ID)
	r.has(t, "Seats 4; 0 checked in; 1 member says they can't attend", "Member 1-0 m0@district1.org Superintendent expected no",
		m.Name+" "+m.Email+" "+m.Role.Label()+" can't attend said so ")
	if _, err := s.f.svc.SetAttendance(ctx, s.first.ID, m.ID, token, false); err != nil {
		t.Fatal(err)
	}
	r = s.c.get("/staff/registrations/" + s.first.ID)
	if page := text(r.body); strings.Contains(page, "can't attend said so") || strings.Contains(page, "say they can't attend") {
		t.Errorf("the page still says a member can't attend:\n%s", page)
	}
	r.has(t, m.Name+" "+m.Email+" "+m.Role.Label()+" expected no")
}

// TestTeamActions runs each action on a team from its form: done with a
// reason (303 to the team's page, which says so; the audit log has it);
// refused without one (400, the form unfolded with the field named); and
// refused when the team's state does not allow it (409).
func TestTeamActions(t *testing.T) {
	tests := []struct {
		name   string
		team   func(teamScene) convening.Registration
		action string
		form   url.Values
		status int
		// want is on the page the action leads to; check what it changed.
		want  []string
		kind  convening.AuditKind
		check func(t *testing.T, s teamScene)
	}{
		{name: "CancelOK", team: func(s teamScene) convening.Registration { return s.first }, action: "cancel",
			form: url.Values{"reason": {"Registered by a vendor in the district's name"}}, status: 303,
			want: []string{"The registration of District 1 Unified is cancelled", "Promoted from the waiting list, and emailed: District 2 Unified , District 3 Unified"},
			kind: convening.AuditCancelled,
			check: func(t *testing.T, s teamScene) {
				if reg := s.f.registration(s.second.ID); reg.Status != convening.StatusRegistered {
					t.Errorf("team 2 is %s", reg.Status)
				}
			}},
		{name: "CancelNoReason", team: func(s teamScene) convening.Registration { return s.first }, action: "cancel",
			form: url.Values{"reason": {"  "}}, status: 400, want: []string{"Reason is required", `href="#cancel-reason"`, `<details class="action danger-zone" open>`}},
		{name: "PromoteOK", team: func(s teamScene) convening.Registration { return s.third }, action: "promote",
			form: url.Values{"reason": {"The speaker's team"}}, status: 303,
			want: []string{"District 3 Unified is registered from the waiting list, and emailed."}, kind: convening.AuditPromoted,
			check: func(t *testing.T, s teamScene) {
				if reg := s.f.registration(s.third.ID); reg.Status != convening.StatusRegistered {
					t.Errorf("team 3 is %s", reg.Status)
				}
			}},
		{name: "PromoteTooBig", team: func(s teamScene) convening.Registration { return s.second }, action: "promote",
			form: url.Values{"reason": {"Please"}}, status: 409, want: []string{"There are not enough seats left for this"}},
		{name: "PromoteRegistered", team: func(s teamScene) convening.Registration { return s.first }, action: "promote",
			form: url.Values{"reason": {"Please"}}, status: 409, want: []string{"This team is not on the waiting list"}},
		{name: "MoveOK", team: func(s teamScene) convening.Registration { return s.third }, action: "move",
			form: url.Values{"position": {"1"}, "reason": {"Registered first by phone"}}, status: 303,
			want: []string{"District 3 Unified is now number 1 on the waiting list", "every team it passed"}, kind: convening.AuditMoved,
			check: func(t *testing.T, s teamScene) {
				if reg := s.f.registration(s.second.ID); *reg.WaitlistPosition != 2 {
					t.Errorf("team 2 is number %d", *reg.WaitlistPosition)
				}
				notices, _ := s.f.svc.RegistrationNotices(context.Background(), s.second.ID)
				if last := notices[len(notices)-1]; last.Kind != convening.NoticeWaitlistMoved {
					t.Errorf("team 2 was not told its new place: %+v", notices)
				}
			}},
		{name: "MoveBad", team: func(s teamScene) convening.Registration { return s.third }, action: "move",
			form: url.Values{"position": {"first"}}, status: 400,
			want: []string{`href="#move-position"`, `href="#move-reason"`, "New place must be a whole number", "Reason is required"}},
		{name: "MoveOutOfRange", team: func(s teamScene) convening.Registration { return s.third }, action: "move",
			form: url.Values{"position": {"5"}, "reason": {"x"}}, status: 400, want: []string{"New place must be a whole number from 1 to 2"}},
		{name: "ContactOK", team: func(s teamScene) convening.Registration { return s.first }, action: "contact",
			form:   url.Values{"contact_name": {"Rosa Diaz"}, "contact_email": {"rosa@district1.org"}, "reason": {"The email bounced"}},
			status: 303, want: []string{"Rosa Diaz is now the contact of District 1 Unified"}, kind: convening.AuditContactChanged},
		{name: "ContactBad", team: func(s teamScene) convening.Registration { return s.first }, action: "contact",
			form: url.Values{"contact_name": {"Rosa Diaz"}, "contact_email": {"rosa at district1"}, "reason": {"x"}}, status: 400,
			want: []string{`href="#contact-email"`, "Contact's email must be an email address", `value="rosa at district1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTeamScene(t)
			reg := tt.team(s)
			before := len(s.audit(reg.ID))
			r := s.c.post("/staff/registrations/"+reg.ID+"/"+tt.action, tt.form)
			if r.status != tt.status {
				t.Fatalf("%d, want %d:\n%s", r.status, tt.status, text(r.body))
			}
			if r.status == 303 {
				if r.location() != "/staff/registrations/"+reg.ID {
					t.Errorf("redirect to %s", r.location())
				}
				r = s.c.follow(r)
				records := s.audit(reg.ID)
				if len(records) != before+1 || records[0].Kind != tt.kind || records[0].Reason != strings.TrimSpace(tt.form.Get("reason")) ||
					records[0].Actor.ID != "sub-staff" {
					t.Errorf("audit: %+v", records[0])
				}
			} else if n := len(s.audit(reg.ID)); n != before {
				t.Errorf("a refused action wrote %d audit records", n-before)
			}
			for _, w := range tt.want {
				if strings.Contains(w, `="`) {
					r.hasHTML(t, w)
				} else {
					r.has(t, w)
				}
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
	t.Run("Unknown", func(t *testing.T) {
		s := newTeamScene(t)
		if r := s.c.post("/staff/registrations/NOPE/cancel", url.Values{"reason": {"x"}}); r.status != 404 {
			t.Errorf("cancel an unknown registration: %d", r.status)
		}
	})
}

// TestResend sends an email again: the team's page lists it, pending.
func TestResend(t *testing.T) {
	s := newTeamScene(t)
	failed := s.f.failNotice(s.first.ID, "bounced (Permanent/General)")
	path := "/staff/registrations/" + s.first.ID + "/emails/" + failed.ID + "/resend"
	r := s.c.post(path, url.Values{})
	if r.status != 400 {
		t.Fatalf("without a reason: %d", r.status)
	}
	r.hasHTML(t, `href="#resend-`+failed.ID+`-reason"`)
	r = s.c.post(path, url.Values{"reason": {"Address corrected"}})
	s.c.follow(r).has(t, "The email “Registration confirmed” is on its way again", "Registration confirmed Pending")
	notices, _ := s.f.svc.RegistrationNotices(context.Background(), s.first.ID)
	if len(notices) != 2 || notices[1].Kind != convening.NoticeRegistered || notices[1].State != convening.NoticePending {
		t.Errorf("notices %+v", notices)
	}
	// Another team's email, or none, is not this team's.
	other, _ := s.f.svc.RegistrationNotices(context.Background(), s.second.ID)
	if r := s.c.post("/staff/registrations/"+s.first.ID+"/emails/"+other[0].ID+"/resend", url.Values{"reason": {"x"}}); r.status != 404 {
		t.Errorf("another team's email: %d", r.status)
	}
}

// TestChangeMembers edits a team's members within the seats left.
func TestChangeMembers(t *testing.T) {
	s := newTeamScene(t)
	path := "/staff/registrations/" + s.first.ID + "/members"
	r := s.c.get(path)
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	// 2 seats left: two empty rows for new members.
	if n := strings.Count(r.body, "<legend>New member</legend>"); n != 2 {
		t.Errorf("%d empty rows, want 2", n)
	}
	rows := func(ms []convening.Member, extra ...convening.Member) url.Values {
		v := url.Values{}
		for _, m := range append(ms, extra...) {
			v.Add("member_id", m.ID)
			v.Add("member_name", m.Name)
			v.Add("member_email", m.Email)
			v.Add("member_role", string(m.Role))
		}
		return v
	}
	t.Run("BadRow", func(t *testing.T) {
		v := rows(s.first.Members, convening.Member{Name: "New Person", Email: "not an email", Role: convening.RoleOther})
		v.Set("reason", "x")
		r := s.c.post(path, v)
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.hasHTML(t, `href="#member-4-email"`, `value="New Person"`)
		r.has(t, "Member 5's email must be an email address")
	})
	t.Run("TooMany", func(t *testing.T) {
		v := rows(s.first.Members, convening.Member{Name: "A", Email: "a@d1.org", Role: convening.RoleOther},
			convening.Member{Name: "B", Email: "b@d1.org", Role: convening.RoleOther}, convening.Member{Name: "C", Email: "c@d1.org", Role: convening.RoleOther})
		v.Set("reason", "Three more")
		r := s.c.post(path, v)
		if r.status != 400 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		r.hasHTML(t, `href="#members"`)
		r.has(t, "The team may have at most 6 members")
	})
	t.Run("NoSeatLeft", func(t *testing.T) {
		if _, err := s.f.svc.PromoteNow(context.Background(), staffActor, s.third.ID, "Takes the last 2 seats"); err != nil {
			t.Fatal(err)
		}
		v := rows(s.first.Members, convening.Member{Name: "A", Email: "a@d1.org", Role: convening.RoleOther})
		v.Set("reason", "One more")
		r := s.c.post(path, v)
		if r.status != 409 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		r.has(t, "There are not enough seats left")
	})
	t.Run("RemoveOK", func(t *testing.T) {
		v := rows(s.first.Members)
		v.Add("member_remove", "3")
		v.Add("member_remove", "2")
		v.Add("member_remove", "1")
		v.Set("reason", "Three cannot come")
		r := s.c.post(path, v)
		if r.status != 303 {
			t.Fatalf("%d:\n%s", r.status, text(r.body))
		}
		// 3 seats freed, none was left after team 3 took the last two: team 2 (3) fits.
		s.c.follow(r).has(t, "The members of District 1 Unified are changed (1 seat)", "Promoted from the waiting list, and emailed: District 2 Unified")
		if reg := s.f.registration(s.first.ID); reg.Seats != 1 || reg.Members[0].ID != s.first.Members[0].ID {
			t.Errorf("team 1: %+v", reg)
		}
	})
	t.Run("NoReason", func(t *testing.T) {
		r := s.c.post(path, rows(s.f.registration(s.first.ID).Members))
		if r.status != 400 {
			t.Fatalf("%d", r.status)
		}
		r.hasHTML(t, `href="#reason"`)
	})
}
