package main

import (
	"context"
	"fmt"
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
			return rawRush(ctx, l, "floor: 1 TransactWriteItems (counter + 1 item)", c.clients, c.teams, false)
		},
		func() (*rushResult, error) {
			return rawRush(ctx, l, "floor: 1 TransactWriteItems (counter + 3 items, as a registration)", c.clients, c.teams, true)
		},
		func() (*rushResult, error) {
			return handlerRush(ctx, l, "handler, seats available", c.clients, c.teams, 8*c.teams)
		},
		func() (*rushResult, error) {
			return handlerRush(ctx, l, fmt.Sprintf("handler, %d seats (most waitlisted)", c.capacity), c.clients, c.teams, c.capacity)
		},
	}
	return runRounds(ctx, l, rep, steps)
}

// runRounds runs every step once per round, each on a fresh DynamoDB
// Local (the caller's is fresh for the first), and adds each step's
// rounds together to the report: alternating paths over rounds spreads
// the machine's noise over all of them.
func runRounds(ctx context.Context, l *lab, rep *report, steps []func() (*rushResult, error)) error {
	results := make([]*rushResult, len(steps))
	for round := range max(rep.config.rounds, 1) {
		for i, step := range steps {
			if round > 0 || i > 0 {
				if err := l.freshDynamoDB(ctx); err != nil {
					return err
				}
			}
			r, err := step()
			if err != nil {
				return err
			}
			printRush(r)
			if results[i] == nil {
				results[i] = r
			} else {
				results[i].merge(r)
			}
		}
	}
	rep.rushes = append(rep.rushes, results...)
	return nil
}

// printRush prints one rush as it finishes.
func printRush(r *rushResult) {
	fmt.Printf("  %-62s %6.0f/s  p50 %7s ms  p99 %7s ms  %s\n", r.name, r.run.perSecond(), ms(r.run.lat.quantile(.5)), ms(r.run.lat.quantile(.99)), r.calls)
	for _, p := range r.problems {
		fmt.Println("    PROBLEM:", p)
	}
}
