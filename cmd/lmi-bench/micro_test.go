package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadMicro(t *testing.T) {
	out := `goos: linux
BenchmarkDecodeValidate-2   	   80000	     14000 ns/op	    4752 B/op	      87 allocs/op
BenchmarkDecodeValidate-2   	   80000	     12000 ns/op	    4752 B/op	      87 allocs/op
BenchmarkDecodeValidate-2   	   80000	     13000 ns/op	    4752 B/op	      87 allocs/op
BenchmarkEncode-2           	  500000	      2400 ns/op	    1383 B/op	       4 allocs/op
PASS
`
	path := filepath.Join(t.TempDir(), "micro.txt")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := readMicro(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2: %+v", len(rows), rows)
	}
	if r := rows[0]; r.name != "DecodeValidate" || r.nsPerOp != 13000 || r.allocsPerOp != 87 || r.runs != 3 {
		t.Errorf("first row %+v", r)
	}
	if r := rows[1]; r.name != "Encode" || r.bytesPerOp != 1383 {
		t.Errorf("second row %+v", r)
	}
}
