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
