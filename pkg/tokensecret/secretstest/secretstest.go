// Package secretstest is a local stand-in for the part of AWS Secrets
// Manager that the token secret uses: secrets with versions and staging
// labels, served over HTTP as the SDK calls them (DescribeSecret,
// GetSecretValue, PutSecretValue, UpdateSecretVersionStage), with the
// service's rules for the labels: one version holds each label, and moving
// AWSCURRENT gives the version that held it AWSPREVIOUS. No local Secrets
// Manager is served here (AWS has none to run), so tests of the rotation
// and of loading the secret run against this.
package secretstest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The staging labels Secrets Manager gives meaning to.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Server is the stand-in, listening on the loopback address.
type Server struct {
	// URL is the endpoint to give the SDK (BaseEndpoint, or
	// AWS_ENDPOINT_URL_SECRETS_MANAGER for a binary).
	URL string

	mu      sync.Mutex
	secrets map[string]*secret // by ARN
	calls   int
}

type secret struct {
	arn, name string
	rotation  bool
	versions  map[string]*version // by id
}

type version struct {
	id, value string
	stages    []string
	created   time.Time
}

// Start starts a server, which stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), secrets: map[string]*secret{}}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Create makes a secret whose current version holds value, with rotation
// enabled, and returns its ARN.
func (s *Server) Create(name, value string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := "arn:aws:secretsmanager:us-west-2:123456789012:secret:" + name + "-AbCdEf"
	s.secrets[arn] = &secret{arn: arn, name: name, rotation: true, versions: map[string]*version{
		"00000000-0000-4000-8000-000000000001": {id: "00000000-0000-4000-8000-000000000001", value: value, stages: []string{StageCurrent}, created: time.Now()},
	}}
	return arn
}

// StartRotation does what RotateSecret does before it invokes the rotation
// function: it adds a version with the id token, labelled AWSPENDING and
// holding no value yet (createSecret's PutSecretValue gives it one).
func (s *Server) StartRotation(arn, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[arn]
	v := &version{id: token, created: time.Now()}
	sec.versions[token] = v
	sec.moveStage(StagePending, v)
}

// Value returns the value of the secret's version with the given label,
// and whether there is one.
func (s *Server) Value(arn, stage string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[arn]
	if !ok {
		return "", false
	}
	if v := sec.byStage(stage); v != nil && v.value != "" {
		return v.value, true
	}
	return "", false
}

// Calls returns how many requests the server has answered.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (sec *secret) byStage(stage string) *version {
	for _, v := range sec.versions {
		if slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

// moveStage gives stage to v alone, and AWSPREVIOUS to the version that
// held AWSCURRENT when v takes it.
func (sec *secret) moveStage(stage string, v *version) {
	old := sec.byStage(stage)
	if old == v {
		return
	}
	if old != nil {
		old.stages = slices.DeleteFunc(old.stages, func(s string) bool { return s == stage })
	}
	if stage == StageCurrent && old != nil {
		sec.moveStage(StagePrevious, old)
	}
	v.stages = append(v.stages, stage)
}

// apiError is an error as the service's JSON protocol writes it.
type apiError struct {
	kind, message string
}

func fail(kind, format string, args ...any) *apiError {
	return &apiError{kind: kind, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one call of the JSON 1.1 protocol: the operation in
// X-Amz-Target, its input as the body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, fail("InvalidRequestException", "body: %v", err))
		return
	}
	s.mu.Lock()
	s.calls++
	out, apiErr := s.call(op, in)
	s.mu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.kind)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.kind, "message": e.message})
}

func str(in map[string]any, key string) string {
	s, _ := in[key].(string)
	return s
}

func (s *Server) find(id string) (*secret, *apiError) {
	for _, sec := range s.secrets {
		if sec.arn == id || sec.name == id {
			return sec, nil
		}
	}
	return nil, fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

func (s *Server) call(op string, in map[string]any) (map[string]any, *apiError) {
	sec, err := s.find(str(in, "SecretId"))
	if err != nil {
		return nil, err
	}
	switch op {
	case "DescribeSecret":
		stages := map[string][]string{}
		for id, v := range sec.versions {
			stages[id] = v.stages
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "RotationEnabled": sec.rotation, "VersionIdsToStages": stages}, nil
	case "GetSecretValue":
		return s.get(sec, str(in, "VersionId"), str(in, "VersionStage"))
	case "PutSecretValue":
		return s.put(sec, str(in, "ClientRequestToken"), str(in, "SecretString"), in["VersionStages"])
	case "UpdateSecretVersionStage":
		return s.updateStage(sec, str(in, "VersionStage"), str(in, "MoveToVersionId"), str(in, "RemoveFromVersionId"))
	default:
		return nil, fail("InvalidRequestException", "operation %q is not served by this stand-in", op)
	}
}

func (s *Server) get(sec *secret, id, stage string) (map[string]any, *apiError) {
	if id == "" && stage == "" {
		stage = StageCurrent
	}
	var v *version
	switch {
	case id != "":
		v = sec.versions[id]
		if v != nil && stage != "" && !slices.Contains(v.stages, stage) {
			v = nil
		}
	default:
		v = sec.byStage(stage)
	}
	if v == nil || v.value == "" {
		return nil, fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: %s, staging label: %s", id, stage)
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "SecretString": v.value,
		"VersionStages": v.stages, "CreatedDate": float64(v.created.Unix())}, nil
}

func (s *Server) put(sec *secret, token, value string, rawStages any) (map[string]any, *apiError) {
	if token == "" || value == "" {
		return nil, fail("InvalidParameterException", "ClientRequestToken and SecretString are required")
	}
	var stages []string
	if list, ok := rawStages.([]any); ok {
		for _, st := range list {
			if st, ok := st.(string); ok {
				stages = append(stages, st)
			}
		}
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	v, ok := sec.versions[token]
	switch {
	case ok && v.value == "":
		v.value = value // the version RotateSecret began
	case ok && v.value != value:
		return nil, fail("ResourceExistsException", "a version with this ClientRequestToken already exists with another value")
	case ok:
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": v.stages}, nil
	default:
		v = &version{id: token, value: value, created: time.Now()}
		sec.versions[token] = v
	}
	for _, st := range stages {
		sec.moveStage(st, v)
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": v.stages}, nil
}

func (s *Server) updateStage(sec *secret, stage, moveTo, removeFrom string) (map[string]any, *apiError) {
	holder := sec.byStage(stage)
	if holder != nil && holder.id != removeFrom && holder.id != moveTo {
		return nil, fail("InvalidParameterException", "the staging label %s is attached to version %s, which RemoveFromVersionId must name", stage, holder.id)
	}
	if moveTo == "" {
		if holder != nil {
			holder.stages = slices.DeleteFunc(holder.stages, func(s string) bool { return s == stage })
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name}, nil
	}
	v, ok := sec.versions[moveTo]
	if !ok {
		return nil, fail("ResourceNotFoundException", "no version %s", moveTo)
	}
	sec.moveStage(stage, v)
	return map[string]any{"ARN": sec.arn, "Name": sec.name}, nil
}
