package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
	"github.com/calmi/convenings/pkg/web"
)

const host = "convenings.example.org"

// site is the website over a fresh table, with one browser's cookie jar
// and the handler's log captured.
type site struct {
	t   *testing.T
	h   *web.Handler
	svc *storetest.Services
	// store is the services' store, for reading what no page shows.
	store *memstore.Store
	jar   map[string]string
	logs  *bytes.Buffer
}

// newSite returns the website over an in-memory store; wrap, if given,
// stands between the pages and the service.
func newSite(t *testing.T, wrap ...func(web.Service) web.Service) *site {
	t.Helper()
	tokens, _ := convening.NewManageTokens([]byte(strings.Repeat("k", 32)))
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := memstore.New()
	svc := storetest.NewServices(store, tokens, log)
	var pages web.Service = web.Services{EventService: svc.EventService, RegistrationService: svc.RegistrationService,
		StatementService: svc.StatementService, LinksService: svc.LinksService, BillingService: svc.Billing,
		SurveyAnswerService: svc.SurveyAnswerService,
		EligibilityService:  svc.EligibilityService, JoinService: svc.JoinService, HistoryService: svc.HistoryService}
	for _, w := range wrap {
		pages = w(pages)
	}
	h, err := web.New(pages, web.Options{CSRFKey: []byte(strings.Repeat("c", 32)), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &site{t: t, h: h, svc: svc, store: store, jar: map[string]string{}, logs: &logs}
}

// browser returns another browser (own cookies) on the same site.
func (s *site) browser() *site {
	c := *s
	c.jar = map[string]string{}
	return &c
}

type page struct {
	status  int
	headers map[string]string
	cookies []string
	body    string
}

// routeKey finds the web route a path belongs to, as API Gateway would.
func routeKey(method, path string) (string, map[string]string) {
	segs := strings.Split(path, "/")
	for _, r := range deploy.Routes {
		if r.Method != method || r.Function != deploy.Web {
			continue
		}
		tmpl := strings.Split(r.Path, "/")
		if len(tmpl) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range tmpl {
			if strings.HasPrefix(p, "{") {
				v, _ := url.PathUnescape(segs[i])
				params[strings.Trim(p, "{}")] = v
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return r.Key(), params
		}
	}
	return method + " " + path, nil
}

func (s *site) do(method, target string, headers map[string]string, body string, base64Body bool) page {
	s.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		s.t.Fatal(err)
	}
	key, params := routeKey(method, u.EscapedPath())
	h := map[string]string{"host": host, "x-forwarded-proto": "https"}
	for k, v := range headers {
		h[strings.ToLower(k)] = v
	}
	var cookies []string
	for k, v := range s.jar {
		cookies = append(cookies, k+"="+v)
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: key, RawPath: u.EscapedPath(), RawQueryString: u.RawQuery,
		Headers: h, Cookies: cookies, PathParameters: params, Body: body}
	if base64Body && body != "" {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(body)), true
	}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.RequestID = "req-1"
	resp, err := frontdoor.Lambda(s.h)(context.Background(), ev)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, target, err)
	}
	for _, c := range resp.Cookies {
		kv, _, _ := strings.Cut(c, ";")
		k, v, _ := strings.Cut(kv, "=")
		s.jar[k] = v
	}
	return page{status: resp.StatusCode, headers: resp.Headers, cookies: resp.Cookies, body: resp.Body}
}

func (s *site) get(target string) page { s.t.Helper(); return s.do("GET", target, nil, "", false) }

// post sends a form as a browser on this site would; API Gateway passes it
// base64-encoded.
func (s *site) post(target string, form url.Values) page {
	s.t.Helper()
	return s.do("POST", target, map[string]string{"content-type": "application/x-www-form-urlencoded",
		"origin": "https://" + host, "sec-fetch-site": "same-origin"}, form.Encode(), true)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// hidden returns the hidden fields of the page's first form.
func (p page) hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		if v.Get(m[1]) == "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}

func (p page) has(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("page (%d) lacks %q:\n%s", p.status, w, p.body)
		}
	}
}

