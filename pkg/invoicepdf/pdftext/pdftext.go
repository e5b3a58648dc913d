// Package pdftext reads the text of a simple PDF, as the invoices this
// system writes are (package invoicepdf: core fonts, Windows-1252): the
// strings each page's content streams show, one per text object, in the
// order drawn. It exists so that tests can open an invoice and check what
// it says (the machine has no poppler-utils' pdftotext); it is no general
// PDF reader (no fonts with their own encodings, no object streams).
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

var (
	streamRE = regexp.MustCompile(`(?s)<<(.*?)>>\s*stream\r?\n`)
	lengthRE = regexp.MustCompile(`/Length (\d+)\b`)
)

// Text returns the text the PDF's content streams show: each string of a
// text object (BT ... ET) on a line of its own.
func Text(pdf []byte) (string, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return "", errors.New("pdftext: not a PDF")
	}
	var out strings.Builder
	rest := pdf
	for {
		loc := streamRE.FindSubmatchIndex(rest)
		if loc == nil {
			break
		}
		dict := string(rest[loc[2]:loc[3]])
		body := rest[loc[1]:]
		end := bytes.Index(body, []byte("endstream"))
		if end < 0 {
			return "", errors.New("pdftext: a stream has no end")
		}
		// The dictionary's /Length says where the data ends: trimming line
		// ends instead would cut compressed data whose last byte is one.
		data := body[:end]
		if m := lengthRE.FindStringSubmatch(dict); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n <= end {
				data = body[:n]
			}
		} else {
			data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
		}
		rest = body[end:]
		if strings.Contains(dict, "/FlateDecode") {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				continue // not a content stream we can read (an image, a font)
			}
			inflated, err := io.ReadAll(io.LimitReader(r, 16<<20))
			if err != nil {
				continue
			}
			data = inflated
		}
		if bytes.Contains(data, []byte("BT")) {
			if err := showText(&out, data); err != nil {
				return "", err
			}
		}
	}
	return out.String(), nil
}

// showText writes the strings shown in one content stream.
func showText(out *strings.Builder, data []byte) error {
	dec := charmap.Windows1252.NewDecoder()
	inText := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '(':
			s, n, err := literal(data[i:])
			if err != nil {
				return err
			}
			i += n - 1
			if inText {
				u, err := dec.String(s)
				if err != nil {
					return fmt.Errorf("pdftext: decode %q: %w", s, err)
				}
				out.WriteString(u)
			}
		case c == 'B' && i+1 < len(data) && data[i+1] == 'T' && boundary(data, i, 2):
			inText = true
			i++
		case c == 'E' && i+1 < len(data) && data[i+1] == 'T' && boundary(data, i, 2):
			if inText {
				out.WriteByte('\n')
			}
			inText = false
			i++
		}
	}
	return nil
}

// boundary reports whether the operator of n bytes at i stands alone.
func boundary(data []byte, i, n int) bool {
	isDelim := func(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
	return (i == 0 || isDelim(data[i-1])) && (i+n == len(data) || isDelim(data[i+n]))
}

// literal reads a PDF literal string starting at "(" and returns its
// bytes and the length it took, balanced parentheses and escapes read.
func literal(b []byte) (string, int, error) {
	var s strings.Builder
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '\\':
			i++
			if i >= len(b) {
				return "", 0, errors.New("pdftext: a string ends in an escape")
			}
			switch e := b[i]; e {
			case 'n':
				s.WriteByte('\n')
			case 'r':
				s.WriteByte('\r')
			case 't':
				s.WriteByte('\t')
			case 'b':
				s.WriteByte('\b')
			case 'f':
				s.WriteByte('\f')
			case '\r', '\n':
				// a line continuation
			default:
				if e >= '0' && e <= '7' {
					v := 0
					j := 0
					for ; j < 3 && i+j < len(b) && b[i+j] >= '0' && b[i+j] <= '7'; j++ {
						v = v*8 + int(b[i+j]-'0')
					}
					i += j - 1
					s.WriteByte(byte(v))
				} else {
					s.WriteByte(e)
				}
			}
		case '(':
			if depth > 0 {
				s.WriteByte(c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s.String(), i + 1, nil
			}
			s.WriteByte(c)
		default:
			s.WriteByte(c)
		}
	}
	return "", 0, errors.New("pdftext: a string has no end")
}
