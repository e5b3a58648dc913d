package localaws_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/calmi/convenings/pkg/localaws"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }

func TestFindRepoRoot(t *testing.T) {
	root, err := localaws.FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("FindRepoRoot() = %s, which has no go.mod: %v", root, err)
	}
}

func TestStartMissingInstall(t *testing.T) {
	root := t.TempDir()
	if _, err := localaws.StartSES(t.Context(), localaws.SESOptions{Root: root}); err == nil {
		t.Error("StartSES with no node_modules: no error")
	}
	if _, err := localaws.StartDynamoDB(t.Context(), localaws.DynamoDBOptions{Root: root, InMemory: true}); err == nil {
		t.Error("StartDynamoDB with no node_modules: no error")
	}
}

func TestNewTestTable(t *testing.T) {
	dynamo, _ := localaws.Endpoints(t)
	client, err := localaws.NewDynamoDBClient(t.Context(), dynamo)
	if err != nil {
		t.Fatal(err)
	}
	name := localaws.NewTestTable(t, client, streamTable)
	out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Table.TableStatus != types.TableStatusActive {
		t.Errorf("table status = %s, want ACTIVE", out.Table.TableStatus)
	}
	arn, err := localaws.StreamARN(t.Context(), client, name)
	if err != nil || arn == "" {
		t.Errorf("StreamARN() = %q, %v; want an ARN", arn, err)
	}
}

func TestSentEmails(t *testing.T) {
	ctx := t.Context()
	_, endpoint := localaws.Endpoints(t)
	if err := localaws.ClearSentEmails(ctx, endpoint); err != nil {
		t.Fatal(err)
	}
	client, err := localaws.NewSESClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Second)
	out, err := client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("events@example.org"),
		Destination: &sestypes.Destination{
			ToAddresses: []string{"coach@example.org"},
			CcAddresses: []string{"assistant@example.org"},
		},
		ReplyToAddresses: []string{"help@example.org"},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Registration received")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("Thanks.")},
				Html: &sestypes.Content{Data: aws.String("<p>Thanks.</p>")},
			},
			Headers: []sestypes.MessageHeader{{Name: aws.String("X-Convening"), Value: aws.String("e1")}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}

	emails, err := localaws.SentEmails(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("SentEmails() returned %d emails, want 1: %+v", len(emails), emails)
	}
	got := emails[0]
	if got.MessageID != aws.ToString(out.MessageId) || got.From != "events@example.org" ||
		!slices.Equal(got.To, []string{"coach@example.org"}) || !slices.Equal(got.CC, []string{"assistant@example.org"}) ||
		len(got.BCC) != 0 || !slices.Equal(got.ReplyTo, []string{"help@example.org"}) ||
		got.Subject != "Registration received" || got.Text != "Thanks." || got.HTML != "<p>Thanks.</p>" ||
		!slices.Equal(got.Headers, []localaws.EmailHeader{{Name: "X-Convening", Value: "e1"}}) {
		t.Errorf("SentEmails()[0] = %+v", got)
	}
	if got.SentAt.Before(before) || got.SentAt.After(time.Now()) {
		t.Errorf("SentAt = %v, want about now", got.SentAt)
	}

	if err := localaws.ClearSentEmails(ctx, endpoint); err != nil {
		t.Fatal(err)
	}
	if emails, err := localaws.SentEmails(ctx, endpoint); err != nil || len(emails) != 0 {
		t.Errorf("after ClearSentEmails: %d emails, %v; want none", len(emails), err)
	}
}

func TestProcessStop(t *testing.T) {
	p, err := localaws.StartSES(t.Context(), localaws.SESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
	select {
	case <-p.Done():
	default:
		t.Error("Done() not closed after Stop")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint()+"/health-check", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after Stop", p.Endpoint())
	}
}

func streamTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}
