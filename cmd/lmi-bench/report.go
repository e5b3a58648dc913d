package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured.
type report struct {
	config  config
	machine machine
	started time.Time
	elapsed time.Duration
	rushes  []*rushResult
	// conflictRushes are the rushes again under DynamoDB's transaction
	// conflicts, by hold: each hold's floor first, then its handler paths.
	conflictRushes []*rushResult
	// largeRushes are the large event's designs under the large hold
	// (its floor first, unless among conflictRushes).
	largeRushes []*rushResult
	// sims are the simulated minute of 20,000 teams (simulate.go).
	sims  []simResult
	calls []callRow
	cold  []coldRow
	mail  *mailResult
	pages []pageRow
}

func (r *report) problemCount() int {
	n := 0
	for _, x := range slices.Concat(r.rushes, r.conflictRushes, r.largeRushes) {
		n += len(x.problems)
	}
	if r.mail != nil {
		n += len(r.mail.problems)
	}
	return n
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ratio is x's registrations per second over the floor of the given
// shape's in the same run ("-" if it has none).
func (r *report) ratio(x *rushResult, shape floorShape) string {
	for _, f := range r.rushes {
		if f.floor == shape && f.run.perSecond() > 0 {
			return fmt.Sprintf("%.2f", x.run.perSecond()/f.run.perSecond())
		}
	}
	return "-"
}

// sameItems is the floor that writes the items x writes: the waitlisted
// registration's for a floor of that shape and for a rush that ended
// mostly on the waiting list, a seated registration's otherwise.
func (x *rushResult) sameItems() floorShape {
	if x.floor == waitFloor || (x.floor == notFloor && x.count("waitlisted") > x.count("registered")) {
		return waitFloor
	}
	return seatFloor
}

func perOp(calls callCounts, ops int) string {
	if len(calls) == 0 || ops == 0 {
		return "-"
	}
	tx := float64(calls["TransactWriteItems"]) / float64(ops)
	other := float64(calls.total()-calls["TransactWriteItems"]) / float64(ops)
	if other == 0 {
		return fmt.Sprintf("%.2f tx", tx)
	}
	return fmt.Sprintf("%.2f tx + %.2f other", tx, other)
}

// rushTable writes the rush rows: rate, latency, ratio to the floor, and
// DynamoDB requests per registration.
func (r *report) rushTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "path", "teams", "registrations/s", "p50 ms", "p95 ms", "p99 ms", "÷ floor", "÷ floor, same items", "DynamoDB requests per registration", "invariants")
	for _, x := range r.rushes {
		ok := "ok"
		if len(x.problems) > 0 {
			ok = fmt.Sprintf("%d VIOLATIONS", len(x.problems))
		}
		row(x.name, itoa(x.run.ops), fmt.Sprintf("%.0f", x.run.perSecond()), ms(x.run.lat.quantile(.5)), ms(x.run.lat.quantile(.95)),
			ms(x.run.lat.quantile(.99)), r.ratio(x, bareFloor), r.ratio(x, x.sameItems()), perOp(x.calls, x.run.ops), ok)
	}
	row(nil...)
}

// splitTable shows the rushes with a waiting list by outcome.
func (r *report) splitTable(w io.Writer, md bool, rushes []*rushResult) {
	row := tableWriter(w, md, "path", "outcome", "teams", "p50 ms", "p95 ms", "p99 ms")
	for _, x := range rushes {
		if x.count("waitlisted") == 0 {
			continue
		}
		name := x.name
		if x.hold > 0 {
			name += ", hold " + holdMS(x.hold) + " ms"
		}
		for _, st := range []string{"registered", "waitlisted"} {
			l := x.byState[st]
			row(name, st, itoa(len(l)), ms(l.quantile(.5)), ms(l.quantile(.95)), ms(l.quantile(.99)))
		}
	}
	row(nil...)
}

// floorAt is the floor rush (counter + 1 item) under hold (0: DynamoDB
// Local alone), or nil.
func (r *report) floorAt(hold time.Duration) *rushResult { return r.floorOf(hold, bareFloor) }

// floorOf is the floor rush of the given shape under hold, or nil.
func (r *report) floorOf(hold time.Duration, shape floorShape) *rushResult {
	rushes := r.rushes
	if hold > 0 {
		rushes = slices.Concat(r.conflictRushes, r.largeRushes)
	}
	for _, x := range rushes {
		if x.hold == hold && x.floor == shape {
			return x
		}
	}
	return nil
}

