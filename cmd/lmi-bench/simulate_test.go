package main

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/dynamostore"
)

// TestBucket: a token bucket gives its burst at once, then its rate.
func TestBucket(t *testing.T) {
	b := bucket{rate: 10, burst: 3, tokens: 3}
	for i := range 3 {
		if !b.take(0) {
			t.Fatalf("take %d of the burst refused", i+1)
		}
	}
	if b.take(0) {
		t.Error("a fourth take at once granted, want refused")
	}
	if b.take(50 * time.Millisecond) {
		t.Error("half a token after 50 ms granted, want refused")
	}
	if !b.take(100 * time.Millisecond) {
		t.Error("a token after 100 ms at 10/s refused")
	}
	if got := func() int {
		n := 0
		for b.take(10 * time.Second) {
			n++
		}
		return n
	}(); got != 3 {
		t.Errorf("after a long pause %d tokens, want the burst, 3", got)
	}
}

// TestPartitionWrite: a partition's second takes up to its limit; what
// does not fit waits for the next second with room.
func TestPartitionWrite(t *testing.T) {
	p := &partition{limit: 10, used: map[int64]float64{}}
	for _, tc := range []struct {
		now  time.Duration
		wru  float64
		want time.Duration
	}{
		{0, 6, 0},
		{200 * time.Millisecond, 4, 200 * time.Millisecond}, // exactly the limit
		{300 * time.Millisecond, 2, time.Second},            // second 0 spent
		{400 * time.Millisecond, 9, 2 * time.Second},        // second 1 has 8 left
		{2500 * time.Millisecond, 1, 2500 * time.Millisecond},
		{3 * time.Second, 25, 3 * time.Second}, // larger than a second: taken alone
	} {
		if got := p.write(tc.now, tc.wru); got != tc.want {
			t.Errorf("write(%v, %g) = %v, want %v", tc.now, tc.wru, got, tc.want)
		}
	}
	if p.peak != 25 {
		t.Errorf("peak = %g, want 25", p.peak)
	}
}

// TestSimCost: the bill is the counts times the published prices.
func TestSimCost(t *testing.T) {
	r := simResult{apiRequests: 2_000_000, lambdaRequests: 1_000_000, gbSeconds: 10_000, wru: 4_000_000, rru: 8_000_000, emails: 5_000}
	api, lambda, dynamo, ses, total := r.cost()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"API Gateway", api, 2.00},
		{"Lambda", lambda, 0.20 + 0.133334},
		{"DynamoDB", dynamo, 2.50 + 1.00},
		{"SES", ses, 0.80},
		{"total", total, 2.00 + 0.333334 + 3.50 + 0.80},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
		}
	}
}

// TestSimBackoff: the simulation's pauses keep the store's bounds.
func TestSimBackoff(t *testing.T) {
	b := &simBackoff{rng: rand.New(rand.NewPCG(1, 2))}
	for i := range 1000 {
		d := b.Next()
		if d < dynamostore.BackoffBase || d > dynamostore.BackoffCeiling {
			t.Fatalf("pause %d = %v, outside [%v, %v]", i, d, dynamostore.BackoffBase, dynamostore.BackoffCeiling)
		}
	}
}

// TestSimulate: every design, in a smaller minute, accounts for every
// team once, never oversells, leaves no seat a waiting team could have
// used (under a pool's rounding), and gives the same figures twice.
func TestSimulate(t *testing.T) {
	p := defaultSimParams()
	p.teams, p.capacity = 2000, 400
	p.routeRate, p.routeBurst = 2000, 5000
	for _, d := range []simDesign{simDirect, simPools, simQueued, simQueuedLateClaim} {
		t.Run(d.String(), func(t *testing.T) {
			r := simulate(p, d, "test")
			if got := r.decided + r.gaveUp429 + r.gaveUp500 + r.gaveUp503; got != p.teams {
				t.Errorf("decided %d + gave up %d/%d/%d = %d, want %d teams", r.decided, r.gaveUp429, r.gaveUp500, r.gaveUp503, got, p.teams)
			}
			if r.decided == 0 || len(r.decide) != r.decided {
				t.Errorf("decided %d with %d decision times", r.decided, len(r.decide))
			}
			if r.seatsTaken > p.capacity {
				t.Errorf("%d seats taken of %d", r.seatsTaken, p.capacity)
			}
			// Demand (about 5 seats a team) is far above capacity: what
			// is left is less than a team of 8, per pool for pools.
			slack := 8
			if d == simPools {
				slack = 8 * poolCount
			}
			if p.capacity-r.seatsTaken >= slack {
				t.Errorf("%d seats left unused while teams waited", p.capacity-r.seatsTaken)
			}
			if r.inMinute > r.decided || r.peakConcurrency > p.accountConcurrency || r.peakConcurrency == 0 {
				t.Errorf("in the minute %d of %d decided, peak concurrency %d", r.inMinute, r.decided, r.peakConcurrency)
			}
			if _, _, _, _, total := r.cost(); total <= 0 {
				t.Errorf("the bill is %v", total)
			}
			if again := simulate(p, d, "test"); !reflect.DeepEqual(r, again) {
				t.Error("a second run with the same parameters gave other figures")
			}
		})
	}
}
