package tokensecret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// The staging labels of a rotation: Secrets Manager gives the version being
// made AWSPENDING, and finishing moves AWSCURRENT to it.
const (
	stageCurrent = "AWSCURRENT"
	stagePending = "AWSPENDING"
)

// The steps Secrets Manager invokes a rotation function with, in order.
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// SecretsAPI is what the rotation calls of Secrets Manager
// (*secretsmanager.Client).
type SecretsAPI interface {
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(context.Context, *secretsmanager.UpdateSecretVersionStageInput, ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

// Rotator is the token-rotation function's handler: Secrets Manager's
// four-step rotation of a secret whose value is a Keyring. createSecret
// writes the rotated ring (Keyring.Rotate with a new key) as the pending
// version; setSecret has nothing to do (no other service holds the keys);
// testSecret checks the pending ring is the current one rotated;
// finishSecret makes it current. Every step may run again (Secrets Manager
// retries a failed one) and does its work once.
type Rotator struct {
	Secrets SecretsAPI
	Log     *slog.Logger
	// NewKey makes the new key; nil means the package's NewKey.
	NewKey func() (string, error)
}

// ErrRotation is the error of a rotation step that cannot proceed: the
// event names a version the secret does not have, or one not pending, or a
// secret whose rotation is off, or the pending ring is not the current one
// rotated.
var ErrRotation = errors.New("token secret rotation")

// Handle runs one step of the rotation.
func (r *Rotator) Handle(ctx context.Context, e events.SecretsManagerSecretRotationEvent) error {
	log := r.Log.With("step", e.Step, "version", e.ClientRequestToken)
	desc, err := r.Secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(e.SecretID)})
	if err != nil {
		return fmt.Errorf("describe the token secret: %w", err)
	}
	if !aws.ToBool(desc.RotationEnabled) {
		return fmt.Errorf("%w: rotation is not enabled on the secret", ErrRotation)
	}
	stages, ok := desc.VersionIdsToStages[e.ClientRequestToken]
	switch {
	case !ok:
		return fmt.Errorf("%w: version %s is not a version of the secret", ErrRotation, e.ClientRequestToken)
	case slices.Contains(stages, stageCurrent):
		log.Info("token secret version already current")
		return nil
	case !slices.Contains(stages, stagePending):
		return fmt.Errorf("%w: version %s is not pending rotation", ErrRotation, e.ClientRequestToken)
	}
	switch e.Step {
	case StepCreate:
		err = r.create(ctx, e)
	case StepSet:
		// The keys live in the secret alone.
	case StepTest:
		err = r.test(ctx, e)
	case StepFinish:
		err = r.finish(ctx, e, desc.VersionIdsToStages)
	default:
		return fmt.Errorf("%w: unknown step %q", ErrRotation, e.Step)
	}
	if err != nil {
		return err
	}
	log.Info("token secret rotation step done")
	return nil
}

// ring reads the version of the secret with the given id and label.
func (r *Rotator) ring(ctx context.Context, secretID, versionID, stage string) (Keyring, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID), VersionStage: aws.String(stage)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := r.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return Keyring{}, fmt.Errorf("read the token secret's %s version: %w", stage, err)
	}
	return ParseKeyring(aws.ToString(out.SecretString))
}

func (r *Rotator) create(ctx context.Context, e events.SecretsManagerSecretRotationEvent) error {
	current, err := r.ring(ctx, e.SecretID, "", stageCurrent)
	if err != nil {
		return err
	}
	// A retried step finds the pending version it wrote.
	_, err = r.ring(ctx, e.SecretID, e.ClientRequestToken, stagePending)
	var notFound *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &notFound):
		return err
	}
	newKey := r.NewKey
	if newKey == nil {
		newKey = NewKey
	}
	key, err := newKey()
	if err != nil {
		return err
	}
	_, err = r.Secrets.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(e.SecretID),
		ClientRequestToken: aws.String(e.ClientRequestToken),
		SecretString:       aws.String(current.Rotate(key).String()),
		VersionStages:      []string{stagePending},
	})
	if err != nil {
		return fmt.Errorf("write the rotated token secret: %w", err)
	}
	return nil
}

// test checks the pending ring: every key valid, and the current ring
// rotated, so that no key still opening links is lost.
func (r *Rotator) test(ctx context.Context, e events.SecretsManagerSecretRotationEvent) error {
	pending, err := r.ring(ctx, e.SecretID, e.ClientRequestToken, stagePending)
	if err != nil {
		return err
	}
	current, err := r.ring(ctx, e.SecretID, "", stageCurrent)
	if err != nil {
		return err
	}
	want := current.Rotate(pending.Next)
	if pending.Next == "" || pending.String() != want.String() {
		return fmt.Errorf("%w: the pending version is not the current keyring rotated", ErrRotation)
	}
	if _, err := New([]byte(pending.String())); err != nil {
		return fmt.Errorf("%w: %w", ErrRotation, err)
	}
	return nil
}

// finish moves AWSCURRENT to the pending version (Secrets Manager gives the
// version it leaves AWSPREVIOUS).
func (r *Rotator) finish(ctx context.Context, e events.SecretsManagerSecretRotationEvent, versions map[string][]string) error {
	var current string
	for id, stages := range versions {
		if slices.Contains(stages, stageCurrent) {
			current = id
		}
	}
	_, err := r.Secrets.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:            aws.String(e.SecretID),
		VersionStage:        aws.String(stageCurrent),
		MoveToVersionId:     aws.String(e.ClientRequestToken),
		RemoveFromVersionId: aws.String(current),
	})
	if err != nil {
		return fmt.Errorf("make the rotated token secret current: %w", err)
	}
	return nil
}
