package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/httpapi"
)

// The per-request cost of our code on the register path, with the
// store's network call taken out. Run by `make bench`:
//
//	go test -run '^$' -bench . -benchmem ./cmd/lmi-bench

// seatStore is a convening.Store whose Register takes seats at once,
// without a database; the register path calls nothing else.
type seatStore struct{ convening.Store }

func (seatStore) Register(_ context.Context, in convening.RegisterInput) (convening.Registration, bool, error) {
	reg := in.Registration
	reg.EventID, reg.Seats, reg.Status = in.EventID, reg.Team.Seats(), convening.StatusRegistered
	return reg, false, nil
}

// okDynamoDB answers every DynamoDB request with an empty success, so
// the real store and SDK client run (expressions, marshalling, request
// serialization, signing, response parsing) without a network.
type okDynamoDB struct{}

func (okDynamoDB) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(bytes.NewReader([]byte("{}"))), Request: r}, nil
}

// benchLogger logs as the functions do (JSON, info level: one line per
// request), into nothing.
var benchLogger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))

func benchHandler(b *testing.B, store convening.Store) *httpapi.Handler {
	b.Helper()
	tokens, err := convening.NewManageTokens([]byte(tokenSecret))
	if err != nil {
		b.Fatal(err)
	}
	return httpapi.New(convening.NewService(store, tokens, benchLogger), httpapi.Options{Log: benchLogger})
}

func registerRequest() events.APIGatewayV2HTTPRequest {
	return apiRequest("POST /api/events/{eventId}/registrations", map[string]string{"eventId": "summer-institute-2027"},
		nil, mustJSON(teamOf("bench", 3))) // five members
}

// BenchmarkDecodeValidate is the request's JSON decoded strictly into a
// team, normalized and validated.
func BenchmarkDecodeValidate(b *testing.B) {
	body := []byte(registerRequest().Body)
	b.ReportAllocs()
	for b.Loop() {
		var team convening.Team
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&team); err != nil {
			b.Fatal(err)
		}
		team.Normalize()
		if err := team.Validate(convening.Event{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode is the 201 answer's JSON: the registration with its
// members and the manage token.
func BenchmarkEncode(b *testing.B) {
	now := time.Now().UTC()
	team := teamOf("bench", 3)
	reg := convening.Registration{ID: convening.NewID(), EventID: "summer-institute-2027", Status: convening.StatusRegistered,
		Seats: len(team.Members), Team: team, CreatedAt: now, UpdatedAt: now}
	body := struct {
		Registration convening.Registration `json:"registration"`
		ManageToken  string                 `json:"manageToken"`
	}{reg, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegisterHandler is the whole register route in-process with a
// store that answers at once: routing, decode, validate, ids, manage
// token, encode, the request log line.
func BenchmarkRegisterHandler(b *testing.B) {
	h := benchHandler(b, seatStore{})
	req := registerRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := h.Handle(ctx, req)
		if resp.StatusCode != 201 {
			b.Fatal(resp.StatusCode, resp.Body)
		}
	}
}

// BenchmarkRegisterLambdaInvoke adds what Lambda's runtime client does in
// the function: the event's JSON decoded into an APIGatewayV2HTTPRequest
// and the response encoded, through aws-lambda-go's own handler.
func BenchmarkRegisterLambdaInvoke(b *testing.B) {
	h := lambda.NewHandler(benchHandler(b, seatStore{}).Function(httpapi.FunctionRegister))
	payload, err := json.Marshal(registerRequest())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegisterHandlerSDK is the handler over the real store and SDK
// client, with DynamoDB's answer faked at the HTTP layer: everything but
// the network and the database.
func BenchmarkRegisterHandlerSDK(b *testing.B) {
	db := dynamodb.New(dynamodb.Options{Region: "us-west-2", HTTPClient: okDynamoDB{},
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""), BaseEndpoint: aws.String("http://dynamodb.invalid")})
	h := benchHandler(b, dynamostore.New(db, "bench", benchLogger))
	req := registerRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := h.Handle(ctx, req)
		if resp.StatusCode != 201 {
			b.Fatal(resp.StatusCode, resp.Body)
		}
	}
}
