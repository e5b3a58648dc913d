package localrun_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

// staffSystem is the whole system on cognito-local, with a staff, a
// reviewer and a check-in user, served on a free port.
type staffSystem struct {
	sys   *localrun.System
	base  string
	users map[string]localaws.CognitoUser // by role
}

func startStaffSystem(t *testing.T) *staffSystem {
	t.Helper()
	ctx := t.Context()
	dynamoURL, sesURL := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(ctx, dynamoURL)
	if err != nil {
		t.Fatal(err)
	}
	table := localaws.NewTestTable(t, client, dynamostore.CreateTableInput)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	users := map[string]localaws.CognitoUser{}
	var list []localaws.CognitoUser
	for _, role := range deploy.Roles {
		u := localaws.CognitoUser{Email: role + "@staff.example.org", Password: "Pass-" + role + "-12345!", Groups: []string{role}}
		users[role] = u
		list = append(list, u)
	}
	event, _ := json.Marshal(map[string]any{"id": "ev", "title": "Central Valley Convening", "kind": "convening",
		"startsAt": time.Now().AddDate(0, 2, 0).UTC().Format(time.RFC3339), "endsAt": time.Now().AddDate(0, 2, 0).Add(6 * time.Hour).UTC().Format(time.RFC3339),
		"venue": "Fresno", "capacity": 10, "maxTeamSize": 4})
	sys, err := localrun.StartSystem(context.WithoutCancel(ctx), localrun.SystemOptions{
		Table: table, DynamoDBEndpoint: dynamoURL, SESEndpoint: sesURL, CognitoEndpoint: localaws.CognitoEndpoint(t),
		PoolName: "pool-" + strings.ReplaceAll(t.Name(), "/", "-"), Users: list,
		TokenSecret: strings.Repeat("k", 40), Sender: "convenings@lmi.example.org", PublicURL: base,
		Seed: []json.RawMessage{event}, Log: slog.New(slog.DiscardHandler), LogLevel: "error",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Stop)
	srv.Config.Handler = sys.Gateway
	srv.Start()
	t.Cleanup(srv.Close)
	return &staffSystem{sys: sys, base: base, users: users}
}

func (s *staffSystem) signIn(t *testing.T, role string) localaws.CognitoTokens {
	t.Helper()
	u := s.users[role]
	tok, err := localaws.SignIn(t.Context(), s.sys.Pool.Endpoint, s.sys.Pool.ClientID, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tamper changes one character of the token's payload (its claims), so
// the signature no longer matches.
func tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	p := []byte(parts[1])
	if p[10] == 'A' {
		p[10] = 'B'
	} else {
		p[10] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}

// TestStaffAPIWithCognitoTokens sends every staff route of the JSON API,
// through the local gateway's JWT verifier, cognito-local's real tokens
// of every kind: only a staff member's access token gets through; an ID
// token, no token, a tampered, expired or foreign token are 401 at the
// gateway, and the other roles 403 from the function.
func TestStaffAPIWithCognitoTokens(t *testing.T) {
	s := startStaffSystem(t)
	ctx := t.Context()
	staff, reviewer, checkin := s.signIn(t, deploy.RoleStaff), s.signIn(t, deploy.RoleReviewer), s.signIn(t, deploy.RoleCheckIn)

	// A token of another client of the same pool, and of another pool.
	other, err := localaws.SetupCognito(ctx, s.sys.Pool.Endpoint, localaws.CognitoSetup{PoolName: "pool-" + t.Name(), ClientName: "other",
		CallbackURLs: []string{"http://127.0.0.1:1/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	u := s.users[deploy.RoleStaff]
	otherClient, err := localaws.SignIn(ctx, s.sys.Pool.Endpoint, other.ClientID, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := localaws.SetupCognito(ctx, s.sys.Pool.Endpoint, localaws.CognitoSetup{PoolName: "foreign-" + t.Name(), ClientName: "console",
		CallbackURLs: []string{"http://127.0.0.1:1/cb"}, Groups: deploy.Roles, Users: []localaws.CognitoUser{u}})
	if err != nil {
		t.Fatal(err)
	}
	otherPool, err := localaws.SignIn(ctx, foreign.Endpoint, foreign.ClientID, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}

	// The same functions behind a gateway whose clock is two hours on:
	// every token has expired by then.
	fns := map[string]lambda.Handler{}
	for name, h := range s.sys.Handlers {
		fns[name] = lambda.NewHandler(h)
	}
	later := cognito.NewVerifier(ctx, cognito.Pool{Issuer: s.sys.Pool.Issuer, ClientID: s.sys.Pool.ClientID},
		cognito.VerifierOptions{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	gw, err := localrun.NewGateway(deploy.Routes, fns, localrun.GatewayOptions{Authorizer: localrun.JWTAuthorizer(later, deploy.LocalAccessScope),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	expiredSrv := httptest.NewServer(gw)
	t.Cleanup(expiredSrv.Close)

	callers := []struct {
		name, base, token string
		status            int
		reason            string
	}{
		{"StaffAccessToken", s.base, staff.AccessToken, 0, ""},
		{"StaffIDToken", s.base, staff.IDToken, 401, ""},
		{"NoToken", s.base, "", 401, ""},
		{"Tampered", s.base, tamper(staff.AccessToken), 401, ""},
		{"Expired", expiredSrv.URL, staff.AccessToken, 401, ""},
		{"OtherClient", s.base, otherClient.AccessToken, 401, ""},
		{"OtherPool", s.base, otherPool.AccessToken, 401, ""},
		{deploy.RoleReviewer, s.base, reviewer.AccessToken, 403, "role_required"},
		{deploy.RoleCheckIn, s.base, checkin.AccessToken, 403, "role_required"},
	}
	for _, r := range deploy.Routes {
		if !r.Authorized() {
			continue
		}
		for _, c := range callers {
			t.Run(r.Key()+"/"+c.name, func(t *testing.T) {
				path := strings.ReplaceAll(r.Path, "{eventId}", "ev")
				body := ""
				switch r.Method {
				case "POST":
					body = `{"title":"Webinar ` + c.name + `","kind":"webinar","online":true,"startsAt":"2030-01-10T17:00:00Z","endsAt":"2030-01-10T18:00:00Z","capacity":5,"maxTeamSize":2}`
				case "PATCH":
					body = `{"capacity":12}`
				}
				req, _ := http.NewRequestWithContext(ctx, r.Method, c.base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case c.status == 0 || slices.Contains(r.Roles, c.name):
					// Past the role check a route may still refuse the
					// made-up ids (404) or body (400).
					if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode >= 500 {
						t.Fatalf("status %d: %s", resp.StatusCode, b)
					}
				case c.status == 401:
					// API Gateway's own answer: the function never ran.
					if resp.StatusCode != 401 || string(b) != `{"message":"Unauthorized"}` {
						t.Fatalf("status %d %s, want the gateway's 401", resp.StatusCode, b)
					}
				default:
					var p struct{ Reason string }
					_ = json.Unmarshal(b, &p)
					if resp.StatusCode != c.status || p.Reason != c.reason {
						t.Fatalf("status %d %s, want %d %s", resp.StatusCode, b, c.status, c.reason)
					}
				}
			})
		}
	}
}

// browser is an HTTP client with cookies that follows redirects, as a
// browser would, and remembers where it ended.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(u string) (*http.Response, string) {
	req, _ := http.NewRequestWithContext(b.t.Context(), http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequestWithContext(b.t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hidden = regexp.MustCompile(`name="(flow|csrf)" value="([^"]+)"`)

// signInToConsole opens a console page and signs in on the managed-login
// stand-in's form, ending where the console sends the browser.
func (s *staffSystem) signInToConsole(b *browser, page, email, password string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.get(s.base + page)
	if !strings.HasPrefix(resp.Request.URL.String(), s.sys.LoginURL+"/oauth2/authorize?") {
		b.t.Fatalf("%s led to %s, want the sign-in page", page, resp.Request.URL)
	}
	m := hidden.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no sign-in form: %s", body)
	}
	return b.post(s.sys.LoginURL+"/oauth2/authorize", url.Values{"flow": {m[2]}, "email": {email}, "password": {password}})
}

// TestConsoleSignIn signs each role in to the console through the
// managed-login stand-in (the authorization code flow with PKCE, state and
// nonce, tokens verified against cognito-local's JWKS), checks the pages
// each may and may not see, and signs out.
func TestConsoleSignIn(t *testing.T) {
	s := startStaffSystem(t)
	for _, tt := range []struct {
		role, name   string
		eventsStatus int
	}{
		{deploy.RoleStaff, "Staff", 200},
		{deploy.RoleReviewer, "Reviewer", 200}, // the events' numbers, read-only
		{deploy.RoleCheckIn, "Check-in", 403},
	} {
		t.Run(tt.role, func(t *testing.T) {
			b := newBrowser(t)
			u := s.users[tt.role]
			if resp, body := s.signInToConsole(b, "/staff/events", u.Email, "wrong-password"); resp.StatusCode != 200 ||
				!strings.Contains(body, "Incorrect email or password.") {
				t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
			}
			resp, body := s.signInToConsole(b, "/staff/events", u.Email, u.Password)
			if resp.Request.URL.String() != s.base+"/staff/events" || resp.StatusCode != tt.eventsStatus {
				t.Fatalf("after sign-in: %s %d, want /staff/events %d: %s", resp.Request.URL, resp.StatusCode, tt.eventsStatus, body)
			}
			if tt.eventsStatus == 200 && !strings.Contains(body, "Central Valley Convening") {
				t.Errorf("events page: %s", body)
			}
			resp, body = b.get(s.base + "/staff")
			if resp.StatusCode != 200 || !strings.Contains(body, u.Email) || !strings.Contains(body, "<strong>"+tt.name+"</strong>") {
				t.Fatalf("home: %d %s", resp.StatusCode, body)
			}
			for _, c := range b.client.Jar.Cookies(resp.Request.URL) {
				if strings.Count(c.Value, ".") == 2 {
					t.Errorf("cookie %s holds a JWT", c.Name)
				}
			}
			m := hidden.FindStringSubmatch(body)
			if m == nil || m[1] != "csrf" {
				t.Fatalf("no sign-out form: %s", body)
			}
			if resp, _ := b.post(s.base+"/staff/sign-out", url.Values{"csrf": {"forged"}}); resp.StatusCode != 403 {
				t.Errorf("sign-out with a forged token: %d", resp.StatusCode)
			}
			resp, body = b.post(s.base+"/staff/sign-out", url.Values{"csrf": {m[2]}})
			if resp.Request.URL.String() != s.base+"/staff/signed-out" || !strings.Contains(body, "You have signed out") {
				t.Fatalf("sign-out ended at %s: %s", resp.Request.URL, body)
			}
			if resp, _ := b.get(s.base + "/staff"); !strings.HasPrefix(resp.Request.URL.String(), s.sys.LoginURL) {
				t.Errorf("after sign-out /staff led to %s, want the sign-in page", resp.Request.URL)
			}
		})
	}
}

// TestLoginStandIn checks the managed-login stand-in refuses what Cognito
// refuses: a redirect URI the client does not list, a code without its
// PKCE verifier, a code used twice, an unlisted sign-out URL; and that a
// revoked refresh token no longer refreshes.
func TestLoginStandIn(t *testing.T) {
	s := startStaffSystem(t)
	ctx := t.Context()
	login := s.sys.LoginURL
	pool := s.sys.Pool
	callback := s.base + localrun.CallbackPath
	authorize := func(redirect, challenge string) (*http.Response, string) {
		q := url.Values{"client_id": {pool.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st"},
			"scope": {"openid email"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}, "nonce": {"n1"}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, login+"/oauth2/authorize?"+q.Encode(), nil)
		return newBrowser(t).do(req)
	}
	if resp, _ := authorize("https://elsewhere.example/cb", "x"); resp.StatusCode != 400 {
		t.Errorf("unlisted redirect_uri: %d", resp.StatusCode)
	}
	const verifier = "0123456789012345678901234567890123456789abcdef"
	challenge := "CiC-Sd24Zu70t6LHpREJDrSVU_6c0LguSSnKrTqdbcs" // S256 of verifier
	_, body := authorize(callback, challenge)
	m := hidden.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form: %s", body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := s.users[deploy.RoleStaff]
	resp, err := noRedirect.PostForm(login+"/oauth2/authorize", url.Values{"flow": {m[2]}, "email": {u.Email}, "password": {u.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || to.Query().Get("state") != "st" || to.Query().Get("code") == "" {
		t.Fatalf("sign-in answered %d to %s", resp.StatusCode, to)
	}
	code := to.Query().Get("code")
	exchange := func(v string) (int, map[string]any) {
		resp, err := http.PostForm(login+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {pool.ClientID}, "redirect_uri": {callback}, "code_verifier": {v}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if st, out := exchange(verifier + "x"); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", st, out)
	}
	// The failed attempt used the code up, as at Cognito: sign in again.
	if st, _ := exchange(verifier); st != 400 {
		t.Errorf("a code used twice: %d", st)
	}
	tokens, err := localaws.SignIn(ctx, pool.Endpoint, pool.ClientID, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	refresh := func() int {
		resp, err := http.PostForm(login+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}, "client_id": {pool.ClientID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := refresh(); st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	if err := (cognito.Pool{ClientID: pool.ClientID, LoginURL: login}).Revoke(ctx, nil, tokens.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if st := refresh(); st != 400 {
		t.Errorf("refresh after revocation: %d", st)
	}
	resp, err = noRedirect.Get(login + "/logout?" + url.Values{"client_id": {pool.ClientID}, "logout_uri": {"https://elsewhere.example/"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unlisted logout_uri: %d", resp.StatusCode)
	}
}
