package sesevents

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file      string
		want      Event
		cause     string
		isFailure bool
	}{
		{"bounce-permanent.json", Event{Type: Bounce, MessageID: "0100018f3e7d95a2-5b1c8e7f-2d4a-4f6b-8c3e-1a9d7b5e3f20-000000",
			BounceType: "Permanent", BounceSubType: "General"}, "bounced (Permanent/General)", true},
		{"bounce-transient.json", Event{Type: Bounce, MessageID: "0100018f3e8a0b19-7c2e4a6b-9d1f-4b3d-a5c7-e9f1b3d5a7c6-000000",
			BounceType: "Transient", BounceSubType: "MailboxFull"}, "", false},
		{"complaint.json", Event{Type: Complaint, MessageID: "0100018f3eb11f63-1d3f5b7d-6e8a-4c2e-b4d6-f8a0c2e4a6b8-000000",
			FeedbackType: "abuse"}, "complaint (abuse)", true},
		{"delivery.json", Event{Type: Delivery, MessageID: "0100018f3e8022c5-9a1b3c5d-7e9f-4a1b-8d2f-6b8d0f2b4d6f-000000"}, "", false},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			e, err := Parse(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if e != tt.want {
				t.Errorf("Parse = %+v, want %+v", e, tt.want)
			}
			cause, failed := e.Failure()
			if cause != tt.cause || failed != tt.isFailure {
				t.Errorf("Failure = %q, %v; want %q, %v", cause, failed, tt.cause, tt.isFailure)
			}
		})
	}
}

func TestParse(t *testing.T) {
	const id = `"mail":{"messageId":"0100018f-abc-000000"}`
	tests := []struct {
		name  string
		msg   string
		want  Event
		cause string
	}{
		{"BounceWithoutSubType", `{"eventType":"Bounce","bounce":{"bounceType":"Permanent"},` + id + `}`,
			Event{Type: Bounce, MessageID: "0100018f-abc-000000", BounceType: "Permanent"}, "bounced (Permanent)"},
		{"SuppressedAddress", `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"OnAccountSuppressionList"},` + id + `}`,
			Event{Type: Bounce, MessageID: "0100018f-abc-000000", BounceType: "Permanent", BounceSubType: "OnAccountSuppressionList"},
			"bounced (Permanent/OnAccountSuppressionList)"},
		{"UndeterminedBounce", `{"eventType":"Bounce","bounce":{"bounceType":"Undetermined","bounceSubType":"Undetermined"},` + id + `}`,
			Event{Type: Bounce, MessageID: "0100018f-abc-000000", BounceType: "Undetermined", BounceSubType: "Undetermined"}, ""},
		{"ComplaintWithoutFeedbackType", `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@b.example"}]},` + id + `}`,
			Event{Type: Complaint, MessageID: "0100018f-abc-000000"}, "complaint"},
		{"ComplaintWithoutObject", `{"eventType":"Complaint",` + id + `}`,
			Event{Type: Complaint, MessageID: "0100018f-abc-000000"}, "complaint"},
		// An identity's feedback notification names the type notificationType.
		{"NotificationType", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"NoEmail"},` + id + `}`,
			Event{Type: Bounce, MessageID: "0100018f-abc-000000", BounceType: "Permanent", BounceSubType: "NoEmail"}, "bounced (Permanent/NoEmail)"},
		{"OtherType", `{"eventType":"Rendering Failure","failure":{"errorMessage":"x"},` + id + `}`,
			Event{Type: "Rendering Failure", MessageID: "0100018f-abc-000000"}, ""},
		{"UnknownFields", `{"eventType":"Delivery","new":{"x":[1,2]},` + id + `,"delivery":{"recipients":["a@b.example"]}}`,
			Event{Type: Delivery, MessageID: "0100018f-abc-000000"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if e != tt.want {
				t.Errorf("Parse = %+v, want %+v", e, tt.want)
			}
			if cause, _ := e.Failure(); cause != tt.cause {
				t.Errorf("cause %q, want %q", cause, tt.cause)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"Empty", ``},
		{"NotJSON", `Hello from SNS!`},
		{"Array", `[{"eventType":"Bounce"}]`},
		{"TrailingData", `{"eventType":"Delivery","mail":{"messageId":"m-1"}} {}`},
		{"NoType", `{"mail":{"messageId":"m-1"}}`},
		{"TypeNotAName", `{"eventType":"Bounce\n","mail":{"messageId":"m-1"},"bounce":{"bounceType":"Permanent"}}`},
		{"TypeTooLong", `{"eventType":"` + strings.Repeat("A", 41) + `","mail":{"messageId":"m-1"}}`},
		{"NoMail", `{"eventType":"Delivery"}`},
		{"NoMessageID", `{"eventType":"Delivery","mail":{}}`},
		{"MessageIDWithAddress", `{"eventType":"Delivery","mail":{"messageId":"<x@email.amazonses.com>"}}`},
		{"MessageIDWithSpace", `{"eventType":"Delivery","mail":{"messageId":"m 1"}}`},
		{"MessageIDTooLong", `{"eventType":"Delivery","mail":{"messageId":"` + strings.Repeat("m", 257) + `"}}`},
		{"MessageIDNotAString", `{"eventType":"Delivery","mail":{"messageId":7}}`},
		{"BounceWithoutObject", `{"eventType":"Bounce","mail":{"messageId":"m-1"}}`},
		{"BounceWithoutType", `{"eventType":"Bounce","mail":{"messageId":"m-1"},"bounce":{"bounceSubType":"General"}}`},
		{"BounceSubTypeNotAWord", `{"eventType":"Bounce","mail":{"messageId":"m-1"},"bounce":{"bounceType":"Permanent","bounceSubType":"x@y.example"}}`},
		{"FeedbackTypeNotAWord", `{"eventType":"Complaint","mail":{"messageId":"m-1"},"complaint":{"complaintFeedbackType":"a b"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.msg))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %+v, %v; want ErrMalformed", e, err)
			}
			if strings.Contains(err.Error(), "@") {
				t.Errorf("error repeats an address: %v", err)
			}
		})
	}
}

