package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Every conditional write of the store runs through transact: one loop
// that sends an operation's transaction and, with one policy, tells the
// failures worth another attempt (the table moved since the attempt read
// it, another transaction was in the way, DynamoDB was throttling) from
// those that would fail again whatever is read (a condition that cannot
// hold, a ValidationError), which it refuses at once.

// write is one attempt of an operation: the transaction it sends and how
// to read a refusal of it.
type write struct {
	tx *dynamodb.TransactWriteItemsInput
	// asRead reports whether item i is conditioned on what the attempt
	// read or assumed (a version, the seats left, the event as last seen):
	// its failed condition means the table moved since, and the operation
	// is tried again from fresh reads. A failed condition on any other
	// item (an id that must be new, a claim the registration holds) would
	// fail again: the write is refused for good. nil: no item is.
	asRead func(i int) bool
	// answer, if set, reads a cancelled transaction before the policy
	// does, for what the operation answers itself: an error for its caller
	// (the organization is registered already, the event refuses the
	// team), errAnswered when it is answered without error (a replayed
	// request), errLearned to try again without counting the attempt, or
	// nil to leave it to the policy.
	answer func(c cancellation) error
	// committed, if set, is told that the transaction committed; it
	// reports whether the operation goes on with another write (promotion
	// in batches), which then starts a fresh budget of attempts.
	committed func() bool
}

var (
	// errAnswered, from a write's answer, ends the operation without error:
	// the answer is the operation's result.
	errAnswered = errors.New("answered")
	// errLearned, from a write's answer, tries again without counting the
	// attempt: it taught the store the state of the table rather than
	// losing a race.
	errLearned = errors.New("learned the table's state")
)

// transact runs the operation op until it is done, refused, or out of
// attempts or time (errBusy). Each attempt calls try, which reads what it
// needs, asks the domain and builds the attempt's write; a nil write (or an
// error) ends the operation there. Every attempt after the first waits
// (Backoff), except one that follows a refusal that taught the store the
// table's state (errLearned): that one goes at once.
func (s *Store) transact(ctx context.Context, op string, try func(ctx context.Context) (*write, error)) error {
	var pace Backoff
	learned := false
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if attempt > 1 && !learned {
			if err := pace.Wait(ctx); err != nil {
				return err
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		learned = false
		w, err := try(ctx)
		if err != nil || w == nil {
			return err
		}
		_, err = s.db.TransactWriteItems(ctx, w.tx)
		c, cancelled := asCancellation(err)
		switch {
		case err == nil && (w.committed == nil || !w.committed()):
			return nil
		case err == nil:
			// Progress made: the next write starts a fresh budget.
			attempt, learned = 0, true
			pace.Reset()
			continue
		case !cancelled && isConflict(err):
			continue
		case !cancelled:
			return failure(op, err)
		}
		if w.answer != nil {
			switch err := w.answer(c); {
			case errors.Is(err, errAnswered):
				return nil
			case errors.Is(err, errLearned):
				attempt--
				learned = true
				continue
			case err != nil:
				return err
			}
		}
		if c.retryable(w.asRead) {
			continue
		}
		return refused(op, c, err)
	}
	return errBusy
}

// items are an attempt's transaction items as it builds them, with which
// of them are conditioned on what it read (write.asRead).
type items struct {
	list   []types.TransactWriteItem
	asRead map[int]bool
}

// add appends an item; asRead says its condition holds what the attempt
// read. It returns the item's index.
func (it *items) add(item types.TransactWriteItem, asRead bool) int {
	if asRead {
		if it.asRead == nil {
			it.asRead = map[int]bool{}
		}
		it.asRead[len(it.list)] = true
	}
	it.list = append(it.list, item)
	return len(it.list) - 1
}

// write is the attempt's write of these items.
func (it *items) write() *write {
	return &write{tx: &dynamodb.TransactWriteItemsInput{TransactItems: it.list}, asRead: func(i int) bool { return it.asRead[i] }}
}

// cancellation describes why a TransactWriteItems was cancelled.
type cancellation struct {
	reasons []types.CancellationReason
}

// failed reports whether item i failed its condition.
func (c cancellation) failed(i int) bool {
	return i >= 0 && i < len(c.reasons) && aws.ToString(c.reasons[i].Code) == "ConditionalCheckFailed"
}

// item is the ALL_OLD image of item i, if its condition failed.
func (c cancellation) item(i int) map[string]types.AttributeValue {
	if i >= 0 && i < len(c.reasons) {
		return c.reasons[i].Item
	}
	return nil
}

// retryable reports whether a cancelled transaction can succeed if tried
// again: the first item (what the operation is about, as read) failed its
// condition, which explains whatever else failed with it; or its reasons
// are only conflicts with other transactions, throttling, and failed
// conditions on items asRead (nil: none) says were conditioned on what was
// read (the next attempt reads them again). Anything else, such as a
// ValidationError or a condition that fails whatever is read, would fail
// the same way until the deadline: the operation reports it as an
// internal error after one attempt, with the reasons (String).
func (c cancellation) retryable(asRead func(i int) bool) bool {
	if asRead == nil {
		asRead = func(int) bool { return false }
	}
	if c.failed(0) && asRead(0) {
		return true
	}
	for i, r := range c.reasons {
		switch aws.ToString(r.Code) {
		case "", "None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
		case "ConditionalCheckFailed":
			if !asRead(i) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// String lists the reasons by item, for logs: "0:ConditionalCheckFailed 2:None".
func (c cancellation) String() string {
	var b strings.Builder
	for i, r := range c.reasons {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%s", i, aws.ToString(r.Code))
		if m := aws.ToString(r.Message); m != "" && aws.ToString(r.Code) != "ConditionalCheckFailed" && aws.ToString(r.Code) != "None" {
			fmt.Fprintf(&b, " (%s)", m)
		}
	}
	return b.String()
}

// asCancellation unpacks a cancelled transaction. It returns ok=false for
// any other error.
func asCancellation(err error) (cancellation, bool) {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return cancellation{reasons: tce.CancellationReasons}, true
	}
	return cancellation{}, false
}

// isConflict reports whether err, not a cancellation, means "another
// transaction got there first; try again".
func isConflict(err error) bool {
	var tip *types.TransactionInProgressException
	var tc *types.TransactionConflictException
	return errors.As(err, &tip) || errors.As(err, &tc)
}

// refused is the error of a transaction that cannot succeed by retrying.
func refused(op string, c cancellation, err error) error {
	return fmt.Errorf("%s: transaction refused for good [%s]: %w", op, c, err)
}
