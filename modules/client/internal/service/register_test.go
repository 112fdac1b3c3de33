package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage/pgtest"
)

// One address may register throttle.Register.Threshold accounts in the
// window; the next one waits (each registration costs a password hash,
// a lever for anyone to take the CPU from everyone else). Other addresses
// are not affected, nor is loopback (a proxy on the machine).
func TestRegistrationsAreThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := service.New(pgtest.NewPool(t), make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(ctx))
	register := func(i int, ip string) error {
		_, err := s.Register(ctx, service.Registration{Email: fmt.Sprintf("u%d-%s@example.com", i, ip),
			Password: "correct horse battery staple", ClientIP: ip})
		return err
	}
	for i := range throttle.Register.Threshold {
		require.NoError(t, register(i, "203.0.113.7"))
	}
	err = register(99, "203.0.113.7")
	require.Error(t, err)
	be := bus.AsError(err)
	assert.Equal(t, bus.CodeRateLimited, be.Code)
	assert.Positive(t, be.RetryAfter)
	require.NoError(t, register(100, "198.51.100.1"), "another address")
	require.NoError(t, register(101, "127.0.0.1"), "loopback")
}

// Only the first StrengthInputLen characters are judged: a 256-character
// password costs no more to check than a 64-character one.
func TestStrengthIsJudgedOnABoundedInput(t *testing.T) {
	long := strings.Repeat("Tr0mb0ne-quasar-lettuce ", 11)[:auth.MaxPasswordLen]
	begin := time.Now()
	require.NoError(t, auth.CheckPassword(long))
	t.Logf("256 characters checked in %v", time.Since(begin))
	weakStart := strings.Repeat("a", auth.StrengthInputLen) + "Tr0mb0ne-quasar-lettuce"
	assert.ErrorIs(t, auth.CheckPassword(weakStart), auth.ErrWeakPassword, "what is judged is weak")
}
