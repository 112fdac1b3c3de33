package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer encrypts secrets kept in the database (signing keys) with a
// key-encryption key kept outside it, with AES-256-GCM. The additional data
// binds a sealed value to its row (e.g. the key id), so values cannot be
// swapped between rows.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a sealer for a 32-byte key-encryption key.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("auth: the key-encryption key must be 32 bytes, not %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("auth: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: gcm: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain, bound to aad.
func (s *Sealer) Seal(plain []byte, aad string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("auth: nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(aad)), nil
}

// ErrUnseal means a sealed value was not made with this key and aad.
var ErrUnseal = errors.New("auth: cannot unseal: wrong key-encryption key or tampered value")

// Open decrypts a value made by Seal with the same aad.
func (s *Sealer) Open(sealed []byte, aad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrUnseal
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}
