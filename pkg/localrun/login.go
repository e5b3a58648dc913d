package localrun

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/calmi/convenings/pkg/localaws"
)

// Login stands in for Cognito's managed login, which cognito-local does
// not have, the way Gateway stands in for API Gateway: the same endpoints
// (/oauth2/authorize with a sign-in page, /oauth2/token for the
// authorization_code grant with PKCE and the refresh_token grant,
// /oauth2/revoke, /logout), the same checks of the client, its callback
// and sign-out URLs and the PKCE verifier, and the same answers, over
// cognito-local's user pool (InitiateAuth with USER_PASSWORD_AUTH). So the
// console signs in locally by exactly the code that signs it in in AWS.
//
// What it does not do: ask for an MFA code (cognito-local's pool has MFA
// off), keep a single-sign-on session of its own (every authorize shows
// the form), or brand its page.
//
// The tokens are cognito-local's, signed with its key and verified against
// its JWKS; the ID token of a code exchange is signed again with that same
// key after adding the nonce the authorize request carried, as the managed
// login does (cognito-local's InitiateAuth knows no nonce).
type Login struct {
	cognito  *cip.Client
	endpoint string // cognito-local's
	poolID   string
	key      jose.Signer
	log      *slog.Logger
	page     *template.Template

	mu    sync.Mutex
	flows map[string]*loginFlow // by flow id: an authorize request awaiting its form
	codes map[string]*loginCode // by code: a sign-in awaiting its exchange
}

// loginFlow is an /oauth2/authorize request while its form is shown.
type loginFlow struct {
	clientID, redirectURI, state, nonce, challenge, scope string
	expires                                               time.Time
}

// loginCode is an authorization code and what it will be exchanged for.
type loginCode struct {
	flow    loginFlow
	tokens  localaws.CognitoTokens
	expires time.Time
}

// Lifetimes the managed login uses: its codes last 5 minutes.
const (
	codeLifetime = 5 * time.Minute
	flowLifetime = 30 * time.Minute
)

//go:embed login.html
var loginFS embed.FS

// LoginOptions configure NewLogin.
type LoginOptions struct {
	// Cognito is cognito-local's endpoint; PoolID its user pool.
	Cognito, PoolID string
	// Root is the repository root holding node_modules (for cognito-local's
	// signing key); empty: found from the working directory.
	Root string
	Log  *slog.Logger
}

// NewLogin returns the managed-login stand-in for a cognito-local pool.
func NewLogin(ctx context.Context, o LoginOptions) (*Login, error) {
	c, err := localaws.NewCognitoClient(ctx, o.Cognito)
	if err != nil {
		return nil, err
	}
	signer, err := cognitoLocalSigner(o.Root)
	if err != nil {
		return nil, err
	}
	page, err := template.ParseFS(loginFS, "login.html")
	if err != nil {
		return nil, fmt.Errorf("login page: %w", err)
	}
	l := &Login{cognito: c, endpoint: o.Cognito, poolID: o.PoolID, key: signer, log: o.Log, page: page,
		flows: map[string]*loginFlow{}, codes: map[string]*loginCode{}}
	if l.log == nil {
		l.log = slog.Default()
	}
	return l, nil
}

