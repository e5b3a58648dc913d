package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
	"github.com/calmi/convenings/pkg/tokensecret"
	"github.com/calmi/convenings/pkg/tokensecret/secretstest"
)

// answerNone is the "status" of an SNS delivery: the function answers
// nothing (null) and must not fail.
const answerNone = -1

// samplePayloads names every file in events/, the function it is for, and
// the HTTP status it is answered with (0 for stream batches, which must
// report no failures; answerNone for SNS deliveries), against the table
// samplePayloadHarness prepares.
var samplePayloads = []struct {
	file, function string
	status         int
}{
	{"api-list-events.json", deploy.Events, 200},
	{"api-get-event.json", deploy.Events, 200},
	{"api-register.json", deploy.Register, 201},
	{"api-register-invalid.json", deploy.Register, 400},
	{"api-get-registration.json", deploy.Registration, 404}, // the sample's token is not the registration's
	{"api-cancel-registration.json", deploy.Registration, 404},
	{"api-submit-statement.json", deploy.Statements, 201},
	{"api-get-survey.json", deploy.Surveys, 404}, // the sample's token is not the person's
	{"api-admin-create-event.json", deploy.Admin, 201},
	{"api-admin-update-event.json", deploy.Admin, 200},
	{"api-admin-roster.json", deploy.Admin, 200},
	{"api-admin-failed-notices.json", deploy.Admin, 200},
	{"web-event-page.json", deploy.Web, 200},
	{"web-register-form.json", deploy.Web, 403},       // a form post without the site's anti-forgery cookie
	{"console-events-page.json", deploy.Console, 303}, // a session cookie the table does not know: sign in
	{"console-check-in-page.json", deploy.Console, 303},
	{"console-cancel-form.json", deploy.Console, 303}, // a form without a session changes nothing: sign in first
	{"stream-event-seats-freed.json", deploy.Promoter, 0},
	{"stream-notice-inserted.json", deploy.Mailer, 0},
	{"scheduled-retention.json", deploy.Retention, 0},
	{"scheduled-hold-sweep.json", deploy.Promoter, 0},
	{"scheduled-sequencer-sweep.json", deploy.Sequencer, 0}, // the minute's safety net: places any line left
	// SES's events about the emails of sentNotices (checkSESEvents).
	{"ses-bounce-permanent.json", deploy.SESEvents, answerNone},
	{"ses-bounce-transient.json", deploy.SESEvents, answerNone},
	{"ses-complaint.json", deploy.SESEvents, answerNone},
	{"ses-delivery.json", deploy.SESEvents, answerNone},
	// A rotation of the token secret, step by step (checkTokenRotation).
	{"secrets-rotation-create.json", deploy.TokenRotation, answerNone},
	{"secrets-rotation-set.json", deploy.TokenRotation, answerNone},
	{"secrets-rotation-test.json", deploy.TokenRotation, answerNone},
	{"secrets-rotation-finish.json", deploy.TokenRotation, answerNone},
}

// The token secret and the rotation the rotation samples run.
const (
	sampleSecretName    = "ConveningsTokenSecret"
	sampleRotationToken = "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
)

// checkTokenRotation checks what the rotation samples left: the secret's
// current version is the keyring whose current key is the one before
// (links already emailed open) with a next key added, and the value before
// it is the previous version.
func checkTokenRotation(t *testing.T, h *harness, arn string) {
	t.Helper()
	current, _ := h.secrets.Value(arn, secretstest.StageCurrent)
	ring, err := tokensecret.ParseKeyring(current)
	if err != nil {
		t.Fatalf("the rotated secret: %v", err)
	}
	if ring.Current != tokenSecret || ring.Next == "" {
		t.Errorf("the rotated secret's current key is %q, next %q: want the key before it current and a new next key", ring.Current, ring.Next)
	}
	if prev, _ := h.secrets.Value(arn, secretstest.StagePrevious); prev != tokenSecret {
		t.Errorf("the previous version is %q, want the value before the rotation", prev)
	}
}

