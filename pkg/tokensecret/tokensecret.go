// Package tokensecret loads the secret that manage tokens are derived from
// (see convening.ManageTokens), and rotates it: from Secrets Manager in
// AWS, or given as a value outside it. The secret is a keyring (Keyring):
// one key signs, the others still open the links they signed, so a
// rotation voids no link already emailed. Only the functions that issue or
// check manage tokens link it, and only they (and the rotation function,
// Rotator) may read the secret.
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
	// Tokens issues manage tokens with the ring's current key and checks
	// them against all its keys.
	Tokens *convening.ManageTokens
	// current is the ring's current key, which Derive derives from;
	// previous the others, which DerivePrevious derives from.
	current  []byte
	previous [][]byte
}

// Load returns the secret: value itself if it is set (a binary run outside
// AWS, deploy.EnvTokenSecret), else the current version of the Secrets
// Manager secret arn names, read with a client built from cfg. Errors name
// the variable to fix.
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

// New returns the secret with the given value: a keyring (ParseKeyring),
// or a single key of at least convening.MinSecretLen bytes.
func New(value []byte) (Secret, error) {
	ring, err := ParseKeyring(string(value))
	if err != nil {
		return Secret{}, fmt.Errorf("manage token secret: %w", err)
	}
	keys := make([][]byte, 0, len(ring.keys()))
	for _, k := range ring.keys() {
		keys = append(keys, []byte(k))
	}
	tokens, err := convening.NewManageTokens(keys[0], keys[1:]...)
	if err != nil {
		return Secret{}, fmt.Errorf("manage token secret: %w", err)
	}
	return Secret{Tokens: tokens, current: keys[0], previous: keys[1:]}, nil
}

// Derive returns a key for one purpose (e.g. signing the website's forms),
// HMAC-SHA256(current key, label), so that no other secret needs
// deploying. It changes when a rotation makes the next key current; what
// was signed or sealed under the old one still opens with DerivePrevious.
func (s Secret) Derive(label string) []byte { return derive(s.current, label) }

// DerivePrevious returns the keys for the same purpose derived from the
// ring's other keys: a form loaded, or a console session begun, before a
// rotation is still accepted after it, until its key leaves the ring.
func (s Secret) DerivePrevious(label string) [][]byte {
	keys := make([][]byte, 0, len(s.previous))
	for _, k := range s.previous {
		keys = append(keys, derive(k, label))
	}
	return keys
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}
