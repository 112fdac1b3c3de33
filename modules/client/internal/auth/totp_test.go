package auth

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RFC 6238 appendix B: the SHA1 test vectors (8 digits there; their last
// 6 are the 6-digit codes).
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for unix, want := range map[int64]string{59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037"} {
		code, err := TOTPCode(secret, TOTPStep(time.Unix(unix, 0)))
		require.NoError(t, err)
		assert.Equal(t, want[2:], code, "t=%d", unix)
	}
}

func TestVerifyTOTP(t *testing.T) {
	k, err := NewTOTPKey("ana@example.com")
	require.NoError(t, err)
	u, err := url.Parse(k.URI)
	require.NoError(t, err)
	assert.Equal(t, "otpauth", u.Scheme)
	assert.Equal(t, "totp", u.Host)
	assert.Equal(t, "/Athlos:ana@example.com", u.Path)
	assert.Equal(t, k.Secret, u.Query().Get("secret"))
	assert.Equal(t, "Athlos", u.Query().Get("issuer"))
	assert.Len(t, k.Secret, 32, "160 bits in base32")

	now := time.Date(2026, 12, 7, 12, 0, 10, 0, time.UTC)
	step := TOTPStep(now)
	at := func(s int64) string {
		c, err := TOTPCode(k.Secret, s)
		require.NoError(t, err)
		return c
	}
	for _, d := range []int64{-1, 0, 1} {
		got, ok, err := VerifyTOTP(k.Secret, at(step+d), now, 0)
		require.NoError(t, err)
		assert.True(t, ok, "skew %d", d)
		assert.Equal(t, step+d, got)
	}
	for _, d := range []int64{-2, 2} {
		_, ok, err := VerifyTOTP(k.Secret, at(step+d), now, 0)
		require.NoError(t, err)
		assert.False(t, ok, "skew %d", d)
	}
	_, ok, _ := VerifyTOTP(k.Secret, at(step), now, step)
	assert.False(t, ok, "the step accepted last is spent")
	_, ok, _ = VerifyTOTP(k.Secret, at(step-1), now, step)
	assert.False(t, ok, "and so is every step before it")
	_, ok, _ = VerifyTOTP(k.Secret, at(step+1), now, step)
	assert.True(t, ok, "a later step is good")
	c := at(step)
	_, ok, _ = VerifyTOTP(k.Secret, c[:3]+" "+c[3:], now, 0)
	assert.True(t, ok, "a space in the middle is ignored")
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "１２３４５６"} {
		_, ok, err := VerifyTOTP(k.Secret, bad, now, 0)
		require.NoError(t, err)
		assert.False(t, ok, bad)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes()
	require.NoError(t, err)
	require.Len(t, codes, RecoveryCodeCount)
	seen := map[string]bool{}
	for _, c := range codes {
		assert.Regexp(t, `^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$`, c)
		n, ok := NormalizeRecoveryCode(c)
		require.True(t, ok, c)
		assert.False(t, seen[n])
		seen[n] = true
		// As a person may type it.
		typed, ok := NormalizeRecoveryCode(" " + strings.ToUpper(strings.ReplaceAll(c, "-", " ")) + " ")
		require.True(t, ok)
		assert.Equal(t, n, typed)
		assert.Equal(t, HashRecoveryCode(n), HashRecoveryCode(typed))
		assert.False(t, IsTOTPCode(c))
	}
	n, ok := NormalizeRecoveryCode("ILO0-aaaa-bbbb-cccc")
	require.True(t, ok)
	assert.Equal(t, "1100aaaabbbbcccc", n, "look-alike letters read as digits")
	for _, bad := range []string{"", "aaaa-bbbb-cccc", "aaaa-bbbb-cccc-dddd-e", "uuuu-bbbb-cccc-dddd", "aaaa-bbbb-cccc-ddd!", "ääää-bbbb-cccc-dddd"} {
		_, ok := NormalizeRecoveryCode(bad)
		assert.False(t, ok, bad)
	}
}

// BenchmarkVerifyTOTP is the cost of checking a code that is the last of
// the three tried (one step ahead). Run:
// go test ./modules/client/internal/auth -run '^$' -bench VerifyTOTP
func BenchmarkVerifyTOTP(b *testing.B) {
	k, err := NewTOTPKey("ana@example.com")
	require.NoError(b, err)
	now := time.Date(2026, 12, 7, 12, 0, 10, 0, time.UTC)
	code, err := TOTPCode(k.Secret, TOTPStep(now)+1)
	require.NoError(b, err)
	for b.Loop() {
		if _, ok, err := VerifyTOTP(k.Secret, code, now, 0); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
