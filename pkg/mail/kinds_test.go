package mail

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Times of the statement and offer samples: the deadline is a Friday
// before daylight saving time starts (March 14, 2027), in PST.
var (
	sampleCreated  = time.Date(2027, 3, 5, 18, 30, 0, 0, time.UTC)
	sampleDeadline = time.Date(2027, 3, 13, 1, 0, 0, 0, time.UTC) // Friday, March 12, 5:00 PM PST
)

// sampleNotice returns a notice of any kind as the stores fill it: the
// registration kinds as testNotice, a statement's to its contact or to its
// second member, and a deadline where the kind has one.
func sampleNotice(kind convening.NoticeKind) convening.Notice {
	if slices.Contains(announcementKinds, kind) {
		return announcementSample(kind, false)
	}
	n := testNotice(kind)
	n.Event = convening.EventSummary{
		ID: "symposium-2027", Title: "2027 Labor Management Symposium", Kind: convening.KindSymposium,
		StartsAt: time.Date(2027, 4, 22, 16, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 4, 23, 0, 30, 0, 0, time.UTC),
		Venue: "Sacramento Convention Center",
	}
	n.CreatedAt = sampleCreated
	for i := range n.Members {
		n.Members[i].ID = "01JMEM" + string(rune('A'+i))
	}
	confirmed := sampleCreated.Add(-time.Hour)
	n.Members[0].ConfirmedAt = &confirmed
	spec := kinds[kind]
	switch spec.audience {
	case statementContact, statementMember:
		n.SubjectID, n.SubjectKind = "01JSTMT", convening.SubjectStatement
		n.StatementStatus = convening.StatementSubmitted
	case surveyPerson:
		n = sampleSurveyNotice(n)
	}
	if spec.audience == statementMember || spec.audience == registrationMember {
		m := n.Members[1]
		n.MemberID, n.To = m.ID, convening.Contact{Name: m.Name, Email: m.Email}
		n.SubmittedBy = &convening.Contact{Name: "Rosa Diaz", Email: "rosa.diaz@fresnounified.org"}
	}
	if spec.audience == person {
		n.SubjectKind, n.Members, n.To = convening.SubjectPerson, nil, convening.Contact{Name: "Ben Ortiz", Email: "ben@fta.org"}
		n.Links = []convening.PrivateLink{
			{LinkRef: convening.LinkRef{SubjectID: "01J9ZREG", MemberID: "01JMEMB"}, Event: n.Event, Organization: n.Organization.Name,
				Role: "Certificated union president", Status: string(convening.StatusRegistered)},
			{LinkRef: convening.LinkRef{SubjectKind: convening.SubjectStatement, SubjectID: "01JSTMT"},
				Event:        convening.EventSummary{ID: "central-valley-2027", Title: "Central Valley Convening", StartsAt: n.Event.StartsAt, EndsAt: n.Event.EndsAt},
				Organization: "Fresno Teachers Association", Role: "Contact", Status: string(convening.StatementSubmitted)},
		}
	}
	switch kind {
	case convening.NoticeMemberCantAttend, convening.NoticeMemberCanAttend, convening.NoticeStatementMemberDeclined:
		m := n.Members[2]
		n.AboutMember = &convening.Member{ID: m.ID, Name: m.Name, Role: m.Role}
	case convening.NoticeStatementReceived:
		n.Experience = "Our district and both unions have met monthly since 2019.\n\nWe settled two contracts early."
		n.Reasons = "We want to bring our new board member into the work."
	}
	if spec.deadline || kind == convening.NoticeOfferExpired || kind == convening.NoticeInvitationExpired {
		by := sampleDeadline
		n.RespondBy = &by
	}
	switch kind {
	case convening.NoticeOffered, convening.NoticeOfferReminder:
		n.Status = convening.StatusOffered
	case convening.NoticeOfferExpired:
		n.Status = convening.StatusExpired
	case convening.NoticeRefused:
		n.Status, n.RefusedReason = convening.StatusRefused, convening.ReasonInvalidFields
	}
	switch kind {
	case convening.NoticeOfferReminder, convening.NoticeInvitationReminder:
		n.CreatedAt = sampleDeadline.Add(-72*time.Hour + 4*time.Minute) // the sweep's lag
	case convening.NoticeInvitation, convening.NoticeInvitationExtended, convening.NoticeInvitationExpired:
		n.StatementStatus = convening.StatementInvited
	case convening.NoticeStatementDeclined:
		n.StatementStatus = convening.StatementDeclined
		n.Message = "Thank you for applying.\nThis year we could take only 40 teams.\n\nWe hope to see you at the regional convenings."
	}
	return n
}

