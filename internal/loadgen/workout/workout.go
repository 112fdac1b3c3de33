// Package workout is a load generator that simulates athletes recording
// live workouts against a running Athlos, end to end and through the
// public interfaces only (HTTP and NATS over WebSocket, as the app):
//
//  1. each athlete registers (or logs in), asks GET /v1/realtime where to
//     connect, connects to NATS with a token callback (its current access
//     token, refreshed over HTTP before it expires), starts a public run
//     (POST /v1/sessions) and subscribes to its session's live figures
//     on the connection it has (live.session.<user>.<session>) —
//     registration hashes passwords on
//     purpose slowly, so this setup runs a few athletes at a time and is
//     timed apart;
//  2. every athlete then streams a realistic GPS track (see Track) in real
//     time, publishing its points with JetStream on
//     live.telemetry.<user>.<session>, where a PubAck from stream
//     TELEMETRY means accepted;
//  3. at the end it waits until the server has stored every accepted
//     point, finishes the sessions and sums their summary.points
//     (persisted).
//
// The Report has the throughput accepted and persisted, and the latency
// of publish → PubAck, publish → stored (the server's commit time) and
// publish → live figures received by the watcher. See Run.
package workout

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athlos/athlos/internal/loadgen"
)

// Config is what to run.
type Config struct {
	// BaseURL is the HTTP front, e.g. http://127.0.0.1:8080.
	BaseURL string
	// WebSocketURL, when set, replaces the NATS WebSocket URL that
	// GET /v1/realtime gives (for a server that reports a host the
	// loadgen cannot reach).
	WebSocketURL string
	// Athletes is how many athletes run at once (default 10).
	Athletes int
	// Duration is how long they stream points (default 60 s), in real
	// time: points carry the current time, as the server expects.
	Duration time.Duration
	// Rate is the points per second of each athlete (default 1).
	Rate float64
	// PointsPerMsg is how many points go in one message (default 5: a
	// message every 5 s at 1 point a second).
	PointsPerMsg int
	// SetupConcurrency is how many athletes are set up at a time
	// (default 4): registration is slow on purpose (argon2).
	SetupConcurrency int
	// RunID names the run's accounts, loadgen-<run id>-<i>@example.com;
	// empty means random. A run reusing a run id logs in to the same
	// accounts (their passwords derive from it).
	RunID string
	// SettleTimeout bounds the wait, after streaming, until the server
	// has stored every accepted point (default 30 s).
	SettleTimeout time.Duration
	// Seed makes the tracks reproducible; 0 means random.
	Seed uint64
	// HTTPClient is used for the HTTP calls; nil means a default one.
	HTTPClient *http.Client
	// Progress, when set, receives a line about each phase and a
	// running count every ProgressEvery (default 10 s).
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Limits of the configuration.
const (
	MaxRate         = 50 // points per second per athlete
	MaxPointsPerMsg = 1000
)

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// withDefaults fills in the defaults and checks the configuration.
func (c Config) withDefaults() (Config, error) {
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
	}
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return c, fmt.Errorf("workout: url %q: want http:// or https://", c.BaseURL)
	}
	if c.Athletes == 0 {
		c.Athletes = 10
	}
	if c.Duration == 0 {
		c.Duration = time.Minute
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.PointsPerMsg == 0 {
		c.PointsPerMsg = 5
	}
	if c.SetupConcurrency == 0 {
		c.SetupConcurrency = 4
	}
	if c.SettleTimeout == 0 {
		c.SettleTimeout = 30 * time.Second
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 10 * time.Second
	}
	if c.RunID == "" {
		c.RunID = randomID()
	}
	if c.Seed == 0 {
		c.Seed = mrand.Uint64()
	}
	switch {
	case c.Athletes < 0:
		return c, fmt.Errorf("workout: athletes %d: want at least 1", c.Athletes)
	case c.Duration < 0:
		return c, fmt.Errorf("workout: duration %s: want more than 0", c.Duration)
	case c.Rate < 0 || c.Rate > MaxRate:
		return c, fmt.Errorf("workout: rate %g: want more than 0 and at most %d points/s", c.Rate, MaxRate)
	case c.PointsPerMsg < 0 || c.PointsPerMsg > MaxPointsPerMsg:
		return c, fmt.Errorf("workout: points per message %d: want 1 to %d", c.PointsPerMsg, MaxPointsPerMsg)
	case c.SetupConcurrency < 0:
		return c, fmt.Errorf("workout: setup concurrency %d: want at least 1", c.SetupConcurrency)
	case c.SettleTimeout < 0:
		return c, fmt.Errorf("workout: settle timeout %s: want more than 0", c.SettleTimeout)
	case !runIDPattern.MatchString(c.RunID):
		return c, fmt.Errorf("workout: run id %q: want 1 to 40 letters, digits, - or _", c.RunID)
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Timeout: time.Minute, Transport: tr}
	}
	return c, nil
}