// conflictTable writes the rushes under DynamoDB's conflicts: the rate of
// registrations that succeeded, against the floor under the same hold and
// against one item's serial ceiling (one transaction per hold), and where
// the transactions went.
func (r *report) conflictTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "path", "hold ms", "teams", "registrations/s", "p50 ms", "p95 ms", "p99 ms", "÷ floor",
		"÷ floor, same items", "÷ 1/hold", "tx per registration", "cancelled: conflict", "cancelled: condition", "other requests", "503 answers", "invariants")
	for _, x := range r.conflictRushes {
		ok := "ok"
		if len(x.problems) > 0 {
			ok = fmt.Sprintf("%d VIOLATIONS", len(x.problems))
		}
		if x.unplaced > 0 {
			ok += fmt.Sprintf(" (%d waitlisted told no position)", x.unplaced)
		}
		over := func(f *rushResult) string {
			if f == nil || f.succeededPerSecond() == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", x.succeededPerSecond()/f.succeededPerSecond())
		}
		ratio, same := over(r.floorAt(x.hold)), over(r.floorOf(x.hold, x.sameItems()))
		per := func(n int64) string { return fmt.Sprintf("%.2f", float64(n)/float64(max(x.run.ops, 1))) }
		tx := int64(x.calls["TransactWriteItems"])
		other := int64(x.calls.total()) - tx
		row(x.name, holdMS(x.hold), itoa(x.run.ops), fmt.Sprintf("%.0f", x.succeededPerSecond()), ms(x.run.lat.quantile(.5)),
			ms(x.run.lat.quantile(.95)), ms(x.run.lat.quantile(.99)), ratio, same, fmt.Sprintf("%.2f", x.succeededPerSecond()*x.hold.Seconds()),
			per(tx), per(x.conflicts.Conflicts), per(x.conflicts.Cancelled), per(other), x.gaveUpCell(), ok)
	}
	row(nil...)
}

// largeTable writes the large event's designs under the large hold: the
// rate of decisions against one item's ceiling and the floor, how long a
// team waits for its answer and for its decision, the transactions per
// registration (all, and those on the event's one item), and how far the
// outcome is from arrival order.
func (r *report) largeTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "path", "hold ms", "teams", "decided/s", "÷ 1/hold", "÷ floor", "answer p50 ms", "answer p99 ms",
		"decided p50 s", "decided p99 s", "tx per registration", "on the event item", "cancelled: conflict", "other requests",
		"503 answers", "overtaken by a team 1 s later", "invariants")
	for _, x := range r.largeRushes {
		ok := "ok"
		if len(x.problems) > 0 {
			ok = fmt.Sprintf("%d VIOLATIONS", len(x.problems))
		}
		n := float64(max(x.run.ops, 1))
		rate := x.decidedPerSecond()
		ratio := "-"
		if f := r.floorAt(x.hold); f != nil && f.succeededPerSecond() > 0 && f != x {
			ratio = fmt.Sprintf("%.2f", rate/f.succeededPerSecond())
		}
		tx := x.calls["TransactWriteItems"] + x.seqCalls["TransactWriteItems"]
		other := x.calls.total() + x.seqCalls.total() - tx
		onItem := float64(tx) / n
		if x.seqCalls != nil {
			onItem = float64(x.seqCalls["TransactWriteItems"]) / n
		}
		decided := x.decided
		if len(decided) == 0 {
			decided = x.run.lat
		}
		over := "-"
		if x.ordered {
			over = itoa(x.overtaken)
		}
		row(x.name, holdMS(x.hold), itoa(x.run.ops), fmt.Sprintf("%.0f", rate), fmt.Sprintf("%.2f", rate*x.hold.Seconds()), ratio,
			ms(x.run.lat.quantile(.5)), ms(x.run.lat.quantile(.99)),
			fmt.Sprintf("%.2f", decided.quantile(.5).Seconds()), fmt.Sprintf("%.2f", decided.quantile(.99).Seconds()),
			fmt.Sprintf("%.2f", float64(tx)/n), fmt.Sprintf("%.3f", onItem), fmt.Sprintf("%.2f", float64(x.conflicts.Conflicts)/n),
			fmt.Sprintf("%.2f", float64(other)/n), x.gaveUpCell(), over, ok)
	}
	row(nil...)
}

