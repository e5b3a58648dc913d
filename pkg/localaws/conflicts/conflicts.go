// Package conflicts puts DynamoDB's transaction conflicts in front of
// DynamoDB Local. DynamoDB Local runs transactions one after another, so a
// transaction there never meets another one in flight. DynamoDB does (AWS
// developer guide, "Transaction conflict handling in DynamoDB"):
//
//   - a TransactWriteItems with an item that another ongoing
//     TransactWriteItems holds is cancelled: TransactionCanceledException,
//     reason TransactionConflict for that item;
//   - a PutItem, UpdateItem or DeleteItem on such an item fails with
//     TransactionConflictException;
//   - a TransactGetItems that reads such an item is cancelled like a
//     write transaction;
//   - a GetItem does not conflict (both succeed), nor do Query, Scan and
//     BatchGetItem, which read committed values;
//
// and the SDK retries none of them (of the transaction errors it retries only
// TransactionInProgressException, a ClientRequestToken still in flight).
//
// A Proxy is an HTTP endpoint that clients use in place of DynamoDB
// Local's. It reads each request's items, keeps the holds of the
// transactions in flight, refuses what conflicts with them with the answer
// DynamoDB sends (status, headers and JSON body of the same shape, so the
// SDK's deserializer, its retryer and the caller's error handling see what
// they would see in AWS), and hands everything else to DynamoDB Local
// unchanged (net/http/httputil's ReverseProxy).
//
// The model of time: a TransactWriteItems holds each of its items from its
// arrival for Options.Hold if it commits (DynamoDB's prepare and commit
// rounds) and answers no sooner; one that is cancelled, by a conflict here
// or by a condition at DynamoDB Local, holds the items it prepared for
// Options.Prepare (one round: it learns it failed, then releases them) and
// answers then. DynamoDB Local executes the transaction while the hold
// runs, so the hold is the model's time and not DynamoDB Local's: when
// DynamoDB Local is slower than Hold, the items are free again before it is
// done, and its serial execution keeps every outcome serializable (the
// client has no answer yet, so either order is one DynamoDB could produce).
//
// Not modelled: a plain write's own few milliseconds in flight (a
// TransactGetItems never meets one here), BatchWriteItem's writes (passed
// through), ClientRequestToken idempotency, throughput limits and
// throttling. Items are told apart by their key attributes' JSON, so the
// number 1 and 1.0 are two items here.
package conflicts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/localaws"
)

// Options sets the model's time.
type Options struct {
	// Hold is how long a transaction that commits holds its items, from
	// its arrival; its answer comes no sooner. Published figures for a
	// TransactWriteItems in-region are tens of milliseconds end to end
	// (see docs/performance.md); the items are held for part of that.
	Hold time.Duration
	// Prepare is how long a cancelled transaction holds the items it
	// prepared, from its arrival, and when its refusal is answered. 0
	// means Hold/2.
	Prepare time.Duration
}

// Proxy is DynamoDB Local behind DynamoDB's transaction conflicts. It is an
// http.Handler; Start serves it on a local port. It is safe for concurrent
// use.
type Proxy struct {
	opts   Options
	proxy  *httputil.ReverseProxy
	tables *dynamodb.Client // DynamoDB Local, for the tables' key schemas
	keys   sync.Map         // table name -> []string, its key attributes

	mu     sync.Mutex
	held   map[string]hold // item -> the transaction holding it, and until when
	owners uint64
	prune  int // prune expired holds when held grows past this

	stats struct {
		transactions, committed, conflicts, cancelled, writeConflicts, readConflicts atomic.Int64
	}

	srv      *http.Server
	endpoint string
}

type hold struct {
	owner uint64
	until time.Time
}

