package localrun_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

// streamTable is a one-key table with the stream the real table has.
func streamTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

type streamFixture struct {
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	table   string
	arn     string
}

func newStreamFixture(t *testing.T) *streamFixture {
	t.Helper()
	endpoint, _ := localaws.Endpoints(t)
	db, err := localaws.NewDynamoDBClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := localaws.NewStreamsClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	f := &streamFixture{db: db, streams: streams, table: localaws.NewTestTable(t, db, streamTable)}
	if f.arn, err = localaws.StreamARN(t.Context(), db, f.table); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *streamFixture) put(t *testing.T, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := f.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func (f *streamFixture) putKey(t *testing.T, pk string) {
	t.Helper()
	f.put(t, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}})
}

// run starts a poller and waits until it is ready (has taken its position in
// every shard); it is stopped, and checked to stop, before the table is
// deleted (cleanups run last-in first-out).
func (f *streamFixture) run(t *testing.T, consumers []localrun.StreamConsumer, opts localrun.PollerOptions) {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = 10 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	p, err := localrun.NewStreamPoller(f.streams, f.arn, consumers, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run() = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
	select {
	case <-p.Ready():
	case err := <-done:
		t.Fatalf("Run() returned before it was ready: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the poller was not ready within 15 s")
	}
}

// consumer records every batch its function receives and answers with
// respond (success when nil).
type consumer struct {
	mu      sync.Mutex
	batches [][]events.DynamoDBEventRecord
	respond func(batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error)
}

func (c *consumer) function() lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		c.mu.Lock()
		c.batches = append(c.batches, e.Records)
		respond := c.respond
		c.mu.Unlock()
		if respond == nil {
			return events.DynamoDBEventResponse{}, nil
		}
		return respond(e.Records)
	})
}

