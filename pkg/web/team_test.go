package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// teamPageForm is the change-team form as the page gives it, ready to
// post: its hidden fields, the contact and the rows.
func teamPageForm(t *testing.T, p page, reg convening.Registration) url.Values {
	t.Helper()
	f := p.form(t, "/manage/"+reg.ID+"/team")
	f.Set("contact_name", reg.Contact.Name)
	f.Set("contact_email", reg.Contact.Email)
	for _, m := range reg.Members {
		f.Add("member_id", m.ID)
		f.Add("member_name", m.Name)
		f.Add("member_email", m.Email)
		f.Add("member_role", string(m.Role))
	}
	f.Set("op", "submit")
	return f
}

func (s *site) registration(t *testing.T, link string) convening.Registration {
	t.Helper()
	u, _ := url.Parse(link)
	reg, err := s.svc.Registration(context.Background(), strings.TrimPrefix(u.Path, "/manage/"), u.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestTeamChangesOnItsPage: the contact substitutes a member on the team's
// page; the page answers with a redirect to the registration, which says
// so; a mistyped address comes back next to its field and changes nothing.
func TestTeamChangesOnItsPage(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	link := s.register("cv", teamForm(1, 3)).manageLink(t)
	manage := s.get(link)
	manage.has(t, "Change your team")
	teamLink := strings.Replace(link, "?token=", "/team?token=", 1)
	p := s.get(teamLink)
	p.has(t, "Change your team", "9 seats are left: an added member takes one. Your team may have up to 4 members.", "Add another member",
		`name="member_id"`, "Save the changes")
	reg := s.registration(t, link)

	// A mistyped address: the form comes back with the error at its field.
	bad := teamPageForm(t, p, reg)
	emails := bad["member_email"]
	emails[1] = "not an address"
	if r := s.post("/manage/"+reg.ID+"/team", bad); r.status != 400 {
		t.Fatalf("bad email: %d", r.status)
	} else {
		r.has(t, "Member 2 email must be an email address", `id="member-1-email-error"`, "not an address")
	}
	if now := s.registration(t, link); !now.UpdatedAt.Equal(reg.UpdatedAt) {
		t.Fatal("a refused change changed the registration")
	}

	// A substitute typed over the second member, and one more member.
	good := teamPageForm(t, p, reg)
	good["member_name"][1], good["member_email"][1] = "Gloria Vang", "gvang@d1.example.org"
	good.Add("member_id", "")
	good.Add("member_name", "Ana Ruiz")
	good.Add("member_email", "ana@d1.example.org")
	good.Add("member_role", "principal")
	r := s.post("/manage/"+reg.ID+"/team", good)
	if r.status != 303 || !strings.Contains(r.headers["Location"], "done=changed") {
		t.Fatalf("save: %d %v %s", r.status, r.headers, r.body)
	}
	s.follow(r).has(t, "Your team is changed.", "Gloria Vang", "Ana Ruiz")
	after := s.registration(t, link)
	if after.Seats != 4 || after.Members[1].Name != "Gloria Vang" || after.Members[0].ID != reg.Members[0].ID {
		t.Fatalf("after: %+v", after)
	}

	// Without the site's form (its token), nothing changes.
	forged := teamPageForm(t, p, after)
	forged.Set("csrf", "x")
	if r := s.post("/manage/"+reg.ID+"/team", forged); r.status != 403 {
		t.Errorf("forged form: %d", r.status)
	}
	// Another's token opens nothing.
	if r := s.get(strings.Replace(teamLink, "token=", "token=x", 1)); r.status != 404 {
		t.Errorf("wrong token: %d", r.status)
	}
}

// TestTeamPageOffersNoSeatItCannotGive: with no seat left the page says
// so and offers no row to add; a post that adds one anyway is refused and
// the event is not oversold.
func TestTeamPageOffersNoSeatItCannotGive(t *testing.T) {
	s := newSite(t)
	s.event("cv", 6, 4, nil)
	link := s.register("cv", teamForm(1, 3)).manageLink(t)
	s.register("cv", teamForm(2, 3))
	teamLink := strings.Replace(link, "?token=", "/team?token=", 1)
	p := s.get(teamLink)
	p.has(t, "No seat is left at this event")
	p.lacks(t, "Add another member")
	reg := s.registration(t, link)
	more := teamPageForm(t, p, reg)
	more.Add("member_id", "")
	more.Add("member_name", "One Too Many")
	more.Add("member_email", "x@d1.example.org")
	more.Add("member_role", "other")
	r := s.post("/manage/"+reg.ID+"/team", more)
	if r.status != 409 {
		t.Fatalf("oversold? %d", r.status)
	}
	r.has(t, "no seat left for another member")
	if ev, _ := s.svc.Event(context.Background(), "cv"); ev.SeatsTaken != 6 {
		t.Fatalf("seats taken %d", ev.SeatsTaken)
	}
}

// TestMemberPage: a member's own link shows their place, the event and
// the team (names, no addresses), and takes "I can't attend"; the contact
// is told, the manage page says so; the manage token does not open it.
func TestMemberPage(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	link := s.register("cv", teamForm(1, 3)).manageLink(t)
	reg := s.registration(t, link)
	m := reg.Members[1]
	own := "/registrations/" + reg.ID + "/members/" + m.ID + "?token=" + url.QueryEscape(s.svc.AttendeeToken(reg.ID, m.ID))
	p := s.get(own)
	if p.status != 200 {
		t.Fatalf("member page: %d", p.status)
	}
	p.has(t, "You are expected.", "Member 2 (you)", "Member 1", "I can't attend", "María López")
	p.lacks(t, "m0@d1.example.org", "contact@d1.example.org", "/manage/", "Cancel")
	if r := s.get("/registrations/" + reg.ID + "/members/" + m.ID + "?token=" + url.QueryEscape(s.svc.Tokens.Token(reg.ID))); r.status != 404 {
		t.Errorf("the manage token opens a member's page: %d", r.status)
	}
	f := p.form(t, "/registrations/"+reg.ID+"/members/"+m.ID)
	f.Set("op", "cant")
	r := s.post("/registrations/"+reg.ID+"/members/"+m.ID, f)
	if r.status != 303 {
		t.Fatalf("can't attend: %d %s", r.status, r.body)
	}
	s.follow(r).has(t, "Thank you for telling us.", "You can't attend.", "I can attend after all")
	s.get(link).has(t, "1 member told us they can&#39;t attend.", "can't attend</span>")
	notices, _ := s.svc.RegistrationNotices(context.Background(), reg.ID)
	if last := notices[len(notices)-1]; last.Kind != convening.NoticeMemberCantAttend || last.AboutMemberID != m.ID {
		t.Errorf("the contact's notice %+v", last)
	}
	// The team page marks the member and offers the substitute.
	s.get(strings.Replace(link, "?token=", "/team?token=", 1)).has(t, "Member 2 told us they can't attend: name a substitute here, or remove them")
}

// TestLinksPage: known or not, an address gets the same answer, after a
// redirect; a malformed one comes back with its error.
func TestLinksPage(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	s.register("cv", teamForm(1, 2))
	var first string
	for _, email := range []string{"m1@d1.example.org", "nobody@nowhere.example.org"} {
		p := s.get("/links")
		p.has(t, "Email me my links")
		f := p.form(t, "/links")
		f.Set("email", email)
		r := s.post("/links", f)
		if r.status != 303 || r.headers["Location"] != "/links?sent=1" {
			t.Fatalf("%s: %d %v", email, r.status, r.headers)
		}
		body := s.follow(r).body
		if first == "" {
			first = body
		} else if body != first {
			t.Errorf("the answer differs for an unknown address")
		}
	}
	p := s.get("/links")
	f := p.form(t, "/links")
	f.Set("email", "not an address")
	r := s.post("/links", f)
	if r.status != 400 {
		t.Fatalf("bad address: %d", r.status)
	}
	r.has(t, "Email must be an email address", `aria-invalid="true"`)
}

// TestStatementContactMendsAMember: the contact mends a mistyped address
// on the statement's page: the member is asked again at the new address,
// and the old link stops working; a member who has not confirmed can be
// sent their link again; a member can say they can't attend.
func TestStatementContactMendsAMember(t *testing.T) {
	s := newSite(t)
	s.statementEvent("sym", 20, nil)
	link, id, token := s.submitStatement("sym", statementForm(1, 4)).statementLink(t)
	st, _ := s.svc.Statement(context.Background(), id, token)
	old := st.Members[1]
	oldLink := "/statements/" + id + "/members/" + old.ID + "?token=" + url.QueryEscape(s.svc.MemberToken(id, old.ID))
	page := s.get(link)
	page.has(t, "Change the members", "Send Member 2 the link again")
	// Send the link again.
	rf := page.form(t, "/statements/"+id+"/members/"+old.ID+"/resend")
	if r := s.post("/statements/"+id+"/members/"+old.ID+"/resend", rf); r.status != 303 {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	// Mend the address.
	tp := s.get(strings.Replace(link, "?token=", "/team?token=", 1))
	f := tp.form(t, "/statements/"+id+"/team")
	for _, m := range st.Members {
		f.Add("member_id", m.ID)
		f.Add("member_name", m.Name)
		f.Add("member_role", string(m.Role))
		if m.ID == old.ID {
			f.Add("member_email", "mended@d1.example.org")
		} else {
			f.Add("member_email", m.Email)
		}
	}
	f.Set("op", "submit")
	if r := s.post("/statements/"+id+"/team", f); r.status != 303 {
		t.Fatalf("mend: %d %s", r.status, r.body)
	}
	after, _ := s.svc.Statement(context.Background(), id, token)
	if after.Members[1].Email != "mended@d1.example.org" || after.Members[1].ID == old.ID {
		t.Fatalf("after: %+v", after.Members[1])
	}
	if r := s.get(oldLink); r.status != 404 {
		t.Errorf("the old link still works: %d", r.status)
	}
	// The new member can't attend: the contact is told.
	m := after.Members[1]
	mp := s.get("/statements/" + id + "/members/" + m.ID + "?token=" + url.QueryEscape(s.svc.MemberToken(id, m.ID)))
	mp.has(t, "I can't attend")
	mp.lacks(t, "contact@d1.example.org")
	df := mp.form(t, "/statements/"+id+"/members/"+m.ID)
	df.Set("op", "decline")
	if r := s.post("/statements/"+id+"/members/"+m.ID, df); r.status != 303 {
		t.Fatalf("decline: %d", r.status)
	}
	if st, _ := s.svc.Statement(context.Background(), id, token); st.Members[1].CantAttendAt == nil {
		t.Fatal("not recorded")
	}
}
