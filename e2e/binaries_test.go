package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

// TestFunctionBinaries builds every functions/<name> binary as Lambda gets
// it (-tags lambda.norpc, for this machine) and runs it as Lambda would: a
// process reading its configuration from its environment, asking a local
// Runtime API for events, and reaching DynamoDB Local and the local SES
// endpoint through the SDK's own endpoint variables. Each answers its
// sample payloads from events/: the mains' wiring is exercised for real.
func TestFunctionBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-p", "2", "-tags", "lambda.norpc", "-o", dir+string(filepath.Separator), "./functions/...")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the functions: %v\n%s", err, out)
	}
	run := "binaries"
	h := samplePayloadHarness(t, run)
	dynamoURL, sesURL := localaws.Endpoints(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_REGION=" + localaws.Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_DYNAMODB=" + dynamoURL, "AWS_ENDPOINT_URL_SESV2=" + sesURL, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + h.secrets.URL,
		deploy.EnvTableName + "=" + h.table, deploy.EnvLogLevel + "=warn", deploy.EnvTokenSecret + "=" + tokenSecret,
		deploy.EnvPublicURL + "=http://127.0.0.1:8080", deploy.EnvSenderEmail + "=convenings@lmi.example.org",
		deploy.EnvSESMaxSendRate + "=50", deploy.EnvSESConfigurationSet + "=" + localrun.ConfigurationSet,
		// The console verifies tokens lazily: it needs the pool's names to
		// start, not the pool.
		deploy.EnvCognitoIssuer + "=https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE",
		deploy.EnvCognitoClientID + "=4example0client0id0abc123", deploy.EnvCognitoLoginURL + "=https://convenings-staff.auth.us-west-2.amazoncognito.com",
	}
	for _, name := range deploy.FunctionNames() {
		t.Run(name, func(t *testing.T) {
			fn, err := localaws.StartFunction(filepath.Join(dir, name), append(env, "AWS_LAMBDA_FUNCTION_NAME="+name))
			if err != nil {
				t.Fatal(err)
			}
			defer fn.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := fn.Ready(ctx); err != nil {
				t.Fatal(err)
			}
			tried := 0
			for _, tt := range samplePayloads {
				if tt.function != name {
					continue
				}
				tried++
				payload, err := os.ReadFile(filepath.Join("..", "events", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				out, err := fn.Invoke(ctx, payload)
				if err != nil {
					t.Fatalf("%s: %v\n%s", tt.file, err, fn.Output())
				}
				t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) { checkAnswer(t, out, tt.status) })
			}
			if tried == 0 {
				t.Errorf("no sample payload in events/ for %s", name)
			}
		})
	}
	checkSampleMail(t, sesURL, run)
	checkSESEvents(t, h)
	checkTokenRotation(t, h, sampleSecretARN(t, h))
}
