package frontdoor_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
)

// TestRequest converts events as API Gateway sends them into the requests
// handlers read.
func TestRequest(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /events/{eventId}", RawPath: "/events/cv", RawQueryString: "a=1&a=2&b=%C3%A9",
		Cookies: []string{"lmi_csrf=n1", "other=x"},
		Headers: map[string]string{"host": "convenings.example.org", "content-type": "application/x-www-form-urlencoded",
			"accept": "text/html,application/xhtml+xml", "x-forwarded-proto": "https", "idempotency-key": "a,b,c-0123456789abcdef"},
		Body: base64.StdEncoding.EncodeToString([]byte("name=A+B&csrf=t")), IsBase64Encoded: true,
	}
	ev.RequestContext.HTTP.Method = "POST"
	ev.RequestContext.HTTP.SourceIP = "198.51.100.7"
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "s-1"}}}
	r := frontdoor.Request(context.Background(), ev)
	body, _ := io.ReadAll(r.Body)
	for _, c := range []struct{ what, got, want string }{
		{"method", r.Method, "POST"},
		{"path", r.URL.Path, "/events/cv"},
		{"query", r.URL.Query()["a"][1] + r.URL.Query().Get("b"), "2é"},
		{"host", r.Host, "convenings.example.org"},
		{"a header", r.Header.Get("Accept"), "text/html,application/xhtml+xml"},
		// API Gateway joins a header's values with commas: they stay one.
		{"a header with commas", r.Header.Get("Idempotency-Key"), "a,b,c-0123456789abcdef"},
		{"cookie", frontdoor.Cookie(r, "lmi_csrf") + frontdoor.Cookie(r, "other"), "n1x"},
		{"body", string(body), "name=A+B&csrf=t"},
		{"remote address", r.RemoteAddr, "198.51.100.7"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if r.ContentLength != int64(len(body)) {
		t.Errorf("content length %d", r.ContentLength)
	}
	rc, ok := frontdoor.Gateway(r)
	if !ok || rc.RequestID != "req-1" || rc.Authorizer.JWT.Claims["sub"] != "s-1" {
		t.Errorf("the request context: %v %+v", ok, rc)
	}
	if _, ok := frontdoor.Gateway(&http.Request{}); ok {
		t.Error("a request that did not come through Lambda has API Gateway's context")
	}
}

// TestRequestPath reads a path as API Gateway's HTTP APIs pass it
// (decoded) and as the local gateway and function URLs do (escaped) alike.
func TestRequestPath(t *testing.T) {
	for _, tt := range []struct {
		raw, path, escaped string
	}{
		{"/events/cv", "/events/cv", "/events/cv"},
		{"/events/a b", "/events/a b", "/events/a%20b"},
		{"/events/a%20b", "/events/a b", "/events/a%20b"},
		{"/events/a%2Fb", "/events/a/b", "/events/a%2Fb"},
		{"/events/50%", "/events/50%", "/events/50%25"},
		{"/events/é", "/events/é", "/events/%C3%A9"},
		// A decoded ? or # is part of the path, not a query or fragment.
		{"/events/a?b#c", "/events/a?b#c", "/events/a%3Fb%23c"},
		{"", "/", "/"},
	} {
		r := frontdoor.Request(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: tt.raw})
		if r.URL.Path != tt.path || r.URL.EscapedPath() != tt.escaped || r.URL.RawQuery != "" {
			t.Errorf("%q: path %q escaped %q query %q, want %q %q", tt.raw, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, tt.path, tt.escaped)
		}
	}
}

func TestRequestBadBase64(t *testing.T) {
	r := frontdoor.Request(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/", Body: "!!", IsBase64Encoded: true})
	if _, err := io.ReadAll(r.Body); err != frontdoor.ErrBadBase64 {
		t.Fatalf("reading a body that is not base64: %v", err)
	}
}

// TestLambdaResponse converts what a handler writes into API Gateway's
// response: cookies apart, a repeated header joined, binary bodies in
// base64.
func TestLambdaResponse(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1; Path=/")
		w.Header().Add("Set-Cookie", "b=2; Path=/")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Cookie")
		if r.URL.Path == "/binary" {
			_, _ = w.Write([]byte{0xff, 0x00, 0xfe})
			return
		}
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("tea"))
	})
	resp, err := frontdoor.Lambda(h)(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/"})
	if err != nil || resp.StatusCode != http.StatusTeapot || resp.Body != "tea" || resp.IsBase64Encoded ||
		strings.Join(resp.Cookies, " ") != "a=1; Path=/ b=2; Path=/" || resp.Headers["Vary"] != "Accept, Cookie" || resp.Headers["Set-Cookie"] != "" {
		t.Fatalf("%v %+v", err, resp)
	}
	head := events.APIGatewayV2HTTPRequest{RawPath: "/"}
	head.RequestContext.HTTP.Method = http.MethodHead
	if resp, _ = frontdoor.Lambda(h)(context.Background(), head); resp.StatusCode != http.StatusTeapot || resp.Body != "" {
		t.Fatalf("HEAD: %+v", resp)
	}
	resp, _ = frontdoor.Lambda(h)(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/binary"})
	if b, _ := base64.StdEncoding.DecodeString(resp.Body); resp.StatusCode != 200 || !resp.IsBase64Encoded || string(b) != "\xff\x00\xfe" {
		t.Fatalf("binary: %+v", resp)
	}
}

// TestPayloads feeds the real payloads of events/ through Lambda's own
// decoder and the conversion: each reaches the route API Gateway chose
// for it (its routeKey), with its path parameters.
func TestPayloads(t *testing.T) {
	files, _ := filepath.Glob("../../events/*.json")
	n := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct {
			RouteKey string `json:"routeKey"`
		}
		if json.Unmarshal(raw, &probe) != nil || probe.RouteKey == "" {
			continue // not an API Gateway request (streams, SNS, schedules)
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			rt, ok := deploy.RouteByKey(ev.RouteKey)
			if !ok {
				t.Fatalf("route %q is not in deploy.Routes", ev.RouteKey)
			}
			handlers := map[string]frontdoor.Handler{}
			var got *http.Request
			for _, key := range deploy.RouteKeys(rt.Function) {
				handlers[key] = func(w http.ResponseWriter, r *http.Request) error {
					got = r
					_, _ = io.WriteString(w, frontdoor.RouteKey(r))
					return nil
				}
			}
			delete(handlers, deploy.DefaultRoute)
			s, err := frontdoor.New(rt.Function, handlers, frontdoor.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := lambda.NewHandler(frontdoor.Lambda(s)).Invoke(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Body != ev.RouteKey {
				t.Fatalf("served by %d %q, want %q", resp.StatusCode, resp.Body, ev.RouteKey)
			}
			for name, want := range ev.PathParameters {
				if v := got.PathValue(name); v != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
			if rc, _ := frontdoor.Gateway(got); rc.RequestID != ev.RequestContext.RequestID {
				t.Errorf("request id %q", rc.RequestID)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d API Gateway payloads in events/", n)
	}
}
