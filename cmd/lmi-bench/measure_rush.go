package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/calmi/convenings/pkg/localaws/conflicts"
)

// The same-items floors' names, on DynamoDB Local alone and under conflicts.
const (
	seatFloorName = "floor: 1 TransactWriteItems (counter + claim, registration, notice, audit, one item per person: as a registration)"
	waitFloorName = "floor: 1 TransactWriteItems (counter + the same and a waiting-list entry: as a waitlisted registration)"
)

// measureRush runs the floor and the handler path side by side against the
// same DynamoDB Local: the bare transaction (two items, then the four a
// registration writes), the handler while seats are available (capacity
// for everyone: every registration is the one-transaction path), and the
// issue's rush (most teams end on the waiting list).
func measureRush(ctx context.Context, l *lab, rep *report) error {
	c := rep.config
	steps := []func() (*rushResult, error){
		func() (*rushResult, error) {
			return rawRush(ctx, l, via{}, "floor: 1 TransactWriteItems (counter + 1 item)", c.clients, c.teams, bareFloor)
		},
		func() (*rushResult, error) {
			return rawRush(ctx, l, via{}, seatFloorName, c.clients, c.teams, seatFloor)
		},
		func() (*rushResult, error) {
			return rawRush(ctx, l, via{}, waitFloorName, c.clients, c.teams, waitFloor)
		},
		func() (*rushResult, error) {
			return handlerRush(ctx, l, via{}, "handler, seats available", c.clients, c.teams, 8*c.teams)
		},
		func() (*rushResult, error) {
			return handlerRush(ctx, l, via{}, fmt.Sprintf("handler, %d seats (most waitlisted)", c.capacity), c.clients, c.teams, c.capacity)
		},
	}
	results, err := runRounds(ctx, l, c.rounds, true, steps)
	if err != nil {
		return err
	}
	rep.rushes = append(rep.rushes, results...)
	if len(c.holds) == 0 {
		return nil
	}
	results, err = runRounds(ctx, l, c.conflictRounds, false, conflictSteps(ctx, l, c))
	rep.conflictRushes = append(rep.conflictRushes, results...)
	return err
}

// measureLarge runs the large event's designs side by side (largeSteps),
// once each, on a fresh DynamoDB Local each.
func measureLarge(ctx context.Context, l *lab, rep *report) error {
	c := rep.config
	if c.largeHold == 0 {
		return nil
	}
	steps := largeSteps(ctx, l, c, c.largeHold, c.largeDesign)
	if c.queuedHold > 0 && c.largeDesign("queued") {
		// The queued path again where one item's ceiling, not DynamoDB
		// Local, binds: the other designs would take minutes there.
		steps = append(steps, largeSteps(ctx, l, c, c.queuedHold, func(d string) bool { return d == "queued" })...)
	}
	results, err := runRounds(ctx, l, 1, true, steps)
	rep.largeRushes = append(rep.largeRushes, results...)
	return err
}

// largeSteps are the large event's rows under hold h: the floor at that
// hold (unless the conflict rows have it), then those of today's direct
// path, the seat pools prototype and the queued path that design says to
// run, each with the large event's teams, clients and seats.
func largeSteps(ctx context.Context, l *lab, c config, h time.Duration, design func(string) bool) []func() (*rushResult, error) {
	through := func(path func(via) (*rushResult, error)) func() (*rushResult, error) {
		return func() (*rushResult, error) {
			p, err := conflicts.Start(ctx, l.dynamoURL, conflicts.Options{Hold: h})
			if err != nil {
				return nil, err
			}
			defer p.Close()
			return path(via{proxy: p})
		}
	}
	var steps []func() (*rushResult, error)
	if !slices.Contains(c.holds, h) {
		steps = append(steps, through(func(v via) (*rushResult, error) {
			return rawRush(ctx, l, v, "floor: 1 TransactWriteItems (counter + 1 item)", c.clients, c.teams, bareFloor)
		}))
	}
	size := fmt.Sprintf("%d teams, %d seats", c.largeTeams, c.largeCapacity)
	if design("direct") {
		steps = append(steps, through(func(v via) (*rushResult, error) {
			return largeDirect(ctx, l, v, "large event, direct (today's path): "+size, c.largeClients, c.largeTeams, c.largeCapacity)
		}))
	}
	if design("pools") {
		steps = append(steps, through(func(v via) (*rushResult, error) {
			return poolRush(ctx, l, v, fmt.Sprintf("large event, %d seat pools (prototype): %s", poolCount, size), c.largeClients, c.largeTeams, c.largeCapacity)
		}))
	}
	if design("queued") {
		steps = append(steps, through(func(v via) (*rushResult, error) {
			return queuedRush(ctx, l, v, "large event, queued (sequencer): "+size, c.largeClients, c.largeTeams, c.largeCapacity)
		}))
	}
	return steps
}

