package convening_test

import (
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// TestManageTokensKeyring: the first key signs; a token signed with any
// key of the ring is valid, so links emailed before a rotation keep
// working; a key out of the ring no longer opens its links.
func TestManageTokensKeyring(t *testing.T) {
	current, next, previous, dropped := []byte(strings.Repeat("c", 32)), []byte(strings.Repeat("n", 32)),
		[]byte(strings.Repeat("p", 32)), []byte(strings.Repeat("d", 32))
	ring, err := convening.NewManageTokens(current, next, previous)
	if err != nil {
		t.Fatal(err)
	}
	signedBy := func(key []byte) string {
		m, err := convening.NewManageTokens(key)
		if err != nil {
			t.Fatal(err)
		}
		return m.Token("01ABC")
	}
	if got := ring.Token("01ABC"); got != signedBy(current) {
		t.Errorf("the ring signs %q, want the current key's %q", got, signedBy(current))
	}
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"Current", signedBy(current), true},
		{"Next", signedBy(next), true},
		{"Previous", signedBy(previous), true},
		{"Dropped", signedBy(dropped), false},
		{"OtherRegistration", ring.Token("01ABD"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ring.Valid("01ABC", tt.token); got != tt.want {
				t.Errorf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := convening.NewManageTokens(current, []byte("short")); err == nil {
		t.Error("a short key in the ring was accepted")
	}
}
