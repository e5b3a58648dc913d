package convening

import "slices"

// AnnouncementContent is what an announcement's email carries besides the
// event and the team: what staff wrote, and what kind of announcement it
// is.
type AnnouncementContent struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Audience are the lists it went to.
	Audience []Status `json:"audience"`
	// Reminder says it is one of the event's reminders; HoursBefore how
	// long before the event it was due.
	Reminder    bool `json:"reminder,omitempty"`
	HoursBefore int  `json:"hoursBefore,omitempty"`
	// Test says it is a test send to staff; Greeting then names the
	// sample recipient it shows the email as ("" for none).
	Test     bool   `json:"test,omitempty"`
	Greeting string `json:"greeting,omitempty"`
	// Member says the recipient is a member (not the contact): the email
	// carries no link that acts for the team.
	Member bool `json:"member,omitempty"`
}

// AnnouncementNotice is the email a notice of an announcement owes one
// recipient: the registration's contact, or the member the notice names,
// from the registration and event as they are when it goes out. A member
// no longer on the team, or a registration whose people were erased, has
// no address: To is then empty, and the mailer fails the notice (staff see
// why) rather than send it elsewhere.
func AnnouncementNotice(rec NoticeRecord, a Announcement, r Registration, e Event, reminder *Reminder) Notice {
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: r.ID, To: r.Contact, Organization: r.Organization,
		Members: r.Members, Seats: r.Seats, Status: r.Status, Event: e.Summary(), CreatedAt: rec.CreatedAt,
		MemberID: rec.MemberID, Individual: r.Individual()}
	// An individual is their registration's one member: reached as a
	// member, they still hold its manage link.
	n.Announcement = &AnnouncementContent{ID: a.ID, Subject: a.Subject, Text: a.Text, Audience: a.Audience,
		Reminder: a.ReminderID != "", Member: rec.MemberID != "" && !r.Individual()}
	if reminder != nil {
		n.Announcement.HoursBefore = reminder.HoursBefore
	}
	if rec.MemberID != "" {
		n.To = Contact{}
		if i := slices.IndexFunc(r.Members, func(m Member) bool { return m.ID == rec.MemberID }); i >= 0 {
			n.To = Contact{Name: r.Members[i].Name, Email: r.Members[i].Email}
		}
	}
	return n
}

// AnnouncementTestNotice is the email of a test send: to the staff member
// who asked, shown as the sample recipient (when the audience had one)
// will get it.
func AnnouncementTestNotice(rec NoticeRecord, t AnnouncementTest, sample *Registration, e Event) Notice {
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: t.ID, SubjectKind: SubjectAnnouncement, To: t.SendTo,
		Event: e.Summary(), CreatedAt: rec.CreatedAt}
	n.Announcement = &AnnouncementContent{ID: t.ID, Subject: t.Subject, Text: t.Text, Audience: t.Audience, Test: true,
		Reminder: t.ReminderID != "", Member: t.AnnouncementDraft.To == ToMembers}
	if sample != nil && t.Sample != nil {
		n.Organization, n.Members, n.Seats, n.Status = sample.Organization, sample.Members, sample.Seats, sample.Status
		n.Announcement.Greeting = sample.Contact.Name
		if i := slices.IndexFunc(sample.Members, func(m Member) bool { return m.ID == t.Sample.MemberID }); i >= 0 && t.Sample.MemberID != "" {
			n.Announcement.Greeting = sample.Members[i].Name
		}
	}
	return n
}
