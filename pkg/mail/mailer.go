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

// Deliver sends the notice's email unless it was sent before. It claims the
// notice in the outbox, waits for the send rate, renders, sends, and records
// the send. It returns:
//
//   - nil if the email went out now or earlier. If it went out but could not
//     be recorded, Deliver logs an error and still returns nil: retrying
//     would email the team twice.
//   - an error wrapping convening.ErrNoticeBusy while another sender holds the notice;
//     retry later.
//   - an error wrapping ErrPermanent if the notice cannot be sent at all
//     (SES rejects the address or message, or the notice cannot be
//     rendered). The notice is released and stays unsent; retrying will fail
//     the same way, so the caller decides whether to retry or to drop it and
//     alert staff.
//   - any other error if the send failed for a reason that may pass
//     (throttling, an outage, the context ending). The notice is released
//     for a retry.
func (m *Mailer) Deliver(ctx context.Context, n convening.Notice) error {
	// Never log the manage token or URL: they let anyone cancel the
	// registration. Nor the contact's address, which is personal data.
	log := m.log.With(slog.String("notice", n.ID), slog.String("kind", string(n.Kind)),
		slog.String("registration", n.RegistrationID), slog.String("event", n.Event.ID))
	if n.ID == "" {
		return fmt.Errorf("mail: notice has no id: %w", ErrPermanent)
	}

	switch err := m.outbox.ClaimNotice(ctx, n.ID, m.now(), m.lease); {
	case errors.Is(err, convening.ErrNoticeDone):
		log.Info("notice already sent")
		return nil
	case errors.Is(err, convening.ErrNoticeBusy):
		log.Info("notice is being sent by another sender")
		return fmt.Errorf("mail: deliver notice %s: %w", n.ID, err)
	case err != nil:
		return fmt.Errorf("mail: claim notice %s: %w", n.ID, err)
	}

	msg, err := Render(n, m.links)
	if err != nil {
		return m.release(ctx, log, n.ID, fmt.Errorf("%w: %w", ErrPermanent, err))
	}

	// Give up well within the lease, so that no one else may claim the
	// notice while this send can still go out.
	work, cancel := context.WithTimeout(ctx, m.lease/2)
	defer cancel()
	if err := m.limiter.Wait(work); err != nil {
		return m.release(ctx, log, n.ID, fmt.Errorf("mail: wait for the send rate: %w", err))
	}
	// Once a send starts it is not cut short by the caller's deadline: an
	// email SES accepted but this sender gave up on would be released and
	// sent twice. The lease bound still holds.
	send, cancelSend := context.WithTimeout(context.WithoutCancel(ctx), m.lease/2)
	defer cancelSend()
	messageID, err := m.sender.Send(send, n.To, msg)
	if err != nil {
		if IsPermanent(err) && !errors.Is(err, ErrPermanent) {
			err = fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return m.release(ctx, log, n.ID, fmt.Errorf("mail: send notice %s: %w", n.ID, err))
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

// release gives the notice back with cause and returns cause. If the release
// fails the lease still runs out by itself, so the notice is retried then.
func (m *Mailer) release(ctx context.Context, log *slog.Logger, id string, cause error) error {
	level := slog.LevelWarn
	if errors.Is(cause, ErrPermanent) {
		level = slog.LevelError
	}
	log.Log(ctx, level, "notice not sent", slog.Bool("permanent", errors.Is(cause, ErrPermanent)), slog.Any("err", cause))
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	if err := m.outbox.ReleaseNotice(bctx, id, m.now(), cause.Error()); err != nil {
		log.Warn("release notice", slog.Any("err", err))
	}
	return cause
}
