package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/localaws"
)

// pageRow is one console page's render time, from its Go benchmark.
type pageRow struct {
	page, benchmarkName string
	nsPerOp, kib        float64
	allocsPerOp         int64
}

// pageBenchmarks are pkg/console's benchmarks, with what each page is.
var pageBenchmarks = []struct{ name, page string }{
	{"BenchmarkDashboard", "dashboard (/staff)"},
	{"BenchmarkEventPage", "event: roster page of 50 teams, members per role of 200"},
	{"BenchmarkCheckInPage", "check-in: 100 of 1,000 members, by name"},
	{"BenchmarkTeamPage", "a team: members, emails, history"},
	{"BenchmarkAuditPage", "audit log: 50 records"},
	{"BenchmarkStatementsPage", "statements of interest: all 200, each with 3 reviews"},
	{"BenchmarkStatementPage", "a statement: answers, team, reviews, decision, history"},
}

// benchLine is a line of `go test -bench` output with -benchmem and the
// benchmarks' own KiB/page metric.
var benchLine = regexp.MustCompile(`^(Benchmark\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) KiB/page)?(?:\s+\d+ B/op)?(?:\s+(\d+) allocs/op)?`)

// measurePages runs the console's page benchmarks (pkg/console,
// bench_test.go): each page's answer for an event of 200 registered teams
// and 20 waitlisted, over the in-memory store, so the figure is the
// console's own time (templates, sorting, counting) without DynamoDB's.
func measurePages(ctx context.Context, _ *lab, rep *report) error {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "200x", "-count", "1", "./pkg/console")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench ./pkg/console: %w\n%s", err, out.String())
	}
	rows, err := parsePageBenchmarks(&out)
	if err != nil {
		return err
	}
	rep.pages = rows
	for _, p := range rows {
		fmt.Printf("  %-22s %7s ms  %6.1f KiB\n", p.benchmarkName, fmt.Sprintf("%.2f", p.nsPerOp/1e6), p.kib)
	}
	return nil
}

// parsePageBenchmarks reads go test's benchmark lines, in the order of
// pageBenchmarks; a benchmark missing from the output is an error.
func parsePageBenchmarks(r io.Reader) ([]pageRow, error) {
	found := map[string]pageRow{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		row := pageRow{benchmarkName: m[1]}
		row.nsPerOp, _ = strconv.ParseFloat(m[2], 64)
		row.kib, _ = strconv.ParseFloat(m[3], 64)
		row.allocsPerOp, _ = strconv.ParseInt(m[4], 10, 64)
		found[row.benchmarkName] = row
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var rows []pageRow
	for _, b := range pageBenchmarks {
		row, ok := found[b.name]
		if !ok {
			return nil, fmt.Errorf("go test reported no %s", b.name)
		}
		row.page = b.page
		rows = append(rows, row)
	}
	return rows, nil
}

func (r *report) pagesTable(w io.Writer, md bool) {
	row := tableWriter(w, md, "page", "benchmark", "ms per page", "KiB of HTML", "allocations")
	for _, p := range r.pages {
		row(p.page, p.benchmarkName, fmt.Sprintf("%.2f", p.nsPerOp/1e6), fmt.Sprintf("%.1f", p.kib), itoa(int(p.allocsPerOp)))
	}
	row(nil...)
}
