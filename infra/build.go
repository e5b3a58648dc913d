package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// BuildFunctions compiles each named function, the package
// ./functions/<name> of the module rooted at root, into
// outDir/<name>/bootstrap for Lambda's provided.al2023 runtime on arm64.
// It stops at the first function that does not build and returns go
// build's output in the error.
func BuildFunctions(ctx context.Context, logger *slog.Logger, root, outDir string, names []string) error {
	if err := checkSources(logger, root, names); err != nil {
		return err
	}
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	for _, name := range names {
		out := filepath.Join(outDir, name, "bootstrap")
		pkg := "./" + filepath.ToSlash(filepath.Join("functions", name))
		logger.Info("building function", "function", name, "package", pkg, "output", out)
		cmd := exec.CommandContext(ctx, "go", "build",
			"-tags", "lambda.norpc",
			"-trimpath",
			// Without VCS stamping a binary changes only when its code
			// does, so an unchanged function keeps its asset hash and is
			// not redeployed.
			"-buildvcs=false",
			"-ldflags=-s -w",
			"-o", out,
			pkg)
		cmd.Dir = root
		cmd.Env = env
		var output bytes.Buffer
		cmd.Stdout = &output
		cmd.Stderr = &output
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building function %s (%s): %w\n%s", name, pkg, err, strings.TrimSpace(output.String()))
		}
	}
	return nil
}

// checkSources fails if a function the stack deploys has no main package
// under functions/, and warns about folders the stack does not deploy.
func checkSources(logger *slog.Logger, root string, names []string) error {
	var missing []string
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(root, "functions", name, "main.go")); err != nil {
			missing = append(missing, "functions/"+name+"/main.go")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the stack deploys functions whose sources are missing: %s", strings.Join(missing, ", "))
	}
	found, err := functionFolders(root)
	if err != nil {
		return err
	}
	for _, name := range found {
		if !slices.Contains(names, name) {
			logger.Warn("function folder is not deployed by the stack; add it to FunctionNames", "folder", "functions/"+name)
		}
	}
	return nil
}

// functionFolders lists the folders under root/functions that hold a
// main.go, sorted. A missing functions folder yields none.
func functionFolders(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// moduleRoot returns the nearest directory at or above dir that holds a
// go.mod file.
func moduleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or any parent: run the CDK app from the repository", dir)
		}
		d = parent
	}
}
