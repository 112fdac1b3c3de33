// Package groupchat is `athlos loadgen chat`: one group of many members,
// some of them online over NATS WebSocket, and messages posted over NATS
// (chat.in.<sender>.<group>) at a fixed rate; it measures, per message,
// the time from the send to its answer, to the first and to the last
// online member that received it on chat.<group>, and counts deliveries
// that never came. Everything goes through the public HTTP API and NATS
// WebSocket, as the app does.
package groupchat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/app"
	clientapi "github.com/athlos/athlos/modules/client/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
)

// Config is one run.
type Config struct {
	// BaseURL is the HTTP front; WebSocketURL, when set, replaces the
	// NATS URL GET /v1/realtime gives.
	BaseURL, WebSocketURL string
	// Members of the group (the first is its owner), Online of them
	// connected over NATS WebSocket (at most Members).
	Members, Online int
	// Messages are sent at Rate a second, each by the next online member
	// in turn (so no sender passes its own budget).
	Messages int
	Rate     float64
	// SetupConcurrency bounds the registrations, joins and connections
	// made at once.
	SetupConcurrency int
	// Settle is how long to wait for the last deliveries after the last
	// send.
	Settle time.Duration
	// RunID names the accounts loadgen-chat-<run id>-<i>@example.com
	// ("": random); a run id used before logs in to the same accounts.
	RunID string
	// Progress, when set, receives a line per phase.
	Progress io.Writer
}

