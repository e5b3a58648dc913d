package convening_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/calmi/convenings/pkg/convening"
)

// maxKeyBytes bounds every organization key: well inside DynamoDB's 1,024
// bytes for the claim's sort key "ORG#<key>".
const maxKeyBytes = 300

func TestOrganizationKeyResistsLookAlikes(t *testing.T) {
	fresno := convening.Organization{Name: "Fresno Unified School District", County: "Fresno"}
	same := []struct{ name, why string }{
		{"Frеsno Unified School District", "a Cyrillic е inside a Latin name"},
		{"Fresno Unіfied School Dіstrict", "Cyrillic і"},
		{"FRЕSNO UNIFIED SCHOOL DISTRICT", "a Cyrillic capital Е"},
		{"Fresnο Unified Schοοl District", "Greek ο"},
		{"Fres\u034fno Unified School District", "a combining grapheme joiner"},
		{"Fresno\ufe0f Unified School District", "a variation selector"},
		{"Fresno Unified School\U000e0100 District", "a variation selector of the supplement"},
		{"Fres\u3164no Unified School District", "a Hangul filler"},
		{"\u115fFresno Unified School District\uffa0", "Hangul fillers, leading and halfwidth"},
		{"Fres\u200bno Unified\u2060 School District", "zero-width space, word joiner"},
		{"Fresno Unified School District\U000e0041", "a tag character"},
		{"𝐅𝐫𝐞𝐬𝐧𝐨 Unified School District", "mathematical bold"},
		{"Ｆｒｅｓｎｏ Unified School District", "full-width"},
		{"Fresnó Unified School District", "an accent"},
		{"Fresno\u00a0Unified, School-District.", "a no-break space and punctuation"},
	}
	for _, s := range same {
		t.Run(s.why, func(t *testing.T) {
			org := convening.Organization{Name: s.name, County: "Fresno"}
			if org.Key() != fresno.Key() {
				t.Errorf("%q has key %q, want %q", s.name, org.Key(), fresno.Key())
			}
		})
	}
	other := []convening.Organization{
		{Name: "Fresno Unified School District", County: "Madera"},
		{Name: "Clovis Unified School District", County: "Fresno"},
		{Name: "Fresno County Office of Education", County: "Fresno"},
	}
	for _, o := range other {
		if o.Key() == fresno.Key() {
			t.Errorf("%s (%s) has Fresno Unified's key", o.Name, o.County)
		}
	}
	// Cyrillic к is a small capital K, its capital К a K: both are K.
	kern := convening.Organization{Name: "Kern High School District", County: "Kern"}
	for _, name := range []string{"Кern High School District", "кern high school district"} {
		if k := (convening.Organization{Name: name, County: "Kern"}).Key(); k != kern.Key() {
			t.Errorf("%q has key %q, want %q", name, k, kern.Key())
		}
	}
}

func TestOrganizationKeyIsBounded(t *testing.T) {
	// U+FDFA's compatibility form is eighteen letters: 200 of them fold to
	// over 6,000 bytes.
	long := strings.Repeat("\ufdfa", 200)
	for _, org := range []convening.Organization{
		{Name: long, County: "Fresno"},
		{Name: strings.Repeat("ǆ", 200), County: "Fresno"},
		{Name: strings.Repeat("Fresno Unified ", 14), County: strings.Repeat("\ufdfa", 200)},
	} {
		k := org.Key()
		if len(k) > maxKeyBytes || !utf8.ValidString(k) {
			t.Errorf("key of %d bytes (valid UTF-8 %v): %q", len(k), utf8.ValidString(k), k)
		}
		if org.Key() != k {
			t.Error("the key is not deterministic")
		}
		if l := org.LegacyKey(); len(l) > 1020 {
			t.Errorf("legacy key of %d bytes: no such key was ever stored", len(l))
		}
	}
	// Two long names that differ only at the end are two organizations.
	a := convening.Organization{Name: long + "a", County: "Fresno"}
	b := convening.Organization{Name: long + "b", County: "Fresno"}
	if a.Key() == b.Key() {
		t.Error("two long names share a key")
	}
}

