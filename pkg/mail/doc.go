// Package mail tells a team by email when its registration or statement of
// interest changes state: registered, waitlisted, promoted from the waiting
// list, cancelled; a waiting-list offer, its reminder and its lapse; a
// statement received, each member's confirmation request and its reminder,
// shortlisted, invited (with reminders, an extension, the lapse), declined.
//
// The store writes a convening.Notice in the same transaction as each change
// (a transactional outbox). A Mailer takes such a notice, renders it (Render),
// and sends it through a Sender (SES in production) at most at the account's
// send rate (Limiter), recording in the Outbox that it went out so that a
// retried delivery never emails the team twice.
//
// Each email carries one private link, the one its recipient may hold: a
// registration's manage link (Links.ManageURL), a statement's page for its
// contact (Links.StatementURL), or a member's own confirmation link
// (Links.ConfirmURL), never the contact's. The links open pages; every
// change they lead to is a button there (a POST), so that a mail scanner
// following links changes nothing. No link is ever logged.
package mail