// newKinds are the kinds of statements and offers.
var newKinds = []convening.NoticeKind{
	convening.NoticeOffered, convening.NoticeOfferReminder, convening.NoticeOfferExpired,
	convening.NoticeStatementReceived, convening.NoticeMemberConfirmation, convening.NoticeConfirmationNudge,
	convening.NoticeShortlisted, convening.NoticeInvitation, convening.NoticeInvitationReminder,
	convening.NoticeInvitationExtended, convening.NoticeInvitationExpired, convening.NoticeStatementDeclined,
	convening.NoticeInvitationDeclined, convening.NoticeStatementWithdrawn,
	convening.NoticeSurveyInvitation, convening.NoticeSurveyReminder,
	convening.NoticeRefused,
}

// TestWriteSamples writes every kind's email to the folder named by
// LMI_MAIL_SAMPLES (<kind>.txt and <kind>.html), to read them or look at
// them in a browser; without it, it is skipped.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("LMI_MAIL_SAMPLES")
	if dir == "" {
		t.Skip("LMI_MAIL_SAMPLES names no folder")
	}
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	links.Contact = testContact
	for kind := range kinds {
		m, err := Render(sampleNotice(kind), links)
		if err != nil {
			t.Fatal(err)
		}
		text := "Subject: " + m.Subject + "\n\n" + m.Text
		if err := os.WriteFile(filepath.Join(dir, string(kind)+".txt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, string(kind)+".html"), []byte(m.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tokenRE finds the tokens of every private link in an email.
var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func TestRenderStatementsAndOffers(t *testing.T) {
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	manage := "https://convenings.example.org/manage/01J9ZREG?token=" + links.Tokens.Token("01J9ZREG")
	statement := "https://convenings.example.org/statements/01JSTMT?token=" + links.Tokens.Token("01JSTMT")
	confirm := "https://convenings.example.org/statements/01JSTMT/members/01JMEMB?token=" +
		links.Tokens.Token(convening.MemberTokenSubject("01JSTMT", "01JMEMB"))
	survey := "https://convenings.example.org/surveys/symposium-2027/01JREG.01JMEMB?token=" + links.Tokens.SurveyToken("symposium-2027", "01JREG.01JMEMB")
	const (
		title = "2027 Labor Management Symposium"
		by    = "Friday, March 12, 2027, 5:00 PM PT"
	)
	tests := []struct {
		kind    convening.NoticeKind
		subject string
		link    string
		// facts are in the text and, HTML-escaped, in the HTML.
		facts []string
	}{
		{convening.NoticeOffered, "Action required: seats are held for your team at " + title + " until Fri, Mar 12, 5:00 PM PT", manage,
			[]string{"seats opened up for", "4 seats", by, "Accept by", "Seats held", "press Accept", "the offer expires", "Ana Ruiz, Superintendent"}},
		{convening.NoticeOfferReminder, "Reminder, action required: accept your seats at " + title + " by Fri, Mar 12, 5:00 PM PT", manage,
			[]string{"about 3 days", by, "Accept by", "the seats go to the next team"}},
		{convening.NoticeOfferExpired, "Offer expired: " + title, manage,
			[]string{"expired on " + by, "no longer on the waiting list", "register your team again", "https://convenings.example.org/events/symposium-2027", "Seats released"}},
		{convening.NoticeStatementReceived, "Statement of interest received: " + title, statement,
			[]string{"we received the statement of interest", "Fresno Unified School District", "1 of 4 confirmed",
				"Ana Ruiz, Superintendent (ana@fresnounified.org)", "Ben Ortiz, Certificated union president (ben@fta.org)",
				"What happens next", "personal link to confirm", "email you their decision", "withdraw"}},
		{convening.NoticeMemberConfirmation, "Please confirm you will attend " + title + " with Fresno Unified School District", confirm,
			[]string{"Hello Ben Ortiz,", "Rosa Diaz of ",
				"named you on its team (Certificated union president)", "Confirming means you agree to attend", "please tell Rosa Diaz, who submitted the statement",
				"It does not register anyone", "Ben Ortiz, Certificated union president (you)", "it confirms you and no one else"}},
		{convening.NoticeConfirmationNudge, "Reminder: please confirm you will attend " + title + " with Fresno Unified School District", confirm,
			[]string{"Hello Ben Ortiz,", "A few days ago Rosa Diaz of ", "We have not received your confirmation yet",
				"1 of 4 confirmed", "Confirming means", "please tell Rosa Diaz, who submitted the statement"}},
		{convening.NoticeShortlisted, "Shortlisted: " + title, statement,
			[]string{"put your team on the shortlist", "next in line for an invitation", "You don't need to do anything now", "1 of 4 confirmed"}},
		{convening.NoticeInvitation, "Action required: your team is invited to " + title + ", reply by Fri, Mar 12, 5:00 PM PT", statement,
			[]string{"invites your team", "4 seats", by, "Reply by", "Seats held", "press Accept", "decline on the same page",
				"Nothing is accepted or declined until you press a button", "calendar invitation", "Dee Smith, School board member"}},
		{convening.NoticeInvitationReminder, "Reminder, action required: reply to your invitation to " + title + " by Fri, Mar 12, 5:00 PM PT", statement,
			[]string{"we have not had your answer yet", "about 3 days", "are released on", by, "press Accept"}},
		{convening.NoticeInvitationExtended, "More time to reply: your invitation to " + title + " now runs until Fri, Mar 12, 5:00 PM PT", statement,
			[]string{"more time to answer", "stay held for your team until", by, "press Accept", "decline on the same page"}},
		{convening.NoticeInvitationExpired, "Invitation expired: " + title, statement,
			[]string{"expired on " + by + " without an answer", "4 seats held for your team have been released", "convenings@example.org", "staff can invite your team again"}},
		{convening.NoticeStatementDeclined, "Decision on your statement of interest: " + title, statement,
			[]string{"we cannot invite your team", "A message from CA LMI staff", "This year we could take only 40 teams.", "We hope to see you", "convenings@example.org"}},
		{convening.NoticeInvitationDeclined, "You declined your invitation: " + title, statement,
			[]string{"declined its invitation", "4 seats held for your team have been released", "staff can invite your team again"}},
		{convening.NoticeStatementWithdrawn, "Statement of interest withdrawn: " + title, statement,
			[]string{"withdrew its statement of interest", "may submit a new statement"}},
		{convening.NoticeSurveyInvitation, "How was " + title + "? A three-minute evaluation", survey,
			[]string{"Hello Ben Ortiz,", "Thank you for coming", "anonymous", "fewer than five", "until " + by, "yours alone"}},
		{convening.NoticeSurveyReminder, "Reminder: your evaluation of " + title + " closes Fri, Mar 12, 5:00 PM PT", survey,
			[]string{"we have not received your answers yet", "The survey closes", by, "anonymous"}},
		{convening.NoticeRefused, "Registration not accepted: " + title, manage,
			[]string{"when its turn came the event could not take it", "the event's rules changed", "no seats and no place on the waiting list",
				"register it again", "https://convenings.example.org/events/symposium-2027", "Seats requested"}},
	}
	tested := map[convening.NoticeKind]bool{}
	for _, tt := range tests {
		tested[tt.kind] = true
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Render(sampleNotice(tt.kind), links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
			}
			common := []string{title, "Thursday, April 22, 2027, 9:00 AM to 5:30 PM (Pacific time)", "Sacramento Convention Center"}
			for _, want := range append(append(common, tt.facts...), tt.link) {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
				// Values are escaped in the HTML, the templates' own words not.
				if !strings.Contains(m.HTML, want) && !strings.Contains(m.HTML, html.EscapeString(want)) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
			if !strings.Contains(m.HTML, `href="`+tt.link) {
				t.Errorf("HTML links nowhere to %s", tt.link)
			}
			// The one private link is the only token in the email.
			_, wantToken, _ := strings.Cut(tt.link, "token=")
			for _, part := range []string{m.Text, m.HTML} {
				for _, tok := range tokenRE.FindAllStringSubmatch(part, -1) {
					if tok[1] != wantToken {
						t.Errorf("email carries another private link's token %s", tok[1])
					}
				}
			}
			if len(m.Attachments) != 0 {
				t.Errorf("email carries %d attachments; only registrations carry calendar files", len(m.Attachments))
			}
		})
	}
	for _, kind := range newKinds {
		if !tested[kind] {
			t.Errorf("kind %s is not tested", kind)
		}
	}
}

// TestRenderConfirmations: the emails that come before staff decide show
// who has confirmed, in words (the colour is only a help).
func TestRenderConfirmations(t *testing.T) {
	for _, tt := range []struct {
		kind convening.NoticeKind
		text []string
		html []string
	}{
		{convening.NoticeStatementReceived,
			[]string{"Your team (1 of 4 confirmed):", "  - Ana Ruiz, Superintendent (ana@fresnounified.org): confirmed", "  - Dee Smith, School board member (dee@fresnounified.org): not confirmed yet"},
			[]string{"Your team (1 of 4 confirmed):", `<li>Ana Ruiz, Superintendent (ana@fresnounified.org): <span style="color:#1b5e20;">confirmed</span></li>`,
				`<li>Dee Smith, School board member (dee@fresnounified.org): <span style="color:#8a4b00;">not confirmed yet</span></li>`}},
		{convening.NoticeShortlisted,
			[]string{"Your team (1 of 4 confirmed):", "  - Ana Ruiz, Superintendent: confirmed", "  - Ben Ortiz, Certificated union president: not confirmed yet"},
			[]string{`<li>Ana Ruiz, Superintendent: <span style="color:#1b5e20;">confirmed</span></li>`}},
		{convening.NoticeMemberConfirmation,
			[]string{"The team (1 of 4 confirmed):", "  - Ben Ortiz, Certificated union president (you): not confirmed yet"},
			[]string{"The team (1 of 4 confirmed):", `<li><strong>Ben Ortiz, Certificated union president (you)</strong>: <span style="color:#8a4b00;">not confirmed yet</span></li>`}},
		// Once invited, the list is the team that will be registered.
		{convening.NoticeInvitation,
			[]string{"Your team:\n  - Ana Ruiz, Superintendent\n"},
			[]string{"<li>Ana Ruiz, Superintendent</li>"}},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Render(sampleNotice(tt.kind), testLinks(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.text {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
		})
	}
}

// TestMemberEmailsCarryOnlyTheirLink: a member's email carries that
// member's confirmation link and nothing that lets them act for the team
// (the statement's page can withdraw it) or for another member.
func TestMemberEmailsCarryOnlyTheirLink(t *testing.T) {
	links := testLinks(t)
	for _, kind := range []convening.NoticeKind{convening.NoticeMemberConfirmation, convening.NoticeConfirmationNudge} {
		n := sampleNotice(kind)
		for i, member := range n.Members {
			t.Run(string(kind)+"/"+member.ID, func(t *testing.T) {
				n.MemberID, n.To = member.ID, convening.Contact{Name: member.Name, Email: member.Email}
				m, err := Render(n, links)
				if err != nil {
					t.Fatal(err)
				}
				own := links.Tokens.Token(convening.MemberTokenSubject(n.SubjectID, member.ID))
				for _, part := range []string{m.Text, m.HTML} {
					toks := tokenRE.FindAllStringSubmatch(part, -1)
					if len(toks) == 0 {
						t.Fatal("no confirmation link")
					}
					for _, tok := range toks {
						if tok[1] != own {
							t.Errorf("a member's email carries a token that is not theirs: %s", tok[1])
						}
					}
					if strings.Contains(part, "/statements/01JSTMT?") || strings.Contains(part, links.Tokens.Token("01JSTMT")) {
						t.Error("a member's email carries the statement's link")
					}
				}
				for j, other := range n.Members {
					you := other.Name + ", " + other.Role.Label() + " (you)"
					if got := strings.Contains(m.Text, you); got != (i == j) {
						t.Errorf("text marks %s as the reader: %v", other.Name, got)
					}
					// Members see each other's names, not their addresses.
					if strings.Contains(m.Text+m.HTML, other.Email) {
						t.Errorf("a member's email shows %s's address", other.Name)
					}
					if strings.Contains(m.Text+m.HTML, n.SubmittedBy.Email) {
						t.Error("a member's email shows the contact's address")
					}
				}
			})
		}
	}
}

func TestDeadline(t *testing.T) {
	tests := []struct {
		name  string
		at    time.Time
		long  string
		short string
	}{
		{"PST", time.Date(2027, 3, 13, 1, 0, 0, 0, time.UTC), "Friday, March 12, 2027, 5:00 PM PT", "Fri, Mar 12, 5:00 PM PT"},
		{"PDT", time.Date(2027, 7, 17, 0, 0, 0, 0, time.UTC), "Friday, July 16, 2027, 5:00 PM PT", "Fri, Jul 16, 5:00 PM PT"},
		// Daylight saving time starts on March 14, 2027 at 2:00 AM PST.
		{"BeforeSpringForward", time.Date(2027, 3, 14, 9, 30, 0, 0, time.UTC), "Sunday, March 14, 2027, 1:30 AM PT", "Sun, Mar 14, 1:30 AM PT"},
		{"AfterSpringForward", time.Date(2027, 3, 14, 10, 30, 0, 0, time.UTC), "Sunday, March 14, 2027, 3:30 AM PT", "Sun, Mar 14, 3:30 AM PT"},
		// It ends on November 7, 2027 at 2:00 AM PDT: 1:30 AM comes twice.
		{"BeforeFallBack", time.Date(2027, 11, 7, 8, 30, 0, 0, time.UTC), "Sunday, November 7, 2027, 1:30 AM PT", "Sun, Nov 7, 1:30 AM PT"},
		{"AfterFallBack", time.Date(2027, 11, 7, 10, 0, 0, 0, time.UTC), "Sunday, November 7, 2027, 2:00 AM PT", "Sun, Nov 7, 2:00 AM PT"},
		// Midnight is the end of the day before, not "12:00 AM".
		{"Midnight", time.Date(2027, 7, 17, 7, 0, 0, 0, time.UTC), "Friday, July 16, 2027, at midnight (end of the day) PT", "Fri, Jul 16, midnight PT"},
		// The zone the time comes in does not matter.
		{"OtherZone", time.Date(2027, 3, 12, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "Friday, March 12, 2027, 5:00 PM PT", "Fri, Mar 12, 5:00 PM PT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deadline(tt.at); got != tt.long {
				t.Errorf("deadline = %q, want %q", got, tt.long)
			}
			if got := shortDeadline(tt.at); got != tt.short {
				t.Errorf("shortDeadline = %q, want %q", got, tt.short)
			}
		})
	}
}

func TestRenderDeadlineAcrossDST(t *testing.T) {
	// Invited in winter, the deadline after the clocks change: the email
	// shows daylight time's 5:00 PM, not standard time's.
	n := sampleNotice(convening.NoticeInvitation)
	by := time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC) // Friday, March 19, 5:00 PM PDT
	n.RespondBy = &by
	m, err := Render(n, testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{m.Subject, m.Text, m.HTML} {
		if !strings.Contains(part, "Mar") || !strings.Contains(part, "5:00 PM PT") || strings.Contains(part, "4:00 PM") {
			t.Errorf("deadline not in Pacific daylight time: %q", part)
		}
	}
	if !strings.Contains(m.Text, "Reply by: Friday, March 19, 2027, 5:00 PM PT") {
		t.Errorf("text:\n%s", m.Text)
	}
}

func TestTimeLeft(t *testing.T) {
	by := time.Date(2027, 3, 13, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		before time.Duration // how long before the deadline the notice is written
		want   string
	}{
		{"72hReminderLate", 72*time.Hour - 4*time.Minute, "about 3 days"},
		{"72hReminder", 72 * time.Hour, "about 3 days"},
		{"24hReminderLate", 24*time.Hour - 5*time.Minute, "about 24 hours"},
		{"Week", 168 * time.Hour, "about 7 days"},
		{"TwoDays", 47*time.Hour + 40*time.Minute, "about 2 days"},
		{"Hours", 30 * time.Hour, "about 30 hours"},
		{"Hour", 70 * time.Minute, "about an hour"},
		{"Minutes", 20 * time.Minute, "less than an hour"},
		{"Past", -time.Minute, ""},
		{"Now", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := timeLeft(by.Add(-tt.before), by); got != tt.want {
				t.Errorf("timeLeft = %q, want %q", got, tt.want)
			}
		})
	}
	if got := timeLeft(time.Time{}, by); got != "" {
		t.Errorf("timeLeft from an unknown time = %q", got)
	}
}

func TestRenderReminderWithoutTimeLeft(t *testing.T) {
	// A reminder written after its deadline (a late sweep) still names the
	// deadline, without saying how long is left.
	for _, kind := range []convening.NoticeKind{convening.NoticeOfferReminder, convening.NoticeInvitationReminder} {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			n.CreatedAt = n.RespondBy.Add(time.Minute)
			m, err := Render(n, testLinks(t))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(m.Text+m.HTML, "You have") || !strings.Contains(m.Text, "Friday, March 12, 2027, 5:00 PM PT") {
				t.Errorf("text:\n%s", m.Text)
			}
		})
	}
}

