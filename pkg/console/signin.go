package console

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
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// Paths the user pool's app client lists (callback and sign-out URLs).
const (
	CallbackPath  = "/staff/callback"
	SignedOutPath = "/staff/signed-out"
)

// signInLifetime bounds the time from the redirect to the managed login
// to the callback.
const signInLifetime = 10 * time.Minute

// The sealing purposes.
const (
	purposeSignIn  = "sign-in"
	purposeRefresh = "refresh-token"
)

// cookie names: __Host- over HTTPS, which browsers accept only from this
// very host, Secure, with Path=/ and no Domain, so a neighbouring
// subdomain can neither plant nor overwrite them. Plain http (the local
// runner) cannot use the prefix.
func sessionCookie(r *Request) string { return cookieName(r, "lmi_session") }
func signInCookie(r *Request) string  { return cookieName(r, "lmi_signin") }

func cookieName(r *Request, name string) string {
	if r.Secure() {
		return "__Host-" + name
	}
	return name
}

// setCookie writes an HttpOnly cookie, SameSite=Lax: sent on the top-level
// navigation back from the managed login (a Strict one would not be) and
// when a link from an email opens the console, never with another site's
// form posts.
func setCookie(r *Request, name, value string, maxAge time.Duration) string {
	c := name + "=" + value + "; Path=/; Max-Age=" + strconv.Itoa(int(maxAge.Seconds())) + "; HttpOnly; SameSite=Lax"
	if maxAge <= 0 {
		c = name + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
	}
	if r.Secure() {
		c += "; Secure"
	}
	return c
}

