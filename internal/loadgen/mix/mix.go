// Package mix is `athlos loadgen mix`: the whole system under a realistic
// mix of what many athletes do at once, through the public interfaces
// only (HTTP and NATS over WebSocket, as the app):
//
//   - every athlete registers, is a member of a group of GroupSize, and
//     keeps a NATS WebSocket connection open, following its group's chat;
//   - LiveShare of them record a live session, streaming telemetry with
//     JetStream at one point a second (PointsPerMsg points a message),
//     and WatchShare of those have a watcher, another athlete who calls
//     POST /v1/sessions/{id}/watch and follows live.watch.<session>;
//   - every athlete also chats, reads its feed, a leaderboard and its
//     analytics, imports a workout file (a real FIT of about 10,000
//     points) and logs in, each at its own rate (Every); the requests of
//     each kind are sent open loop, spread evenly over the run, so a slow
//     server is not given less work, and latency counts from the moment a
//     request was due;
//   - afterwards it checks that nothing was lost: every telemetry point
//     the TELEMETRY stream acknowledged is stored (the sessions'
//     points_stored), and every chat message the server answered is in
//     its group's history, once.
//
// Beside the latency of every operation it reports the resident memory of
// the server processes on this machine and, given their debug listeners
// (serve --debug-listen), where their CPU time went during the mix.
package mix

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/app"
	"github.com/athlos/athlos/internal/loadgen/workout"
	clientapi "github.com/athlos/athlos/modules/client/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// Every is how often one athlete does each thing during the mix; zero
// means never.
type Every struct {
	Chat, Feed, Leaderboard, Analytics, Import, Login time.Duration
}

// DefaultEvery are the rates of an athlete with the app open: a chat
// message every 5 minutes, the feed every minute, a leaderboard every 5
// and its analytics every 2 minutes, an import and a login an hour.
var DefaultEvery = Every{Chat: 5 * time.Minute, Feed: time.Minute, Leaderboard: 5 * time.Minute,
	Analytics: 2 * time.Minute, Import: time.Hour, Login: time.Hour}

