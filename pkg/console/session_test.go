package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-jose/go-jose/v4"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/console"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

// fakePool is a user pool and its managed login, as far as the console
// sees them: a JWKS, and a token endpoint that answers a code or a refresh
// token with tokens for the user's current groups.
type fakePool struct {
	t      *testing.T
	srv    *httptest.Server
	signer jose.Signer
	key    *rsa.PrivateKey
	now    func() time.Time

	mu     sync.Mutex
	groups []string
	nonce  string // the last authorize request's
}

func newFakePool(t *testing.T, now func() time.Time) *fakePool {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	p := &fakePool{t: t, signer: signer, key: key, now: now, groups: []string{"staff"}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePool) pool() cognito.Pool {
	return cognito.Pool{Issuer: p.srv.URL + "/pool", ClientID: "client", LoginURL: p.srv.URL}
}

func (p *fakePool) jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	jws, _ := p.signer.Sign(b)
	s, _ := jws.CompactSerialize()
	return s
}

func (p *fakePool) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/pool/.well-known/jwks.json":
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	case "/oauth2/token":
		_ = r.ParseForm()
		p.mu.Lock()
		groups, nonce := p.groups, p.nonce
		p.mu.Unlock()
		now := p.now()
		base := map[string]any{"iss": p.srv.URL + "/pool", "sub": "sub-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "cognito:groups": groups}
		access := map[string]any{"token_use": "access", "client_id": "client", "username": "user-1"}
		id := map[string]any{"token_use": "id", "aud": "client", "email": "pm@lmi.example.org", "nonce": nonce}
		for k, v := range base {
			access[k], id[k] = v, v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": p.jwt(access), "id_token": p.jwt(id),
			"refresh_token": "refresh-1", "token_type": "Bearer", "expires_in": 3600})
	case "/oauth2/revoke":
	default:
		http.NotFound(w, r)
	}
}

type consoleClient struct {
	t       *testing.T
	h       *console.Handler
	cookies map[string]string
}

func (c *consoleClient) get(path string) events.APIGatewayV2HTTPResponse {
	c.t.Helper()
	u, _ := url.Parse(path)
	req := events.APIGatewayV2HTTPRequest{RouteKey: "GET " + u.Path, RawPath: u.Path, RawQueryString: u.RawQuery,
		Headers: map[string]string{"host": "convenings.example.org", "x-forwarded-proto": "https"}}
	req.RequestContext.HTTP.Method = "GET"
	for k, v := range c.cookies {
		req.Cookies = append(req.Cookies, k+"="+v)
	}
	resp, err := frontdoor.Lambda(c.h)(context.Background(), req)
	if err != nil {
		c.t.Fatal(err)
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
	return resp
}

// TestSessionLifetime signs in against a fake pool and moves the clock:
// the session survives a token's expiry (the groups are refreshed, and a
// group taken away is gone), and ends for good after a working day.
func TestSessionLifetime(t *testing.T) {
	now := time.Date(2027, 6, 22, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fp := newFakePool(t, clock)
	store := memstore.New()
	h, err := console.New(t.Context(), consoleServices(storetest.NewServices(store, storetest.Tokens(t), nil)), memstore.NewSessions(),
		console.Options{Pool: fp.pool(), PublicURL: "https://convenings.example.org", Key: []byte(strings.Repeat("k", 32)), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	c := &consoleClient{t: t, h: h, cookies: map[string]string{}}

	resp := c.get("/staff/sign-in?next=/staff/events")
	authorize, _ := url.Parse(resp.Headers["Location"])
	q := authorize.Query()
	if resp.StatusCode != 303 || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("sign-in redirect %d %s", resp.StatusCode, authorize)
	}
	fp.nonce = q.Get("nonce")
	if resp := c.get("/staff/callback?code=c1&state=wrong"); resp.StatusCode != 401 {
		t.Errorf("a wrong state: %d", resp.StatusCode)
	}
	resp = c.get("/staff/sign-in?next=/staff/events")
	authorize, _ = url.Parse(resp.Headers["Location"])
	fp.nonce = "someone else's"
	if resp := c.get("/staff/callback?code=c1&state=" + authorize.Query().Get("state")); resp.StatusCode != 401 {
		t.Errorf("an ID token with another nonce: %d", resp.StatusCode)
	}
	resp = c.get("/staff/sign-in?next=/staff/events")
	authorize, _ = url.Parse(resp.Headers["Location"])
	fp.nonce = authorize.Query().Get("nonce")
	resp = c.get("/staff/callback?code=c1&state=" + authorize.Query().Get("state"))
	if resp.StatusCode != 303 || resp.Headers["Location"] != "/staff/events" || c.cookies["__Host-lmi_session"] == "" {
		t.Fatalf("callback: %d %v cookies %v", resp.StatusCode, resp.Headers, resp.Cookies)
	}
	for _, sc := range resp.Cookies {
		if strings.HasPrefix(sc, "__Host-lmi_session=") && !(strings.Contains(sc, "HttpOnly") && strings.Contains(sc, "Secure") &&
			strings.Contains(sc, "SameSite=Lax") && strings.Contains(sc, "Path=/")) {
			t.Errorf("session cookie %q", sc)
		}
	}
	if resp := c.get("/staff/events"); resp.StatusCode != 200 {
		t.Fatalf("events: %d", resp.StatusCode)
	}

	// Two hours on the access token has expired: the console refreshes it
	// and takes the groups anew; staff was taken away meanwhile.
	fp.mu.Lock()
	fp.groups = []string{"reviewer"}
	fp.mu.Unlock()
	now = now.Add(2 * time.Hour)
	if resp := c.get("/staff/privacy"); resp.StatusCode != 403 {
		t.Errorf("after losing the staff group: %d", resp.StatusCode)
	}
	if resp := c.get("/staff"); resp.StatusCode != 200 || !strings.Contains(resp.Body, "Reviewer") {
		t.Errorf("dashboard after refresh: %d", resp.StatusCode)
	}

	// Ten hours after signing in the session is over, refresh or not.
	now = now.Add(8 * time.Hour)
	if resp := c.get("/staff"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Headers["Location"], "/staff/sign-in") {
		t.Errorf("after a working day: %d %v", resp.StatusCode, resp.Headers)
	}
}
