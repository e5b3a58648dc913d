package mailer

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/mail"
)

// New wires the mailer function: the notices in store, rendered with links
// under c.PublicURL that carry tokens, sent through ses from c.SenderEmail
// with the configuration set c.SESConfigurationSet (if set), at no more
// than c.SESMaxSendRate emails per second (1 if unset; this instance's
// share of the account's rate). Build ses with SESRetries. Errors name the
// variable at fault, so that a misconfigured deployment says what to fix
// in its logs.
func New(store *dynamostore.Store, ses *sesv2.Client, tokens *convening.ManageTokens, c deploy.Config, log *slog.Logger) (*Handler, error) {
	if c.SenderEmail == "" {
		return nil, fmt.Errorf("%s is not set", deploy.EnvSenderEmail)
	}
	rate := 1.0
	if s := strings.TrimSpace(c.SESMaxSendRate); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("%s must be a positive number of emails per second, not %q", deploy.EnvSESMaxSendRate, c.SESMaxSendRate)
		}
		rate = r
	}
	contact, err := convening.ProgramContactFrom(c.ContactName, c.ContactEmail, c.ContactPhone)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(deploy.ContactEnv, ", "), err)
	}
	links := mail.Links{BaseURL: c.PublicURL, Tokens: tokens, Organizer: c.SenderEmail, Contact: contact,
		Payee: convening.PayeeFrom(c.PayeeName, c.PayeeAddress, c.PayeeTaxID, c.PaymentInstructions)}
	m, err := mail.NewMailer(store, mail.NewSES(sendEmail(ses.SendEmail), c.SenderEmail, c.SESConfigurationSet), links, mail.NewLimiter(rate), log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", deploy.EnvPublicURL, err)
	}
	return &Handler{Notices: store, Mail: m, Log: log,
		Announcements: convening.NewAnnouncementService(convening.NewBasics(log), store)}, nil
}

// SESRetries gives the mailer's SES client its own, small retry budget: two
// attempts, the second at most a quarter second after the first. The
// functions' shared policy (awsconfig.Retryer: 6 attempts, backoff up to
// 2 s) suits DynamoDB's throttling, but here it only delays: the mailer
// retries a failed send itself, putting the notice off by mail.RetryDelay
// (a minute, doubling), so a retry inside the SDK can only help with a
// blip. With the shared policy an unreachable SES costs about 8 s per
// notice, and a stream batch of ten outlasts the function's timeout; with
// this one, well under a second, and the batch is put off and returned.
func SESRetries(o *sesv2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 2
		so.MaxBackoff = 250 * time.Millisecond
		// As for every client (see awsconfig.Retryer): no client-side
		// quota; the mailer's own limiter and backoff pace it.
		so.RateLimiter = ratelimit.None
	})
}

// sendEmail is the SES client's one operation the mailer uses, as a method
// value: holding the client itself in an interface would keep all its
// operations in the binary (see dynamostore.Open), over 1 MB of it.
type sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, opts...)
}
