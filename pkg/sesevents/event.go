package sesevents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The events SES publishes about the email it sent, as Parse reads them:
// the JSON an SNS topic carries in its message when a configuration set's
// event destination is that topic. Parse reads which email an event is
// about (SES's message id) and what became of it (a bounce and its type, a
// complaint and its feedback type), and nothing else: no recipient
// address, diagnostic code or header is decoded, so nothing that names a
// person can leave the parser.
//
// SES adds fields and values over time, so unknown fields are ignored and
// unknown types pass through; but every value kept must look like what SES
// documents (a word, a message id), because it ends up in logs and in the
// cause staff read.

// Type is an event's type as SES names it.
type Type string

// The event types this system acts on or expects; SES publishes others
// (Send, Reject, Open, Click, Rendering Failure, DeliveryDelay,
// Subscription) if a destination asks for them.
const (
	Bounce    Type = "Bounce"
	Complaint Type = "Complaint"
	Delivery  Type = "Delivery"
)

// Bounce types (bounceType) as SES documents them.
const (
	BouncePermanent    = "Permanent"    // the address will never accept mail: SES suppresses it
	BounceTransient    = "Transient"    // e.g. a full mailbox: it may pass
	BounceUndetermined = "Undetermined" // SES could not tell
)

// Event is what this system reads of one SES event.
type Event struct {
	Type Type
	// MessageID is the id SES gave the email when it accepted it (the
	// SendEmail answer's MessageId).
	MessageID string
	// BounceType and BounceSubType are set for a Bounce (the sub-type may be
	// empty), e.g. Permanent and General, or Permanent and
	// OnAccountSuppressionList for an address SES would not send to.
	BounceType, BounceSubType string
	// FeedbackType is a Complaint's feedback type (abuse, fraud, ...) if the
	// recipient's provider gave one.
	FeedbackType string
}

// ErrMalformed marks a message that is not an SES event as documented.
// Retrying cannot mend it.
var ErrMalformed = errors.New("not an SES event notification")

// maxMessageID bounds a message id. SES's are about 60 characters.
const maxMessageID = 256

// maxWord bounds the words SES uses for types and sub-types.
const maxWord = 40

// message is the part of the notification read. SES names the type
// eventType for configuration-set event publishing, notificationType for an
// identity's feedback notifications; either is accepted.
type message struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             *struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType    string `json:"bounceType"`
		BounceSubType string `json:"bounceSubType"`
	} `json:"bounce"`
	Complaint *struct {
		FeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
}

// Parse reads one SES event notification (the SNS message's text). It
// returns an error wrapping ErrMalformed if the message is not JSON, has no
// type or message id, has a bounce without its type, or holds a value that
// does not look like SES's.
func Parse(msg []byte) (Event, error) {
	var m message
	dec := json.NewDecoder(bytes.NewReader(msg))
	if err := dec.Decode(&m); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	e := Event{Type: Type(m.EventType)}
	if e.Type == "" {
		e.Type = Type(m.NotificationType)
	}
	if !typeName(string(e.Type)) {
		return Event{}, fmt.Errorf("%w: no event type, or not a name", ErrMalformed)
	}
	if m.Mail == nil || !messageID(m.Mail.MessageID) {
		return Event{}, fmt.Errorf("%w: no message id, or not an SES message id", ErrMalformed)
	}
	e.MessageID = m.Mail.MessageID
	switch e.Type {
	case Bounce:
		if m.Bounce == nil || !word(m.Bounce.BounceType) || (m.Bounce.BounceSubType != "" && !word(m.Bounce.BounceSubType)) {
			return Event{}, fmt.Errorf("%w: a bounce without its type, or not a word", ErrMalformed)
		}
		e.BounceType, e.BounceSubType = m.Bounce.BounceType, m.Bounce.BounceSubType
	case Complaint:
		if m.Complaint != nil && m.Complaint.FeedbackType != "" {
			if !word(m.Complaint.FeedbackType) {
				return Event{}, fmt.Errorf("%w: a complaint feedback type that is not a word", ErrMalformed)
			}
			e.FeedbackType = m.Complaint.FeedbackType
		}
	}
	return e, nil
}

// Failure reports whether the event means the email never reached, or
// will never again reach, its recipient: a permanent bounce (SES then
// suppresses the address) or a complaint (the recipient marked it as spam;
// SES suppresses the address too). cause says so in words staff read, with
// SES's types and no address: "bounced (Permanent/General)", "complaint
// (abuse)". A transient or undetermined bounce, a delivery and any other
// event are not failures.
func (e Event) Failure() (cause string, failed bool) {
	switch {
	case e.Type == Bounce && e.BounceType == BouncePermanent:
		if e.BounceSubType == "" {
			return "bounced (" + e.BounceType + ")", true
		}
		return "bounced (" + e.BounceType + "/" + e.BounceSubType + ")", true
	case e.Type == Complaint:
		if e.FeedbackType == "" {
			return "complaint", true
		}
		return "complaint (" + e.FeedbackType + ")", true
	}
	return "", false
}

// word reports whether s is a word as SES writes its types: ASCII letters,
// digits and hyphens ("Permanent", "OnAccountSuppressionList", "not-spam").
func word(s string) bool {
	if s == "" || len(s) > maxWord {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// typeName reports whether s is an event type: words, one space apart
// ("Rendering Failure").
func typeName(s string) bool {
	if s == "" || len(s) > maxWord {
		return false
	}
	for _, w := range bytes.Split([]byte(s), []byte(" ")) {
		if !word(string(w)) {
			return false
		}
	}
	return true
}

// messageID reports whether s looks like an SES message id: visible ASCII
// without @, so that nothing resembling an address is kept or looked up.
func messageID(s string) bool {
	if s == "" || len(s) > maxMessageID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '@' {
			return false
		}
	}
	return true
}