// Config is one run.
type Config struct {
	// BaseURLs are the HTTP fronts: athlete i uses BaseURLs[i mod n]
	// (every node of a cluster, say).
	BaseURLs []string
	// Athletes at once (default 1,000); Duration of the mix (default 5
	// minutes), after the setup.
	Athletes int
	Duration time.Duration
	// SetupConcurrency bounds the registrations, joins and connections
	// made at once (default 8).
	SetupConcurrency int
	// GroupSize is the members of each group (default 20).
	GroupSize int
	// LiveShare of the athletes record a live session (default 0.2);
	// WatchShare of those sessions have a watcher (default 0.25).
	LiveShare, WatchShare float64
	// PointsPerMsg points go in a telemetry message, one a second
	// (default 5).
	PointsPerMsg int
	// Every is how often an athlete does each thing.
	Every Every
	// ImportFiles are the workout files imported, the next one each time
	// an athlete imports again (an athlete may import a file once).
	ImportFiles []string
	// SettleTimeout bounds the wait, after the mix, for the server to
	// store every acknowledged point (default 30 s).
	SettleTimeout time.Duration
	// RunID names the accounts loadgen-mix-<run id>-<i>@example.com
	// (empty: random).
	RunID string
	// ServerPIDs are the server processes whose memory is reported; nil
	// looks for the `athlos serve` processes of this machine.
	ServerPIDs []int
	// ProfileURLs are the servers' debug listeners (serve
	// --debug-listen), each profiled for ProfileSeconds (default 30, at
	// most the mix's duration) in the middle of the mix; the profiles are
	// saved in ProfileDir when it is set.
	ProfileURLs    []string
	ProfileSeconds int
	ProfileDir     string
	// Seed makes the tracks reproducible (0: random).
	Seed uint64
	// HTTPClient is used for every request (nil: a default one).
	HTTPClient *http.Client
	// Progress, when set, gets a line per phase and every ProgressEvery
	// (default 10 s) during the mix.
	Progress      io.Writer
	ProgressEvery time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if len(c.BaseURLs) == 0 {
		c.BaseURLs = []string{"http://127.0.0.1:8080"}
	}
	for i, u := range c.BaseURLs {
		c.BaseURLs[i] = strings.TrimRight(strings.TrimSpace(u), "/")
		if !strings.HasPrefix(c.BaseURLs[i], "http://") && !strings.HasPrefix(c.BaseURLs[i], "https://") {
			return c, fmt.Errorf("mix: url %q: want http:// or https://", u)
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Athletes, 1000)
	def(&c.SetupConcurrency, 8)
	def(&c.GroupSize, 20)
	def(&c.PointsPerMsg, 5)
	def(&c.ProfileSeconds, 30)
	if c.Duration == 0 {
		c.Duration = 5 * time.Minute
	}
	if c.SettleTimeout == 0 {
		c.SettleTimeout = 30 * time.Second
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = 10 * time.Second
	}
	if c.RunID == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		c.RunID = hex.EncodeToString(b)
	}
	if c.Seed == 0 {
		c.Seed = mrand.Uint64()
	}
	switch {
	case c.Athletes < 2 || c.SetupConcurrency < 1 || c.GroupSize < 2 || c.PointsPerMsg < 1 || c.ProfileSeconds < 1:
		return c, errors.New("mix: want at least 2 athletes, groups of at least 2, and a setup concurrency, points per message and profile seconds of at least 1")
	case c.Duration < 0 || c.SettleTimeout < 0:
		return c, errors.New("mix: duration and settle timeout must be above 0")
	case c.LiveShare < 0 || c.LiveShare > 1 || c.WatchShare < 0 || c.WatchShare > 1:
		return c, errors.New("mix: the live and watch shares are fractions, 0 to 1")
	case c.Every.Import > 0 && len(c.ImportFiles) == 0:
		return c, errors.New("mix: imports need at least one workout file")
	}
	for _, d := range []time.Duration{c.Every.Chat, c.Every.Feed, c.Every.Leaderboard, c.Every.Analytics, c.Every.Import, c.Every.Login} {
		if d < 0 {
			return c, errors.New("mix: a rate's interval must not be negative (0: never)")
		}
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 256
		c.HTTPClient = &http.Client{Timeout: time.Minute, Transport: tr}
	}
	return c, nil
}

// Operations, by the names the report gives them.
const (
	OpRegister     = "register"       // POST /v1/auth/register (setup)
	OpGroupCreate  = "group_create"   // POST /v1/groups (setup)
	OpGroupJoin    = "group_join"     // POST /v1/groups/{id}/join (setup)
	OpSessionStart = "session_start"  // POST /v1/sessions (setup)
	OpWatch        = "watch"          // POST /v1/sessions/{id}/watch (setup)
	OpRealtime     = "realtime"       // GET /v1/realtime (setup)
	OpConnect      = "connect"        // NATS WebSocket connection and subscriptions (setup)
	OpTelemetry    = "telemetry"      // JetStream publish → PubAck of stream TELEMETRY
	OpChat         = "chat"           // chat.in.<user>.<group> request → answer
	OpFeed         = "feed"           // GET /v1/feed
	OpLeaderboard  = "leaderboard"    // GET /v1/leaderboards
	OpAnalytics    = "analytics"      // GET /v1/analytics/summary
	OpImport       = "import"         // POST /v1/sessions/import
	OpLogin        = "login"          // POST /v1/auth/login
	OpRefresh      = "refresh"        // POST /v1/auth/refresh (tokens about to expire)
	OpFinish       = "session_finish" // POST /v1/sessions/{id}/finish (after the mix)
	OpHistory      = "chat_history"   // GET /v1/groups/{id}/messages (after the mix)
)

