package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
	"unicode"

	"github.com/calmi/convenings/pkg/calendar"
	"github.com/calmi/convenings/pkg/convening"
)

// Message is a rendered email.
type Message struct {
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
}

// Attachment is a file sent with a message, such as a calendar invitation.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Links builds the links an email gives a team.
type Links struct {
	// BaseURL is the public site, e.g. "https://convenings.example.org";
	// a trailing slash is ignored.
	BaseURL string
	Tokens  *convening.ManageTokens
	// Organizer is who calendar invitations come from: the sender, e.g.
	// "CA LMI <convenings@example.org>". Without it emails carry no
	// invitation (an iTIP request must name its organizer).
	Organizer string
}

// Validate reports whether the links can be built, so that a wrong
// configuration fails at start-up rather than at the first email.
func (l Links) Validate() error {
	if _, err := l.base(); err != nil {
		return err
	}
	if l.Tokens == nil {
		return errors.New("mail: links need manage tokens")
	}
	return nil
}

func (l Links) base() (*url.URL, error) {
	u, err := url.Parse(l.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("mail: base URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mail: base URL %q must be an absolute http(s) URL with no query", l.BaseURL)
	}
	return u, nil
}

// ManageURL returns the team's private link to read or cancel its
// registration (and to accept a waiting-list offer):
// <base>/manage/<registrationId>?token=<token>. Anyone holding it can
// cancel the registration, so it must never be logged.
func (l Links) ManageURL(registrationID string) (string, error) {
	if registrationID == "" {
		return "", errors.New("mail: manage link needs a registration id")
	}
	return l.private(registrationID, "manage", registrationID)
}

// StatementURL returns the contact's private link to a statement of
// interest, <base>/statements/<statementId>?token=<token>: its status, who
// has confirmed, the invitation, and the buttons to accept or decline it.
// Anyone holding it can accept, decline or withdraw, so it must never be
// logged, nor sent to a member.
func (l Links) StatementURL(statementID string) (string, error) {
	if statementID == "" {
		return "", errors.New("mail: statement link needs a statement id")
	}
	return l.private(statementID, "statements", statementID)
}

// ConfirmURL returns one member's personal link to confirm that they will
// attend with the team:
// <base>/statements/<statementId>/members/<memberId>?token=<token>. Its
// token signs the statement and the member together, so it confirms that
// member and nothing else; it must never be logged either.
func (l Links) ConfirmURL(statementID, memberID string) (string, error) {
	if statementID == "" || memberID == "" {
		return "", errors.New("mail: confirmation link needs a statement and a member id")
	}
	return l.private(convening.MemberTokenSubject(statementID, memberID), "statements", statementID, "members", memberID)
}

// private returns <base>/<segments>?token=<token of subject>.
func (l Links) private(subject string, segments ...string) (string, error) {
	if err := l.Validate(); err != nil {
		return "", err
	}
	u, _ := l.base() // checked by Validate
	for _, s := range segments {
		// JoinPath would resolve a lone dot segment into another page.
		if s == "." || s == ".." {
			return "", fmt.Errorf("mail: link segment %q is not an id", s)
		}
		// PathEscape keeps an odd id one path segment ("a/../b" stays inert).
		u = u.JoinPath(url.PathEscape(s))
	}
	u.RawQuery = url.Values{"token": {l.Tokens.Token(subject)}}.Encode()
	return u.String(), nil
}

// EventURL returns the event's public page, <base>/events/<eventId>, or ""
// if the base URL is not valid.
func (l Links) EventURL(eventID string) string {
	u, err := l.base()
	if err != nil || eventID == "" {
		return ""
	}
	return u.JoinPath("events", url.PathEscape(eventID)).String()
}

//go:embed templates
var templates embed.FS

