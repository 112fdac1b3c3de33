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
	"github.com/jackc/pgx/v5/pgxpool"
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
// twoFactorAccount is ana@example.com with TOTP turned on, on a service
// whose clock stands at now (a test moves it).
type twoFactorAccount struct {
	s        *service.Service
	user     uuid.UUID
	device   string // the registration's device token
	secret   string
	recovery []string
	now      time.Time
}

const twoFactorPassword = "correct horse battery staple"

// enrolTOTP registers ana@example.com on s and turns TOTP on.
func enrolTOTP(t *testing.T, s *service.Service) *twoFactorAccount {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.EnsureKeys(ctx))
	a := &twoFactorAccount{s: s, now: time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)}
	s.SetTwoFactorClock(func() time.Time { return a.now })
	reg, err := s.Register(ctx, service.Registration{Email: "ana@example.com", Password: twoFactorPassword, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	a.user, a.device = reg.UserID, reg.DeviceToken
	e, err := s.StartTOTP(ctx, reg.UserID)
	require.NoError(t, err)
	a.secret = e.Secret
	rc, err := s.ConfirmTOTP(ctx, reg.UserID, service.Proof{Password: twoFactorPassword, Code: a.code(t, 0)})
	require.NoError(t, err)
	a.recovery = rc.RecoveryCodes
	return a
}

// code is the TOTP code steps steps from now.
func (a *twoFactorAccount) code(t *testing.T, steps int64) string {
	t.Helper()
	c, err := auth.TOTPCode(a.secret, auth.TOTPStep(a.now)+steps)
	require.NoError(t, err)
	return c
}

// newService is a client service on pool with the secret key key.
func newService(t *testing.T, pool *pgxpool.Pool, key []byte) *service.Service {
	t.Helper()
	s, err := service.New(pool, key, 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	return s
}

func TestSecondFactorGuessesFromManyAddresses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := enrolTOTP(t, newService(t, pgtest.NewPool(t), make([]byte, 32)))
	s, password, code := a.s, twoFactorPassword, func(steps int64) string { return a.code(t, steps) }
	var err error

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
	a.now = a.now.Add(30 * time.Second)
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(second("198.51.100.1", "", code(0))), "a new address waits too")
	require.NoError(t, second("198.51.100.1", a.device, code(0)), "the owner's known device gets in")

	// The lock doubles with each further failure, to an hour at most.
	a.now = a.now.Add(time.Minute)
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
	a := enrolTOTP(t, newService(t, pgtest.NewPool(t), make([]byte, 32)))
	s, password := a.s, twoFactorPassword

	for _, code := range []string{a.code(t, 1), a.recovery[0]} {
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
	a := enrolTOTP(t, newService(t, pool, make([]byte, 32)))
	now, password := a.now, twoFactorPassword

	other := make([]byte, 32)
	other[0] = 1
	s2 := newService(t, pool, other)
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
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(second(a.code(t, 1))), "a TOTP code is refused")
	require.NoError(t, second(a.recovery[0]), "a recovery code signs in")
}
