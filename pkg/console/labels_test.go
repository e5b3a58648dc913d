package console

import (
	"testing"

	"github.com/calmi/convenings/pkg/mail"
)

// TestEveryEmailKindHasWords: the team page and the failed emails name
// every kind of email the mailer sends in words, never by its code.
func TestEveryEmailKindHasWords(t *testing.T) {
	for _, k := range mail.Kinds() {
		if noticeLabels[k] == "" {
			t.Errorf("no words for the email kind %q", k)
		}
	}
}
