package main

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
)

// A simulation of the minute (part 4): 20,000 teams registering
// for one event in AWS, through API Gateway's throttle, Lambda's
// concurrency and its ramp-up, and DynamoDB's limits, for each design the
// benchmark measures (today's direct path, seat pools, the queued path),
// with what it costs and what gives first. No AWS account is reachable
// from here, so the service limits and latencies below are AWS's
// published figures or stated assumptions (docs/performance.md lists
// each with its source); the retry policy is the store's own
// (dynamostore.Backoff, MaxAttempts). It is a discrete-event simulation
// with a fixed seed: the same run gives the same figures.

// simParams are the simulation's inputs.
type simParams struct {
	teams int
	// Arrivals: frontShare of the teams within frontWindow of the opening
	// (everyone waiting for the minute), the rest evenly over window.
	window, frontWindow time.Duration
	frontShare          float64
	// API Gateway: the register route's throttle (token bucket) and the
	// account's (10,000 requests a second, burst 5,000, per Region).
	routeRate, routeBurst     float64
	accountRate, accountBurst float64
	// Lambda: the account's concurrency, the per-function scaling rate
	// (1,000 environments per 10 s, refilled continuously), a cold
	// start, and the HTTP functions' timeout.
	accountConcurrency int
	scalePer10s        int
	coldStart          time.Duration
	timeout            time.Duration
	// DynamoDB: how long a transaction holds its items (the model of the
	// conflicts bench), a transaction's and a read's latency, and one
	// partition's write units a second.
	hold, txLatency, readLatency time.Duration
	partitionWRU                 float64
	// splitEvent puts the event's item collection on partitions of
	// their own by kind: the event item, the organizations' claims, the
	// waiting-list entries, the audit records (as DynamoDB's split for
	// heat makes them once the heat lasts: its blog series on partitions
	// and split for heat shows splits within minutes); false: one
	// partition for all of them, as before any split.
	splitEvent bool
	// A client refused (429, or a 5xx) tries again after 1 to 3 s, at
	// most retries times (the website's "try again in a few seconds").
	retries int
	// The event: capacity in seats, teams of 2 to 8 (5 on average).
	capacity int
	// SES's sending rate (a production account's starting quota).
	sesRate float64
}

func defaultSimParams() simParams {
	return simParams{
		teams: 20000, window: time.Minute, frontWindow: 5 * time.Second, frontShare: 0.4,
		routeRate: 20, routeBurst: 40, accountRate: 10000, accountBurst: 5000,
		accountConcurrency: 1000, scalePer10s: 1000, coldStart: 250 * time.Millisecond, timeout: 10 * time.Second,
		hold: 15 * time.Millisecond, txLatency: 25 * time.Millisecond, readLatency: 6 * time.Millisecond, partitionWRU: 1000,
		retries: 3, capacity: 2000, sesRate: 14,
	}
}

// The published prices the bill uses (docs/cost.md: US West (Oregon), read
// 2026-12-07).
const (
	priceAPIPerMillion    = 1.00
	priceLambdaPerMillion = 0.20
	priceLambdaGBSecond   = 0.0000133334
	priceWRUPerMillion    = 0.625
	priceRRUPerMillion    = 0.125
	priceSESPerThousand   = 0.16
	lambdaGB              = 0.25 // 256 MB
)

// Write units per team, by item (a transactional write costs two per KB
// of each item): the registration (about 2 KB), each small item (the
// organization's claim, a waiting-list entry, a notice, an audit record,
// a place in line, the sequencer's lease) and the event item (under 1 KB).
const (
	wruRegistration = 4
	wruSmall        = 2
	wruEvent        = 2
)

// simDesign is a design as the simulation runs it.
type simDesign int

const (
	simDirect simDesign = iota
	simPools
	simQueued
	// simQueuedLateClaim is the queued path with the organization's
	// claim taken when the team is placed rather than when it is
	// received (not built: a step the simulation weighs).
	simQueuedLateClaim
)

func (d simDesign) String() string {
	return [...]string{"direct (today's path)", fmt.Sprintf("%d seat pools", poolCount), "queued (sequencer)",
		"queued, claim taken when placed (not built)"}[d]
}

