// Package bustest starts real embedded NATS servers for tests.
package bustest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
)

// Server starts an embedded NATS server with JetStream in a temporary
// directory, shut down when the test ends.
func Server(t testing.TB) *bus.Embedded {
	t.Helper()
	return ServerAt(t, t.TempDir())
}

// ServerAt starts an embedded server on dir (reused across restarts in one
// test). The caller may shut it down early; Cleanup tolerates that.
func ServerAt(t testing.TB, dir string) *bus.Embedded {
	t.Helper()
	e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"}, Logger(t))
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return e
}

// ServerWith starts an embedded server with cfg (DataDir defaults to a
// temporary directory, Listen to a free loopback port), shut down when the
// test ends. Give WebSocketListen "127.0.0.1:0" for a WebSocket listener on
// a free port (WebSocketURL) and Callout for the auth callout.
func ServerWith(t testing.TB, cfg bus.EmbeddedConfig) *bus.Embedded {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	e, err := bus.StartEmbedded(cfg, Logger(t))
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return e
}

// WebSocketURL is the ws:// URL of e's WebSocket listener for apps.
func WebSocketURL(t testing.TB, e *bus.Embedded) string {
	t.Helper()
	addr := e.WebSocketAddr()
	require.NotEmpty(t, addr, "no WebSocket listener")
	return "ws://" + addr
}

// Conn opens a service connection to e, closed when the test ends.
func Conn(t testing.TB, e *bus.Embedded) *bus.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := bus.Connect(ctx, bus.ConnConfig{Name: t.Name(), Embedded: e}, Logger(t))
	require.NoError(t, err)
	t.Cleanup(func() { c.NC.Close() })
	return c
}

// Logger is the logger tests hand to the bus: warnings and errors on
// stderr, so a failing test shows what went wrong without drowning the
// output of passing ones.
func Logger(testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// AppConn opens a connection to e's app account (bus.ConnectApp), closed
// when the test ends.
func AppConn(t testing.TB, e *bus.Embedded) *nats.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := bus.ConnectApp(ctx, bus.ConnConfig{Name: t.Name(), Embedded: e}, Logger(t))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// PassIngress starts an ingress that stores what apps publish on
// live.telemetry.<user>.<session> as it came (with its Nats-Msg-Id), on
// e's app account and c; it stops when the test ends. The training module
// has the real one.
func PassIngress(t testing.TB, e *bus.Embedded, c *bus.Conn) *bus.Ingress {
	t.Helper()
	g, err := bus.NewIngress(AppConn(t, e), c.NC, bus.IngressConfig{Subject: bus.SubjectTelemetry + "*.*", UserToken: 2, Queue: "pass",
		Accept: func(_ string, m *nats.Msg) (*nats.Msg, error) {
			out := nats.NewMsg(m.Subject)
			out.Data = m.Data
			if id := m.Header.Get(nats.MsgIdHdr); id != "" {
				out.Header.Set(nats.MsgIdHdr, id)
			}
			return out, nil
		}}, Logger(t))
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Stop(context.Background()) })
	return g
}
