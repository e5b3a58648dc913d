package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteDocKeepsProse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	r := &report{config: config{clients: 32, teams: 10, rounds: 1}, started: time.Now(),
		calls: []callRow{{op: "register, seat available", calls: callCounts{"TransactWriteItems": 1}, why: "the floor"}}}
	if err := r.writeDoc(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	doc := "# Performance\n\nprose before\n\n" + string(b[strings.Index(string(b), beginMarker):]) + "\n## Scale on paper\n\nprose after\n"
	doc = strings.Replace(doc, "TransactWriteItems 1", "stale figure", 1)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.writeDoc(path); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"prose before", "## Scale on paper\n\nprose after", "| register, seat available | 1 | TransactWriteItems 1 | the floor |"} {
		if !strings.Contains(got, want) {
			t.Errorf("doc lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "stale figure") || strings.Count(got, beginMarker) != 1 {
		t.Errorf("the generated section was not replaced:\n%s", got)
	}
}

func TestParsePageBenchmarks(t *testing.T) {
	out := `goos: linux
BenchmarkDashboard-2     	     200	    101423 ns/op	         2.555 KiB/page	   36374 B/op	     585 allocs/op
BenchmarkEventPage-2     	     200	   5821087 ns/op	        37.64 KiB/page	 1098464 B/op	    9992 allocs/op
BenchmarkCheckInPage-2   	     200	  10836742 ns/op	        67.42 KiB/page	 1496695 B/op	   31735 allocs/op
BenchmarkTeamPage        	     200	    645350 ns/op	         6.590 KiB/page	   73472 B/op	    1167 allocs/op
BenchmarkAuditPage-2     	     200	   4927358 ns/op	        19.51 KiB/page	  998793 B/op	    7659 allocs/op
BenchmarkStatementsPage-2   	     200	   6264315 ns/op	        89.89 KiB/page	 1704246 B/op	   23275 allocs/op
BenchmarkStatementPage-2    	     200	   1181178 ns/op	        16.55 KiB/page	  319605 B/op	    6340 allocs/op
PASS`
	rows, err := parsePageBenchmarks(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || rows[1].benchmarkName != "BenchmarkEventPage" || rows[1].nsPerOp != 5821087 || rows[1].kib != 37.64 ||
		rows[1].allocsPerOp != 9992 || rows[3].nsPerOp != 645350 {
		t.Errorf("rows %+v", rows)
	}
	if _, err := parsePageBenchmarks(strings.NewReader("BenchmarkDashboard-2 200 1 ns/op\n")); err == nil {
		t.Error("missing benchmarks are not reported")
	}
}