func TestRenderStaffMessage(t *testing.T) {
	const hostile = "Dear team,\r\nthe <b>panel</b> chose others & we're sorry.\r\n\r\n\r\n<script>alert(1)</script>\nBcc: x@evil.example\u202e\u2028Last\x00line."
	for _, kind := range []convening.NoticeKind{convening.NoticeStatementDeclined, convening.NoticeShortlisted, convening.NoticeInvitation} {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			n.Message = hostile
			m, err := Render(n, testLinks(t))
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(m.Subject, "\r\n") || strings.Contains(m.Subject, "Bcc") || strings.Contains(m.Subject, "panel") {
				t.Errorf("the message reached the subject: %q", m.Subject)
			}
			wantText := "A message from CA LMI staff:\n\n" +
				"  Dear team,\n  the <b>panel</b> chose others & we're sorry.\n\n" +
				"  <script>alert(1)</script>\n  Bcc: x@evil.example\n  Last line.\n"
			if !strings.Contains(m.Text, wantText) {
				t.Errorf("text lacks the message as lines:\n%s", m.Text)
			}
			wantHTML := "<p>Dear team,<br>the &lt;b&gt;panel&lt;/b&gt; chose others &amp; we&#39;re sorry.</p>\n" +
				"<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>Bcc: x@evil.example<br>Last line.</p>"
			if !strings.Contains(m.HTML, wantHTML) {
				t.Errorf("HTML lacks the message as escaped paragraphs:\n%s", m.HTML)
			}
			for _, raw := range []string{"<b>panel", "<script>", "\u202e", "\x00", "\r"} {
				if strings.Contains(m.HTML, raw) {
					t.Errorf("HTML holds %q", raw)
				}
			}
		})
	}
	// No message, no heading.
	m, err := Render(sampleNotice(convening.NoticeShortlisted), testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text+m.HTML, "A message from CA LMI staff") {
		t.Error("an email without a message has its heading")
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"Empty", "", nil},
		{"Blank", " \n\t\r\n ", nil},
		{"OneLine", "Thank you.", [][]string{{"Thank you."}}},
		{"Lines", "a\r\nb\rc\u0085d\u2028e", [][]string{{"a", "b", "c", "d", "e"}}},
		{"Paragraphs", "\n\na\n\n\n  \nb\u2029c\n\n", [][]string{{"a"}, {"b"}, {"c"}}},
		{"Controls", "a\tb\x07c\u202ed", [][]string{{"a b cd"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := paragraphs(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("paragraphs = %q, want %q", got, tt.want)
			}
			for i := range got {
				if strings.Join(got[i], "|") != strings.Join(tt.want[i], "|") {
					t.Fatalf("paragraphs = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestRenderRefusesMisfits: a notice whose fields do not fit its kind is
// not sent (the mailer fails it, and staff see it) rather than sent with
// the wrong link or without its deadline.
func TestRenderRefusesMisfits(t *testing.T) {
	tests := []struct {
		name   string
		kind   convening.NoticeKind
		change func(*convening.Notice)
	}{
		{"StatementKindAboutARegistration", convening.NoticeInvitation, func(n *convening.Notice) { n.SubjectKind = convening.SubjectRegistration }},
		{"RegistrationKindAboutAStatement", convening.NoticeRegistered, func(n *convening.Notice) { n.SubjectKind = convening.SubjectStatement }},
		{"OfferAboutAStatement", convening.NoticeOffered, func(n *convening.Notice) { n.SubjectKind = convening.SubjectStatement }},
		{"MemberKindWithoutMember", convening.NoticeMemberConfirmation, func(n *convening.Notice) { n.MemberID = "" }},
		{"ContactKindNamingAMember", convening.NoticeInvitation, func(n *convening.Notice) { n.MemberID = "01JMEMB" }},
		{"ReceivedNamingAMember", convening.NoticeStatementReceived, func(n *convening.Notice) { n.MemberID = "01JMEMB" }},
		{"InvitationWithoutDeadline", convening.NoticeInvitation, func(n *convening.Notice) { n.RespondBy = nil }},
		{"OfferWithoutDeadline", convening.NoticeOffered, func(n *convening.Notice) { n.RespondBy = nil }},
		{"ReminderWithoutDeadline", convening.NoticeInvitationReminder, func(n *convening.Notice) { n.RespondBy = nil }},
		{"ExtendedWithoutDeadline", convening.NoticeInvitationExtended, func(n *convening.Notice) { n.RespondBy = nil }},
		{"NoStatementID", convening.NoticeShortlisted, func(n *convening.Notice) { n.SubjectID = "" }},
		{"DotDotMember", convening.NoticeConfirmationNudge, func(n *convening.Notice) { n.MemberID = ".." }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := sampleNotice(tt.kind)
			tt.change(&n)
			if m, err := Render(n, testLinks(t)); err == nil {
				t.Fatalf("Render succeeded: %q", m.Subject)
			}
		})
	}
	// An expired offer or invitation without its deadline still tells the
	// team what happened.
	for _, kind := range []convening.NoticeKind{convening.NoticeOfferExpired, convening.NoticeInvitationExpired} {
		n := sampleNotice(kind)
		n.RespondBy = nil
		m, err := Render(n, testLinks(t))
		if err != nil || strings.Contains(m.Text, "expired on") || !strings.Contains(m.Text, "expired without") {
			t.Errorf("%s without a deadline: %v\n%s", kind, err, m.Text)
		}
	}
}

func TestRenderNewKindsHostileText(t *testing.T) {
	links := testLinks(t)
	for _, kind := range append(slices.Clone(newKinds), teamKinds...) {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			n.Event.Title = "Symposium\r\nBcc: x@evil.example <script>alert(1)</script>"
			n.Organization.Name = "Evil USD\r\nBcc: y@evil.example <img src=x onerror=alert(2)>"
			n.To.Name = "Eve\n<img src=x onerror=alert(3)>"
			for i := range n.Members {
				n.Members[i].Name = "<b>Mallory</b>\u202e"
				n.Members[i].Email = "m@x.org\r\n<i>"
			}
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject has a line break: %q", m.Subject)
			}
			for _, raw := range []string{"<script>", "<img", "<b>Mallory", "<i>"} {
				if strings.Contains(m.HTML, raw) {
					t.Errorf("HTML contains unescaped %q", raw)
				}
			}
			if kind != convening.NoticeLinks && !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("HTML lacks the escaped title")
			}
			if strings.Contains(m.Text+m.HTML, "\u202e") {
				t.Error("a bidirectional override survived")
			}
		})
	}
}

// TestEveryKindRenders: every kind the domain writes has its subject and
// templates, and renders for a notice as the stores fill it.
func TestEveryKindRenders(t *testing.T) {
	all := append([]convening.NoticeKind{convening.NoticeRegistered, convening.NoticeWaitlisted, convening.NoticePromoted,
		convening.NoticeCancelled, convening.NoticeWaitlistMoved, convening.NoticeMembersChanged, convening.NoticeContactChanged}, newKinds...)
	all = append(all, teamKinds...)
	all = append(all, announcementKinds...)
	if len(all) != len(kinds) {
		t.Errorf("%d kinds tested, %d rendered", len(all), len(kinds))
	}
	for _, kind := range all {
		if _, err := Render(sampleNotice(kind), testLinks(t)); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
