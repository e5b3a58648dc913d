package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

func testLinks(t testing.TB) Links {
	t.Helper()
	tokens, err := convening.NewManageTokens([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return Links{BaseURL: "https://convenings.example.org/", Tokens: tokens}
}

func testNotice(kind convening.NoticeKind) convening.Notice {
	return convening.Notice{
		ID:           "N01",
		Kind:         kind,
		SubjectID:    "01J9ZREG",
		To:           convening.Contact{Name: "Maria Lopez", Email: "maria@fresnounified.org"},
		Organization: convening.Organization{Name: "Fresno Unified School District", Type: convening.OrgDistrict, County: "Fresno"},
		Members: []convening.Member{
			{Name: "Ana Ruiz", Email: "ana@fresnounified.org", Role: convening.RoleSuperintendent},
			{Name: "Ben Ortiz", Email: "ben@fta.org", Role: convening.RoleCertificatedUnionPresident},
			{Name: "Cho Park", Email: "cho@csea.org", Role: convening.RoleClassifiedUnionPresident},
			{Name: "Dee Smith", Email: "dee@fresnounified.org", Role: convening.RoleBoardMember},
		},
		Seats: 4,
		Event: convening.EventSummary{
			ID: "summer-institute-2019", Title: "2019 Summer Institute", Kind: convening.KindInstitute,
			StartsAt: time.Date(2019, 6, 25, 16, 0, 0, 0, time.UTC),
			EndsAt:   time.Date(2019, 6, 26, 23, 0, 0, 0, time.UTC),
			Venue:    "DoubleTree by Hilton San Diego-Mission Valley",
		},
		CreatedAt: time.Date(2019, 5, 1, 12, 0, 0, 0, time.UTC),
	}
}

func TestRender(t *testing.T) {
	links := testLinks(t)
	manage := "https://convenings.example.org/manage/01J9ZREG?token=" + links.Tokens.Token("01J9ZREG")
	common := []string{
		"Hello Maria Lopez,", "Fresno Unified School District", "2019 Summer Institute",
		"Tuesday, June 25, 2019, 9:00 AM to Wednesday, June 26, 2019, 4:00 PM (Pacific time)",
		"DoubleTree by Hilton San Diego-Mission Valley",
		"Ana Ruiz, Superintendent", "Ben Ortiz, Certificated union president",
		"Cho Park, Classified union president", "Dee Smith, School board member",
	}
	waitlisted := testNotice(convening.NoticeWaitlisted)
	waitlisted.WaitlistPosition = 3
	tests := []struct {
		name    string
		notice  convening.Notice
		subject string
		text    []string // in the text and, HTML-escaped, in the HTML
	}{
		{"Registered", testNotice(convening.NoticeRegistered), "Registered: 2019 Summer Institute",
			[]string{"is registered for", "Seats: 4"}},
		{"Waitlisted", waitlisted, "Waiting list (#3): 2019 Summer Institute",
			[]string{"You are number 3 on the waiting list", "Seats requested: 4"}},
		{"Promoted", testNotice(convening.NoticePromoted), "Seats confirmed from the waiting list: 2019 Summer Institute",
			[]string{"moved from the waiting list and is now registered", "Seats: 4"}},
		{"Cancelled", testNotice(convening.NoticeCancelled), "Cancelled: 2019 Summer Institute",
			[]string{"is cancelled", "Seats released: 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(tt.notice, links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, want := range append(append([]string{manage}, common...), tt.text...) {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range append(common, `href="`+manage+`"`) {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
		})
	}
}

func TestRenderSeatsLabelInHTML(t *testing.T) {
	m, err := Render(testNotice(convening.NoticeCancelled), testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, "Seats released</td><td>4</td>") {
		t.Errorf("HTML lacks the seat count:\n%s", m.HTML)
	}
}

func TestRenderWaitlistWithoutPosition(t *testing.T) {
	m, err := Render(testNotice(convening.NoticeWaitlisted), testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Waiting list: 2019 Summer Institute" {
		t.Errorf("subject = %q", m.Subject)
	}
	if strings.Contains(m.Text, "number 0") || strings.Contains(m.HTML, "number 0") {
		t.Errorf("email shows position 0:\n%s", m.Text)
	}
}

func TestRenderHostileText(t *testing.T) {
	n := testNotice(convening.NoticeWaitlisted)
	n.WaitlistPosition = 2
	n.Event.Title = "Institute\r\nBcc: x@evil.example\r\n\r\n<script>alert(1)</script>"
	n.Organization.Name = "Evil USD\r\nBcc: x@evil.example <script>alert(2)</script>"
	n.To.Name = "Eve\n<img src=x onerror=alert(3)>"
	n.Members[0].Name = "<b>Mallory</b>\u202e"
	for _, kind := range []convening.NoticeKind{convening.NoticeRegistered, convening.NoticeWaitlisted, convening.NoticePromoted, convening.NoticeCancelled} {
		t.Run(string(kind), func(t *testing.T) {
			n.Kind = kind
			m, err := Render(n, testLinks(t))
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject has a line break: %q", m.Subject)
			}
			if !strings.HasSuffix(m.Subject, "Institute Bcc: x@evil.example <script>alert(1)</script>") {
				t.Errorf("subject = %q, want the title on one line", m.Subject)
			}
			for _, raw := range []string{"<script>", "<img", "<b>Mallory"} {
				if strings.Contains(m.HTML, raw) {
					t.Errorf("HTML contains unescaped %q", raw)
				}
			}
			for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;", "&lt;b&gt;Mallory&lt;/b&gt;"} {
				if !strings.Contains(m.HTML, esc) {
					t.Errorf("HTML lacks escaped %q", esc)
				}
			}
			if strings.Contains(m.Text+m.HTML, "\u202e") {
				t.Error("a bidirectional override survived")
			}
		})
	}
}

