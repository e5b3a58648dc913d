package main

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := l.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := (latencies{3, 1, 2, 10}).median(); got != 2 {
		t.Errorf("median = %v, want 2", got)
	}
	if got := (latencies{}).quantile(0.5); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
}
