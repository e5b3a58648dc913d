package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

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
	client SESAPI
	from   string
}

// NewSES returns a Sender that sends from the given address, which must be
// an SES-verified identity, e.g. "CA LMI <convenings@example.org>".
func NewSES(client SESAPI, from string) *SES {
	return &SES{client: client, from: from}
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
	out, err := s.client.SendEmail(ctx, &sesv2.SendEmailInput{
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
	})
	if err != nil {
		return "", fmt.Errorf("ses: send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// SES error codes by what a sender should do about them.
var (
	permanentCodes = map[string]bool{
		"BadRequestException": true, // e.g. a malformed address
		"MessageRejected":     true, // e.g. an address SES will not send to
	}
	retryableCodes = map[string]bool{
		"TooManyRequestsException": true, // over the send rate
		"LimitExceededException":   true, // over a quota
		"SendingPausedException":   true, // sending paused for the account; staff may resume it
	}
)

// IsPermanent reports whether err is a failure that retrying cannot mend:
// ErrPermanent, or an SES rejection of the message or its address.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrPermanent) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && permanentCodes[api.ErrorCode()]
}

// IsRetryable reports whether err is SES throttling or a server-side
// failure (HTTP 429 or 5xx), which goes away if the send is tried later.
func IsRetryable(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && retryableCodes[api.ErrorCode()] {
		return true
	}
	// The SDK's response errors carry the HTTP status.
	var resp interface{ HTTPStatusCode() int }
	if errors.As(err, &resp) {
		code := resp.HTTPStatusCode()
		return code == 429 || code >= 500
	}
	return false
}
