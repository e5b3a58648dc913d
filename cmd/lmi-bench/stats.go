package main

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// latencies are the durations of individual requests.
type latencies []time.Duration

// quantile returns the q-quantile (0 < q <= 1) by the nearest-rank method.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// median returns the middle value (the mean of the two middle ones).
func (l latencies) median() time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// run is the outcome of n operations issued by concurrent clients.
type run struct {
	ops     int
	elapsed time.Duration
	lat     latencies
	// began is when each operation started (its team's arrival).
	began []time.Time
}

func (r run) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops) / r.elapsed.Seconds()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func itoa(n int) string { return strconv.Itoa(n) }
