package localaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDBOptions configures StartDynamoDB.
type DynamoDBOptions struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// InMemory keeps all data in memory; otherwise it is kept in DataDir.
	InMemory bool
	DataDir  string
	// Root is the repository root holding node_modules; when empty it is
	// found from the working directory.
	Root string
	// Stdout and Stderr receive the service's output; nil discards it.
	Stdout, Stderr io.Writer
	// StartTimeout bounds the wait for the JVM to answer; 0 means 60 s.
	StartTimeout time.Duration
}

// StartDynamoDB starts DynamoDB Local with the machine's Java and waits
// until it answers ListTables. ctx bounds only the start-up. DynamoDB Local
// has no option to bind to loopback only: it listens on every interface.
func StartDynamoDB(ctx context.Context, opts DynamoDBOptions) (*Process, error) {
	if !opts.InMemory && opts.DataDir == "" {
		return nil, errors.New("start DynamoDB Local: DataDir is required unless InMemory")
	}
	root, err := repoRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	dir, err := dynamoDBLocalDir(root)
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	java, err := javaPath()
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	store := []string{"-inMemory"}
	if !opts.InMemory {
		dataDir, err := filepath.Abs(opts.DataDir)
		if err != nil {
			return nil, fmt.Errorf("start DynamoDB Local: %w", err)
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("start DynamoDB Local: %w", err)
		}
		store = []string{"-dbPath", dataDir}
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	return startService(ctx, serviceSpec{
		name: "DynamoDB Local",
		port: opts.Port,
		command: func(port int) (*exec.Cmd, error) {
			args := []string{
				"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
				"-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
				"-port", strconv.Itoa(port),
				// One database whatever the credentials and region, so the
				// AWS CLI or a console with other settings sees the same
				// tables; no telemetry on a closed network.
				"-sharedDb", "-disableTelemetry",
			}
			return exec.Command(java, append(args, store...)...), nil
		},
		probe:   probeDynamoDB,
		timeout: timeout,
		stdout:  opts.Stdout,
		stderr:  opts.Stderr,
	})
}

func probeDynamoDB(ctx context.Context, endpoint string) error {
	client, err := NewDynamoDBClient(ctx, endpoint)
	if err != nil {
		return err
	}
	_, err = client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}, func(o *dynamodb.Options) {
		o.Retryer = aws.NopRetryer{} // the start-up loop does the retrying
	})
	return err
}

// javaPath prefers JAVA_HOME, as the JDK tools do, then PATH.
func javaPath() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(java); err == nil {
			return java, nil
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("DynamoDB Local needs Java 17 or later: %w", err)
	}
	return java, nil
}

// StreamARN returns the ARN of table's current stream, for a StreamPoller.
func StreamARN(ctx context.Context, client *dynamodb.Client, table string) (string, error) {
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	arn := aws.ToString(out.Table.LatestStreamArn)
	if arn == "" {
		return "", fmt.Errorf("table %s has no stream", table)
	}
	return arn, nil
}
