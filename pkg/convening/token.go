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
type ManageTokens struct{ key []byte }

// MinSecretLen is the shortest accepted secret, in bytes.
const MinSecretLen = 32

// NewManageTokens returns tokens keyed by secret, which must be at least
// MinSecretLen bytes.
func NewManageTokens(secret []byte) (*ManageTokens, error) {
	if len(secret) < MinSecretLen {
		return nil, errors.New("manage token secret must be at least 32 bytes")
	}
	return &ManageTokens{key: append([]byte(nil), secret...)}, nil
}

// Token returns the registration's manage token: 256 bits, URL-safe base64.
func (m *ManageTokens) Token(registrationID string) string {
	return base64.RawURLEncoding.EncodeToString(m.mac(registrationID))
}

// Valid reports in constant time whether token is the registration's token.
func (m *ManageTokens) Valid(registrationID, token string) bool {
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
	return hmac.Equal(got, m.mac(registrationID))
}

func (m *ManageTokens) mac(registrationID string) []byte {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte("lmi-manage-v1\x00"))
	h.Write([]byte(registrationID))
	return h.Sum(nil)
}
