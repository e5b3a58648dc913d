// Package dynamostore keeps the registration system's state in one DynamoDB
// table and enforces its invariants there: every change that touches seats
// or the waiting list is a conditional transaction on the event's counter
// item, so no interleaving of requests can overfill an event, register an
// organization twice or reorder the waiting list. Every such transaction
// also writes the notice the change owes the team (a transactional outbox).
//
// Items (pk / sk):
//
//	EVENT#<id>   / EVENT          the event and its counters (gsi1: EVENTS / <startsAt>#<id>)
//	EVENT#<id>   / WAIT#<seq>     one waiting-list entry, in arrival order
//	EVENT#<id>   / ORG#<key>      the organization's one active registration
//	REG#<id>     / REG            a registration (gsi1: EVENT#<eventId> / REG#<createdAt>#<id>)
//	NOTICE#<id>  / NOTICE         an email owed to a team, and whether it was sent
//	IDEM#<hash>  / IDEM           the first answer to an Idempotency-Key
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/singleflight"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store is the DynamoDB-backed store. It is safe for concurrent use.
type Store struct {
	db    API
	table string
	log   *slog.Logger
	// maxAttempts bounds the optimistic retries of one operation; the SDK
	// retries throttling underneath each attempt on its own.
	maxAttempts int
	clock       func() time.Time
	// lastSeen holds, per event id, the event as a refused transaction last
	// returned it, or as last read for a queued event (seenEvent). A registration starts from it, so that while
	// an event is full a team goes straight to the waiting list instead of
	// first asking for seats. It is only a hint: every transaction's
	// conditions decide, and a stale hint costs one refused attempt.
	lastSeen sync.Map
	// lastStamp is the last arrival number this store proposed: numbers
	// are microsecond times, made unique within the process (concurrent
	// registrations in one process would otherwise share a microsecond;
	// across functions, the entry's put refuses a repeat and the team asks
	// again).
	lastStamp atomic.Int64
	// settles shares one fence among the places of one tick settled at
	// once in this process (registrations.go, settle).
	settles singleflight.Group
}

// stamp proposes an arrival number: the time now in microseconds, above
// every number this store proposed before.
func (s *Store) stamp() int64 {
	for {
		last := s.lastStamp.Load()
		next := max(s.clock().UnixMicro(), last+1)
		if s.lastStamp.CompareAndSwap(last, next) {
			return next
		}
	}
}

// New returns a store on the named table.
func New(db API, table string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{db: db, table: table, log: log, maxAttempts: MaxAttempts, clock: time.Now}
}

// Table is the table's name.
func (s *Store) Table() string { return s.table }

// Key prefixes and fixed sort keys.
const (
	eventPrefix  = "EVENT#"
	regPrefix    = "REG#"
	waitPrefix   = "WAIT#"
	orgPrefix    = "ORG#"
	noticePrefix = "NOTICE#"
	idemPrefix   = "IDEM#"

	skEvent  = deploy.SortKeyEvent // the stream triggers filter on it
	skReg    = "REG"
	skNotice = deploy.SortKeyNotice
	skIdem   = "IDEM"

	gsiEvents = "EVENTS"
)

// timeLayout is fixed-width UTC, so that stored times compare correctly as
// strings inside condition expressions (the registration window).
const timeLayout = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		// Written by fmtTime only; a parse failure means a hand-edited item.
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// seqKey is the sort key of a waiting-list entry: the arrival number,
// zero-padded so that keys sort as numbers.
func seqKey(seq int64) string { return waitPrefix + fmt.Sprintf("%019d", seq) }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// throttled reports whether err is DynamoDB refusing for load after the
// SDK's own retries: the caller may try again shortly, so it is reported as
// EUNAVAILABLE (503 with Retry-After), not as an internal error.
func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
		return true
	}
	return false
}

// failure wraps a storage error with its operation, marking throttling as
// unavailability so that callers answer "try again" rather than "bug".
func failure(op string, err error) error {
	if throttled(err) {
		return fmt.Errorf("%s: %w (%w)", op, errBusy, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// errBusy is returned when an operation lost every optimistic attempt.
var errBusy = convening.ErrBusy

// countsUpdate turns the domain's delta to an event's counts into the
// update of the event item: the one place counters are written. seatsLeft
// moves opposite to the seats taken and held, so that it stays capacity -
// seatsTaken - seatsHeld.
func countsUpdate(d convening.Counts, now string) expression.UpdateBuilder {
	upd := expression.Set(expression.Name("updatedAt"), expression.Value(now))
	for _, c := range []struct {
		name  string
		delta int
	}{
		{"seatsTaken", d.SeatsTaken}, {"seatsHeld", d.SeatsHeld}, {"seatsLeft", -d.SeatsTaken - d.SeatsHeld},
		{"registeredTeams", d.RegisteredTeams}, {"waitlistLength", d.WaitlistLength}, {"waitlistSeats", d.WaitlistSeats},
		{"checkedIn", d.CheckedIn},
	} {
		if c.delta != 0 {
			upd = upd.Add(expression.Name(c.name), expression.Value(c.delta))
		}
	}
	return upd
}

func (s *Store) getItem(ctx context.Context, pk, sk string, out any) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, failure("get "+pk+" "+sk, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := unmarshal(res.Item, out); err != nil {
		return false, fmt.Errorf("decode %s %s: %w", pk, sk, err)
	}
	return true, nil
}
