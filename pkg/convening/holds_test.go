package convening

import (
	"testing"
	"time"
)

func TestHoldDue(t *testing.T) {
	made := time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC)
	week := Hold{Kind: HoldInvitation, RespondBy: made.Add(7 * 24 * time.Hour), CreatedAt: made}
	twoDays := Hold{Kind: HoldOffer, RespondBy: made.Add(48 * time.Hour), CreatedAt: made}
	tests := []struct {
		name string
		hold Hold
		at   time.Duration // after made
		want HoldAction
	}{
		{"JustMade", week, time.Minute, HoldNothing},
		{"72HoursBefore", week, 4 * 24 * time.Hour, HoldRemind},
		{"AfterTheFirstReminder", week.AfterReminder(made.Add(4 * 24 * time.Hour)), 5 * 24 * time.Hour, HoldNothing},
		{"24HoursBefore", week.AfterReminder(made.Add(4 * 24 * time.Hour)), 6 * 24 * time.Hour, HoldRemind},
		{"ShortHoldSkipsThe72HourReminder", twoDays, 20 * time.Hour, HoldNothing},
		{"ShortHold24HoursBefore", twoDays, 24 * time.Hour, HoldRemind},
		// A sweep that comes late lapses the hold; it does not remind a team
		// of a deadline gone by.
		{"LateSweepWithReminderOwed", twoDays, 49 * time.Hour, HoldLapse},
		{"AtTheDeadline", twoDays.AfterReminder(made.Add(24 * time.Hour)), 48 * time.Hour, HoldLapse},
		{"ConfirmationReminderIsItsDeadline", Hold{Kind: HoldConfirmation, RespondBy: made.Add(72 * time.Hour), CreatedAt: made}, 72 * time.Hour, HoldLapse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.hold.Due(made.Add(tt.at)); got != tt.want {
				t.Errorf("Due = %v, want %v", got, tt.want)
			}
		})
	}
}
