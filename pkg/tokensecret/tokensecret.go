// Package tokensecret loads the secret that manage tokens are derived from
// (see convening.ManageTokens): from Secrets Manager in AWS, or given as a
// value outside it. Only the functions that issue or check manage tokens
// link it, and only they may read the secret.
package tokensecret

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// Secret is the manage-token secret.
type Secret struct {
	// Tokens issues and checks manage tokens under the secret.
	Tokens *convening.ManageTokens
	value  []byte
}

// Load returns the secret: value itself if it is set (a binary run outside
// AWS, deploy.EnvTokenSecret), else the Secrets Manager secret arn names,
// read with a client built from cfg. Errors name the variable to fix.
func Load(ctx context.Context, cfg aws.Config, arn, value string) (Secret, error) {
	if value != "" {
		return New([]byte(value))
	}
	if arn == "" {
		return Secret{}, fmt.Errorf("set %s (or %s outside AWS)", deploy.EnvTokenSecretARN, deploy.EnvTokenSecret)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return Secret{}, fmt.Errorf("read %s: %w", deploy.EnvTokenSecretARN, err)
	}
	s := aws.ToString(out.SecretString)
	if s == "" {
		return Secret{}, errors.New("the manage token secret is empty")
	}
	return New([]byte(s))
}

// New returns the secret with the given value, which must be at least
// convening.MinSecretLen bytes.
func New(value []byte) (Secret, error) {
	tokens, err := convening.NewManageTokens(value)
	if err != nil {
		return Secret{}, fmt.Errorf("manage token secret: %w", err)
	}
	return Secret{Tokens: tokens, value: append([]byte(nil), value...)}, nil
}

// Derive returns a key for one purpose (e.g. signing the website's forms),
// HMAC-SHA256(secret, label), so that no other secret needs deploying.
func (s Secret) Derive(label string) []byte {
	m := hmac.New(sha256.New, s.value)
	m.Write([]byte(label))
	return m.Sum(nil)
}
