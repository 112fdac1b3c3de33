package bus

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The gate writes the client's address into X-Forwarded-For, so that a
// client from another host cannot pass itself off as someone else; a
// request from loopback (a reverse proxy on the machine) keeps its own.
func TestWSGateSetsTheClientsAddress(t *testing.T) {
	var ip net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	if ip == nil {
		t.Skip("no address but loopback to connect from")
	}
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer backend.Close()
	heads := make(chan http.Header, 2)
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				heads <- req.Header
			}
			_ = c.Close()
		}
	}()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	require.NoError(t, err)
	g := &wsGate{ln: ln, backend: backend.Addr().String(), ready: func() bool { return true }, log: slog.New(slog.DiscardHandler)}
	g.serve()
	defer g.close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	send := func(host string) http.Header {
		c, err := net.Dial("tcp", net.JoinHostPort(host, port))
		require.NoError(t, err)
		defer c.Close()
		_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
		require.NoError(t, err)
		select {
		case h := <-heads:
			return h
		case <-time.After(5 * time.Second):
			t.Fatal("nothing reached the server")
			return nil
		}
	}
	assert.Equal(t, ip.String(), send(ip.String()).Get("X-Forwarded-For"), "from another host: its own address")
	assert.Equal(t, "203.0.113.9", send("127.0.0.1").Get("X-Forwarded-For"), "from a proxy on the machine: kept")
}
