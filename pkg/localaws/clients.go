package localaws

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/awsconfig"
)

// Region is the region the local clients sign for. DynamoDB Local runs
// with -sharedDb, so the region does not partition its tables.
const Region = "us-west-2"

// Config is the SDK configuration for local services: fixed credentials
// and region, and the functions' retry policy and HTTP client (package
// awsconfig). It ignores the environment, so that a developer's AWS
// profile, credentials or region can neither leak into local runs nor
// break them. Point each client at its endpoint with DynamoDBEndpoint or
// SESEndpoint.
func Config() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer:     awsconfig.Retryer,
		HTTPClient:  awsconfig.HTTPClient(),
	}
}

func localConfig(endpoint string) (aws.Config, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return aws.Config{}, err
	}
	cfg := Config()
	cfg.BaseEndpoint = aws.String(endpoint)
	return cfg, nil
}

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("local endpoint %q is not an absolute URL", endpoint)
	}
	return nil
}

// DynamoDBEndpoint points a DynamoDB client at a local endpoint such as
// DynamoDB Local's.
func DynamoDBEndpoint(endpoint string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		// DynamoDB Local sends X-Amz-Crc32: 0 with its error answers, which
		// makes the SDK warn on every refused condition.
		o.DisableValidateResponseChecksum = true
	}
}

// SESEndpoint points an SES v2 client at a local endpoint such as
// aws-ses-v2-local's.
func SESEndpoint(endpoint string) func(*sesv2.Options) {
	return func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) }
}

// NewDynamoDBClient returns a DynamoDB client for a local endpoint such as
// DynamoDB Local's; opts adjust it further. ctx is unused; it keeps the
// shape of config loading.
func NewDynamoDBClient(ctx context.Context, endpoint string, opts ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	if err := checkEndpoint(endpoint); err != nil {
		return nil, fmt.Errorf("new DynamoDB client: %w", err)
	}
	return dynamodb.NewFromConfig(Config(), append([]func(*dynamodb.Options){DynamoDBEndpoint(endpoint)}, opts...)...), nil
}

// NewStreamsClient returns a DynamoDB Streams client for a local endpoint;
// DynamoDB Local serves streams on the same endpoint as tables. The client
// mends a DynamoDB Local fault that would otherwise corrupt records: an
// empty map in a stream image arrives as {} instead of {"M":{}}.
func NewStreamsClient(ctx context.Context, endpoint string) (*dynamodbstreams.Client, error) {
	cfg, err := localConfig(endpoint)
	if err != nil {
		return nil, fmt.Errorf("new DynamoDB Streams client: %w", err)
	}
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.APIOptions = append(o.APIOptions, addEmptyMapRepair)
	}), nil
}

// NewSESClient returns an SES v2 client for a local endpoint such as
// aws-ses-v2-local's.
func NewSESClient(ctx context.Context, endpoint string) (*sesv2.Client, error) {
	cfg, err := localConfig(endpoint)
	if err != nil {
		return nil, fmt.Errorf("new SES client: %w", err)
	}
	return sesv2.NewFromConfig(cfg), nil
}
