package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// DiskGuardConfig configures the free-disk watch of an embedded server.
type DiskGuardConfig struct {
	// Paths are directories whose file systems are watched (JetStream's
	// store, the managed PostgreSQL's data); the one with the least room
	// counts.
	Paths []string
	// MinFree is the free space, in bytes, below which JetStream refuses
	// new messages; 0 means DefaultMinFree of the file system's size.
	MinFree uint64
	// Interval is how often free space is read; 0 means 5 s.
	Interval time.Duration
	// Free reads a file system's free and total bytes; nil means statfs.
	// Tests give a fake one to simulate a full disk.
	Free func(path string) (free, total uint64, err error)
}

// DefaultMinFree is the free space kept by default on a file system of
// total bytes: 2 %, at least 256 MiB and at most 5 GiB.
func DefaultMinFree(total uint64) uint64 {
	return min(max(total/50, 256<<20), 5<<30)
}

// DiskGuard keeps an embedded server's JetStream from filling its disk,
// and brings it back when it did.
//
// A full disk is worse than a refusal: JetStream that fails a write with
// "no space left on device" keeps refusing that stream's writes (or shuts
// itself down) until a restart, while PostgreSQL on the same disk PANICs.
// So below MinFree of free space, the guard caps the account's JetStream
// storage so that nothing new fits: each new message is refused at once with an
// error the publisher sees (an app's PubAck says "resource limits exceeded
// for account"; an upload fails), nothing stored is lost, and the outbox
// and telemetry wait in PostgreSQL and on the phones. With a quarter more
// than MinFree free again, the cap is lifted.
//
// In a cluster a stream's leader decides on its writes, and its replicas
// follow on every node: a node low on disk therefore tells the others
// (core NATS, subject athlos.disk.<server>, every Interval), and every
// node caps while any node is low.
//
// If a write failed for lack of space anyway (the disk filled faster than
// the guard looks), the guard starts JetStream again once there is room,
// which opens the stores again; tries that fail wait longer each time.
type DiskGuard struct {
	e    *Embedded
	cfg  DiskGuardConfig
	log  *slog.Logger
	js   *server.JetStreamConfig // to start JetStream again
	nc   *nats.Conn              // to the other nodes (clustered servers only)
	stop chan struct{}
	done chan struct{}

	selfLow atomic.Bool // this node's disk is below the threshold
	capped  atomic.Bool // the account's storage is capped

	mu          sync.Mutex
	free        uint64
	threshold   uint64
	readErr     error
	peers       map[string]peerDisk
	nextRestart time.Time
	restartWait time.Duration
}

// peerDisk is what another node last said of its disk.
type peerDisk struct {
	low bool
	at  time.Time
}

// DiskSubject is where nodes tell each other about their disks:
// DiskSubject + server name, payload "low" or "ok".
const DiskSubject = "athlos.disk."

// GuardDisk starts the free-disk watch of the server; Shutdown ends it.
func (e *Embedded) GuardDisk(cfg DiskGuardConfig, logger *slog.Logger) *DiskGuard {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Free == nil {
		cfg.Free = statfsFree
	}
	g := &DiskGuard{e: e, cfg: cfg, log: logger.With("component", "diskguard"), stop: make(chan struct{}), done: make(chan struct{}),
		peers: map[string]peerDisk{}}
	if c := e.Server.JetStreamConfig(); c != nil {
		cp := *c
		// The server keeps its files in <store dir>/jetstream and reports
		// that; starting it again takes the store dir it was given.
		cp.StoreDir = e.storeDir
		g.js = &cp
	}
	if e.clustered {
		nc, err := nats.Connect("", nats.InProcessServer(e.Server), nats.UserInfo(ServiceUser, e.Password),
			nats.Name("athlos:diskguard"), nats.MaxReconnects(-1))
		if err == nil {
			_, err = nc.Subscribe(DiskSubject+"*", g.heard)
		}
		if err != nil {
			g.log.Error("the disk guard cannot hear the other nodes; it caps for this node's disk only", "err", err)
		} else {
			g.nc = nc
		}
	}
	g.check()
	go g.run()
	e.guards = append(e.guards, g)
	return g
}

// heard takes another node's report.
func (g *DiskGuard) heard(m *nats.Msg) {
	name := m.Subject[len(DiskSubject):]
	if name == g.e.Server.Name() {
		return
	}
	g.mu.Lock()
	g.peers[name] = peerDisk{low: string(m.Data) == "low", at: time.Now()}
	g.mu.Unlock()
}

// peerLow names a node that said lately that its disk is low ("" for
// none).
func (g *DiskGuard) peerLow() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for name, p := range g.peers {
		if p.low && time.Since(p.at) < 3*g.cfg.Interval {
			return name
		}
	}
	return ""
}

func (g *DiskGuard) run() {
	defer close(g.done)
	t := time.NewTicker(g.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			g.check()
		}
	}
}

func (g *DiskGuard) close() {
	close(g.stop)
	<-g.done
	if g.nc != nil {
		g.nc.Close()
	}
}

