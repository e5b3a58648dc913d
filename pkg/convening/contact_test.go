package convening_test

import (
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

func TestProgramContact(t *testing.T) {
	tests := []struct {
		name        string
		c           convening.ProgramContact
		wantField   string
		wantURI     string
		wantSaysHow string
	}{
		{name: "Full", c: convening.ProgramContact{Name: "CA LMI Convenings", Email: "help@lmi.example.org", Phone: "(916) 555-0142"},
			wantURI: "tel:+19165550142", wantSaysHow: "CA LMI Convenings at help@lmi.example.org or (916) 555-0142"},
		{name: "International", c: convening.ProgramContact{Name: "Maria Lopez", Email: "m@lmi.example.org", Phone: "+1 916 555 0142 ext. 12"},
			wantURI: "tel:+19165550142"},
		{name: "Extension", c: convening.ProgramContact{Name: "Desk", Email: "m@lmi.example.org", Phone: "916-555-0142 x12"}, wantURI: "tel:+19165550142"},
		{name: "NoPhone", c: convening.ProgramContact{Name: "Desk", Email: "m@lmi.example.org"}, wantSaysHow: "Desk at m@lmi.example.org"},
		{name: "NoName", c: convening.ProgramContact{Email: "m@lmi.example.org"}, wantField: "name"},
		{name: "BadEmail", c: convening.ProgramContact{Name: "Desk", Email: "m at lmi"}, wantField: "email"},
		{name: "Letters", c: convening.ProgramContact{Name: "Desk", Email: "m@lmi.example.org", Phone: "1-800-CALL-LMI"}, wantField: "phone"},
		{name: "TooShort", c: convening.ProgramContact{Name: "Desk", Email: "m@lmi.example.org", Phone: "555"}, wantField: "phone"},
		{name: "LineSeparator", c: convening.ProgramContact{Name: "CA\u2028LMI", Email: "m@lmi.example.org"}, wantField: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.wantField != "" {
				e := convening.AsError(err)
				if e == nil || len(e.Fields) == 0 || e.Fields[0].Field != tt.wantField {
					t.Fatalf("Validate() = %v, want an error naming %s", err, tt.wantField)
				}
				if _, err := convening.ProgramContactFrom(tt.c.Name, tt.c.Email, tt.c.Phone); err == nil {
					t.Error("ProgramContactFrom accepted it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantURI != "" && tt.c.PhoneURI() != tt.wantURI {
				t.Errorf("PhoneURI() = %q, want %q", tt.c.PhoneURI(), tt.wantURI)
			}
			if tt.wantSaysHow != "" && tt.c.Sentence() != tt.wantSaysHow {
				t.Errorf("Sentence() = %q, want %q", tt.c.Sentence(), tt.wantSaysHow)
			}
		})
	}
	if c, err := convening.ProgramContactFrom(" ", "", ""); err != nil || !c.IsZero() {
		t.Errorf("no contact set: %+v, %v", c, err)
	}
}
