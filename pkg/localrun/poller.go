package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Defaults, mostly Lambda's own for DynamoDB stream event source mappings.
const (
	defaultBatchSize     = 100
	maxBatchSize         = 10000
	defaultPollInterval  = 250 * time.Millisecond // Lambda polls a shard four times a second
	defaultMaxRetries    = 5
	defaultRetryBackoff  = 200 * time.Millisecond
	maxRetryBackoff      = 5 * time.Second
	defaultStreamTimeout = time.Minute
	// How often shards are listed to find new ones; a closed shard's
	// children are also looked for as soon as it has been read.
	shardDiscoveryInterval = 2 * time.Second
	getRecordsLimit        = 1000
)

// StreamConsumer is one event source mapping: a function the stream feeds.
type StreamConsumer struct {
	// Name names the mapping's function in logs and in its ARN.
	Name     string
	Function lambda.Handler
	// BatchSize is the most records per invocation; 0 means Lambda's 100.
	BatchSize int
	// Filter stands in for the mapping's filter criteria: records it
	// rejects are dropped, not delivered. Nil passes every record.
	Filter func(events.DynamoDBEventRecord) bool
}

// PollerOptions configures a StreamPoller.
type PollerOptions struct {
	// FromStart reads the shards that exist at start from their oldest
	// record (TRIM_HORIZON) instead of only new records (LATEST).
	FromStart bool
	// PollInterval is the pause after an empty read; 0 means 250 ms.
	PollInterval time.Duration
	// MaxRetries is how often a failed batch is retried before its records
	// are logged and skipped; 0 means 5, negative means no retries.
	MaxRetries int
	// RetryBackoff is the pause before the first retry, doubling for each
	// later one; 0 means 200 ms.
	RetryBackoff time.Duration
	// Timeout is the function timeout; 0 means one minute.
	Timeout time.Duration
	// Region goes into each record's awsRegion; empty means us-west-2.
	Region string
	// Logger receives a line per batch and every failure; nil means
	// slog.Default().
	Logger *slog.Logger
}

// StreamPoller feeds a DynamoDB table's stream to Lambda functions as
// Lambda's event source mappings do: in order per shard, parents before
// children, in batches, retrying a failed batch from its first failed record
// when the function reports batch item failures. Each consumer keeps its own
// position, so one that fails does not hold back the others.
type StreamPoller struct {
	streams   *dynamodbstreams.Client
	arn       string
	consumers []*streamConsumer
	opts      PollerOptions
	log       *slog.Logger
	// ready is closed once every consumer holds its position in every
	// shard it reads from the start (see Ready).
	ready chan struct{}
}

type streamConsumer struct {
	StreamConsumer
	fn *function
}

// NewStreamPoller returns a poller for the stream streamARN (a table's
// LatestStreamArn) and its consumers.
func NewStreamPoller(streams *dynamodbstreams.Client, streamARN string, consumers []StreamConsumer, opts PollerOptions) (*StreamPoller, error) {
	if streams == nil || streamARN == "" {
		return nil, errors.New("new stream poller: a streams client and a stream ARN are required")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = defaultMaxRetries
	} else if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = defaultRetryBackoff
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultStreamTimeout
	}
	if opts.Region == "" {
		opts.Region = defaultRegion
	}
	p := &StreamPoller{streams: streams, arn: streamARN, opts: opts, log: opts.Logger, ready: make(chan struct{})}
	if p.log == nil {
		p.log = slog.Default()
	}
	names := map[string]bool{}
	for _, c := range consumers {
		switch {
		case c.Name == "" || names[c.Name]:
			return nil, fmt.Errorf("new stream poller: consumer name %q is empty or used twice", c.Name)
		case c.Function == nil:
			return nil, fmt.Errorf("new stream poller: consumer %q has no function", c.Name)
		case c.BatchSize < 0 || c.BatchSize > maxBatchSize:
			return nil, fmt.Errorf("new stream poller: consumer %q: batch size %d is not within 1 to %d", c.Name, c.BatchSize, maxBatchSize)
		}
		names[c.Name] = true
		if c.BatchSize == 0 {
			c.BatchSize = defaultBatchSize
		}
		p.consumers = append(p.consumers, &streamConsumer{StreamConsumer: c, fn: newFunction(c.Name, c.Function, opts.Region)})
	}
	return p, nil
}

// Ready is closed once every consumer has taken its position in each shard
// that was open when Run started (with FromStart false, a record written
// after that is delivered, one written before is not). It stays open if
// Run fails at start.
func (p *StreamPoller) Ready() <-chan struct{} { return p.ready }