// decidedPerSecond is the rate at which registrations were decided: as
// answered, or, for the queued path, from the first request to the last
// placement.
func (x *rushResult) decidedPerSecond() float64 {
	if x.decidedIn > 0 {
		return float64(x.accepted) / x.decidedIn.Seconds()
	}
	return x.succeededPerSecond()
}

// gaveUpCell is the 503 answers, and how many of those teams DynamoDB
// registered all the same (their deadline ended the call after the commit).
func (x *rushResult) gaveUpCell() string {
	if x.lost == 0 {
		return itoa(x.gaveUp())
	}
	return fmt.Sprintf("%d (%d registered all the same)", x.gaveUp(), x.lost)
}

// sideBySide writes each path's rate on DynamoDB Local alone and under
// each hold, with its ratio to the floor in the same column.
func (r *report) sideBySide(w io.Writer, md bool) {
	var holds []time.Duration
	var names []string
	for _, x := range r.conflictRushes {
		if !slices.Contains(holds, x.hold) {
			holds = append(holds, x.hold)
		}
		if !slices.Contains(names, x.name) {
			names = append(names, x.name)
		}
	}
	header := []string{"path", "DynamoDB Local alone"}
	for _, h := range holds {
		header = append(header, "hold "+holdMS(h)+" ms")
	}
	row := tableWriter(w, md, header...)
	cell := func(x, floor *rushResult) string {
		if x == nil {
			return "-"
		}
		c := fmt.Sprintf("%.0f/s", x.succeededPerSecond())
		if floor != nil && floor != x && floor.succeededPerSecond() > 0 {
			c += fmt.Sprintf(" (%.2f)", x.succeededPerSecond()/floor.succeededPerSecond())
		}
		return c
	}
	find := func(rushes []*rushResult, name string, hold time.Duration) *rushResult {
		for _, x := range rushes {
			if x.name == name && x.hold == hold {
				return x
			}
		}
		return nil
	}
	for _, name := range names {
		cells := []string{name, cell(find(r.rushes, name, 0), r.floorAt(0))}
		for _, h := range holds {
			cells = append(cells, cell(find(r.conflictRushes, name, h), r.floorAt(h)))
		}
		row(cells...)
	}
	row(nil...)
}

// holdMS writes a hold in milliseconds: "10", "2.5".
func holdMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

func (r *report) callsTable(w io.Writer, md bool, explain bool) {
	cols := []string{"operation", "requests", "by operation"}
	if explain {
		cols = append(cols, "why")
	}
	row := tableWriter(w, md, cols...)
	for _, c := range r.calls {
		cells := []string{c.op, itoa(c.calls.total()), c.calls.String()}
		if explain {
			cells = append(cells, c.why)
		}
		row(cells...)
	}
	row(nil...)
}

func (r *report) coldTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "function", "linux/arm64 stripped", fmt.Sprintf("≤ %.1f MB", sizeTarget/1e6), "linux/amd64 stripped", "init median ms", "min–max ms")
	for _, c := range r.cold {
		lo, hi := c.runs.quantile(0.0001), c.runs.quantile(1)
		ok := "ok"
		if c.arm64 > sizeTarget {
			ok = "OVER"
		}
		row(c.function, fmt.Sprintf("%.1f MB", float64(c.arm64)/1e6), ok, fmt.Sprintf("%.1f MB", float64(c.amd64)/1e6), ms(c.init), ms(lo)+"–"+ms(hi))
	}
	row(nil...)
}

func (r *report) mailTable(w io.Writer, md bool) {
	m := r.mail
	row := tableWriter(w, md, "configured rate", "notices timed", "achieved", "most in any 1 s", "backlog phase",
		"notices sent", "lost", "emails received", "duplicate emails")
	row(fmt.Sprintf("%g/s", m.rate), itoa(m.notices), fmt.Sprintf("%.1f/s", m.achieved), itoa(m.maxWindow),
		fmt.Sprintf("%d notices at %g/s, %d records retried, %d sweeps", m.tightNotices, m.tightRate, m.tightRetried, m.swept),
		fmt.Sprintf("%d of %d", m.sent, m.notices+m.tightNotices), itoa(m.lost), itoa(m.emails), itoa(m.duplicates))
	row(nil...)
}

