// Package mail tells a team by email when its registration changes state:
// registered, waitlisted, promoted from the waiting list, or cancelled.
//
// The store writes a convening.Notice in the same transaction as each change
// (a transactional outbox). A Mailer takes such a notice, renders it (Render),
// and sends it through a Sender (SES in production) at most at the account's
// send rate (Limiter), recording in the Outbox that it went out so that a
// retried delivery never emails the team twice.
package mail