// opNames lists the operations in the order they are reported; unbound
// says which the aim (p99 under 50 ms) does not cover.
var (
	opNames = []string{OpTelemetry, OpChat, OpFeed, OpLeaderboard, OpAnalytics, OpImport, OpLogin, OpRefresh,
		OpRegister, OpGroupCreate, OpGroupJoin, OpSessionStart, OpWatch, OpRealtime, OpConnect, OpFinish, OpHistory}
	unbound = map[string]string{OpImport: "own figure", OpLogin: "argon2id", OpRegister: "argon2id, setup",
		OpGroupCreate: "setup", OpGroupJoin: "setup", OpConnect: "setup", OpHistory: "check", OpFinish: "after the mix"}
)

// opStats is one operation's measurements.
type opStats struct {
	mu     sync.Mutex
	lat    loadgen.Histogram
	errors uint64
	unsent uint64
	first  string
}

func (s *opStats) record(d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors++
		if s.first == "" {
			s.first = err.Error()
		}
		return
	}
	s.lat.Record(d)
}

// run is one Run's shared state.
type run struct {
	cfg      Config
	ops      map[string]*opStats
	athletes []*athlete
	groups   []*group
	files    [][]byte

	ptsPub, ptsAcked, reconnects, perms atomic.Uint64
	importsDone, pointsImported         atomic.Int64
	firstPerm                           atomic.Pointer[error]
	slow                                slowLog
	chatRetries                         atomic.Uint64
	resent                              atomic.Uint64 // telemetry messages sent again after a reconnect
}

func (r *run) imported(points int) {
	r.importsDone.Add(1)
	r.pointsImported.Add(int64(points))
}

// time runs fn and records it as op.
func (r *run) time(op string, fn func() error) error {
	t0 := time.Now()
	err := fn()
	r.ops[op].record(time.Since(t0), err)
	return err
}

func (r *run) progressf(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "loadgen mix: "+format+"\n", args...)
	}
}

// athlete is one simulated app user.
type athlete struct {
	r        *run
	i        int
	api      *app.Client
	email    string
	password string
	userID   string
	group    *group

	tokens app.Tokens

	nc *nats.Conn

	// Live recording (sessionID set): its track, JetStream, what was
	// acknowledged, and the live figures its watcher received.
	sessionID string
	track     *workout.Track
	js        jetstream.JetStream
	inflight  sync.WaitGroup
	ackMu     sync.Mutex
	acked     int64
	lastAcked time.Time
	watched   bool
	figures   atomic.Uint64
	// watcher is the watcher's subscription to the live figures: it
	// stops watching before the session finishes (else its connection
	// would ask again for the grant, gone with the session, whenever it
	// reconnects).
	watcher *nats.Subscription
	// watches is the athlete whose session this one watches.
	watches *athlete
	imports atomic.Int64
}

func (a *athlete) token() string { return a.tokens.Access() }

// group is one chat group and what was said in it.
type group struct {
	id      string
	members []*athlete
	mu      sync.Mutex
	// answered holds the txn ids of the messages the server answered;
	// deliveries counts, per txn id, the members that received it.
	answered   []string
	deliveries map[string]int
	seq        atomic.Int64
}

