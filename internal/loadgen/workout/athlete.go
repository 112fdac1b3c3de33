package workout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/internal/loadgen/app"
	clientapi "github.com/athlos/athlos/modules/client/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// The telemetry stream (docs/architecture.md, Subjects).
const telemetryStream = "TELEMETRY"

// AckTimeout bounds the wait for a PubAck; a message not acknowledged by
// then counts as a publish error.
const AckTimeout = 30 * time.Second

// athlete is one simulated app user.
type athlete struct {
	r     *run
	i     int
	track *Track

	// Set by setup, read-only afterwards.
	userID, sessionID, subject string
	nc                         *nats.Conn
	js                         jetstream.JetStream

	tokMu      sync.Mutex
	tok        clientapi.TokenResponse
	refreshAt  time.Time // when to refresh the access token
	refreshing bool

	// inflight counts publishes waiting for their ack.
	inflight sync.WaitGroup

	mu        sync.Mutex // guards what follows
	watching  bool       // subscribed to the live figures, not refused
	match     matcher
	liveCount uint64
	lastAcked time.Time // the latest acknowledged point

	// Set by finish.
	finished bool
	// counted says persisted was read from the server.
	counted   bool
	persisted int64
}

func newAthlete(r *run, i int) *athlete {
	rng := mrand.New(mrand.NewPCG(r.cfg.Seed, uint64(i)))
	return &athlete{r: r, i: i, track: NewTrack(rng)}
}

func (a *athlete) fail(kind string, err error) { a.r.fail(a.i, kind, err) }

// token is the current access token (nats.TokenHandler calls it at every
// (re)connection).
func (a *athlete) token() string {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	return a.tok.AccessToken
}

func (a *athlete) setToken(tok clientapi.TokenResponse) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	a.tok = tok
	a.refreshAt = time.Time{}
	if tok.ExpiresIn > 0 {
		// At three quarters of its life, so the connection never meets
		// an expired token when it reconnects.
		a.refreshAt = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second * 3 / 4)
	}
}

// setup registers the athlete (or logs in), starts its session, connects
// to NATS and subscribes to the session's live figures. It counts what
// failed; a.nc is set when the athlete is ready to stream.
func (a *athlete) setup(ctx context.Context) {
	api := a.r.api
	mail, pass := email(a.r.cfg.RunID, a.i), password(a.r.cfg.RunID, a.i)
	t0 := time.Now()
	tok, err := api.Register(ctx, mail, pass)
	if statusOf(err) == http.StatusConflict {
		tok, err = api.Login(ctx, mail, pass)
	}
	if err != nil {
		a.fail(ErrRegister, err)
		return
	}
	took := time.Since(t0)
	s := a.r.shard(a.i)
	s.mu.Lock()
	s.register.Record(took)
	s.mu.Unlock()
	a.setToken(tok)
	a.userID = tok.UserID

	// Connect first, then start the session, as an app does: the live
	// figures of the user's own sessions (live.session.<user>.<session>)
	// need no new grant.
	info, err := api.realtime(ctx, tok.AccessToken)
	if err != nil {
		a.fail(ErrRealtime, err)
		return
	}
	url := app.NATSServers(info, a.r.cfg.WebSocketURL)
	nc, err := nats.Connect(url, nats.DontRandomize(),
		nats.Name(fmt.Sprintf("athlos-loadgen %s/%d", a.r.cfg.RunID, a.i)),
		nats.TokenHandler(a.token),
		nats.CustomInboxPrefix(info.InboxPrefix),
		nats.Timeout(10*time.Second),
		nats.ReconnectWait(time.Second),
		nats.ErrorHandler(a.natsError),
		nats.ReconnectHandler(func(*nats.Conn) { a.r.reconnects.Add(1) }),
	)
	if err != nil {
		a.fail(ErrConnect, fmt.Errorf("connect to %s: %w", url, err))
		return
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(AckTimeout), jetstream.WithPublishAsyncMaxPending(1024))
	if err != nil {
		nc.Close()
		a.fail(ErrConnect, fmt.Errorf("jetstream: %w", err))
		return
	}
	sess, err := api.startSession(ctx, tok.AccessToken)
	if err != nil {
		nc.Close()
		a.fail(ErrStart, err)
		return
	}
	a.sessionID = sess.ID
	a.subject = trainingapi.TelemetrySubject(a.userID, a.sessionID)
	a.mu.Lock()
	a.watching = true
	a.mu.Unlock()
	live := trainingapi.LiveSessionSubject(a.userID, a.sessionID)
	if _, err := nc.Subscribe(live, a.onFigures); err != nil {
		a.fail(ErrSubscribe, fmt.Errorf("subscribe to %s: %w", live, err))
		a.notWatching()
	} else if err := nc.FlushTimeout(10 * time.Second); err != nil {
		a.fail(ErrSubscribe, fmt.Errorf("subscribe to %s: flush: %w", live, err))
	}
	a.nc, a.js = nc, js
}

