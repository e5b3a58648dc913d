package console

import (
	"html/template"
	"strings"
)

// oneLine keeps a short date or time on one line: its spaces do not break
// (a table's date column wrapped "Dec 7, / 2026, / 1:28 / AM" onto four
// lines). Screen readers read the spaces as spaces.
func oneLine(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// breakableEmail is an address that may break before its "@" and its
// dots, and nowhere else: a narrow column wraps
// "maria.lopez / @fresnounified / .org", never "maria.lo / pez@...".
func breakableEmail(addr string) template.HTML {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return template.HTML(template.HTMLEscapeString(addr))
	}
	parts := strings.Split(domain, ".")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(template.HTMLEscapeString(local) + "<wbr>@" + strings.Join(parts, "<wbr>."))
}
