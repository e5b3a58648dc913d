package convening

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// checkText validates a text field: a name or title on one line, or (for
// a description) several lines. Names may not hold format characters
// (zero-width spaces, bidirectional controls and the like): they are
// invisible, make two spellings of one name look the same, and can reorder
// what an email shows. No text may hold bidirectional controls. It returns
// whether the text is valid.
func checkText(v *validation, field, s string, max int, required bool) bool {
	return checkTextLines(v, field, s, max, required, multilineFields[field])
}

// checkTextLines is checkText for a field whose path does not say whether
// it holds lines (an answer to an event's question: its type does).
func checkTextLines(v *validation, field, s string, max int, required, multiline bool) bool {
	switch {
	case s == "" && required:
		v.add(field, RuleRequired)
	case !utf8.ValidString(s):
		v.add(field, RuleText)
	case utf8.RuneCountInString(s) > max:
		v.add(field, RuleMaxLength, "max", max)
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t' || bidiControl(r) || !multiline && unicode.Is(unicode.Cf, r)
	}):
		v.add(field, RuleText)
	case !multiline && strings.ContainsAny(s, "\r\n"):
		v.add(field, RuleSingleLine)
	default:
		return true
	}
	return false
}

// multilineFields are the paragraphs of text; every other field is a name
// or a title on one line.
var multilineFields = map[string]bool{"description": true, "reason": true, "message": true, "comment": true,
	"experience": true, "reasons": true}

// bidiControl reports whether r is a bidirectional formatting character
// (embeddings, overrides, isolates and marks).
func bidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// checkEmail validates an address Amazon SES can deliver to: a plain
// address (no display name, no line breaks, which could inject mail
// headers) of ASCII characters only (SES refuses others; an international
// domain must be given in its xn-- form), with a domain of dot-separated
// labels. It returns whether the address is valid.
func checkEmail(v *validation, field, s string) bool {
	if s == "" {
		v.add(field, RuleRequired)
		return false
	}
	if !DeliverableEmail(s) {
		v.add(field, RuleEmail)
		return false
	}
	return true
}

const maxLocalLen = 64

// DeliverableEmail reports whether s is an address SES can deliver to.
func DeliverableEmail(s string) bool {
	if len(s) > maxEmailLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) ||
		strings.ContainsAny(s, "<>,;\"()[]\\") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > maxLocalLen {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.ContainsFunc(l, func(r rune) bool {
				return !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return strings.HasPrefix(strings.ToLower(tld), "xn--") || !strings.ContainsFunc(tld, func(r rune) bool { return r >= '0' && r <= '9' })
}

var folder = cases.Fold()

// NormalizeName folds a name for matching: compatibility forms and widths
// unified (NFKC), format characters such as zero-width spaces dropped (they
// are invisible), case folded, letters, digits and marks only, words
// separated by one space. So "Fresno Unified", "FRESNO  unified.",
// "Ｆｒｅｓｎｏ Unified" and "Fres\u200bno Unified" are one name.
func NormalizeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, norm.NFKC.String(name))
	name = norm.NFKC.String(folder.String(name))
	var b strings.Builder
	space := false
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}
