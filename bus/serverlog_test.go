package bus_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// What a client does wrong (here a thousand forbidden publishes) is an
// app's mistake: logged at WARN, a few lines, never a line each at ERROR.
func TestClientMistakesAreWarningsAndRateLimited(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Configure: func(o *server.Options) error {
		o.Users = append(o.Users, &server.User{Username: "app", Password: "app-password",
			Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{"mine.>"}}}})
		return nil
	}}, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	nc, err := nats.Connect(e.Server.ClientURL(), nats.UserInfo("app", "app-password"), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	require.NoError(t, err)
	defer nc.Close()
	for range 1000 {
		_ = nc.Publish("notify.someone-else", []byte("x"))
	}
	require.NoError(t, nc.Flush())
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "Publish Violation") }, 30*time.Second, 10*time.Millisecond,
		"%s", logs.String())
	time.Sleep(200 * time.Millisecond)
	out := logs.String()
	assert.NotContains(t, out, "level=ERROR")
	assert.LessOrEqual(t, strings.Count(out, "Publish Violation"), 10)
}