// FuzzSESEvent feeds Parse arbitrary messages. Whatever it accepts must be
// safe to log and to show staff (a message id and words, no address), and
// must mean the same once written back in SES's shape.
func FuzzSESEvent(f *testing.F) {
	for _, name := range []string{"bounce-permanent.json", "bounce-transient.json", "complaint.json", "delivery.json"} {
		f.Add(readSample(f, name))
	}
	f.Add([]byte(`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent"},"mail":{"messageId":"m"}}`))
	f.Add([]byte(`{"eventType":"Complaint","complaint":{"complaintFeedbackType":"not-spam"},"mail":{"messageId":"m"}}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := Parse(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !typeName(string(e.Type)) || !messageID(e.MessageID) {
			t.Fatalf("accepted %+v", e)
		}
		cause, failed := e.Failure()
		if failed != (cause != "") || len(cause) > 100 || strings.ContainsAny(cause, "@\r\n") {
			t.Fatalf("cause %q, %v", cause, failed)
		}
		again, err := Parse(encode(e))
		if err != nil || again != e {
			t.Fatalf("%+v written back parses as %+v, %v", e, again, err)
		}
	})
}

// encode writes an Event in SES's shape.
func encode(e Event) []byte {
	m := map[string]any{"eventType": e.Type, "mail": map[string]any{"messageId": e.MessageID}}
	if e.Type == Bounce {
		m["bounce"] = map[string]any{"bounceType": e.BounceType, "bounceSubType": e.BounceSubType}
	}
	if e.Type == Complaint {
		m["complaint"] = map[string]any{"complaintFeedbackType": e.FeedbackType}
	}
	b, _ := json.Marshal(m)
	return b
}