// Latency summarises a histogram in milliseconds.
type Latency struct {
	Count uint64  `json:"count"`
	P50Ms float64 `json:"p50_ms"`
	P90Ms float64 `json:"p90_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

func latency(h *loadgen.Histogram) Latency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{Count: h.Count(), P50Ms: ms(h.Quantile(0.5)), P90Ms: ms(h.Quantile(0.9)), P99Ms: ms(h.Quantile(0.99)), MaxMs: ms(h.Max())}
}

// Report is what a run measured.
type Report struct {
	RunID   string  `json:"run_id"`
	Group   string  `json:"group"`
	Members int     `json:"members"`
	Online  int     `json:"online"`
	SetupS  float64 `json:"setup_s"`
	Rate    float64 `json:"rate"`
	// Sent messages; Answered with the stored message; Refused.
	Sent     int `json:"sent"`
	Answered int `json:"answered"`
	Refused  int `json:"refused"`
	// Deliveries to online members that came, and that never came
	// (Sent × Online − Delivered).
	Delivered uint64 `json:"delivered"`
	Missing   uint64 `json:"missing"`
	// PermissionErrors the server sent the online members (should be 0).
	PermissionErrors int64 `json:"permission_errors"`
	// Latencies of the answered messages: send → answer, send → first
	// online member, send → last online member (of those that got it
	// all).
	Answer Latency `json:"send_to_answer"`
	First  Latency `json:"send_to_first_member"`
	Last   Latency `json:"send_to_last_member"`
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s\n", r.RunID)
	fmt.Fprintf(tw, "group\t%s: %d members, %d online over NATS WebSocket\n", r.Group, r.Members, r.Online)
	fmt.Fprintf(tw, "setup\t%.1f s\n", r.SetupS)
	fmt.Fprintf(tw, "sent\t%d messages at %g/s over NATS (%d answered, %d refused)\n", r.Sent, r.Rate, r.Answered, r.Refused)
	fmt.Fprintf(tw, "delivered\t%d to online members, %d never came; %d permission errors\n", r.Delivered, r.Missing, r.PermissionErrors)
	_ = tw.Flush()
	b.WriteString("\nlatency                count      p50      p90      p99      max\n")
	for _, l := range []struct {
		name string
		l    Latency
	}{{"send → answer", r.Answer}, {"send → first member", r.First}, {"send → last member", r.Last}} {
		fmt.Fprintf(&b, "%-20s %7d %7.2fms %7.2fms %7.2fms %7.2fms\n", l.name, l.l.Count, l.l.P50Ms, l.l.P90Ms, l.l.P99Ms, l.l.MaxMs)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// member is one account of the run.
type member struct {
	i     int
	tok   clientapi.TokenResponse
	nc    *nats.Conn
	inbox string
}

// sent is what one message's deliveries were.
type sent struct {
	at          time.Time
	first, last atomic.Int64 // unix ns of the first and last delivery
	n           atomic.Int32
}

type run struct {
	cfg    Config
	api    *app.Client
	group  string
	msgs   []*sent
	perms  atomic.Int64
	byTxn  sync.Map // txn id → *sent
	warmup chan struct{}
	warmed atomic.Int32
}

// Run runs one load test.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Members < 2 || cfg.Online < 1 || cfg.Online > cfg.Members || cfg.Messages < 1 || cfg.Rate <= 0 {
		return nil, errors.New("groupchat: want at least 2 members, 1 to members online, 1 message and a rate above 0")
	}
	if cfg.SetupConcurrency < 1 {
		cfg.SetupConcurrency = 8
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 10 * time.Second
	}
	if cfg.RunID == "" {
		cfg.RunID = fmt.Sprintf("%08x", rand.Uint32())
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	r := &run{cfg: cfg, api: app.New(cfg.BaseURL, &http.Client{Timeout: 30 * time.Second}), warmup: make(chan struct{})}
	rep := &Report{RunID: cfg.RunID, Members: cfg.Members, Online: cfg.Online, Rate: cfg.Rate}
	start := time.Now()

	members := make([]*member, cfg.Members)
	if err := r.each(ctx, len(members), func(i int) error {
		m, err := r.account(ctx, i)
		members[i] = m
		return err
	}); err != nil {
		return rep, err
	}
	r.progress("%d accounts ready", len(members))
	var g socialapi.Group
	if err := r.api.Do(ctx, http.MethodPost, "/v1/groups", members[0].tok.AccessToken,
		socialapi.GroupCreate{Name: "loadgen chat " + cfg.RunID, Visibility: "public", MemberLimit: max(cfg.Members, 2)},
		&g, http.StatusCreated); err != nil {
		return rep, err
	}
	r.group, rep.Group = g.ID, g.ID
	if err := r.each(ctx, len(members)-1, func(i int) error {
		return r.api.Do(ctx, http.MethodPost, "/v1/groups/"+r.group+"/join", members[i+1].tok.AccessToken, nil, nil, http.StatusOK)
	}); err != nil {
		return rep, err
	}
	r.progress("%d members joined the group", len(members))
	// Each join closes the joiner's connections (its grants changed):
	// let those go by before connecting.
	time.Sleep(2 * time.Second)
	online := members[:cfg.Online]
	if err := r.each(ctx, len(online), func(i int) error { return r.connect(ctx, online[i]) }); err != nil {
		return rep, err
	}
	defer func() {
		for _, m := range online {
			if m.nc != nil {
				m.nc.Close()
			}
		}
	}()
	r.progress("%d members online", len(online))

	// Warm up: one message every online member receives.
	if _, err := r.send(online[0], "warmup-"+cfg.RunID, "warm-up"); err != nil {
		return rep, err
	}
	select {
	case <-r.warmup:
	case <-time.After(15 * time.Second):
		return rep, fmt.Errorf("groupchat: %d of %d online members received the warm-up message", r.warmed.Load(), len(online))
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	rep.SetupS = time.Since(start).Seconds()
	r.progress("warm-up delivered to all; sending %d messages at %g/s", cfg.Messages, cfg.Rate)

	var answer loadgen.Histogram
	var mu sync.Mutex
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	next := time.Now()
	r.msgs = make([]*sent, 0, cfg.Messages)
	for i := 0; i < cfg.Messages && ctx.Err() == nil; i++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		from := online[i%len(online)]
		txn := fmt.Sprintf("lg-%s-%d", cfg.RunID, i)
		s := &sent{}
		r.byTxn.Store(txn, s)
		r.msgs = append(r.msgs, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.at = time.Now()
			took, err := r.send(from, txn, fmt.Sprintf("message %d of the load test", i))
			mu.Lock()
			defer mu.Unlock()
			rep.Sent++
			if err != nil {
				rep.Refused++
				return
			}
			rep.Answered++
			answer.Record(took)
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(cfg.Settle)
	for time.Now().Before(deadline) && r.delivered() < uint64(len(r.msgs)*len(online)) {
		time.Sleep(50 * time.Millisecond)
	}
	var first, last loadgen.Histogram
	for _, s := range r.msgs {
		n := s.n.Load()
		if n == 0 {
			continue
		}
		first.Record(time.Duration(s.first.Load() - s.at.UnixNano()))
		if int(n) == len(online) {
			last.Record(time.Duration(s.last.Load() - s.at.UnixNano()))
		}
	}
	rep.Delivered = r.delivered()
	rep.Missing = uint64(len(r.msgs)*len(online)) - rep.Delivered
	rep.PermissionErrors = r.perms.Load()
	rep.Answer, rep.First, rep.Last = latency(&answer), latency(&first), latency(&last)
	return rep, nil
}

func (r *run) delivered() uint64 {
	var n uint64
	for _, s := range r.msgs {
		n += uint64(s.n.Load())
	}
	return n
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "loadgen chat: "+format+"\n", args...)
	}
}

// each runs fn(0..n-1), SetupConcurrency at a time; the first error
// stops it.
func (r *run) each(ctx context.Context, n int, fn func(i int) error) error {
	sem := make(chan struct{}, r.cfg.SetupConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// account registers member i, or logs in when a run with this id made it.
func (r *run) account(ctx context.Context, i int) (*member, error) {
	email := fmt.Sprintf("loadgen-chat-%s-%d@example.com", r.cfg.RunID, i)
	const password = "loadgen chat password"
	m := &member{i: i}
	var err error
	m.tok, err = r.api.SignUp(ctx, email, password)
	return m, err
}

// connect connects m over NATS WebSocket as GET /v1/realtime says and
// follows the group's chat.
func (r *run) connect(ctx context.Context, m *member) error {
	var info clientapi.RealtimeInfo
	if err := r.api.Do(ctx, http.MethodGet, "/v1/realtime", m.tok.AccessToken, nil, &info, http.StatusOK); err != nil {
		return err
	}
	url := app.NATSServers(info, r.cfg.WebSocketURL)
	nc, err := nats.Connect(url, nats.DontRandomize(), nats.Name(fmt.Sprintf("athlos-loadgen-chat %s/%d", r.cfg.RunID, m.i)),
		nats.Token(m.tok.AccessToken), nats.CustomInboxPrefix(info.InboxPrefix), nats.Timeout(10*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				r.perms.Add(1)
			}
		}))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", url, err)
	}
	m.nc, m.inbox = nc, info.InboxPrefix
	_, err = nc.Subscribe(socialapi.ChatSubject(r.group), r.received)
	if err == nil {
		err = nc.Flush()
	}
	return err
}

// received records one delivery.
func (r *run) received(msg *nats.Msg) {
	now := time.Now().UnixNano()
	var ev struct {
		Message struct {
			TxnID string `json:"txn_id"`
		} `json:"message"`
	}
	if json.Unmarshal(msg.Data, &ev) != nil {
		return
	}
	if strings.HasPrefix(ev.Message.TxnID, "warmup-") {
		if int(r.warmed.Add(1)) == r.cfg.Online {
			close(r.warmup)
		}
		return
	}
	v, ok := r.byTxn.Load(ev.Message.TxnID)
	if !ok {
		return
	}
	s := v.(*sent)
	s.first.CompareAndSwap(0, now)
	for {
		last := s.last.Load()
		if now <= last || s.last.CompareAndSwap(last, now) {
			break
		}
	}
	s.n.Add(1)
}

// send posts text from m over NATS: how long the answer took.
func (r *run) send(m *member, txn, text string) (time.Duration, error) {
	data, _ := json.Marshal(socialapi.ChatPost{Text: text, TxnID: txn})
	start := time.Now()
	reply, err := m.nc.Request(socialapi.ChatInSubject(m.tok.UserID, r.group), data, 10*time.Second)
	if err != nil {
		return 0, err
	}
	took := time.Since(start)
	if bytes.Contains(reply.Data, []byte(`"error"`)) {
		return 0, fmt.Errorf("refused: %s", reply.Data)
	}
	return took, nil
}
