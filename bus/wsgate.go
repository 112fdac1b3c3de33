package bus

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	xrate "golang.org/x/time/rate"
)

// wsGate is the app's WebSocket address. The embedded NATS server's own
// WebSocket listener is on loopback only; the gate takes the app's
// connections and passes each one through to it, byte for byte (the
// kernel splices the two sockets), once the auth callout answers.
//
// Without it, phones that reconnect while athlos starts (or while no
// process runs the client module) reach the server before the callout is
// subscribed, get "Authorization Violation", and a stock nats.go client
// gives up after two of those for good. Refused by the gate, a connection
// simply fails and the client tries again later.
//
// The gate writes the app's address into the upgrade request's
// X-Forwarded-For, so the server still knows where a connection comes
// from; one that comes from loopback (a reverse proxy on the machine) keeps
// the header it brought.
type wsGate struct {
	ln      net.Listener
	backend string
	ready   func() bool
	log     *slog.Logger
	// inRate and inBurst bound what one connection sends, in bytes (0:
	// wsInRate and wsInBurst).
	inRate, inBurst int

	refused atomic.Uint64 // connections closed because no callout answered
	pending atomic.Int64  // connections whose upgrade request is still awaited
	state   atomic.Int32  // gateOpen or gateRefusing, for the log
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closed  bool
}

// States of a gate, for its log lines.
const (
	gateOpen     = 1
	gateRefusing = 2
)

// wsHeadTimeout bounds the wait for a connection's upgrade request, and
// wsHeadMax its size.
// wsMaxPending bounds the connections that have not yet sent it: beyond,
// new ones are closed (clients that open connections and send nothing
// hold no more than that many sockets).
const (
	wsHeadTimeout = 5 * time.Second
	wsHeadMax     = 64 << 10
	wsMaxPending  = 1024
)

// What one app connection may send, in bytes (wsGate.copyIn): a phone
// within its telemetry budget (200 points a second) sends about 20 KB a
// second, and after a tunnel at most a few hundred KB at once. The gate
// reads it in chunks of wsInChunk.
const (
	wsInRate  = 64 << 10
	wsInBurst = 1 << 20
	wsInChunk = 64 << 10
)

// listenWSGate binds the app's WebSocket address (so that a port in use is
// an error at once).
func listenWSGate(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bus: websocket listener %s: %w", addr, err)
	}
	return ln, nil
}

// serve accepts connections until close.
func (g *wsGate) serve() {
	g.conns = map[net.Conn]struct{}{}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		for {
			c, err := g.ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				g.log.Warn("websocket gate: accept", "err", err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if !g.ready() {
				// The app's client sees a failed connection and tries
				// again, instead of an authorisation error it may take
				// as final.
				g.refused.Add(1)
				if g.state.Swap(gateRefusing) != gateRefusing {
					g.log.Warn("websocket gate: no auth callout answers; refusing app connections until one does")
				}
				_ = c.Close()
				continue
			}
			if g.state.Swap(gateOpen) == gateRefusing {
				g.log.Info("websocket gate: the auth callout answers; taking app connections again", "refused", g.refused.Load())
			}
			if g.pending.Load() >= wsMaxPending {
				_ = c.Close()
				continue
			}
			if !g.track(c, true) {
				_ = c.Close()
				return
			}
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				defer g.track(c, false)
				g.pass(c)
			}()
		}
	}()
}

// track adds or removes an open connection; false once the gate closed.
func (g *wsGate) track(c net.Conn, add bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !add {
		delete(g.conns, c)
		return true
	}
	if g.closed {
		return false
	}
	g.conns[c] = struct{}{}
	return true
}

// pass reads the upgrade request, sets X-Forwarded-For, and then copies
// both ways until either side ends.
func (g *wsGate) pass(c net.Conn) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(wsHeadTimeout))
	// The head is read through a limit (the rest of the connection is
	// copied from c itself): endless headers cost at most wsHeadMax.
	br := bufio.NewReaderSize(io.LimitReader(c, wsHeadMax), 4096)
	g.pending.Add(1)
	req, err := http.ReadRequest(br)
	g.pending.Add(-1)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || req.Header.Get("X-Forwarded-For") == "" {
			req.Header.Set("X-Forwarded-For", host)
		}
	}
	b, err := net.DialTimeout("tcp", g.backend, 5*time.Second)
	if err != nil {
		g.log.Warn("websocket gate: the embedded server's listener", "err", err)
		return
	}
	defer b.Close()
	if !g.track(b, true) {
		return
	}
	defer g.track(b, false)
	if err := req.Write(b); err != nil {
		return
	}
	// Whatever the app sent after the request (nothing, normally, until
	// the server answers).
	if n := br.Buffered(); n > 0 {
		rest, _ := br.Peek(n)
		if _, err := b.Write(rest); err != nil {
			return
		}
	}
	// When either side ends, both do: neither NATS nor WebSocket uses a
	// half-closed connection.
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.copyIn(b, c)
		_ = b.Close()
		_ = c.Close()
	}()
	_, _ = io.Copy(c, b)
	_ = c.Close()
	_ = b.Close()
	<-done
}

// copyIn copies what the app sends to the server, at most inRate bytes
// a second past a burst of inBurst: past them the gate reads no more
// until the bucket fills again, so TCP slows the client down (EMQX's
// bytes_rate per client does the same). No app within its publish budgets
// comes near it; a flooding client costs the server at most inRate of
// work per connection instead of whatever it can send. The copy is
// spliced in chunks (io.CopyN keeps the kernel's splice), each accounted
// once copied.
func (g *wsGate) copyIn(dst, src net.Conn) {
	rate, burst := g.inRate, g.inBurst
	if rate <= 0 {
		rate, burst = wsInRate, wsInBurst
	}
	lim := xrate.NewLimiter(xrate.Limit(rate), burst)
	chunk := int64(min(wsInChunk, burst))
	for {
		n, err := io.CopyN(dst, src, chunk)
		if n > 0 {
			now := time.Now()
			if d := lim.ReserveN(now, int(n)).DelayFrom(now); d > 0 {
				time.Sleep(d)
			}
		}
		if err != nil {
			return
		}
	}
}

// close stops taking connections and ends the open ones.
func (g *wsGate) close() {
	_ = g.ln.Close()
	g.mu.Lock()
	g.closed = true
	for c := range g.conns {
		_ = c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
}
