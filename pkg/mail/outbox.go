package mail

import (
	"context"
	"errors"
	"time"
)

// Outbox records which notices were sent. Claim takes a lease on a pending
// notice; it returns ErrNoticeDone if the notice was already sent, and
// ErrNoticeBusy if another sender holds an unexpired lease.
type Outbox interface {
	ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) error
	MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error
	ReleaseNotice(ctx context.Context, id string, now time.Time, cause string) error
}

// Errors an Outbox returns from ClaimNotice.
var (
	ErrNoticeDone = errors.New("notice already sent")
	ErrNoticeBusy = errors.New("notice is being sent")
)
