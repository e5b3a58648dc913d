package dynamostore

import (
	"context"
	"math/rand/v2"
	"time"
)

// The pacing of the store's optimistic retries (transact) is defined here
// once; the benchmark's floor (cmd/lmi-bench) retries its bare
// transaction with the same Backoff, so the two stay in step.
//
// What it paces: a transaction cancelled because another one held the
// event item (TransactionConflict), or refused because the event moved
// since it was read. The item frees again within one transaction's hold
// (10–20 ms in AWS, docs/performance.md "Which hold"), so waiting much
// longer than a few holds leaves it idle while teams wait, and waiting
// longer the more often one lost (full jitter growing to a second, the
// earlier policy) made the teams that lost most wait longest and lose
// again. Decorrelated jitter ("Exponential Backoff And Jitter", AWS
// Architecture Blog, 2015) under a ceiling of a few holds keeps every
// contender arriving at random moments at about the same rate, so the
// item is rarely idle and nobody is starved. What DynamoDB throttles the
// SDK retries underneath each attempt, with its own backoff.
const (
	// BackoffBase is the shortest wait before another attempt.
	BackoffBase = 2 * time.Millisecond
	// BackoffCeiling is the longest: a few transactions' holds.
	BackoffCeiling = 50 * time.Millisecond
	// MaxAttempts bounds one operation's attempts; with the waits above
	// they take a few seconds, inside a function's 10 s.
	MaxAttempts = 100
	// answerMargin is the time kept to answer: an operation gives up
	// (ErrBusy) rather than start a wait that would leave less. A
	// function that runs out its timeout answers nothing at all.
	answerMargin = 500 * time.Millisecond
)

// Backoff paces one operation's attempts. The zero value is ready; it is
// not safe for concurrent use (one per operation).
type Backoff struct {
	prev time.Duration
	// Ceiling overrides BackoffCeiling when above zero (the benchmark's
	// sweeps).
	Ceiling time.Duration
}

// Next returns how long to wait before the next attempt: a random time
// between BackoffBase and three times the last wait, at most the ceiling.
func (b *Backoff) Next() time.Duration {
	ceiling := BackoffCeiling
	if b.Ceiling > 0 {
		ceiling = b.Ceiling
	}
	hi := max(3*b.prev, 2*BackoffBase)
	d := min(ceiling, BackoffBase+time.Duration(rand.Int64N(int64(hi-BackoffBase))))
	b.prev = d
	return d
}

// Reset starts again from the shortest waits (after progress).
func (b *Backoff) Reset() { b.prev = 0 }

// Wait sleeps before the next attempt. It returns ErrBusy without waiting
// if the context's deadline would leave less than half a second after the
// wait, and the context's error if it ends first.
func (b *Backoff) Wait(ctx context.Context) error {
	d := b.Next()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+answerMargin {
		return errBusy
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
