package main

import (
	"bufio"
	"os"
	"sort"
	"strconv"
	"strings"
)

// microRow is one Go benchmark, the median over its -count runs.
type microRow struct {
	name        string
	nsPerOp     float64
	bytesPerOp  float64
	allocsPerOp float64
	runs        int
}

// readMicro reads `go test -bench -benchmem` output.
func readMicro(path string) ([]microRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type samples struct{ ns, b, allocs []float64 }
	by := map[string]*samples{}
	var order []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		if by[name] == nil {
			by[name] = &samples{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				by[name].ns = append(by[name].ns, v)
			case "B/op":
				by[name].b = append(by[name].b, v)
			case "allocs/op":
				by[name].allocs = append(by[name].allocs, v)
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	var rows []microRow
	for _, name := range order {
		x := by[name]
		rows = append(rows, microRow{name: name, nsPerOp: medianOf(x.ns), bytesPerOp: medianOf(x.b), allocsPerOp: medianOf(x.allocs), runs: len(x.ns)})
	}
	return rows, nil
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
