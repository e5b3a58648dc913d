package pdftext_test

import (
	"os"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/invoicepdf/pdftext"
)

// TestStreamEndingInALineEnd: an invoice whose compressed content stream
// ends with a byte that is a line end is read whole (trimming line ends
// before endstream cut it, and the text came out empty).
func TestStreamEndingInALineEnd(t *testing.T) {
	pdf, err := os.ReadFile("testdata/stream-ends-in-newline.pdf")
	if err != nil {
		t.Fatal(err)
	}
	txt, err := pdftext.Text(pdf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INVOICE", "Californians Dedicated to Education", "$25.00"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestNotAPDF(t *testing.T) {
	if _, err := pdftext.Text([]byte("hello")); err == nil {
		t.Error("a non-PDF was read")
	}
}
