package mail

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/localaws"
)

// recordingSES is an SESAPI that keeps the last request.
type recordingSES struct{ in *sesv2.SendEmailInput }

func (r *recordingSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	r.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("ses-1")}, nil
}

func TestSESSendInput(t *testing.T) {
	rec := &recordingSES{}
	s := NewSES(rec, "CA LMI <convenings@example.org>", "convenings-mail")
	to := convening.Contact{Name: "López, María \"Mari\"\r\nBcc: x@evil.example", Email: "maria@fresnounified.org"}
	id, err := s.Send(context.Background(), to, Message{Subject: "Registered:\r\nBcc: x@evil.example", Text: "text", HTML: "<p>html</p>"})
	if err != nil || id != "ses-1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	in := rec.in
	if got := aws.ToString(in.FromEmailAddress); got != "CA LMI <convenings@example.org>" {
		t.Errorf("from = %q", got)
	}
	if got := aws.ToString(in.ConfigurationSetName); got != "convenings-mail" {
		t.Errorf("configuration set = %q, want convenings-mail", got)
	}
	if len(in.Destination.ToAddresses) != 1 {
		t.Fatalf("to = %q, want one address", in.Destination.ToAddresses)
	}
	a, err := netmail.ParseAddress(in.Destination.ToAddresses[0])
	if err != nil || a.Address != to.Email || a.Name != `López, María "Mari" Bcc: x@evil.example` {
		t.Errorf("to %q parses as %+v, %v", in.Destination.ToAddresses[0], a, err)
	}
	msg := in.Content.Simple
	if got := aws.ToString(msg.Subject.Data); got != "Registered: Bcc: x@evil.example" {
		t.Errorf("subject = %q, want it on one line", got)
	}
	for name, c := range map[string]*string{"subject": msg.Subject.Charset, "text": msg.Body.Text.Charset, "html": msg.Body.Html.Charset} {
		if aws.ToString(c) != "UTF-8" {
			t.Errorf("%s charset = %q, want UTF-8", name, aws.ToString(c))
		}
	}
	if aws.ToString(msg.Body.Text.Data) != "text" || aws.ToString(msg.Body.Html.Data) != "<p>html</p>" {
		t.Errorf("body = %q / %q", aws.ToString(msg.Body.Text.Data), aws.ToString(msg.Body.Html.Data))
	}
}

func TestSESSendBadAddress(t *testing.T) {
	rec := &recordingSES{}
	for _, addr := range []string{"", "not-an-address", "Eve <eve@example.org>", "a@b.org, c@d.org"} {
		_, err := NewSES(rec, "convenings@example.org", "").Send(context.Background(), convening.Contact{Email: addr}, Message{})
		if !IsPermanent(err) {
			t.Errorf("Send to %q = %v, want a permanent error", addr, err)
		}
	}
	if rec.in != nil {
		t.Error("a bad address reached SES")
	}
}