// event creates an event starting in a month; change adjusts it.
func (s *site) event(id string, capacity, maxTeam int, change func(*convening.Event)) convening.Event {
	s.t.Helper()
	start := s.svc.Now().AddDate(0, 1, 0).Truncate(time.Hour)
	e := convening.Event{ID: id, Title: "Convening " + id, Kind: convening.KindConvening, StartsAt: start, EndsAt: start.Add(6 * time.Hour),
		Venue: "Fresno County Office of Education", Capacity: capacity, MaxTeamSize: maxTeam}
	if change != nil {
		change(&e)
	}
	e, err := s.svc.CreateEvent(context.Background(), convening.StaffActor("staff-1", "staff@lmi.example.org"), e)
	if err != nil {
		s.t.Fatal(err)
	}
	return e
}

// teamForm is a valid form for team n with size members.
func teamForm(n, size int) url.Values {
	f := url.Values{
		"org_name": {fmt.Sprintf("District %d", n)}, "org_type": {"district"}, "county": {"Fresno"},
		"contact_name": {"María López"}, "contact_email": {fmt.Sprintf("contact@d%d.example.org", n)},
	}
	for i := 0; i < size; i++ {
		f.Add("member_name", fmt.Sprintf("Member %d", i+1))
		f.Add("member_email", fmt.Sprintf("m%d@d%d.example.org", i, n))
		f.Add("member_role", string(convening.Roles[i%len(convening.Roles)]))
	}
	return f
}

// register fills the event's form like a person would and submits it,
// following the answer's redirect as a browser does (a registration is
// answered 303 See Other to its page: post/redirect/get).
func (s *site) register(eventID string, form url.Values) page {
	s.t.Helper()
	p := s.get("/events/" + eventID)
	for k, v := range p.hidden() {
		form[k] = v
	}
	return s.follow(s.post("/events/"+eventID, form))
}

// follow gets the page a 303 answer sends the browser to.
func (s *site) follow(p page) page {
	s.t.Helper()
	if p.status != http.StatusSeeOther {
		return p
	}
	loc := p.headers["Location"]
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
		s.t.Fatalf("redirect to %q, not to a path of this site", loc)
	}
	return s.get(loc)
}

var manageLinkRE = regexp.MustCompile(`href="(/manage/[^"?]+\?token=[^"]+)"`)

func (p page) manageLink(t *testing.T) string {
	t.Helper()
	m := manageLinkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no manage link on the page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

func TestHomeShowsEveryState(t *testing.T) {
	s := newSite(t)
	now := time.Now()
	s.event("open-one", 20, 5, nil)
	s.event("full-one", 3, 3, nil)
	s.event("soon-one", 20, 5, func(e *convening.Event) {
		e.RegistrationOpensAt = time.Date(2031, 1, 6, 17, 0, 0, 0, time.UTC) // 9:00 AM Pacific
		e.StartsAt, e.EndsAt = e.StartsAt.AddDate(6, 0, 0), e.EndsAt.AddDate(6, 0, 0)
	})
	s.event("closed-one", 20, 5, func(e *convening.Event) {
		e.RegistrationOpensAt, e.RegistrationClosesAt = now.Add(-48*time.Hour), now.Add(-time.Hour)
	})
	s.event("past-one", 20, 5, func(e *convening.Event) {
		e.StartsAt, e.EndsAt = now.Add(-72*time.Hour), now.Add(-70*time.Hour)
		e.RegistrationOpensAt, e.RegistrationClosesAt = now.Add(-100*time.Hour), now.Add(-80*time.Hour)
	})
	if p := s.register("full-one", teamForm(1, 3)); p.status != 200 {
		t.Fatalf("fill: %d", p.status)
	}
	p := s.get("/")
	if p.status != 200 || p.headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Fatalf("home: %d %v", p.status, p.headers)
	}
	p.has(t, `lang="en"`, "Upcoming events", "Convening open-one", "Open for registration", "20 of 20",
		"Full — waiting list open", "Join the waiting list", "Registration closed",
		"Registration opens Monday, January 6, 2031, at 9:00 AM (Pacific time)", "(Pacific time)")
	if strings.Contains(p.body, "past-one") {
		t.Error("a past event is listed")
	}
}

