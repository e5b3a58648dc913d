package main

import (
	"bytes"
	"context"
	"debug/elf"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeModule creates a Go module with one functions/<name>/main.go per
// entry of sources.
func writeModule(t *testing.T, sources map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{"go.mod": "module example.com/fake\n\ngo 1.22\n"}
	for name, src := range sources {
		files[filepath.Join("functions", name, "main.go")] = src
	}
	for p, content := range files {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const okMain = "package main\n\nfunc main() {}\n"

func TestBuildFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	tests := []struct {
		name    string
		sources map[string]string
		build   []string
		wantErr []string // substrings of the error; none means success
		wantLog []string // substrings of the log
	}{
		{
			name:    "OK",
			sources: map[string]string{"alpha": okMain, "beta": okMain},
			build:   []string{"alpha", "beta"},
			wantLog: []string{"function=alpha", "function=beta"},
		},
		{
			name:    "ExtraFolderWarns",
			sources: map[string]string{"alpha": okMain, "stray": okMain},
			build:   []string{"alpha"},
			wantLog: []string{"not deployed by the stack", "functions/stray"},
		},
		{
			name:    "CompileError",
			sources: map[string]string{"alpha": okMain, "broken": "package main\n\nfunc main() { undefinedThing() }\n"},
			build:   []string{"alpha", "broken"},
			wantErr: []string{"building function broken", "./functions/broken", "undefinedThing"},
		},
		{
			name:    "MissingSource",
			sources: map[string]string{"alpha": okMain},
			build:   []string{"alpha", "gamma"},
			wantErr: []string{"functions/gamma/main.go"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeModule(t, tt.sources)
			out := filepath.Join(root, ".build", "lambda")
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			err := BuildFunctions(context.Background(), logger, root, out, tt.build)
			for _, want := range tt.wantLog {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("BuildFunctions succeeded, want an error")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error lacks %q: %v", want, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range tt.build {
				checkLambdaBinary(t, filepath.Join(out, name, "bootstrap"))
			}
		})
	}
}

// checkLambdaBinary checks that p is a static linux/arm64 executable.
func checkLambdaBinary(t *testing.T, p string) {
	t.Helper()
	f, err := elf.Open(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
		t.Errorf("%s: machine %v type %v, want an arm64 executable", p, f.Machine, f.Type)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", p)
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s keeps its symbol table, want -ldflags=-s", p)
	}
}

func TestFunctionFolders(t *testing.T) {
	root := writeModule(t, map[string]string{"b": okMain, "a": okMain})
	if err := os.MkdirAll(filepath.Join(root, "functions", "nomain"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := functionFolders(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("functionFolders = %v, want %v", got, want)
	}
	if got, err := functionFolders(t.TempDir()); err != nil || got != nil {
		t.Errorf("without functions/: %v, %v; want none", got, err)
	}
}

func TestModuleRoot(t *testing.T) {
	root := writeModule(t, map[string]string{"alpha": okMain})
	for _, dir := range []string{root, filepath.Join(root, "functions", "alpha")} {
		got, err := moduleRoot(dir)
		if err != nil || got != root {
			t.Errorf("moduleRoot(%s) = %q, %v; want %q", dir, got, err, root)
		}
	}
	if _, err := moduleRoot(string(filepath.Separator)); err == nil {
		t.Error("moduleRoot(/) found a go.mod")
	}
}
