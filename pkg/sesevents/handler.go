// Package sesevents is the ses-events function's handler. SES publishes
// what becomes of the email the mailer sent (through the configuration
// set's event destination, an SNS topic); the handler reads each event
// (Parse) and records what it means for the notices. A hard bounce or a complaint fails the notice the email
// belongs to, where staff see it, with a cause such as
// "bounced (Permanent/General)" or "complaint (abuse)" and never an
// address; SES also suppresses that address, so a later email to it
// bounces at once and fails its notice too. Anything else is logged.
package sesevents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// Handler handles the SNS deliveries of SES events.
type Handler struct {
	Notices convening.SentNotices
	Log     *slog.Logger
	// Now is the clock failures are dated by; nil means time.Now.
	Now func() time.Time
}

// New returns a handler over the notices; a nil logger means
// slog.Default() (production passes a JSON logger).
func New(notices convening.SentNotices, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{Notices: notices, Log: log}
}

// Handle is the ses-events function's Lambda handler. It returns an error
// only if the table could not be read or written: SNS invokes the function
// asynchronously, so Lambda then retries the delivery (twice, then it goes
// to the on-failure queue), and a retry changes nothing already recorded.
// A message that is not an SES event, or an email this system has no sent
// notice for, is logged and dropped: retrying could not change it.
func (h *Handler) Handle(ctx context.Context, ev events.SNSEvent) error {
	for _, rec := range ev.Records {
		if err := h.handle(ctx, rec.SNS); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handler) handle(ctx context.Context, msg events.SNSEntity) error {
	e, err := Parse([]byte(msg.Message))
	if err != nil {
		// The error says what is missing; it never repeats the message,
		// which may hold addresses.
		h.Log.WarnContext(ctx, "not an SES event; dropped", "snsMessageId", msg.MessageID, "error", err)
		return nil
	}
	log := h.Log.With("sesMessageId", e.MessageID, "eventType", string(e.Type))
	cause, failed := e.Failure()
	if !failed {
		if e.Type == Bounce {
			// SES retries a transient bounce itself; nothing to record.
			log.WarnContext(ctx, "email bounced, not for good", "bounceType", e.BounceType, "bounceSubType", e.BounceSubType)
		} else {
			log.InfoContext(ctx, "SES event")
		}
		return nil
	}
	n, err := h.Notices.NoticeByMessageID(ctx, e.MessageID)
	switch {
	case errors.Is(err, convening.ErrNoticeNotFound):
		log.InfoContext(ctx, "no sent notice has this message id (another sender's email, or failed already)", "cause", cause)
		return nil
	case err != nil:
		return fmt.Errorf("ses event for message %s: %w", e.MessageID, err)
	}
	log = log.With("notice", n.ID, "kind", string(n.Kind), "registration", n.SubjectID, "event", n.EventID)
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	switch err := h.Notices.FailSentNotice(ctx, n.ID, now().UTC(), cause); {
	case errors.Is(err, convening.ErrNoticeDone), errors.Is(err, convening.ErrNoticeNotFound):
		log.InfoContext(ctx, "notice failed already", "cause", cause)
		return nil
	case err != nil:
		return fmt.Errorf("ses event for message %s: %w", e.MessageID, err)
	}
	// The same line as the mailer's, which the failed-notice alarm counts.
	log.ErrorContext(ctx, "notice failed", "cause", cause)
	return nil
}
