package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as every authenticator app reads it from an otpauth://
// URI: HMAC-SHA1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226's
// recommended length). Other parameters are legal, but several apps
// ignore them and show wrong codes.
const (
	TOTPPeriod = 30 * time.Second
	TOTPDigits = 6
	// TOTPSkew is how many steps before and after the current one a code
	// may come from (RFC 6238 5.2: one step of network delay and clock
	// drift each way).
	TOTPSkew = 1
	// TOTPIssuer names the service in the user's authenticator app.
	TOTPIssuer      = "Athlos"
	totpSecretBytes = 20
)

// TOTPKey is a new TOTP secret for an account.
type TOTPKey struct {
	// Secret is the base32 secret (no padding), for typing it in.
	Secret string
	// URI is the otpauth:// URI that a QR code carries.
	URI string
}

// NewTOTPKey generates a secret for account (the user's email), labelled
// with TOTPIssuer.
func NewTOTPKey(account string) (TOTPKey, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		SecretSize: totpSecretBytes, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
	if err != nil {
		return TOTPKey{}, fmt.Errorf("auth: totp secret: %w", err)
	}
	return TOTPKey{Secret: k.Secret(), URI: k.URL()}, nil
}

// TOTPStep is the RFC 6238 time step (counter) of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of secret at step.
func TOTPCode(secret string, step int64) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0),
		totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", fmt.Errorf("auth: totp code: %w", err)
	}
	return code, nil
}

// IsTOTPCode reports whether s has the shape of a TOTP code (6 digits,
// spaces ignored), as opposed to a recovery code.
func IsTOTPCode(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != TOTPDigits {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// VerifyTOTP checks code against secret at now, allowing TOTPSkew steps
// each way, and accepts only a step later than lastStep, the last one
// accepted for the account: a code is good once (RFC 6238 5.2), and so are
// the codes of the steps before it. It returns the step the code belongs
// to, and whether it is accepted.
func VerifyTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool, error) {
	code = strings.ReplaceAll(code, " ", "")
	if !IsTOTPCode(code) {
		return 0, false, nil
	}
	cur := TOTPStep(now)
	for step := cur - TOTPSkew; step <= cur+TOTPSkew; step++ {
		want, err := TOTPCode(secret, step)
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, step > lastStep, nil
		}
	}
	return 0, false, nil
}

// Recovery codes stand in for a TOTP code once each, when the phone is
// lost. Each has 80 random bits, written as 16 symbols of Crockford's
// base32 in groups of four (e.g. "7k2m-q9xd-4fpa-h3tr"). They are stored
// as SHA-256 hashes: with 80 bits, guessing one from its hash takes 2^79
// hashes on average, out of reach, so a slow password hash (argon2id) would
// add nothing but cost, and a fast, unsalted hash lets a code be found by
// an index lookup instead of trying each of the user's codes in turn.
const (
	RecoveryCodeCount   = 10
	recoveryCodeSymbols = 16
	crockford           = "0123456789abcdefghjkmnpqrstvwxyz"
)

// NewRecoveryCodes returns RecoveryCodeCount fresh codes, formatted for
// the user.
func NewRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	buf := make([]byte, recoveryCodeSymbols)
	for i := range codes {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("auth: recovery code: %w", err)
		}
		var b strings.Builder
		for j, x := range buf {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(crockford[x&31]) // 5 uniform bits of each byte
		}
		codes[i] = b.String()
	}
	return codes, nil
}

// NormalizeRecoveryCode reads a recovery code as a person types it:
// hyphens and spaces dropped, case ignored, and the letters Crockford's
// alphabet leaves out read as the symbols they look like (i and l as 1, o
// as 0). ok is false when it cannot be a recovery code.
func NormalizeRecoveryCode(s string) (string, bool) {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c == '-' || c == ' ':
			continue
		case c == 'i' || c == 'l':
			c = '1'
		case c == 'o':
			c = '0'
		case c > 127 || !strings.ContainsRune(crockford, c):
			return "", false
		}
		b.WriteRune(c)
	}
	if b.Len() != recoveryCodeSymbols {
		return "", false
	}
	return b.String(), true
}

// HashRecoveryCode is the stored form of a normalised recovery code.
func HashRecoveryCode(normalized string) []byte {
	h := sha256.Sum256([]byte("athlos-recovery:" + normalized))
	return h[:]
}
