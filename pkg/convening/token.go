package convening

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ManageTokens issues and checks the private tokens that let a team read and
// cancel its registration. A token is an HMAC-SHA256 of the registration id
// under a secret kept outside the table, so the table never holds a usable
// token and a leaked table grants nothing.
//
// The secret is a keyring, so that it can be rotated without voiding the
// links already emailed: one key signs new tokens, and a token signed with
// any key of the ring is valid.
type ManageTokens struct {
	// keys[0] signs; every key verifies.
	keys [][]byte
}

// MinSecretLen is the shortest accepted secret, in bytes.
const MinSecretLen = 32

// NewManageTokens returns tokens signed with secret and checked against it
// and the other keys (the keyring's earlier and next keys). Each must be at
// least MinSecretLen bytes.
func NewManageTokens(secret []byte, others ...[]byte) (*ManageTokens, error) {
	m := &ManageTokens{}
	for _, k := range append([][]byte{secret}, others...) {
		if len(k) < MinSecretLen {
			return nil, errors.New("manage token secret must be at least 32 bytes")
		}
		m.keys = append(m.keys, append([]byte(nil), k...))
	}
	return m, nil
}

// Token returns the registration's manage token: 256 bits, URL-safe base64.
func (m *ManageTokens) Token(registrationID string) string {
	return m.token(manageLabel, registrationID)
}

// token signs subject under a label: links of different kinds never open
// each other, whatever their subjects.
func (m *ManageTokens) token(label, subject string) string {
	return base64.RawURLEncoding.EncodeToString(mac(m.keys[0], label, subject))
}

// Valid reports in constant time whether token is the registration's token
// under any key of the ring.
func (m *ManageTokens) Valid(registrationID, token string) bool {
	return m.valid(manageLabel, registrationID, token)
}

func (m *ManageTokens) valid(label, subject, token string) bool {
	// Strict: a token is accepted only in the one spelling Token gives it,
	// not in the variants that differ in the unused bits of its last
	// character, nor with line breaks inside, which the decoder skips
	// (both found by FuzzManageToken).
	if strings.ContainsAny(token, "\r\n") {
		return false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return false
	}
	// Every key is tried, whichever matches, so that the time taken says
	// nothing of which key signed the token.
	valid := false
	for _, k := range m.keys {
		valid = hmac.Equal(got, mac(k, label, subject)) || valid
	}
	return valid
}

// manageLabel is the manage links' (and members' links') label.
const manageLabel = "lmi-manage-v1"

func mac(key []byte, label, subject string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label + "\x00"))
	h.Write([]byte(subject))
	return h.Sum(nil)
}
