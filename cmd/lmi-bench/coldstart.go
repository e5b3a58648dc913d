package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
)

// sizeTarget is the largest a function's stripped linux/arm64 binary
// should be: a Lambda main with aws-lambda-go, the SDK's config and a
// DynamoDB client is 9.4 MB; each function may add its own code to that.
const sizeTarget = 11.3e6

// coldRow is one function's shipped size and init time.
type coldRow struct {
	function string
	arm64    int64         // bytes, stripped linux/arm64 as `make build` and cdk deploy build it
	amd64    int64         // bytes, the same for linux/amd64, the build that runs here
	init     time.Duration // median wall time from exec to its first GET .../invocation/next
	runs     latencies
}

// measureColdStart builds every function as Lambda gets it and measures
// how long each takes from exec until it asks the Runtime API for its
// first event: the moment Lambda's Init Duration ends.
func measureColdStart(ctx context.Context, l *lab, rep *report) error {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "bin", "bench")
	for _, arch := range []string{"arm64", "amd64"} {
		if err := buildFunctions(ctx, root, filepath.Join(dir, arch), arch); err != nil {
			return err
		}
	}
	table, err := l.newTable(ctx, "cold")
	if err != nil {
		return err
	}
	defer l.dropTable(ctx, table)
	// What the CDK app sets, and the SDK's own endpoint variables for the
	// local services.
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_REGION=" + localaws.Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_DYNAMODB=" + l.dynamoURL, "AWS_ENDPOINT_URL_SESV2=" + l.sesURL,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		deploy.EnvTableName + "=" + table, deploy.EnvTokenSecret + "=" + tokenSecret,
		deploy.EnvPublicURL + "=" + publicURL, deploy.EnvSenderEmail + "=" + senderEmail,
		deploy.EnvSESMaxSendRate + "=1", deploy.EnvLogLevel + "=warn",
		// The console's pool by name only: it verifies tokens lazily, so
		// starting needs the names, not the pool.
		deploy.EnvCognitoIssuer + "=https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE",
		deploy.EnvCognitoClientID + "=4example0client0id0abc123", deploy.EnvCognitoLoginURL + "=https://convenings-staff.auth.us-west-2.amazoncognito.com",
	}
	for _, fn := range deploy.FunctionNames() {
		row := coldRow{function: fn}
		for arch, size := range map[string]*int64{"arm64": &row.arm64, "amd64": &row.amd64} {
			st, err := os.Stat(filepath.Join(dir, arch, fn))
			if err != nil {
				return err
			}
			*size = st.Size()
		}
		bin := filepath.Join(dir, "amd64", fn)
		for i := range rep.config.coldRuns + 1 {
			d, err := coldStart(ctx, bin, append(env, "AWS_LAMBDA_FUNCTION_NAME="+fn))
			if err != nil {
				return fmt.Errorf("%s: %w", fn, err)
			}
			if i > 0 { // the first run warms the page cache
				row.runs = append(row.runs, d)
			}
		}
		row.init = row.runs.median()
		rep.cold = append(rep.cold, row)
		fmt.Printf("  %-14s arm64 %5.1f MB  init %6s ms (median of %d)\n", fn, float64(row.arm64)/1e6, ms(row.init), len(row.runs))
	}
	return nil
}

// coldStart runs bin once until it asks for its first event, and stops it.
func coldStart(ctx context.Context, bin string, env []string) (time.Duration, error) {
	f, err := localaws.StartFunction(bin, env)
	if err != nil {
		return 0, err
	}
	defer f.Stop()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return f.Ready(ctx)
}

// buildFunctions builds every function stripped, as `make build` does.
func buildFunctions(ctx context.Context, root, out, arch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", out+string(filepath.Separator), "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build functions for %s: %w\n%s", arch, err, b)
	}
	return nil
}
