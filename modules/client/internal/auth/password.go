// Package auth holds the client module's credentials rules: password
// policy and hashing (argon2id), access tokens (EdDSA JWTs) and refresh
// tokens. It has no SQL, NATS or fx in it.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password length limits, in characters. The upper bound keeps hashing
// cost bounded and is far above any passphrase.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
	// MinStrength is the lowest zxcvbn score accepted (0-4): 3 means
	// "safely unguessable: moderate protection from offline attacks".
	MinStrength = 3
	// StrengthInputLen is how much of a password zxcvbn judges: its cost
	// grows much faster than the length (5 ms for 64 characters, 170 ms
	// for 256), and 64 characters that are easy to guess are not saved by
	// what follows.
	StrengthInputLen = 64
)

// ErrWeakPassword is the base of every password-policy refusal.
var ErrWeakPassword = errors.New("password refused")

// CheckPassword applies the password policy: length, and strength as
// zxcvbn estimates it from real frequency lists, also penalising the
// user's own inputs (email, names). The error says why, in words for the
// user.
func CheckPassword(password string, userInputs ...string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: must be at least %d characters", ErrWeakPassword, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: must be at most %d characters", ErrWeakPassword, MaxPasswordLen)
	}
	var inputs []string
	for _, in := range userInputs {
		if in = strings.ToLower(strings.TrimSpace(in)); in != "" {
			inputs = append(inputs, in)
			if local, _, ok := strings.Cut(in, "@"); ok {
				inputs = append(inputs, local)
			}
		}
	}
	judged := password
	if n > StrengthInputLen {
		judged = string([]rune(password)[:StrengthInputLen])
	}
	if r := zxcvbn.PasswordStrength(judged, inputs); r.Score < MinStrength {
		return fmt.Errorf("%w: too easy to guess (common words, names, dates or patterns); add more unrelated words", ErrWeakPassword)
	}
	return nil
}

// ErrBusy means more passwords wait to be checked than the hasher queues:
// the caller should try again shortly.
var ErrBusy = errors.New("auth: too many passwords to check at once")

// Hasher hashes and verifies passwords with argon2id. A semaphore bounds
// the hashes computed at once, so a burst of logins queues instead of
// exhausting memory (each hash takes 19 MiB) and leaves the other cores to
// everything else; past a short queue a request is refused at once
// (ErrBusy), so that a flood of sign-ins ties up neither requests nor
// memory for seconds.
type Hasher struct {
	sem        chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	// dummy is a real hash, verified for unknown users so a login takes the
	// same time whether the account exists or not.
	dummy string
}

// QueuePerSlot is how many checks may wait per concurrent hash: a hash
// takes some 30 ms of a core, so the last in the queue waits about half a
// second.
const QueuePerSlot = 16

// NewHasher returns a hasher that computes at most concurrency hashes at
// once (at least 1), with QueuePerSlot·concurrency waiting.
func NewHasher(concurrency int) *Hasher {
	if concurrency < 1 {
		concurrency = 1
	}
	h := &Hasher{sem: make(chan struct{}, concurrency), maxWaiting: int64(QueuePerSlot * concurrency)}
	h.dummy = encodePHC(make([]byte, argonSaltLen), argon2.IDKey([]byte("athlos-dummy"), make([]byte, argonSaltLen), argonTime, argonMemoryKiB, argonThreads, argonKeyLen))
	return h
}

// CheckPassword is CheckPassword within the hasher's bound on concurrent
// work: estimating strength costs milliseconds of CPU, which a crowd of
// anonymous registrations would otherwise take from everyone else.
func (h *Hasher) CheckPassword(ctx context.Context, password string, userInputs ...string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	return CheckPassword(password, userInputs...)
}

// Hash returns the PHC string of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (base64 without padding).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return encodePHC(salt, key), nil
}

// Verify reports whether password matches the PHC string, in constant time.
// It accepts any argon2id parameters, so stronger ones can be introduced
// later without invalidating stored hashes (NeedsRehash tells when).
func (h *Hasher) Verify(ctx context.Context, password, phc string) (bool, error) {
	p, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// VerifyDummy spends the time of a real verification and always fails: for
// logins of unknown users.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, password, h.dummy)
	return err
}

// NeedsRehash reports whether phc was made with other parameters than the
// current ones.
func NeedsRehash(phc string) bool {
	p, err := parsePHC(phc)
	return err != nil || p.memory != argonMemoryKiB || p.time != argonTime || p.threads != argonThreads || len(p.key) != argonKeyLen
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if h.waiting.Add(1) > h.maxWaiting {
		h.waiting.Add(-1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting for a hashing slot: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

var b64 = base64.RawStdEncoding

func encodePHC(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

type phcParams struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// ErrBadHash means a stored password hash is not an argon2id PHC string.
var ErrBadHash = errors.New("auth: not an argon2id PHC string")

func parsePHC(s string) (phcParams, error) {
	var p phcParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, ErrBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil ||
		p.memory == 0 || p.memory > 1<<22 || p.time == 0 || p.time > 16 || threads == 0 || threads > 255 {
		return p, ErrBadHash
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, ErrBadHash
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, ErrBadHash
	}
	return p, nil
}