// tableWriter returns a function that writes one row per call and flushes
// when called with no cells: a Markdown table, or aligned text.
func tableWriter(w io.Writer, md bool, header ...string) func(cells ...string) {
	if md {
		fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
		fmt.Fprintln(w, "|"+strings.Repeat("---|", len(header)))
		return func(cells ...string) {
			if cells == nil {
				fmt.Fprintln(w)
				return
			}
			fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return func(cells ...string) {
		if cells == nil {
			tw.Flush()
			fmt.Fprintln(w)
			return
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
}

// printTable prints the short summary.
func (r *report) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n\n", r.machineLine())
	if len(r.rushes) > 0 {
		fmt.Fprintf(w, "Registration rush (%d clients; figures depend on DynamoDB Local's speed, ratios are the headline)\n", r.config.clients)
		r.rushTable(w, false)
		r.splitTable(w, false, r.rushes)
	}
	if len(r.conflictRushes) > 0 {
		fmt.Fprintln(w, "Registration rush under DynamoDB's transaction conflicts (a transaction holds its items for the hold; registrations/s that succeeded)")
		r.sideBySide(w, false)
		r.conflictTable(w, false)
		r.splitTable(w, false, r.conflictRushes)
	}
	if len(r.largeRushes) > 0 {
		fmt.Fprintf(w, "One event, %d teams for %d seats, %d clients, under DynamoDB's transaction conflicts\n", r.config.largeTeams, r.config.largeCapacity, r.config.largeClients)
		r.largeTable(w, false)
	}
	if len(r.sims) > 0 {
		fmt.Fprintln(w, "The 20,000-team minute in AWS, simulated (simulate.go)")
		r.simTable(w, false)
		r.simCostTable(w, false)
	}
	if len(r.calls) > 0 {
		fmt.Fprintln(w, "DynamoDB requests per operation (counted by SDK middleware)")
		r.callsTable(w, false, false)
	}
	if len(r.cold) > 0 {
		fmt.Fprintln(w, "Size and cold start (exec to first GET /runtime/invocation/next)")
		r.coldTable(w, false)
	}
	if r.mail != nil {
		fmt.Fprintln(w, "Mail (stream batches of 10 to the mailer function, local SES)")
		r.mailTable(w, false)
	}
	if len(r.pages) > 0 {
		fmt.Fprintln(w, "Console pages (Go benchmarks over the in-memory store: 200 teams registered, 20 waiting)")
		r.pagesTable(w, false)
	}
	fmt.Fprintf(w, "lmi-bench took %v\n", r.elapsed.Round(time.Second))
}

func (r *report) machineLine() string {
	m := r.machine
	return fmt.Sprintf("%s, %d cores, %s, %s, %s, DynamoDB Local %s, %s", m.cpu, m.cores, m.memory, m.osArch, m.goVersion,
		m.dynamoDBLocal, r.started.UTC().Format("2006-01-02 15:04 UTC"))
}

// Markers around the part of docs/performance.md that lmi-bench writes;
// the prose around them is kept.
const (
	beginMarker = "<!-- lmi-bench: begin (generated by `make bench`; edits inside are overwritten) -->"
	endMarker   = "<!-- lmi-bench: end -->"
)

// writeDoc puts the figures between the markers of path, creating the
// file (with the markers only) if it does not exist.
func (r *report) writeDoc(path string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var b bytes.Buffer
	r.markdown(&b)
	before, after := "# Performance\n\n", "\n"
	if s := string(old); s != "" {
		i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
		if i < 0 || j < i {
			return fmt.Errorf("%s has no %q … %q section to update", path, beginMarker, endMarker)
		}
		before, after = s[:i], s[j+len(endMarker):]
	}
	out := before + beginMarker + "\n" + b.String() + endMarker + after
	return os.WriteFile(path, []byte(out), 0o644)
}

func (r *report) markdown(w io.Writer) {
	m := r.machine
	fmt.Fprintf(w, "\nTaken %s on %s (%d cores, %s memory, %s), %s, DynamoDB Local %s, with\n\n",
		r.started.UTC().Format("2006-01-02 15:04 UTC"), m.cpu, m.cores, m.memory, m.osArch, m.goVersion, m.dynamoDBLocal)
	fmt.Fprintf(w, "```sh\nmake bench   # %s\n```\n\n", r.command())
	fmt.Fprintf(w, "which took %v. DynamoDB Local is a single JVM on the same cores, far slower than DynamoDB: every "+
		"absolute rate and latency below is DynamoDB Local's and this machine's. Compare paths by their ratio to the "+
		"floor, measured in the same run against the same DynamoDB Local.\n\n", r.elapsed.Round(time.Second))
	if len(r.rushes) > 0 {
		fmt.Fprintf(w, "### Registration rush\n\n%d concurrent clients; teams of 2 to 8 members (5 on average); %d rounds, "+
			"each path on a fresh DynamoDB Local in every round, figures over all rounds (the teams column is the total). "+
			"\"÷ floor\" is registrations per second over the bare transaction's (counter + 1 item, the issue's floor), "+
			"\"÷ floor, same items\" over the same transaction with the items a registration writes: with a seat (claim, registration, notice, audit record, one entry per person in the people's index: 7 to 13 items, each where the store keeps it and with its index keys), or, for a rush that ended mostly on the waiting list, waitlisted (the same and its waiting-list entry, the counter conditioned on the event being full). Requests per registration are counted by SDK "+
			"middleware, retries included (\"tx\" is TransactWriteItems).\n\n", r.config.clients, max(r.config.rounds, 1))
		r.rushTable(w, true)
		fmt.Fprintf(w, "After each rush the table is checked: %s.\n\n", r.checkedSummary())
		fmt.Fprintf(w, "Latency by outcome where teams were waitlisted:\n\n")
		r.splitTable(w, true, r.rushes)
	}
	if len(r.conflictRushes) > 0 {
		fmt.Fprintf(w, "### Registration rush under DynamoDB's transaction conflicts\n\nThe floor and today's paths again, "+
			"%d round(s) each, through `localaws/conflicts` in front of a fresh DynamoDB Local: every TransactWriteItems holds its "+
			"items for the hold from its arrival (half of it if it is cancelled), and what meets a held item is refused as DynamoDB "+
			"refuses it (TransactionCanceledException with reason TransactionConflict; TransactionConflictException for a plain write). "+
			"Rates count the registrations that succeeded; \"÷ floor\" is over the floor under the same hold, \"÷ floor, same items\" over the floor with the same items under the same hold, \"÷ 1/hold\" over one "+
			"item's serial ceiling (one transaction per hold). Each handler call has the function's %v timeout, as Lambda gives it. "+
			"Each path's rate (and ratio to the floor in the same column):\n\n", max(r.config.conflictRounds, 1), functionTimeout)
		r.sideBySide(w, true)
		fmt.Fprintf(w, "Per registration: transactions sent (\"tx\"), of which cancelled for a conflict and cancelled by a condition "+
			"(each retried unless its team was answered 503: these are the retries; the rest committed), and the other DynamoDB requests; \"503 answers\" is the teams the store gave up on "+
			"(its attempts or the function's time ran out; a team whose time ran out after DynamoDB committed is registered all the same, "+
			"as it would be in AWS, and is counted in brackets). A waitlisted team is told no position when the store cannot count the "+
			"entries ahead in the time left, as it is built to. Every rush is judged by the same invariant checker as above.\n\n")
		r.conflictTable(w, true)
		var checked []string
		for _, x := range r.conflictRushes {
			if x.checked != "" {
				checked = append(checked, x.name+", hold "+holdMS(x.hold)+" ms: "+x.checked)
			}
		}
		fmt.Fprintf(w, "First round under conflicts: %s.\n\n", strings.Join(checked, "; "))
		fmt.Fprintf(w, "Latency by outcome under conflicts:\n\n")
		r.splitTable(w, true, r.conflictRushes)
	}
	if len(r.largeRushes) > 0 {
		fmt.Fprintf(w, "### One event, %d teams for %d seats, %d clients, under DynamoDB's transaction conflicts\n\n",
			r.config.largeTeams, r.config.largeCapacity, r.config.largeClients)
		if r.config.queuedHold > 0 {
			fmt.Fprintf(w, "Every design under a %s hold, then the queued path (and the floor) again under %s, where one item's "+
				"ceiling (1/hold) binds rather than DynamoDB Local: \"÷ 1/hold\" there is how many times what any design "+
				"writing the event item per registration could take, whatever the hold.\n\n", r.config.largeHold, r.config.queuedHold)
		}
		r.largeTable(w, true)
	}
	if len(r.sims) > 0 {
		fmt.Fprintf(w, "### The 20,000-team minute in AWS, simulated\n\nA discrete-event simulation (`cmd/lmi-bench/simulate.go`, "+
			"fixed seed) of 20,000 teams on one event of 2,000 seats, 40%% of them in the first 5 s, through API Gateway's "+
			"throttles, Lambda's concurrency and scaling rate, and DynamoDB's conflicts and partition limits, with the store's "+
			"own retry policy; its inputs are AWS's published limits and prices or stated assumptions (see \"The 20,000-team "+
			"minute, simulated\" below). A team refused tries again after 1 to 3 s, at most 3 times.\n\n")
		r.simTable(w, true)
		fmt.Fprintf(w, "The minute's bill with the register route raised and the partition split, by service:\n\n")
		r.simCostTable(w, true)
	}
	if len(r.calls) > 0 {
		fmt.Fprintf(w, "### DynamoDB requests per operation\n\nEach operation alone on a quiet table, through its function's "+
			"handler (the mailer rows through the mailer), every request counted by SDK middleware.\n\n")
		r.callsTable(w, true, true)
	}
	if len(r.cold) > 0 {
		fmt.Fprintf(w, "### Size and cold start\n\nBuilt as `make build` builds them (`-tags lambda.norpc -trimpath -ldflags='-s -w'`, "+
			"CGO off); the target is each linux/arm64 binary at most %.1f MB (a Lambda main with aws-lambda-go, the SDK's config "+
			"and a DynamoDB client is 9.4 MB). Init is the wall time from exec of the linux/amd64 binary, with the environment "+
			"its function gets, until it asks a local Runtime API (`localaws.StartFunction`) for its first event (where Lambda's "+
			"Init Duration ends); median of %d runs after one discarded. Lambda adds its own sandbox start-up, which this does "+
			"not include.\n\n", sizeTarget/1e6, r.config.coldRuns)
		r.coldTable(w, true)
	}
	if r.mail != nil {
		fmt.Fprintf(w, "### Mail\n\nThe notices of a registration burst as DynamoDB Stream INSERT records, in batches of 10, "+
			"to the mailer function wired as its main wires it, with `LMI_SES_MAX_SEND_RATE=%g`, sending to the local SES "+
			"endpoint. The achieved rate is measured from the notices' `sentAt` marks. In the backlog phase a mailer at a fifth "+
			"of that rate gets about half the time each batch needs; what the mailer could not send in time is reported as batch item failures and "+
			"fed again, as Lambda retries it. Then every notice must be `sent` (none lost), SES must hold an email for each, "+
			"and the emails beyond one per notice are counted.\n\n", r.mail.rate)
		r.mailTable(w, true)
	}
	if len(r.pages) > 0 {
		fmt.Fprintf(w, "### Console pages\n\nThe staff console's Go benchmarks (`go test -bench . ./pkg/console`): each page's answer "+
			"from the request to its HTML for an event of 1,000 seats taken by 200 teams of 5, with 20 teams waiting (the statements' pages: "+
			"a symposium of 200 statements of teams of 5, three reviews each), over the in-memory "+
			"store, so the figure is the console's own work (templates, sorting, counting); in AWS each page adds its DynamoDB "+
			"queries (the event page: the event, a page of the roster and the registered teams for the counts per role).\n\n")
		r.pagesTable(w, true)
	}
}

func (r *report) command() string {
	c := r.config
	holds := make([]string, len(c.holds))
	for i, h := range c.holds {
		holds[i] = h.String()
	}
	if len(holds) == 0 {
		holds = []string{"none"}
	}
	hold := func(d time.Duration) string {
		if d == 0 {
			return "none"
		}
		return d.String()
	}
	return fmt.Sprintf("go run ./cmd/lmi-bench -clients %d -teams %d -capacity %d -rounds %d -holds %s -conflict-rounds %d -large-hold %s -queued-hold %s -cold-runs %d -mail-rate %g -mail-notices %d",
		c.clients, c.teams, c.capacity, c.rounds, strings.Join(holds, ","), c.conflictRounds, hold(c.largeHold), hold(c.queuedHold), c.coldRuns, c.mailRate, c.mailNotices)
}

func (r *report) checkedSummary() string {
	var parts []string
	for _, x := range r.rushes {
		if x.checked != "" {
			parts = append(parts, x.name+": "+x.checked)
		}
	}
	return "seats never over capacity, the event's counters equal the sums over registrations, every waitlisted team " +
		"has exactly its entry with a unique arrival number, the position each team was told is its place in the final " +
		"list, the head of the list does not fit the seats left, one organization claim and one notice per registration; " +
		"each round's table on its own (first round: " + strings.Join(parts, "; ") + ")"
}