// finishConcurrency is how many sessions are settled and finished at a
// time.
const finishConcurrency = 16

// interruptedSettleTimeout bounds the settling when the run was
// interrupted.
const interruptedSettleTimeout = 5 * time.Second

// run is the state of one Run shared by its athletes.
type run struct {
	cfg Config
	api *httpAPI

	shards []*shard

	msgsPub, ptsPub, msgsAcked, ptsAcked atomic.Uint64
	live, reconnects, errors             atomic.Uint64
}

// shard holds the histograms and errors of some athletes. Histograms are
// large (about 30 KiB) and not safe for concurrent use, so athletes share
// a few, each behind a lock, merged at the end.
type shard struct {
	mu                           sync.Mutex
	register, ack, stored, watch loadgen.Histogram
	errs                         errorSet
}

const maxShards = 16

func (r *run) shard(i int) *shard { return r.shards[i%len(r.shards)] }

// fail counts an error of athlete i.
func (r *run) fail(i int, kind string, err error) {
	r.errors.Add(1)
	s := r.shard(i)
	s.mu.Lock()
	s.errs.add(kind, err)
	s.mu.Unlock()
}

func (r *run) progressf(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "loadgen: "+format+"\n", args...)
	}
}

// Run simulates cfg.Athletes athletes against the Athlos at cfg.BaseURL
// and reports what it measured. Errors of single athletes or messages are
// counted in the report; Run fails only on a bad configuration or when no
// athlete could be set up. When ctx ends, streaming stops early and the
// sessions are still settled and finished.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Report{}, err
	}
	r := &run{cfg: cfg, api: newHTTPAPI(cfg.BaseURL, cfg.HTTPClient)}
	for range min(cfg.Athletes, maxShards) {
		r.shards = append(r.shards, &shard{})
	}
	athletes := make([]*athlete, cfg.Athletes)
	for i := range athletes {
		athletes[i] = newAthlete(r, i)
	}

	// 1. Setup, a few athletes at a time.
	r.progressf("run %s: setting up %d athletes, %d at a time, on %s", cfg.RunID, cfg.Athletes, cfg.SetupConcurrency, cfg.BaseURL)
	setupStart := time.Now()
	forEach(ctx, len(athletes), cfg.SetupConcurrency, func(i int) { athletes[i].setup(ctx) })
	setup := time.Since(setupStart)
	var ready []*athlete
	for _, a := range athletes {
		if a.nc != nil {
			ready = append(ready, a)
		}
	}
	r.progressf("setup took %s: %d of %d athletes ready", setup.Round(time.Millisecond), len(ready), cfg.Athletes)

	// 2. Streaming, every athlete at once.
	var streamed time.Duration
	if len(ready) > 0 && ctx.Err() == nil {
		r.progressf("streaming for %s at %g points/s per athlete, %d points per message", cfg.Duration, cfg.Rate, cfg.PointsPerMsg)
		start := time.Now()
		end := start.Add(cfg.Duration)
		sctx, cancel := context.WithDeadline(ctx, end.Add(time.Second))
		stopProgress := r.reportProgress(sctx, start)
		var wg sync.WaitGroup
		for _, a := range ready {
			wg.Go(func() { a.stream(sctx, start, end) })
		}
		wg.Wait()
		streamed = time.Since(start)
		cancel()
		stopProgress()
		// Every publish ends with an ack or an error (bounded by
		// AckTimeout).
		for _, a := range ready {
			a.inflight.Wait()
		}
	}

	// 3. Settle and finish, even when ctx ended (then waiting less): the
	// sessions would stay open otherwise.
	cctx := context.WithoutCancel(ctx)
	r.progressf("waiting for the server to store every accepted point, then finishing %d sessions", countStarted(athletes))
	settle := cfg.SettleTimeout
	if ctx.Err() != nil {
		settle = min(settle, interruptedSettleTimeout)
	}
	settleBy := time.Now().Add(settle)
	forEach(cctx, len(athletes), finishConcurrency, func(i int) {
		a := athletes[i]
		if a.nc != nil {
			a.settle(cctx, settleBy)
			a.nc.Close()
		}
		a.finish(cctx)
	})

	rep := r.report(athletes, setup, streamed)
	if len(ready) == 0 {
		return rep, fmt.Errorf("workout: no athlete could be set up (%d errors; first: %s)", rep.ErrorCount(), firstError(rep))
	}
	return rep, nil
}