func TestRenderUnknownKind(t *testing.T) {
	if _, err := Render(testNotice("rescheduled"), testLinks(t)); err == nil {
		t.Fatal("Render of an unknown kind succeeded")
	}
}

func TestRenderOnline(t *testing.T) {
	n := testNotice(convening.NoticeRegistered)
	n.Event.Online, n.Event.Venue = true, ""
	n.Event.StartsAt = time.Date(2020, 1, 15, 23, 0, 0, 0, time.UTC) // winter: PST
	n.Event.EndsAt = n.Event.StartsAt.Add(90 * time.Minute)
	m, err := Render(n, testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Where: Online", "When:  Wednesday, January 15, 2020, 3:00 PM to 4:30 PM (Pacific time)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestManageURL(t *testing.T) {
	tokens := testLinks(t).Tokens
	tests := []struct {
		name, base, id, want string
	}{
		{"OK", "https://convenings.example.org", "01J9", "https://convenings.example.org/manage/01J9?token=" + tokens.Token("01J9")},
		{"TrailingSlash", "https://convenings.example.org/", "01J9", "https://convenings.example.org/manage/01J9?token=" + tokens.Token("01J9")},
		{"BasePath", "https://example.org/lmi/", "01J9", "https://example.org/lmi/manage/01J9?token=" + tokens.Token("01J9")},
		{"OddID", "https://example.org", "a/../b", "https://example.org/manage/a%2F..%2Fb?token=" + tokens.Token("a/../b")},
		{"ErrRelativeBase", "/manage", "01J9", ""},
		{"ErrBaseWithQuery", "https://example.org/?x=1", "01J9", ""},
		{"ErrNoID", "https://example.org", "", ""},
		{"ErrDotDot", "https://example.org", "..", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Links{BaseURL: tt.base, Tokens: tokens}.ManageURL(tt.id)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ManageURL = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ManageURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if err := (Links{BaseURL: "https://example.org"}).Validate(); err == nil {
		t.Error("Validate without tokens succeeded")
	}
}

func TestStatementURL(t *testing.T) {
	tokens := testLinks(t).Tokens
	tests := []struct {
		name, base, id, want string
	}{
		{"OK", "https://convenings.example.org", "01JSTMT", "https://convenings.example.org/statements/01JSTMT?token=" + tokens.Token("01JSTMT")},
		{"BasePath", "https://example.org/lmi/", "01JSTMT", "https://example.org/lmi/statements/01JSTMT?token=" + tokens.Token("01JSTMT")},
		{"OddID", "https://example.org", "a/../b", "https://example.org/statements/a%2F..%2Fb?token=" + tokens.Token("a/../b")},
		{"ErrNoID", "https://example.org", "", ""},
		{"ErrDot", "https://example.org", ".", ""},
		{"ErrRelativeBase", "statements", "01JSTMT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Links{BaseURL: tt.base, Tokens: tokens}.StatementURL(tt.id)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("StatementURL = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("StatementURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestConfirmURL(t *testing.T) {
	tokens := testLinks(t).Tokens
	member := tokens.Token(convening.MemberTokenSubject("01JSTMT", "01JMEM"))
	tests := []struct {
		name, base, statement, member, want string
	}{
		{"OK", "https://convenings.example.org/", "01JSTMT", "01JMEM", "https://convenings.example.org/statements/01JSTMT/members/01JMEM?token=" + member},
		{"BasePath", "https://example.org/lmi", "01JSTMT", "01JMEM", "https://example.org/lmi/statements/01JSTMT/members/01JMEM?token=" + member},
		{"OddID", "https://example.org", "s", "a/../b", "https://example.org/statements/s/members/a%2F..%2Fb?token=" + tokens.Token(convening.MemberTokenSubject("s", "a/../b"))},
		// ".." would make the member's link the statement's page.
		{"ErrDotDot", "https://example.org", "01JSTMT", "..", ""},
		{"ErrNoMember", "https://example.org", "01JSTMT", "", ""},
		{"ErrNoStatement", "https://example.org", "", "01JMEM", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Links{BaseURL: tt.base, Tokens: tokens}.ConfirmURL(tt.statement, tt.member)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ConfirmURL = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ConfirmURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// The member's token is not the statement's: a member cannot open the
	// contact's page with it.
	if member == tokens.Token("01JSTMT") {
		t.Fatal("a member's token is the statement's manage token")
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nBcc: x", "a Bcc: x"},
		{"  lots \t of\u2028space\u0085 ", "lots of space"},
		{"bell\x07 and nul\x00", "bell and nul"},
		{"rtl\u202eevil", "rtlevil"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderStaffChanges(t *testing.T) {
	links := testLinks(t)
	for _, tt := range []struct {
		kind     convening.NoticeKind
		status   convening.Status
		position int
		subject  string
		says     string
	}{
		{convening.NoticeWaitlistMoved, convening.StatusWaitlisted, 3, "Your place on the waiting list is now #3: 2019 Summer Institute", "is now number 3 on the waiting list"},
		{convening.NoticeMembersChanged, convening.StatusRegistered, 0, "Your team's members changed: 2019 Summer Institute", "The members of your team from"},
		{convening.NoticeMembersChanged, convening.StatusWaitlisted, 2, "Your team's members changed: 2019 Summer Institute", "To see your place on the waiting list"},
		{convening.NoticeContactChanged, convening.StatusRegistered, 0, "You are now your team's contact: 2019 Summer Institute", "You are now the contact for the team"},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			n := testNotice(tt.kind)
			n.Status, n.WaitlistPosition = tt.status, tt.position
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || !strings.Contains(m.Text, tt.says) || !strings.Contains(m.HTML, "Fresno Unified School District") {
				t.Fatalf("subject %q\n%s", m.Subject, m.Text)
			}
			if len(m.Attachments) != 0 {
				t.Fatalf("a staff change sent a calendar file")
			}
		})
	}
}
