package awsconfig

import (
	"context"
	"errors"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

func TestFromEnvironment(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "session",
	}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range lambdaEnv {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	tests := []struct {
		name        string
		env         map[string]string
		wantMissing []string // names the error gives, if it fails
		region      string
		dynamoDB    string // endpoint the DynamoDB client resolves to ("" for AWS's)
		ses         string
	}{
		{name: "lambda", env: lambdaEnv, region: "us-west-2"},
		{name: "default region", env: with("AWS_REGION", "", "AWS_DEFAULT_REGION", "us-east-1"), region: "us-east-1"},
		{name: "one service pointed elsewhere", env: with("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
			region: "us-west-2", dynamoDB: "http://127.0.0.1:8000"},
		{name: "SES v2 by its SDK id", env: with("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:8005"),
			region: "us-west-2", ses: "http://127.0.0.1:8005"},
		{name: "every service", env: with("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
			region: "us-west-2", dynamoDB: "http://127.0.0.1:4566", ses: "http://127.0.0.1:4566"},
		{name: "nothing", env: map[string]string{},
			wantMissing: []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
		{name: "no secret", env: with("AWS_SECRET_ACCESS_KEY", ""), wantMissing: []string{"AWS_SECRET_ACCESS_KEY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := FromEnvironment(func(k string) string { return tt.env[k] })
			if tt.wantMissing != nil {
				if !errors.Is(err, ErrMissing) {
					t.Fatalf("err = %v, want ErrMissing", err)
				}
				for _, name := range tt.wantMissing {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("err = %v, want it to name %s", err, name)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tt.region {
				t.Errorf("Region = %q, want %q", cfg.Region, tt.region)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "session" {
				t.Errorf("credentials = %+v, %v; want the environment's", creds, err)
			}
			if got := endpoint(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint); got != tt.dynamoDB {
				t.Errorf("DynamoDB endpoint = %q, want %q", got, tt.dynamoDB)
			}
			if got := endpoint(sesv2.NewFromConfig(cfg).Options().BaseEndpoint); got != tt.ses {
				t.Errorf("SES endpoint = %q, want %q", got, tt.ses)
			}
			if got := cfg.Retryer().MaxAttempts(); got != 6 {
				t.Errorf("retry attempts = %d, want 6", got)
			}
			hc, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
			if !ok || hc.GetDialer().Timeout != ConnectTimeout || hc.GetTransport().TLSHandshakeTimeout != ConnectTimeout {
				t.Errorf("HTTP client %T does not connect within %s", cfg.HTTPClient, ConnectTimeout)
			}
		})
	}
}

func endpoint(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
