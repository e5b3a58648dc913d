package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// decodeOptions read a body the way docs/api.md documents it, which
// encoding/json's defaults do not: a member's name exactly as documented
// (case matters: "CAPACITY" is not "capacity"), each name once, text that
// is valid UTF-8 (an escaped lone surrogate such as "\ud800" is no
// character), and no member the body does not have. These are
// encoding/json/v2's semantics (github.com/go-json-experiment/json, to be
// the standard library's), which also give every error its JSON Pointer.
var decodeOptions = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decode reads r's JSON body into v (see decodeOptions) and returns it.
//
// Errors: EUnsupportedMedia for another media type; ETooLarge over
// MaxBodyBytes; EINVALID, ReasonMalformedBody for a body that is empty,
// not JSON or not an object, or has data after it; EINVALID,
// ReasonInvalidFields with the field's full path (members[1].role) for a
// member of the wrong type, an unknown member (RuleUnknownField), a name
// given twice (RuleDuplicateOf) and text that is not valid UTF-8
// (RuleText).
func decode(r *http.Request, v any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, convening.NewError(problem.EUnsupportedMedia, convening.ReasonUnsupportedMedia, "Send the body as application/json.")
		}
	}
	b, err := body(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The request body is empty; send a JSON object.")
	}
	if err := unmarshal("", b, v); err != nil {
		return nil, err
	}
	return b, nil
}

// unmarshal reads the JSON value b, found at the field path at ("" for
// the body), into v, as decode does.
func unmarshal(at string, b []byte, v any) error {
	if err := json.Unmarshal(b, v, decodeOptions); err != nil {
		return jsonError(at, b, v, err)
	}
	return nil
}

// jsonError turns a decoding error into the domain's, by its type and
// its cause (never its message).
func jsonError(at string, b []byte, v any, err error) error {
	invalid := func(f convening.FieldError) error { return convening.InvalidFields("The request body", f) }
	malformed := func(format string, args ...any) error {
		return convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, format, args...)
	}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		f := fieldPath(at, v, syn.JSONPointer)
		return invalid(convening.Field(f, convening.RuleDuplicateOf, "of", f))
	case errors.As(err, &syn):
		lenient := json.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
		if jsontext.Value(b).IsValid(lenient) {
			// Only the text is wrong: bytes that are not UTF-8, or an
			// escaped surrogate that is no character.
			if f := fieldPath(at, v, syn.JSONPointer); f != "" {
				return invalid(convening.Field(f, convening.RuleText))
			}
			return malformed("The request body is not valid UTF-8 text.")
		}
		if _, verr := jsontext.NewDecoder(bytes.NewReader(b), lenient).ReadValue(); verr == nil {
			return malformed("The request body has data after the JSON object.")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return malformed("The request body ends before the JSON is complete.")
		}
		return malformed("The request body is not valid JSON (at byte %d).", syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		return invalid(convening.Field(fieldPath(at, v, sem.JSONPointer), convening.RuleUnknownField))
	case errors.As(err, &sem):
		f := fieldPath(at, v, sem.JSONPointer)
		if f == "" {
			return malformed("The request body must be a JSON object.")
		}
		if sem.GoType == reflect.TypeFor[time.Time]() {
			return invalid(convening.Field(f, convening.RuleDateTime))
		}
		return invalid(convening.Field(f, convening.RuleType, "type", jsonKind(sem.GoType)))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("The request body ends before the JSON is complete.")
	}
	return malformed("The request body is not valid JSON.")
}

// fieldPath writes a JSON Pointer (/members/1/role) as the field errors'
// path (members[1].role) after at, telling an array's index from a
// member's name by the Go type the body is read into. Each name is
// bounded (echo): an error repeats only so much of the caller's input.
func fieldPath(at string, v any, p jsontext.Pointer) string {
	var b strings.Builder
	b.WriteString(at)
	t := reflect.TypeOf(v)
	for tok := range p.Tokens() {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if isIndex(t, tok) {
			b.WriteString("[" + tok + "]")
			t = t.Elem()
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if tok == "" {
			tok = `""` // a member named "": say so, not nothing
		}
		b.WriteString(echo(tok))
		t = memberType(t, tok)
	}
	return b.String()
}

// isIndex reports whether tok indexes an array of Go type t.
func isIndex(t reflect.Type, tok string) bool {
	return t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() != reflect.Uint8 &&
		tok != "" && strings.Trim(tok, "0123456789") == ""
}

// memberType is the Go type of the member named name of a JSON object
// read into t (nil if unknown), as encoding/json/v2 matches names: by the
// json tag, exactly, through embedded structs.
func memberType(t reflect.Type, name string) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && tag == "" {
				if mt := memberType(f.Type, name); mt != nil {
					return mt
				}
				continue
			}
			if tag == name || (tag == "" && f.IsExported() && f.Name == name) {
				return f.Type
			}
		}
	}
	return nil
}

// echo bounds what of the caller's input an error repeats back, so that a
// huge field name cannot make a huge answer.
func echo(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// jsonKind is the JSON a Go type reads, in words.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
}
