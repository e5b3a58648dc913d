package conflicts_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localaws/conflicts"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

// hold is long enough that a request sent while a transaction is in
// flight certainly arrives before its hold ends, even on a loaded machine
// (one second was not, with a load of ten on two cores).
const hold = 3 * time.Second

// lab is a table on DynamoDB Local behind a proxy, with a client through
// the proxy (as the functions would be built) and one straight to
// DynamoDB Local for checking.
type lab struct {
	proxy         *conflicts.Proxy
	db, direct    *dynamodb.Client
	table         string
	transactCalls atomic.Int64 // TransactWriteItems attempts sent by db, SDK retries included
}

func newLab(t *testing.T, opts conflicts.Options) *lab {
	t.Helper()
	endpoint, _ := localaws.Endpoints(t)
	direct, err := localaws.NewDynamoDBClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p, err := conflicts.Start(t.Context(), endpoint, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	l := &lab{proxy: p, direct: direct}
	// Counted after the SDK's retry loop: every attempt that goes out.
	l.db, err = localaws.NewDynamoDBClient(t.Context(), p.Endpoint(), countTransactions(&l.transactCalls))
	if err != nil {
		t.Fatal(err)
	}
	l.table = localaws.NewTestTable(t, direct, func(name string) *dynamodb.CreateTableInput {
		return &dynamodb.CreateTableInput{
			TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			BillingMode: types.BillingModePayPerRequest,
		}
	})
	return l
}

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}
}

// increment adds 1 to counter's n.
func (l *lab) increment(counter string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(l.table), Key: key(counter),
		UpdateExpression:          aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}
}

// put creates item pk (a Put names its item by the whole item: the proxy
// needs the table's key schema for it).
func (l *lab) put(pk string) types.TransactWriteItem {
	item := key(pk)
	item["note"] = &types.AttributeValueMemberS{Value: "written by a transaction"}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(l.table), Item: item}}
}

func (l *lab) transact(ctx context.Context, items ...types.TransactWriteItem) error {
	_, err := l.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// inFlight starts a transaction and returns once the proxy holds its items,
// with a channel that yields its error when it answers.
func (l *lab) inFlight(t *testing.T, items ...types.TransactWriteItem) <-chan error {
	t.Helper()
	before := l.proxy.Stats().Transactions
	done := make(chan error, 1)
	go func() { done <- l.transact(context.Background(), items...) }()
	for l.proxy.Stats().Transactions == before {
		time.Sleep(time.Millisecond)
	}
	// Past reading its key schema and taking the holds: 20 ms was too short
	// once on the 2-core CI machine with the other packages' tests running
	// (the second transaction met no hold); the hold leaves 2.5 s after this.
	time.Sleep(500 * time.Millisecond)
	return done
}

func (l *lab) count(t *testing.T, counter string) int {
	t.Helper()
	out, err := l.direct.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(l.table), Key: key(counter), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	n, ok := out.Item["n"].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.Atoi(n.Value)
	return v
}

func (l *lab) exists(t *testing.T, pk string) bool {
	t.Helper()
	out, err := l.direct.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(l.table), Key: key(pk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item != nil
}

// wantCanceled checks that err is a TransactionCanceledException whose
// reasons say TransactionConflict exactly for the items in conflicting, as
// DynamoDB reports them.
func wantCanceled(t *testing.T, err error, conflicting ...bool) {
	t.Helper()
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want a TransactionCanceledException", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "TransactionCanceledException" || ae.ErrorFault() != smithy.FaultClient {
		t.Errorf("API error %v: code %q, want TransactionCanceledException, a client fault", ae, ae.ErrorCode())
	}
	if len(tce.CancellationReasons) != len(conflicting) {
		t.Fatalf("reasons %d, want %d", len(tce.CancellationReasons), len(conflicting))
	}
	for i, r := range tce.CancellationReasons {
		code, msg := aws.ToString(r.Code), aws.ToString(r.Message)
		switch {
		case conflicting[i] && (code != "TransactionConflict" || msg != "Transaction is ongoing for the item"):
			t.Errorf("reason %d = %s %q, want TransactionConflict %q", i, code, msg, "Transaction is ongoing for the item")
		case !conflicting[i] && code != "None":
			t.Errorf("reason %d = %s, want None", i, code)
		}
	}
}

func TestOverlappingTransactionsOnOneItem(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: hold})
	began := time.Now()
	first := l.inFlight(t, l.increment("event"), l.put("first"))

	secondAt := time.Now()
	err := l.transact(t.Context(), l.increment("event"), l.put("second"))
	wantCanceled(t, err, true, false)
	if took := time.Since(secondAt); took < hold/2-20*time.Millisecond {
		t.Errorf("the refusal came after %v: a cancelled transaction answers after its prepare round (%v)", took, hold/2)
	}

	if err := <-first; err != nil {
		t.Fatalf("the first transaction: %v", err)
	}
	if took := time.Since(began); took < hold {
		t.Errorf("the first transaction answered after %v, before its hold (%v) ended", took, hold)
	}
	if n := l.count(t, "event"); n != 1 || !l.exists(t, "first") || l.exists(t, "second") {
		t.Errorf("counter %d, first written %v, second written %v: want 1, true, false", n, l.exists(t, "first"), l.exists(t, "second"))
	}
	// The SDK does not retry a cancelled transaction: two calls, two requests.
	if s := l.proxy.Stats(); s.Transactions != 2 || s.Committed != 1 || s.Conflicts != 1 || l.transactCalls.Load() != 2 {
		t.Errorf("stats %+v, %d attempts sent; want 2 transactions, 1 committed, 1 conflict, 2 attempts", s, l.transactCalls.Load())
	}

	// Once the first has answered, its items are free.
	if err := l.transact(t.Context(), l.increment("event"), l.put("third")); err != nil {
		t.Errorf("a transaction after the first answered: %v", err)
	}
}

