package httpapi

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/calmi/convenings/pkg/convening"
)

// registrationBody is a team of four as the documents show one.
const registrationBody = `{"organization":{"name":"Fresno Unified School District","type":"district","county":"Fresno"},
"contact":{"name":"María López","email":"maria.lopez@fresnounified.example.org"},
"members":[{"name":"María López","email":"maria.lopez@fresnounified.example.org","role":"superintendent"},
{"name":"David Chen","email":"dchen@fta.example.org","role":"certificated_union_president"},
{"name":"Rosa Martinez","email":"rmartinez@csea.example.org","role":"classified_union_president"},
{"name":"James Okafor","email":"jokafor@fresnounified.example.org","role":"board_member"}]}`

// FuzzJSONBody holds the JSON reading to what the documents promise: a
// body is taken only if it is strict JSON (valid UTF-8, each name once)
// with the body's own names; anything else is a 400 of the one taxonomy,
// whose field errors name a path.
func FuzzJSONBody(f *testing.F) {
	f.Add(registrationBody)
	f.Add(`{"CAPACITY":12}`)
	f.Add(`{"organization":{"name":"x","name":"y"}}`)
	f.Add(`{"contact":{"name":"\ud800"}}`)
	f.Add("{\"contact\":{\"name\":\"\xff\"}}")
	f.Add(`{"members":[{},{"role":5}]}`)
	f.Add(`{"members":[{"checkedInAt":"x"}]}`)
	f.Add(`[] {}`)
	f.Add(`{"members":[{"name":"a"}],"members":[]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var team convening.Team
		err := unmarshal("", []byte(body), &team)
		if err == nil {
			if !jsontext.Value(body).IsValid() {
				t.Fatalf("taken, but not strict JSON: %q", body)
			}
			// Every name is the body's own, exactly: read back with
			// encoding/json (which matches names regardless of case and
			// lets the last duplicate win), the team is the same.
			var v1 convening.Team
			dec := stdjson.NewDecoder(strings.NewReader(body))
			dec.DisallowUnknownFields()
			if dec.Decode(&v1) == nil {
				a, _ := stdjson.Marshal(team)
				b, _ := stdjson.Marshal(v1)
				if !bytes.Equal(a, b) {
					t.Fatalf("read otherwise than encoding/json reads it: %s vs %s", a, b)
				}
			}
			return
		}
		e := convening.AsError(err)
		if e == nil || e.Code != convening.EINVALID {
			t.Fatalf("not a 400: %v", err)
		}
		switch e.Reason {
		case convening.ReasonMalformedBody:
		case convening.ReasonInvalidFields:
			if len(e.Fields) != 1 {
				t.Fatalf("fields %v", e.Fields)
			}
			// A path (members[1].role: the names are the caller's, bounded).
			if p := e.Fields[0].Field; p == "" || len(p) > 512 || !utf8.ValidString(p) {
				t.Fatalf("path %q of %v", p, err)
			}
		default:
			t.Fatalf("reason %s: %v", e.Reason, err)
		}
	})
}

// BenchmarkDecodeRegistration measures what the strict reading costs on a
// registration body against encoding/json's reading it replaces
// (DisallowUnknownFields and a check for trailing data).
func BenchmarkDecodeRegistration(b *testing.B) {
	body := []byte(registrationBody)
	b.Run("json-v2-strict", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var team convening.Team
			if err := unmarshal("", body, &team); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var team convening.Team
			dec := stdjson.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&team); err != nil {
				b.Fatal(err)
			}
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				b.Fatal("trailing data")
			}
		}
	})
}
