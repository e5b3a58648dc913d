package convening

import (
	"fmt"
	"strings"
	"unicode"
)

// ProgramContact is how teams, members and anyone else reach the program's
// staff: a name (a person or a desk, "CA LMI Convenings"), an email and
// optionally a phone. It is a deployment setting (the CDK context
// contactName, contactEmail and contactPhone; LMI_CONTACT_* locally), shown
// at the foot of every page and every email, on the pages for a link that
// leads nowhere, and in the refusal of a second registration.
type ProgramContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone,omitempty"`
}

// Bounds of a program contact's fields.
const (
	maxContactNameLen  = 100
	maxContactPhoneLen = 30
	minPhoneDigits     = 7
	maxPhoneDigits     = 15 // E.164
)

// Validate checks a program contact: a name on one line, an address SES
// delivers to, and a phone (if any) of digits with the usual separators,
// such as "+1 (916) 555-0142" or "916-555-0142 ext. 12". Errors: EINVALID
// naming name, email or phone.
func (c ProgramContact) Validate() error {
	var v validation
	checkText(&v, "name", c.Name, maxContactNameLen, true)
	checkEmail(&v, "email", c.Email)
	if c.Phone != "" && !validPhone(c.Phone) {
		v.add("phone", RuleText)
	}
	return v.err("The program's contact")
}

// Normalized is the contact with spaces trimmed.
func (c ProgramContact) Normalized() ProgramContact {
	return ProgramContact{Name: strings.TrimSpace(c.Name), Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone)}
}

// IsZero reports whether no contact is set.
func (c ProgramContact) IsZero() bool { return c == ProgramContact{} }

// validPhone accepts digits, spaces and + ( ) - . / and an extension
// ("ext. 12", "x12"), with 7 to 15 digits before the extension.
func validPhone(s string) bool {
	if len(s) > maxContactPhoneLen {
		return false
	}
	main, ext := s, ""
	lower := strings.ToLower(s)
	for _, sep := range []string{"ext.", "ext", "x"} {
		if i := strings.LastIndex(lower, sep); i > 0 {
			main, ext = s[:i], strings.TrimSpace(s[i+len(sep):])
			break
		}
	}
	digits := 0
	for i, r := range main {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '(', r == ')', r == '-', r == '.', r == '/':
		default:
			return false
		}
	}
	if ext != "" && strings.ContainsFunc(ext, func(r rune) bool { return r < '0' || r > '9' }) {
		return false
	}
	return digits >= minPhoneDigits && digits <= maxPhoneDigits
}

// PhoneURI is the phone as a tel: link ("tel:+19165550142"), "" without
// a phone. A number of ten digits without a country code is taken as
// North American, as the program's are.
func (c ProgramContact) PhoneURI() string {
	if c.Phone == "" {
		return ""
	}
	main := c.Phone
	if i := strings.IndexFunc(strings.ToLower(main), func(r rune) bool { return r == 'e' || r == 'x' }); i > 0 {
		main = main[:i]
	}
	var digits strings.Builder
	for _, r := range main {
		if unicode.IsDigit(r) && r < unicode.MaxASCII {
			digits.WriteRune(r)
		}
	}
	d := digits.String()
	switch {
	case strings.HasPrefix(strings.TrimSpace(main), "+"):
		return "tel:+" + d
	case len(d) == 10:
		return "tel:+1" + d
	}
	return "tel:" + d
}

// Sentence says how to reach the contact in words, for a message: "Maria
// Lopez at convenings@cdefoundation.org or +1 916-555-0142".
func (c ProgramContact) Sentence() string {
	if c.IsZero() {
		return "CA LMI staff"
	}
	s := fmt.Sprintf("%s at %s", c.Name, c.Email)
	if c.Phone != "" {
		s += " or " + c.Phone
	}
	return s
}

// ProgramContactFrom is the contact a deployment sets (its name, email and
// phone settings), trimmed and checked: all empty is no contact; a name
// without an email, or an address SES cannot deliver to, is an error
// naming the field, for the function to refuse to start with.
func ProgramContactFrom(name, email, phone string) (ProgramContact, error) {
	c := ProgramContact{Name: name, Email: email, Phone: phone}.Normalized()
	if c.IsZero() {
		return c, nil
	}
	if err := c.Validate(); err != nil {
		return ProgramContact{}, err
	}
	return c, nil
}
