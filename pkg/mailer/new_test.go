package mailer_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/mailer"
)

// TestSESRetries checks the mailer's SES client as its main builds it (the
// functions' SDK configuration, then mailer.SESRetries): a send that fails
// is given up after two attempts, quickly, so that the mailer's own
// backoff takes over. With the shared policy alone an unreachable endpoint
// took about 8 s per notice (6 attempts).
func TestSESRetries(t *testing.T) {
	send := func(endpoint string) (time.Duration, error) {
		client := sesv2.NewFromConfig(localaws.Config(), localaws.SESEndpoint(endpoint), mailer.SESRetries)
		start := time.Now()
		_, err := mail.NewSES(client, "convenings@example.org", "").Send(context.Background(),
			convening.Contact{Email: "maria@fresnounified.example.org"}, mail.Message{Subject: "s", Text: "t", HTML: "h"})
		return time.Since(start), err
	}
	t.Run("ServerErrors", func(t *testing.T) {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("X-Amzn-ErrorType", "InternalServiceErrorException")
			w.WriteHeader(http.StatusInternalServerError)
		}))
		defer srv.Close()
		if _, err := send(srv.URL); err == nil || mail.IsPermanent(err) {
			t.Fatalf("Send = %v, want a transient error", err)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("%d attempts, want 2", n)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		endpoint := "http://" + l.Addr().String()
		l.Close() // nothing listens there now: connections are refused
		took, err := send(endpoint)
		if err == nil || mail.IsPermanent(err) {
			t.Fatalf("Send = %v, want a transient error", err)
		}
		if took > 2*time.Second {
			t.Errorf("gave up after %v, want well under 2 s", took)
		}
		t.Logf("gave up after %v", took)
	})
}
