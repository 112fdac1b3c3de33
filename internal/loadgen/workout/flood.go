package workout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
)

// FloodConfig configures Flood: one hostile user publishing telemetry at
// a fixed rate, and a second user whose requests are measured, first
// without the flood (baseline), then during it.
type FloodConfig struct {
	BaseURL string
	// WebSocketURL replaces the one GET /v1/realtime gives (optional).
	WebSocketURL string
	// Rate is the flood's messages per second (default 20,000).
	Rate float64
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
	if c.Rate <= 0 {
		c.Rate = 20_000
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
	return c
}

// floodUser is a registered user with an open session and a NATS
// connection.
type floodUser struct {
	token, userID, sessionID, subject, inbox string
	nc                                       *nats.Conn
}

func (r *run) floodUser(ctx context.Context, i int) (*floodUser, error) {
	tok, err := r.api.register(ctx, email(r.cfg.RunID, i), password(r.cfg.RunID, i))
	if statusOf(err) == http.StatusConflict {
		tok, err = r.api.login(ctx, email(r.cfg.RunID, i), password(r.cfg.RunID, i))
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
	nc, err := nats.Connect(url, nats.Token(tok.AccessToken), nats.CustomInboxPrefix(info.InboxPrefix),
		nats.Timeout(10*time.Second), nats.ReconnectBufSize(64<<20))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	return &floodUser{token: tok.AccessToken, userID: tok.UserID, sessionID: s.ID,
		subject: subjectTelemetry + tok.UserID + "." + s.ID, inbox: info.InboxPrefix, nc: nc}, nil
}

// Flood runs the flood scenario (docs/benchmarks.md, "Hostile users").
func Flood(ctx context.Context, cfg FloodConfig) (FloodReport, error) {
	cfg = cfg.withDefaults()
	rep := FloodReport{RunID: cfg.RunID, Rate: cfg.Rate, Refused: map[string]uint64{}}
	r := &run{cfg: Config{RunID: cfg.RunID, WebSocketURL: cfg.WebSocketURL, Progress: cfg.Progress},
		api: &httpAPI{base: strings.TrimRight(cfg.BaseURL, "/"), client: &http.Client{Timeout: 30 * time.Second}}}
	victim, err := r.floodUser(ctx, 0)
	if err != nil {
		return rep, fmt.Errorf("the measured user: %w", err)
	}
	defer victim.nc.Close()
	flooder, err := r.floodUser(ctx, 1)
	if err != nil {
		return rep, fmt.Errorf("the flooding user: %w", err)
	}
	defer flooder.nc.Close()

	r.progressf("baseline: %s of GET /v1/me at %g/s and telemetry at %g/s, alone\n", cfg.Duration, cfg.ProbeRate, cfg.TelemetryRate)
	rep.Baseline, err = measure(ctx, r.api, victim, cfg, cfg.Duration)
	if err != nil {
		return rep, err
	}

	dataBefore, natsBefore := dirSize(cfg.DataDir), dirSize(filepath.Join(cfg.DataDir, "nats"))
	var answered atomic.Uint64
	var mu sync.Mutex
	refused := map[string]uint64{}
	stored := uint64(0)
	sub, err := flooder.nc.Subscribe(flooder.inbox+".flood.*", func(m *nats.Msg) {
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
		return rep, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	var sent atomic.Uint64
	base := time.Now()
	floodDone := make(chan *loadgen.Result, 1)
	go func() {
		floodDone <- loadgen.Open(ctx, []loadgen.Func{func() error {
			n := sent.Add(1)
			t := base.Add(time.Duration(n) * time.Millisecond).UTC().Format(time.RFC3339Nano)
			data := `{"points":[{"t":"` + t + `","lat":52.5,"lon":13.4}]}`
			return flooder.nc.PublishMsg(&nats.Msg{Subject: flooder.subject, Reply: flooder.inbox + ".flood." + strconv.FormatUint(n, 10),
				Data: []byte(data)})
		}}, cfg.Rate, cfg.Duration)
	}()
	r.progressf("flood: %g messages/s for %s, measuring the other user\n", cfg.Rate, cfg.Duration)
	t0 := time.Now()
	rep.Flood, err = measure(ctx, r.api, victim, cfg, cfg.Duration)
	floodRes := <-floodDone
	rep.FloodMillis = time.Since(t0).Milliseconds()
	if err != nil {
		return rep, err
	}
	if floodRes.FirstError != nil {
		rep.Flood.FirstError = "flood: " + floodRes.FirstError.Error()
	}
	_ = flooder.nc.FlushTimeout(30 * time.Second)
	// The last answers.
	for deadline := time.Now().Add(10 * time.Second); answered.Load() < sent.Load() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	rep.Sent = sent.Load()
	rep.SentPerSec = float64(rep.Sent) / floodRes.Elapsed.Seconds()
	mu.Lock()
	rep.Stored, rep.Refused = stored, refused
	mu.Unlock()
	rep.Unanswered = rep.Sent - min(rep.Sent, answered.Load())
	if cfg.DataDir != "" {
		rep.DataGrowth = dirSize(cfg.DataDir) - dataBefore
		rep.NATSGrowth = dirSize(filepath.Join(cfg.DataDir, "nats")) - natsBefore
	}
	return rep, nil
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
		c := &httpAPI{base: api.base, client: &http.Client{Timeout: 30 * time.Second}}
		meWorkers = append(meWorkers, func() error {
			return c.do(ctx, http.MethodGet, "/v1/me", u.token, nil, nil, http.StatusOK)
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
			msStr(p.Me.P50Ms), msStr(p.Me.P99Ms), p.Me.Count, p.MeErrors, msStr(p.PubAck.P50Ms), msStr(p.PubAck.P99Ms),
			p.PubAck.Count, p.PubAckErrors, map[bool]string{true: "   first error: " + p.FirstError}[p.FirstError != ""])
	}
	_, err := fmt.Fprintf(w, "flood of %g messages/s (run %s)\n%s%sflood: %d sent (%.0f/s), %d stored, refused %v, %d unanswered\n"+
		"data dir grew %d bytes (NATS %d) during the flood\n",
		r.Rate, r.RunID, line("alone", r.Baseline), line("flooded", r.Flood), r.Sent, r.SentPerSec, r.Stored, r.Refused,
		r.Unanswered, r.DataGrowth, r.NATSGrowth)
	return err
}
