package tokensecret_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/calmi/convenings/pkg/tokensecret"
	"github.com/calmi/convenings/pkg/tokensecret/secretstest"
)

// sdkConfig is an SDK configuration for the stand-in.
func sdkConfig(sm *secretstest.Server) aws.Config {
	return aws.Config{Region: "us-west-2", BaseEndpoint: aws.String(sm.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
}

// rotation is one rotation as Secrets Manager runs it: a new pending
// version's token, then the four steps.
type rotation struct {
	t       *testing.T
	sm      *secretstest.Server
	arn     string
	rotator *tokensecret.Rotator
	keys    []string
}

func newRotation(t *testing.T, initial string) *rotation {
	sm := secretstest.Start(t)
	r := &rotation{t: t, sm: sm, arn: sm.Create("ConveningsTokenSecret", initial)}
	r.rotator = &tokensecret.Rotator{
		Secrets: secretsmanager.NewFromConfig(sdkConfig(sm)),
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewKey: func() (string, error) {
			k, err := tokensecret.NewKey()
			r.keys = append(r.keys, k)
			return k, err
		},
	}
	return r
}

// step runs one step for the version token (which must first be made
// pending, as Secrets Manager does before it calls createSecret).
func (r *rotation) step(token, step string) error {
	return r.rotator.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{
		Step: step, SecretID: r.arn, ClientRequestToken: token})
}

// rotate runs a whole rotation with version token, as RotateSecret does.
func (r *rotation) rotate(token string) {
	r.t.Helper()
	r.sm.StartRotation(r.arn, token)
	for _, step := range []string{tokensecret.StepCreate, tokensecret.StepSet, tokensecret.StepTest, tokensecret.StepFinish} {
		if err := r.step(token, step); err != nil {
			r.t.Fatalf("%s: %v", step, err)
		}
	}
}

func (r *rotation) ring(stage string) tokensecret.Keyring {
	r.t.Helper()
	v, ok := r.sm.Value(r.arn, stage)
	if !ok {
		r.t.Fatalf("no %s version", stage)
	}
	ring, err := tokensecret.ParseKeyring(v)
	if err != nil {
		r.t.Fatal(err)
	}
	return ring
}

// TestRotation rotates a secret as CloudFormation created it (one key)
// three times, and checks after each that a link emailed before it still
// opens with the secret loaded anew, through the SDK as the functions
// load it.
func TestRotation(t *testing.T) {
	initial := key('I')
	r := newRotation(t, initial)
	load := func() tokensecret.Secret {
		t.Helper()
		s, err := tokensecret.Load(context.Background(), sdkConfig(r.sm), r.arn, "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := load()
	links := []string{first.Tokens.Token("01FIRST")}

	r.rotate("11111111-1111-4111-8111-111111111111")
	ring := r.ring(secretstest.StageCurrent)
	if ring.Current != initial || ring.Next != r.keys[0] {
		t.Fatalf("after the first rotation %+v, want the initial key current and a next key", ring)
	}
	if prev, _ := r.sm.Value(r.arn, secretstest.StagePrevious); prev != initial {
		t.Errorf("AWSPREVIOUS = %q, want the initial value", prev)
	}
	// A function that loaded the secret before the rotation opens links
	// signed after it, and the other way round.
	after := load()
	if !first.Tokens.Valid("01AFTER", after.Tokens.Token("01AFTER")) || !after.Tokens.Valid("01FIRST", links[0]) {
		t.Error("links do not open across the first rotation")
	}

	r.rotate("22222222-2222-4222-8222-222222222222")
	ring = r.ring(secretstest.StageCurrent)
	if ring.Current != r.keys[0] || ring.Next != r.keys[1] || len(ring.Previous) != 1 || ring.Previous[0] != initial {
		t.Fatalf("after the second rotation %+v", ring)
	}
	second := load()
	links = append(links, second.Tokens.Token("01SECOND"))
	if !after.Tokens.Valid("01SECOND", links[1]) {
		t.Error("a function loaded before the second rotation refuses a link signed after it")
	}

	r.rotate("33333333-3333-4333-8333-333333333333")
	third := load()
	for i, id := range []string{"01FIRST", "01SECOND"} {
		if !third.Tokens.Valid(id, links[i]) {
			t.Errorf("link %d no longer opens after the third rotation", i)
		}
	}
}

// TestRotationSteps: each step may be retried and does its work once;
// a version that is already current is left alone; an unknown or
// non-pending version, and an unknown step, are refused.
func TestRotationSteps(t *testing.T) {
	r := newRotation(t, key('I'))
	token := "44444444-4444-4444-8444-444444444444"
	r.sm.StartRotation(r.arn, token)
	for range 2 {
		if err := r.step(token, tokensecret.StepCreate); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.keys) != 1 {
		t.Errorf("a retried createSecret made %d keys, want 1", len(r.keys))
	}
	pending := r.ring(secretstest.StagePending)
	if pending.Next != r.keys[0] {
		t.Fatalf("pending %+v", pending)
	}
	for _, step := range []string{tokensecret.StepSet, tokensecret.StepTest, tokensecret.StepTest, tokensecret.StepFinish, tokensecret.StepFinish} {
		if err := r.step(token, step); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	if r.ring(secretstest.StageCurrent).Next != r.keys[0] {
		t.Error("the rotated ring is not current")
	}

	tests := []struct {
		name, token, step string
	}{
		{"UnknownVersion", "55555555-5555-4555-8555-555555555555", tokensecret.StepCreate},
		{"NotPending", "00000000-0000-4000-8000-000000000001", tokensecret.StepFinish},
		{"UnknownStep", token, "rotateEverything"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.step(tt.token, tt.step)
			if tt.name == "UnknownStep" {
				// The version is current now: every step leaves it alone.
				if err != nil {
					t.Errorf("a step on the current version: %v", err)
				}
				return
			}
			if !errors.Is(err, tokensecret.ErrRotation) {
				t.Errorf("err = %v, want ErrRotation", err)
			}
		})
	}
}
