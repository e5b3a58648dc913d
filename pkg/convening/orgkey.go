package convening

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// An organization's key is how the system knows one district or county
// office however its teams spell it: the claim that allows one active
// registration or statement per organization and event, and the index of
// its history across events, are filed under it. So it must not be fooled
// by what a reader cannot see:
//
//   - compatibility forms and widths (NFKC), and case (full case folding);
//   - characters that render as nothing: format characters (zero-width
//     spaces and joiners), the combining grapheme joiner, variation
//     selectors, Hangul fillers and the other default-ignorable code
//     points, dropped;
//   - accents and other combining marks, dropped, so that "La Cañada" and
//     "La Canada" are one district;
//   - letters of another script that look Latin ("Frеsno" with a Cyrillic
//     е): each character that Unicode's confusables data (UTS #39, the
//     skeletons of github.com/mtibben/confusables) says looks like an
//     ASCII letter or digit becomes that letter. ASCII letters and digits
//     themselves stay as they are, so that a plain name keeps the key it
//     always had (the skeleton of "m" is "rn", of "1" is "l": a key made
//     of skeletons throughout would change every stored organization's
//     key, and merge names no reader confuses);
//   - punctuation and spacing: words of letters and digits, one space
//     between them;
//   - length: a name whose compatibility form is very long (one character
//     may expand to eighteen letters) keeps its first maxKeyNameBytes and
//     a digest of the whole, so that a key always fits DynamoDB's key size
//     (1,024 bytes for a sort key) whatever was typed.
//
// Keys stored before this definition (LegacyKey) stay readable: see
// Organization.Keys.

// maxKeyNameBytes bounds the name part of a key: a name of up to
// maxNameLen ASCII characters keeps its whole folded form.
const maxKeyNameBytes = 200

// maxKeyCountyBytes bounds the county part of a key made from text that
// is not a county (a key is computed before validation, too).
const maxKeyCountyBytes = 40

// Key identifies an organization across events: its county and its name
// in the form described above, so that "Fresno Unified School District",
// "fresno unified  school-district.", "Ｆｒｅｓｎｏ Unified School District"
// and "Frеsno Unified School District" (a Cyrillic е) are one
// organization. It is at most about 280 bytes, whatever the name.
func (o Organization) Key() string {
	return countyKey(o.County) + "/" + boundKey(NameKey(o.Name), maxKeyNameBytes)
}

// LegacyKey is the organization's key as the system made it before keys
// resisted look-alike and invisible characters (the county in lower case,
// the name as NormalizeName folds it); "" when it would not fit a DynamoDB
// key, for then nothing can have been stored under it.
func (o Organization) LegacyKey() string {
	k := strings.ToLower(o.County) + "/" + NormalizeName(o.Name)
	if len(k) > maxLegacyKeyBytes {
		return ""
	}
	return k
}

// maxLegacyKeyBytes is the longest legacy key that can have been stored:
// the claim's sort key "ORG#<key>" fits DynamoDB's 1,024 bytes.
const maxLegacyKeyBytes = 1024 - len("ORG#")

// Keys are every key the organization's records may be filed under: its
// Key and, for records stored before today's keys, its LegacyKey if that
// differs. For a plain name they are one key. Reading an organization's
// history, or checking that it holds no place on an event, looks under
// each.
func (o Organization) Keys() []string {
	k, legacy := o.Key(), o.LegacyKey()
	if legacy == "" || legacy == k {
		return []string{k}
	}
	return []string{k, legacy}
}

// countyKey is the county part of a key: a county in its canonical
// spelling, lower case; any other text folded as a name is, and bounded.
func countyKey(county string) string {
	if c, ok := CanonicalCounty(county); ok {
		return strings.ToLower(c)
	}
	return boundKey(NameKey(county), maxKeyCountyBytes)
}

// NameKey folds a name as organization keys compare names (see Key): what
// a reader cannot tell apart is the same. It is not bounded; Key is.
func NameKey(name string) string {
	// Invisible characters go first: between two letters they would stop
	// NFKC composing them (a Hangul syllable from its jamo).
	s := norm.NFD.String(folder.String(norm.NFKC.String(strings.Map(dropInvisible, name))))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case invisible(r) || unicode.In(r, unicode.Mn, unicode.Me):
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		default:
			b.WriteString(lookalike(r))
		}
	}
	// Words of letters and digits; a mapping may yield marks or capitals.
	s = folder.String(norm.NFKC.String(b.String()))
	b.Reset()
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		if !invisible(r) && !unicode.In(r, unicode.Mn, unicode.Me) {
			space = true
		}
	}
	return b.String()
}

func dropInvisible(r rune) rune {
	if invisible(r) {
		return -1
	}
	return r
}

// invisible reports whether r renders as nothing: a format character
// (zero-width space, joiners, bidirectional marks, tags) or another
// default-ignorable code point (the combining grapheme joiner, variation
// selectors, Hangul fillers, ...).
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// lookalike is the ASCII letter or digit a non-ASCII character looks
// like, if UTS #39 says it looks like one, else its skeleton. A lower-case
// letter is also tried as its capital: the Cyrillic к looks like a small
// capital K (its prototype is ĸ), its capital К like K.
func lookalike(r rune) string {
	if v, ok := lookalikes.Load(r); ok {
		return v.(string)
	}
	v := findLookalike(r)
	lookalikes.Store(r, v)
	return v
}

// lookalikes caches lookalike by character: a skeleton costs
// microseconds, and a name whose compatibility form is long has thousands
// of characters. It holds at most one entry per character of Unicode.
var lookalikes sync.Map

func findLookalike(r rune) string {
	for _, c := range [2]rune{r, unicode.ToUpper(r)} {
		if a, ok := asciiLookalikes[unmarked(confusables.Skeleton(string(c)))]; ok {
			return a
		}
	}
	return confusables.Skeleton(string(r))
}

// unmarked is s without its combining marks (a skeleton may carry some:
// that of ɱ is r, n and a hook below).
func unmarked(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			return -1
		}
		return r
	}, s)
}

// asciiLookalikes maps the skeleton of each ASCII letter and digit to the
// letter or digit, in lower case: lower-case letters first, then capitals,
// then digits, so that "O" (the skeleton of O and 0) is "o", "l" (of l, I
// and 1) is "l", and "rn" (of m) is "m".
var asciiLookalikes = func() map[string]string {
	m := map[string]string{}
	var all []rune
	for r := 'a'; r <= 'z'; r++ {
		all = append(all, r)
	}
	for r := 'A'; r <= 'Z'; r++ {
		all = append(all, r)
	}
	for r := '0'; r <= '9'; r++ {
		all = append(all, r)
	}
	for _, r := range all {
		sk := confusables.Skeleton(string(r))
		if _, taken := m[sk]; !taken {
			m[sk] = strings.ToLower(string(r))
		}
	}
	return m
}()

// boundKey keeps s if it is at most max bytes, else its first bytes (whole
// characters) and a digest of all of it: distinct long names stay
// distinct, and the key stays bounded.
func boundKey(s string, max int) string {
	if len(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	digest := "~" + hex.EncodeToString(sum[:16])
	cut := max - len(digest)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + digest
}