// Run runs the mix and reports. It fails on a bad configuration or when
// the setup fails (an athlete that could not register, join or connect);
// what fails during the mix is counted in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, ops: map[string]*opStats{}}
	for _, n := range opNames {
		r.ops[n] = &opStats{}
	}
	for _, f := range cfg.ImportFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("mix: import file: %w", err)
		}
		r.files = append(r.files, data)
	}
	for i := range cfg.Athletes {
		h := sha256.Sum256(fmt.Appendf(nil, "athlos loadgen mix %s %d", cfg.RunID, i))
		r.athletes = append(r.athletes, &athlete{r: r, i: i, api: app.New(cfg.BaseURLs[i%len(cfg.BaseURLs)], cfg.HTTPClient),
			email:    fmt.Sprintf("loadgen-mix-%s-%d@example.com", strings.ToLower(cfg.RunID), i),
			password: "loadgen mix " + hex.EncodeToString(h[:8])})
	}
	rep := &Report{RunID: cfg.RunID, Athletes: cfg.Athletes, BaseURLs: cfg.BaseURLs, Every: everyReport(cfg)}

	setupStart := time.Now()
	if err := r.setup(ctx); err != nil {
		r.closeAll()
		return nil, err
	}
	rep.SetupS = time.Since(setupStart).Seconds()
	r.progressf("setup took %s", time.Since(setupStart).Round(time.Millisecond))

	pids := cfg.ServerPIDs
	if pids == nil {
		pids = FindServers()
	}
	// Tokens are refreshed until the check is done: its requests, and
	// the connections that reconnect meanwhile, need valid ones.
	stopRefresh := r.refreshTokens(context.WithoutCancel(ctx))
	mem := startMemorySampler(pids)
	mixStart, ownCPU, machineCPU := time.Now(), loadgen.ProcessCPU(), loadgen.MachineCPU()
	rep.Profiles = r.mix(ctx)
	rep.DurationS = time.Since(mixStart).Seconds()
	rep.LoadgenCores = (loadgen.ProcessCPU() - ownCPU).Seconds() / rep.DurationS
	rep.MachineCores = (loadgen.MachineCPU() - machineCPU).Seconds() / rep.DurationS
	rep.Memory = mem.finish()
	rep.LoadAvg = loadAvg()

	r.check(context.WithoutCancel(ctx), rep)
	stopRefresh()
	r.closeAll()
	r.fill(rep)
	return rep, nil
}

func (r *run) closeAll() {
	for _, a := range r.athletes {
		if a.nc != nil {
			a.nc.Close()
		}
	}
}

// each runs fn(0..n-1), SetupConcurrency at a time, and returns the
// first error.
func (r *run) each(ctx context.Context, n int, fn func(i int) error) error {
	return loadgen.Each(ctx, n, r.cfg.SetupConcurrency, fn)
}