// cognitoLocalSigner signs with cognito-local's own key (shipped in its
// package), under the key id its JWKS publishes.
func cognitoLocalSigner(root string) (jose.Signer, error) {
	if root == "" {
		var err error
		if root, err = localaws.FindRepoRoot(); err != nil {
			return nil, err
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "node_modules", "cognito-local", "lib", "keys", "cognitoLocal.private.json"))
	if err != nil {
		return nil, fmt.Errorf("cognito-local's signing key: %w (run `npm ci`)", err)
	}
	var file struct {
		JWK jose.JSONWebKey `json:"jwk"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("cognito-local's signing key: %w", err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: file.JWK.Key, KeyID: "CognitoLocal"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("cognito-local's signing key: %w", err)
	}
	return s, nil
}

// ServeHTTP serves the managed login's endpoints.
func (l *Login) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path == "/oauth2/authorize" && r.Method == http.MethodGet:
		l.authorize(w, r)
	case r.URL.Path == "/oauth2/authorize" && r.Method == http.MethodPost:
		l.signIn(w, r)
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodPost:
		l.token(w, r)
	case r.URL.Path == "/oauth2/revoke" && r.Method == http.MethodPost:
		l.revoke(w, r)
	case r.URL.Path == "/logout" && r.Method == http.MethodGet:
		l.logout(w, r)
	default:
		http.NotFound(w, r)
	}
}

// client returns the pool's app client, or nil if there is none.
func (l *Login) client(ctx context.Context, id string) *ciptypes.UserPoolClientType {
	if id == "" {
		return nil
	}
	out, err := l.cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(l.poolID), ClientId: aws.String(id)})
	if err != nil {
		return nil
	}
	return out.UserPoolClient
}

// authorize shows the sign-in form for a valid authorization request. An
// unknown client or a redirect URI the client does not list is answered
// with an error page, never a redirect (it could be anyone's URL).
func (l *Login) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := l.client(r.Context(), q.Get("client_id"))
	switch {
	case c == nil:
		l.errorPage(w, "The sign-in link names an unknown application (client_id).")
		return
	case !slices.Contains(c.CallbackURLs, q.Get("redirect_uri")):
		l.errorPage(w, "The sign-in link's redirect_uri is not one of the application's callback URLs.")
		return
	case q.Get("response_type") != "code":
		l.redirectError(w, r, q.Get("redirect_uri"), q.Get("state"), "unsupported_response_type")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		// The console's client is public: PKCE is required.
		l.redirectError(w, r, q.Get("redirect_uri"), q.Get("state"), "invalid_request")
		return
	}
	for _, s := range strings.Fields(q.Get("scope")) {
		if !slices.Contains(c.AllowedOAuthScopes, s) {
			l.redirectError(w, r, q.Get("redirect_uri"), q.Get("state"), "invalid_scope")
			return
		}
	}
	f := &loginFlow{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), scope: q.Get("scope"), expires: time.Now().Add(flowLifetime)}
	id := randomID()
	l.mu.Lock()
	l.sweep()
	l.flows[id] = f
	l.mu.Unlock()
	l.form(w, http.StatusOK, id, "", "")
}

// signIn checks the form's email and password with cognito-local and
// redirects to the client's callback with a code.
func (l *Login) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		l.errorPage(w, "The form could not be read.")
		return
	}
	id := r.PostForm.Get("flow")
	l.mu.Lock()
	f := l.flows[id]
	l.mu.Unlock()
	if f == nil || time.Now().After(f.expires) {
		l.errorPage(w, "This sign-in page has expired. Go back to the console and sign in again.")
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if email == "" || r.PostForm.Get("password") == "" {
		l.form(w, http.StatusOK, id, email, "Enter your email and your password.")
		return
	}
	tokens, err := localaws.SignIn(r.Context(), l.endpoint, f.clientID, email, r.PostForm.Get("password"))
	if err != nil {
		l.log.Info("local sign-in refused", "error", err)
		l.form(w, http.StatusOK, id, email, "Incorrect email or password.")
		return
	}
	code := randomID()
	l.mu.Lock()
	delete(l.flows, id)
	l.codes[code] = &loginCode{flow: *f, tokens: tokens, expires: time.Now().Add(codeLifetime)}
	l.mu.Unlock()
	to, _ := url.Parse(f.redirectURI)
	v := to.Query()
	v.Set("code", code)
	if f.state != "" {
		v.Set("state", f.state)
	}
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// token is the token endpoint: the authorization_code grant (with the PKCE
// verifier) and the refresh_token grant, for public clients.
func (l *Login) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	form := r.PostForm
	switch form.Get("grant_type") {
	case "authorization_code":
		l.mu.Lock()
		c := l.codes[form.Get("code")]
		delete(l.codes, form.Get("code")) // a code is good once, whatever happens
		l.mu.Unlock()
		if c == nil || time.Now().After(c.expires) || c.flow.clientID != form.Get("client_id") ||
			c.flow.redirectURI != form.Get("redirect_uri") || !pkceMatches(form.Get("code_verifier"), c.flow.challenge) {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		id, err := l.withNonce(c.tokens.IDToken, c.flow.nonce)
		if err != nil {
			l.log.Error("local sign-in: sign the ID token", "error", err)
			oauthError(w, http.StatusInternalServerError, "server_error")
			return
		}
		writeJSON(w, map[string]any{"access_token": c.tokens.AccessToken, "id_token": id, "refresh_token": c.tokens.RefreshToken,
			"token_type": "Bearer", "expires_in": int(c.tokens.ExpiresIn.Seconds())})
	case "refresh_token":
		out, err := l.cognito.InitiateAuth(r.Context(), &cip.InitiateAuthInput{ClientId: aws.String(form.Get("client_id")),
			AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": form.Get("refresh_token")}})
		if err != nil || out.AuthenticationResult == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		res := out.AuthenticationResult
		expires := int(res.ExpiresIn)
		if expires == 0 {
			expires = 3600 // cognito-local leaves it out on a refresh
		}
		writeJSON(w, map[string]any{"access_token": aws.ToString(res.AccessToken), "id_token": aws.ToString(res.IdToken),
			"token_type": "Bearer", "expires_in": expires})
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

// revoke revokes a refresh token.
func (l *Login) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || r.PostForm.Get("token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if _, err := l.cognito.RevokeToken(r.Context(), &cip.RevokeTokenInput{ClientId: aws.String(r.PostForm.Get("client_id")),
		Token: aws.String(r.PostForm.Get("token"))}); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// logout redirects to the client's sign-out URL (the managed login would
// also end its own session here; the stand-in keeps none).
func (l *Login) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := l.client(r.Context(), q.Get("client_id"))
	if c == nil || !slices.Contains(c.LogoutURLs, q.Get("logout_uri")) {
		l.errorPage(w, "The sign-out link's logout_uri is not one of the application's sign-out URLs.")
		return
	}
	http.Redirect(w, r, q.Get("logout_uri"), http.StatusFound)
}

// withNonce signs the ID token again with the nonce added.
func (l *Login) withNonce(idToken, nonce string) (string, error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return "", errors.New("cognito-local's ID token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", err
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if payload, err = json.Marshal(claims); err != nil {
		return "", err
	}
	jws, err := l.key.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// sweep forgets expired flows and codes; the caller holds l.mu.
func (l *Login) sweep() {
	now := time.Now()
	for id, f := range l.flows {
		if now.After(f.expires) {
			delete(l.flows, id)
		}
	}
	for code, c := range l.codes {
		if now.After(c.expires) {
			delete(l.codes, code)
		}
	}
}

type loginPage struct {
	Flow, Email, Error, Message string
}

func (l *Login) form(w http.ResponseWriter, status int, flow, email, problem string) {
	l.render(w, status, loginPage{Flow: flow, Email: email, Error: problem})
}

func (l *Login) errorPage(w http.ResponseWriter, msg string) {
	l.render(w, http.StatusBadRequest, loginPage{Message: msg})
}

func (l *Login) render(w http.ResponseWriter, status int, p loginPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page's one style sheet is inline; no script at all.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := l.page.Execute(w, p); err != nil {
		l.log.Error("login page", "error", err)
	}
}

// redirectError sends an OAuth error back to a callback the client lists.
func (l *Login) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code string) {
	to, _ := url.Parse(redirectURI)
	v := to.Query()
	v.Set("error", code)
	if state != "" {
		v.Set("state", state)
	}
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