// waitRecords waits until the consumer has received n records in all.
func (c *consumer) waitRecords(t *testing.T, n int) [][]events.DynamoDBEventRecord {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.mu.Lock()
		batches := slices.Clone(c.batches)
		c.mu.Unlock()
		got := 0
		for _, b := range batches {
			got += len(b)
		}
		if got >= n {
			return batches
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d records in %d batches, want %d", got, len(batches), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func keysOf(batch []events.DynamoDBEventRecord) []string {
	var keys []string
	for _, r := range batch {
		keys = append(keys, r.Change.Keys["pk"].String())
	}
	return keys
}

func TestStreamPollerDeliversChanges(t *testing.T) {
	f := newStreamFixture(t)
	var c consumer
	f.run(t, []localrun.StreamConsumer{{Name: "notify", Function: c.function()}}, localrun.PollerOptions{FromStart: true})

	f.put(t, map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "a"},
		"n":    &types.AttributeValueMemberN{Value: "1"},
		"b":    &types.AttributeValueMemberB{Value: []byte{0, 1, 0xff}},
		"ok":   &types.AttributeValueMemberBOOL{Value: true},
		"none": &types.AttributeValueMemberNULL{Value: true},
		"list": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberN{Value: "2.5"},
		}},
		"map": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"inner": &types.AttributeValueMemberS{Value: "y"},
			"empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
		"ss": &types.AttributeValueMemberSS{Value: []string{"s"}},
		"ns": &types.AttributeValueMemberNS{Value: []string{"7"}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{9}}},
	})
	if _, err := f.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(f.table),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}},
		UpdateExpression:          aws.String("SET n = :n REMOVE b, #ok, #none, #list, #map, ss, ns, bs"),
		ExpressionAttributeNames:  map[string]string{"#ok": "ok", "#none": "none", "#list": "list", "#map": "map"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "2"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(f.table),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}},
	}); err != nil {
		t.Fatal(err)
	}

	var records []events.DynamoDBEventRecord
	for _, b := range c.waitRecords(t, 3) {
		records = append(records, b...)
	}
	if len(records) != 3 {
		t.Fatalf("got %d records, want 3", len(records))
	}
	key := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("a")}
	full := map[string]events.DynamoDBAttributeValue{
		"pk":   events.NewStringAttribute("a"),
		"n":    events.NewNumberAttribute("1"),
		"b":    events.NewBinaryAttribute([]byte{0, 1, 0xff}),
		"ok":   events.NewBooleanAttribute(true),
		"none": events.NewNullAttribute(),
		"list": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewStringAttribute("x"), events.NewNumberAttribute("2.5")}),
		"map": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"inner": events.NewStringAttribute("y"),
			"empty": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{}),
		}),
		"ss": events.NewStringSetAttribute([]string{"s"}),
		"ns": events.NewNumberSetAttribute([]string{"7"}),
		"bs": events.NewBinarySetAttribute([][]byte{{9}}),
	}
	updated := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("a"), "n": events.NewNumberAttribute("2")}
	want := []struct {
		name               string
		oldImage, newImage map[string]events.DynamoDBAttributeValue
	}{
		{"INSERT", nil, full},
		{"MODIFY", full, updated},
		{"REMOVE", updated, nil},
	}
	for i, w := range want {
		r := records[i]
		t.Run(w.name, func(t *testing.T) {
			if r.EventName != w.name {
				t.Fatalf("record %d is %s, want %s", i, r.EventName, w.name)
			}
			if r.EventSource != "aws:dynamodb" || r.EventVersion != "1.1" || r.EventSourceArn != f.arn || r.AWSRegion != "us-west-2" || r.EventID == "" {
				t.Errorf("record header %+v", r)
			}
			ch := r.Change
			if ch.StreamViewType != "NEW_AND_OLD_IMAGES" || ch.SequenceNumber == "" || ch.SizeBytes <= 0 {
				t.Errorf("stream view %q, sequence number %q, size %d", ch.StreamViewType, ch.SequenceNumber, ch.SizeBytes)
			}
			if ch.ApproximateCreationDateTime.IsZero() {
				t.Error("no approximate creation time")
			}
			if !reflect.DeepEqual(ch.Keys, key) {
				t.Errorf("keys %v, want %v", ch.Keys, key)
			}
			if !reflect.DeepEqual(ch.OldImage, w.oldImage) {
				t.Errorf("old image\n got %v\nwant %v", ch.OldImage, w.oldImage)
			}
			if !reflect.DeepEqual(ch.NewImage, w.newImage) {
				t.Errorf("new image\n got %v\nwant %v", ch.NewImage, w.newImage)
			}
		})
	}
	if s0, s1, s2 := records[0].Change.SequenceNumber, records[1].Change.SequenceNumber, records[2].Change.SequenceNumber; s0 == s1 || s1 == s2 {
		t.Errorf("sequence numbers %q, %q, %q are not distinct", s0, s1, s2)
	}
}

func TestStreamPollerFilter(t *testing.T) {
	f := newStreamFixture(t)
	var all, filtered consumer
	insertsOfX := func(r events.DynamoDBEventRecord) bool {
		kind, ok := r.Change.NewImage["kind"]
		return r.EventName == "INSERT" && ok && kind.String() == "x"
	}
	f.run(t, []localrun.StreamConsumer{
		{Name: "all", Function: all.function()},
		{Name: "filtered", Function: filtered.function(), Filter: insertsOfX},
	}, localrun.PollerOptions{FromStart: true})

	item := func(pk, kind, v string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk":   &types.AttributeValueMemberS{Value: pk},
			"kind": &types.AttributeValueMemberS{Value: kind},
			"v":    &types.AttributeValueMemberN{Value: v},
		}
	}
	f.put(t, item("a", "x", "1"))
	f.put(t, item("b", "y", "1"))
	f.put(t, item("a", "x", "2")) // MODIFY of a kind x item
	f.put(t, item("c", "x", "1"))
	// A last insert that passes the filter: it arrives after every record
	// written before it (a new table's stream has one shard, read in
	// order), so once it is here a wrongly passed record would be too.
	f.put(t, item("z", "x", "1"))

	all.waitRecords(t, 5)
	var got []string
	for _, b := range filtered.waitRecords(t, 3) {
		got = append(got, keysOf(b)...)
	}
	if !slices.Equal(got, []string{"a", "c", "z"}) {
		t.Errorf("filtered consumer got %v, want the inserts a, c and z", got)
	}
}

