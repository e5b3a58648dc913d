package convening

import (
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"
)

// Basics are what every service has besides its storage: its clock, its
// source of ids and its log, and the program's contact its answers may
// point to. NewBasics gives the real ones; tests replace Clock and NewID.
// Services built from the same Basics share them.
type Basics struct {
	Clock func() time.Time
	NewID func() string
	Log   *slog.Logger
	// Contact is the program's contact (a deployment setting), which a
	// refusal names for the team to reach; zero if not set.
	Contact ProgramContact
}

// WithContact returns b with the program's contact.
func (b Basics) WithContact(c ProgramContact) Basics {
	b.Contact = c
	return b
}

// NewBasics returns the real clock (UTC), ULID ids and log (nil means
// slog.Default()).
func NewBasics(log *slog.Logger) Basics {
	if log == nil {
		log = slog.Default()
	}
	return Basics{Clock: func() time.Time { return time.Now().UTC() }, NewID: NewID, Log: log}
}

// Now is the service's current time.
func (b Basics) Now() time.Time { return b.Clock() }

// NewID returns a new unique, time-ordered id (a ULID).
func NewID() string { return ulid.Make().String() }

// Idempotency identifies a retried request: Key is a digest of the caller's
// Idempotency-Key (scoped to the operation), RequestHash a digest of the
// request body, so the same key with another body is refused.
type Idempotency struct {
	Key         string
	RequestHash string
}

// mustTokens is the manage tokens of a service that issues or checks them:
// a function built without them is a wiring mistake, refused at start.
func mustTokens(service string, tokens *ManageTokens) *ManageTokens {
	if tokens == nil {
		panic("convening: " + service + " needs the manage tokens")
	}
	return tokens
}
