package signin_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/cognito"
	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
)

// TestRequire hands a page a signed-in staff member in one of its roles,
// and nothing else: no session is a redirect to the sign-in (and back), the
// wrong role or a post without the session's form token is the error the
// console's error page words.
func TestRequire(t *testing.T) {
	sessions := memstore.NewSessions()
	in, err := signin.New(context.Background(), sessions, signin.Options{
		Pool:      cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_TEST", ClientID: "client", LoginURL: "https://login.example.org"},
		PublicURL: "https://convenings.example.org", Key: []byte(strings.Repeat("k", 32)), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("s", 43)
	now := time.Now()
	who := staffauth.Staff{Sub: "sub-1", Username: "user-1", Groups: []string{deploy.RoleReviewer}}
	if err := sessions.CreateSession(context.Background(), staffauth.Session{ID: signin.SessionID(secret), Staff: who,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour), RefreshAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var served *staffauth.Staff
	page := func(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
		served = &who
		return nil
	}
	request := func(method, target string, cookie bool, form url.Values) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie {
			r.AddCookie(&http.Cookie{Name: "__Host-lmi_session", Value: secret})
		}
		return r
	}
	withToken := request(http.MethodGet, "/staff", true, nil)
	csrf := in.FormToken(withToken, signin.PurposeForm)
	if csrf == "" || in.FormToken(request(http.MethodGet, "/staff", false, nil), signin.PurposeForm) != "" {
		t.Fatal("a form token needs a session")
	}
	tests := []struct {
		name     string
		r        *http.Request
		roles    []string
		status   int
		location string
		reason   convening.Reason
		served   bool
	}{
		{"NoSession", request(http.MethodGet, "/staff/events?status=waitlisted", false, nil), []string{deploy.RoleStaff, deploy.RoleReviewer},
			303, "/staff/sign-in?next=%2Fstaff%2Fevents%3Fstatus%3Dwaitlisted", "", false},
		{"Role", request(http.MethodGet, "/staff/events", true, nil), []string{deploy.RoleStaff, deploy.RoleReviewer}, 200, "", "", true},
		{"NotTheRole", request(http.MethodGet, "/staff/new-event", true, nil), []string{deploy.RoleStaff}, 0, "", convening.ReasonRoleRequired, false},
		{"PostWithoutToken", request(http.MethodPost, "/staff/statements/s/review", true, url.Values{"x": {"1"}}),
			[]string{deploy.RoleStaff, deploy.RoleReviewer}, 0, "", convening.ReasonFormExpired, false},
		{"PostFromAnotherSite", func() *http.Request {
			r := request(http.MethodPost, "/staff/statements/s/review", true, url.Values{"csrf": {csrf}})
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), []string{deploy.RoleStaff, deploy.RoleReviewer}, 0, "", convening.ReasonFormExpired, false},
		{"PostWithToken", request(http.MethodPost, "/staff/statements/s/review", true, url.Values{"csrf": {csrf}}),
			[]string{deploy.RoleStaff, deploy.RoleReviewer}, 200, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served = nil
			w := httptest.NewRecorder()
			err := in.Require(tt.roles, page)(w, tt.r)
			if convening.ErrorReason(err) != tt.reason || (served != nil) != tt.served {
				t.Fatalf("error %v, served %v", err, served)
			}
			if tt.status != 0 && (w.Code != tt.status || w.Header().Get("Location") != tt.location) {
				t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
			}
			if served != nil && served.Sub != who.Sub {
				t.Fatalf("served %+v", served)
			}
		})
	}
}

// TestSeal: a value sealed for one purpose opens only for it, and not
// once changed.
func TestSeal(t *testing.T) {
	in, err := signin.New(context.Background(), memstore.NewSessions(), signin.Options{
		Pool:      cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_TEST", ClientID: "client", LoginURL: "https://login.example.org"},
		PublicURL: "https://convenings.example.org", Key: []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	sealed := in.Seal("flash", []byte("done"))
	if b, err := in.Open("flash", sealed); err != nil || string(b) != "done" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := in.Open("other", sealed); err == nil {
		t.Fatal("opened for another purpose")
	}
	if _, err := in.Open("flash", sealed[:len(sealed)-2]+"AA"); err == nil {
		t.Fatal("opened a changed value")
	}
}

// TestRotatedKey: after the secret rotates, what the old key sealed or
// signed (a page's sealed value, a form loaded before) still opens with the
// new key ring, what the new key seals does not open with the old alone,
// and a key that has left the ring opens nothing.
func TestRotatedKey(t *testing.T) {
	oldKey, newKey := []byte(strings.Repeat("o", 32)), []byte(strings.Repeat("n", 32))
	sessions := memstore.NewSessions()
	open := func(key []byte, previous ...[]byte) *signin.SignIn {
		t.Helper()
		in, err := signin.New(context.Background(), sessions, signin.Options{
			Pool:      cognito.Pool{Issuer: "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_TEST", ClientID: "client", LoginURL: "https://login.example.org"},
			PublicURL: "https://convenings.example.org", Key: key, PreviousKeys: previous, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	before, after, alone := open(oldKey), open(newKey, oldKey), open(newKey)

	sealed := before.Seal("flash", []byte("done"))
	if b, err := after.Open("flash", sealed); err != nil || string(b) != "done" {
		t.Errorf("after the rotation: %q %v, want the old seal opened", b, err)
	}
	if _, err := alone.Open("flash", sealed); err == nil {
		t.Error("a key that left the ring opened the old seal")
	}
	if _, err := before.Open("flash", after.Seal("flash", []byte("new"))); err == nil {
		t.Error("the new key sealed with the old one")
	}

	secret := strings.Repeat("s", 43)
	now := time.Now()
	if err := sessions.CreateSession(context.Background(), staffauth.Session{ID: signin.SessionID(secret),
		Staff: staffauth.Staff{Sub: "sub-1", Groups: []string{deploy.RoleStaff}}, CreatedAt: now, ExpiresAt: now.Add(time.Hour), RefreshAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	post := func(csrf string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/staff/events", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: "__Host-lmi_session", Value: secret})
		return r
	}
	page := func(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error { return nil }
	oldForm := before.FormToken(post(""), signin.PurposeForm)
	if err := after.Require([]string{deploy.RoleStaff}, page)(httptest.NewRecorder(), post(oldForm)); err != nil {
		t.Errorf("a form loaded before the rotation: %v", err)
	}
	if err := alone.Require([]string{deploy.RoleStaff}, page)(httptest.NewRecorder(), post(oldForm)); convening.ErrorReason(err) != convening.ReasonFormExpired {
		t.Errorf("a form whose key left the ring: %v, want %s", err, convening.ReasonFormExpired)
	}
}