// setup registers the athletes, makes the groups, starts the live
// sessions, has the watchers ask to watch, and then connects everyone
// (after the joins and watches, which close a user's connections so that
// they reconnect with the new grants).
func (r *run) setup(ctx context.Context) error {
	cfg := r.cfg
	r.progressf("run %s: registering %d athletes, %d at a time, on %s", cfg.RunID, cfg.Athletes, cfg.SetupConcurrency,
		strings.Join(cfg.BaseURLs, ", "))
	if err := r.each(ctx, len(r.athletes), func(i int) error {
		a := r.athletes[i]
		return r.time(OpRegister, func() error {
			tok, err := a.api.SignUp(ctx, a.email, a.password)
			if err != nil {
				return fmt.Errorf("athlete %d: %w", i, err)
			}
			a.tokens.Set(tok)
			a.userID = tok.UserID
			return nil
		})
	}); err != nil {
		return fmt.Errorf("mix: register: %w", err)
	}

	for start := 0; start < len(r.athletes); start += cfg.GroupSize {
		g := &group{members: r.athletes[start:min(start+cfg.GroupSize, len(r.athletes))], deliveries: map[string]int{}}
		for _, a := range g.members {
			a.group = g
		}
		r.groups = append(r.groups, g)
	}
	if err := r.each(ctx, len(r.groups), func(k int) error {
		g := r.groups[k]
		var out socialapi.Group
		return r.time(OpGroupCreate, func() error {
			err := g.members[0].api.Do(ctx, http.MethodPost, "/v1/groups", g.members[0].token(),
				socialapi.GroupCreate{Name: fmt.Sprintf("loadgen mix %s %d", cfg.RunID, k), Visibility: "public",
					MemberLimit: max(len(g.members), 2)}, &out, http.StatusCreated)
			g.id = out.ID
			return err
		})
	}); err != nil {
		return fmt.Errorf("mix: create the groups: %w", err)
	}
	if err := r.each(ctx, len(r.athletes), func(i int) error {
		a := r.athletes[i]
		if a == a.group.members[0] {
			return nil
		}
		return r.time(OpGroupJoin, func() error {
			return a.api.Do(ctx, http.MethodPost, "/v1/groups/"+a.group.id+"/join", a.token(), nil, nil, http.StatusOK)
		})
	}); err != nil {
		return fmt.Errorf("mix: join the groups: %w", err)
	}
	r.progressf("%d groups of up to %d members", len(r.groups), cfg.GroupSize)

	// Live sessions: the first LiveShare of the athletes; their watchers
	// are athletes from the rest, in order.
	live := int(float64(cfg.Athletes) * cfg.LiveShare)
	watched := min(int(float64(live)*cfg.WatchShare), cfg.Athletes-live)
	if err := r.each(ctx, live, func(i int) error {
		a := r.athletes[i]
		a.track = workout.NewTrack(mrand.New(mrand.NewPCG(cfg.Seed, uint64(i))))
		var s trainingapi.Session
		return r.time(OpSessionStart, func() error {
			err := a.api.Do(ctx, http.MethodPost, "/v1/sessions", a.token(),
				trainingapi.SessionStart{Sport: "run", Visibility: "public", Title: "loadgen mix run"}, &s, http.StatusCreated, http.StatusOK)
			a.sessionID = s.ID
			return err
		})
	}); err != nil {
		return fmt.Errorf("mix: start the live sessions: %w", err)
	}
	if err := r.each(ctx, watched, func(k int) error {
		owner, w := r.athletes[k], r.athletes[live+k]
		owner.watched, w.watches = true, owner
		return r.time(OpWatch, func() error {
			var out trainingapi.Watch
			err := w.api.Do(ctx, http.MethodPost, "/v1/sessions/"+owner.sessionID+"/watch", w.token(), struct{}{}, &out, http.StatusOK)
			if err == nil && out.Subject != trainingapi.LiveWatchSubject(owner.sessionID) {
				err = fmt.Errorf("watch %s: subject %q, want %q", owner.sessionID, out.Subject, trainingapi.LiveWatchSubject(owner.sessionID))
			}
			return err
		})
	}); err != nil {
		return fmt.Errorf("mix: watch: %w", err)
	}
	r.progressf("%d live sessions, %d of them watched", live, watched)

	if err := r.each(ctx, len(r.athletes), func(i int) error { return r.athletes[i].connect(ctx) }); err != nil {
		return fmt.Errorf("mix: connect: %w", err)
	}
	r.progressf("%d athletes connected over NATS WebSocket", len(r.athletes))
	return nil
}

// connect connects the athlete as GET /v1/realtime says (every node's
// URL, for reconnects), follows its group's chat and, as a watcher, the
// session it watches.
func (a *athlete) connect(ctx context.Context) error {
	r := a.r
	var info clientapi.RealtimeInfo
	if err := r.time(OpRealtime, func() error {
		return a.api.Do(ctx, http.MethodGet, "/v1/realtime", a.token(), nil, &info, http.StatusOK)
	}); err != nil {
		return err
	}
	urls := app.NATSServers(info, "")
	return r.time(OpConnect, func() error {
		nc, err := nats.Connect(urls, nats.DontRandomize(),
			nats.Name(fmt.Sprintf("athlos-loadgen-mix %s/%d", r.cfg.RunID, a.i)),
			nats.TokenHandler(a.token), nats.CustomInboxPrefix(info.InboxPrefix),
			nats.Timeout(10*time.Second), nats.ReconnectWait(time.Second), nats.MaxReconnects(-1),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
				if errors.Is(err, nats.ErrPermissionViolation) {
					r.perms.Add(1)
					r.firstPerm.CompareAndSwap(nil, &err)
				}
			}),
			nats.ReconnectHandler(func(*nats.Conn) { r.reconnects.Add(1) }))
		if err != nil {
			return fmt.Errorf("athlete %d: connect to %s: %w", a.i, urls, err)
		}
		a.nc = nc
		if _, err := nc.Subscribe(socialapi.ChatSubject(a.group.id), a.group.received); err != nil {
			return err
		}
		if a.watches != nil {
			owner := a.watches
			sub, err := nc.Subscribe(trainingapi.LiveWatchSubject(owner.sessionID), func(*nats.Msg) { owner.figures.Add(1) })
			if err != nil {
				return err
			}
			owner.watcher = sub
		}
		if a.sessionID != "" {
			js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(30*time.Second), jetstream.WithPublishAsyncMaxPending(256))
			if err != nil {
				return err
			}
			a.js = js
		}
		return nc.FlushTimeout(10 * time.Second)
	})
}