// Run polls until ctx is done, then returns nil. It fails only if the
// stream cannot be described at start; later errors are logged and
// retried, as Lambda would.
func (p *StreamPoller) Run(ctx context.Context) error {
	shards, err := p.listShards(ctx)
	if err != nil {
		return fmt.Errorf("stream poller: %w", err)
	}
	var wg, positioned sync.WaitGroup
	for _, c := range p.consumers {
		positioned.Add(1)
		wg.Go(func() { p.runConsumer(ctx, c, shards, positioned.Done) })
	}
	go func() {
		positioned.Wait()
		close(p.ready)
	}()
	wg.Wait()
	return nil
}

func (p *StreamPoller) listShards(ctx context.Context) ([]types.Shard, error) {
	var shards []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.arn)}
	for {
		out, err := p.streams.DescribeStream(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describe stream %s: %w", p.arn, err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return shards, nil
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
}

// runConsumer reads every shard for one consumer, starting a shard once its
// parent has been read to the end so that each item's changes stay in order.
// It calls positioned once it holds a position in every shard it starts
// reading at once.
func (p *StreamPoller) runConsumer(ctx context.Context, c *streamConsumer, initial []types.Shard, positioned func()) {
	started := map[string]bool{}
	finished := map[string]bool{}
	atStart := map[string]bool{}
	startAt := types.ShardIteratorTypeTrimHorizon
	for _, s := range initial {
		id := aws.ToString(s.ShardId)
		atStart[id] = true
		if !p.opts.FromStart && s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
			// Closed before we started: it holds only old records.
			started[id], finished[id] = true, true
		}
	}
	if !p.opts.FromStart {
		startAt = types.ShardIteratorTypeLatest
	}

	done := make(chan string)
	var wg, first sync.WaitGroup
	defer wg.Wait()
	follow := func(shards []types.Shard, onPosition *sync.WaitGroup) {
		known := map[string]bool{}
		for _, s := range shards {
			known[aws.ToString(s.ShardId)] = true
		}
		for _, s := range shards {
			id := aws.ToString(s.ShardId)
			parent := aws.ToString(s.ParentShardId)
			if started[id] || (parent != "" && known[parent] && !finished[parent]) {
				continue
			}
			started[id] = true
			at := types.ShardIteratorTypeTrimHorizon // a shard that appears later is read whole
			if atStart[id] {
				at = startAt
			}
			var once sync.Once
			mark := func() {}
			if onPosition != nil {
				onPosition.Add(1)
				mark = func() { once.Do(onPosition.Done) }
			}
			wg.Go(func() {
				defer mark() // also when the shard cannot be read at all
				p.readShard(ctx, c, id, at, mark)
				select {
				case done <- id:
				case <-ctx.Done():
				}
			})
		}
	}

	follow(initial, &first)
	go func() {
		first.Wait()
		positioned()
	}()
	ticker := time.NewTicker(shardDiscoveryInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-done:
			finished[id] = true
		case <-ticker.C:
		}
		shards, err := p.listShards(ctx)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("stream: list shards", "consumer", c.Name, "error", err)
			}
			continue
		}
		follow(shards, nil)
	}
}

