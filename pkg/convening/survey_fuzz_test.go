package convening_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/calmi/convenings/pkg/convening"
)

// FuzzSurveyDefinition: any survey definition staff send is validated
// without panicking, with at most MaxFieldErrors errors; one that passes
// has ids that are slugs and unique, choices only where choices belong, and
// texts without control or bidirectional characters.
func FuzzSurveyDefinition(f *testing.F) {
	def, _ := json.Marshal(convening.DefaultSurvey())
	f.Add(string(def))
	f.Add(`{"items":[{"id":"a","type":"rating","text":"x","choices":[{"id":"b","label":"c"}]}],"reminderDays":[7,3]}`)
	f.Add(`{"items":[{"id":"a","type":"choice","text":"x","choices":[{"id":"b","label":"B"},{"id":"b","label":"b"}]},{"id":"a","type":"text","text":"\u202e"}]}`)
	f.Add(`{"intro":"line\nline","items":[{"id":"A B","type":"scale","text":""}],"reminderDays":[0,31,40,50]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var d convening.SurveyDefinition
		if json.Unmarshal([]byte(body), &d) != nil {
			return
		}
		d.Normalize()
		err := d.Validate()
		if de := convening.AsError(err); err != nil && (de == nil || de.Code != convening.EINVALID || len(de.Fields) > convening.MaxFieldErrors) {
			t.Fatalf("validation error %v", err)
		}
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, it := range d.Items {
			if ids[it.ID] || it.ID == "" || strings.ContainsFunc(it.ID, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
				t.Fatalf("accepted item id %q", it.ID)
			}
			ids[it.ID] = true
			if (it.Type != convening.SurveyChoice) != (len(it.Choices) == 0) {
				t.Fatalf("accepted %+v", it)
			}
			for _, s := range append([]string{it.Text}, labels(it)...) {
				if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
					t.Fatalf("accepted text %q", s)
				}
			}
		}
		if len(d.Items) == 0 || len(d.Items) > convening.MaxSurveyItems || len(d.ReminderDays) > convening.MaxSurveyReminders {
			t.Fatalf("accepted %d items, %d reminders", len(d.Items), len(d.ReminderDays))
		}
	})
}

func labels(it convening.SurveyItem) []string {
	var out []string
	for _, o := range it.Choices {
		out = append(out, o.Label)
	}
	return out
}

// FuzzSurveyAnswers: any answers a person sends to the default survey are
// checked without panicking; answers that pass name only the survey's
// items, each in its item's form (a rating 1 to 5, choices it offers, once
// each, text within its limit), with every required item answered.
func FuzzSurveyAnswers(f *testing.F) {
	f.Add(`{"useful":{"rating":5},"recommend":{"rating":4},"interest":{"choices":["webinars","regional-convenings"]},"comments":{"text":"Thanks"}}`)
	f.Add(`{"useful":{"rating":6},"recommend":{"rating":0},"nope":{}}`)
	f.Add(`{"useful":{"rating":5,"text":"x"},"recommend":{"rating":5},"interest":{"choices":["webinars","webinars"]}}`)
	f.Add(`{"useful":{"rating":-3},"comments":{"text":"\u0000"}}`)
	sv := convening.Survey{EventID: "ev", SurveyDefinition: convening.DefaultSurvey()}
	f.Fuzz(func(t *testing.T, body string) {
		var answers map[string]convening.SurveyAnswer
		if json.Unmarshal([]byte(body), &answers) != nil {
			return
		}
		clean, err := sv.CheckAnswers(answers)
		if de := convening.AsError(err); err != nil && (de == nil || de.Code != convening.EINVALID || len(de.Fields) > convening.MaxFieldErrors) {
			t.Fatalf("check error %v", err)
		}
		if err != nil {
			for _, fe := range convening.AsError(err).Fields {
				if !strings.HasPrefix(fe.Field, "answers") || len(fe.Field) > 200 {
					t.Fatalf("field %q", fe.Field)
				}
			}
			return
		}
		for id, a := range clean {
			it, ok := sv.Item(id)
			if !ok {
				t.Fatalf("accepted an answer to %q", id)
			}
			switch it.Type {
			case convening.SurveyRating:
				if a.Rating < 1 || a.Rating > 5 || a.Text != "" || len(a.Choices) > 0 {
					t.Fatalf("accepted %+v for %s", a, id)
				}
			case convening.SurveyChoice:
				seen := map[string]bool{}
				for _, c := range a.Choices {
					if _, ok := it.Option(c); !ok || seen[c] {
						t.Fatalf("accepted choices %v", a.Choices)
					}
					seen[c] = true
				}
			case convening.SurveyText:
				if len([]rune(a.Text)) > convening.MaxSurveyAnswerText || a.Text == "" {
					t.Fatalf("accepted text of %d", len(a.Text))
				}
			}
		}
		for _, it := range sv.Items {
			if _, ok := clean[it.ID]; it.Required && !ok {
				t.Fatalf("accepted answers without %s", it.ID)
			}
		}
	})
}
