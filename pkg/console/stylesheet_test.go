package console

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestStylesheetBlocksClose reads each stylesheet the console serves: a
// block left open swallows every rule after it (a merge once left the
// print block open, and the announcement's preview, the footer and
// [hidden] applied only on paper: the page was 1569 px wide on a phone).
func TestStylesheetBlocksClose(t *testing.T) {
	comments := regexp.MustCompile(`(?s)/\*.*?\*/`)
	err := fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".css") {
			return err
		}
		b, err := staticFS.ReadFile(path)
		if err != nil {
			return err
		}
		depth := 0
		for i, line := range strings.Split(comments.ReplaceAllStringFunc(string(b), blankLines), "\n") {
			for _, r := range line {
				switch r {
				case '{':
					depth++
				case '}':
					depth--
					if depth < 0 {
						t.Errorf("%s:%d: a } closes no block", path, i+1)
						depth = 0
					}
				}
			}
			// Top-level rules start at the line's beginning; one inside a
			// block is indented (an at-rule's rules) or on the block's line.
			if depth > 0 && len(line) > 0 && line[0] != ' ' && line[0] != '\t' && !strings.Contains(line, "{") {
				t.Errorf("%s:%d: %q starts at the line's beginning inside an open block", path, i+1, line)
			}
		}
		if depth != 0 {
			t.Errorf("%s: %d blocks left open", path, depth)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// blankLines keeps a comment's line ends, so that line numbers stay true.
func blankLines(s string) string { return strings.Repeat("\n", strings.Count(s, "\n")) }