func TestDisjointTransactionsBothCommit(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: hold})
	first := l.inFlight(t, l.increment("event-1"), l.put("a"))
	if err := l.transact(t.Context(), l.increment("event-2"), l.put("b")); err != nil {
		t.Errorf("second transaction on other items: %v", err)
	}
	if err := <-first; err != nil {
		t.Errorf("first transaction: %v", err)
	}
	if s := l.proxy.Stats(); s.Committed != 2 || s.Conflicts != 0 {
		t.Errorf("stats %+v, want 2 committed, no conflict", s)
	}
	if l.count(t, "event-1") != 1 || l.count(t, "event-2") != 1 || !l.exists(t, "a") || !l.exists(t, "b") {
		t.Error("a transaction's writes are missing")
	}
}

func TestPlainWritesDuringTransaction(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: hold})
	if err := l.transact(t.Context(), l.put("held")); err != nil {
		t.Fatal(err)
	}
	done := l.inFlight(t, l.increment("held"), l.put("other"))
	table := aws.String(l.table)
	held := key("held")
	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{"PutItem", func() error {
			_, err := l.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: table, Item: held})
			return err
		}},
		{"UpdateItem", func() error {
			_, err := l.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: table, Key: held,
				UpdateExpression: aws.String("SET note = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberS{Value: "x"}}})
			return err
		}},
		{"DeleteItem", func() error {
			_, err := l.db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: table, Key: held})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			var conflict *types.TransactionConflictException
			if !errors.As(err, &conflict) {
				t.Fatalf("err = %v, want a TransactionConflictException", err)
			}
			var ae smithy.APIError
			if errors.As(err, &ae); ae.ErrorCode() != "TransactionConflictException" || ae.ErrorMessage() != "Transaction is ongoing for the item" {
				t.Errorf("code %q message %q", ae.ErrorCode(), ae.ErrorMessage())
			}
		})
	}
	t.Run("GetItem does not conflict", func(t *testing.T) {
		if _, err := l.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: table, Key: held, ConsistentRead: aws.Bool(true)}); err != nil {
			t.Errorf("GetItem during a transaction: %v", err)
		}
	})
	t.Run("PutItem on another item", func(t *testing.T) {
		if _, err := l.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: table, Item: key("free")}); err != nil {
			t.Errorf("PutItem on an item no transaction holds: %v", err)
		}
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := l.proxy.Stats(); s.WriteConflicts != 3 {
		t.Errorf("write conflicts %d, want 3 (the SDK retries none)", s.WriteConflicts)
	}
	if l.count(t, "held") != 1 {
		t.Error("a refused plain write changed the item, or the transaction's update is lost")
	}
	if _, err := l.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: table, Item: held}); err != nil {
		t.Errorf("PutItem after the transaction answered: %v", err)
	}
}

