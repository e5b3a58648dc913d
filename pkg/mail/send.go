package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/calmi/convenings/pkg/convening"
)

// Sender sends a rendered message to a team's contact and returns the
// provider's message id.
type Sender interface {
	Send(ctx context.Context, to convening.Contact, m Message) (messageID string, err error)
}

// ErrPermanent marks a failure that retrying cannot mend, such as an address
// SES rejects. Test with IsPermanent or errors.Is.
var ErrPermanent = errors.New("permanent failure, retrying will not help")

// SESAPI is the part of *sesv2.Client that SES uses.
type SESAPI interface {
	SendEmail(ctx context.Context, params *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends email through Amazon SES (API v2).
type SES struct {
	client           SESAPI
	from             string
	configurationSet string
}

// NewSES returns a Sender that sends from the given address, which must be
// an SES-verified identity, e.g. "CA LMI <convenings@example.org>", with
// the named configuration set ("" for none). The deployed one suppresses
// addresses that bounce for good or complain, and publishes those events,
// which fail the notice (package mailevents).
func NewSES(client SESAPI, from, configurationSet string) *SES {
	return &SES{client: client, from: from, configurationSet: configurationSet}
}

// Send sends m to the contact. An address SES will never accept gives an
// error for which IsPermanent is true.
func (s *SES) Send(ctx context.Context, to convening.Contact, m Message) (string, error) {
	addr, err := mail.ParseAddress(to.Email)
	if err != nil || addr.Address != to.Email {
		return "", fmt.Errorf("ses: recipient address is not valid: %w", ErrPermanent)
	}
	// Address.String quotes or RFC 2047-encodes the name, so a name with
	// commas, quotes or non-ASCII letters cannot break the address list.
	recipient := (&mail.Address{Name: oneLine(to.Name), Address: to.Email}).String()
	utf8 := aws.String("UTF-8")
	var attachments []types.Attachment
	for _, a := range m.Attachments {
		attachments = append(attachments, types.Attachment{
			FileName:                aws.String(oneLine(a.Filename)),
			ContentType:             aws.String(oneLine(a.ContentType)),
			RawContent:              a.Data,
			ContentDisposition:      types.AttachmentContentDispositionAttachment,
			ContentTransferEncoding: types.AttachmentContentTransferEncodingBase64,
		})
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{recipient}},
		Content: &types.EmailContent{Simple: &types.Message{
			// oneLine again: a Message need not come from Render.
			Subject: &types.Content{Data: aws.String(oneLine(m.Subject)), Charset: utf8},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(m.Text), Charset: utf8},
				Html: &types.Content{Data: aws.String(m.HTML), Charset: utf8},
			},
			Attachments: attachments,
		}},
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("ses: send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// permanentCodes are the SES errors that retrying cannot mend for this
// notice. Every other failure (throttling, quotas, a paused or suspended
// account, a setup problem, 5xx, the network) may pass: the mailer puts the
// notice off and tries again (RetryDelay), up to MaxAttempts.
var permanentCodes = map[string]bool{
	"BadRequestException": true, // e.g. a malformed address
	"MessageRejected":     true, // e.g. an address SES will not send to
}

// IsPermanent reports whether err is a failure that retrying cannot mend:
// ErrPermanent, or an SES rejection of the message or its address.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrPermanent) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && permanentCodes[api.ErrorCode()]
}

// addressLike finds anything that looks like an email address, so that a
// cause never carries one.
var addressLike = regexp.MustCompile(`[^\s"'<>(),;:]+@[^\s"'<>(),;:]+`)

// SendFailure describes a failed send for logs and the outbox without
// personal data: SES's error code and HTTP status, never SES's message,
// which can hold the recipient's address. Other errors (the network) are
// kept, with anything that looks like an address removed.
func SendFailure(err error) string {
	status := 0
	var resp interface{ HTTPStatusCode() int }
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		return fmt.Sprintf("ses %s (HTTP %d)", api.ErrorCode(), status)
	case errors.Is(err, context.DeadlineExceeded):
		return "ses did not answer in time"
	}
	s := addressLike.ReplaceAllString(err.Error(), "<address>")
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
