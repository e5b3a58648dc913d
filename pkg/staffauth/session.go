package staffauth

import (
	"context"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// MaxSessionAge is how long a console session lasts at most, however
// active: a working day. Then the staff member signs in again (and, in
// AWS, gives their MFA code again).
const MaxSessionAge = 10 * time.Hour

// Session is a console sign-in, kept on the server: the browser holds only
// a random secret in a cookie, the store only its hash (ID), so neither a
// table read nor a stolen backup yields a usable cookie.
type Session struct {
	// ID is the hash of the cookie's secret (the console's SessionID).
	ID    string
	Staff Staff
	// RefreshToken is the pool's refresh token, sealed by the console
	// (encrypted and authenticated with a key the store never sees): it
	// renews the staff member's groups and is revoked at sign-out.
	RefreshToken string
	CreatedAt    time.Time
	// ExpiresAt is the hard end: CreatedAt + MaxSessionAge at most.
	ExpiresAt time.Time
	// RefreshAt is when the groups are next checked with the pool (when
	// the access token they came from expires).
	RefreshAt time.Time
}

// Expired reports whether the session has ended by now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// SessionStore keeps the console's sessions: pkg/dynamostore in the table
// (SESSION#<id> items that DynamoDB's TTL removes after ExpiresAt),
// pkg/memstore in memory. A store returns a session even after its
// ExpiresAt (TTL deletes late); the console checks Expired.
type SessionStore interface {
	// CreateSession stores a new session.
	//
	// Errors: an internal error if a session with its ID exists (IDs are
	// random: a bug).
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with the given ID.
	//
	// Errors: ErrNoSession if there is none.
	Session(ctx context.Context, id string) (Session, error)
	// UpdateSession replaces a session's staff member (their groups) and
	// RefreshAt; its ID, CreatedAt and ExpiresAt never change.
	//
	// Errors: ErrNoSession if it has been deleted (signed out meanwhile).
	UpdateSession(ctx context.Context, s Session) error
	// DeleteSession removes a session; deleting one that is gone is not
	// an error.
	DeleteSession(ctx context.Context, id string) error
}

// ErrNoSession is a store's answer for a session it does not have: for the
// caller, a sign-in is required.
var ErrNoSession = convening.NewError(convening.EUNAUTHORIZED, convening.ReasonSignInRequired, "Your sign-in has ended. Sign in again.")
