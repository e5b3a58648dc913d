package console_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
	"github.com/calmi/convenings/pkg/storetest"
)

// fixture is the console over the in-memory store, with sessions put in
// the session store directly (session_test.go covers signing in).
type fixture struct {
	t        testing.TB
	h        *console.Handler
	svc      *storetest.Services
	store    *memstore.Store
	sessions *memstore.Sessions
}

var staffActor = convening.StaffActor("seed-staff", "seed@lmi.example.org")

func newFixture(t testing.TB) *fixture { return newFixtureWith(t, nil) }

// newFixtureWith gives the console the service as wrap returns it (nil:
// as it is).
func newFixtureWith(t testing.TB, wrap func(console.Service) console.Service) *fixture {
	t.Helper()
	store, sessions := memstore.New(), memstore.NewSessions()
	tokens, err := convening.NewManageTokens([]byte(strings.Repeat("t", 32)))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := storetest.NewServices(store, tokens, log)
	var pages console.Service = consoleServices(svc)
	if wrap != nil {
		pages = wrap(pages)
	}
	h, err := console.New(context.Background(), pages, sessions, console.Options{
		Pool:      cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_TEST", ClientID: "client", LoginURL: "https://login.example.org"},
		PublicURL: "https://convenings.example.org", Key: []byte(strings.Repeat("k", 32)), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, h: h, svc: svc, store: store, sessions: sessions}
}

// event creates an event starting in a month, open now.
func (f *fixture) event(id string, capacity int, policy convening.WaitlistPolicy) convening.Event {
	f.t.Helper()
	e, err := f.svc.CreateEvent(context.Background(), staffActor, storetest.Event(id, capacity, policy))
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// register registers storetest's team n of size members.
func (f *fixture) register(eventID string, n, size int) convening.Registration {
	f.t.Helper()
	reg, _, _, err := f.svc.Register(context.Background(), eventID, storetest.Team(n, size), nil)
	if err != nil {
		f.t.Fatalf("register team %d: %v", n, err)
	}
	return reg
}

func (f *fixture) registration(id string) convening.Registration {
	f.t.Helper()
	reg, err := f.svc.StaffRegistration(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return reg
}

// client is a browser: its cookies, and the session's form token.
type client struct {
	f       *fixture
	cookies map[string]string
	csrf    string
	// header is sent with every request (e.g. Origin).
	header map[string]string
}

// as returns a browser signed in with the given roles; none: signed out.
func (f *fixture) as(roles ...string) *client {
	c := &client{f: f, cookies: map[string]string{}, header: map[string]string{}}
	if len(roles) == 0 {
		return c
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	who := staffauth.Staff{Sub: "sub-" + roles[0], Username: "user-" + roles[0], Email: roles[0] + "@lmi.example.org", Groups: roles}
	if err := f.sessions.CreateSession(context.Background(), staffauth.Session{ID: signin.SessionID(secret), Staff: who,
		CreatedAt: now, ExpiresAt: now.Add(staffauth.MaxSessionAge), RefreshAt: now.Add(time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	c.cookies["__Host-lmi_session"] = secret
	c.csrf = f.h.FormToken(secret)
	return c
}

// response is what the browser got.
type response struct {
	status  int
	header  map[string]string
	body    string
	cookies []string
	// b64: the body is base64 (a binary download).
	b64 bool
}

func (r response) location() string { return r.header["Location"] }

// routeKey finds the route of a path as API Gateway does: the route with
// the fewest parameters that matches.
func routeKey(method, path string) (string, map[string]string) {
	segs := strings.Split(path, "/")
	best, bestParams, bestN := "", map[string]string(nil), 1<<30
	for _, r := range deploy.Routes {
		if r.Method != method {
			continue
		}
		tmpl := strings.Split(r.Path, "/")
		if len(tmpl) != len(segs) {
			continue
		}
		params, n, ok := map[string]string{}, 0, true
		for i, s := range tmpl {
			if strings.HasPrefix(s, "{") {
				params[strings.Trim(s, "{}")], n = segs[i], n+1
			} else if s != segs[i] {
				ok = false
				break
			}
		}
		if ok && n < bestN {
			best, bestParams, bestN = r.Key(), params, n
		}
	}
	if best == "" {
		return method + " " + path, nil
	}
	return best, bestParams
}

func (c *client) do(method, target string, body string) response {
	c.f.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		c.f.t.Fatal(err)
	}
	key, params := routeKey(method, u.Path)
	req := events.APIGatewayV2HTTPRequest{RouteKey: key, RawPath: u.Path, RawQueryString: u.RawQuery, PathParameters: params,
		Headers: map[string]string{"host": "convenings.example.org", "x-forwarded-proto": "https"}, Body: body}
	req.RequestContext.HTTP.Method = method
	if method == "POST" {
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
	}
	for k, v := range c.header {
		req.Headers[k] = v
	}
	for k, v := range c.cookies {
		req.Cookies = append(req.Cookies, k+"="+v)
	}
	resp, err := frontdoor.Lambda(c.f.h)(context.Background(), req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	for _, sc := range resp.Cookies {
		nv, _, _ := strings.Cut(sc, ";")
		name, value, _ := strings.Cut(nv, "=")
		if value == "" {
			delete(c.cookies, name)
		} else {
			c.cookies[name] = value
		}
	}
	return response{status: resp.StatusCode, header: resp.Headers, body: resp.Body, cookies: resp.Cookies, b64: resp.IsBase64Encoded}
}

func (c *client) get(target string) response { return c.do("GET", target, "") }

// post sends a form with the session's anti-forgery token, unless the
// form has a csrf of its own.
func (c *client) post(target string, form url.Values) response {
	c.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	return c.do("POST", target, form.Encode())
}

// follow GETs where a redirect points.
func (c *client) follow(r response) response {
	c.f.t.Helper()
	if r.status != 303 {
		c.f.t.Fatalf("want a redirect, got %d:\n%s", r.status, text(r.body))
	}
	return c.get(r.location())
}

var (
	tags   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// text is a page's text without its markup, as a person reads it.
func text(html string) string {
	// <wbr> marks where a word may break (an address): it is no space.
	s := tags.ReplaceAllString(strings.ReplaceAll(html, "<wbr>", ""), " ")
	for _, e := range [][2]string{{"&#39;", "'"}, {"&quot;", `"`}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#34;", `"`}} {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// has fails unless the page's text contains each of wants.
func (r response) has(t testing.TB, wants ...string) {
	t.Helper()
	page := text(r.body)
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %q:\n%s", w, page)
		}
	}
}

// hasHTML fails unless the markup contains each of wants.
func (r response) hasHTML(t testing.TB, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("the markup lacks %q:\n%s", w, r.body)
		}
	}
}

// testLog writes the console's warnings and errors to the test's log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// failNotice fails the registration's latest email for good, as the
// mailer does when SES refuses it.
func (f *fixture) failNotice(registrationID, cause string) convening.NoticeRecord {
	f.t.Helper()
	ctx := context.Background()
	notices, err := f.svc.RegistrationNotices(ctx, registrationID)
	if err != nil || len(notices) == 0 {
		f.t.Fatalf("notices of %s: %v %v", registrationID, notices, err)
	}
	n := notices[len(notices)-1]
	if _, err := f.store.ClaimNotice(ctx, n.ID, time.Now(), time.Minute); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.FailNotice(ctx, n.ID, time.Now(), cause); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// Answers of a statement of interest, long enough for the domain.
const (
	experience = "Our district and both unions have met monthly since 2019 on class sizes and schedules."
	reasons    = "We want to build an interest-based bargaining practice with our new board members."
)

// statementEvent creates an event starting in a month that admits teams by
// statement of interest, with the four core roles required.
func (f *fixture) statementEvent(id string, capacity int) convening.Event {
	f.t.Helper()
	ev := storetest.Event(id, capacity, convening.PolicyStrict)
	ev.Admission, ev.RequiredRoles = convening.AdmissionStatement, convening.CoreRoles
	e, err := f.svc.CreateEvent(context.Background(), staffActor, ev)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// submit submits storetest's team n of size members (at least the four
// core roles) and, if confirm, confirms every member.
func (f *fixture) submit(eventID string, n, size int, confirm bool) convening.Statement {
	f.t.Helper()
	ctx := context.Background()
	st, _, _, err := f.svc.SubmitStatement(ctx, eventID, storetest.Team(n, size), experience, reasons, nil)
	if err != nil {
		f.t.Fatalf("submit team %d: %v", n, err)
	}
	if confirm {
		for _, m := range st.Members {
			if st, err = f.svc.ConfirmMember(ctx, st.ID, m.ID, f.svc.MemberToken(st.ID, m.ID)); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	return st
}

// statement reads a statement as staff see it.
func (f *fixture) statement(id string) convening.Statement {
	f.t.Helper()
	st, err := f.svc.StaffStatement(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// scores is a review form giving every default criterion the same score.
func scores(n int) url.Values {
	v := url.Values{}
	for _, c := range convening.DefaultCriteria {
		v.Set("score_"+c.ID, strconv.Itoa(n))
	}
	return v
}

// dateTime is a time as the console shows it: Pacific, to the minute.
func dateTime(t time.Time) string { return t.In(convening.Pacific).Format("Mon, Jan 2, 2006, 3:04 PM") }

// consoleServices are the services the console function builds, from svc.
func consoleServices(svc *storetest.Services) console.Services {
	return console.Services{EventService: svc.EventService, StaffService: svc.StaffService, ReviewService: svc.ReviewService,
		NoticeService: svc.NoticeService, OrganizationService: svc.OrganizationService, PrivacyService: svc.PrivacyService, FeeService: svc.Fees,
		SurveyService: svc.SurveyService, AnnouncementService: svc.AnnouncementService,
		EligibilityService: svc.EligibilityService, AttendanceService: svc.AttendanceService, HistoryService: svc.HistoryService,
		NetworkService: svc.NetworkService}
}
