// Package cognito speaks to the staff's Cognito user pool as a client: its
// managed login's OAuth 2.0 endpoints (authorization code with PKCE,
// refresh, revocation, logout) and the verification of the tokens it
// issues against the pool's published keys (JWKS), with go-oidc.
//
// Locally the same code runs against cognito-local (the tokens and their
// keys) and the local runner's stand-in for the managed login (the
// endpoints): only the Pool's URLs differ.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/calmi/convenings/pkg/staffauth"
)

// Pool is a user pool and the app client its tokens are issued to.
type Pool struct {
	// Issuer is the tokens' iss: https://cognito-idp.<region>.amazonaws.com/<poolId>.
	Issuer string
	// ClientID is the app client's id: the access tokens' client_id, the
	// ID tokens' aud.
	ClientID string
	// LoginURL is the base URL of the managed login (the pool's domain):
	// https://<prefix>.auth.<region>.amazoncognito.com.
	LoginURL string
}

// JWKSURL is where the pool publishes the keys its tokens are signed with.
func (p Pool) JWKSURL() string { return strings.TrimRight(p.Issuer, "/") + "/.well-known/jwks.json" }

func (p Pool) login(path string) string { return strings.TrimRight(p.LoginURL, "/") + path }

// OAuth2 is the app client's OAuth 2.0 configuration: a public client (no
// secret: PKCE protects the code) that redirects to redirectURL.
func (p Pool) OAuth2(redirectURL string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID,
		Endpoint: oauth2.Endpoint{AuthURL: p.login("/oauth2/authorize"), TokenURL: p.login("/oauth2/token"),
			AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: redirectURL,
		Scopes:      scopes,
	}
}

// LogoutURL is the managed login's sign-out page, which ends the pool's own
// session cookie and redirects to logoutURI (one of the client's sign-out
// URLs).
func (p Pool) LogoutURL(logoutURI string) string {
	return p.login("/logout") + "?" + url.Values{"client_id": {p.ClientID}, "logout_uri": {logoutURI}}.Encode()
}

// Revoke revokes a refresh token (and the access tokens issued with it) at
// the managed login's revocation endpoint.
func (p Pool) Revoke(ctx context.Context, client *http.Client, refreshToken string) error {
	form := url.Values{"token": {refreshToken}, "client_id": {p.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.login("/oauth2/revoke"), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke refresh token: %s", resp.Status)
	}
	return nil
}

// Claims are a verified token's claims.
type Claims map[string]any

// String returns a string claim, or "".
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Strings returns an array claim such as cognito:groups.
func (c Claims) Strings(name string) []string {
	var out []string
	if list, ok := c[name].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Scopes returns the space-separated scope claim's scopes.
func (c Claims) Scopes() []string { return strings.Fields(c.String("scope")) }

// Expiry returns the exp claim.
func (c Claims) Expiry() time.Time {
	exp, _ := c["exp"].(float64)
	return time.Unix(int64(exp), 0)
}

// Staff is the staff member an access token names.
func (c Claims) Staff() staffauth.Staff {
	return staffauth.Staff{Sub: c.String("sub"), Username: c.String("username"), Email: c.String("email"), Groups: c.Strings("cognito:groups")}
}

// Verifier checks the pool's tokens: the signature against the pool's
// JWKS (fetched on first use and again when a token names an unknown key),
// the issuer, the expiry, and who the token is for.
type Verifier struct {
	pool Pool
	oidc *oidc.IDTokenVerifier
}

// VerifierOptions adjust a Verifier.
type VerifierOptions struct {
	// Now is the clock expiry is checked against; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches the JWKS; nil means one with a 5 s timeout.
	HTTPClient *http.Client
}

// NewVerifier returns a verifier for pool's tokens. ctx carries the HTTP
// client that fetches the keys for the verifier's whole life: it is not a
// request's context.
func NewVerifier(ctx context.Context, pool Pool, opts VerifierOptions) *Verifier {
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.WithoutCancel(ctx), client), pool.JWKSURL())
	// Cognito's access tokens carry no aud (client_id instead): the
	// client is checked below, for each kind of token.
	return &Verifier{pool: pool, oidc: oidc.NewVerifier(pool.Issuer, keys, &oidc.Config{SkipClientIDCheck: true, Now: opts.Now})}
}

// Errors of verification, besides go-oidc's for a bad signature, issuer or
// expiry.
var (
	ErrWrongClient = errors.New("token issued to another client")
	ErrNotAccess   = errors.New("not an access token")
	ErrNotID       = errors.New("not an ID token")
	ErrNonce       = errors.New("ID token's nonce does not match the sign-in's")
	ErrScope       = errors.New("token lacks the required scope")
)

// Token verifies a token as API Gateway's JWT authorizer does: signature,
// issuer, expiry, and the client (aud, or client_id where there is no
// aud); with scopes, the token's scope claim must include one of them. It
// does not look at token_use: an ID token passes unless scopes are
// required (ID tokens have no scope).
func (v *Verifier) Token(ctx context.Context, raw string, scopes ...string) (Claims, error) {
	tok, err := v.oidc.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if !slices.Contains(tok.Audience, v.pool.ClientID) && (len(tok.Audience) > 0 || c.String("client_id") != v.pool.ClientID) {
		return nil, fmt.Errorf("verify token: %w", ErrWrongClient)
	}
	if len(scopes) > 0 && !slices.ContainsFunc(c.Scopes(), func(s string) bool { return slices.Contains(scopes, s) }) {
		return nil, fmt.Errorf("verify token: %w", ErrScope)
	}
	return c, nil
}

// Access verifies an access token: as Token, and token_use must be access
// and client_id the pool's client.
func (v *Verifier) Access(ctx context.Context, raw string) (Claims, error) {
	c, err := v.Token(ctx, raw)
	if err != nil {
		return nil, err
	}
	if c.String("token_use") != "access" {
		return nil, fmt.Errorf("verify access token: %w", ErrNotAccess)
	}
	if c.String("client_id") != v.pool.ClientID {
		return nil, fmt.Errorf("verify access token: %w", ErrWrongClient)
	}
	return c, nil
}

// ID verifies an ID token from a sign-in: as Token, and token_use must be
// id, aud the pool's client, and nonce the one the sign-in sent.
func (v *Verifier) ID(ctx context.Context, raw, nonce string) (Claims, error) {
	c, err := v.Token(ctx, raw)
	if err != nil {
		return nil, err
	}
	if c.String("token_use") != "id" {
		return nil, fmt.Errorf("verify ID token: %w", ErrNotID)
	}
	if c.String("aud") != v.pool.ClientID {
		return nil, fmt.Errorf("verify ID token: %w", ErrWrongClient)
	}
	if nonce == "" || c.String("nonce") != nonce {
		return nil, fmt.Errorf("verify ID token: %w", ErrNonce)
	}
	return c, nil
}