func TestEventPageForm(t *testing.T) {
	s := newSite(t)
	s.event("cv", 6, 4, nil)
	p := s.get("/events/cv")
	if p.status != 200 {
		t.Fatalf("event page: %d", p.status)
	}
	p.has(t, "<h1>Convening cv</h1>", "Superintendent", "Certificated union president", "Classified union president",
		"School board member", `<label for="org-name">`, `<option>San Luis Obispo</option>`, `name="member_role"`,
		`<label for="member-0-email">`, "Add another member", `src="/static/form.js"`)
	if h := p.hidden(); h.Get("csrf") == "" || len(h.Get("idem")) < 16 {
		t.Errorf("hidden fields %v", h)
	}
	if len(p.cookies) != 1 || !strings.Contains(p.cookies[0], "SameSite=Strict") || !strings.Contains(p.cookies[0], "HttpOnly") ||
		!strings.Contains(p.cookies[0], "Secure") {
		t.Errorf("anti-forgery cookie %v", p.cookies)
	}
	if strings.Contains(p.body, "Remove member") {
		t.Error("a single row offers removal")
	}
	if p := s.get("/events/nope"); p.status != 404 || !strings.Contains(p.body, "We can&#39;t find that page") {
		t.Errorf("unknown event: %d %s", p.status, p.body)
	}
	if p := s.get("/events/..%2F..%2Fetc"); p.status != 404 {
		t.Errorf("odd event id: %d", p.status)
	}
	if p := s.get("/nothing/here"); p.status != 404 || !strings.Contains(p.body, "See the upcoming events") {
		t.Errorf("unknown route: %d", p.status)
	}
}

func TestFullEventSaysWaitingList(t *testing.T) {
	s := newSite(t)
	s.event("small", 4, 4, nil)
	s.register("small", teamForm(1, 4))
	s.browser().register("small", teamForm(2, 2))
	p := s.get("/events/small")
	p.has(t, "This event is full.", "at about number 2", "Full — waiting list open")
	p = s.browser().register("small", teamForm(3, 2))
	// The form redirects to the confirmation, which reads the registration:
	// its place is known there (registering itself tells none).
	p.has(t, "Your team is on the waiting list", "You are number <strong>2</strong> on the waiting list")
	s.browser().get(p.manageLink(t)).has(t, "On the waiting list: number 2.")
}

func TestErrorsNextToFieldsKeepInput(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	f := teamForm(1, 3)
	f["member_email"][1] = "not-an-email"
	f["member_email"][2] = f["member_email"][0]
	f.Set("county", "")
	f.Set("org_name", `Fresno <Unified> & "Co"`)
	p := s.register("cv", f)
	if p.status != 400 {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, `<title>Error: Convening cv`, `id="error-summary"`, `role="alert"`,
		`<a href="#member-1-email">Member 2 email must be an email address like name@district.org</a>`,
		`<a href="#county">Choose your county</a>`,
		`<a href="#member-2-email">Member 3 email is the same as member 1&#39;s email`,
		`id="member-1-email-error"`, `aria-describedby="member-1-email-error" aria-invalid="true"`,
		`value="not-an-email"`, `value="Fresno &lt;Unified&gt; &amp; &#34;Co&#34;"`, `value="María López"`,
		`value="m0@d1.example.org"`, `<option value="classified_union_president" selected>`, "Remove member 3")
	if strings.Contains(p.body, `id="county" name="county" required aria-describedby="county-error"`) == false {
		t.Error("county error is not tied to the select")
	}
	// Fix it: the page kept everything, including the idempotency key.
	fixed := teamForm(1, 3)
	for k, v := range p.hidden() {
		fixed[k] = v
	}
	if p := s.follow(s.post("/events/cv", fixed)); p.status != 200 || !strings.Contains(p.body, "Your team is registered") {
		t.Fatalf("after fixing: %d %s", p.status, p.body)
	}
}

