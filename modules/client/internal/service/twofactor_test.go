package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/storage/pgtest"
)

// A guesser who has the password, trying codes from many addresses, runs
// into the account's counter (10 wrong codes a day): then unknown devices
// wait, while the owner's known device still gets in.
func TestSecondFactorGuessesFromManyAddresses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := service.New(pgtest.NewPool(t), make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(ctx))
	now := time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)
	s.SetTwoFactorClock(func() time.Time { return now })
	const password = "correct horse battery staple"
	reg, err := s.Register(ctx, service.Registration{Email: "ana@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	e, err := s.StartTOTP(ctx, reg.UserID)
	require.NoError(t, err)
	code := func(steps int64) string {
		c, err := auth.TOTPCode(e.Secret, auth.TOTPStep(now)+steps)
		require.NoError(t, err)
		return c
	}
	_, err = s.ConfirmTOTP(ctx, reg.UserID, service.Proof{Password: password, Code: code(0)})
	require.NoError(t, err)

	challenge := func(ip, device string) string {
		_, err := s.Login(ctx, service.Credentials{Email: "ana@example.com", Password: password, ClientIP: ip, DeviceToken: device})
		require.Equal(t, bus.CodeSecondFactorRequired, bus.CodeOf(err), "%v", err)
		var d api.SecondFactorChallenge
		require.NoError(t, json.Unmarshal(bus.AsError(err).Details, &d))
		return d.Challenge
	}
	second := func(ip, device, c string) error {
		_, err := s.LoginSecondFactor(ctx, service.SecondFactorLogin{Challenge: challenge(ip, device), Code: c, ClientIP: ip, DeviceToken: device})
		return err
	}
	for i := range 9 {
		assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(second(fmt.Sprintf("203.0.113.%d", i), "", "00000"+fmt.Sprint(i))))
	}
	err = second("203.0.113.99", "", "000009")
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(err), "the tenth wrong code locks the account: %v", err)
	assert.Equal(t, "2fa-account", bus.AsError(err).RateLimits[0].Policy)
	now = now.Add(30 * time.Second)
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(second("198.51.100.1", "", code(0))), "a new address waits too")
	require.NoError(t, second("198.51.100.1", reg.DeviceToken, code(0)), "the owner's known device gets in")

	// The lock doubles with each further failure, to an hour at most.
	now = now.Add(time.Minute)
	err = second("203.0.113.50", "", "111111")
	assert.Equal(t, 120, bus.AsError(err).RetryAfter, "%v", err)

	// Another account's challenge and codes are no key to this one.
	other, err := s.Register(ctx, service.Registration{Email: "bob@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	_, err = s.StartTOTP(ctx, other.UserID)
	require.NoError(t, err)
	st, err := s.TwoFactorStatus(ctx, other.UserID)
	require.NoError(t, err)
	assert.True(t, st.Pending)
	assert.False(t, st.Enabled)
	_, err = s.StartTOTP(ctx, uuid.New())
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err), "no such account")
}

// The same code sent with several challenges at once signs in once: the
// TOTP row is locked while a code is checked and spent.
func TestSecondFactorCodeRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := service.New(pgtest.NewPool(t), make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(ctx))
	now := time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)
	s.SetTwoFactorClock(func() time.Time { return now })
	const password = "correct horse battery staple"
	reg, err := s.Register(ctx, service.Registration{Email: "ana@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	e, err := s.StartTOTP(ctx, reg.UserID)
	require.NoError(t, err)
	first, err := auth.TOTPCode(e.Secret, auth.TOTPStep(now))
	require.NoError(t, err)
	rc, err := s.ConfirmTOTP(ctx, reg.UserID, service.Proof{Password: password, Code: first})
	require.NoError(t, err)
	next, err := auth.TOTPCode(e.Secret, auth.TOTPStep(now)+1)
	require.NoError(t, err)

	for _, code := range []string{next, rc.RecoveryCodes[0]} {
		var challenges []string
		for range 4 {
			_, err := s.Login(ctx, service.Credentials{Email: "ana@example.com", Password: password, ClientIP: "192.0.2.1"})
			require.Equal(t, bus.CodeSecondFactorRequired, bus.CodeOf(err))
			var d api.SecondFactorChallenge
			require.NoError(t, json.Unmarshal(bus.AsError(err).Details, &d))
			challenges = append(challenges, d.Challenge)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(challenges))
		for i, c := range challenges {
			wg.Go(func() {
				_, errs[i] = s.LoginSecondFactor(ctx, service.SecondFactorLogin{Challenge: c, Code: code, ClientIP: fmt.Sprintf("198.51.100.%d", i)})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err), "%v", err)
			}
		}
		assert.Equal(t, 1, ok, "the code %q signs in once", code)
	}
}

// With a lost secret key (replaced, the signing key rotated), a TOTP secret
// cannot be opened: its codes are refused, not an internal error, and a
// recovery code still signs in.
func TestSecondFactorAfterTheSecretKeyWasLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s, err := service.New(pool, make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(ctx))
	now := time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)
	s.SetTwoFactorClock(func() time.Time { return now })
	const password = "correct horse battery staple"
	reg, err := s.Register(ctx, service.Registration{Email: "ana@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	e, err := s.StartTOTP(ctx, reg.UserID)
	require.NoError(t, err)
	first, err := auth.TOTPCode(e.Secret, auth.TOTPStep(now))
	require.NoError(t, err)
	rc, err := s.ConfirmTOTP(ctx, reg.UserID, service.Proof{Password: password, Code: first})
	require.NoError(t, err)

	other := make([]byte, 32)
	other[0] = 1
	s2, err := service.New(pool, other, 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s2.RotateKeys(ctx))
	s2.SetTwoFactorClock(func() time.Time { return now })
	second := func(code string) error {
		_, err := s2.Login(ctx, service.Credentials{Email: "ana@example.com", Password: password, ClientIP: "192.0.2.1"})
		require.Equal(t, bus.CodeSecondFactorRequired, bus.CodeOf(err), "%v", err)
		var d api.SecondFactorChallenge
		require.NoError(t, json.Unmarshal(bus.AsError(err).Details, &d))
		_, err = s2.LoginSecondFactor(ctx, service.SecondFactorLogin{Challenge: d.Challenge, Code: code, ClientIP: "192.0.2.1"})
		return err
	}
	next, err := auth.TOTPCode(e.Secret, auth.TOTPStep(now)+1)
	require.NoError(t, err)
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(second(next)), "a TOTP code is refused")
	require.NoError(t, second(rc.RecoveryCodes[0]), "a recovery code signs in")
}