// readShard delivers one shard's records to one consumer until the shard is
// closed and read, or ctx is done. It calls positioned once it holds an
// iterator.
func (p *StreamPoller) readShard(ctx context.Context, c *streamConsumer, shardID string, at types.ShardIteratorType, positioned func()) {
	log := p.log.With("consumer", c.Name, "shard", shardID)
	iterator, ok := p.shardIterator(ctx, log, shardID, at, "")
	if !ok {
		return
	}
	positioned()
	var pending []events.DynamoDBEventRecord // read, passed the filter, not yet delivered
	var lastRead string                      // sequence number of the last record read
	failures := 0                            // failed attempts at the batch that pending starts
	for ctx.Err() == nil {
		if len(pending) == 0 {
			if iterator == nil {
				log.Debug("stream: shard read to its end")
				return
			}
			out, err := p.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{
				ShardIterator: iterator,
				Limit:         aws.Int32(getRecordsLimit),
			})
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				var expired *types.ExpiredIteratorException
				var gone *types.ResourceNotFoundException
				switch {
				case errors.As(err, &expired):
					if lastRead != "" {
						iterator, ok = p.shardIterator(ctx, log, shardID, types.ShardIteratorTypeAfterSequenceNumber, lastRead)
					} else {
						iterator, ok = p.shardIterator(ctx, log, shardID, at, "")
					}
					if !ok {
						return
					}
				case errors.As(err, &gone):
					log.Warn("stream: shard is gone", "error", err)
					return
				default:
					log.Warn("stream: get records", "error", err)
					sleep(ctx, time.Second)
				}
				continue
			}
			iterator = out.NextShardIterator
			for _, r := range out.Records {
				e, err := eventRecord(r, p.arn, p.opts.Region)
				if err != nil {
					log.Error("stream: undeliverable record skipped", "error", err)
					continue
				}
				lastRead = e.Change.SequenceNumber
				if c.Filter == nil || c.Filter(e) {
					pending = append(pending, e)
				}
			}
			if len(out.Records) == 0 && iterator != nil {
				sleep(ctx, p.opts.PollInterval)
			}
			continue
		}

		batch := pending[:min(c.BatchSize, len(pending))]
		failedAt, err := p.deliver(ctx, log, c, batch)
		if failedAt < 0 {
			pending, failures = pending[len(batch):], 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		// Records before the first failure are done; the retry starts at it.
		if failedAt > 0 {
			failures = 0
		}
		pending = pending[failedAt:]
		rest := batch[failedAt:]
		failures++
		if failures > p.opts.MaxRetries {
			log.Error("stream: records discarded after retries; Lambda would send them to the on-failure destination",
				"firstSequenceNumber", rest[0].Change.SequenceNumber,
				"lastSequenceNumber", rest[len(rest)-1].Change.SequenceNumber,
				"records", len(rest), "attempts", failures, "error", err)
			pending, failures = pending[len(rest):], 0
			continue
		}
		log.Warn("stream: batch failed; retrying from the first failed record",
			"sequenceNumber", rest[0].Change.SequenceNumber, "retry", failures, "error", err)
		sleep(ctx, min(p.opts.RetryBackoff<<(failures-1), maxRetryBackoff))
	}
}

// shardIterator gets an iterator, retrying until ctx is done. ok is false
// when the shard cannot be read any more.
func (p *StreamPoller) shardIterator(ctx context.Context, log *slog.Logger, shardID string, at types.ShardIteratorType, seq string) (iterator *string, ok bool) {
	in := &dynamodbstreams.GetShardIteratorInput{
		StreamArn:         aws.String(p.arn),
		ShardId:           aws.String(shardID),
		ShardIteratorType: at,
	}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	for {
		out, err := p.streams.GetShardIterator(ctx, in)
		if err == nil {
			return out.ShardIterator, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		var gone *types.ResourceNotFoundException
		var trimmed *types.TrimmedDataAccessException
		switch {
		case errors.As(err, &gone):
			log.Warn("stream: shard is gone", "error", err)
			return nil, false
		case errors.As(err, &trimmed) && in.ShardIteratorType != types.ShardIteratorTypeTrimHorizon:
			// The position is past retention: go on from the oldest record kept.
			log.Warn("stream: records trimmed before they were read", "error", err)
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeTrimHorizon, nil
		default:
			log.Warn("stream: get shard iterator", "error", err)
			sleep(ctx, time.Second)
		}
	}
}

// deliver invokes the consumer with batch. It returns -1 when the whole
// batch is done, else the index of the first record to retry from and why.
func (p *StreamPoller) deliver(ctx context.Context, log *slog.Logger, c *streamConsumer, batch []events.DynamoDBEventRecord) (int, error) {
	start := time.Now()
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return 0, fmt.Errorf("encode event: %w", err)
	}
	out, err := c.fn.invoke(ctx, payload, p.opts.Timeout)
	if err != nil {
		return 0, err
	}
	var resp events.DynamoDBEventResponse
	if trimmed := bytes.TrimSpace(out); len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := json.Unmarshal(trimmed, &resp); err != nil {
			// Lambda looks only for batchItemFailures; any other answer is a success.
			log.Warn("stream: response is not a DynamoDBEventResponse; taken as success", "error", err)
		}
	}
	log.Info("stream: batch", "records", len(batch), "failures", len(resp.BatchItemFailures),
		"duration", time.Since(start).Round(time.Microsecond))
	if len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	first := len(batch)
	for _, f := range resp.BatchItemFailures {
		i := slices.IndexFunc(batch, func(e events.DynamoDBEventRecord) bool {
			return e.Change.SequenceNumber == f.ItemIdentifier
		})
		if i < 0 {
			// Lambda treats an empty or unknown itemIdentifier as a failure
			// of the whole batch.
			return 0, fmt.Errorf("batchItemFailures names %q, which is not in the batch", f.ItemIdentifier)
		}
		first = min(first, i)
	}
	return first, fmt.Errorf("function reported %d failed records", len(resp.BatchItemFailures))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