// New returns a Proxy in front of the DynamoDB endpoint upstream (DynamoDB
// Local's). Serve it yourself (it is an http.Handler) or use Start.
func New(upstream string, opts Options) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("conflicts: upstream %q is not an absolute URL", upstream)
	}
	if opts.Hold < 0 || opts.Prepare < 0 {
		return nil, fmt.Errorf("conflicts: negative hold %v or prepare %v", opts.Hold, opts.Prepare)
	}
	if opts.Prepare == 0 {
		opts.Prepare = opts.Hold / 2
	}
	tables, err := localaws.NewDynamoDBClient(context.Background(), upstream)
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	p := &Proxy{opts: opts, tables: tables, held: map[string]hold{}, prune: 4096}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) },
		// As many connections as clients: the default two idle ones per
		// host would open a connection per request under a rush.
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true, // pass the bodies as they are
		},
		ModifyResponse: p.settle,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if t, ok := r.Context().Value(txKey{}).(*transaction); ok {
				p.release(t, time.Now())
			}
			http.Error(w, "conflicts: DynamoDB Local: "+err.Error(), http.StatusBadGateway)
		},
	}
	return p, nil
}

// Start serves a new Proxy in front of upstream on a free port of
// 127.0.0.1 until Close. ctx is unused; it keeps the shape of the other
// Start functions of localaws.
func Start(ctx context.Context, upstream string, opts Options) (*Proxy, error) {
	p, err := New(upstream, opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	p.endpoint = "http://" + ln.Addr().String()
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Endpoint is the URL to give DynamoDB clients (Start only).
func (p *Proxy) Endpoint() string { return p.endpoint }

// Close stops serving (Start only).
func (p *Proxy) Close() error {
	if p.srv == nil {
		return nil
	}
	return p.srv.Close()
}

// Options returns the model's time as the proxy uses it (Prepare filled in).
func (p *Proxy) Options() Options { return p.opts }

// Stats counts what the proxy saw since it started.
type Stats struct {
	// Transactions is the TransactWriteItems requests received: Committed
	// + Conflicts + Cancelled + those DynamoDB Local refused otherwise.
	Transactions int64
	// Committed is the transactions DynamoDB Local committed.
	Committed int64
	// Conflicts is the transactions cancelled here with TransactionConflict:
	// an item was held by another transaction.
	Conflicts int64
	// Cancelled is the transactions DynamoDB Local cancelled (a condition
	// failed, usually).
	Cancelled int64
	// WriteConflicts is the PutItem, UpdateItem and DeleteItem requests
	// refused with TransactionConflictException.
	WriteConflicts int64
	// ReadConflicts is the TransactGetItems requests cancelled with
	// TransactionConflict.
	ReadConflicts int64
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	s := &p.stats
	return Stats{Transactions: s.transactions.Load(), Committed: s.committed.Load(), Conflicts: s.conflicts.Load(),
		Cancelled: s.cancelled.Load(), WriteConflicts: s.writeConflicts.Load(), ReadConflicts: s.readConflicts.Load()}
}

// target is the prefix of X-Amz-Target for DynamoDB's operations.
const target = "DynamoDB_20120810."

// ServeHTTP answers one DynamoDB request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "conflicts: read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), target)
	switch op {
	case "TransactWriteItems":
		p.transactWrite(w, r, body)
	case "TransactGetItems":
		p.transactGet(w, r, body)
	case "PutItem", "UpdateItem", "DeleteItem":
		p.write(w, r, body)
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

// transaction is a TransactWriteItems in flight, for settle.
type transaction struct {
	owner uint64
	items []string
	start time.Time
}

type txKey struct{}

func (p *Proxy) transactWrite(w http.ResponseWriter, r *http.Request, body []byte) {
	p.stats.transactions.Add(1)
	items, err := p.items(r.Context(), body)
	if err != nil {
		p.proxy.ServeHTTP(w, r) // DynamoDB Local judges what cannot be read here
		return
	}
	start := time.Now()
	owner, conflicting := p.acquire(items, start)
	if conflicting != nil {
		p.stats.conflicts.Add(1)
		sleepUntil(r.Context(), start.Add(p.opts.Prepare))
		writeAnswer(w, cancelledAnswer(conflicting))
		return
	}
	t := &transaction{owner: owner, items: items, start: start}
	p.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), txKey{}, t)))
}

// settle holds a transaction's answer until its hold ends: Hold if it
// committed, Prepare if DynamoDB Local cancelled it; anything else
// DynamoDB refuses before preparing, so its items are released at once.
func (p *Proxy) settle(resp *http.Response) error {
	ctx := resp.Request.Context()
	t, ok := ctx.Value(txKey{}).(*transaction)
	if !ok {
		return nil
	}
	switch cancelled, err := isCancellation(resp); {
	case err != nil:
		p.release(t, time.Now())
		return err
	case resp.StatusCode == http.StatusOK:
		p.stats.committed.Add(1)
		sleepUntil(ctx, t.start.Add(p.opts.Hold))
	case cancelled:
		p.stats.cancelled.Add(1)
		end := t.start.Add(p.opts.Prepare)
		p.release(t, end)
		sleepUntil(ctx, end)
	default:
		p.release(t, time.Now())
	}
	return nil
}

