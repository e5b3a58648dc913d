// Package awsconfig loads the AWS SDK configuration every function builds
// its clients from: the credentials and region of the Lambda environment,
// with a retry policy suited to DynamoDB's throttling.
package awsconfig

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load loads the SDK configuration from the environment, as in Lambda. The
// SDK also reads endpoint overrides from it (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SESV2), which is how a function's binary is pointed at
// local services outside AWS. optFns add to the defaults.
func Load(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error{config.WithRetryer(Retryer)}, optFns...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
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