func TestTransactGetDuringTransaction(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: hold})
	done := l.inFlight(t, l.increment("held"))
	get := func(pks ...string) error {
		in := &dynamodb.TransactGetItemsInput{}
		for _, pk := range pks {
			in.TransactItems = append(in.TransactItems, types.TransactGetItem{Get: &types.Get{TableName: aws.String(l.table), Key: key(pk)}})
		}
		_, err := l.db.TransactGetItems(t.Context(), in)
		return err
	}
	wantCanceled(t, get("other", "held"), false, true)
	if err := get("other"); err != nil {
		t.Errorf("TransactGetItems of an item no transaction holds: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := get("held"); err != nil {
		t.Errorf("TransactGetItems after the transaction answered: %v", err)
	}
	if s := l.proxy.Stats(); s.ReadConflicts != 1 {
		t.Errorf("read conflicts %d, want 1", s.ReadConflicts)
	}
}

// A transaction that fails a condition holds its items only for its
// prepare round, not for a commit.
func TestCancelledTransactionReleasesAfterPrepare(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: 10 * time.Second, Prepare: 100 * time.Millisecond})
	began := time.Now()
	err := l.transact(t.Context(), l.increment("event"), types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(l.table), Key: key("missing"), ConditionExpression: aws.String("attribute_exists(pk)")}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" {
		t.Fatalf("err = %v, want DynamoDB Local's ConditionalCheckFailed", err)
	}
	if took := time.Since(began); took < 100*time.Millisecond {
		t.Errorf("the cancellation came after %v, before the prepare round (100ms)", took)
	}
	// Were the event held for the 10 s a commit holds, this would conflict.
	if _, err := l.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(l.table), Key: key("event"),
		UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}); err != nil {
		t.Errorf("a write after a cancelled transaction: %v", err)
	}
	if s := l.proxy.Stats(); s.Cancelled != 1 || s.Committed != 0 || s.Conflicts != 0 || s.WriteConflicts != 0 {
		t.Errorf("stats %+v, want 1 cancelled by its condition and nothing else", s)
	}
}

// Many writers on one counter, retrying conflicts as the store does: no
// update is lost or doubled, and conflicts happen.
func TestContendedCounterLosesNothing(t *testing.T) {
	t.Parallel()
	l := newLab(t, conflicts.Options{Hold: 5 * time.Millisecond})
	const writers, each = 16, 5
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				for attempt := 0; ; attempt++ {
					err := l.transact(t.Context(), l.increment("event"), l.put("w"+strconv.Itoa(w)+"-"+strconv.Itoa(i)))
					var tce *types.TransactionCanceledException
					if err == nil {
						break
					}
					if !errors.As(err, &tce) || attempt == 200 {
						failed.Add(1)
						t.Errorf("writer %d: %v", w, err)
						return
					}
					time.Sleep(time.Duration(1+attempt%7) * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	s := l.proxy.Stats()
	if n := l.count(t, "event"); n != writers*each || s.Committed != writers*each {
		t.Errorf("counter %d, %d committed, want %d", n, s.Committed, writers*each)
	}
	if s.Conflicts == 0 {
		t.Error("16 writers on one item never conflicted")
	}
	t.Logf("%+v", s)
}

func countTransactions(n *atomic.Int64) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("CountTransactions",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if awsmiddleware.GetOperationName(ctx) == "TransactWriteItems" {
						n.Add(1)
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	}
}
