// Package signin signs staff in to the console through the user pool's
// managed login, keeps their server-side sessions, and hands the console's
// pages a signed-in staff member (Require).
//
// Sign-in is OAuth 2.0's authorization code flow with PKCE, a state and an
// OpenID Connect nonce (golang.org/x/oauth2); the tokens are verified
// against the pool's JWKS (package cognito, with go-oidc). The browser
// gets only a random session secret in an HttpOnly, SameSite=Lax cookie
// (__Host- prefixed and Secure over HTTPS); the tokens never reach a page
// or a URL. The session (staffauth.Session) lives in the table: it ends
// after staffauth.MaxSessionAge whatever happens, the staff member's
// groups are checked again with the pool each time the access token they
// came from expires, and signing out deletes it and revokes the refresh
// token. Every form of a signed-in page carries an anti-forgery token
// bound to the session (FormToken), which Require checks on every post.
package signin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/staffauth"
)

// Paths the user pool's app client lists (callback and sign-out URLs), and
// the sign-in's own.
const (
	SignInPath    = "/staff/sign-in"
	CallbackPath  = "/staff/callback"
	SignOutPath   = "/staff/sign-out"
	SignedOutPath = "/staff/signed-out"
)

// Form purposes: what an anti-forgery token is bound to (with the session).
const (
	// PurposeForm is every form of the console's pages.
	PurposeForm = "console-form"
	// PurposeSignOut is the sign-out button's.
	PurposeSignOut = "sign-out"
)

// signInLifetime bounds the time from the redirect to the managed login
// to the callback.
const signInLifetime = 10 * time.Minute

// The sealing purposes.
const (
	purposeSignIn  = "sign-in"
	purposeRefresh = "refresh-token"
)

// Options configure a SignIn.
type Options struct {
	// Pool is the staff's user pool, its console client and managed login.
	Pool cognito.Pool
	// PublicURL is the site's base URL: the pool's client lists
	// PublicURL/staff/callback and PublicURL/staff/signed-out.
	PublicURL string
	// Key (at least 32 bytes, secret, the same for every instance) seals
	// the sign-in state and the refresh tokens and keys the forms.
	Key []byte
	// PreviousKeys still open and verify what Key's predecessors sealed
	// and signed (sessions and forms begun before the secret rotated);
	// only Key seals and signs.
	PreviousKeys [][]byte
	// HTTPClient calls the managed login's token and revocation endpoints
	// and fetches the JWKS; nil means one with a 5 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// SignIn signs staff in and out and keeps their sessions.
type SignIn struct {
	sessions staffauth.SessionStore
	pool     cognito.Pool
	verifier *cognito.Verifier
	public   string
	seal     *sealer
	formKeys [][]byte // the first signs, every one verifies
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger
}

// New returns the sign-in of the console. ctx carries the HTTP client for
// the JWKS for the SignIn's whole life.
func New(ctx context.Context, sessions staffauth.SessionStore, o Options) (*SignIn, error) {
	if len(o.Key) < 32 {
		return nil, errors.New("signin: the key must be at least 32 bytes")
	}
	if o.Pool.Issuer == "" || o.Pool.ClientID == "" || o.Pool.LoginURL == "" {
		return nil, errors.New("signin: the user pool's issuer, client id and login URL are required")
	}
	if u, err := url.Parse(o.PublicURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("signin: the public URL %q is not an absolute http(s) URL", o.PublicURL)
	}
	s := &SignIn{sessions: sessions, pool: o.Pool, public: strings.TrimRight(o.PublicURL, "/"),
		client: o.HTTPClient, now: o.Now, log: o.Log}
	if s.client == nil {
		s.client = &http.Client{Timeout: 5 * time.Second}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var sealKeys [][]byte
	for _, key := range append([][]byte{o.Key}, o.PreviousKeys...) {
		sealKeys = append(sealKeys, derive(key, "seal"))
		s.formKeys = append(s.formKeys, derive(key, "form"))
	}
	var err error
	if s.seal, err = newSealer(sealKeys...); err != nil {
		return nil, err
	}
	s.verifier = cognito.NewVerifier(ctx, o.Pool, cognito.VerifierOptions{Now: s.now, HTTPClient: s.client})
	return s, nil
}

// derive returns a key for one purpose from the console's key.
func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("lmi-console-" + purpose + "-v1"))
	return m.Sum(nil)
}

