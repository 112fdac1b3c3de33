package bus_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// The gate reads at most 64 KiB of an upgrade request: a client sending
// endless headers is cut off.
func TestWebSocketGateBoundsTheRequestHead(t *testing.T) {
	t.Parallel()
	e := bustest.ServerWith(t, bus.EmbeddedConfig{WebSocketListen: "127.0.0.1:0"})
	c, err := net.Dial("tcp", e.WebSocketAddr())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n", strings.Repeat("a", 100<<10))
	if err == nil {
		_, err = bufio.NewReader(c).ReadByte()
	}
	assert.Error(t, err, "closed without an answer")
}
