package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/storage/pgtest"
)

// A stranger guessing from many addresses puts the account on hold for
// devices it does not know, and 30 failures from one address put that
// address on hold; neither locks the owner out of a device it signed in
// on before (it used to: one guess per period from a new address renewed
// the account's lock, and a shared address locked everyone behind it).
func TestStrangersCannotLockTheOwnerOutOfAKnownDevice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := service.New(pgtest.NewPool(t), make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(ctx))
	const password = "correct horse battery staple"
	reg, err := s.Register(ctx, service.Registration{Email: "ana@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	require.NotEmpty(t, reg.DeviceToken, "registration answers a device token")
	login := func(ip, pw, device string) error {
		_, err := s.Login(ctx, service.Credentials{Email: "ana@example.com", Password: pw, ClientIP: ip, DeviceToken: device})
		return err
	}
	// Twenty-one wrong guesses from six addresses.
	for i := range 21 {
		assert.Error(t, login(fmt.Sprintf("203.0.113.%d", i%6), "wrong guess number "+fmt.Sprint(i), ""))
	}
	err = login("198.51.100.9", password, "")
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(err), "an unknown device waits: %v", err)
	require.NoError(t, login("198.51.100.9", password, reg.DeviceToken), "the owner's known device gets in")

	// Thirty failures from the owner's own (shared) address.
	for i := range 30 {
		_ = login("192.0.2.1", "wrong again "+fmt.Sprint(i), "")
	}
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(login("192.0.2.1", password, "")))
	p, err := s.Login(ctx, service.Credentials{Email: "ana@example.com", Password: password, ClientIP: "192.0.2.1", DeviceToken: reg.DeviceToken})
	require.NoError(t, err, "the known device, from the same address")
	assert.Equal(t, reg.DeviceToken, p.DeviceToken, "the same device keeps its token")

	// A known device's own failures lock it, as any device.
	for i := range 5 {
		_ = login("192.0.2.7", "typo "+fmt.Sprint(i), reg.DeviceToken)
	}
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(login("192.0.2.7", password, reg.DeviceToken)))
	// Another account's device token is no key to this one.
	other, err := s.Register(ctx, service.Registration{Email: "bob@example.com", Password: password, ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(login("198.51.100.9", password, other.DeviceToken)))
}
