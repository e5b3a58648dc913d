// Package deployment assembles a function from its environment: it reads
// the configuration the CDK app (or the local runner) sets, builds the AWS
// clients once per cold start, and wires the store, the service and the
// mailer. Every functions/*/main.go is a few lines on top of it.
package deployment

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/mail"
)

// Environment variables. The CDK app sets the first group; the local
// runner sets the second group as well.
const (
	EnvTableName        = "LMI_TABLE_NAME"
	EnvTokenSecretARN   = "LMI_TOKEN_SECRET_ARN"
	EnvPublicURL        = "LMI_PUBLIC_URL"
	EnvSenderEmail      = "LMI_SENDER_EMAIL"
	EnvSESMaxSendRate   = "LMI_SES_MAX_SEND_RATE"
	EnvLogLevel         = "LMI_LOG_LEVEL"
	EnvTokenSecret      = "LMI_TOKEN_SECRET"      // local: the secret itself
	EnvStaffToken       = "LMI_STAFF_TOKEN"       // local: the staff bearer token
	EnvDynamoDBEndpoint = "LMI_DYNAMODB_ENDPOINT" // local: DynamoDB Local
	EnvSESEndpoint      = "LMI_SES_ENDPOINT"      // local: the local SES endpoint
)

// Needs says which parts a function uses, so that it neither reads secrets
// nor builds clients it has no permission for.
type Needs struct {
	Tokens bool // manage tokens (register, registration, mailer)
	Mail   bool // the SES mailer
}

// App is one function's assembled dependencies.
type App struct {
	Log     *slog.Logger
	Store   *dynamostore.Store
	Service *convening.Service
	Mailer  *mail.Mailer // nil unless Needs.Mail

	secret []byte // the manage-token secret; nil unless Needs.Tokens or Needs.Mail
}

// DeriveKey returns a key for one purpose (e.g. signing forms), derived from
// the manage-token secret so that no other secret needs deploying:
// HMAC-SHA256(secret, label). It is nil without Needs.Tokens.
func (a *App) DeriveKey(label string) []byte {
	if a.secret == nil {
		return nil
	}
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Load reads the environment and builds the App. Errors name the variable
// at fault, so a misconfigured deployment says what to fix in its logs.
func Load(ctx context.Context, needs Needs) (*App, error) {
	log := NewLogger(os.Getenv(EnvLogLevel))
	table := os.Getenv(EnvTableName)
	if table == "" {
		return nil, fmt.Errorf("%s is not set", EnvTableName)
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	db := DynamoDB(cfg, os.Getenv(EnvDynamoDBEndpoint))
	store := dynamostore.New(db, table, log)
	app := &App{Log: log, Store: store}
	var tokens *convening.ManageTokens
	if needs.Tokens || needs.Mail {
		secret, err := tokenSecret(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if tokens, err = convening.NewManageTokens(secret); err != nil {
			return nil, fmt.Errorf("manage token secret: %w", err)
		}
		app.secret = secret
	}
	app.Service = convening.NewService(store, tokens, log)
	if needs.Mail {
		if app.Mailer, err = newMailer(cfg, store, tokens, log); err != nil {
			return nil, err
		}
	}
	return app, nil
}

// NewLogger returns the JSON logger every function logs with.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// AWSConfig loads the SDK configuration. Locally (a DynamoDB endpoint is
// set) it uses fixed credentials and region so that nothing depends on the
// developer's AWS profile.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		// Registration is a short, contended transaction: retry throttling
		// a few more times than the default, with a short ceiling.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 6
				o.MaxBackoff = 2 * time.Second
				// The client-side retry quota would turn a burst of
				// throttling into failed registrations; DynamoDB's own
				// throttling already paces us.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if os.Getenv(EnvDynamoDBEndpoint) != "" {
		opts = append(opts, config.WithRegion("us-west-2"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// DynamoDB returns a client, pointed at endpoint if one is given.
func DynamoDB(cfg aws.Config, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// DynamoDB Local sends X-Amz-Crc32: 0 with its error answers,
			// which makes the SDK warn on every refused condition.
			o.DisableValidateResponseChecksum = true
		}
	}}, optFns...)...)
}

func tokenSecret(ctx context.Context, cfg aws.Config) ([]byte, error) {
	if s := os.Getenv(EnvTokenSecret); s != "" {
		return []byte(s), nil
	}
	arn := os.Getenv(EnvTokenSecretARN)
	if arn == "" {
		return nil, fmt.Errorf("set %s (or %s locally)", EnvTokenSecretARN, EnvTokenSecret)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", EnvTokenSecretARN, err)
	}
	s := aws.ToString(out.SecretString)
	if s == "" {
		return nil, errors.New("the manage token secret is empty")
	}
	return []byte(s), nil
}

func newMailer(cfg aws.Config, store *dynamostore.Store, tokens *convening.ManageTokens, log *slog.Logger) (*mail.Mailer, error) {
	from := os.Getenv(EnvSenderEmail)
	if from == "" {
		return nil, fmt.Errorf("%s is not set", EnvSenderEmail)
	}
	rate := 1.0
	if s := os.Getenv(EnvSESMaxSendRate); s != "" {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("%s must be a positive number of emails per second, not %q", EnvSESMaxSendRate, s)
		}
		rate = r
	}
	endpoint := os.Getenv(EnvSESEndpoint)
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	links := mail.Links{BaseURL: os.Getenv(EnvPublicURL), Tokens: tokens, Organizer: from}
	m, err := mail.NewMailer(store, mail.NewSES(ses, from), links, mail.NewLimiter(rate), log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvPublicURL, err)
	}
	return m, nil
}