// isCancellation reports whether resp is a TransactionCanceledException,
// leaving its body readable.
func isCancellation(resp *http.Response) (bool, error) {
	if resp.StatusCode != http.StatusBadRequest {
		return false, nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return false, fmt.Errorf("conflicts: read DynamoDB Local's answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return strings.HasSuffix(errorType(body), "#"+codeCanceled), nil
}

func (p *Proxy) transactGet(w http.ResponseWriter, r *http.Request, body []byte) {
	items, err := p.items(r.Context(), body)
	if err != nil {
		p.proxy.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	if conflicting := p.heldByOthers(items, 0, start); conflicting != nil {
		p.stats.readConflicts.Add(1)
		sleepUntil(r.Context(), start.Add(p.opts.Prepare))
		writeAnswer(w, cancelledAnswer(conflicting))
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// write refuses a plain write to an item a transaction holds, at once: a
// single-item write is one round to the item's storage node.
func (p *Proxy) write(w http.ResponseWriter, r *http.Request, body []byte) {
	items, err := p.items(r.Context(), body)
	if err != nil {
		p.proxy.ServeHTTP(w, r)
		return
	}
	if p.heldByOthers(items, 0, time.Now()) != nil {
		p.stats.writeConflicts.Add(1)
		writeAnswer(w, conflictAnswer())
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// acquire takes holds on items for a new transaction starting at now, and
// returns its owner id. If another transaction holds any of them, it
// returns which (conflicting[i]) and holds the others only for Prepare:
// the cancelled transaction prepared them before it learnt it failed.
func (p *Proxy) acquire(items []string, now time.Time) (owner uint64, conflicting []bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.owners++
	owner = p.owners
	conflicting = p.heldLocked(items, owner, now)
	until := now.Add(p.opts.Hold)
	if conflicting != nil {
		until = now.Add(p.opts.Prepare)
	}
	for i, it := range items {
		if conflicting == nil || !conflicting[i] {
			p.held[it] = hold{owner: owner, until: until}
		}
	}
	if len(p.held) > p.prune {
		for it, h := range p.held {
			if !h.until.After(now) {
				delete(p.held, it)
			}
		}
		p.prune = max(4096, 2*len(p.held))
	}
	return owner, conflicting
}

// heldByOthers reports which items a transaction other than owner holds
// at now; nil if none.
func (p *Proxy) heldByOthers(items []string, owner uint64, now time.Time) []bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.heldLocked(items, owner, now)
}

func (p *Proxy) heldLocked(items []string, owner uint64, now time.Time) []bool {
	var conflicting []bool
	for i, it := range items {
		if h, ok := p.held[it]; ok && h.owner != owner && h.until.After(now) {
			if conflicting == nil {
				conflicting = make([]bool, len(items))
			}
			conflicting[i] = true
		}
	}
	return conflicting
}

// release ends t's holds at end (if they last longer).
func (p *Proxy) release(t *transaction, end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range t.items {
		if h, ok := p.held[it]; ok && h.owner == t.owner && h.until.After(end) {
			h.until = end
			p.held[it] = h
		}
	}
}

// sleepUntil waits until t, or until ctx ends (the client gave up).
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// keySchema returns table's key attribute names, asking DynamoDB Local
// once per table.
func (p *Proxy) keySchema(ctx context.Context, table string) ([]string, error) {
	if v, ok := p.keys.Load(table); ok {
		return v.([]string), nil
	}
	out, err := p.tables.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, fmt.Errorf("describe table %s: %w", table, err)
	}
	var names []string
	for _, k := range out.Table.KeySchema {
		names = append(names, aws.ToString(k.AttributeName))
	}
	if len(names) == 0 {
		return nil, errors.New("describe table " + table + ": no key schema")
	}
	p.keys.Store(table, names)
	return names, nil
}
