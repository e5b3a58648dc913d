package convening

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The spreadsheets staff upload (a meeting platform's participant report,
// a past roster) are read leniently: a byte-order mark, UTF-16 (Microsoft
// Teams' reports), tabs or semicolons instead of commas, a preamble before
// the header row (Zoom's meeting summary), columns in any order and named
// in any of the ways the platforms name them. What cannot be read is
// answered row by row, never by a failure of the whole file.

// MaxUploadBytes bounds an uploaded spreadsheet.
const MaxUploadBytes = 4 << 20

// MaxUploadRows bounds its rows.
const MaxUploadRows = 20000

// ReasonUnreadableFile: the upload is not a spreadsheet with the columns
// needed (EINVALID, with the field "file" naming what is missing).
const ReasonUnreadableFile Reason = "unreadable_file"

// RuleColumns: the file lacks columns (missing: the columns), or has no
// rows.
const RuleColumns Rule = "columns"

// table is a spreadsheet's header and its data rows, each with its line
// number in the file.
type table struct {
	header []string
	rows   [][]string
	lines  []int
}

// column finds the first header cell matching one of names (normalized
// header words, see headerKey); -1 if none.
func (t table) column(names ...string) int {
	for _, n := range names {
		for i, h := range t.header {
			if headerKey(h) == n {
				return i
			}
		}
	}
	return -1
}

// cell is row r's value in column c, trimmed; "" if the row is short.
func (t table) cell(r, c int) string {
	if c < 0 || c >= len(t.rows[r]) {
		return ""
	}
	return strings.TrimSpace(t.rows[r][c])
}

// headerKey normalizes a header cell: lower case, words of letters and
// digits; a parenthesis's words kept ("Name (Original Name)" is "name
// original name"; "Join Time (UTC)" is "join time utc").
func headerKey(h string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// readTable reads a spreadsheet whose header row is the first row (within
// the first 40) that isHeader accepts.
func readTable(r io.Reader, isHeader func(keys []string) bool) (table, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		return table{}, err
	}
	if len(raw) > MaxUploadBytes {
		return table{}, InvalidFields("The file", Field("file", RuleMaxLength, "max", MaxUploadBytes))
	}
	text := decodeText(raw)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = guessComma(text)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	var t table
	found := false
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A broken row spoils itself alone; go on with the next.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return t, err
			}
			if found {
				t.rows, t.lines = append(t.rows, nil), append(t.lines, pe.StartLine)
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if !found {
			keys := make([]string, len(rec))
			for i, c := range rec {
				keys[i] = headerKey(c)
			}
			if isHeader(keys) {
				t.header, found = rec, true
			} else if n > 40 {
				break
			}
			continue
		}
		if blank(rec) {
			continue
		}
		if len(t.rows) >= MaxUploadRows {
			return t, InvalidFields("The file", Field("file", RuleMaxItems, "max", MaxUploadRows))
		}
		t.rows, t.lines = append(t.rows, rec), append(t.lines, line)
	}
	if !found {
		return t, errNoHeader
	}
	return t, nil
}

var errNoHeader = errors.New("no header row")

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// decodeText turns the upload into UTF-8 text: UTF-16 with a byte-order
// mark decoded, a UTF-8 mark dropped, invalid bytes replaced.
func decodeText(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		le := b[0] == 0xFF
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			if le {
				u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return string(utf16.Decode(u))
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}

// guessComma picks the separator of the first lines: tabs (Teams),
// semicolons (a European spreadsheet), or commas.
func guessComma(text string) rune {
	head := text
	if len(head) > 4096 {
		head = head[:4096]
	}
	tabs, semis, commas := strings.Count(head, "\t"), strings.Count(head, ";"), strings.Count(head, ",")
	switch {
	case tabs > commas && tabs >= semis:
		return '\t'
	case semis > commas:
		return ';'
	}
	return ','
}

// oneOf reports whether any key is one of names.
func oneOf(keys []string, names ...string) bool {
	for _, k := range keys {
		for _, n := range names {
			if k == n {
				return true
			}
		}
	}
	return false
}
