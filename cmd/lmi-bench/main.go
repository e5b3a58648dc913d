// Command lmi-bench measures what found real problems in the registration
// system, on this machine: the registration rush through the register
// function's handler against the bare DynamoDB transaction (its floor),
// DynamoDB round trips per operation, each function's binary size and cold
// start, mail throughput under the configured SES send rate, and the
// staff console's page render times (its Go benchmarks). It builds
// the functions as their mains wire them (localrun.NewFunction), starts its
// own DynamoDB Local and SES endpoint, judges every rush with the system
// tests' invariant checker (dynamotest.Check), prints a table and writes
// docs/performance.md. `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/calmi/convenings/pkg/localaws"
)

type config struct {
	clients, teams, capacity int
	rounds                   int
	// holds are the transaction holds the rush is run again under, with
	// DynamoDB's conflicts (package conflicts), each path conflictRounds
	// times; none: no such rows.
	holds          []time.Duration
	conflictRounds int
	// The large event (large.go): teams, seats and clients, under one
	// hold; largeHold 0: no large-event rows.
	largeTeams, largeCapacity, largeClients int
	largeHold                               time.Duration
	// queuedHold runs the queued path (and the floor) again under a hold
	// long enough that one item's ceiling binds, not DynamoDB Local; 0: not.
	queuedHold   time.Duration
	coldRuns     int
	mailRate     float64
	mailNotices  int
	doc          string // the Markdown file to write; empty: none
	skip         map[string]bool
	largeDesigns []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lmi-bench:", err)
		os.Exit(1)
	}
}

func bench(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var skip string
	fs := flag.NewFlagSet("lmi-bench", flag.ContinueOnError)
	fs.IntVar(&c.clients, "clients", 32, "concurrent clients in the rushes")
	fs.IntVar(&c.teams, "teams", 500, "team registrations per rush (2 to 8 members each); DynamoDB Local slows as the event's items grow, 2000 takes over 10 minutes")
	fs.IntVar(&c.capacity, "capacity", 300, "seats of the rushed event")
	fs.IntVar(&c.rounds, "rounds", 2, "rounds of every rush, alternating paths; figures are over all rounds")
	var holds string
	fs.StringVar(&holds, "holds", "10ms", `transaction holds to run the rush again under DynamoDB's transaction conflicts, comma-separated durations (5ms,10ms,20ms shows how the figures move); "none" for none`)
	var largeHold, queuedHold string
	fs.StringVar(&queuedHold, "queued-hold", "200ms", `a second hold for the large event's queued path alone (with its floor), long enough that one item's ceiling (1/hold) binds rather than DynamoDB Local; "none" for none`)
	fs.StringVar(&largeHold, "large-hold", "20ms", `transaction hold of the large event's rows (today's direct path, seat pools, the queued path); "none" for none`)
	fs.IntVar(&c.largeTeams, "large-teams", 2000, "teams of the large event")
	fs.IntVar(&c.largeCapacity, "large-capacity", 2000, "seats of the large event")
	fs.IntVar(&c.largeClients, "large-clients", 100, "concurrent clients of the large event")
	var designs string
	fs.StringVar(&designs, "large-designs", "", "the large event's designs to run, comma-separated: direct,pools,queued (all when empty)")
	fs.IntVar(&c.conflictRounds, "conflict-rounds", 1, "rounds of every rush under conflicts (per hold)")
	fs.IntVar(&c.coldRuns, "cold-runs", 7, "cold starts per function (the median is reported)")
	fs.Float64Var(&c.mailRate, "mail-rate", 50, "LMI_SES_MAX_SEND_RATE for the mail measurement (emails per second)")
	fs.IntVar(&c.mailNotices, "mail-notices", 400, "notices the mailer sends")
	fs.StringVar(&c.doc, "doc", "", "write the report to this Markdown file (docs/performance.md)")
	fs.StringVar(&skip, "skip", "", "comma-separated measurements to skip: rush,large,calls,cold,mail,pages,sim")
	err := fs.Parse(args)
	if err != nil {
		return err
	}
	if c.holds, err = parseHolds(holds); err != nil {
		return err
	}
	if lh, err := parseHolds(largeHold); err != nil {
		return fmt.Errorf("-large-hold: %w", err)
	} else if len(lh) > 1 {
		return errors.New("-large-hold: one hold")
	} else if len(lh) == 1 {
		c.largeHold = lh[0]
	}
	if qh, err := parseHolds(queuedHold); err != nil {
		return fmt.Errorf("-queued-hold: %w", err)
	} else if len(qh) > 1 {
		return errors.New("-queued-hold: one hold")
	} else if len(qh) == 1 && c.largeHold > 0 {
		c.queuedHold = qh[0]
	}
	for _, d := range splitComma(designs) {
		if !slices.Contains([]string{"direct", "pools", "queued"}, d) {
			return fmt.Errorf("-large-designs: %q is not one of direct, pools, queued", d)
		}
		c.largeDesigns = append(c.largeDesigns, d)
	}
	c.skip = map[string]bool{}
	for _, s := range splitComma(skip) {
		c.skip[s] = true
	}

	began := time.Now()
	fmt.Fprintln(out, "lmi-bench: starting the SES endpoint (and a fresh DynamoDB Local per measurement)")
	ses, err := localaws.StartSES(ctx, localaws.SESOptions{})
	if err != nil {
		return err
	}
	defer ses.Stop()
	l := newLab(ses.Endpoint())
	defer l.stop()
	rep := &report{config: c, machine: describeMachine(), started: began}
	steps := []struct {
		name string
		do   func(context.Context, *lab, *report) error
		// noTable: the step needs no DynamoDB Local of its own.
		noTable bool
	}{
		{"rush", measureRush, false},
		{"large", measureLarge, false},
		{"calls", measureCalls, false},
		{"mail", measureMail, false},
		{"cold", measureColdStart, false},
		{"pages", measurePages, true},
		{"sim", measureSimulation, true},
	}
	for _, s := range steps {
		if c.skip[s.name] {
			continue
		}
		t := time.Now()
		fmt.Fprintf(out, "lmi-bench: %s ...\n", s.name)
		if !s.noTable {
			if err := l.freshDynamoDB(ctx); err != nil {
				return err
			}
		}
		if err := s.do(ctx, l, rep); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(out, "lmi-bench: %s done in %v\n", s.name, time.Since(t).Round(100*time.Millisecond))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.elapsed = time.Since(began)
	rep.printTable(out)
	if c.doc != "" {
		if err := rep.writeDoc(c.doc); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", c.doc)
	}
	if n := rep.problemCount(); n > 0 {
		return errors.New(fmt.Sprint(n, " invariant violations or failed requests: see above"))
	}
	return nil
}

// parseHolds reads -holds: durations such as 5ms, comma-separated, each
// above zero; "none" or "" for none.
func parseHolds(s string) ([]time.Duration, error) {
	if s == "none" {
		return nil, nil
	}
	var holds []time.Duration
	for _, part := range splitComma(s) {
		d, err := time.ParseDuration(part)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("-holds: %q is not a duration above zero such as 10ms", part)
		}
		holds = append(holds, d)
	}
	return holds, nil
}