func TestFormOutsideTheWindowAndTooBig(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 3, nil)
	now := time.Now()
	s.event("later", 12, 3, func(e *convening.Event) { e.RegistrationOpensAt = now.Add(48 * time.Hour) })
	s.event("over", 12, 3, func(e *convening.Event) {
		e.RegistrationOpensAt, e.RegistrationClosesAt = now.Add(-48*time.Hour), now.Add(-time.Hour)
	})
	if p := s.get("/events/later"); strings.Contains(p.body, "<form") || !strings.Contains(p.body, "Registration opens") {
		t.Errorf("a form before registration opens")
	}
	for id, want := range map[string]string{"later": "is not open yet", "over": "is closed"} {
		p := s.register(id, teamForm(1, 2))
		if p.status != 409 || !strings.Contains(p.body, want) {
			t.Errorf("%s: %d, want 409 saying %q", id, p.status, want)
		}
	}
	p := s.register("cv", teamForm(2, 5))
	if p.status != 400 || strings.Count(p.body, `name="member_name"`) != 5 ||
		!strings.Contains(p.body, "Your team has too many members: this event admits at most 3 members per team") {
		t.Errorf("too many members: %d, %d rows", p.status, strings.Count(p.body, `name="member_name"`))
	}
}

func TestAddAndRemoveRowsWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 3, nil)
	f := teamForm(1, 2)
	p := s.get("/events/cv")
	for k, v := range p.hidden() {
		f[k] = v
	}
	f.Set("op", "add")
	p = s.post("/events/cv", f)
	if p.status != 200 || strings.Count(p.body, `name="member_name"`) != 3 || strings.Contains(p.body, "Add another member") {
		t.Fatalf("add: %d, %d rows", p.status, strings.Count(p.body, `name="member_name"`))
	}
	p.has(t, `value="Member 2"`, `<label for="member-2-name">`)
	f.Set("op", "remove-0")
	p = s.post("/events/cv", f)
	if strings.Count(p.body, `name="member_name"`) != 1 || strings.Contains(p.body, `value="Member 1"`) || !strings.Contains(p.body, `value="Member 2"`) {
		t.Fatalf("remove: %s", p.body)
	}
	if ev, _ := s.svc.Event(context.Background(), "cv"); ev.SeatsTaken != 0 {
		t.Fatalf("adding rows registered %d seats", ev.SeatsTaken)
	}
}

func TestDoubleSubmitRegistersOnce(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	f := teamForm(1, 3)
	for k, v := range s.get("/events/cv").hidden() {
		f[k] = v
	}
	// Post/redirect/get: both answer 303 to the one registration's page.
	first := s.post("/events/cv", f)
	second := s.post("/events/cv", f)
	if first.status != 303 || second.status != 303 || first.headers["Location"] != second.headers["Location"] {
		t.Fatalf("statuses %d %d: %v", first.status, second.status, second.headers)
	}
	first, second = s.follow(first), s.follow(second)
	if first.manageLink(t) != second.manageLink(t) {
		t.Errorf("two registrations: %s and %s", first.manageLink(t), second.manageLink(t))
	}
	if ev, _ := s.svc.Event(context.Background(), "cv"); ev.SeatsTaken != 3 || ev.RegisteredTeams != 1 {
		t.Errorf("seats %d teams %d, want 3 and 1", ev.SeatsTaken, ev.RegisteredTeams)
	}
	// A plain (not base64) body is read the same way.
	g := teamForm(2, 1)
	for k, v := range s.get("/events/cv").hidden() {
		g[k] = v
	}
	p := s.follow(s.do("POST", "/events/cv", map[string]string{"content-type": "application/x-www-form-urlencoded"}, g.Encode(), false))
	if p.status != 200 || !strings.Contains(p.body, "Your team is registered") {
		t.Errorf("plain body: %d", p.status)
	}
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	good := teamForm(1, 2)
	for k, v := range s.get("/events/cv").hidden() {
		good[k] = v
	}
	attacker := s.browser() // no cookie: another site's form
	for name, try := range map[string]func() page{
		"NoCookie": func() page { return attacker.post("/events/cv", good) },
		"WrongToken": func() page {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set("csrf", "forged")
			return s.post("/events/cv", f)
		},
		"OtherOrigin": func() page {
			return s.do("POST", "/events/cv", map[string]string{"content-type": "application/x-www-form-urlencoded",
				"origin": "https://evil.example"}, good.Encode(), true)
		},
		"CrossSiteFetch": func() page {
			return s.do("POST", "/events/cv", map[string]string{"content-type": "application/x-www-form-urlencoded",
				"sec-fetch-site": "cross-site"}, good.Encode(), true)
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := try()
			if p.status != 403 || !strings.Contains(p.body, "For your security") || !strings.Contains(p.body, `value="District 1"`) {
				t.Fatalf("status %d:\n%s", p.status, p.body)
			}
		})
	}
	if ev, _ := s.svc.Event(context.Background(), "cv"); ev.SeatsTaken != 0 {
		t.Fatalf("a forged request registered %d seats", ev.SeatsTaken)
	}

	reg := s.register("cv", teamForm(2, 2))
	link := reg.manageLink(t)
	u, _ := url.Parse(link)
	id := strings.TrimPrefix(u.Path, "/manage/")
	p := attacker.post("/manage/"+id+"/cancel", url.Values{"token": {u.Query().Get("token")}, "confirm": {"yes"}})
	if p.status != 403 {
		t.Fatalf("forged cancel: %d", p.status)
	}
	if r, _ := s.svc.Registration(context.Background(), id, u.Query().Get("token")); r.Status != convening.StatusRegistered {
		t.Fatalf("forged cancel cancelled: %s", r.Status)
	}
}

