package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
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
	// Payee issues the invoices the fee emails attach (billing.go).
	Payee convening.Payee
	// Contact is the program's contact, at the foot of every email and
	// wherever an email says whom to write to; zero: the email says to
	// reply to it.
	Contact convening.ProgramContact
}

// Validate reports whether the links can be built, so that a wrong
// configuration fails at start-up rather than at the first email.
func (l Links) Validate() error {
	if _, err := l.base(); err != nil {
		return err
	}
	if !l.Contact.IsZero() {
		if err := l.Contact.Validate(); err != nil {
			return fmt.Errorf("mail: %w", err)
		}
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

// AttendeeURL returns one member's personal link to their page of a
// registration: <base>/registrations/<registrationId>/members/<memberId>?token=<token>.
// Its token signs the registration and the member under a label of its
// own (convening.AttendeeTokenSubject): it opens that member's page and
// nothing else, never the manage page. It must never be logged.
func (l Links) AttendeeURL(registrationID, memberID string) (string, error) {
	if registrationID == "" || memberID == "" {
		return "", errors.New("mail: a member's link needs a registration and a member id")
	}
	return l.private(convening.AttendeeTokenSubject(registrationID, memberID), "registrations", registrationID, "members", memberID)
}

// LinksPageURL returns the public page where anyone asks for their
// private links again, <base>/links, or "" if the base URL is not valid.
func (l Links) LinksPageURL() string {
	u, err := l.base()
	if err != nil {
		return ""
	}
	return u.JoinPath("links").String()
}

// SurveyURL returns one person's private link to an event's evaluation
// survey: <base>/surveys/<eventId>/<personId>?token=<token>. Its token
// (convening.ManageTokens.SurveyToken) opens that person's survey and
// nothing else; it must never be logged.
func (l Links) SurveyURL(eventID, personID string) (string, error) {
	if eventID == "" || personID == "" {
		return "", errors.New("mail: survey link needs an event and a person id")
	}
	if err := l.Validate(); err != nil {
		return "", err
	}
	return l.link(l.Tokens.SurveyToken(eventID, personID), "surveys", eventID, personID)
}

// private returns <base>/<segments>?token=<token of subject>.
func (l Links) private(subject string, segments ...string) (string, error) {
	if err := l.Validate(); err != nil {
		return "", err
	}
	return l.link(l.Tokens.Token(subject), segments...)
}

// link returns <base>/<segments>?token=<token>.
func (l Links) link(token string, segments ...string) (string, error) {
	u, _ := l.base() // checked by Validate
	for _, s := range segments {
		// JoinPath would resolve a lone dot segment into another page.
		if s == "." || s == ".." {
			return "", fmt.Errorf("mail: link segment %q is not an id", s)
		}
		// PathEscape keeps an odd id one path segment ("a/../b" stays inert).
		u = u.JoinPath(url.PathEscape(s))
	}
	u.RawQuery = url.Values{"token": {token}}.Encode()
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

// funcs are the templates' helpers, the same in text and HTML.
var funcs = map[string]any{
	// seats says "1 seat" or "4 seats".
	"seats": func(n int) string {
		if n == 1 {
			return "1 seat"
		}
		return fmt.Sprintf("%d seats", n)
	},
}

// Parsed once: a template error is a bug that must stop the program at start.
var (
	textTmpl = texttemplate.Must(texttemplate.New("notice.txt").Option("missingkey=error").Funcs(funcs).ParseFS(templates, "templates/*.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("notice.html").Option("missingkey=error").Funcs(funcs).ParseFS(templates, "templates/*.html"))
)

// A kind without its templates is such a bug too.
func init() {
	for kind, spec := range kinds {
		if spec.template != "" && (textTmpl.Lookup(spec.template) == nil || htmlTmpl.Lookup(spec.template) == nil) {
			panic(fmt.Sprintf("mail: no template for notice kind %q", kind))
		}
	}
}

// audience is whom a notice's email is for, which decides the one private
// link it may carry.
type audience int

const (
	registrationContact audience = iota // the registration's manage link
	statementContact                    // the statement's page (accept, decline, withdraw)
	statementMember                     // one member's confirmation link, never the contact's
	registrationMember                  // one member's own page of the registration, never the manage link
	person                              // a person's links: each one they may hold (SubjectPerson)
	surveyPerson                        // one person's survey link, and nothing else
	// announcementRecipient: a registration's contact (its manage link)
	// or one member of it (no private link: a member may not act for the
	// team), as the notice names; staffTest: the staff member testing an
	// announcement (no private link at all).
	announcementRecipient
	staffTest
)

// kindSpec is how a kind of notice is rendered.
type kindSpec struct {
	audience audience
	// template names the kind's templates; "" is notice.txt and notice.html,
	// which hold the registration kinds that came first.
	template string
	// deadline says the email is about a deadline it must show (RespondBy).
	deadline bool
	// seatsLabel names the seats in the details.
	seatsLabel string
	// deadlineLabel names the deadline in the details.
	deadlineLabel string
	// noLink: the email carries no private link (a member who left the
	// team has none any more).
	noLink bool
}

var kinds = map[convening.NoticeKind]kindSpec{
	convening.NoticeRegistered:     {},
	convening.NoticeWaitlisted:     {},
	convening.NoticePromoted:       {},
	convening.NoticeCancelled:      {},
	convening.NoticeWaitlistMoved:  {},
	convening.NoticeMembersChanged: {},
	convening.NoticeContactChanged: {},

	convening.NoticeOffered:       {template: "offered", deadline: true, seatsLabel: "Seats held", deadlineLabel: "Accept by"},
	convening.NoticeOfferReminder: {template: "offer_reminder", deadline: true, seatsLabel: "Seats held", deadlineLabel: "Accept by"},
	convening.NoticeOfferExpired:  {template: "offer_expired", seatsLabel: "Seats released", deadlineLabel: "Deadline"},
	convening.NoticeRefused:       {template: "registration_refused", seatsLabel: "Seats requested"},

	convening.NoticeStatementReceived:  {audience: statementContact, template: "statement_received", seatsLabel: "Seats requested"},
	convening.NoticeMemberConfirmation: {audience: statementMember, template: "member_confirmation", seatsLabel: "Seats requested"},
	convening.NoticeConfirmationNudge:  {audience: statementMember, template: "confirmation_reminder", seatsLabel: "Seats requested"},
	convening.NoticeShortlisted:        {audience: statementContact, template: "shortlisted", seatsLabel: "Seats requested"},
	convening.NoticeInvitation:         {audience: statementContact, template: "invitation", deadline: true, seatsLabel: "Seats held", deadlineLabel: "Reply by"},
	convening.NoticeInvitationReminder: {audience: statementContact, template: "invitation_reminder", deadline: true, seatsLabel: "Seats held", deadlineLabel: "Reply by"},
	convening.NoticeInvitationExtended: {audience: statementContact, template: "invitation_extended", deadline: true, seatsLabel: "Seats held", deadlineLabel: "Reply by"},
	convening.NoticeInvitationExpired:  {audience: statementContact, template: "invitation_expired", seatsLabel: "Seats released", deadlineLabel: "Deadline"},
	convening.NoticeStatementDeclined:  {audience: statementContact, template: "statement_declined", seatsLabel: "Seats requested"},
	convening.NoticeInvitationDeclined: {audience: statementContact, template: "invitation_declined", seatsLabel: "Seats released"},
	convening.NoticeStatementWithdrawn: {audience: statementContact, template: "statement_withdrawn", seatsLabel: "Seats requested"},

	convening.NoticeMemberRegistered:        {audience: registrationMember, template: "member_registered", seatsLabel: "Team's seats"},
	convening.NoticeMemberCancelled:         {audience: registrationMember, template: "member_cancelled", seatsLabel: "Team's seats", noLink: true},
	convening.NoticeMemberCantAttend:        {template: "member_cant_attend", seatsLabel: "Seats"},
	convening.NoticeMemberCanAttend:         {template: "member_can_attend", seatsLabel: "Seats"},
	convening.NoticeStatementMemberDeclined: {audience: statementContact, template: "statement_member_declined", seatsLabel: "Seats requested"},
	convening.NoticeStatementComplete:       {audience: statementContact, template: "statement_complete", seatsLabel: "Seats requested"},
	convening.NoticeLinks:                   {audience: person, template: "links"},
	convening.NoticeSurveyInvitation:        {audience: surveyPerson, template: "survey_invitation", deadline: true, deadlineLabel: "Open until"},
	convening.NoticeSurveyReminder:          {audience: surveyPerson, template: "survey_reminder", deadline: true, deadlineLabel: "Open until"},
	convening.NoticeAnnouncement:            {audience: announcementRecipient, template: "announcement"},
	convening.NoticeReminder:                {audience: announcementRecipient, template: "reminder"},
	convening.NoticeAnnouncementTest:        {audience: staffTest, template: "announcement_test"},
}

// Kinds returns every kind of notice an email is rendered for, sorted:
// what pages that name emails must have words for.
func Kinds() []convening.NoticeKind {
	out := make([]convening.NoticeKind, 0, len(kinds)+len(billingKinds))
	for k := range kinds {
		out = append(out, k)
	}
	for k := range billingKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// view is what the templates show; every user-supplied string in it has
// been made a single line (but staff's message, made lines).
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
	Waiting bool
	Members []memberView
	// Exactly one of ManageURL, StatementURL, ConfirmURL and MemberURL is
	// set: the one private link the recipient may hold (none on an email
	// to a member who left; a person's links email has Links instead).
	ManageURL    string
	StatementURL string
	ConfirmURL   string
	MemberURL    string
	// Links are a person's links (the links email), each with what it
	// opens; LinksPageURL is where anyone asks for theirs again.
	Links        []linkView
	LinksPageURL string
	// About names the member a contact's email is about (name and role).
	About string
	// TeamCancelled: a member's cancellation is the team's (not their
	// leaving it).
	TeamCancelled bool
	// OfferHours: the event offers freed seats, with this long to accept.
	OfferHours int
	// Experience and Reasons are the statement's answers (its copy), as
	// paragraphs of lines; ExperienceText and ReasonsText indented.
	Experience, Reasons         [][]string
	ExperienceText, ReasonsText string
	SurveyURL                   string
	// Calendar says what the attached calendar file does: "add", "remove"
	// or "" when there is none.
	Calendar string

	// EventURL is the event's public page (to register again).
	EventURL string
	// RespondBy is the offer's or invitation's deadline in Pacific time;
	// TimeLeft how long is left when the email is written ("about 3
	// days"), or "" if it is not known.
	DeadlineLabel string
	RespondBy     string
	TimeLeft      string
	// Message is staff's message as paragraphs of lines (HTML);
	// MessageText is the same, indented, for the text part.
	Message     [][]string
	MessageText string
	// MemberRole is the role of the member a member's email is for;
	// SubmittedBy the name of the team's contact, who named them (not
	// their address: members see each other's names only).
	MemberRole  string
	SubmittedBy string
	// Confirmations says the members' list shows who has confirmed;
	// Confirmed of them have.
	Confirmations bool
	Confirmed     int
	// StaffEmail is whom the team writes to ("" if unknown: they reply).
	StaffEmail string
	// Contact is the program's contact, at the foot of every email (nil
	// if none is set).
	Contact *contactView

	// Announcements and reminders: the recipient is a member (ToMember),
	// it is a test (Test) or a reminder; AudienceWords say which teams it
	// went to ("registered for"), StartsIn how long before the event a
	// reminder goes out ("7 days").
	ToMember, Test, Reminder bool
	AudienceWords, StartsIn  string
	// StartsOn is when the event starts, alone.
	StartsOn string
	// Individual: one person's own registration (person.txt, person.html).
	Individual bool
	// JoinURL is the recipient's own link to join an online event, on the
	// emails that confirm a seat and on its reminders ("" otherwise);
	// OnlineSeat says the email confirms or reminds of a seat at an online
	// event.
	JoinURL    string
	OnlineSeat bool
	// Refusal says why a queued registration was refused (queue.go).
	Refusal string
}

// contactView is the program's contact as emails show it.
type contactView struct {
	Name, Email, Phone string
	// PhoneURI is the phone's tel: link, made of its digits alone.
	PhoneURI htmltemplate.URL
}

func newContactView(c convening.ProgramContact) *contactView {
	if c.IsZero() {
		return nil
	}
	return &contactView{Name: oneLine(c.Name), Email: c.Email, Phone: oneLine(c.Phone), PhoneURI: htmltemplate.URL(c.PhoneURI())}
}

// linkView is one link of a person's links email.
type linkView struct {
	URL, EventTitle, When, Organization, Role, Status string
}

// linkStatus words where a registration or statement stands, for a
// links email.
var linkStatus = map[string]string{
	string(convening.StatusRegistered): "registered", string(convening.StatusWaitlisted): "on the waiting list",
	string(convening.StatusOffered): "seats offered: action required", string(convening.StatementSubmitted): "statement of interest submitted",
	string(convening.StatementShortlisted): "statement of interest shortlisted", string(convening.StatementInvited): "invited: action required",
}

type memberView struct {
	Name, Role string
	// Email is shown to the statement's contact only, to check the
	// addresses the confirmation requests went to.
	Email string
	// Status is "confirmed" or "not confirmed yet" on the emails that
	// follow confirmations, else "".
	Status string
	// You marks the member a member's email is for.
	You bool
}

// Render renders the email a notice owes its team, or one member of it.
func Render(n convening.Notice, links Links) (Message, error) {
	if billingKinds[n.Kind] {
		return renderBilling(n, links)
	}
	spec, ok := kinds[n.Kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: notice %s has unknown kind %q", n.ID, n.Kind)
	}
	if err := checkAddressee(n, spec); err != nil {
		return Message{}, err
	}
	if spec.audience == announcementRecipient || spec.audience == staffTest {
		if err := checkAnnouncement(n); err != nil {
			return Message{}, err
		}
	}
	subject, err := subjectOf(n)
	if err != nil {
		return Message{}, err
	}
	subject = personSubject(n, subject)
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
		Contact:          newContactView(links.Contact),
		Waiting:          n.Status == convening.StatusWaitlisted || n.Kind == convening.NoticeWaitlisted,
		DeadlineLabel:    spec.deadlineLabel,
	}
	if n.Kind == convening.NoticeRefused {
		v.Refusal = refusalText(n.RefusedReason)
	}
	// Only the link this recipient may hold is built at all, so no
	// template can show another.
	switch spec.audience {
	case registrationContact:
		v.ManageURL, err = links.ManageURL(n.SubjectID)
	case statementContact:
		v.StatementURL, err = links.StatementURL(n.SubjectID)
	case statementMember:
		v.ConfirmURL, err = links.ConfirmURL(n.SubjectID, n.MemberID)
		if n.SubmittedBy != nil {
			v.SubmittedBy = oneLine(n.SubmittedBy.Name)
		}
	case registrationMember:
		if !spec.noLink {
			v.MemberURL, err = links.AttendeeURL(n.SubjectID, n.MemberID)
		}
		if n.SubmittedBy != nil {
			v.SubmittedBy = oneLine(n.SubmittedBy.Name)
		}
		v.TeamCancelled = n.Status == convening.StatusCancelled
	case person:
		for _, l := range n.Links {
			lv := linkView{EventTitle: oneLine(l.Event.Title), When: convening.When(l.Event.StartsAt, l.Event.EndsAt),
				Organization: oneLine(l.Organization), Role: l.Role, Status: linkStatus[l.Status]}
			switch {
			case l.SubjectKind == convening.SubjectStatement && l.MemberID != "":
				lv.URL, err = links.ConfirmURL(l.SubjectID, l.MemberID)
			case l.SubjectKind == convening.SubjectStatement:
				lv.URL, err = links.StatementURL(l.SubjectID)
			case l.MemberID != "":
				lv.URL, err = links.AttendeeURL(l.SubjectID, l.MemberID)
			default:
				lv.URL, err = links.ManageURL(l.SubjectID)
			}
			if err != nil {
				break
			}
			v.Links = append(v.Links, lv)
		}
	case surveyPerson:
		v.SurveyURL, err = links.SurveyURL(n.Event.ID, n.SubjectID)
	case announcementRecipient:
		// An individual is their registration's one member and holds its
		// manage link, however reached.
		if n.MemberID == "" || n.Individual {
			v.ManageURL, err = links.ManageURL(n.SubjectID)
		}
		if err == nil {
			err = reminderJoin(&v, n, links)
		}
	}
	if err != nil {
		return Message{}, err
	}
	v.LinksPageURL = links.LinksPageURL()
	v.OfferHours = n.OfferHours
	if a := n.AboutMember; a != nil {
		v.About = oneLine(a.Name) + " (" + a.Role.Label() + ")"
	}
	if n.Kind == convening.NoticeStatementReceived {
		v.Experience, v.Reasons = paragraphs(n.Experience), paragraphs(n.Reasons)
		v.ExperienceText, v.ReasonsText = indented(v.Experience), indented(v.Reasons)
	}
	if n.Event.Online || v.Where == "" {
		v.Where = "Online"
	}
	switch {
	case spec.seatsLabel != "":
		v.SeatsLabel = spec.seatsLabel
	case v.Waiting:
		v.SeatsLabel = "Seats requested"
	case n.Kind == convening.NoticeCancelled:
		v.SeatsLabel = "Seats released"
	}
	if v.Seats == 0 && spec.audience != registrationContact {
		v.Seats = len(n.Members) // a statement asks one seat per member
	}
	if n.RespondBy != nil {
		v.RespondBy = deadline(*n.RespondBy)
		v.TimeLeft = timeLeft(n.CreatedAt, *n.RespondBy)
	}
	if spec.template != "" {
		v.EventURL = links.EventURL(n.Event.ID)
		v.Message = paragraphs(n.Message)
		v.MessageText = indented(v.Message)
		if a, err := netmail.ParseAddress(links.Organizer); err == nil {
			v.StaffEmail = a.Address
		}
		if v.Contact != nil {
			v.StaffEmail = v.Contact.Email
		}
	}
	if a := n.Announcement; a != nil && (spec.audience == announcementRecipient || spec.audience == staffTest) {
		announcementView(&v, n, a)
	}
	// Who has confirmed matters until staff decide.
	v.Confirmations = n.Kind == convening.NoticeStatementReceived || n.Kind == convening.NoticeShortlisted || spec.audience == statementMember
	for _, m := range n.Members {
		mv := memberView{Name: oneLine(m.Name), Role: m.Role.Label()}
		if n.Kind == convening.NoticeStatementReceived {
			mv.Email = oneLine(m.Email)
		}
		if v.Confirmations {
			mv.Status = "not confirmed yet"
			if m.ConfirmedAt != nil {
				mv.Status = "confirmed"
			}
		}
		if m.ConfirmedAt != nil {
			v.Confirmed++
		}
		if (spec.audience == statementMember || spec.audience == registrationMember) && m.ID == n.MemberID {
			mv.You, v.MemberRole = true, mv.Role
		}
		v.Members = append(v.Members, mv)
	}
	att, hasCalendar := invitation(n, links)
	if hasCalendar {
		v.Calendar = "add"
		if n.Kind == convening.NoticeCancelled || n.Kind == convening.NoticeMemberCancelled {
			v.Calendar = "remove"
		}
	}
	textName, htmlName := "notice.txt", "notice.html"
	if spec.template != "" {
		textName, htmlName = spec.template, spec.template
	}
	if err := personalize(&v, n, links, &textName, &htmlName); err != nil {
		return Message{}, err
	}
	var text, html bytes.Buffer
	if err := textTmpl.ExecuteTemplate(&text, textName, v); err != nil {
		return Message{}, fmt.Errorf("mail: render text of notice %s: %w", n.ID, err)
	}
	if err := htmlTmpl.ExecuteTemplate(&html, htmlName, v); err != nil {
		return Message{}, fmt.Errorf("mail: render HTML of notice %s: %w", n.ID, err)
	}
	msg := Message{Subject: subject, Text: text.String(), HTML: html.String()}
	if hasCalendar {
		msg.Attachments = append(msg.Attachments, att)
	}
	return msg, nil
}

// checkAddressee refuses a notice whose fields do not fit its kind, rather
// than send a link to the wrong person: a contact's notice naming a member
// may be addressed to that member, who must not get the contact's link.
func checkAddressee(n convening.Notice, spec kindSpec) error {
	wantSubject := convening.SubjectStatement
	switch spec.audience {
	case registrationContact, registrationMember, announcementRecipient:
		wantSubject = convening.SubjectRegistration
	case person:
		wantSubject = convening.SubjectPerson
	case surveyPerson:
		wantSubject = convening.SubjectSurvey
	case staffTest:
		wantSubject = convening.SubjectAnnouncement
	}
	members := spec.audience == statementMember || spec.audience == registrationMember
	switch {
	case n.SubjectKind != wantSubject:
		return fmt.Errorf("mail: notice %s (%s) is about a %q, not a %q", n.ID, n.Kind, n.SubjectKind, wantSubject)
	case members && n.MemberID == "":
		return fmt.Errorf("mail: notice %s (%s) names no member", n.ID, n.Kind)
	case spec.audience == person && len(n.Links) == 0:
		return fmt.Errorf("mail: notice %s (%s) gives no link", n.ID, n.Kind)
	case !members && spec.audience != announcementRecipient && n.MemberID != "":
		return fmt.Errorf("mail: notice %s (%s) is for the contact but names a member", n.ID, n.Kind)
	case spec.deadline && n.RespondBy == nil:
		return fmt.Errorf("mail: notice %s (%s) has no deadline", n.ID, n.Kind)
	}
	return nil
}

// checkAnnouncement refuses an announcement's notice that is not one: no
// content, or no address (a member who left the team, people erased).
func checkAnnouncement(n convening.Notice) error {
	switch {
	case n.Announcement == nil:
		return fmt.Errorf("mail: notice %s (%s) carries no announcement", n.ID, n.Kind)
	case n.To.Email == "":
		return fmt.Errorf("mail: notice %s (%s): the recipient is no longer on the team, or their address was erased", n.ID, n.Kind)
	}
	return nil
}

// announcementView fills what staff wrote into the view: their text as
// paragraphs, whom it went to, and for a test the name it greets.
func announcementView(v *view, n convening.Notice, a *convening.AnnouncementContent) {
	v.Message = paragraphs(a.Text)
	v.MessageText = indented(v.Message)
	v.ToMember, v.Test, v.Reminder = a.Member, a.Test, a.Reminder
	v.Individual = n.Individual && !a.Test
	if a.Test {
		v.ContactName = oneLine(a.Greeting)
	}
	var words []string
	for _, s := range a.Audience {
		switch s {
		case convening.StatusRegistered:
			words = append(words, "registered for")
		case convening.StatusWaitlisted:
			words = append(words, "on the waiting list for")
		case convening.StatusOffered:
			words = append(words, "offered seats at")
		}
	}
	v.StartsOn = convening.When(n.Event.StartsAt, time.Time{})
	v.AudienceWords = strings.Join(words, " or ")
	if v.AudienceWords == "" {
		v.AudienceWords = "of"
	}
	if a.HoursBefore > 0 {
		v.StartsIn = convening.Reminder{HoursBefore: a.HoursBefore}.Before()
	} else if a.Reminder {
		v.StartsIn = timeLeft(n.CreatedAt, n.Event.StartsAt)
	}
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
	case convening.NoticeRegistered, convening.NoticePromoted, convening.NoticeMemberRegistered:
		method = calendar.Request
	case convening.NoticeCancelled, convening.NoticeMemberCancelled:
		method = calendar.Cancel
	default:
		return Attachment{}, false
	}
	// One entry per registration (its UID) for the contact and every
	// member, each the attendee of their own file; each later file a
	// higher revision.
	inv := calendar.ForRegistration(method, n.SubjectID, n.Event, links.EventURL(n.Event.ID), n.CreatedAt)
	inv.Sequence = calendar.SequenceAt(n.CreatedAt, method)
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
	by := ""
	if n.RespondBy != nil {
		by = shortDeadline(*n.RespondBy)
	}
	org := oneLine(n.Organization.Name)
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
	// The deadline comes last, so that a long title does not push it out
	// of sight in an inbox.
	case convening.NoticeOffered:
		return fmt.Sprintf("Action required: seats are held for your team at %s until %s", title, by), nil
	case convening.NoticeOfferReminder:
		return fmt.Sprintf("Reminder, action required: accept your seats at %s by %s", title, by), nil
	case convening.NoticeOfferExpired:
		return "Offer expired: " + title, nil
	case convening.NoticeRefused:
		return "Registration not accepted: " + title, nil
	case convening.NoticeStatementReceived:
		return "Statement of interest received: " + title, nil
	case convening.NoticeMemberConfirmation:
		return fmt.Sprintf("Please confirm you will attend %s with %s", title, org), nil
	case convening.NoticeConfirmationNudge:
		return fmt.Sprintf("Reminder: please confirm you will attend %s with %s", title, org), nil
	case convening.NoticeShortlisted:
		return "Shortlisted: " + title, nil
	case convening.NoticeInvitation:
		return fmt.Sprintf("Action required: your team is invited to %s, reply by %s", title, by), nil
	case convening.NoticeInvitationReminder:
		return fmt.Sprintf("Reminder, action required: reply to your invitation to %s by %s", title, by), nil
	case convening.NoticeInvitationExtended:
		return fmt.Sprintf("More time to reply: your invitation to %s now runs until %s", title, by), nil
	case convening.NoticeInvitationExpired:
		return "Invitation expired: " + title, nil
	case convening.NoticeStatementDeclined:
		return "Decision on your statement of interest: " + title, nil
	case convening.NoticeInvitationDeclined:
		return "You declined your invitation: " + title, nil
	case convening.NoticeStatementWithdrawn:
		return "Statement of interest withdrawn: " + title, nil
	case convening.NoticeMemberRegistered:
		return fmt.Sprintf("You are registered for %s with %s", title, org), nil
	case convening.NoticeMemberCancelled:
		if n.Status == convening.StatusCancelled {
			return "Cancelled: " + title, nil
		}
		return fmt.Sprintf("You are no longer on the team from %s for %s", org, title), nil
	case convening.NoticeMemberCantAttend:
		return fmt.Sprintf("%s can't attend %s", aboutName(n), title), nil
	case convening.NoticeMemberCanAttend:
		return fmt.Sprintf("%s can attend %s after all", aboutName(n), title), nil
	case convening.NoticeStatementMemberDeclined:
		return fmt.Sprintf("%s can't attend %s: your statement of interest", aboutName(n), title), nil
	case convening.NoticeStatementComplete:
		return "Every member has confirmed: " + title, nil
	case convening.NoticeLinks:
		return "Your private links for CA LMI events", nil
	case convening.NoticeSurveyInvitation:
		return "How was " + title + "? A three-minute evaluation", nil
	case convening.NoticeSurveyReminder:
		return fmt.Sprintf("Reminder: your evaluation of %s closes %s", title, by), nil
	case convening.NoticeAnnouncement, convening.NoticeReminder, convening.NoticeAnnouncementTest:
		if n.Announcement == nil {
			break
		}
		s := oneLine(n.Announcement.Subject)
		if !strings.Contains(strings.ToLower(s), strings.ToLower(title)) {
			s += ": " + title
		}
		if n.Kind == convening.NoticeAnnouncementTest {
			s = "[Test] " + s
		}
		return s, nil
	}
	return "", fmt.Errorf("mail: notice %s has unknown kind %q", n.ID, n.Kind)
}

// aboutName is the name of the member a contact's email is about.
func aboutName(n convening.Notice) string {
	if n.AboutMember != nil && oneLine(n.AboutMember.Name) != "" {
		return oneLine(n.AboutMember.Name)
	}
	return "A member of your team"
}

// deadline shows a deadline in Pacific time, where the events are held,
// e.g. "Friday, March 12, 2027, 5:00 PM PT". Midnight is said as the end
// of the day before, since "12:00 AM" is often read as the wrong night.
func deadline(t time.Time) string {
	p := t.In(convening.Pacific)
	if p.Hour() == 0 && p.Minute() == 0 {
		return p.Add(-time.Minute).Format("Monday, January 2, 2006") + ", at midnight (end of the day) PT"
	}
	return p.Format("Monday, January 2, 2006, 3:04 PM") + " PT"
}

// shortDeadline is deadline for a subject line: "Fri, Mar 12, 5:00 PM PT".
func shortDeadline(t time.Time) string {
	p := t.In(convening.Pacific)
	if p.Hour() == 0 && p.Minute() == 0 {
		return p.Add(-time.Minute).Format("Mon, Jan 2") + ", midnight PT"
	}
	return p.Format("Mon, Jan 2, 3:04 PM") + " PT"
}

// timeLeft says roughly how long is left from the notice's writing to the
// deadline ("about 3 days", "about 24 hours"): reminders go out 72 and 24
// hours before, give or take the sweep's few minutes. It is "" when that is
// not known or already past.
func timeLeft(from, to time.Time) string {
	d := to.Sub(from)
	switch {
	case from.IsZero() || d <= 0:
		return ""
	case d < time.Hour:
		return "less than an hour"
	case d < 90*time.Minute:
		return "about an hour"
	case d < 47*time.Hour+30*time.Minute:
		return fmt.Sprintf("about %d hours", d.Round(time.Hour)/time.Hour)
	}
	return fmt.Sprintf("about %d days", d.Round(24*time.Hour)/(24*time.Hour))
}

// paragraphs makes staff's message paragraphs of lines: it may span lines
// in the body (never in a header), and each line is made safe as oneLine
// makes it. Blank lines separate paragraphs.
func paragraphs(s string) [][]string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n\n").Replace(s)
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if line = oneLine(line); line != "" {
			cur = append(cur, line)
			continue
		}
		if cur != nil {
			out, cur = append(out, cur), nil
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// indented is the message for the text part: each line indented, so that
// where it ends is plain, and paragraphs apart.
func indented(ps [][]string) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("\n\n")
		}
		for j, line := range p {
			if j > 0 {
				b.WriteByte('\n')
			}
			b.WriteString("  " + line)
		}
	}
	return b.String()
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