// received counts a delivery of the group's chat.
func (g *group) received(msg *nats.Msg) {
	var ev struct {
		Message struct {
			TxnID string `json:"txn_id"`
		} `json:"message"`
	}
	if json.Unmarshal(msg.Data, &ev) != nil || ev.Message.TxnID == "" {
		return
	}
	g.mu.Lock()
	g.deliveries[ev.Message.TxnID]++
	g.mu.Unlock()
}

// mix runs everything at once for the duration and returns the servers'
// profiles.
func (r *run) mix(ctx context.Context) []Profile {
	cfg := r.cfg
	r.progressf("mixing for %s", cfg.Duration)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+5*time.Second)
	defer cancel()
	start := time.Now()
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup

	for _, a := range r.athletes {
		if a.sessionID != "" {
			wg.Go(func() { a.stream(ctx, end) })
		}
	}
	n := float64(len(r.athletes))
	var results sync.Map
	for _, o := range []struct {
		name  string
		every time.Duration
		do    func(ctx context.Context, a *athlete) error
	}{
		{OpChat, cfg.Every.Chat, func(ctx context.Context, a *athlete) error { return a.chat(ctx) }},
		{OpFeed, cfg.Every.Feed, func(ctx context.Context, a *athlete) error {
			return a.api.Do(ctx, http.MethodGet, "/v1/feed", a.token(), nil, nil, http.StatusOK)
		}},
		{OpLeaderboard, cfg.Every.Leaderboard, func(ctx context.Context, a *athlete) error {
			return a.api.Do(ctx, http.MethodGet, "/v1/leaderboards?metric=distance&period=week", a.token(), nil, nil, http.StatusOK)
		}},
		{OpAnalytics, cfg.Every.Analytics, func(ctx context.Context, a *athlete) error {
			return a.api.Do(ctx, http.MethodGet, "/v1/analytics/summary?period=week", a.token(), nil, nil, http.StatusOK)
		}},
		{OpImport, cfg.Every.Import, func(ctx context.Context, a *athlete) error { return a.importFile(ctx) }},
		{OpLogin, cfg.Every.Login, func(ctx context.Context, a *athlete) error {
			tok, err := a.api.Login(ctx, a.email, a.password)
			if err == nil {
				a.tokens.Set(tok)
			}
			return err
		}},
	} {
		if o.every <= 0 {
			continue
		}
		rate := n / o.every.Seconds()
		var next atomic.Int64
		workers := make([]loadgen.Func, min(max(int(rate*2)+1, 2), 128))
		for k := range workers {
			workers[k] = func() error {
				a := r.athletes[(next.Add(1)-1)%int64(len(r.athletes))]
				t0 := time.Now()
				err := o.do(ctx, a)
				r.slow.note(o.name, t0, time.Since(t0))
				return err
			}
		}
		wg.Go(func() { results.Store(o.name, loadgen.Open(ctx, workers, rate, cfg.Duration)) })
	}

	var profiles []Profile
	var pwg sync.WaitGroup
	if len(cfg.ProfileURLs) > 0 {
		secs := min(cfg.ProfileSeconds, max(int(cfg.Duration.Seconds()), 1))
		delay := max(cfg.Duration-time.Duration(secs)*time.Second, 0) / 2
		profiles = make([]Profile, len(cfg.ProfileURLs))
		if cfg.ProfileDir != "" {
			_ = os.MkdirAll(cfg.ProfileDir, 0o755)
		}
		for k, u := range cfg.ProfileURLs {
			pwg.Go(func() {
				if !loadgen.Sleep(ctx, delay) {
					profiles[k] = Profile{URL: u, Error: "interrupted"}
					return
				}
				r.progressf("profiling %s for %d s", u, secs)
				profiles[k] = fetchProfile(context.WithoutCancel(ctx), r.cfg.HTTPClient, u, secs, cfg.ProfileDir, 20)
			})
		}
	}
	stopProgress := r.reportProgress(ctx, start)
	wg.Wait()
	stopProgress()
	for _, a := range r.athletes {
		a.inflight.Wait()
	}
	pwg.Wait()
	results.Range(func(k, v any) bool {
		res := v.(*loadgen.Result)
		s := r.ops[k.(string)]
		s.mu.Lock()
		s.lat.Merge(res.Latency)
		s.errors += res.Errors
		s.unsent += res.Unsent
		if s.first == "" && res.FirstError != nil {
			s.first = res.FirstError.Error()
		}
		s.mu.Unlock()
		return true
	})
	return profiles
}

