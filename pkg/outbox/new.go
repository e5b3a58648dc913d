package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/mail"
)

// New wires the mailer function: the notices in store, rendered with links
// under c.PublicURL that carry tokens, sent through ses from c.SenderEmail
// at no more than c.SESMaxSendRate emails per second (1 if unset). Errors
// name the variable at fault, so that a misconfigured deployment says what
// to fix in its logs.
func New(store *dynamostore.Store, ses *sesv2.Client, tokens *convening.ManageTokens, c deploy.Config, log *slog.Logger) (*Mailer, error) {
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
	links := mail.Links{BaseURL: c.PublicURL, Tokens: tokens, Organizer: c.SenderEmail}
	m, err := mail.NewMailer(store, mail.NewSES(sendEmail(ses.SendEmail), c.SenderEmail), links, mail.NewLimiter(rate), log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", deploy.EnvPublicURL, err)
	}
	return &Mailer{Notices: store, Mailer: m, Log: log}, nil
}

// sendEmail is the SES client's one operation the mailer uses, as a method
// value: holding the client itself in an interface would keep all its
// operations in the binary (see dynamostore.Open), over 1 MB of it.
type sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, opts...)
}
