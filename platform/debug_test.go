package platform_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/athlos/athlos/platform"
)

// --debug-listen takes loopback addresses only, and says why otherwise.
func TestDebugListenIsLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		cfg := &platform.Config{Catalogue: catalogue, DataDir: t.TempDir(), DebugListen: ok}
		assert.NoError(t, cfg.Validate(), ok)
	}
	for addr, want := range map[string]string{
		":6060":             "loopback addresses only",
		"0.0.0.0:6060":      "loopback addresses only",
		"[::]:6060":         "loopback addresses only",
		"192.168.1.5:6060":  "loopback addresses only",
		"example.com:6060":  "loopback addresses only",
		"127.0.0.1":         "want host:port",
		"127.0.0.1:pprof":   "bad port",
		"127.0.0.1:70000":   "bad port",
		"localhost:-1":      "bad port",
		"[::1]:6060/debug/": "bad port",
	} {
		cfg := &platform.Config{Catalogue: catalogue, DataDir: t.TempDir(), DebugListen: addr}
		assert.ErrorContains(t, cfg.Validate(), want, addr)
	}
}

// The debug listener serves pprof and nothing else, and a taken port fails
// the start.
func TestDebugListenerServesPprof(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	newApp := func() *platform.App {
		cfg := &platform.Config{Catalogue: catalogue, Version: "test", DataDir: t.TempDir(), Modules: []string{platform.Gateway}, DebugListen: addr}
		require.NoError(t, cfg.Validate())
		app := platform.NewApp(context.Background(), cfg, slog.New(slog.DiscardHandler), fx.Options())
		require.NoError(t, app.Err())
		return app
	}
	app := newApp()
	require.NoError(t, app.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.Stop(ctx)
	})
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/debug/pprof/")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "goroutine")
	code, body = get("/debug/pprof/goroutine?debug=1")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "goroutine profile:")
	code, _ = get("/debug/pprof/heap")
	assert.Equal(t, http.StatusOK, code)
	for _, path := range []string{"/", "/metrics", "/readyz", "/debug/vars"} {
		code, _ = get(path)
		assert.Equal(t, http.StatusNotFound, code, path)
	}

	taken := newApp()
	err = taken.Start(t.Context())
	assert.ErrorContains(t, err, "debug listener")
	assert.ErrorContains(t, err, "address already in use")
}