func TestCancelWithConfirmationPromotes(t *testing.T) {
	s := newSite(t)
	s.event("cv", 4, 4, nil)
	a := s.register("cv", teamForm(1, 4))
	a.has(t, "Your team is registered", "has 4 seats at Convening cv", "https://"+host+"/manage/")
	bBrowser := s.browser()
	b := bBrowser.register("cv", teamForm(2, 3))
	b.has(t, "Your team is on the waiting list", "You are number <strong>1</strong> on the waiting list")

	aLink, bLink := a.manageLink(t), b.manageLink(t)
	m := s.get(aLink)
	m.has(t, "<strong>Registered.</strong>", "Add to calendar", "Cancel our registration", "District 1", "Member 4")
	wm := bBrowser.get(bLink)
	wm.has(t, "On the waiting list: number 1.")
	if strings.Contains(wm.body, "Add to calendar") {
		t.Error("a waitlisted team is offered a calendar entry")
	}

	u, _ := url.Parse(aLink)
	form := m.hidden()
	confirm := s.post(u.Path+"/cancel", form)
	if confirm.status != 200 {
		t.Fatalf("confirmation step: %d", confirm.status)
	}
	confirm.has(t, "Cancel your team's registration?", "Yes, cancel our registration", "No, keep it", `name="confirm" value="yes"`)
	if r, _ := s.svc.Registration(context.Background(), strings.TrimPrefix(u.Path, "/manage/"), u.Query().Get("token")); r.Status != convening.StatusRegistered {
		t.Fatal("cancelled without confirmation")
	}
	done := s.post(u.Path+"/cancel", confirm.hidden())
	loc := done.headers["Location"]
	if done.status != 303 || !strings.HasPrefix(loc, "/manage/") || strings.HasPrefix(loc, "//") {
		t.Fatalf("after cancel: %d %q", done.status, loc)
	}
	s.get(loc).has(t, "Your registration is cancelled", "<strong>Cancelled.</strong>")
	bBrowser.get(bLink).has(t, "<strong>Registered.</strong>", "moved up from the waiting list")
	if p := s.post(u.Path+"/cancel", confirm.hidden()); p.status != 303 {
		t.Errorf("cancelling twice: %d", p.status)
	}
}

func TestManageNeedsItsToken(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	link := s.register("cv", teamForm(1, 2)).manageLink(t)
	u, _ := url.Parse(link)
	for _, target := range []string{u.Path, u.Path + "?token=wrong", u.Path + "?token=" + strings.Repeat("A", 43),
		"/manage/01UNKNOWN?token=" + u.Query().Get("token"), u.Path + "/calendar.ics?token=nope"} {
		if p := s.get(target); p.status != 404 || !strings.Contains(p.body, "We can&#39;t find that page") || strings.Contains(p.body, "District 1") {
			t.Errorf("%s: %d", target, p.status)
		}
	}
}

