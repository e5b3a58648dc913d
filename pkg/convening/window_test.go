package convening_test

import (
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// TestWindow walks an event through its window, open to all and by
// statement of interest, and holds the window to the rules that refuse a
// registration or a statement (CheckWindow, CheckStatementWindow).
func TestWindow(t *testing.T) {
	at := func(day int) time.Time { return time.Date(2027, 3, day, 9, 0, 0, 0, time.UTC) }
	open := convening.Event{ID: "cv", Capacity: 10, RegistrationOpensAt: at(1), RegistrationClosesAt: at(10), StartsAt: at(20), EndsAt: at(21)}
	full := open
	full.SeatsTaken = 10
	waiting := open
	waiting.WaitlistLength = 1
	closes := at(5)
	statements := open
	statements.Admission, statements.StatementsCloseAt = convening.AdmissionStatement, &closes
	statements.SeatsTaken = 10 // seats have nothing to do with taking statements
	tests := []struct {
		name  string
		e     convening.Event
		now   time.Time
		state convening.WindowState
	}{
		{"before", open, at(1).Add(-time.Second), convening.WindowSoon},
		{"opening", open, at(1), convening.WindowOpen},
		{"open", open, at(9), convening.WindowOpen},
		{"full", full, at(9), convening.WindowFull},
		{"waiting list", waiting, at(9), convening.WindowFull},
		{"closing", open, at(10), convening.WindowClosed},
		{"closed", full, at(15), convening.WindowClosed},
		{"over", open, at(21), convening.WindowPast},
		{"statements before", statements, at(1).Add(-time.Second), convening.WindowSoon},
		{"statements open", statements, at(4), convening.WindowOpen},
		{"statements closed", statements, at(5), convening.WindowClosed},
		{"statements over", statements, at(22), convening.WindowPast},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.e.Window(tt.now)
			if w.State != tt.state {
				t.Fatalf("state %s, want %s", w.State, tt.state)
			}
			taking := w.State == convening.WindowOpen || w.State == convening.WindowFull
			if w.Statements {
				if !w.ClosesAt.Equal(closes) || (tt.e.CheckStatementWindow(tt.now) == nil) != taking {
					t.Fatalf("%+v disagrees with CheckStatementWindow: %v", w, tt.e.CheckStatementWindow(tt.now))
				}
			} else if tt.e.RegistrationOpen(tt.now) != taking || !w.ClosesAt.Equal(at(10)) {
				t.Fatalf("%+v disagrees with RegistrationOpen", w)
			}
		})
	}
}
