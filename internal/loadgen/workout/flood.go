package workout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/internal/loadgen"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// FloodConfig configures Flood: one hostile user publishing telemetry at
// a fixed rate, and a second user whose requests are measured, first
// without the flood (baseline), then during it.
type FloodConfig struct {
	// Kind is FloodTelemetry (default) or FloodAuth.
	Kind    string
	BaseURL string
	// WebSocketURL replaces the one GET /v1/realtime gives (optional).
	WebSocketURL string
	// Rate is the flood's messages per second (default 20,000; auth:
	// 1,000 requests per second).
	Rate float64
	// Workers are the auth flood's connections (default 256).
	Workers int
	// Duration of the baseline and of the flood, each (default 30 s).
	Duration time.Duration
	// ProbeRate is the second user's GET /v1/me per second (default 20)
	// and TelemetryRate its telemetry messages per second (default 10,
	// within its budget), each measured to its answer.
	ProbeRate, TelemetryRate float64
	// DataDir, when set, is the server's data dir (on this machine),
	// whose growth over the flood is reported.
	DataDir string
	// RunID names the accounts (default: random).
	RunID    string
	Progress io.Writer
	// Publish runs the flood (default PublishFlood, in this process). The
	// command runs it in a process of its own pinned to one core, so that
	// the flood's client does not slow the measured user's.
	Publish func(context.Context, FloodJob) (FloodResult, error)
}

// Kinds of flood.
const (
	// FloodTelemetry: a signed-in user publishes telemetry over NATS.
	FloodTelemetry = "telemetry"
	// FloodAuth: strangers register and log in over HTTP.
	FloodAuth = "auth"
)

// FloodJob is the flood: Rate requests a second for Duration. Telemetry:
// the flooding user's messages on Subject, over its own connection, each
// with a reply under its inbox. Auth: anonymous registrations and logins
// (AuthFloodMix) on BaseURL from Workers connections.
type FloodJob struct {
	Kind     string        `json:"kind"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration"`

	WebSocketURL string `json:"ws_url,omitempty"`
	Token        string `json:"token,omitempty"`
	InboxPrefix  string `json:"inbox_prefix,omitempty"`
	Subject      string `json:"subject,omitempty"`

	BaseURL     string `json:"base_url,omitempty"`
	Workers     int    `json:"workers,omitempty"`
	RunID       string `json:"run_id,omitempty"`
	VictimEmail string `json:"victim_email,omitempty"`
}

// FloodResult is how the flood's messages were answered: stored
// (telemetry: a PubAck; auth: a 2xx answer) or refused, by the code of
// the refusal (telemetry: of the JetStream API error; auth: the HTTP
// status, or "transport").
type FloodResult struct {
	Sent       uint64            `json:"sent"`
	Stored     uint64            `json:"stored"`
	Refused    map[string]uint64 `json:"refused"`
	Unanswered uint64            `json:"unanswered"`
	// Elapsed is the time the messages took to send.
	Elapsed    time.Duration `json:"elapsed"`
	FirstError string        `json:"first_error,omitempty"`
}

// FloodPhase is what the second user saw in one phase.
type FloodPhase struct {
	Me           LatencyStats `json:"get_me"`
	MeErrors     uint64       `json:"get_me_errors"`
	PubAck       LatencyStats `json:"pub_ack"`
	PubAckErrors uint64       `json:"pub_ack_errors"`
	FirstError   string       `json:"first_error,omitempty"`
}

// FloodReport is what Flood measured.
type FloodReport struct {
	Kind     string     `json:"kind"`
	RunID    string     `json:"run_id"`
	Rate     float64    `json:"rate"`
	Baseline FloodPhase `json:"baseline"`
	Flood    FloodPhase `json:"flood"`
	// The flood's messages: sent, and how they were answered.
	Sent        uint64            `json:"sent"`
	SentPerSec  float64           `json:"sent_per_s"`
	Stored      uint64            `json:"stored"`
	Refused     map[string]uint64 `json:"refused"`
	Unanswered  uint64            `json:"unanswered"`
	DataGrowth  int64             `json:"data_dir_growth_bytes"`
	NATSGrowth  int64             `json:"nats_dir_growth_bytes"`
	FloodMillis int64             `json:"flood_ms"`
}

