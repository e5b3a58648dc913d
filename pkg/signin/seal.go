package signin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// sealer encrypts and authenticates small values with AES-256-GCM (the
// standard library's AEAD): the sign-in state the browser carries between
// the redirect and the callback, the refresh tokens the table keeps, and
// what the console's pages carry in cookies (SignIn.Seal). What it seals
// cannot be read or changed without the console's key. The first key
// seals; every key opens (the keys from before the secret rotated).
type sealer struct {
	aead    cipher.AEAD
	openers []cipher.AEAD
}

func newSealer(keys ...[]byte) (*sealer, error) {
	s := &sealer{}
	for _, key := range keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("signin: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("signin: %w", err)
		}
		s.openers = append(s.openers, aead)
	}
	if len(s.openers) == 0 {
		return nil, errors.New("signin: no sealing key")
	}
	s.aead = s.openers[0]
	return s, nil
}

// seal returns the sealed value, bound to purpose (a value sealed for one
// purpose does not open for another).
func (s *sealer) seal(purpose string, plain []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(purpose)))
}

var errSealed = errors.New("sealed value is damaged or not ours")

func (s *sealer) open(purpose, sealed string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errSealed
	}
	for _, aead := range s.openers {
		if plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(purpose)); err == nil {
			return plain, nil
		}
	}
	return nil, errSealed
}
