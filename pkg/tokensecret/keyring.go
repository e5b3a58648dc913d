package tokensecret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/calmi/convenings/pkg/convening"
)

// KeptPrevious is how many earlier signing keys a rotation keeps. A link
// stays valid while its key is in the ring: the rotation period as the
// signing key, then KeptPrevious periods after it, so at least
// KeptPrevious × deploy.TokenKeyRotationDays (460 days) after it was
// emailed, which covers LinkLifetimeDays.
const KeptPrevious = 5

// LinkLifetimeDays is how long a link emailed to a team must keep working:
// registration may open a year before an event, and the team's last email
// may come with its registration.
const LinkLifetimeDays = 365

// keyBytes is the randomness of a new key: 384 bits, written as 64
// URL-safe base64 characters (like the secret CloudFormation first
// generates, 64 letters and digits).
const keyBytes = 48

// Keyring is the manage-token secret as Secrets Manager keeps it, a JSON
// object. Current signs the links and the keys derived for the website
// and the console (Secret.Derive); Next waits, verifying links but not yet
// signing them, so that a function that loaded the ring before a rotation
// still opens the links signed after it; Previous, newest first, are the
// earlier current keys, which still open the links they signed.
type Keyring struct {
	Current  string   `json:"current"`
	Next     string   `json:"next,omitempty"`
	Previous []string `json:"previous,omitempty"`
}

// ParseKeyring reads the secret's value: a Keyring in JSON, or a single key
// (the value CloudFormation generates when it creates the secret, before
// the first rotation, and the value given outside AWS). Every key must be
// at least convening.MinSecretLen bytes, and no key may appear twice.
func ParseKeyring(value string) (Keyring, error) {
	if !strings.HasPrefix(strings.TrimSpace(value), "{") {
		k := Keyring{Current: value}
		return k, k.check()
	}
	var k Keyring
	dec := json.NewDecoder(strings.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		return Keyring{}, fmt.Errorf("the token secret is not a keyring: %w", err)
	}
	if dec.More() {
		return Keyring{}, errors.New("the token secret is not a keyring: data after the object")
	}
	return k, k.check()
}

// check reports the first key that is missing, short, repeated, or not
// UTF-8 (which JSON could not keep as it is).
func (k Keyring) check() error {
	if k.Current == "" {
		return errors.New("the token secret has no current key")
	}
	seen := map[string]bool{}
	for i, key := range k.keys() {
		if len(key) < convening.MinSecretLen {
			return fmt.Errorf("the token secret's key %d is %d bytes, want at least %d", i, len(key), convening.MinSecretLen)
		}
		if !utf8.ValidString(key) {
			return fmt.Errorf("the token secret's key %d is not UTF-8 text", i)
		}
		if seen[key] {
			return fmt.Errorf("the token secret's key %d appears twice", i)
		}
		seen[key] = true
	}
	return nil
}

// keys returns every key: the current one first, then the next, then the
// previous ones.
func (k Keyring) keys() []string {
	keys := []string{k.Current}
	if k.Next != "" {
		keys = append(keys, k.Next)
	}
	return append(keys, k.Previous...)
}

// String returns the keyring as Secrets Manager keeps it.
func (k Keyring) String() string {
	b, _ := json.Marshal(k)
	return string(b)
}

// Rotate returns the ring after one rotation, with newKey as its next key:
// the next key becomes the current one, the current one the newest
// previous, and keys older than KeptPrevious drop out. A ring without a
// next key (the first rotation) keeps its current key and only gains the
// next one, so that no function signs with a key others may not know.
func (k Keyring) Rotate(newKey string) Keyring {
	if k.Next == "" {
		return Keyring{Current: k.Current, Next: newKey, Previous: slices.Clone(k.Previous)}
	}
	previous := append([]string{k.Current}, k.Previous...)
	if len(previous) > KeptPrevious {
		previous = previous[:KeptPrevious]
	}
	return Keyring{Current: k.Next, Next: newKey, Previous: previous}
}

// NewKey returns a new random key.
func NewKey() (string, error) {
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new token key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