// reportProgress writes a line every ProgressEvery until stopped.
func (r *run) reportProgress(ctx context.Context, start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	return loadgen.Tick(ctx, r.cfg.ProgressEvery, func() {
		r.progressf("%4.0fs: %d telemetry points published, %d acknowledged; load average %s",
			time.Since(start).Seconds(), r.ptsPub.Load(), r.ptsAcked.Load(), loadAvg())
	})
}

// refreshTokens refreshes the access tokens at three quarters of their
// life, as the app does, until stopped.
func (r *run) refreshTokens(ctx context.Context) (stop func()) {
	return loadgen.Tick(ctx, time.Second, func() {
		for _, a := range r.athletes {
			refresh, due := a.tokens.Begin(time.Now())
			if !due || ctx.Err() != nil {
				continue
			}
			_ = r.time(OpRefresh, func() error {
				tok, err := a.api.Refresh(ctx, refresh)
				if err != nil {
					a.tokens.RetryAt(time.Now().Add(10 * time.Second))
					return err
				}
				a.tokens.Set(tok)
				return nil
			})
		}
	})
}

// stream publishes the live session's points until end: PointsPerMsg
// points a message, one a second, from a random moment of the first
// period on.
func (a *athlete) stream(ctx context.Context, end time.Time) {
	n := a.r.cfg.PointsPerMsg
	period := time.Duration(n) * time.Second
	next := time.Now().Add(time.Duration(mrand.Int64N(int64(period))))
	var lastT time.Time
	for next.Before(end) {
		if !loadgen.Sleep(ctx, time.Until(next)) {
			return
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		points := make([]workout.Point, n)
		for k := range points {
			t := now.Add(-time.Duration(n-1-k) * time.Second)
			if !t.After(lastT) {
				t = lastT.Add(time.Millisecond)
			}
			lastT = t
			points[k] = a.track.Next(t)
		}
		a.publish(points)
		next = next.Add(period)
		if now := time.Now(); now.Sub(next) > period {
			next = now // far behind: skip ahead rather than burst
		}
	}
}

// publish sends one telemetry message and records its PubAck.
func (a *athlete) publish(points []workout.Point) {
	r := a.r
	subject := trainingapi.TelemetrySubject(a.userID, a.sessionID)
	data, err := json.Marshal(workout.Message{Points: points})
	if err != nil {
		r.ops[OpTelemetry].record(0, err)
		return
	}
	n := uint64(len(points))
	r.ptsPub.Add(n)
	a.send(subject, data, n, points[len(points)-1].T, time.Now(), 1)
}

// send publishes a telemetry message and waits for its PubAck in the
// background. As the app does, a message whose connection dropped before
// its PubAck came (the server closes an app's connection when its token
// expires, say) is sent again once the connection is back: the points'
// key makes a second copy harmless. Its latency counts from the first
// send.
func (a *athlete) send(subject string, data []byte, n uint64, lastT, sent time.Time, attempt int) {
	r := a.r
	f, err := a.js.PublishAsync(subject, data)
	if err != nil {
		r.ops[OpTelemetry].record(0, fmt.Errorf("publish on %s: %w", subject, err))
		return
	}
	a.inflight.Go(func() {
		select {
		case ack := <-f.Ok():
			if ack.Stream != "TELEMETRY" {
				r.ops[OpTelemetry].record(0, fmt.Errorf("publish on %s: acknowledged by stream %s", subject, ack.Stream))
				return
			}
			took := time.Since(sent)
			r.ops[OpTelemetry].record(took, nil)
			r.slow.note(OpTelemetry, sent, took)
			r.ptsAcked.Add(n)
			a.ackMu.Lock()
			a.acked += int64(n)
			if lastT.After(a.lastAcked) {
				a.lastAcked = lastT
			}
			a.ackMu.Unlock()
		case err := <-f.Err():
			if attempt < 3 && errors.Is(err, nats.ErrDisconnected) && a.awaitConnected(10*time.Second) {
				r.resent.Add(1)
				a.send(subject, data, n, lastT, sent, attempt+1)
				return
			}
			r.ops[OpTelemetry].record(0, fmt.Errorf("publish on %s (attempt %d): %w", subject, attempt, err))
		}
	})
}

// awaitConnected waits up to d for the athlete's connection to be up.
func (a *athlete) awaitConnected(d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if a.nc.IsConnected() {
			return true
		}
		if a.nc.IsClosed() {
			return false
		}
	}
	return false
}

