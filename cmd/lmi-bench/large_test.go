package main

import (
	"testing"
	"time"
)

// TestOvertaken: a team is overtaken only by a team that began more than
// a second after it and got seats while it waits, or an earlier place.
func TestOvertaken(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name    string
		began   []time.Time
		outcome []int64 // -1 registered, else the arrival number; 0 not stored
		want    int
	}{
		{"in order", []time.Time{at(0), at(2000), at(4000)}, []int64{-1, 5, 6}, 0},
		{"seats to a later team", []time.Time{at(0), at(2000)}, []int64{5, -1}, 1},
		{"within the second", []time.Time{at(0), at(900)}, []int64{5, -1}, 0},
		{"a better place to a later team", []time.Time{at(0), at(1500), at(3000)}, []int64{7, 6, 8}, 1},
		{"not stored counts for nothing", []time.Time{at(0), at(5000)}, []int64{0, -1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := overtaken(tc.began, tc.outcome); got != tc.want {
				t.Errorf("overtaken = %d, want %d", got, tc.want)
			}
		})
	}
}