func TestCalendarDownload(t *testing.T) {
	s := newSite(t)
	e := s.event("cv", 12, 4, nil)
	link := s.register("cv", teamForm(1, 2)).manageLink(t)
	u, _ := url.Parse(link)
	p := s.get(u.Path + "/calendar.ics?" + u.RawQuery)
	if p.status != 200 || !strings.HasPrefix(p.headers["Content-Type"], "text/calendar") || !strings.Contains(p.headers["Content-Disposition"], "attachment") {
		t.Fatalf("calendar: %d %v", p.status, p.headers)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	start, err := evs[0].GetStartAt()
	if err != nil || !start.Equal(e.StartsAt) {
		t.Errorf("start %v (%v), want %v", start, err, e.StartsAt)
	}
	id := strings.TrimPrefix(u.Path, "/manage/")
	if uid := evs[0].Id(); uid != "registration-"+id+"@convenings.calmi.org" {
		t.Errorf("UID %q", uid)
	}
	if strings.Contains(p.body, u.Query().Get("token")) {
		t.Errorf("the calendar file holds the manage token:\n%s", p.body)
	}
}

var linkRE = regexp.MustCompile(`(?:href|src|action)="([^"]*)"`)

// TestNoLeaks checks every page in every state: security headers, and that
// the manage token appears in no log line, no Location to another site and
// no link to another origin.
func TestNoLeaks(t *testing.T) {
	s := newSite(t)
	s.event("cv", 4, 4, nil)
	var pages []page
	pages = append(pages, s.get("/"), s.get("/events/cv"), s.get("/nope"), s.get("/static/site.css"), s.get("/static/form.js"))
	bad := teamForm(1, 2)
	bad.Set("contact_email", "x")
	pages = append(pages, s.register("cv", bad))
	a := s.register("cv", teamForm(1, 4))
	b := s.browser().register("cv", teamForm(2, 2))
	pages = append(pages, a, b, s.get("/events/cv"))
	u, _ := url.Parse(a.manageLink(t))
	token := u.Query().Get("token")
	m := s.get(a.manageLink(t))
	if m.headers["X-Robots-Tag"] != "noindex, nofollow" || a.headers["X-Robots-Tag"] != "noindex, nofollow" {
		t.Errorf("private pages may be indexed: %v", m.headers)
	}
	c := s.post(u.Path+"/cancel", m.hidden())
	d := s.post(u.Path+"/cancel", c.hidden())
	pages = append(pages, m, c, d, s.get(d.headers["Location"]), s.get(u.Path+"/calendar.ics?"+u.RawQuery))
	checkNoLeaks(t, s, pages, token)
	if !strings.Contains(s.logs.String(), `"route":"POST /manage/{registrationId}/cancel"`) {
		t.Errorf("requests are not logged:\n%s", s.logs.String())
	}
}

// checkNoLeaks checks pages for the security headers, inline code, and
// redirects or links to another origin, and the log for the tokens.
func checkNoLeaks(t *testing.T, s *site, pages []page, tokens ...string) {
	t.Helper()
	for i, p := range pages {
		csp := p.headers["Content-Security-Policy"]
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") ||
			p.headers["X-Content-Type-Options"] != "nosniff" || p.headers["Referrer-Policy"] != "no-referrer" {
			t.Errorf("page %d: security headers %v", i, p.headers)
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, " onclick=") {
			t.Errorf("page %d has inline code or style", i)
		}
		if loc := p.headers["Location"]; loc != "" && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//")) {
			t.Errorf("page %d: Location %q leaves the site", i, loc)
		}
		for _, l := range linkRE.FindAllStringSubmatch(p.body, -1) {
			href := html.UnescapeString(l[1])
			if strings.HasPrefix(href, "//") || (strings.Contains(href, "://") && !strings.HasPrefix(href, "https://"+host+"/")) {
				t.Errorf("page %d links to another origin: %q", i, href)
			}
		}
	}
	for _, token := range tokens {
		if strings.Contains(s.logs.String(), token) {
			t.Errorf("a token is in the log:\n%s", s.logs.String())
		}
	}
	if strings.Contains(s.logs.String(), "token=") {
		t.Errorf("a link with its token is in the log:\n%s", s.logs.String())
	}
}

func TestDefaultRoute(t *testing.T) {
	s := newSite(t)
	for _, tt := range []struct {
		path, contentType string
	}{
		{"/no/such/page", "text/html"},
		{"/api/no-such-thing", "application/problem+json"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := frontdoor.Lambda(s.h)(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: deploy.DefaultRoute, RawPath: tt.path,
				Headers: map[string]string{}})
			if err != nil || resp.StatusCode != 404 || !strings.HasPrefix(resp.Headers["Content-Type"], tt.contentType) {
				t.Fatalf("%v %d %v", err, resp.StatusCode, resp.Headers)
			}
		})
	}
}

