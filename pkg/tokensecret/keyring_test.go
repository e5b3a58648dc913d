package tokensecret_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/tokensecret"
)

func key(c byte) string { return strings.Repeat(string(c), 40) }

func TestParseKeyring(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    tokensecret.Keyring
		wantErr string
	}{
		// What CloudFormation generates, and what LMI_TOKEN_SECRET holds.
		{name: "SingleKey", value: key('a'), want: tokensecret.Keyring{Current: key('a')}},
		{name: "Ring", value: `{"current":"` + key('b') + `","next":"` + key('c') + `","previous":["` + key('a') + `"]}`,
			want: tokensecret.Keyring{Current: key('b'), Next: key('c'), Previous: []string{key('a')}}},
		{name: "ShortSingleKey", value: "short", wantErr: "key 0 is 5 bytes"},
		{name: "NoCurrent", value: `{"next":"` + key('c') + `"}`, wantErr: "no current key"},
		{name: "ShortPrevious", value: `{"current":"` + key('b') + `","previous":["tiny"]}`, wantErr: "key 1 is 4 bytes"},
		{name: "Repeated", value: `{"current":"` + key('b') + `","next":"` + key('b') + `"}`, wantErr: "appears twice"},
		{name: "UnknownField", value: `{"current":"` + key('b') + `","keys":[]}`, wantErr: "not a keyring"},
		{name: "Trailing", value: `{"current":"` + key('b') + `"}{}`, wantErr: "data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokensecret.ParseKeyring(tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want.String() {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRotate follows a ring through rotations: the first only adds the
// next key; each later one promotes it and keeps KeptPrevious earlier
// keys, so a link signed by a key opens until that key drops out.
func TestRotate(t *testing.T) {
	ring := tokensecret.Keyring{Current: key('A')}
	ring = ring.Rotate(key('B'))
	if ring.Current != key('A') || ring.Next != key('B') || len(ring.Previous) != 0 {
		t.Fatalf("first rotation: %+v, want A current and B next", ring)
	}
	signer := []string{ring.Current}
	for i := range tokensecret.KeptPrevious + 3 {
		ring = ring.Rotate(key(byte('C' + i)))
		signer = append(signer, ring.Current)
		if ring.Current != key(byte('B'+i)) || ring.Next != key(byte('C'+i)) {
			t.Fatalf("rotation %d: %+v", i+2, ring)
		}
		if len(ring.Previous) > tokensecret.KeptPrevious {
			t.Fatalf("rotation %d keeps %d previous keys", i+2, len(ring.Previous))
		}
		if _, err := tokensecret.ParseKeyring(ring.String()); err != nil {
			t.Fatalf("rotation %d: %v", i+2, err)
		}
	}
	// The last KeptPrevious signers before the current one are kept, newest
	// first; the ones before them are gone.
	n := len(signer)
	want := slices.Clone(signer[n-1-tokensecret.KeptPrevious : n-1])
	slices.Reverse(want)
	if !slices.Equal(ring.Previous, want) {
		t.Errorf("previous %v, want %v", ring.Previous, want)
	}
}

// TestLinkLifetime: a link stays valid for KeptPrevious rotations after its
// key stops signing, which must cover the life of a link.
func TestLinkLifetime(t *testing.T) {
	if days := tokensecret.KeptPrevious * deploy.TokenKeyRotationDays; days < tokensecret.LinkLifetimeDays {
		t.Errorf("a link is sure to open for %d days, want %d", days, tokensecret.LinkLifetimeDays)
	}
}

func TestNewKey(t *testing.T) {
	a, err := tokensecret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tokensecret.NewKey()
	if len(a) != 64 || a == b || strings.ContainsAny(a, "+/=\"\\") {
		t.Errorf("keys %q, %q: want 64 distinct URL-safe characters", a, b)
	}
}

// TestSecretFromKeyring: the secret signs with the current key, opens links
// of the next and previous keys, and derives its purpose keys from the
// current one, exactly as from a single key (so the first rotation, which
// only adds the next key, changes no derived key).
func TestSecretFromKeyring(t *testing.T) {
	single, err := tokensecret.New([]byte(key('A')))
	if err != nil {
		t.Fatal(err)
	}
	ringValue, _ := json.Marshal(tokensecret.Keyring{Current: key('A'), Next: key('B'), Previous: []string{key('Z')}})
	ring, err := tokensecret.New(ringValue)
	if err != nil {
		t.Fatal(err)
	}
	if ring.Tokens.Token("01ABC") != single.Tokens.Token("01ABC") {
		t.Error("the ring does not sign with its current key")
	}
	if string(ring.Derive("label")) != string(single.Derive("label")) {
		t.Error("the ring's derived key is not the current key's")
	}
	for _, k := range []string{key('B'), key('Z')} {
		other, _ := tokensecret.New([]byte(k))
		if !ring.Tokens.Valid("01ABC", other.Tokens.Token("01ABC")) {
			t.Errorf("a link signed by %c… does not open", k[0])
		}
	}
	if _, err := tokensecret.New([]byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
}

// FuzzParseKeyring: whatever the secret holds, parsing does not panic, and
// a ring it accepts survives being written and read again.
func FuzzParseKeyring(f *testing.F) {
	f.Add(key('a'))
	f.Add(`{"current":"` + key('b') + `","next":"` + key('c') + `","previous":["` + key('a') + `"]}`)
	f.Add(`{"current":""}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, value string) {
		ring, err := tokensecret.ParseKeyring(value)
		if err != nil {
			return
		}
		again, err := tokensecret.ParseKeyring(ring.String())
		if err != nil || again.String() != ring.String() {
			t.Fatalf("%q read back as %v, %v", ring.String(), again, err)
		}
		if _, err := tokensecret.New([]byte(ring.String())); err != nil {
			t.Fatalf("accepted ring refused by New: %v", err)
		}
	})
}