// natsError handles the asynchronous errors of the athlete's connection:
// a refused subscription to the live figures means none come.
func (a *athlete) natsError(_ *nats.Conn, _ *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrPermissionViolation) {
		a.fail(ErrPermission, err)
		if strings.Contains(err.Error(), "Subscription to") {
			a.notWatching()
		}
		return
	}
	a.fail(ErrConnect, err)
}

func (a *athlete) notWatching() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.watching = false
	a.match = matcher{}
}

// onFigures takes live figures of the athlete's session.
func (a *athlete) onFigures(m *nats.Msg) {
	recv := time.Now()
	a.r.live.Add(1)
	var ls trainingapi.LiveStats
	if err := json.Unmarshal(m.Data, &ls); err != nil {
		a.fail(ErrLive, fmt.Errorf("decode live figures: %w", err))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.liveCount++
	s := a.r.shard(a.i)
	s.mu.Lock()
	a.match.figures(ls.LastPointT, ls.StoredAt, recv, &s.stored, &s.watch)
	s.mu.Unlock()
}

// stream records a point every 1/Rate seconds from a random moment within
// the first message's period after start (so that athletes' messages are
// spread out) until end, and publishes them PointsPerMsg at a time; what
// is left at the end goes in a last, shorter message.
func (a *athlete) stream(ctx context.Context, start, end time.Time) {
	cfg := a.r.cfg
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	period := interval * time.Duration(cfg.PointsPerMsg)
	next := start.Add(time.Duration(a.track.rng.Int64N(int64(period))))
	buf := make([]Point, 0, cfg.PointsPerMsg)
	var lastT time.Time
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for !next.After(end) {
		select {
		case <-ctx.Done():
			next = end.Add(1) // stop, after publishing what is buffered
			continue
		case <-timer.C:
		}
		now := time.Now()
		// The point's time is the real time, to the millisecond,
		// strictly after the previous one.
		t := now.UTC().Truncate(time.Millisecond)
		if !t.After(lastT) {
			t = lastT.Add(time.Millisecond)
		}
		lastT = t
		buf = append(buf, a.track.Next(t))
		if len(buf) == cfg.PointsPerMsg {
			a.publish(buf)
			buf = buf[:0]
		}
		a.maybeRefresh()
		next = next.Add(interval)
		if behind := now.Sub(next); behind > period {
			// Far behind (the loadgen's machine is overloaded): skip
			// ahead rather than send a burst.
			next = now.Add(interval)
		}
		timer.Reset(time.Until(next))
	}
	if len(buf) > 0 {
		a.publish(buf)
	}
}

// publish sends one message with JetStream and records, when its ack
// comes, the points as accepted.
func (a *athlete) publish(points []Point) {
	data, err := json.Marshal(Message{Points: points})
	if err != nil {
		a.fail(ErrPublish, fmt.Errorf("encode points: %w", err))
		return
	}
	n := uint64(len(points))
	lastT := points[len(points)-1].T
	a.r.msgsPub.Add(1)
	a.r.ptsPub.Add(n)
	sent := time.Now()
	a.mu.Lock()
	if a.watching {
		a.match.published(lastT, sent)
	}
	a.mu.Unlock()
	f, err := a.js.PublishAsync(a.subject, data)
	if err != nil {
		a.publishFailed(lastT, fmt.Errorf("publish on %s: %w", a.subject, err))
		return
	}
	a.inflight.Add(1)
	go func() {
		defer a.inflight.Done()
		select {
		case ack := <-f.Ok():
			took := time.Since(sent)
			if ack.Stream != telemetryStream {
				a.publishFailed(lastT, fmt.Errorf("publish on %s: acknowledged by stream %s, not %s", a.subject, ack.Stream, telemetryStream))
				return
			}
			a.r.msgsAcked.Add(1)
			a.r.ptsAcked.Add(n)
			s := a.r.shard(a.i)
			s.mu.Lock()
			s.ack.Record(took)
			s.mu.Unlock()
			a.mu.Lock()
			if lastT.After(a.lastAcked) {
				a.lastAcked = lastT
			}
			a.mu.Unlock()
		case err := <-f.Err():
			a.publishFailed(lastT, fmt.Errorf("publish on %s: %w", a.subject, err))
		}
	}()
}

func (a *athlete) publishFailed(lastT time.Time, err error) {
	a.fail(ErrPublish, err)
	a.mu.Lock()
	a.match.failed(lastT)
	a.mu.Unlock()
}

// maybeRefresh refreshes the access token in the background when it is
// due.
func (a *athlete) maybeRefresh() {
	a.tokMu.Lock()
	due := !a.refreshing && !a.refreshAt.IsZero() && time.Now().After(a.refreshAt)
	if due {
		a.refreshing = true
	}
	refresh := a.tok.RefreshToken
	a.tokMu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tok, err := a.r.api.Refresh(ctx, refresh)
		if err != nil {
			a.fail(ErrRefresh, err)
			a.tokMu.Lock()
			a.refreshAt = time.Now().Add(30 * time.Second) // try again
			a.refreshing = false
			a.tokMu.Unlock()
			return
		}
		a.setToken(tok)
		a.tokMu.Lock()
		a.refreshing = false
		a.tokMu.Unlock()
	}()
}