// chat posts a message to the athlete's group over NATS and, when the
// server answers with the stored message, notes its txn id.
func (a *athlete) chat(ctx context.Context) error {
	g := a.group
	txn := fmt.Sprintf("mix-%s-%d-%d", a.r.cfg.RunID, a.i, g.seq.Add(1))
	data, err := json.Marshal(socialapi.ChatPost{Text: "on my way, see you at the lake " + txn, TxnID: txn})
	if err != nil {
		return err
	}
	// As the app does: when no answer comes (the connection was
	// reconnecting, say), send the message again with its txn id; the
	// server answers with the message stored first, never a second one.
	var reply *nats.Msg
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		reply, err = a.nc.RequestWithContext(actx, socialapi.ChatInSubject(a.userID, g.id), data)
		cancel()
		if err == nil {
			break
		}
		if attempt == 3 || ctx.Err() != nil || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrNoResponders)) {
			return fmt.Errorf("chat in group %s (attempt %d): %w", g.id, attempt, err)
		}
		a.r.chatRetries.Add(1)
	}
	var answer socialapi.ChatMessage
	if err := json.Unmarshal(reply.Data, &answer); err != nil || answer.TxnID != txn {
		return fmt.Errorf("chat in group %s: answered %.300s", g.id, reply.Data)
	}
	g.mu.Lock()
	g.answered = append(g.answered, txn)
	g.mu.Unlock()
	return nil
}

// importFile uploads the athlete's next workout file.
func (a *athlete) importFile(ctx context.Context) error {
	files := a.r.files
	k := (a.i + int(a.imports.Add(1)-1)) % len(files)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", filepath.Base(a.r.cfg.ImportFiles[k]))
	if err == nil {
		_, err = part.Write(files[k])
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.api.Base+"/v1/sessions/import", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token())
	resp, err := a.api.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("POST /v1/sessions/import: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /v1/sessions/import %s: status %d: %.300s", filepath.Base(a.r.cfg.ImportFiles[k]), resp.StatusCode, data)
	}
	var res trainingapi.ImportResult
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("POST /v1/sessions/import: %w", err)
	}
	a.r.imported(res.Session.PointsStored)
	return nil
}

// loadAvg is the first three fields of /proc/loadavg ("" without it).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