// Parsed once: a template error is a bug that must stop the program at start.
var (
	textTmpl = texttemplate.Must(texttemplate.New("notice.txt").Option("missingkey=error").ParseFS(templates, "templates/notice.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("notice.html").Option("missingkey=error").ParseFS(templates, "templates/notice.html"))
)

// view is what the templates show; every user-supplied string in it has
// been made a single line.
type view struct {
	Kind             convening.NoticeKind
	Subject          string
	ContactName      string
	Organization     string
	EventTitle       string
	When             string
	Where            string
	SeatsLabel       string
	Seats            int
	WaitlistPosition int
	// Waiting says the team is on the waiting list as the email goes out.
	Waiting   bool
	Members   []memberView
	ManageURL string
	// Calendar says what the attached calendar file does: "add", "remove"
	// or "" when there is none.
	Calendar string
}

type memberView struct{ Name, Role string }

// Render renders the email a notice owes its team.
func Render(n convening.Notice, links Links) (Message, error) {
	subject, err := subjectOf(n)
	if err != nil {
		return Message{}, err
	}
	manage, err := links.ManageURL(n.RegistrationID)
	if err != nil {
		return Message{}, err
	}
	v := view{
		Kind:             n.Kind,
		Subject:          subject,
		ContactName:      oneLine(n.To.Name),
		Organization:     oneLine(n.Organization.Name),
		EventTitle:       oneLine(n.Event.Title),
		When:             convening.When(n.Event.StartsAt, n.Event.EndsAt),
		Where:            oneLine(n.Event.Venue),
		SeatsLabel:       "Seats",
		Seats:            n.Seats,
		WaitlistPosition: n.WaitlistPosition,
		Waiting:          n.Status == convening.StatusWaitlisted || n.Kind == convening.NoticeWaitlisted,
		ManageURL:        manage,
	}
	if n.Event.Online || v.Where == "" {
		v.Where = "Online"
	}
	switch {
	case v.Waiting:
		v.SeatsLabel = "Seats requested"
	case n.Kind == convening.NoticeCancelled:
		v.SeatsLabel = "Seats released"
	}
	for _, m := range n.Members {
		v.Members = append(v.Members, memberView{Name: oneLine(m.Name), Role: m.Role.Label()})
	}
	att, hasCalendar := invitation(n, links)
	if hasCalendar {
		v.Calendar = "add"
		if n.Kind == convening.NoticeCancelled {
			v.Calendar = "remove"
		}
	}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("mail: render text of notice %s: %w", n.ID, err)
	}
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail: render HTML of notice %s: %w", n.ID, err)
	}
	msg := Message{Subject: subject, Text: text.String(), HTML: html.String()}
	if hasCalendar {
		msg.Attachments = append(msg.Attachments, att)
	}
	return msg, nil
}

// invitation returns the calendar file a notice carries: an invitation
// when the team holds seats (registered, promoted), its withdrawal when the
// registration is cancelled (same UID), none for the waiting list.
func invitation(n convening.Notice, links Links) (Attachment, bool) {
	org, err := netmail.ParseAddress(links.Organizer)
	if err != nil {
		return Attachment{}, false
	}
	var method calendar.Method
	switch n.Kind {
	case convening.NoticeRegistered, convening.NoticePromoted:
		method = calendar.Request
	case convening.NoticeCancelled:
		method = calendar.Cancel
	default:
		return Attachment{}, false
	}
	inv := calendar.ForRegistration(method, n.RegistrationID, n.Event, links.EventURL(n.Event.ID), n.CreatedAt)
	inv.Summary = oneLine(inv.Summary)
	inv.Location = oneLine(inv.Location)
	inv.Organizer = calendar.Person{Name: oneLine(org.Name), Email: org.Address}
	inv.Attendee = calendar.Person{Name: oneLine(n.To.Name), Email: n.To.Email}
	name := "invitation.ics"
	if method == calendar.Cancel {
		name = "cancellation.ics"
	}
	return Attachment{Filename: name, ContentType: method.ContentType(), Data: inv.ICS()}, true
}

func subjectOf(n convening.Notice) (string, error) {
	title := oneLine(n.Event.Title)
	switch n.Kind {
	case convening.NoticeRegistered:
		return "Registered: " + title, nil
	case convening.NoticeWaitlisted:
		if n.WaitlistPosition > 0 {
			return fmt.Sprintf("Waiting list (#%d): %s", n.WaitlistPosition, title), nil
		}
		return "Waiting list: " + title, nil
	case convening.NoticePromoted:
		if n.Seats == 1 {
			return "Seat confirmed from the waiting list: " + title, nil
		}
		return "Seats confirmed from the waiting list: " + title, nil
	case convening.NoticeCancelled:
		return "Cancelled: " + title, nil
	case convening.NoticeWaitlistMoved:
		if n.WaitlistPosition > 0 {
			return fmt.Sprintf("Your place on the waiting list is now #%d: %s", n.WaitlistPosition, title), nil
		}
		return "Your place on the waiting list changed: " + title, nil
	case convening.NoticeMembersChanged:
		return "Your team's members changed: " + title, nil
	case convening.NoticeContactChanged:
		return "You are now your team's contact: " + title, nil
	}
	return "", fmt.Errorf("mail: notice %s has unknown kind %q", n.ID, n.Kind)
}

// oneLine makes user- or staff-supplied text safe for a mail header and a
// one-line field: line breaks and other control characters become a single
// space (a CR or LF in a subject could add headers), invisible format
// characters such as bidirectional overrides are dropped, and runs of
// white space collapse.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = true
		case unicode.Is(unicode.Cf, r):
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}
