package mail

import (
	"context"
	"sync"
	"time"
)

// Limiter is a token bucket that keeps sends under a rate, such as the SES
// account's maximum send rate (emails per second). It holds one token, so
// sends are spaced evenly rather than bursting. It is safe for concurrent
// use.
//
// A Limiter limits one process only. Concurrent mailers (several Lambda
// instances) each need a share of the account's rate, e.g. the rate divided
// by the stream consumer's maximum concurrency.
type Limiter struct {
	interval time.Duration // between two sends; zero means no limit

	// Swapped in tests so that waits take no real time.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu   sync.Mutex
	next time.Time // when the next token is free
}

// NewLimiter returns a limiter of perSecond sends a second. A rate of zero
// or less means no limit (e.g. against a local SES endpoint).
func NewLimiter(perSecond float64) *Limiter {
	l := &Limiter{now: time.Now, sleep: sleepCtx}
	if perSecond > 0 {
		l.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return l
}

// Wait blocks until a send may go, or returns ctx's error if ctx ends first.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.interval <= 0 {
		return nil
	}
	// Reserve the next free slot under the lock and sleep outside it, so
	// that concurrent callers queue in order without holding the lock.
	l.mu.Lock()
	now := l.now()
	at := l.next
	if at.Before(now) {
		at = now // the bucket is full: go at once
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()

	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	if err := l.sleep(ctx, d); err != nil {
		// Give the slot back if no one reserved a later one meanwhile, so
		// that an abandoned wait does not slow the next caller.
		l.mu.Lock()
		if l.next.Equal(at.Add(l.interval)) {
			l.next = at
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