// largeDesign reports whether the large event's rows include design
// (-large-designs; all of them when it is empty).
func (c config) largeDesign(design string) bool {
	return len(c.largeDesigns) == 0 || slices.Contains(c.largeDesigns, design)
}

// conflictSteps are the floor and today's two handler paths again, through
// a proxy that gives DynamoDB Local DynamoDB's transaction conflicts, once
// per hold: a transaction holds its items for that long, and whatever
// meets them is refused as DynamoDB refuses it (package conflicts).
func conflictSteps(ctx context.Context, l *lab, c config) []func() (*rushResult, error) {
	var steps []func() (*rushResult, error)
	for _, h := range c.holds {
		paths := []func(via) (*rushResult, error){
			func(v via) (*rushResult, error) {
				return rawRush(ctx, l, v, "floor: 1 TransactWriteItems (counter + 1 item)", c.clients, c.teams, bareFloor)
			},
			func(v via) (*rushResult, error) {
				return rawRush(ctx, l, v, seatFloorName, c.clients, c.teams, seatFloor)
			},
			func(v via) (*rushResult, error) {
				return rawRush(ctx, l, v, waitFloorName, c.clients, c.teams, waitFloor)
			},
			func(v via) (*rushResult, error) {
				return handlerRush(ctx, l, v, "handler, seats available", c.clients, c.teams, 8*c.teams)
			},
			func(v via) (*rushResult, error) {
				return handlerRush(ctx, l, v, fmt.Sprintf("handler, %d seats (most waitlisted)", c.capacity), c.clients, c.teams, c.capacity)
			},
		}
		for _, path := range paths {
			steps = append(steps, func() (*rushResult, error) {
				p, err := conflicts.Start(ctx, l.dynamoURL, conflicts.Options{Hold: h})
				if err != nil {
					return nil, err
				}
				defer p.Close()
				return path(via{proxy: p})
			})
		}
	}
	return steps
}

// runRounds runs every step once per round, each on a fresh DynamoDB
// Local (the caller's is fresh for the first step of the first round if
// fresh), and adds each step's rounds together: alternating paths over
// rounds spreads the machine's noise over all of them.
func runRounds(ctx context.Context, l *lab, rounds int, fresh bool, steps []func() (*rushResult, error)) ([]*rushResult, error) {
	results := make([]*rushResult, len(steps))
	for round := range max(rounds, 1) {
		for i, step := range steps {
			if round > 0 || i > 0 || !fresh {
				if err := l.freshDynamoDB(ctx); err != nil {
					return nil, err
				}
			}
			r, err := step()
			if err != nil {
				return nil, err
			}
			printRush(r)
			if results[i] == nil {
				results[i] = r
			} else {
				results[i].merge(r)
			}
		}
	}
	return results, nil
}

// printRush prints one rush as it finishes.
func printRush(r *rushResult) {
	name := r.name
	if r.hold > 0 {
		name += ", hold " + r.hold.String()
	}
	fmt.Printf("  %-62s %6.0f/s  p50 %7s ms  p99 %7s ms  %s\n", name, r.run.perSecond(), ms(r.run.lat.quantile(.5)), ms(r.run.lat.quantile(.99)), r.calls)
	if r.hold > 0 {
		fmt.Printf("    conflicts %+v, answers %v, registered after a 503: %d, waitlisted told no position: %d\n", r.conflicts, r.statuses, r.lost, r.unplaced)
	}
	for _, p := range r.problems {
		fmt.Println("    PROBLEM:", p)
	}
}