// LoginOrigin is the managed login's origin: the console's forms may lead
// there (the sign-out goes on through it).
func (s *SignIn) LoginOrigin() string {
	u, err := url.Parse(s.pool.LoginURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Page serves one console page for a signed-in staff member who holds
// one of the page's roles.
type Page func(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error

// Require serves p only for a signed-in staff member in one of roles
// (members of the staff group always are), and a post only with the
// session's anti-forgery token (PurposeForm): without a live session it
// redirects to the sign-in, which comes back here; without the role it
// answers staffauth.Authorize's EFORBIDDEN, and a post without the token
// ErrFormExpired (the staff member recorded, frontdoor.SetStaff, for the
// log and the error page).
func (s *SignIn) Require(roles []string, p Page) frontdoor.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.session(r.Context(), r)
		if convening.ErrorCode(err) == convening.EUNAUTHORIZED {
			to := SignInPath + "?" + url.Values{"next": {target(r)}}.Encode()
			w.Header().Set("Location", to)
			w.WriteHeader(http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		who := sess.Staff
		frontdoor.SetStaff(r, who)
		if err := staffauth.Authorize(who, roles); err != nil {
			return err
		}
		if r.Method == http.MethodPost && !s.checkForm(r, sess.ID, PurposeForm) {
			s.log.WarnContext(r.Context(), "console form refused", "route", frontdoor.RouteKey(r), staffAttr(who))
			return ErrFormExpired
		}
		return p(w, r, who)
	}
}

// target is where to come back to after signing in: this page.
func target(r *http.Request) string {
	q := r.URL.Query()
	if len(q) == 0 {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + q.Encode()
}

// Cookie returns the Set-Cookie value of one of the console's cookies
// (frontdoor.CookieName), HttpOnly and SameSite=Lax: sent on the top-level
// navigation back from the managed login (a Strict one would not be) and
// when a link from an email opens the console, never with another site's
// form posts. A maxAge of 0 or less deletes it.
func Cookie(r *http.Request, name, value string, maxAge time.Duration) string {
	name = frontdoor.CookieName(r, name)
	c := name + "=" + value + "; Path=/; Max-Age=" + strconv.Itoa(int(maxAge.Seconds())) + "; HttpOnly; SameSite=Lax"
	if maxAge <= 0 {
		c = name + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
	}
	if frontdoor.Secure(r) {
		c += "; Secure"
	}
	return c
}

// The cookies' names (without the __Host- prefix).
const (
	sessionCookie = "lmi_session"
	signInCookie  = "lmi_signin"
)

// signInState is what the browser carries, sealed, from the redirect to
// the callback.
type signInState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"t"`
	Expires  time.Time `json:"e"`
}

func (s *SignIn) oauth() *oauth2.Config {
	return s.pool.OAuth2(s.public+CallbackPath, "openid", "email")
}

func (s *SignIn) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.client)
}

// Start starts a sign-in (GET /staff/sign-in): it redirects to the managed
// login with a fresh state, nonce and PKCE challenge, which the callback
// checks.
func (s *SignIn) Start(w http.ResponseWriter, r *http.Request) error {
	st := signInState{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next")), Expires: s.now().Add(signInLifetime)}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	to := s.oauth().AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oauth2.SetAuthURLParam("nonce", st.Nonce))
	w.Header().Add("Set-Cookie", Cookie(r, signInCookie, s.seal.seal(purposeSignIn, b), signInLifetime))
	return redirect(w, to)
}

// safeNext keeps a return path only if it is one of the console's own.
func safeNext(next string) string {
	if next == "/staff" || (strings.HasPrefix(next, "/staff/") && !strings.HasPrefix(next, "/staff/sign")) {
		if !strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, "//") {
			return next
		}
	}
	return "/staff"
}

// ErrSignInFailed is a sign-in that did not complete.
var ErrSignInFailed = convening.NewError(convening.EUNAUTHORIZED, convening.ReasonSignInFailed, "The sign-in did not complete. Please sign in again.")

// ErrFormExpired is a post without the session's anti-forgery token.
var ErrFormExpired = convening.NewError(convening.EFORBIDDEN, convening.ReasonFormExpired, "This form has expired or came from another site. Reload the page and try again.")

// Callback finishes a sign-in (GET /staff/callback): it checks the state,
// exchanges the code (with the PKCE verifier) for tokens, verifies them
// against the pool's keys, and starts a session for a member of one of
// the roles. It answers ErrSignInFailed when the sign-in did not
// complete, and staffauth.Authorize's EFORBIDDEN for someone who is not
// staff.
func (s *SignIn) Callback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	// The sign-in's state is spent, whatever happens.
	w.Header().Add("Set-Cookie", Cookie(r, signInCookie, "", 0))
	fail := func(why string, err error) error {
		s.log.WarnContext(ctx, "sign-in failed", "why", why, "error", err)
		return ErrSignInFailed
	}
	var st signInState
	sealed, err := s.seal.open(purposeSignIn, frontdoor.Cookie(r, frontdoor.CookieName(r, signInCookie)))
	if err == nil {
		err = json.Unmarshal(sealed, &st)
	}
	q := r.URL.Query()
	switch {
	case err != nil:
		return fail("no sign-in state (cookie missing, damaged or from another key)", err)
	case s.now().After(st.Expires):
		return fail("sign-in state expired", nil)
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1:
		return fail("state does not match", nil)
	case q.Get("error") != "":
		return fail("the managed login answered an error", errors.New(q.Get("error")))
	}
	tok, err := s.oauth().Exchange(s.ctx(ctx), q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return fail("code exchange", err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	id, err := s.verifier.ID(ctx, idToken, st.Nonce)
	if err != nil {
		return fail("ID token", err)
	}
	access, err := s.verifier.Access(ctx, tok.AccessToken)
	if err != nil {
		return fail("access token", err)
	}
	who := access.Staff()
	who.Email = id.String("email")
	if who.Sub != id.String("sub") {
		return fail("the tokens name different users", nil)
	}
	if who.Role() == "" {
		// Signed in, but not staff: no session; and the pool's tokens go.
		s.revoke(ctx, tok.RefreshToken)
		frontdoor.SetStaff(r, who)
		return staffauth.Authorize(who, nil)
	}
	now := s.now()
	secret := random()
	sess := staffauth.Session{ID: SessionID(secret), Staff: who, RefreshToken: s.seal.seal(purposeRefresh, []byte(tok.RefreshToken)),
		CreatedAt: now, ExpiresAt: now.Add(staffauth.MaxSessionAge)}
	sess.RefreshAt = refreshAt(access.Expiry(), sess.ExpiresAt)
	if err := s.sessions.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	s.log.InfoContext(ctx, "signed in", staffAttr(who), "role", who.Role())
	w.Header().Add("Set-Cookie", Cookie(r, sessionCookie, secret, staffauth.MaxSessionAge))
	return redirect(w, st.Next)
}

// refreshAt is when to check the groups again: a minute before the access
// token they came from expires, and never after the session's end.
func refreshAt(tokenExpiry, end time.Time) time.Time {
	t := tokenExpiry.Add(-time.Minute)
	if t.After(end) {
		return end
	}
	return t
}

// SessionID is what the store keys a session by: the hash of the cookie's
// secret, so the table holds nothing a browser could present.
func SessionID(secret string) string {
	sum := sha256.Sum256([]byte("lmi-console-session\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// secret is r's session secret, if it has one of the right shape.
func secret(r *http.Request) (string, bool) {
	v := frontdoor.Cookie(r, frontdoor.CookieName(r, sessionCookie))
	return v, len(v) == 43 // 32 random bytes, base64url
}

// session returns r's live session, its groups checked again with the pool
// if their access token has expired since.
//
// Errors: staffauth.ErrSignInRequired without a live session.
func (s *SignIn) session(ctx context.Context, r *http.Request) (staffauth.Session, error) {
	sec, ok := secret(r)
	if !ok {
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	sess, err := s.sessions.Session(ctx, SessionID(sec))
	if errors.Is(err, staffauth.ErrNoSession) {
		return sess, staffauth.ErrSignInRequired
	}
	if err != nil {
		return sess, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	if sess.Expired(now) {
		// A working day has passed: sign in again. The refresh token goes.
		s.end(ctx, sess)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	if now.Before(sess.RefreshAt) {
		return sess, nil
	}
	return s.refresh(ctx, sess)
}

// refresh renews the session's groups with the pool's refresh token: a
// staff member removed from a group, or disabled, loses it within the
// access token's lifetime (an hour) rather than at the session's end.
func (s *SignIn) refresh(ctx context.Context, sess staffauth.Session) (staffauth.Session, error) {
	refresh, err := s.seal.open(purposeRefresh, sess.RefreshToken)
	if err != nil {
		s.end(ctx, sess)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	tok, err := s.oauth().TokenSource(s.ctx(ctx), &oauth2.Token{RefreshToken: string(refresh)}).Token()
	var refused *oauth2.RetrieveError
	if errors.As(err, &refused) {
		// Revoked, expired, or the user is disabled: the session ends.
		s.log.InfoContext(ctx, "session refresh refused", staffAttr(sess.Staff), "error", err)
		_ = s.sessions.DeleteSession(ctx, sess.ID)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	if err != nil {
		return sess, fmt.Errorf("refresh session: %w", err)
	}
	access, err := s.verifier.Access(ctx, tok.AccessToken)
	if err != nil || access.String("sub") != sess.Staff.Sub {
		s.log.WarnContext(ctx, "session refresh: bad access token", staffAttr(sess.Staff), "error", err)
		s.end(ctx, sess)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	who := access.Staff()
	who.Email = sess.Staff.Email
	sess.Staff, sess.RefreshAt = who, refreshAt(access.Expiry(), sess.ExpiresAt)
	if err := s.sessions.UpdateSession(ctx, sess); errors.Is(err, staffauth.ErrNoSession) {
		return staffauth.Session{}, staffauth.ErrSignInRequired // signed out meanwhile
	} else if err != nil {
		return sess, fmt.Errorf("refresh session: %w", err)
	}
	return sess, nil
}

// end deletes a session and revokes its refresh token; failures are
// logged: the session is over for the console either way.
func (s *SignIn) end(ctx context.Context, sess staffauth.Session) {
	if err := s.sessions.DeleteSession(ctx, sess.ID); err != nil {
		s.log.ErrorContext(ctx, "delete session", "error", err)
	}
	if refresh, err := s.seal.open(purposeRefresh, sess.RefreshToken); err == nil {
		s.revoke(ctx, string(refresh))
	}
}

func (s *SignIn) revoke(ctx context.Context, refreshToken string) {
	if refreshToken == "" {
		return
	}
	if err := s.pool.Revoke(ctx, s.client, refreshToken); err != nil {
		s.log.WarnContext(ctx, "revoke refresh token", "error", err)
	}
}

// SignOut ends the session (POST /staff/sign-out; the form's token must
// match it), revokes its refresh token, and sends the browser through the
// managed login's sign-out, which ends the pool's own session cookie too.
func (s *SignIn) SignOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sec, _ := secret(r)
	sess, err := s.sessions.Session(ctx, SessionID(sec))
	if errors.Is(err, staffauth.ErrNoSession) {
		w.Header().Add("Set-Cookie", Cookie(r, sessionCookie, "", 0))
		return redirect(w, SignedOutPath)
	}
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	if !s.checkForm(r, sess.ID, PurposeSignOut) {
		frontdoor.SetStaff(r, sess.Staff)
		return ErrFormExpired
	}
	s.end(ctx, sess)
	s.log.InfoContext(ctx, "signed out", staffAttr(sess.Staff))
	w.Header().Add("Set-Cookie", Cookie(r, sessionCookie, "", 0))
	return redirect(w, s.pool.LogoutURL(s.public+SignedOutPath))
}

// FormToken is the anti-forgery token of the forms for purpose of r's
// session ("" without one): another site can neither read it nor make
// the browser send the session cookie with its post (SameSite=Lax).
func (s *SignIn) FormToken(r *http.Request, purpose string) string {
	sec, ok := secret(r)
	if !ok {
		return ""
	}
	return formToken(s.formKeys[0], SessionID(sec), purpose)
}

func formToken(key []byte, sessionID, purpose string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionID + "\x00" + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *SignIn) checkForm(r *http.Request, sessionID, purpose string) bool {
	if !frontdoor.SameSite(r) {
		return false
	}
	form, err := Form(r)
	if err != nil {
		return false
	}
	got, ok := []byte(form.Get("csrf")), false
	for _, key := range s.formKeys {
		ok = hmac.Equal(got, []byte(formToken(key, sessionID, purpose))) || ok
	}
	return ok
}

// MaxFormBytes is the largest form accepted; MaxUploadBytes the largest
// form with a file (a roster or a meeting's participant report), well
// inside Lambda's 6 MB request once API Gateway has base64-encoded it.
const (
	MaxFormBytes   = 16 << 10
	MaxUploadBytes = 4<<20 + 64<<10
)

// Form reads a console form (frontdoor.FormWithFiles: at most
// MaxFormBytes, or MaxUploadBytes with a file).
func Form(r *http.Request) (url.Values, error) {
	return frontdoor.FormWithFiles(r, MaxFormBytes, MaxUploadBytes)
}

// Seal seals plain for purpose with the console's key (AES-GCM): a value
// the browser carries but can neither read nor change.
func (s *SignIn) Seal(purpose string, plain []byte) string {
	return s.seal.seal("page-"+purpose, plain)
}

// Open opens what Seal sealed for purpose.
func (s *SignIn) Open(purpose, sealed string) ([]byte, error) {
	return s.seal.open("page-"+purpose, sealed)
}

func redirect(w http.ResponseWriter, to string) error {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// staffAttr names a staff member in a log line: ids, never the email.
func staffAttr(who staffauth.Staff) slog.Attr {
	return slog.Group("staff", "sub", who.Sub, "username", who.Username)
}

func random() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