func TestOrganizationKeysKeepLegacyKeysReadable(t *testing.T) {
	tests := []struct {
		name string
		org  convening.Organization
		keys []string
	}{
		// A plain name keeps the key it was stored under.
		{"Plain", convening.Organization{Name: "Selma Unified School District", County: "Fresno"},
			[]string{"fresno/selma unified school district"}},
		// A look-alike spelling was its own organization before: its
		// records stay readable under the old key.
		{"LookAlike", convening.Organization{Name: "Ѕelma Unified School District", County: "Fresno"},
			[]string{"fresno/selma unified school district", "fresno/ѕelma unified school district"}},
		{"Accent", convening.Organization{Name: "La Cañada Unified School District", County: "Los Angeles"},
			[]string{"los angeles/la canada unified school district", "los angeles/la cañada unified school district"}},
		{"TooLongToHaveBeenStored", convening.Organization{Name: strings.Repeat("\ufdfa", 200), County: "Fresno"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.org.Keys()
			if got[0] != tt.org.Key() {
				t.Errorf("Keys()[0] = %q, want Key() %q", got[0], tt.org.Key())
			}
			if tt.keys == nil {
				if len(got) != 1 {
					t.Errorf("keys %q: a legacy key that could not be stored", got)
				}
				return
			}
			if strings.Join(got, "|") != strings.Join(tt.keys, "|") {
				t.Errorf("keys %q, want %q", got, tt.keys)
			}
		})
	}
}

func TestNamesRefuseLineSeparators(t *testing.T) {
	for _, sep := range []string{"\u2028", "\u2029"} {
		team := convening.Team{Organization: convening.Organization{Name: "Selma" + sep + "Unified", Type: convening.OrgDistrict, County: "Fresno"},
			Contact: convening.Contact{Name: "Ana" + sep + "Ruiz", Email: "ana@selma.k12.ca.us"},
			Members: []convening.Member{{Name: "Ana Ruiz", Email: "ana@selma.k12.ca.us", Role: convening.RoleSuperintendent}}}
		err := team.Validate(convening.Event{MaxTeamSize: 4})
		e := convening.AsError(err)
		if e == nil || e.Code != convening.EINVALID {
			t.Fatalf("%U: %v, want invalid fields", []rune(sep)[0], err)
		}
		fields := map[string]convening.Rule{}
		for _, f := range e.Fields {
			fields[f.Field] = f.Rule
		}
		if fields["organization.name"] != convening.RuleText || fields["contact.name"] != convening.RuleText {
			t.Errorf("%U: fields %v, want organization.name and contact.name refused as text", []rune(sep)[0], fields)
		}
	}
}

// FuzzOrganizationKey: whatever name and county, the key is bounded and
// valid UTF-8, and what a reader cannot see does not change it: invisible
// characters inserted anywhere, Cyrillic and Greek letters that look like
// the Latin ones they replace, case, and the spacing and punctuation
// around words.
func FuzzOrganizationKey(f *testing.F) {
	f.Add("Fresno Unified School District", "Fresno", 3)
	f.Add("Selma Unified", "fresno county", 0)
	f.Add(strings.Repeat("\ufdfa", 200), "Kern", 7)
	f.Add("가나다 School", "Los Angeles", 1)
	f.Add("Ⅻ ǅ ß İ", "\u3164", 2)
	f.Fuzz(func(t *testing.T, name, county string, at int) {
		org := convening.Organization{Name: name, County: county}
		k := org.Key()
		if len(k) > maxKeyBytes || !utf8.ValidString(k) {
			t.Fatalf("key %q (%d bytes)", k, len(k))
		}
		for _, key := range org.Keys() {
			if key == "" || len(key) > 1020 {
				t.Fatalf("keys %q", org.Keys())
			}
		}
		if !utf8.ValidString(name) {
			return
		}
		// Invisible characters anywhere (between whole characters).
		runes := []rune(name)
		i := 0
		if len(runes) > 0 {
			i = (at%len(runes) + len(runes)) % len(runes)
		}
		invisibles := []string{"\u034f", "\ufe0f", "\u200b", "\u3164", "\U000e0100", "\u115f", "\u2060"}
		inv := invisibles[(at%len(invisibles)+len(invisibles))%len(invisibles)]
		if hidden := (convening.Organization{Name: string(runes[:i]) + inv + string(runes[i:]), County: county}); hidden.Key() != k {
			t.Fatalf("%q with %U at %d: key %q, want %q", name, []rune(inv)[0], i, hidden.Key(), k)
		}
		// Spacing and punctuation around the words.
		if spaced := (convening.Organization{Name: "  " + name + ". ", County: county}); spaced.Key() != k {
			t.Fatalf("%q spaced: key %q, want %q", name, spaced.Key(), k)
		}
		// Look-alike letters of other scripts in an ASCII name, and its case.
		if !isASCII(name) {
			return
		}
		fake := strings.NewReplacer("a", "а", "e", "е", "o", "о", "c", "с", "p", "р", "x", "х", "y", "у",
			"A", "А", "E", "Е", "O", "Ο", "K", "К", "M", "М", "T", "Т", "H", "Н", "B", "В").Replace(name)
		if f := (convening.Organization{Name: fake, County: county}); f.Key() != k {
			t.Fatalf("%q as %q: key %q, want %q", name, fake, f.Key(), k)
		}
		if u := (convening.Organization{Name: strings.ToUpper(name), County: county}); u.Key() != k {
			t.Fatalf("%q in capitals: key %q, want %q", name, u.Key(), k)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
