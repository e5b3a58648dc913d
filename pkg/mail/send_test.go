package mail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
)

// recordingSES is an SESAPI that keeps the last request.
type recordingSES struct{ in *sesv2.SendEmailInput }

func (r *recordingSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	r.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("ses-1")}, nil
}

func TestSESSendInput(t *testing.T) {
	rec := &recordingSES{}
	s := NewSES(rec, "CA LMI <convenings@example.org>")
	to := convening.Contact{Name: "López, María \"Mari\"\r\nBcc: x@evil.example", Email: "maria@fresnounified.org"}
	id, err := s.Send(context.Background(), to, Message{Subject: "Registered:\r\nBcc: x@evil.example", Text: "text", HTML: "<p>html</p>"})
	if err != nil || id != "ses-1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	in := rec.in
	if got := aws.ToString(in.FromEmailAddress); got != "CA LMI <convenings@example.org>" {
		t.Errorf("from = %q", got)
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
		_, err := NewSES(rec, "convenings@example.org").Send(context.Background(), convening.Contact{Email: addr}, Message{})
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
		retryable bool
	}{
		{"TooManyRequests", 429, "TooManyRequestsException", false, true},
		{"LimitExceeded", 400, "LimitExceededException", false, true},
		{"SendingPaused", 400, "SendingPausedException", false, true},
		{"BadRequest", 400, "BadRequestException", true, false},
		{"MessageRejected", 400, "MessageRejected", true, false},
		{"ServiceUnavailable", 503, "", false, true},
		{"InternalError", 500, "InternalServiceErrorException", false, true},
		{"NotFound", 404, "NotFoundException", false, false},
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
			_, err := NewSES(client, "convenings@example.org").Send(context.Background(),
				convening.Contact{Email: "maria@fresnounified.org"}, Message{Subject: "s", Text: "t", HTML: "h"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if IsPermanent(err) != tt.permanent || IsRetryable(err) != tt.retryable {
				t.Errorf("IsPermanent = %v, IsRetryable = %v; want %v, %v (err: %v)", IsPermanent(err), IsRetryable(err), tt.permanent, tt.retryable, err)
			}
		})
	}
}

// storedEmail is an email as aws-ses-v2-local lists it at GET /store.
type storedEmail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	Attachments []struct {
		Filename    string `json:"filename"`
		ContentType string `json:"contentType"`
		Content     string `json:"content"` // base64
	} `json:"attachments"`
	At int64 `json:"at"` // epoch seconds
}

func TestSESLocal(t *testing.T) {
	endpoint := localSES(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-west-2"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	if err != nil {
		t.Fatal(err)
	}
	client := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) })

	n := testNotice(convening.NoticeWaitlisted)
	n.WaitlistPosition = 3
	n.To.Name = "María López"
	n.Event.Title = "2019 Summer Institute\r\nBcc: x@evil.example"
	m, err := Render(n, testLinks(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := NewSES(client, "CA LMI <convenings@example.org>").Send(ctx, n.To, m)
	if err != nil {
		t.Fatal(err)
	}

	got := findStored(t, endpoint, id)
	want := (&netmail.Address{Name: "María López", Address: n.To.Email}).String()
	if len(got.Destination.To) != 1 || got.Destination.To[0] != want || len(got.Destination.Bcc) != 0 {
		t.Errorf("destination = %+v, want to %q only", got.Destination, want)
	}
	if got.Subject != "Waiting list (#3): 2019 Summer Institute Bcc: x@evil.example" || got.Subject != m.Subject {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.From != "CA LMI <convenings@example.org>" {
		t.Errorf("from = %q", got.From)
	}
	if got.Body.Text != m.Text || got.Body.HTML != m.HTML {
		t.Errorf("stored body differs from the rendered one:\ntext:\n%s\nhtml:\n%s", got.Body.Text, got.Body.HTML)
	}
	if !strings.Contains(got.Body.Text, "You are number 3 on the waiting list") {
		t.Errorf("text lacks the waiting list position:\n%s", got.Body.Text)
	}

	// A registration carries its calendar invitation as an attachment.
	links := testLinks(t)
	links.Organizer = "CA LMI <convenings@example.org>"
	reg := testNotice(convening.NoticeRegistered)
	m, err = Render(reg, links)
	if err != nil {
		t.Fatal(err)
	}
	id, err = NewSES(client, "CA LMI <convenings@example.org>").Send(ctx, reg.To, m)
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

func findStored(t *testing.T, endpoint, messageID string) storedEmail {
	t.Helper()
	resp, err := http.Get(endpoint + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []storedEmail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("GET /store: %v", err)
	}
	for _, e := range store.Emails {
		if e.MessageID == messageID {
			return e
		}
	}
	t.Fatalf("message %s not in the local SES store (%d emails)", messageID, len(store.Emails))
	return storedEmail{}
}

// localSES returns the endpoint of a local SES: LMI_SES_ENDPOINT if set,
// else a fresh aws-ses-v2-local stopped when the test ends.
// TODO: use pkg/localaws once it exists.
func localSES(t *testing.T) string {
	t.Helper()
	if ep := os.Getenv("LMI_SES_ENDPOINT"); ep != "" {
		return strings.TrimRight(ep, "/")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node.js, then run `npm ci` at the repository root")
	}
	root := moduleRoot(t)
	cli := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("aws-ses-v2-local is not installed (%v): run `npm ci` in %s", err, root)
	}

	// Port 0 lets the server pick a free port, which it prints; no race
	// with another process for a port chosen beforehand.
	cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", "0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-ses-v2-local: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	port := make(chan string, 1)
	go func() {
		defer close(exited)
		re := regexp.MustCompile(`server running at \S+:(\d+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() { // read to the end so the server never blocks on its output
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
		_ = cmd.Wait()
	}()
	var endpoint string
	select {
	case p := <-port:
		endpoint = "http://127.0.0.1:" + p
	case <-exited:
		t.Fatalf("aws-ses-v2-local exited at start: %s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("aws-ses-v2-local did not start within 20 s")
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/health-check")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return endpoint
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-ses-v2-local at %s not healthy: %v", endpoint, errors.Join(err, fmt.Errorf("stderr: %s", stderr.String())))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// moduleRoot is the directory of go.mod, where package.json and
// node_modules are.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