func (c FloodConfig) withDefaults() FloodConfig {
	if c.Kind == "" {
		c.Kind = FloodTelemetry
	}
	if c.Rate <= 0 {
		c.Rate = 20_000
		if c.Kind == FloodAuth {
			c.Rate = 1000
		}
	}
	if c.Workers <= 0 {
		c.Workers = 256
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.ProbeRate <= 0 {
		c.ProbeRate = 20
	}
	if c.TelemetryRate <= 0 {
		c.TelemetryRate = 10
	}
	if c.RunID == "" {
		c.RunID = randomID()
	}
	if c.Publish == nil {
		c.Publish = PublishFlood
	}
	return c
}

// floodUser is a registered user with an open session and a NATS
// connection.
type floodUser struct {
	token, userID, sessionID, subject, inbox, wsURL string
	nc                                              *nats.Conn
}

func (r *run) floodUser(ctx context.Context, i int) (*floodUser, error) {
	tok, err := r.api.Register(ctx, email(r.cfg.RunID, i), password(r.cfg.RunID, i))
	if statusOf(err) == http.StatusConflict {
		tok, err = r.api.Login(ctx, email(r.cfg.RunID, i), password(r.cfg.RunID, i))
	}
	if err != nil {
		return nil, err
	}
	s, err := r.api.startSession(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	info, err := r.api.realtime(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	url := info.WebSocketURL
	if r.cfg.WebSocketURL != "" {
		url = r.cfg.WebSocketURL
	}
	return &floodUser{token: tok.AccessToken, userID: tok.UserID, sessionID: s.ID, wsURL: url,
		subject: trainingapi.TelemetrySubject(tok.UserID, s.ID), inbox: info.InboxPrefix}, nil
}

// connect opens the user's NATS connection.
func (u *floodUser) connect() error {
	nc, err := nats.Connect(u.wsURL, nats.Token(u.token), nats.CustomInboxPrefix(u.inbox),
		nats.Timeout(10*time.Second), nats.ReconnectBufSize(64<<20))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", u.wsURL, err)
	}
	u.nc = nc
	return nil
}

// Flood runs the flood scenario (docs/benchmarks.md, "Hostile users").
func Flood(ctx context.Context, cfg FloodConfig) (FloodReport, error) {
	cfg = cfg.withDefaults()
	if cfg.Kind != FloodTelemetry && cfg.Kind != FloodAuth {
		return FloodReport{}, fmt.Errorf("loadgen: no flood of kind %q", cfg.Kind)
	}
	rep := FloodReport{Kind: cfg.Kind, RunID: cfg.RunID, Rate: cfg.Rate, Refused: map[string]uint64{}}
	r := &run{cfg: Config{RunID: cfg.RunID, WebSocketURL: cfg.WebSocketURL, Progress: cfg.Progress},
		api: newHTTPAPI(cfg.BaseURL, &http.Client{Timeout: 30 * time.Second})}
	victim, err := r.floodUser(ctx, 0)
	if err == nil {
		err = victim.connect()
	}
	if err != nil {
		return rep, fmt.Errorf("the measured user: %w", err)
	}
	defer victim.nc.Close()
	job := FloodJob{Kind: cfg.Kind, Rate: cfg.Rate, Duration: cfg.Duration}
	if cfg.Kind == FloodTelemetry {
		flooder, err := r.floodUser(ctx, 1)
		if err != nil {
			return rep, fmt.Errorf("the flooding user: %w", err)
		}
		job.WebSocketURL, job.Token, job.InboxPrefix, job.Subject = flooder.wsURL, flooder.token, flooder.inbox, flooder.subject
	} else {
		job.BaseURL, job.Workers, job.RunID, job.VictimEmail = r.api.Base, cfg.Workers, cfg.RunID, email(cfg.RunID, 0)
	}

	r.progressf("baseline: %s of GET /v1/me at %g/s and telemetry at %g/s, alone\n", cfg.Duration, cfg.ProbeRate, cfg.TelemetryRate)
	rep.Baseline, err = measure(ctx, r.api, victim, cfg, cfg.Duration)
	if err != nil {
		return rep, err
	}

	dataBefore, natsBefore := dirSize(cfg.DataDir), dirSize(filepath.Join(cfg.DataDir, "nats"))
	type outcome struct {
		res FloodResult
		err error
	}
	floodDone := make(chan outcome, 1)
	go func() {
		res, err := cfg.Publish(ctx, job)
		floodDone <- outcome{res, err}
	}()
	r.progressf("flood (%s): %g a second for %s, measuring the other user\n", cfg.Kind, cfg.Rate, cfg.Duration)
	t0 := time.Now()
	rep.Flood, err = measure(ctx, r.api, victim, cfg, cfg.Duration)
	flood := <-floodDone
	rep.FloodMillis = time.Since(t0).Milliseconds()
	if err != nil {
		return rep, err
	}
	if flood.err != nil {
		return rep, fmt.Errorf("the flood: %w", flood.err)
	}
	if flood.res.FirstError != "" {
		rep.Flood.FirstError = "flood: " + flood.res.FirstError
	}
	rep.Sent, rep.Stored, rep.Refused, rep.Unanswered = flood.res.Sent, flood.res.Stored, flood.res.Refused, flood.res.Unanswered
	if flood.res.Elapsed > 0 {
		rep.SentPerSec = float64(rep.Sent) / flood.res.Elapsed.Seconds()
	}
	if cfg.DataDir != "" {
		rep.DataGrowth = dirSize(cfg.DataDir) - dataBefore
		rep.NATSGrowth = dirSize(filepath.Join(cfg.DataDir, "nats")) - natsBefore
	}
	return rep, nil
}

// PublishFlood runs job.
func PublishFlood(ctx context.Context, job FloodJob) (FloodResult, error) {
	switch job.Kind {
	case FloodTelemetry, "":
		return floodTelemetry(ctx, job)
	case FloodAuth:
		return floodAuth(ctx, job)
	}
	return FloodResult{}, fmt.Errorf("loadgen: no flood of kind %q", job.Kind)
}

// floodTelemetry connects as the flooding user and publishes job.Rate
// messages a second for job.Duration, each a point a millisecond after
// the last, with its own reply subject; it then waits (up to 10 s) for
// the last answers and counts them: stored (a PubAck) or refused, by the
// code of the JetStream API error.
func floodTelemetry(ctx context.Context, job FloodJob) (FloodResult, error) {
	res := FloodResult{Refused: map[string]uint64{}}
	nc, err := nats.Connect(job.WebSocketURL, nats.Token(job.Token), nats.CustomInboxPrefix(job.InboxPrefix),
		nats.Timeout(10*time.Second), nats.ReconnectBufSize(64<<20))
	if err != nil {
		return res, fmt.Errorf("connect to %s: %w", job.WebSocketURL, err)
	}
	defer nc.Close()
	var answered atomic.Uint64
	var mu sync.Mutex
	stored, refused := uint64(0), map[string]uint64{}
	sub, err := nc.Subscribe(job.InboxPrefix+".flood.*", func(m *nats.Msg) {
		answered.Add(1)
		code := refusalCode(m.Data)
		mu.Lock()
		if code == "" {
			stored++
		} else {
			refused[code]++
		}
		mu.Unlock()
	})
	if err != nil {
		return res, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := nc.Flush(); err != nil {
		return res, err
	}
	var sent atomic.Uint64
	base := time.Now()
	out := loadgen.Open(ctx, []loadgen.Func{func() error {
		n := sent.Add(1)
		t := base.Add(time.Duration(n) * time.Millisecond).UTC().Format(time.RFC3339Nano)
		return nc.PublishMsg(&nats.Msg{Subject: job.Subject, Reply: job.InboxPrefix + ".flood." + strconv.FormatUint(n, 10),
			Data: []byte(`{"points":[{"t":"` + t + `","lat":52.5,"lon":13.4}]}`)})
	}}, job.Rate, job.Duration)
	if out.FirstError != nil {
		res.FirstError = out.FirstError.Error()
	}
	res.Elapsed = out.Elapsed
	_ = nc.FlushTimeout(30 * time.Second)
	for deadline := time.Now().Add(10 * time.Second); answered.Load() < sent.Load() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	res.Stored, res.Refused = stored, maps.Clone(refused)
	mu.Unlock()
	res.Sent = sent.Load()
	res.Unanswered = res.Sent - min(res.Sent, answered.Load())
	return res, nil
}

// AuthFloodMix is what the strangers of an auth flood send, in turn:
// registrations of new accounts with strong passwords (a strength
// estimate and a hash each), registrations with long weak passwords (the
// strength estimate only), logins of unknown emails (a hash, against
// the dummy), and wrong passwords for the measured user's account.
var AuthFloodMix = []string{"register", "register-weak", "login-unknown", "login-victim"}

// floodAuth sends job.Rate anonymous requests a second for job.Duration
// from job.Workers connections, in the turns of AuthFloodMix, and counts
// the answers by status.
func floodAuth(ctx context.Context, job FloodJob) (FloodResult, error) {
	res := FloodResult{Refused: map[string]uint64{}}
	workers := max(1, job.Workers)
	var seq atomic.Uint64
	var mu sync.Mutex
	stored, refused := uint64(0), map[string]uint64{}
	weak := strings.Repeat("password", 32)
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	fns := make([]loadgen.Func, workers)
	for w := range fns {
		c := newHTTPAPI(job.BaseURL, &http.Client{Timeout: 30 * time.Second, Transport: tr})
		fns[w] = func() error {
			n := seq.Add(1)
			id := fmt.Sprintf("%s-anon-%d", job.RunID, n)
			var err error
			switch AuthFloodMix[n%uint64(len(AuthFloodMix))] {
			case "register":
				_, err = c.Register(ctx, "loadgen-"+id+"@example.com", password(id, 0))
			case "register-weak":
				_, err = c.Register(ctx, "loadgen-"+id+"@example.com", weak)
			case "login-unknown":
				_, err = c.Login(ctx, "loadgen-"+id+"@example.com", password(id, 0))
			case "login-victim":
				_, err = c.Login(ctx, job.VictimEmail, password(id, 0))
			}
			code := ""
			if err != nil {
				code = "transport"
				if st := statusOf(err); st != 0 {
					code = strconv.Itoa(st)
				}
			}
			mu.Lock()
			if code == "" {
				stored++
			} else {
				refused[code]++
			}
			mu.Unlock()
			return nil // every answer is an outcome; the counts say which
		}
	}
	out := loadgen.Open(ctx, fns, job.Rate, job.Duration)
	res.Elapsed = out.Elapsed
	mu.Lock()
	defer mu.Unlock()
	res.Sent = seq.Load()
	res.Stored, res.Refused = stored, maps.Clone(refused)
	res.Unanswered = out.Unsent
	return res, nil
}

// measure drives the measured user for d: GET /v1/me and telemetry
// publishes at fixed rates, each timed from its scheduled moment to its
// answer.
func measure(ctx context.Context, api *httpAPI, u *floodUser, cfg FloodConfig, d time.Duration) (FloodPhase, error) {
	js, err := jetstream.New(u.nc)
	if err != nil {
		return FloodPhase{}, err
	}
	var meWorkers []loadgen.Func
	for range 4 {
		c := newHTTPAPI(api.Base, &http.Client{Timeout: 30 * time.Second})
		meWorkers = append(meWorkers, func() error {
			return c.Do(ctx, http.MethodGet, "/v1/me", u.token, nil, nil, http.StatusOK)
		})
	}
	var seq atomic.Int64
	start := time.Now()
	var pubWorkers []loadgen.Func
	for range 4 {
		pubWorkers = append(pubWorkers, func() error {
			n := seq.Add(1)
			t := start.Add(time.Duration(n) * 100 * time.Millisecond).UTC().Format(time.RFC3339Nano)
			pctx, cancel := context.WithTimeout(ctx, AckTimeout)
			defer cancel()
			_, err := js.Publish(pctx, u.subject, []byte(`{"points":[{"t":"`+t+`","lat":52.5,"lon":13.4}]}`))
			return err
		})
	}
	var me, pub *loadgen.Result
	var wg sync.WaitGroup
	wg.Go(func() { me = loadgen.Open(ctx, meWorkers, cfg.ProbeRate, d) })
	wg.Go(func() { pub = loadgen.Open(ctx, pubWorkers, cfg.TelemetryRate, d) })
	wg.Wait()
	p := FloodPhase{Me: latencyStats(me.Latency), MeErrors: me.Errors + me.Unsent, PubAck: latencyStats(pub.Latency),
		PubAckErrors: pub.Errors + pub.Unsent}
	if err := errors.Join(me.FirstError, pub.FirstError); err != nil {
		p.FirstError = err.Error()
	}
	return p, nil
}

// refusalCode is the code of a JetStream API error answer ("" for a
// PubAck).
func refusalCode(data []byte) string {
	var a struct {
		Error *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &a) != nil {
		return "unreadable"
	}
	if a.Error == nil {
		return ""
	}
	return strconv.Itoa(a.Error.Code)
}

// dirSize is the bytes of the files under dir (0 without one).
func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// WriteText writes the report for people.
func (r FloodReport) WriteText(w io.Writer) error {
	line := func(name string, p FloodPhase) string {
		return fmt.Sprintf("%-9s GET /v1/me p50 %s p99 %s (%d, %d errors)   PubAck p50 %s p99 %s (%d, %d errors)%s\n", name,
			loadgen.FormatMs(p.Me.P50Ms), loadgen.FormatMs(p.Me.P99Ms), p.Me.Count, p.MeErrors, loadgen.FormatMs(p.PubAck.P50Ms), loadgen.FormatMs(p.PubAck.P99Ms),
			p.PubAck.Count, p.PubAckErrors, map[bool]string{true: "   first error: " + p.FirstError}[p.FirstError != ""])
	}
	_, err := fmt.Fprintf(w, "%s flood of %g a second (run %s)\n%s%sflood: %d sent (%.0f/s), %d stored or answered 2xx, refused %v, %d unanswered\n"+
		"data dir grew %d bytes (NATS %d) during the flood\n",
		r.Kind, r.Rate, r.RunID, line("alone", r.Baseline), line("flooded", r.Flood), r.Sent, r.SentPerSec, r.Stored, r.Refused,
		r.Unanswered, r.DataGrowth, r.NATSGrowth)
	return err
}