// simResult is one design under one scenario.
type simResult struct {
	design   simDesign
	scenario string
	// Outcomes of the teams: decided (registered or waitlisted), and
	// those that gave up after their retries, by the last refusal.
	decided, gaveUp429, gaveUp500, gaveUp503 int
	// Refusals seen, retries included.
	throttled429, lambda500, busy503 int
	// Decided within the minute (from the opening), and when the last
	// was decided.
	inMinute int
	last     time.Duration
	// decide is each decided team's time from its first request to its
	// decision; answer to its last answer.
	decide, answer latencies
	// peakConcurrency of the register function; coldStarts.
	peakConcurrency, coldStarts int
	// The event's partition: its busiest second, in write units.
	peakPartitionWRU float64
	// What the minute bills.
	apiRequests, lambdaRequests int
	gbSeconds, wru, rru         float64
	emails                      int
	mailMinutes                 float64
	// seatsTaken at the end (the checks: never over capacity).
	seatsTaken int
	// firstLimit names what gave first, and when.
	firstLimit string
	firstAt    time.Duration
}

func (r simResult) cost() (api, lambda, dynamo, ses, total float64) {
	api = float64(r.apiRequests) / 1e6 * priceAPIPerMillion
	lambda = float64(r.lambdaRequests)/1e6*priceLambdaPerMillion + r.gbSeconds*priceLambdaGBSecond
	dynamo = r.wru/1e6*priceWRUPerMillion + r.rru/1e6*priceRRUPerMillion
	ses = float64(r.emails) / 1000 * priceSESPerThousand
	return api, lambda, dynamo, ses, api + lambda + dynamo + ses
}

