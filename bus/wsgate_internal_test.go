package bus

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
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
		case <-time.After(30 * time.Second):
			t.Fatal("nothing reached the server")
			return nil
		}
	}
	assert.Equal(t, ip.String(), send(ip.String()).Get("X-Forwarded-For"), "from another host: its own address")
	assert.Equal(t, "203.0.113.9", send("127.0.0.1").Get("X-Forwarded-For"), "from a proxy on the machine: kept")
}

// A connection that sends more than its rate is read no faster than the
// rate allows past its burst (TCP then slows the sender down), and
// nothing it sent is lost.
func TestWSGateBoundsWhatAConnectionSends(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer backend.Close()
	var got atomic.Int64
	go func() {
		c, err := backend.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := br.Read(buf)
			got.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	const rate, burst = 256 << 10, 128 << 10
	g := &wsGate{ln: ln, backend: backend.Addr().String(), ready: func() bool { return true }, log: slog.New(slog.DiscardHandler),
		inRate: rate, inBurst: burst}
	g.serve()
	defer g.close()

	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n")
	require.NoError(t, err)
	// All of it takes 3.5 s at the rate past the burst: the look after a
	// second's sleep comes before, even woken late on a loaded machine.
	const total = 1 << 20
	start := time.Now()
	go func() { _, _ = c.Write(make([]byte, total)) }()
	time.Sleep(time.Second)
	// However fast or slow this machine is, no more than the burst, the
	// rate over the time it had and one chunk in flight went through.
	through := got.Load()
	bound := burst + int64(time.Since(start).Seconds()*rate) + burst
	assert.LessOrEqual(t, through, bound)
	assert.Less(t, through, int64(total), "the sender is held back")
	require.Eventually(t, func() bool { return got.Load() == total }, 30*time.Second, 50*time.Millisecond, "everything arrives")
}