// check reads free space, tells the other nodes, starts JetStream again
// after a failed write when there is room, and caps or uncaps it.
func (g *DiskGuard) check() {
	free, threshold, err := g.measure()
	g.mu.Lock()
	g.free, g.threshold, g.readErr = free, threshold, err
	g.mu.Unlock()
	if err != nil {
		return
	}
	switch {
	case !g.selfLow.Load() && free < threshold:
		g.selfLow.Store(true)
		g.log.Error("free disk is low: JetStream refuses new messages (telemetry, uploads, events) until there is room",
			"free_bytes", free, "min_free_bytes", threshold, "paths", g.cfg.Paths)
	case g.selfLow.Load() && free >= threshold+threshold/4:
		g.selfLow.Store(false)
		g.log.Warn("free disk is back", "free_bytes", free, "min_free_bytes", threshold)
	}
	if g.nc != nil {
		state := "ok"
		if g.selfLow.Load() {
			state = "low"
		}
		_ = g.nc.Publish(DiskSubject+g.e.Server.Name(), []byte(state))
	}
	if free >= threshold && g.js != nil {
		g.recover()
	}
	if !g.e.Server.JetStreamEnabled() {
		return
	}
	peer := g.peerLow()
	switch want := g.selfLow.Load() || peer != ""; {
	case want && !g.capped.Load():
		if err := g.capStore(); err != nil {
			g.log.Error("JetStream could not be capped", "err", err)
			return
		}
		g.capped.Store(true)
		if !g.selfLow.Load() {
			g.log.Error("another node's disk is low: JetStream refuses new messages until it has room", "node", peer)
		}
	case !want && g.capped.Load():
		if err := g.uncapStore(); err != nil {
			g.log.Error("JetStream's cap could not be lifted", "err", err)
			return
		}
		g.capped.Store(false)
		g.log.Warn("JetStream takes new messages again", "free_bytes", free)
	}
}

// recover starts JetStream again when a write failed for lack of space:
// JetStream then either shut itself down, or (JetStream 2.15) keeps the
// stream's write error and refuses every later write until its store is
// opened again, that is, until a restart. Tries that fail wait 5 s, then
// twice as long each time, up to 5 minutes.
func (g *DiskGuard) recover() {
	srv := g.e.Server
	enabled := srv.JetStreamEnabled()
	why := "JetStream was down"
	if enabled {
		if why = outOfSpaceErrors(srv); why == "" {
			return
		}
	}
	g.mu.Lock()
	if time.Now().Before(g.nextRestart) {
		g.mu.Unlock()
		return
	}
	g.restartWait = min(max(2*g.restartWait, 5*time.Second), 5*time.Minute)
	g.nextRestart = time.Now().Add(g.restartWait)
	g.mu.Unlock()
	if enabled {
		if err := srv.ShutdownJetStream(); err != nil {
			g.log.Error("a stream failed a write for lack of space; stopping JetStream to open it again failed", "cause", why, "err", err)
			return
		}
	}
	// A new start has the account's default limits: cap again below.
	g.capped.Store(false)
	if err := srv.EnableJetStream(g.js); err != nil {
		g.log.Error("JetStream is down; starting it again failed", "cause", why, "err", err)
		return
	}
	g.mu.Lock()
	g.restartWait, g.nextRestart = 0, time.Time{}
	g.mu.Unlock()
	g.log.Warn("JetStream started again after a write failed for lack of space", "cause", why)
}

// outOfSpaceErrors describes the out-of-space write errors the server's
// streams and consumers hold ("" for none). Other write errors (a failing
// or read-only disk) are not the guard's to mend.
func outOfSpaceErrors(srv *server.Server) string {
	h := srv.Healthz(&server.HealthzOptions{Details: true})
	var out []string
	for _, e := range h.Errors {
		if strings.Contains(e.Error, "write error") && strings.Contains(e.Error, "no space left") {
			out = append(out, e.Error)
		}
	}
	return strings.Join(out, "; ")
}

// measure is the least free space of the paths and the threshold for it.
func (g *DiskGuard) measure() (free, threshold uint64, err error) {
	first := true
	for _, p := range g.cfg.Paths {
		f, total, err := g.cfg.Free(p)
		if err != nil {
			return 0, 0, fmt.Errorf("free space of %s: %w", p, err)
		}
		t := g.cfg.MinFree
		if t == 0 {
			t = DefaultMinFree(total)
		}
		// The path with the least room above its own threshold counts.
		if first || int64(f)-int64(t) < int64(free)-int64(threshold) {
			free, threshold, first = f, t, false
		}
	}
	if first {
		return 0, 0, errors.New("no paths to watch")
	}
	return free, threshold, nil
}

// capStore limits the global account's storage so that no new message
// fits (a byte), whatever the streams hold: TELEMETRY lets go of what it
// stored, but what it stores goes on to PostgreSQL, on the same low disk.
func (g *DiskGuard) capStore() error {
	return g.e.Server.GlobalAccount().UpdateJetStreamLimits(map[string]server.JetStreamAccountLimits{
		"": {MaxMemory: -1, MaxStore: 1, MaxStreams: -1, MaxConsumers: -1, MaxAckPending: -1},
	})
}

// uncapStore restores the account's default (dynamic) limits.
func (g *DiskGuard) uncapStore() error {
	return g.e.Server.GlobalAccount().UpdateJetStreamLimits(nil)
}

// Low reports whether JetStream is capped: this node's disk, or (in a
// cluster) another node's, is below the threshold.
func (g *DiskGuard) Low() bool { return g.capped.Load() }

// Free is the free space last read, and the threshold.
func (g *DiskGuard) Free() (free, threshold uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.free, g.threshold
}

// Check is the guard's readiness: nil, or why this node can't take writes.
func (g *DiskGuard) Check() error {
	g.mu.Lock()
	free, threshold, err := g.free, g.threshold, g.readErr
	g.mu.Unlock()
	switch {
	case err != nil:
		return err
	case g.selfLow.Load():
		return fmt.Errorf("free disk %d MiB below %d MiB: new messages are refused", free>>20, threshold>>20)
	}
	if peer := g.peerLow(); peer != "" {
		return fmt.Errorf("node %s is low on disk: new messages are refused", peer)
	}
	return nil
}

// statfsFree reads a file system's free (available to us) and total bytes.
func statfsFree(path string) (free, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}
