package console

import "github.com/calmi/convenings/pkg/convening"

// The words of the event's questions, answers, announcements and
// reminders in the audit log and the emails' lists, added to the
// console's tables of words.
func init() {
	auditFilterKinds = append(auditFilterKinds, convening.AuditAnswersChanged, convening.AuditAnnouncementSent,
		convening.AuditAnnouncementReceived, convening.AuditSensitiveAnswersExpired)
	for k, v := range map[string]string{
		"questions": "questions", "reminders": "reminders", "answers": "answers changed", "subject": "subject",
		"to": "to", "audience": "lists", "teams": "teams", "recipients": "people", "announcement": "announcement id",
		"reminder": "reminder", "sensitiveAnswers": "answers about health or accessibility",
	} {
		changeLabels[k] = v
	}
	for k, v := range map[convening.NoticeKind]string{
		convening.NoticeAnnouncement:     "Announcement",
		convening.NoticeReminder:         "Reminder before the event",
		convening.NoticeAnnouncementTest: "Test of an announcement",
	} {
		noticeLabels[k] = v
	}
}