// sentNotices are notices the harness marks sent, by the SES message id of
// their email (the id in each SES sample), and what the SES sample should
// leave of them.
var sentNotices = []struct {
	notice, messageID string
	state             convening.NoticeState
	cause             string
}{
	{"01JDXNOTICE0000000000BOUNCE", "0100018f3e7d95a2-5b1c8e7f-2d4a-4f6b-8c3e-1a9d7b5e3f20-000000", convening.NoticeFailed, "bounced (Permanent/General)"},
	{"01JDXNOTICE00000000TRANSIENT", "0100018f3e8a0b19-7c2e4a6b-9d1f-4b3d-a5c7-e9f1b3d5a7c6-000000", convening.NoticeSent, ""},
	{"01JDXNOTICE000000000COMPLAIN", "0100018f3eb11f63-1d3f5b7d-6e8a-4c2e-b4d6-f8a0c2e4a6b8-000000", convening.NoticeFailed, "complaint (abuse)"},
	{"01JDXNOTICE0000000DELIVERED", "0100018f3e8022c5-9a1b3c5d-7e9f-4a1b-8d2f-6b8d0f2b4d6f-000000", convening.NoticeSent, ""},
}

// samplePayloadHarness returns a table holding what the samples refer to:
// the sample event, the registration and notice the mailer sample names,
// and the sent notices the SES samples report on. run makes the
// registrations' contact addresses unique.
func samplePayloadHarness(t *testing.T, run string) *harness {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t)
	start := time.Now().AddDate(0, 2, 0).UTC().Truncate(time.Hour)
	if _, err := h.svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), convening.Event{ID: "central-valley-convening-2027", Title: "Central Valley Universal Convening",
		Kind: convening.KindConvening, StartsAt: start, EndsAt: start.Add(6 * time.Hour), Venue: "Fresno", Capacity: 12, MaxTeamSize: 6}); err != nil {
		t.Fatal(err)
	}
	// The statements sample's event: admission by statement, the four core
	// roles required.
	if _, err := h.svc.CreateEvent(ctx, convening.StaffActor("staff-1", "staff@lmi.example.org"), convening.Event{ID: "symposium-2027", Title: "CA LMI Symposium 2027",
		Kind: convening.KindSymposium, StartsAt: start, EndsAt: start.Add(30 * time.Hour), Venue: "San Diego", Capacity: 200, MaxTeamSize: 8,
		Admission: convening.AdmissionStatement, RequiredRoles: convening.CoreRoles}); err != nil {
		t.Fatal(err)
	}
	// The samples name the registration and its notice: the first id
	// Register takes, and the one after the two members' ids.
	// ids are the ids NewID hands out next, in order ("" for a random one).
	var ids []string
	h.svc.NewID = func() string {
		if len(ids) == 0 {
			return convening.NewID()
		}
		id := ids[0]
		ids = ids[1:]
		return cmp.Or(id, convening.NewID())
	}
	ids = []string{"01JDXAMPLE0000000000000000", "", "", "01JDXNOTICE000000000000000"}
	if _, _, _, err := h.svc.Register(ctx, "central-valley-convening-2027", teamOf(run, 1, 2), nil); err != nil {
		t.Fatal(err)
	}
	store := h.store
	for i, n := range sentNotices {
		// A team of one: its registration, its member, its notice.
		ids = []string{fmt.Sprintf("01JDXAMPLE00000000000000%02d", i+1), "", n.notice}
		if _, _, _, err := h.svc.Register(ctx, "central-valley-convening-2027", teamOf(run, i+2, 1), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ClaimNotice(ctx, n.notice, time.Now(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := store.MarkNoticeSent(ctx, n.notice, n.messageID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	h.svc.NewID = convening.NewID
	// The token secret, as CloudFormation creates it, with the rotation
	// that the samples step through begun as RotateSecret begins it.
	h.secrets = secretstest.Start(t)
	h.secrets.StartRotation(h.secrets.Create(sampleSecretName, tokenSecret), sampleRotationToken)
	return h
}

// checkSESEvents checks what the SES samples left of the sent notices: a
// permanent bounce and a complaint failed theirs, the others changed nothing.
func checkSESEvents(t *testing.T, h *harness) {
	t.Helper()
	store := h.store
	for _, n := range sentNotices {
		r, err := store.NoticeRecord(context.Background(), n.notice)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != n.state || r.Cause != n.cause || r.MessageID != n.messageID {
			t.Errorf("notice of message %s: %s %q, want %s %q", n.messageID, r.State, r.Cause, n.state, n.cause)
		}
	}
}

// checkAnswer checks a function's answer to a sample payload.
func checkAnswer(t *testing.T, out []byte, status int) {
	t.Helper()
	if status == answerNone {
		if s := strings.TrimSpace(string(out)); s != "null" && s != "" {
			t.Fatalf("answer %s, want none", s)
		}
		return
	}
	if status > 0 {
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != status {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, resp.Body)
		}
		return
	}
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch item failures: %+v", resp.BatchItemFailures)
	}
}

// checkSampleMail checks that the mailer sample emailed the sample
// registration's contact.
func checkSampleMail(t *testing.T, sesURL, run string) {
	t.Helper()
	sent, err := localaws.SentEmails(context.Background(), sesURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		for _, to := range m.To {
			if strings.Contains(to, "contact-1@"+run+".example.org") {
				return
			}
		}
	}
	t.Errorf("the mailer sample sent no email to the sample registration's contact")
}

// TestSamplePayloads feeds every file in events/ to the function it is for,
// through the real Lambda decoder, against a table holding the sample
// event, and checks the answer. A payload that no longer matches its
// handler's event type fails here.
func TestSamplePayloads(t *testing.T) {
	ctx := context.Background()
	h := samplePayloadHarness(t, "payloads")
	files, _ := filepath.Glob("../events/*.json")
	if len(files) != len(samplePayloads) {
		t.Errorf("events/ has %d files, the test knows %d: add the new ones here", len(files), len(samplePayloads))
	}
	for _, tt := range samplePayloads {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("..", "events", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.status > 0:
				roundTrip[events.APIGatewayV2HTTPRequest](t, payload)
			case strings.HasPrefix(tt.file, "secrets-rotation-"):
				roundTrip[events.SecretsManagerSecretRotationEvent](t, payload)
			case tt.status == answerNone:
				roundTrip[events.SNSEvent](t, payload)
			case strings.HasPrefix(tt.file, "scheduled-"):
				roundTrip[events.EventBridgeEvent](t, payload)
			default:
				roundTrip[events.DynamoDBEvent](t, payload)
			}
			fn, err := localrun.NewFunction(ctx, tt.function, h.functionConfig(h.sesURL))
			if err != nil {
				t.Fatal(err)
			}
			out, err := lambda.NewHandler(fn).Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			checkAnswer(t, out, tt.status)
		})
	}
	checkSampleMail(t, h.sesURL, "payloads")
	checkSESEvents(t, h)
	checkTokenRotation(t, h, sampleSecretARN(t, h))
}

// sampleSecretARN is the ARN of the rotation samples' secret.
func sampleSecretARN(t *testing.T, h *harness) string {
	t.Helper()
	var e events.SecretsManagerSecretRotationEvent
	raw, err := os.ReadFile(filepath.Join("..", "events", "secrets-rotation-create.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e.SecretID
}

// roundTrip checks that a payload decodes into T and encodes back to the
// same JSON, so no field of the sample is silently ignored.
func roundTrip[T any](t *testing.T, payload []byte) {
	t.Helper()
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	back, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(payload, &a)
	_ = json.Unmarshal(back, &b)
	if path, ok := contains(b, a, "$"); !ok {
		t.Errorf("%s of the payload is lost decoding it as %T", path, v)
	}
}

// contains reports whether every non-null value of want is in got, and
// where it is not. (The SDK's types add empty fields of their own.)
func contains(got, want any, path string) (string, bool) {
	switch w := want.(type) {
	case nil:
		return "", true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range w {
			if p, ok := contains(g[k], v, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := contains(g[i], w[i], path); !ok {
				return p, false
			}
		}
		return "", true
	default:
		return path, reflect.DeepEqual(got, want)
	}
}