// The engine: events in time order.
type simEvent struct {
	at  time.Duration
	seq int
	fn  func()
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// bucket is a token bucket (API Gateway's throttles).
type bucket struct {
	rate, burst, tokens float64
	at                  time.Duration
}

func (b *bucket) take(now time.Duration) bool {
	b.tokens = math.Min(b.burst, b.tokens+b.rate*(now-b.at).Seconds())
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// partition spends one partition's write units, a second at a time: a
// write that finds the second spent waits for the next (the SDK's retries
// of a throttled write, in effect).
type partition struct {
	limit float64
	used  map[int64]float64
	peak  float64
}

// write books wru units at or after now and returns when they were taken.
func (p *partition) write(now time.Duration, wru float64) time.Duration {
	s := int64(now / time.Second)
	for p.used[s]+wru > p.limit && p.used[s] > 0 {
		s++
	}
	p.used[s] += wru
	p.peak = math.Max(p.peak, p.used[s])
	if start := time.Duration(s) * time.Second; start > now {
		return start
	}
	return now
}

// item is one DynamoDB item that transactions hold: busy until.
type item struct{ busyUntil time.Duration }

type sim struct {
	p      simParams
	design simDesign
	rng    *rand.Rand
	q      simQueue
	seq    int
	now    time.Duration
	res    simResult

	route, account bucket
	// Lambda: environments created, free ones, the scaling budget.
	envs, busy  int
	scaleBudget float64
	scaleAt     time.Duration
	event       item
	pools       []item
	poolSeats   []int
	waitlist    item
	// The event's partition key's items, by kind: one partition unless
	// p.splitEvent, and then the claims (random keys) over claimSplits.
	eventPart, entryPart, auditPart *partition
	claimParts                      []*partition
	seatsLeft                       int
	waiting                         int
	full                            bool
	line                            []simTeam // received, not placed (queued)
	seqRunning                      bool
	firstTried                      []time.Duration
}

type simTeam struct {
	id       int
	seats    int
	received time.Duration
}

func (s *sim) at(t time.Duration, fn func()) {
	s.seq++
	heap.Push(&s.q, simEvent{at: t, seq: s.seq, fn: fn})
}

func (s *sim) limit(name string) {
	if s.res.firstLimit == "" {
		s.res.firstLimit, s.res.firstAt = name, s.now
	}
}

// simulate runs one design with p.
func simulate(p simParams, d simDesign, scenario string) simResult {
	s := &sim{p: p, design: d, rng: rand.New(rand.NewPCG(20, uint64(d))),
		route: bucket{rate: p.routeRate, burst: p.routeBurst, tokens: p.routeBurst}, account: bucket{rate: p.accountRate, burst: p.accountBurst, tokens: p.accountBurst},
		scaleBudget: float64(p.scalePer10s), seatsLeft: p.capacity, firstTried: make([]time.Duration, p.teams)}
	newPart := func() *partition { return &partition{limit: p.partitionWRU, used: map[int64]float64{}} }
	s.eventPart = newPart()
	s.claimParts, s.entryPart, s.auditPart = []*partition{s.eventPart}, s.eventPart, s.eventPart
	if p.splitEvent {
		s.entryPart, s.auditPart, s.claimParts = newPart(), newPart(), nil
		for range claimSplits {
			s.claimParts = append(s.claimParts, newPart())
		}
	}
	s.res.design, s.res.scenario = d, scenario
	if d == simPools {
		s.pools, s.poolSeats = make([]item, poolCount), make([]int, poolCount)
		for k := range s.poolSeats {
			s.poolSeats[k] = p.capacity / poolCount
		}
	}
	for i := range p.teams {
		t := time.Duration(s.rng.Float64() * float64(p.window))
		if s.rng.Float64() < p.frontShare {
			t = time.Duration(s.rng.Float64() * float64(p.frontWindow))
		}
		s.firstTried[i] = t
		team := simTeam{id: i, seats: teamSize(i)}
		s.at(t, func() { s.request(team, 0) })
	}
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(simEvent)
		s.now = e.at
		e.fn()
	}
	for _, part := range append([]*partition{s.eventPart, s.entryPart, s.auditPart}, s.claimParts...) {
		s.res.peakPartitionWRU = math.Max(s.res.peakPartitionWRU, part.peak)
	}
	// The notices: one email per decided team, at SES's rate.
	s.res.emails = s.res.decided
	s.res.mailMinutes = float64(s.res.emails) / p.sesRate / 60
	// The mailer: an invocation per 10 notices, 300 ms an email; its
	// claim, batch read and sent mark (2 + 2 write units, 2.5 read units).
	s.res.lambdaRequests += s.res.emails / 10
	s.res.gbSeconds += float64(s.res.emails) * 0.3 * lambdaGB
	s.res.wru += float64(s.res.emails) * 4
	s.res.rru += float64(s.res.emails) * 2.5
	slices.Sort(s.res.decide)
	s.res.seatsTaken = p.capacity - s.seatsLeft
	if d == simPools {
		s.res.seatsTaken = p.capacity
		for _, left := range s.poolSeats {
			s.res.seatsTaken -= left
		}
	}
	return s.res
}

// request is one HTTP request of a team (attempt 0 is its first).
func (s *sim) request(t simTeam, attempt int) {
	s.res.apiRequests++
	refuse := func(kind int) {
		if attempt >= s.p.retries {
			switch kind {
			case 429:
				s.res.gaveUp429++
			case 500:
				s.res.gaveUp500++
			default:
				s.res.gaveUp503++
			}
			return
		}
		back := time.Second + time.Duration(s.rng.Float64()*float64(2*time.Second))
		s.at(s.now+back, func() { s.request(t, attempt+1) })
	}
	if !s.account.take(s.now) || !s.route.take(s.now) {
		s.res.throttled429++
		s.limit("API Gateway's throttle of the register route")
		refuse(429)
		return
	}
	// A Lambda execution environment: a free one, a new one (cold) within
	// the account's concurrency and the function's scaling rate, or none
	// (Lambda throttles; API Gateway answers 500).
	start := s.now
	s.scaleBudget = math.Min(float64(s.p.scalePer10s), s.scaleBudget+float64(s.p.scalePer10s)*(s.now-s.scaleAt).Seconds()/10)
	s.scaleAt = s.now
	switch {
	case s.busy < s.envs:
	case s.envs < s.p.accountConcurrency && s.scaleBudget >= 1:
		s.envs++
		s.scaleBudget--
		s.res.coldStarts++
		start += s.p.coldStart
	default:
		s.res.lambda500++
		if s.envs >= s.p.accountConcurrency {
			s.limit("Lambda's concurrency (the account's 1,000)")
		} else {
			s.limit("Lambda's scaling rate (1,000 environments per 10 s)")
		}
		refuse(500)
		return
	}
	s.busy++
	s.res.peakConcurrency = max(s.res.peakConcurrency, s.busy)
	s.res.lambdaRequests++
	arrived := s.now
	done := func(end time.Duration, ok bool, decided bool) {
		s.at(end, func() {
			s.busy--
			s.res.gbSeconds += (end - arrived).Seconds() * lambdaGB
			s.res.answer = append(s.res.answer, end-s.firstTried[t.id])
			if decided {
				s.decide(t, end)
			}
			if !ok {
				s.res.busy503++
				refuse(503)
			}
		})
	}
	deadline := start + s.p.timeout - 500*time.Millisecond
	switch s.design {
	case simDirect:
		s.direct(t, start, deadline, done)
	case simPools:
		s.poolsRegister(t, start, deadline, done)
	case simQueued, simQueuedLateClaim:
		s.receive(t, start, done)
	}
}

// decide records team t's decision at time at.
func (s *sim) decide(t simTeam, at time.Duration) {
	s.res.decided++
	s.res.decide = append(s.res.decide, at-s.firstTried[t.id])
	if at <= s.p.window {
		s.res.inMinute++
	}
	s.res.last = max(s.res.last, at)
}

// transact runs one transaction on item it (nil: items nobody else
// writes) at time at, retried as the store retries (its backoff), each
// attempt an event in time order, until it commits or the deadline; then
// it calls back with when it answered and whether it committed. wru are
// its write units, on those it books on the event's partitions.
func (s *sim) transact(it *item, at, deadline time.Duration, wru float64, on []booking, then func(end time.Duration, ok bool)) {
	pace := &simBackoff{rng: s.rng}
	var attempt func(n int)
	attempt = func(n int) {
		if it != nil && it.busyUntil > s.now {
			// Cancelled for a conflict once prepared: half a hold, and
			// the time there and back; then the store's pause.
			back := s.now + s.p.hold/2 + s.p.readLatency
			d := pace.Next()
			if back+d > deadline || n == dynamostore.MaxAttempts {
				s.at(back, func() { then(s.now, false) })
				return
			}
			s.at(back+d, func() { attempt(n + 1) })
			return
		}
		begin := s.now
		for _, b := range on {
			begin = max(begin, b.p.write(s.now, b.wru))
		}
		if begin > s.now {
			s.limit("a partition of the event's items (1,000 write units a second)")
		}
		if it != nil {
			it.busyUntil = begin + s.p.hold
		}
		s.res.wru += wru
		s.at(begin+s.p.txLatency, func() { then(s.now, true) })
	}
	s.at(at, func() { attempt(1) })
}

// simBackoff is dynamostore.Backoff's policy (decorrelated jitter from
// BackoffBase under BackoffCeiling) drawn from the simulation's seeded
// source, so that a run is repeatable; Backoff itself draws from the
// process's.
type simBackoff struct {
	rng  *rand.Rand
	prev time.Duration
}

func (b *simBackoff) Next() time.Duration {
	hi := max(3*b.prev, 2*dynamostore.BackoffBase)
	d := min(dynamostore.BackoffCeiling, dynamostore.BackoffBase+time.Duration(b.rng.Int64N(int64(hi-dynamostore.BackoffBase))))
	b.prev = d
	return d
}

// claimSplits is how many partitions the claims' random keys spread over
// once split for heat has split them.
const claimSplits = 8

// claimPart is the partition of team t's claim.
func (s *sim) claimPart(t simTeam) *partition { return s.claimParts[t.id%len(s.claimParts)] }

// booking is write units on one partition.
type booking struct {
	p   *partition
	wru float64
}

// direct: one transaction on the event item (seats, or the waiting list:
// the first team to find the event full also spends a refused one).
func (s *sim) direct(t simTeam, start, deadline time.Duration, done func(time.Duration, bool, bool)) {
	// The event item, the claim, the audit record and, waitlisted, the
	// waiting-list entry; the registration and its notice elsewhere.
	on := []booking{{s.eventPart, wruEvent}, {s.claimPart(t), wruSmall}, {s.auditPart, wruSmall}}
	wru := float64(wruEvent + 2*wruSmall + wruRegistration + wruSmall)
	if s.full {
		on = append(on, booking{s.entryPart, wruSmall})
		wru += wruSmall
	}
	s.transact(&s.event, start, deadline, wru, on, func(end time.Duration, ok bool) {
		if ok && s.seatsLeft >= t.seats && s.waiting == 0 {
			s.seatsLeft -= t.seats
		} else if ok {
			s.full = true
			s.waiting++
		}
		done(end, ok, ok)
	})
}

// poolsRegister: seats from a pool, tried in a random order; the waiting
// list's one item once every pool is full.
func (s *sim) poolsRegister(t simTeam, start, deadline time.Duration, done func(time.Duration, bool, bool)) {
	toList := func(at time.Duration) {
		on := []booking{{s.claimPart(t), wruSmall}, {s.entryPart, wruSmall}, {s.auditPart, wruSmall}}
		s.transact(&s.waitlist, at, deadline, wruEvent+wruRegistration+4*wruSmall, on, func(end time.Duration, ok bool) {
			done(end, ok, ok)
		})
	}
	if s.full {
		toList(start)
		return
	}
	first := s.rng.IntN(poolCount)
	var try func(k int, at time.Duration)
	try = func(k int, at time.Duration) {
		if k == poolCount {
			s.full = true
			toList(at)
			return
		}
		pool := (first + k) % poolCount
		on := []booking{{s.claimPart(t), wruSmall}, {s.auditPart, wruSmall}}
		s.transact(&s.pools[pool], at, deadline, wruEvent+wruRegistration+3*wruSmall, on, func(end time.Duration, ok bool) {
			switch {
			case !ok:
				done(end, false, false)
			case s.poolSeats[pool] >= t.seats:
				s.poolSeats[pool] -= t.seats
				done(end, true, true)
			default:
				try(k+1, end) // refused by its condition: the next pool
			}
		})
	}
	try(0, start)
}

// receive: the queued path. The team is received in one transaction on
// items nobody else writes (its claim, under the event's partition key;
// the registration; its place in line), answered, and placed later by
// the sequencer.
func (s *sim) receive(t simTeam, start time.Duration, done func(time.Duration, bool, bool)) {
	var on []booking
	if s.design == simQueued {
		on = []booking{{s.claimPart(t), wruSmall}}
	}
	s.transact(nil, start, start+s.p.timeout, wruSmall+wruRegistration+wruSmall, on, func(end time.Duration, _ bool) {
		done(end, true, false)
		t.received = end
		s.line = append(s.line, t)
		if !s.seqRunning {
			s.seqRunning = true
			s.res.lambdaRequests++
			s.at(s.now+100*time.Millisecond, s.placeBatch) // the stream's delivery
		}
	})
}

// placeBatch is one turn of the sequencer: it reads the line (8 queries,
// a batch read and the event, at once), places up to
// MaxPlacementsPerBatch teams received more than QueueGrace ago in one
// transaction, and goes on; when the line is empty it stops until the next
// team is received.
func (s *sim) placeBatch() {
	slices.SortFunc(s.line, func(a, b simTeam) int { return int(a.received - b.received) })
	ready := 0
	for ready < len(s.line) && ready < convening.MaxPlacementsPerBatch && s.line[ready].received <= s.now-convening.QueueGrace {
		ready++
	}
	s.res.rru += 8 + float64(ready)*0.5 + 1
	if ready == 0 {
		if len(s.line) == 0 {
			s.seqRunning = false
			return
		}
		next := s.line[0].received + convening.QueueGrace
		s.res.gbSeconds += (next - s.now).Seconds() * lambdaGB
		s.at(next, s.placeBatch)
		return
	}
	batch := s.line[:ready]
	// Per team on the event's partition key: its waiting-list entry (or
	// none) and its audit record; elsewhere its registration, notice and
	// the deletion of its place in line; once per batch the event and the
	// lease.
	entries, audits := 0.0, 0.0
	other := float64(wruEvent + wruSmall)
	for _, t := range batch {
		audits += wruSmall
		if s.seatsLeft >= t.seats && s.waiting == 0 {
			s.seatsLeft -= t.seats
		} else {
			s.waiting++
			entries += wruSmall
		}
		other += wruRegistration + 2*wruSmall
	}
	on := []booking{{s.eventPart, wruEvent}, {s.entryPart, entries}, {s.auditPart, audits}}
	if s.design == simQueuedLateClaim {
		for _, t := range batch {
			on = append(on, booking{s.claimPart(t), wruSmall})
			other += wruSmall
		}
	}
	placed := slices.Clone(batch)
	s.line = s.line[ready:]
	began := s.now
	s.transact(&s.event, s.now+s.p.readLatency, s.now+time.Hour, entries+audits+other, on, func(end time.Duration, _ bool) {
		s.res.gbSeconds += (end - began).Seconds() * lambdaGB
		for _, t := range placed {
			s.decide(t, end)
		}
		s.placeBatch()
	})
}

// simRow is a scenario: its name and how it sets the parameters.
type simRow struct {
	name string
	set  func(*simParams)
}

var simScenarios = []simRow{
	{"as deployed (register route 20/s, burst 40)", func(*simParams) {}},
	{"register route raised to 2,000/s, burst 5,000", func(p *simParams) { p.routeRate, p.routeBurst = 2000, 5000 }},
	{"raised, and the event's partition split for heat", func(p *simParams) { p.routeRate, p.routeBurst, p.splitEvent = 2000, 5000, true }},
}

// measureSimulation runs every design under every scenario.
func measureSimulation(_ context.Context, _ *lab, rep *report) error {
	for _, sc := range simScenarios {
		p := defaultSimParams()
		sc.set(&p)
		for _, d := range []simDesign{simDirect, simPools, simQueued, simQueuedLateClaim} {
			rep.sims = append(rep.sims, simulate(p, d, sc.name))
		}
	}
	return nil
}

// simTable writes the simulation's rows.
func (r *report) simTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "scenario", "design", "decided in the minute", "all decided after", "gave up (429 / 500 / 503)",
		"refusals seen (429 / 500 / 503)", "decision p50 s", "decision p99 s", "peak concurrency", "cold starts",
		"busiest partition-second of the event's items (WRU)", "gives first", "the minute's bill")
	for _, x := range r.sims {
		_, _, _, _, total := x.cost()
		first := "nothing"
		if x.firstLimit != "" {
			first = fmt.Sprintf("%s, at %.1f s", x.firstLimit, x.firstAt.Seconds())
		}
		after := "-"
		if x.decided > 0 {
			after = fmt.Sprintf("%.0f s", x.last.Seconds())
		}
		row(x.scenario, x.design.String(), fmt.Sprintf("%d of %d", x.inMinute, defaultSimParams().teams), after,
			fmt.Sprintf("%d / %d / %d", x.gaveUp429, x.gaveUp500, x.gaveUp503),
			fmt.Sprintf("%d / %d / %d", x.throttled429, x.lambda500, x.busy503),
			fmt.Sprintf("%.1f", x.decide.quantile(.5).Seconds()), fmt.Sprintf("%.1f", x.decide.quantile(.99).Seconds()),
			itoa(x.peakConcurrency), itoa(x.coldStarts), fmt.Sprintf("%.0f", x.peakPartitionWRU), first, fmt.Sprintf("$%.2f", total))
	}
	row(nil...)
}

// simCostTable writes the bill of each design's minute with the raised
// throttle, by service.
func (r *report) simCostTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "design (register route raised)", "API Gateway", "Lambda", "DynamoDB", "SES (the emails)", "total",
		"requests: API / Lambda", "GB-s", "WRU", "RRU", "emails take")
	for _, x := range r.sims {
		if x.scenario != simScenarios[len(simScenarios)-1].name {
			continue
		}
		api, lambda, dynamo, ses, total := x.cost()
		row(x.design.String(), fmt.Sprintf("$%.3f", api), fmt.Sprintf("$%.3f", lambda), fmt.Sprintf("$%.3f", dynamo),
			fmt.Sprintf("$%.2f", ses), fmt.Sprintf("$%.2f", total), fmt.Sprintf("%d / %d", x.apiRequests, x.lambdaRequests),
			fmt.Sprintf("%.0f", x.gbSeconds), fmt.Sprintf("%.0f", x.wru), fmt.Sprintf("%.0f", x.rru), fmt.Sprintf("%.0f min", x.mailMinutes))
	}
	row(nil...)
}