// TestTrailingSlash: API Gateway sends /staff/ to the $default route, the
// website, which sends the browser on to /staff (issue 16); a path no
// route has stays the 404 page.
func TestTrailingSlash(t *testing.T) {
	s := newSite(t)
	for _, tt := range []struct {
		path, location string
		status         int
	}{
		{"/staff/", "/staff", 301},
		{"/staff/events/", "/staff/events", 301},
		{"/events/cv/", "/events/cv", 301},
		{"/no/such/page/", "", 404},
	} {
		ev := events.APIGatewayV2HTTPRequest{RouteKey: deploy.DefaultRoute, RawPath: tt.path, Headers: map[string]string{}}
		ev.RequestContext.HTTP.Method = "GET"
		resp, err := frontdoor.Lambda(s.h)(context.Background(), ev)
		if err != nil || resp.StatusCode != tt.status || resp.Headers["Location"] != tt.location {
			t.Errorf("%s: %v %d %v", tt.path, err, resp.StatusCode, resp.Headers)
		}
	}
}

func TestHTTPSCookieAndHSTS(t *testing.T) {
	s := newSite(t)
	s.event("cv", 10, 4, nil)
	p := s.get("/events/cv")
	if len(p.cookies) != 1 || !strings.HasPrefix(p.cookies[0], "__Host-lmi_csrf=") || !strings.Contains(p.cookies[0], "; Secure") ||
		strings.Contains(p.cookies[0], "Domain=") || !strings.Contains(p.cookies[0], "Path=/;") {
		t.Fatalf("cookie over HTTPS: %q", p.cookies)
	}
	if p.headers["Strict-Transport-Security"] != "max-age=31536000; includeSubDomains" {
		t.Fatalf("HSTS over HTTPS: %q", p.headers["Strict-Transport-Security"])
	}
	// The local runner serves plain http: no prefix (browsers would drop
	// the cookie) and no HSTS.
	local := s.browser()
	p = local.do("GET", "/events/cv", map[string]string{"x-forwarded-proto": "http"}, "", false)
	if len(p.cookies) != 1 || !strings.HasPrefix(p.cookies[0], "lmi_csrf=") || strings.Contains(p.cookies[0], "Secure") ||
		p.headers["Strict-Transport-Security"] != "" {
		t.Fatalf("over http: %q %v", p.cookies, p.headers)
	}
}

// TestFormAcrossRotation: a form loaded before the token secret rotated is
// still accepted after it (the key it was signed with is a previous key of
// the ring), and refused once that key has left the ring.
func TestFormAcrossRotation(t *testing.T) {
	s := newSite(t)
	s.event("cv", 12, 4, nil)
	f := teamForm(1, 2)
	for k, v := range s.get("/events/cv").hidden() {
		f[k] = v
	}
	rotated := func(previous ...[]byte) *site {
		t.Helper()
		h, err := web.New(web.Services{EventService: s.svc.EventService, RegistrationService: s.svc.RegistrationService,
			StatementService: s.svc.StatementService, LinksService: s.svc.LinksService, BillingService: s.svc.Billing,
			SurveyAnswerService: s.svc.SurveyAnswerService}, web.Options{CSRFKey: []byte(strings.Repeat("n", 32)), CSRFPreviousKeys: previous})
		if err != nil {
			t.Fatal(err)
		}
		c := *s
		c.h = h
		return &c
	}
	if p := rotated().post("/events/cv", f); p.status != 403 {
		t.Fatalf("a form signed with a key that left the ring: %d, want 403", p.status)
	}
	if p := rotated([]byte(strings.Repeat("c", 32))).post("/events/cv", f); p.status >= 400 {
		t.Fatalf("a form loaded before the rotation: %d\n%s", p.status, p.body)
	}
	if ev, _ := s.svc.Event(context.Background(), "cv"); ev.SeatsTaken != 2 {
		t.Fatalf("seats taken %d, want the team's 2", ev.SeatsTaken)
	}
}
