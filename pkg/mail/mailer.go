package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Lease is how long a Mailer holds a notice while it sends it. A sender that
// dies mid-send loses the notice for this long at most.
const Lease = 2 * time.Minute

// bookkeepingTimeout bounds the outbox writes after a send. They run even if
// the caller's context has ended, because a sent email that is not recorded
// would be sent again.
const bookkeepingTimeout = 10 * time.Second

// Mailer sends each notice once.
type Mailer struct {
	outbox  convening.Outbox
	sender  Sender
	links   Links
	limiter *Limiter
	log     *slog.Logger
	lease   time.Duration
	now     func() time.Time
}

// NewMailer returns a mailer. A nil limiter means no rate limit; a nil
// logger means slog.Default() (production passes a JSON logger). It fails if
// the links cannot be built, so that a bad configuration stops the function
// at start-up.
func NewMailer(outbox convening.Outbox, sender Sender, links Links, limiter *Limiter, log *slog.Logger) (*Mailer, error) {
	if err := links.Validate(); err != nil {
		return nil, err
	}
	if limiter == nil {
		limiter = NewLimiter(0)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{outbox: outbox, sender: sender, links: links, limiter: limiter, log: log, lease: Lease, now: time.Now}, nil
}

// SetClock replaces the clock that leases are taken and judged by; tests
// use it to act after a lease has run out without waiting for it.
func (m *Mailer) SetClock(now func() time.Time) { m.now = now }

// MaxAttempts is how many sends a notice gets before it is failed for good
// and left to staff. With the backoff below they span about five hours: an
// SES outage longer than that is an incident staff will see anyway.
const MaxAttempts = 10

// RetryDelay is how long a notice waits after its attempt-th failed send:
// one minute, doubling, at most an hour. The sweep sends it when it is due.
func RetryDelay(attempt int) time.Duration {
	return min(time.Minute<<min(max(attempt-1, 0), 6), time.Hour)
}

// ErrNotAttempted marks a delivery that did not reach SES (the send rate
// was not available in time, or the caller's context ended): nothing went
// out and the notice is due again at once, so the caller retries soon.
var ErrNotAttempted = errors.New("mail: not attempted")

// ErrDeferred marks a send that failed in a way that may pass: the notice
// is due again after RetryDelay, and the sweep sends it then.
var ErrDeferred = errors.New("mail: deferred")

// Deliver sends the notice's email unless it was sent before. It claims the
// notice in the outbox, waits for the send rate, renders, sends, and records
// the outcome. It returns:
//
//   - nil if the email went out now or earlier. If it went out but could not
//     be recorded, Deliver logs an error and still returns nil: retrying
//     would email the team twice.
//   - an error wrapping convening.ErrNoticeBusy while another sender holds
//     the notice or it is not due yet: it will be sent in its turn.
//   - an error wrapping ErrPermanent if the notice cannot be sent as it is
//     (SES rejects the address or message, it cannot be rendered) or it ran
//     out of attempts. The notice is failed in the outbox, where staff see
//     it, and leaves the sweep so that it jams nothing.
//   - an error wrapping ErrNotAttempted if nothing reached SES; the notice
//     is due again at once.
//   - any other error if SES failed in a way that may pass (throttling, an
//     outage): the notice is due again after RetryDelay.
//
// No error, log line or stored cause carries the recipient's address:
// SES's messages can contain it, so only its error codes are kept.
func (m *Mailer) Deliver(ctx context.Context, n convening.Notice) error {
	// Never log a private link or its token (manage, statement, a member's
	// confirmation): they let anyone act for the team. Nor the recipient's
	// address, which is personal data.
	log := m.log.With(slog.String("notice", n.ID), slog.String("kind", string(n.Kind)),
		slog.String("registration", n.SubjectID), slog.String("event", n.Event.ID))
	if n.ID == "" {
		return fmt.Errorf("mail: notice has no id: %w", ErrPermanent)
	}
	attempts, err := m.outbox.ClaimNotice(ctx, n.ID, m.now(), m.lease)
	switch {
	case errors.Is(err, convening.ErrNoticeDone):
		log.Info("notice already sent or failed")
		return nil
	case errors.Is(err, convening.ErrNoticeBusy):
		log.Info("notice is being sent by another sender or not due yet")
		return fmt.Errorf("mail: deliver notice %s: %w", n.ID, err)
	case err != nil:
		return fmt.Errorf("mail: claim notice %s: %w", n.ID, err)
	}
	log = log.With(slog.Int("attempt", attempts))
	// The members' own emails this one brings are owed before it goes
	// out, so that a contact told "we emailed each member" is told true.
	if len(n.Fanout) > 0 {
		if err := m.outbox.AddNotices(ctx, n.Event.ID, n.Fanout, m.now()); err != nil {
			m.release(ctx, log, n.ID, m.now(), "members' emails not written yet")
			return fmt.Errorf("mail: notice %s: write the members' emails: %w (%w)", n.ID, ErrNotAttempted, err)
		}
	}
	msg, err := Render(n, m.links)
	if err != nil {
		return m.fail(ctx, log, n.ID, "render: "+err.Error())
	}
	// Give up well within the lease, so that no one else may claim the
	// notice while this send can still go out.
	work, cancel := context.WithTimeout(ctx, m.lease/2)
	defer cancel()
	if err := m.limiter.Wait(work); err != nil {
		m.release(ctx, log, n.ID, m.now(), "not attempted: no send slot in time")
		return fmt.Errorf("mail: wait for the send rate: %w (%w)", ErrNotAttempted, err)
	}
	// Once a send starts it is not cut short by the caller's deadline: an
	// email SES accepted but this sender gave up on would be released and
	// sent twice. The lease bound still holds.
	send, cancelSend := context.WithTimeout(context.WithoutCancel(ctx), m.lease/2)
	defer cancelSend()
	messageID, err := m.sender.Send(send, n.To, msg)
	if err != nil {
		cause := SendFailure(err)
		if IsPermanent(err) {
			return m.fail(ctx, log, n.ID, cause)
		}
		if attempts >= MaxAttempts {
			return m.fail(ctx, log, n.ID, fmt.Sprintf("gave up after %d attempts; last: %s", attempts, cause))
		}
		retryAt := m.now().Add(RetryDelay(attempts))
		log.Warn("notice not sent; will retry", slog.String("cause", cause), slog.Time("retryAt", retryAt))
		m.release(ctx, log, n.ID, retryAt, cause)
		return fmt.Errorf("mail: send notice %s: %s: %w", n.ID, cause, ErrDeferred)
	}
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer bcancel()
	if err := m.outbox.MarkNoticeSent(bctx, n.ID, messageID, m.now()); err != nil {
		log.Error("notice sent but not recorded as sent", slog.String("messageId", messageID), slog.Any("err", err))
		return nil
	}
	log.Info("notice sent", slog.String("messageId", messageID))
	return nil
}

// Skip records that a notice is owed nothing: its member left the team
// before it went out, or none of a person's links still holds. It is
// marked sent, without an email, so that it leaves the sweep; a notice
// already sent, failed or held by another sender is left as it is.
func (m *Mailer) Skip(ctx context.Context, id string) error {
	if _, err := m.outbox.ClaimNotice(ctx, id, m.now(), m.lease); err != nil {
		if errors.Is(err, convening.ErrNoticeDone) || errors.Is(err, convening.ErrNoticeBusy) || errors.Is(err, convening.ErrNoticeNotFound) {
			return nil
		}
		return fmt.Errorf("mail: skip notice %s: %w", id, err)
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	if err := m.outbox.MarkNoticeSent(bctx, id, "", m.now()); err != nil {
		return fmt.Errorf("mail: skip notice %s: %w", id, err)
	}
	m.log.Info("notice owed nothing: its reader left", slog.String("notice", id))
	return nil
}

// release gives the notice back, due at retryAt. If the release fails the
// lease still runs out by itself, so the notice is retried then.
func (m *Mailer) release(ctx context.Context, log *slog.Logger, id string, retryAt time.Time, cause string) {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	if err := m.outbox.ReleaseNotice(bctx, id, m.now(), retryAt, cause); err != nil {
		log.Warn("release notice", slog.Any("err", err))
	}
}

// fail records that the notice cannot be sent and returns ErrPermanent
// with the cause. The log line "notice failed" is what the failed-notice
// alarm counts.
func (m *Mailer) fail(ctx context.Context, log *slog.Logger, id, cause string) error {
	log.Error("notice failed", slog.String("cause", cause))
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	if err := m.outbox.FailNotice(bctx, id, m.now(), cause); err != nil {
		// The lease runs out and a later attempt fails it again.
		log.Warn("record failed notice", slog.Any("err", err))
	}
	return fmt.Errorf("mail: notice %s: %s: %w", id, cause, ErrPermanent)
}
