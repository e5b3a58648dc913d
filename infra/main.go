// Command infra is the AWS CDK app of the convenings registration system.
//
// cdk.json runs it as `go run ./infra` from the repository root. It first
// builds every Lambda function (functions/<name>, see FunctionNames) into
// .build/lambda/<name>/bootstrap, then synthesizes the one stack defined
// by NewConveningsStack. The stack itself builds nothing: it takes the
// folder of built binaries in its props, so tests run without Go builds.
//
// Settings come from the CDK context (cdk.json or `-c key=value`):
// senderEmail, sesMaxSendRate, publicUrl, alarmEmail, and the limits
// (docs/architecture.md, "Limits"): apiThrottleRateLimit,
// apiThrottleBurstLimit, apiRegisterRateLimit, apiRegisterBurstLimit,
// apiCancelRateLimit, apiCancelBurstLimit, promoterReservedConcurrency,
// mailerReservedConcurrency, sesEventsReservedConcurrency.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// StackName is the id of the stack in the app, and its CloudFormation name.
const StackName = "Convenings"

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := run(context.Background(), logger)
	jsii.Close()
	if err != nil {
		// Printed as is: the error may hold go build's multi-line output.
		fmt.Fprintf(os.Stderr, "\n%v\n\n", err)
		logger.Error("cdk app failed")
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return err
	}
	binDir := filepath.Join(root, ".build", "lambda")
	if err := BuildFunctions(ctx, logger, root, binDir, FunctionNames()); err != nil {
		return err
	}

	app := awscdk.NewApp(nil)
	NewConveningsStack(app, StackName, &ConveningsStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("convenings: event registration with a waiting list"),
			// Environment-agnostic: deploy to the account and region of
			// the CLI's credentials.
			Env: nil,
		},
		BinDir: binDir,
	})
	checkAwsSolutions(app)
	app.Synth(nil)
	return nil
}
