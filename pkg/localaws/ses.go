package localaws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// SESOptions configures StartSES.
type SESOptions struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// Host is the address to bind; empty means 127.0.0.1, so the mail
	// viewer is not open to the network. Endpoint is always on 127.0.0.1,
	// so another Host must include it (0.0.0.0 or ::).
	Host string
	// Root is the repository root holding node_modules; when empty it is
	// found from the working directory.
	Root string
	// Stdout and Stderr receive the service's output; nil discards it.
	Stdout, Stderr io.Writer
	// StartTimeout bounds the wait for the service to answer; 0 means 20 s.
	StartTimeout time.Duration
}

// StartSES starts aws-ses-v2-local with the machine's Node.js and waits
// until its health check answers. ctx bounds only the start-up. Sent mail
// is listed by SentEmails and shown in a web page at the endpoint's root.
func StartSES(ctx context.Context, opts SESOptions) (*Process, error) {
	root, err := repoRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("start SES: %w", err)
	}
	cli, err := sesLocalCLI(root)
	if err != nil {
		return nil, fmt.Errorf("start SES: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("start SES: aws-ses-v2-local needs Node.js: %w", err)
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	return startService(ctx, serviceSpec{
		name: "aws-ses-v2-local",
		port: opts.Port,
		command: func(port int) (*exec.Cmd, error) {
			return exec.Command(node, cli, "--port", strconv.Itoa(port), "--host", host), nil
		},
		probe:   probeSES,
		timeout: timeout,
		stdout:  opts.Stdout,
		stderr:  opts.Stderr,
	})
}

func probeSES(ctx context.Context, endpoint string) error {
	resp, err := get(ctx, endpoint+"/health-check")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// SentEmail is one message accepted by aws-ses-v2-local.
type SentEmail struct {
	MessageID string
	From      string
	ReplyTo   []string
	To        []string
	CC        []string
	BCC       []string
	Subject   string
	HTML      string
	Text      string
	Headers   []EmailHeader
	// Attachments' Content is base64, as the service keeps it.
	Attachments []EmailAttachment
	// SentAt has the service's one-second resolution.
	SentAt time.Time
}

// EmailHeader is an extra header given with the message.
type EmailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EmailAttachment is an attached file.
type EmailAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
	Content     string `json:"content"`
}

// storedEmail is one entry of GET /store as aws-ses-v2-local 2.x writes it.
type storedEmail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		CC  []string `json:"cc"`
		BCC []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	Attachments []EmailAttachment `json:"attachments"`
	Headers     []EmailHeader     `json:"headers"`
	At          int64             `json:"at"` // epoch seconds
}

// SentEmails lists every message the SES endpoint has accepted, oldest first.
func SentEmails(ctx context.Context, sesEndpoint string) ([]SentEmail, error) {
	resp, err := get(ctx, strings.TrimRight(sesEndpoint, "/")+"/store")
	if err != nil {
		return nil, fmt.Errorf("list sent emails: %w", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []storedEmail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		return nil, fmt.Errorf("list sent emails: decode /store: %w", err)
	}
	emails := make([]SentEmail, 0, len(store.Emails))
	for _, e := range store.Emails {
		emails = append(emails, SentEmail{
			MessageID:   e.MessageID,
			From:        e.From,
			ReplyTo:     e.ReplyTo,
			To:          e.Destination.To,
			CC:          e.Destination.CC,
			BCC:         e.Destination.BCC,
			Subject:     e.Subject,
			HTML:        e.Body.HTML,
			Text:        e.Body.Text,
			Headers:     e.Headers,
			Attachments: e.Attachments,
			SentAt:      time.Unix(e.At, 0).UTC(),
		})
	}
	return emails, nil
}

// ClearSentEmails empties the SES endpoint's store, so a test can start
// from nothing. Tests that run in parallel on one endpoint should rather
// look for their own recipients in SentEmails.
func ClearSentEmails(ctx context.Context, sesEndpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(sesEndpoint, "/")+"/clear-store", nil)
	if err != nil {
		return fmt.Errorf("clear sent emails: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("clear sent emails: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("clear sent emails: %s answered %s", sesEndpoint, resp.Status)
	}
	return nil
}

// get fails unless the answer is 200 OK; the caller closes the body.
func get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp, nil
}