// TestSESErrors runs the real SDK against a server that answers with SES
// errors, so the classification sees the error chain the SDK really builds.
func TestSESErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		errorType string
		permanent bool
	}{
		{"TooManyRequests", 429, "TooManyRequestsException", false},
		{"LimitExceeded", 400, "LimitExceededException", false},
		{"SendingPaused", 400, "SendingPausedException", false},
		{"BadRequest", 400, "BadRequestException", true},
		{"MessageRejected", 400, "MessageRejected", true},
		{"ServiceUnavailable", 503, "", false},
		{"InternalError", 500, "InternalServiceErrorException", false},
		{"NotFound", 404, "NotFoundException", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.errorType != "" {
					w.Header().Set("X-Amzn-ErrorType", tt.errorType)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"message":"%s from the test server"}`, tt.name)
			}))
			defer srv.Close()
			client := sesv2.New(sesv2.Options{
				Region:       "us-west-2",
				Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
				BaseEndpoint: aws.String(srv.URL),
				Retryer:      aws.NopRetryer{}, // one attempt, so the test is fast
			})
			_, err := NewSES(client, "convenings@example.org", "").Send(context.Background(),
				convening.Contact{Email: "maria@fresnounified.org"}, Message{Subject: "s", Text: "t", HTML: "h"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v (err: %v)", IsPermanent(err), tt.permanent, err)
			}
			if cause := SendFailure(err); strings.Contains(cause, "maria@") || !strings.Contains(cause, fmt.Sprint("HTTP ", tt.status)) {
				t.Errorf("SendFailure = %q", cause)
			}
		})
	}
}

// TestSESLocal sends through the local SES endpoint as the mailer does,
// with a configuration set: aws-ses-v2-local accepts the name (and ignores
// it), so `make run` sends with the deployed settings.
func TestSESLocal(t *testing.T) {
	endpoint := localSES(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := localaws.NewSESClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}

	n := testNotice(convening.NoticeWaitlisted)
	n.WaitlistPosition = 3
	n.To.Name = "María López"
	n.Event.Title = "2019 Summer Institute\r\nBcc: x@evil.example"
	m, err := Render(n, testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := NewSES(client, "CA LMI <convenings@example.org>", "convenings-mail").Send(ctx, n.To, m)
	if err != nil {
		t.Fatal(err)
	}

	got := findStored(t, endpoint, id)
	want := (&netmail.Address{Name: "María López", Address: n.To.Email}).String()
	if len(got.To) != 1 || got.To[0] != want || len(got.BCC) != 0 || len(got.CC) != 0 {
		t.Errorf("to %v cc %v bcc %v, want to %q only", got.To, got.CC, got.BCC, want)
	}
	if got.Subject != "Waiting list (#3): 2019 Summer Institute Bcc: x@evil.example" || got.Subject != m.Subject {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.From != "CA LMI <convenings@example.org>" {
		t.Errorf("from = %q", got.From)
	}
	if got.Text != m.Text || got.HTML != m.HTML {
		t.Errorf("stored body differs from the rendered one:\ntext:\n%s\nhtml:\n%s", got.Text, got.HTML)
	}
	if !strings.Contains(got.Text, "You are number 3 on the waiting list") {
		t.Errorf("text lacks the waiting list position:\n%s", got.Text)
	}

	// A registration carries its calendar invitation as an attachment.
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	reg := testNotice(convening.NoticeRegistered)
	m, err = Render(reg, links)
	if err != nil {
		t.Fatal(err)
	}
	id, err = NewSES(client, "CA LMI <convenings@example.org>", "convenings-mail").Send(ctx, reg.To, m)
	if err != nil {
		t.Fatal(err)
	}
	got = findStored(t, endpoint, id)
	if len(got.Attachments) != 1 || got.Attachments[0].Filename != "invitation.ics" || !strings.HasPrefix(got.Attachments[0].ContentType, "text/calendar") {
		t.Fatalf("attachments %+v", got.Attachments)
	}
	data, err := base64.StdEncoding.DecodeString(got.Attachments[0].Content)
	if err != nil || string(data) != string(m.Attachments[0].Data) {
		t.Errorf("stored attachment differs (%v):\n%s", err, data)
	}
}

func findStored(t *testing.T, endpoint, messageID string) localaws.SentEmail {
	t.Helper()
	sent, err := localaws.SentEmails(context.Background(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sent {
		if e.MessageID == messageID {
			return e
		}
	}
	t.Fatalf("message %s not in the local SES store (%d emails)", messageID, len(sent))
	return localaws.SentEmail{}
}

// localSES returns the endpoint of a local SES: LMI_SES_ENDPOINT if set
// (make test shares one), else a fresh one stopped when the test ends.
func localSES(t *testing.T) string {
	t.Helper()
	if ep := os.Getenv(localaws.EnvSESEndpoint); ep != "" {
		return strings.TrimRight(ep, "/")
	}
	p, err := localaws.StartSES(context.Background(), localaws.SESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p.Endpoint()
}

// TestSESLocalStatementsAndOffers sends every statement and offer email
// through the local SES, as `make run` does: each is stored as rendered,
// to its one recipient (a member's to the member), with no attachment,
// so the mail viewer shows them as teams will read them.
func TestSESLocalStatementsAndOffers(t *testing.T) {
	endpoint := localSES(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, err := localaws.NewSESClient(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	ses := NewSES(client, links.Organizer, "convenings-mail")
	for _, kind := range newKinds {
		t.Run(string(kind), func(t *testing.T) {
			n := sampleNotice(kind)
			n.Message = "Thank you for your statement.\nWe look forward to it."
			m, err := Render(n, links)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ses.Send(ctx, n.To, m)
			if err != nil {
				t.Fatal(err)
			}
			got := findStored(t, endpoint, id)
			want := (&netmail.Address{Name: n.To.Name, Address: n.To.Email}).String()
			if len(got.To) != 1 || got.To[0] != want || len(got.CC)+len(got.BCC) != 0 {
				t.Errorf("to %v cc %v bcc %v, want to %q only", got.To, got.CC, got.BCC, want)
			}
			if got.Subject != m.Subject || got.Text != m.Text || got.HTML != m.HTML {
				t.Errorf("stored email differs from the rendered one: subject %q", got.Subject)
			}
			if len(got.Attachments) != 0 {
				t.Errorf("attachments %+v", got.Attachments)
			}
		})
	}
}
