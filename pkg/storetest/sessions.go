package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/staffauth"
)

// RunSessions runs the contract of the console's session store;
// newStore returns an empty store each call.
func RunSessions(t *testing.T, newStore func(t testing.TB) staffauth.SessionStore) {
	now := time.Date(2027, 6, 22, 15, 0, 0, 0, time.UTC)
	session := func(id string) staffauth.Session {
		return staffauth.Session{ID: id,
			Staff:        staffauth.Staff{Sub: "sub-" + id, Username: "user-" + id, Email: id + "@lmi.example.org", Groups: []string{"reviewer", "staff"}},
			RefreshToken: "sealed-" + id, CreatedAt: now, ExpiresAt: now.Add(staffauth.MaxSessionAge), RefreshAt: now.Add(time.Hour)}
	}
	same := func(a, b staffauth.Session) bool {
		return a.ID == b.ID && a.Staff.Sub == b.Staff.Sub && a.Staff.Username == b.Staff.Username && a.Staff.Email == b.Staff.Email &&
			slices.Equal(a.Staff.Groups, b.Staff.Groups) && a.RefreshToken == b.RefreshToken &&
			a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.RefreshAt.Equal(b.RefreshAt)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, s staffauth.SessionStore)
	}{
		{"CreateAndRead", func(t *testing.T, ctx context.Context, s staffauth.SessionStore) {
			want := session("a1")
			if err := s.CreateSession(ctx, want); err != nil {
				t.Fatal(err)
			}
			got, err := s.Session(ctx, "a1")
			if err != nil || !same(got, want) {
				t.Fatalf("Session = %+v, %v; want %+v", got, err, want)
			}
			if err := s.CreateSession(ctx, session("a1")); err == nil {
				t.Error("a second session with the same id was created")
			}
		}},
		{"Unknown", func(t *testing.T, ctx context.Context, s staffauth.SessionStore) {
			if _, err := s.Session(ctx, "nope"); !errors.Is(err, staffauth.ErrNoSession) {
				t.Fatalf("Session(unknown) = %v, want ErrNoSession", err)
			}
			if err := s.UpdateSession(ctx, session("nope")); !errors.Is(err, staffauth.ErrNoSession) {
				t.Fatalf("UpdateSession(unknown) = %v, want ErrNoSession", err)
			}
			if err := s.DeleteSession(ctx, "nope"); err != nil {
				t.Fatalf("DeleteSession(unknown) = %v", err)
			}
		}},
		{"UpdateKeepsTheEnd", func(t *testing.T, ctx context.Context, s staffauth.SessionStore) {
			orig := session("u1")
			if err := s.CreateSession(ctx, orig); err != nil {
				t.Fatal(err)
			}
			changed := orig
			changed.Staff.Groups = nil // removed from every group meanwhile
			changed.RefreshAt = now.Add(2 * time.Hour)
			changed.ExpiresAt = now.Add(100 * time.Hour) // ignored
			changed.RefreshToken = "other"               // ignored
			if err := s.UpdateSession(ctx, changed); err != nil {
				t.Fatal(err)
			}
			got, err := s.Session(ctx, "u1")
			want := orig
			want.Staff.Groups, want.RefreshAt = nil, changed.RefreshAt
			if err != nil || !same(got, want) {
				t.Fatalf("after update %+v, %v; want %+v", got, err, want)
			}
		}},
		{"DeleteEnds", func(t *testing.T, ctx context.Context, s staffauth.SessionStore) {
			for _, id := range []string{"d1", "d2"} {
				if err := s.CreateSession(ctx, session(id)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeleteSession(ctx, "d1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Session(ctx, "d1"); !errors.Is(err, staffauth.ErrNoSession) {
				t.Errorf("deleted session: %v", err)
			}
			// A refresh racing the sign-out must not bring it back.
			if err := s.UpdateSession(ctx, session("d1")); !errors.Is(err, staffauth.ErrNoSession) {
				t.Errorf("update after delete: %v", err)
			}
			if _, err := s.Session(ctx, "d1"); !errors.Is(err, staffauth.ErrNoSession) {
				t.Errorf("update brought a deleted session back: %v", err)
			}
			if got, err := s.Session(ctx, "d2"); err != nil || got.ID != "d2" {
				t.Errorf("the other session: %+v, %v", got, err)
			}
		}},
		{"ReturnedSessionIsACopy", func(t *testing.T, ctx context.Context, s staffauth.SessionStore) {
			if err := s.CreateSession(ctx, session("c1")); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Session(ctx, "c1")
			got.Staff.Groups[0] = "changed"
			if again, _ := s.Session(ctx, "c1"); again.Staff.Groups[0] != "reviewer" {
				t.Errorf("changing a returned session changed the store: %v", again.Staff.Groups)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, t.Context(), newStore(t))
		})
	}
}