func countStarted(as []*athlete) int {
	n := 0
	for _, a := range as {
		if a.sessionID != "" {
			n++
		}
	}
	return n
}

func firstError(rep Report) string {
	for _, k := range errorKinds {
		if e := rep.FirstErrors[k]; e != "" {
			return k + ": " + e
		}
	}
	return "none"
}

// reportProgress writes a running count every ProgressEvery until stopped.
func (r *run) reportProgress(ctx context.Context, start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	return loadgen.Tick(ctx, r.cfg.ProgressEvery, func() {
		r.progressf("%4.0fs: %d points published, %d accepted, %d live figures, %d errors",
			time.Since(start).Seconds(), r.ptsPub.Load(), r.ptsAcked.Load(), r.live.Load(), r.errors.Load())
	})
}

// report merges what the athletes measured.
func (r *run) report(athletes []*athlete, setup, streamed time.Duration) Report {
	var register, ack, stored, watch loadgen.Histogram
	var errs errorSet
	for _, s := range r.shards {
		s.mu.Lock()
		register.Merge(&s.register)
		ack.Merge(&s.ack)
		stored.Merge(&s.stored)
		watch.Merge(&s.watch)
		errs.merge(&s.errs)
		s.mu.Unlock()
	}
	rep := Report{
		RunID: r.cfg.RunID, Athletes: r.cfg.Athletes, Rate: r.cfg.Rate, PointsPerMsg: r.cfg.PointsPerMsg,
		SetupS: setup.Seconds(), Register: latencyStats(&register), DurationS: streamed.Seconds(),
		MessagesPublished: r.msgsPub.Load(), PointsPublished: r.ptsPub.Load(),
		MessagesAcked: r.msgsAcked.Load(), PointsAccepted: r.ptsAcked.Load(),
		Ack: latencyStats(&ack), Stored: latencyStats(&stored), Watch: latencyStats(&watch),
		LiveFigures: r.live.Load(), Reconnects: r.reconnects.Load(),
		Errors: map[string]uint64{}, FirstErrors: errs.first,
	}
	for _, k := range errorKinds {
		rep.Errors[k] = 0
	}
	for k, n := range errs.counts {
		rep.Errors[k] = n
	}
	for _, a := range athletes {
		if a.nc != nil {
			rep.Ready++
		}
		a.mu.Lock()
		if a.liveCount > 0 {
			rep.Watching++
		}
		if a.watching && a.liveCount > 0 {
			rep.Unmatched += a.match.unmatched + uint64(a.match.left())
		}
		a.mu.Unlock()
		if a.finished {
			rep.SessionsFinished++
		}
		if a.counted {
			rep.SessionsCounted++
			rep.PointsPersisted += a.persisted
		}
	}
	if streamed > 0 {
		rep.AcceptedPerSec = float64(rep.PointsAccepted) / streamed.Seconds()
		rep.PersistedPerSec = float64(rep.PointsPersisted) / streamed.Seconds()
	}
	return rep
}

// forEach calls fn(i) for i in [0, n), at most concurrency at a time; it
// starts no more calls once ctx ends.
func forEach(ctx context.Context, n, concurrency int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(concurrency, n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

// randomID names a run.
func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// password is athlete i's password: strong, and the same for the same run
// id, so that a rerun can log in.
func password(runID string, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "athlos loadgen %s %d", runID, i))
	return "loadgen correct horse battery " + hex.EncodeToString(h[:8])
}

// email is athlete i's email.
func email(runID string, i int) string {
	return fmt.Sprintf("loadgen-%s-%d@example.com", strings.ToLower(runID), i)
}

var errNotStored = errors.New("not every accepted point was stored in time")
