// Package awsconfig builds the AWS SDK configuration every function builds
// its clients from: the credentials and region of the Lambda environment,
// with a retry policy suited to DynamoDB's throttling.
//
// It is built from the environment by hand rather than with the SDK's
// config.LoadDefaultConfig. In Lambda the default chain ends at the same
// place (the role's session credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the region in AWS_REGION),
// but linking it brings STS, SSO, SSO OIDC, sign-in, IMDS and the shared
// config file parser into every binary: about 2 MB of each function, and
// more where html/template keeps every exported method alive.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// ErrMissing is returned when the environment lacks a setting the
// configuration cannot do without.
var ErrMissing = errors.New("missing from the environment")

// FromEnvironment builds the SDK configuration from a function's
// environment, read through getenv (os.Getenv in a function's main):
//   - the region from AWS_REGION (or AWS_DEFAULT_REGION);
//   - static credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN, which Lambda sets to the function role's session
//     for the life of the execution environment;
//   - endpoint overrides, as the SDK reads them: AWS_ENDPOINT_URL for every
//     service and AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_DYNAMODB,
//     AWS_ENDPOINT_URL_SESV2, …) for one, which is how a function's binary
//     is pointed at local services outside AWS.
func FromEnvironment(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if id == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if secret == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("AWS config: %s %w", strings.Join(missing, ", "), ErrMissing)
	}
	cfg := aws.Config{
		Region:        region,
		Credentials:   aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
		Retryer:       Retryer,
		HTTPClient:    HTTPClient(),
		ConfigSources: []any{endpoints(getenv)},
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg, nil
}

// endpoints gives each client its service's endpoint override: the SDK's
// clients ask their configuration sources for it by the service's SDK id
// ("DynamoDB", "SESv2"), as the SDK's own environment source answers.
type endpoints func(string) string

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SDK ID>, upper case with
// spaces as underscores.
func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}

// ConnectTimeout bounds connecting to an AWS endpoint (the TCP dial, then
// the TLS handshake). The SDK's defaults, 30 s and 10 s, would let an
// endpoint that drops connections silently hold a call, say an email's
// send, most of its caller's deadline; a connection that fails fast is
// retried by Retryer, and since no request was sent, retrying it cannot
// send an email twice.
const ConnectTimeout = 3 * time.Second

// HTTPClient is the HTTP client of every SDK client: the SDK's own, with
// ConnectTimeout.
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.TLSHandshakeTimeout = ConnectTimeout })
}

// Retryer is the retry policy of every client. Registration is a short,
// contended transaction: retry throttling a few more times than the
// default, with a short ceiling.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 6
		o.MaxBackoff = 2 * time.Second
		// The client-side retry quota would turn a burst of throttling
		// into failed registrations; DynamoDB's own throttling already
		// paces us.
		o.RateLimiter = ratelimit.None
	})
}