// signInState is what the browser carries, sealed, from the redirect to
// the callback.
type signInState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"t"`
	Expires  time.Time `json:"e"`
}

func (h *Handler) oauth() *oauth2.Config {
	return h.pool.OAuth2(h.public+CallbackPath, "openid", "email")
}

func (h *Handler) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, h.client)
}

// signIn starts a sign-in: it redirects to the managed login with a fresh
// state, nonce and PKCE challenge, which the callback checks.
func (h *Handler) signIn(_ context.Context, r *Request) (*Response, error) {
	st := signInState{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.Query.Get("next")), Expires: h.now().Add(signInLifetime)}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	to := h.oauth().AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oauth2.SetAuthURLParam("nonce", st.Nonce))
	resp := redirect(to)
	resp.Cookies = []string{setCookie(r, signInCookie(r), h.seal.seal(purposeSignIn, b), signInLifetime)}
	return resp, nil
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

var errSignInFailed = convening.NewError(convening.EUNAUTHORIZED, convening.ReasonSignInFailed, "The sign-in did not complete. Please sign in again.")

// callback finishes a sign-in: it checks the state, exchanges the code
// (with the PKCE verifier) for tokens, verifies them against the pool's
// keys, and starts a session for a member of one of the roles.
func (h *Handler) callback(ctx context.Context, r *Request) (*Response, error) {
	clear := setCookie(r, signInCookie(r), "", 0)
	fail := func(why string, err error) (*Response, error) {
		h.log.WarnContext(ctx, "sign-in failed", "why", why, "error", err)
		resp := h.errorPageFor(r, nil, http.StatusUnauthorized, errSignInFailed)
		resp.Cookies = append(resp.Cookies, clear)
		return resp, nil
	}
	var st signInState
	sealed, err := h.seal.open(purposeSignIn, r.Cookies[signInCookie(r)])
	if err == nil {
		err = json.Unmarshal(sealed, &st)
	}
	switch {
	case err != nil:
		return fail("no sign-in state (cookie missing, damaged or from another key)", err)
	case h.now().After(st.Expires):
		return fail("sign-in state expired", nil)
	case subtle.ConstantTimeCompare([]byte(r.Query.Get("state")), []byte(st.State)) != 1:
		return fail("state does not match", nil)
	case r.Query.Get("error") != "":
		return fail("the managed login answered an error", errors.New(r.Query.Get("error")))
	}
	tok, err := h.oauth().Exchange(h.ctx(ctx), r.Query.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return fail("code exchange", err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	id, err := h.verifier.ID(ctx, idToken, st.Nonce)
	if err != nil {
		return fail("ID token", err)
	}
	access, err := h.verifier.Access(ctx, tok.AccessToken)
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
		h.revoke(ctx, tok.RefreshToken)
		resp := h.errorPageFor(r, &who, http.StatusForbidden, staffauth.Authorize(who, nil))
		resp.Cookies = append(resp.Cookies, clear)
		return resp, nil
	}
	now := h.now()
	secret := random()
	s := staffauth.Session{ID: sessionID(secret), Staff: who, RefreshToken: h.seal.seal(purposeRefresh, []byte(tok.RefreshToken)),
		CreatedAt: now, ExpiresAt: now.Add(staffauth.MaxSessionAge)}
	s.RefreshAt = refreshAt(access.Expiry(), s.ExpiresAt)
	if err := h.sessions.CreateSession(ctx, s); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	h.log.InfoContext(ctx, "signed in", staffAttr(who), "role", who.Role())
	resp := redirect(st.Next)
	resp.Cookies = []string{clear, setCookie(r, sessionCookie(r), secret, staffauth.MaxSessionAge)}
	return resp, nil
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

// sessionID is what the store keys a session by: the hash of the cookie's
// secret, so the table holds nothing a browser could present.
func sessionID(secret string) string {
	sum := sha256.Sum256([]byte("lmi-console-session\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// session returns r's live session, its groups checked again with the pool
// if their access token has expired since.
//
// Errors: staffauth.ErrSignInRequired without a live session.
func (h *Handler) session(ctx context.Context, r *Request) (staffauth.Session, error) {
	secret := r.Cookies[sessionCookie(r)]
	if len(secret) != 43 { // 32 random bytes, base64url
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	s, err := h.sessions.Session(ctx, sessionID(secret))
	if errors.Is(err, staffauth.ErrNoSession) {
		return s, staffauth.ErrSignInRequired
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", err)
	}
	now := h.now()
	if s.Expired(now) {
		// A working day has passed: sign in again. The refresh token goes.
		h.end(ctx, s)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	if now.Before(s.RefreshAt) {
		r.sessionID = s.ID
		return s, nil
	}
	if s, err = h.refresh(ctx, s); err == nil {
		r.sessionID = s.ID
	}
	return s, err
}

// refresh renews the session's groups with the pool's refresh token: a
// staff member removed from a group, or disabled, loses it within the
// access token's lifetime (an hour) rather than at the session's end.
func (h *Handler) refresh(ctx context.Context, s staffauth.Session) (staffauth.Session, error) {
	refresh, err := h.seal.open(purposeRefresh, s.RefreshToken)
	if err != nil {
		h.end(ctx, s)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	tok, err := h.oauth().TokenSource(h.ctx(ctx), &oauth2.Token{RefreshToken: string(refresh)}).Token()
	var refused *oauth2.RetrieveError
	if errors.As(err, &refused) {
		// Revoked, expired, or the user is disabled: the session ends.
		h.log.InfoContext(ctx, "session refresh refused", staffAttr(s.Staff), "error", err)
		_ = h.sessions.DeleteSession(ctx, s.ID)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	if err != nil {
		return s, fmt.Errorf("refresh session: %w", err)
	}
	access, err := h.verifier.Access(ctx, tok.AccessToken)
	if err != nil || access.String("sub") != s.Staff.Sub {
		h.log.WarnContext(ctx, "session refresh: bad access token", staffAttr(s.Staff), "error", err)
		h.end(ctx, s)
		return staffauth.Session{}, staffauth.ErrSignInRequired
	}
	who := access.Staff()
	who.Email = s.Staff.Email
	s.Staff, s.RefreshAt = who, refreshAt(access.Expiry(), s.ExpiresAt)
	if err := h.sessions.UpdateSession(ctx, s); errors.Is(err, staffauth.ErrNoSession) {
		return staffauth.Session{}, staffauth.ErrSignInRequired // signed out meanwhile
	} else if err != nil {
		return s, fmt.Errorf("refresh session: %w", err)
	}
	return s, nil
}

// end deletes a session and revokes its refresh token; failures are
// logged: the session is over for the console either way.
func (h *Handler) end(ctx context.Context, s staffauth.Session) {
	if err := h.sessions.DeleteSession(ctx, s.ID); err != nil {
		h.log.ErrorContext(ctx, "delete session", "error", err)
	}
	if refresh, err := h.seal.open(purposeRefresh, s.RefreshToken); err == nil {
		h.revoke(ctx, string(refresh))
	}
}

func (h *Handler) revoke(ctx context.Context, refreshToken string) {
	if refreshToken == "" {
		return
	}
	if err := h.pool.Revoke(ctx, h.client, refreshToken); err != nil {
		h.log.WarnContext(ctx, "revoke refresh token", "error", err)
	}
}

// signOut ends the session (the form's token must match it), revokes its
// refresh token, and sends the browser through the managed login's
// sign-out, which ends the pool's own session cookie too.
func (h *Handler) signOut(ctx context.Context, r *Request) (*Response, error) {
	s, err := h.sessions.Session(ctx, sessionID(r.Cookies[sessionCookie(r)]))
	if errors.Is(err, staffauth.ErrNoSession) {
		resp := redirect(SignedOutPath)
		resp.Cookies = []string{setCookie(r, sessionCookie(r), "", 0)}
		return resp, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sign out: %w", err)
	}
	if !h.checkForm(r, s.ID, "sign-out") {
		return h.errorPageFor(r, &s.Staff, http.StatusForbidden, errFormExpired), nil
	}
	h.end(ctx, s)
	h.log.InfoContext(ctx, "signed out", staffAttr(s.Staff))
	resp := redirect(h.pool.LogoutURL(h.public + SignedOutPath))
	resp.Cookies = []string{setCookie(r, sessionCookie(r), "", 0)}
	return resp, nil
}

var errFormExpired = convening.NewError(convening.EFORBIDDEN, convening.ReasonFormExpired, "This form has expired or came from another site. Reload the page and try again.")

// formToken binds a form's purpose to the session: another site can
// neither read it nor make the browser send the session cookie with its
// post (SameSite=Lax).
func (h *Handler) formToken(sessionID, purpose string) string {
	m := hmac.New(sha256.New, h.formKey)
	m.Write([]byte(sessionID + "\x00" + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *Handler) checkForm(r *Request, sessionID, purpose string) bool {
	if site := r.Header["sec-fetch-site"]; site != "" && site != "same-origin" {
		return false
	}
	if o := r.Header["origin"]; o != "" && o != "null" && o != r.origin() {
		return false
	}
	form, err := r.Form()
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(form.Get("csrf")), []byte(h.formToken(sessionID, purpose)))
}

// signedOut is where the managed login's sign-out comes back to.
func (h *Handler) signedOut(_ context.Context, r *Request) (*Response, error) {
	return h.render(r, http.StatusOK, "signed-out", "You have signed out", nil, nil)
}

func random() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
