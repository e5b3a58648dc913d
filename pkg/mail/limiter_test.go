package mail

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose sleeps advance it at once.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
	fail  error // returned by sleep instead of sleeping
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return nil
}

func fakeLimiter(perSecond float64) (*Limiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2019, 6, 25, 16, 0, 0, 0, time.UTC)}
	l := NewLimiter(perSecond)
	l.now, l.sleep = c.now, c.sleep
	return l, c
}

func TestLimiter(t *testing.T) {
	ctx := context.Background()
	t.Run("SpacesSends", func(t *testing.T) {
		l, c := fakeLimiter(5)
		start := c.now()
		for range 11 {
			if err := l.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// The first send goes at once; ten more take 200 ms each.
		if got := c.now().Sub(start); got != 2*time.Second {
			t.Errorf("11 sends at 5/s took %v, want 2s", got)
		}
	})
	t.Run("IdleDoesNotBankTokens", func(t *testing.T) {
		l, c := fakeLimiter(2)
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(time.Minute) // a quiet minute
		for range 3 {
			if err := l.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}
		if !slices.Equal(c.slept, want) {
			t.Errorf("slept %v, want %v: after a pause only one send may go at once", c.slept, want)
		}
	})
	t.Run("CancelledWaitGivesItsSlotBack", func(t *testing.T) {
		l, c := fakeLimiter(1)
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		c.fail = context.DeadlineExceeded
		if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait = %v, want the sleep's error", err)
		}
		c.fail = nil
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if want := []time.Duration{time.Second}; !slices.Equal(c.slept, want) {
			t.Errorf("slept %v, want %v", c.slept, want)
		}
	})
	t.Run("DoneContext", func(t *testing.T) {
		l, c := fakeLimiter(1)
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err := l.Wait(done); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want context.Canceled", err)
		}
		if err := l.Wait(ctx); err != nil || len(c.slept) != 0 {
			t.Errorf("Wait after a refused wait = %v after sleeping %v; want at once", err, c.slept)
		}
	})
	t.Run("NoLimit", func(t *testing.T) {
		l, c := fakeLimiter(0)
		for range 1000 {
			if err := l.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if len(c.slept) != 0 {
			t.Errorf("an unlimited limiter slept %d times", len(c.slept))
		}
	})
}

// TestLimiterConcurrent runs on the real clock: 20 callers at 100/s take
// about 190 ms, and the i-th to return must not come before i intervals.
func TestLimiterConcurrent(t *testing.T) {
	const n, rate = 20, 100.0
	interval := time.Duration(float64(time.Second) / rate)
	l := NewLimiter(rate)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	var mu sync.Mutex
	var done []time.Duration
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := l.Wait(ctx); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			done = append(done, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(done)
	for i, d := range done {
		if d < time.Duration(i)*interval {
			t.Errorf("send %d went after %v, before %v: over the rate", i, d, time.Duration(i)*interval)
		}
	}
	if total := time.Since(start); total > 2*time.Second {
		t.Errorf("20 sends at 100/s took %v", total)
	}
}