func TestStreamPollerBatches(t *testing.T) {
	f := newStreamFixture(t)
	for _, pk := range []string{"a", "b", "c", "d", "e"} {
		f.putKey(t, pk)
	}
	var c consumer
	f.run(t, []localrun.StreamConsumer{{Name: "pairs", Function: c.function(), BatchSize: 2}}, localrun.PollerOptions{FromStart: true})
	var got [][]string
	for _, b := range c.waitRecords(t, 5) {
		got = append(got, keysOf(b))
	}
	if want := [][]string{{"a", "b"}, {"c", "d"}, {"e"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("batches %v, want %v", got, want)
	}
}

func TestStreamPollerBatchItemFailure(t *testing.T) {
	f := newStreamFixture(t)
	for _, pk := range []string{"a", "b", "c"} {
		f.putKey(t, pk)
	}
	failedOnce := false
	c := consumer{respond: func(batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
		for _, r := range batch {
			if r.Change.Keys["pk"].String() == "b" && !failedOnce {
				failedOnce = true
				return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
					{ItemIdentifier: r.Change.SequenceNumber},
				}}, nil
			}
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	f.run(t, []localrun.StreamConsumer{{Name: "notify", Function: c.function()}}, localrun.PollerOptions{FromStart: true})

	var got [][]string
	for _, b := range c.waitRecords(t, 5) {
		got = append(got, keysOf(b))
	}
	if want := [][]string{{"a", "b", "c"}, {"b", "c"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("batches %v, want %v: redelivery from the failed record", got, want)
	}
}

func TestStreamPollerRetriesThenSkips(t *testing.T) {
	f := newStreamFixture(t)
	f.putKey(t, "bad")
	f.putKey(t, "good")
	failing := consumer{respond: func(batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
		if slices.Contains(keysOf(batch), "bad") {
			return events.DynamoDBEventResponse{}, errors.New("cannot handle bad")
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	var healthy consumer
	f.run(t, []localrun.StreamConsumer{
		{Name: "failing", Function: failing.function(), BatchSize: 1},
		{Name: "healthy", Function: healthy.function()},
	}, localrun.PollerOptions{FromStart: true, MaxRetries: 2})

	var got []string
	for _, b := range failing.waitRecords(t, 4) {
		got = append(got, keysOf(b)...)
	}
	if want := []string{"bad", "bad", "bad", "good"}; !slices.Equal(got, want) {
		t.Errorf("failing consumer got %v, want %v: one try and two retries, then the next record", got, want)
	}
	var healthyGot []string
	for _, b := range healthy.waitRecords(t, 2) {
		healthyGot = append(healthyGot, keysOf(b)...)
	}
	if !slices.Equal(healthyGot, []string{"bad", "good"}) {
		t.Errorf("healthy consumer got %v, want each record once", healthyGot)
	}
}

func TestStreamPollerStartsAtLatest(t *testing.T) {
	f := newStreamFixture(t)
	f.putKey(t, "old")
	var c consumer
	f.run(t, []localrun.StreamConsumer{{Name: "notify", Function: c.function()}}, localrun.PollerOptions{})
	f.putKey(t, "new")
	batches := c.waitRecords(t, 1)
	if got := keysOf(batches[0]); !slices.Equal(got, []string{"new"}) {
		t.Errorf("first batch %v, want only the record written after start", got)
	}
}

func TestNewStreamPollerRejects(t *testing.T) {
	fn := lambda.NewHandler(func() error { return nil })
	streams := dynamodbstreams.New(dynamodbstreams.Options{})
	tests := []struct {
		name      string
		consumers []localrun.StreamConsumer
	}{
		{"no name", []localrun.StreamConsumer{{Function: fn}}},
		{"same name twice", []localrun.StreamConsumer{{Name: "a", Function: fn}, {Name: "a", Function: fn}}},
		{"no function", []localrun.StreamConsumer{{Name: "a"}}},
		{"batch too large", []localrun.StreamConsumer{{Name: "a", Function: fn, BatchSize: 10001}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := localrun.NewStreamPoller(streams, "arn:aws:dynamodb:local", tt.consumers, localrun.PollerOptions{}); err == nil {
				t.Error("NewStreamPoller() succeeded")
			}
		})
	}
	if _, err := localrun.NewStreamPoller(streams, "", nil, localrun.PollerOptions{}); err == nil {
		t.Error("NewStreamPoller() without a stream ARN succeeded")
	}
}
