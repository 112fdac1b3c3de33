package callout

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/nacl/box"
)

// The nkeys key pairs derive the Ed25519 key from the seed at every
// signature (as costly as the signature itself) and the xkey pairs redo
// the X25519 agreement at every seal and open. The callout signs twice and
// seals and opens once per connection, so it keeps the derived keys.

// signer is an account key pair that keeps its Ed25519 key.
type signer struct {
	nkeys.KeyPair
	priv ed25519.PrivateKey
	pub  string
}

func newSigner(kp nkeys.KeyPair) (*signer, error) {
	seed, err := kp.Seed()
	if err != nil {
		return nil, err
	}
	prefix, raw, err := nkeys.DecodeSeed(seed)
	if err != nil {
		return nil, err
	}
	if prefix == nkeys.PrefixByteCurve {
		return nil, errors.New("callout: the issuer must be a signing key, not an xkey")
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	return &signer{KeyPair: kp, priv: ed25519.NewKeyFromSeed(raw), pub: pub}, nil
}

func (s *signer) PublicKey() (string, error) { return s.pub, nil }

func (s *signer) Sign(input []byte) ([]byte, error) { return ed25519.Sign(s.priv, input), nil }

func (s *signer) Verify(input, sig []byte) error {
	if !ed25519.Verify(s.priv.Public().(ed25519.PublicKey), input, sig) {
		return nkeys.ErrInvalidSignature
	}
	return nil
}

// sealer seals and opens messages to and from servers in the nkeys xkey
// format ("xkv1", nonce, NaCl box), keeping the shared key per server xkey.
type sealer struct {
	priv [32]byte
	pub  string

	mu     sync.RWMutex
	shared map[string]*[32]byte
}

// maxSharedKeys bounds the cache (one entry per NATS server; a server's
// xkey changes when it restarts).
const maxSharedKeys = 1024

func newSealer(kp nkeys.KeyPair) (*sealer, error) {
	seed, err := kp.Seed()
	if err != nil {
		return nil, err
	}
	prefix, raw, err := nkeys.DecodeSeed(seed)
	if err != nil {
		return nil, err
	}
	if prefix != nkeys.PrefixByteCurve || len(raw) != 32 {
		return nil, errors.New("callout: the xkey must be a curve key")
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	s := &sealer{pub: pub, shared: map[string]*[32]byte{}}
	copy(s.priv[:], raw)
	return s, nil
}

func (s *sealer) key(peer string) (*[32]byte, error) {
	s.mu.RLock()
	k, ok := s.shared[peer]
	s.mu.RUnlock()
	if ok {
		return k, nil
	}
	raw, err := nkeys.Decode(nkeys.PrefixByteCurve, []byte(peer))
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("callout: bad server xkey %q", peer)
	}
	var pub [32]byte
	copy(pub[:], raw)
	k = new([32]byte)
	box.Precompute(k, &pub, &s.priv)
	s.mu.Lock()
	if len(s.shared) >= maxSharedKeys {
		clear(s.shared)
	}
	s.shared[peer] = k
	s.mu.Unlock()
	return k, nil
}

const xkeyVersion = nkeys.XKeyVersionV1

// Seal encrypts input for recipient (a server's public xkey).
func (s *sealer) Seal(input []byte, recipient string) ([]byte, error) {
	k, err := s.key(recipient)
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	if _, err := io.ReadFull(rand.Reader, nonce[:]); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(xkeyVersion)+len(nonce)+len(input)+box.Overhead)
	out = append(append(out, xkeyVersion...), nonce[:]...)
	return box.SealAfterPrecomputation(out, input, &nonce, k), nil
}

// Open decrypts input from sender (a server's public xkey).
func (s *sealer) Open(input []byte, sender string) ([]byte, error) {
	if len(input) <= len(xkeyVersion)+24 || !bytes.Equal(input[:len(xkeyVersion)], []byte(xkeyVersion)) {
		return nil, nkeys.ErrInvalidEncrypted
	}
	k, err := s.key(sender)
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	copy(nonce[:], input[len(xkeyVersion):])
	out, ok := box.OpenAfterPrecomputation(nil, input[len(xkeyVersion)+24:], &nonce, k)
	if !ok {
		return nil, nkeys.ErrCouldNotDecrypt
	}
	return out, nil
}