// settle waits until the server has stored the latest acknowledged point
// (the session's last_point_at reaches it), or until deadline; then, when
// the athlete watches its session, briefly for the live figures of the
// last messages.
func (a *athlete) settle(ctx context.Context, deadline time.Time) {
	a.mu.Lock()
	want := a.lastAcked
	a.mu.Unlock()
	if want.IsZero() {
		return
	}
	var last *time.Time
	for {
		s, err := a.r.api.session(ctx, a.token(), a.sessionID)
		if err == nil {
			last = s.LastPointAt
			if last != nil && !last.Before(want) {
				break
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%w: session %s: last point stored %v, last accepted %s", errNotStored, a.sessionID, last, want.Format(TimeLayout))
			}
			a.fail(ErrSettle, err)
			return
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return
		}
	}
	// Live figures follow a store within a second (publish.Interval in modules/training/internal/publish).
	waitUntil := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(waitUntil) {
		a.mu.Lock()
		done := !a.watching || a.match.left() == 0
		a.mu.Unlock()
		if done || !sleep(ctx, 50*time.Millisecond) {
			return
		}
	}
}

// finish finishes the athlete's session, if it started one, and reads
// how many of its points the server holds (points_stored), whether the
// finish worked or not: a failed finish leaves the session open with its
// points stored.
func (a *athlete) finish(ctx context.Context) {
	if a.sessionID == "" {
		return
	}
	s, err := a.r.api.finishSession(ctx, a.token(), a.sessionID)
	switch {
	case err != nil:
		a.fail(ErrFinish, err)
	case s.Summary == nil:
		a.fail(ErrFinish, fmt.Errorf("session %s: finished without a summary", a.sessionID))
	default:
		a.finished = true
	}
	if err != nil || s.Summary == nil {
		if s, err = a.r.api.session(ctx, a.token(), a.sessionID); err != nil {
			a.fail(ErrFinish, fmt.Errorf("session %s: reading what is stored: %w", a.sessionID, err))
			return
		}
	}
	a.counted = true
	a.persisted = int64(s.PointsStored)
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
