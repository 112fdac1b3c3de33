package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/loadgen"
	clientapi "github.com/athlos/athlos/modules/client/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/storage/pgmanaged"
	"github.com/athlos/athlos/storage/pgtest"
)

// clusterModules is the module spread of deploy/local-cluster.sh: every
// module on two of the three nodes, so the loss of any one leaves each
// running.
var clusterModules = []string{
	"gateway,client,social,training",
	"gateway,client,training,gamification,promo",
	"gateway,social,gamification,promo",
}

// clusterVolume is the load and the phases of TestClusterSurvivesNodeLoss:
// small in the suite, ATHLOS_CLUSTER_FULL=1 for the figures in
// docs/benchmarks.md (PostgreSQL stopped for 30 s).
type clusterVolume struct {
	phones                          int
	steady, down, rejoined, recover time.Duration
	pgDown                          time.Duration
}

func clusterLoad() clusterVolume {
	if os.Getenv("ATHLOS_CLUSTER_FULL") != "" {
		v := clusterVolume{phones: 60, steady: 10 * time.Second, down: 30 * time.Second, rejoined: 10 * time.Second,
			recover: 10 * time.Second, pgDown: 30 * time.Second}
		if n, err := strconv.Atoi(os.Getenv("ATHLOS_CLUSTER_PHONES")); err == nil && n > 0 {
			v.phones = n
		}
		return v
	}
	v := clusterVolume{phones: 6, steady: 2 * time.Second, down: 6 * time.Second, rejoined: 2 * time.Second,
		recover: 2 * time.Second, pgDown: 5 * time.Second}
	if d, err := time.ParseDuration(os.Getenv("ATHLOS_CLUSTER_DOWN")); err == nil && d > 0 {
		v.down = d
	}
	return v
}

// clusterNode is one `athlos serve` node of a test cluster.
type clusterNode struct {
	i                   int
	args                []string
	base                string // HTTP
	natsURL, wsHostPort string
	p                   *proc
}

// phaseStats counts what the clients saw in each phase of the test, by
// kind of request ("http n1", "telemetry", "chat"): answers, failures (by
// reason) and latencies.
type phaseStats struct {
	mu     sync.Mutex
	phase  string
	order  []string
	began  map[string]time.Time
	counts map[string]map[string]*opStats
}

type opStats struct {
	ok       int
	fails    map[string]int
	latency  loadgen.Histogram
	lastFail time.Time // when the last failed request of the phase was sent
}

func newPhaseStats() *phaseStats {
	return &phaseStats{counts: map[string]map[string]*opStats{}, began: map[string]time.Time{}}
}

func (s *phaseStats) set(phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase = phase
	s.order = append(s.order, phase)
	s.began[phase] = time.Now()
}

func (s *phaseStats) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phase
}

// record counts one request of kind sent in phase: fail is "" when it
// succeeded; took is how long its answer (a refusal too) took, 0 when none
// came.
func (s *phaseStats) record(phase, kind, fail string, sent time.Time, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts[phase] == nil {
		s.counts[phase] = map[string]*opStats{}
	}
	o := s.counts[phase][kind]
	if o == nil {
		o = &opStats{fails: map[string]int{}}
		s.counts[phase][kind] = o
	}
	if took > 0 {
		o.latency.Record(took)
	}
	if fail != "" {
		o.fails[fail]++
		if sent.After(o.lastFail) {
			o.lastFail = sent
		}
		return
	}
	o.ok++
}

// table is the figures, one line per phase and kind.
func (s *phaseStats) table() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString("| phase | requests | answered | errors | error rate | p50 | p99 | max | failures |\n|---|---|---|---|---|---|---|---|---|\n")
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	for _, ph := range s.order {
		kinds := make([]string, 0, len(s.counts[ph]))
		for k := range s.counts[ph] {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			o := s.counts[ph][k]
			failed := 0
			var why []string
			for f, n := range o.fails {
				failed += n
				why = append(why, fmt.Sprintf("%s ×%d", f, n))
			}
			sort.Strings(why)
			if failed > 0 {
				why = append(why, fmt.Sprintf("(last %.1f s into the phase)", o.lastFail.Sub(s.began[ph]).Seconds()))
			}
			total := o.ok + failed
			fmt.Fprintf(&b, "| %s | %s %d | %d | %d | %.1f %% | %s | %s | %s | %s |\n", ph, k, total, o.ok, failed,
				100*float64(failed)/float64(max(total, 1)), ms(o.latency.Quantile(0.5)), ms(o.latency.Quantile(0.99)),
				ms(o.latency.Max()), strings.Join(why, ", "))
		}
	}
	return b.String()
}

// fails is how many requests of the kinds that contain kind failed in
// phase for reason.
func (s *phaseStats) fails(phase, kind, reason string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, o := range s.counts[phase] {
		if strings.Contains(k, kind) {
			n += o.fails[reason]
		}
	}
	return n
}

// clusterPhone is an app on the cluster: an account, an open session, a
// NATS WebSocket connection given every node's URL (its own node's first),
// streaming telemetry through JetStream and posting to a group's chat,
// recording what the server acknowledged.
type clusterPhone struct {
	i                        int
	userID, token, sessionID string
	started                  time.Time
	nc                       *nats.Conn
	js                       jetstream.JetStream

	mu        sync.Mutex
	seq       int
	sent      map[int64]bool // point times (µs) of every message sent
	acked     map[int64]bool // those of acknowledged messages
	chatSent  map[string]bool
	chatAcked map[string]bool
	chatSeq   int
	gotFinal  atomic.Bool // the chat's last message arrived on chat.<group>
}

// publish sends one message of two points, 200 ms apart in the phone's
// clock: over NATS through JetStream with a message id (as the app does),
// or, when base is set, with POST /v1/sessions/{id}/points on that node.
func (ph *clusterPhone) publish(ctx context.Context, stats *phaseStats, base string) {
	ph.mu.Lock()
	var pts []map[string]any
	var keys []int64
	for range 2 {
		at := ph.started.Add(-9 * time.Minute).Add(time.Duration(ph.seq) * 200 * time.Millisecond)
		pts = append(pts, map[string]any{"t": at.UTC().Format(time.RFC3339Nano), "lat": 52.5 + float64(ph.seq)*0.6/111_195,
			"lon": 13.4, "hr": 140 + ph.seq%20})
		keys = append(keys, at.UnixMicro())
		ph.sent[at.UnixMicro()] = true
		ph.seq++
	}
	id := fmt.Sprintf("%s-%d", ph.sessionID, ph.seq)
	ph.mu.Unlock()
	body := map[string]any{"points": pts}
	phase := stats.current()
	begin := time.Now()
	var err error
	if base != "" {
		err = httpWrite(ctx, stats, phase, "telemetry (HTTP)", base+"/v1/sessions/"+ph.sessionID+"/points", ph.token, body)
	} else {
		data, _ := json.Marshal(body)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = ph.js.Publish(pctx, "live.telemetry."+ph.userID+"."+ph.sessionID, data, jetstream.WithMsgID(id))
		if err != nil && ctx.Err() != nil {
			return // the load ended, not the server
		}
		stats.record(phase, "telemetry (NATS WS)", failure(err), begin, answered(err, time.Since(begin)))
	}
	if err == nil {
		ph.mu.Lock()
		for _, k := range keys {
			ph.acked[k] = true
		}
		ph.mu.Unlock()
	}
}

// httpWrite POSTs body to url and records the answer under kind: nil for a
// 2xx answer.
func httpWrite(ctx context.Context, stats *phaseStats, phase, kind, url, token string, body any) error {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	c := http.Client{Timeout: 15 * time.Second}
	begin := time.Now()
	resp, err := c.Do(req)
	took := time.Since(begin)
	switch {
	case err != nil && ctx.Err() != nil:
		return err // the load ended, not the server
	case errors.Is(err, syscall.ECONNREFUSED):
		stats.record(phase, kind, "connection refused", begin, 0)
		return err
	case err != nil:
		stats.record(phase, kind, "no answer", begin, 0)
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		stats.record(phase, kind, strconv.Itoa(resp.StatusCode), begin, took)
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	stats.record(phase, kind, "", begin, took)
	return nil
}

// chat posts one message to group over NATS (chat.in.<self>.<group>) and
// waits for the answer: the stored message, or a refusal; or, when base is
// set, with POST /v1/groups/{id}/messages on that node.
func (ph *clusterPhone) chat(ctx context.Context, group string, stats *phaseStats, base string) {
	ph.mu.Lock()
	ph.chatSeq++
	txn := fmt.Sprintf("p%d-m%d", ph.i, ph.chatSeq)
	ph.chatSent[txn] = true
	ph.mu.Unlock()
	post := socialapi.ChatPost{Text: "message " + txn, TxnID: txn}
	phase := stats.current()
	if base != "" {
		if httpWrite(ctx, stats, phase, "chat (HTTP)", base+"/v1/groups/"+group+"/messages", ph.token, post) == nil {
			ph.mu.Lock()
			ph.chatAcked[txn] = true
			ph.mu.Unlock()
		}
		return
	}
	data, _ := json.Marshal(post)
	begin := time.Now()
	reply, err := ph.nc.Request(socialapi.ChatInSubject(ph.userID, group), data, 5*time.Second)
	took := time.Since(begin)
	if err == nil {
		var ans struct {
			TxnID string `json:"txn_id"`
			Error *struct {
				Description string `json:"description"`
			} `json:"error"`
		}
		switch {
		case json.Unmarshal(reply.Data, &ans) != nil:
			err = fmt.Errorf("unreadable answer %q", reply.Data)
		case ans.Error != nil:
			code, _, _ := strings.Cut(ans.Error.Description, ":")
			err = fmt.Errorf("refused: %s", code)
		case ans.TxnID != txn:
			err = fmt.Errorf("answered %q for %q", ans.TxnID, txn)
		}
	}
	stats.record(phase, "chat (NATS WS)", failure(err), begin, answered(err, took))
	if err == nil {
		ph.mu.Lock()
		ph.chatAcked[txn] = true
		ph.mu.Unlock()
	}
}

// answered is took when the server answered (an acknowledgement or a
// refusal), 0 when it did not.
func answered(err error, took time.Duration) time.Duration {
	if f := failure(err); f == "" || strings.HasPrefix(f, "refused") {
		return took
	}
	return 0
}

// failure names an error for the figures ("" for none).
func failure(err error) string {
	var apiErr *jetstream.APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &apiErr):
		return "refused: " + apiErr.Description
	case strings.Contains(err.Error(), "deadline") || strings.Contains(err.Error(), "timeout"):
		return "no answer in 5 s"
	case strings.HasPrefix(err.Error(), "refused"):
		return err.Error()
	default:
		return "not sent"
	}
}

// timedGet is a GET's status (0: no answer within 15 s, err says why) and
// how long it took.
func timedGet(url, token string) (int, time.Duration, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: 15 * time.Second}
	begin := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(begin), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(begin), nil
}

// startCluster starts three nodes on db as deploy/local-cluster.sh does,
// each with its embedded NATS routed to the others, and waits until all
// are ready.
func startCluster(t *testing.T, db string) []*clusterNode {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keyFile := filepath.Join(reachableDir(t), "secret.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(hex.EncodeToString(secret)+"\n"), 0o600))
	password := "svc-" + hex.EncodeToString(secret[:12])
	clusterPorts := []string{freePort(t), freePort(t), freePort(t)}
	var routes []string
	for _, p := range clusterPorts {
		routes = append(routes, "nats://127.0.0.1:"+p)
	}
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		httpPort, natsPort, wsPort := freePort(t), freePort(t), freePort(t)
		n := &clusterNode{i: i, base: "http://127.0.0.1:" + httpPort, natsURL: "nats://127.0.0.1:" + natsPort,
			wsHostPort: "127.0.0.1:" + wsPort}
		n.args = []string{"--data-dir", reachableDir(t), "--modules", clusterModules[i], "--server-name", fmt.Sprintf("n%d", i+1),
			"--http-listen", "127.0.0.1:" + httpPort, "--nats-listen", "127.0.0.1:" + natsPort, "--nats-ws-listen", n.wsHostPort,
			"--cluster-name", "athlos-test", "--cluster-listen", "127.0.0.1:" + clusterPorts[i], "--routes", strings.Join(routes, ","),
			"--replicas", "3", "--database-url", db, "--secret-key-file", keyFile, "--nats-password", password,
			"--database-max-conns", "8"}
		nodes[i] = n
	}
	for _, n := range nodes {
		n.p = start(t, n.args...)
	}
	for _, n := range nodes {
		waitReady(t, n.p, n.base)
	}
	return nodes
}

// TestClusterSurvivesNodeLoss runs three nodes of the built binary as
// deploy/local-cluster.sh does (embedded NATS forming one JetStream
// cluster, the modules spread over them, one PostgreSQL), with phones
// streaming telemetry and chatting over NATS WebSocket (a part of it over
// HTTP, to every node in turn) and an app reading over HTTP from every
// node. It kills the node that leads the TELEMETRY stream with SIGKILL
// mid-stream,
// keeps going (the phones on it reconnect to another node), restarts it and
// sees it rejoin; then stops PostgreSQL under load (requests answer 503,
// not hang) and starts it again. Every telemetry point and chat message
// the server acknowledged is stored exactly once. ATHLOS_CLUSTER_FULL=1
// runs the volume of docs/benchmarks.md.
func TestClusterSurvivesNodeLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-node cluster and kills a node: not in -short")
	}
	t.Parallel()
	begin := time.Now()
	vol := clusterLoad()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	// A PostgreSQL of the test's own, to stop and start at will.
	pgDir := reachableDir(t)
	pgCfg := pgmanaged.Config{DataDir: filepath.Join(pgDir, "postgres"), Port: mustAtoi(t, freePort(t))}
	pg, err := pgmanaged.Start(ctx, pgCfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	dbURL := pg.TCPURL(pgmanaged.Database)

	nodes := startCluster(t, dbURL)
	t.Logf("three nodes ready after %v", time.Since(begin).Round(time.Millisecond))

	// Phones: one account each, registered on node i%3; every user in one
	// group; each connects to its node first, the others for failover, as
	// GET /v1/realtime tells it.
	phones := make([]*clusterPhone, vol.phones)
	for i := range phones {
		n := nodes[i%3]
		var tok clientapi.TokenResponse
		crashPostJSON(t, n.base+"/v1/auth/register", "",
			map[string]any{"email": fmt.Sprintf("cluster%d@example.com", i), "password": "correct horse battery staple"}, &tok)
		var s struct {
			ID        string    `json:"id"`
			StartedAt time.Time `json:"started_at"`
		}
		crashPostJSON(t, n.base+"/v1/sessions", tok.AccessToken, map[string]any{"sport": "run"}, &s)
		phones[i] = &clusterPhone{i: i, userID: tok.UserID, token: tok.AccessToken, sessionID: s.ID, started: s.StartedAt,
			sent: map[int64]bool{}, acked: map[int64]bool{}, chatSent: map[string]bool{}, chatAcked: map[string]bool{}}
	}
	var group socialapi.Group
	crashPostJSON(t, nodes[0].base+"/v1/groups", phones[0].token,
		socialapi.GroupCreate{Name: "cluster test", Visibility: "public", MemberLimit: vol.phones + 1}, &group)
	for i, ph := range phones[1:] {
		var m json.RawMessage
		crashPostJSON(t, nodes[(i+1)%3].base+"/v1/groups/"+group.ID+"/join", ph.token, struct{}{}, &m)
	}

	// GET /v1/realtime on every node lists every node's WebSocket URL,
	// its own first.
	allWS := []string{"ws://" + nodes[0].wsHostPort, "ws://" + nodes[1].wsHostPort, "ws://" + nodes[2].wsHostPort}
	for i, n := range nodes {
		var info clientapi.RealtimeInfo
		require.Eventually(t, func() bool {
			var err error
			info, err = tryRealtime(n.base, phones[i].token)
			return err == nil && len(info.WebSocketURLs) == 3
		}, 30*time.Second, 100*time.Millisecond, "node %d lists the WebSocket URLs of every node", i+1)
		assert.Equal(t, allWS[i], info.WebSocketURL)
		assert.Equal(t, allWS[i], info.WebSocketURLs[0], "its own first")
		assert.ElementsMatch(t, allWS, info.WebSocketURLs)
	}
	for i, ph := range phones {
		info := realtimeOf(t, nodes[i%3].base, ph.token)
		nc, err := nats.Connect(strings.Join(info.WebSocketURLs, ","), nats.Token(ph.token),
			nats.CustomInboxPrefix(info.InboxPrefix), nats.DontRandomize(), nats.MaxReconnects(-1),
			nats.ReconnectWait(250*time.Millisecond), nats.Name(fmt.Sprintf("cluster-phone-%d", i)),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		ph.nc = nc
		// Following the group's chat (granted at connect).
		_, err = nc.Subscribe(socialapi.ChatSubject(group.ID), func(m *nats.Msg) {
			if bytes.Contains(m.Data, []byte(`"txn_id":"final-`)) {
				ph.gotFinal.Store(true)
			}
		})
		require.NoError(t, err)
		require.NoError(t, nc.Flush())
		ph.js, err = jetstream.New(nc)
		require.NoError(t, err)
	}

	// The load: telemetry every 250 ms and a chat message every 1.5 s per
	// phone; an app reading a session, a group's messages and its profile
	// from every node in turn.
	stats := newPhaseStats()
	stats.set("steady")
	load, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Every fourth telemetry message and every third chat message go over
	// HTTP, to each node in turn.
	for _, ph := range phones {
		wg.Go(func() {
			for k := 0; load.Err() == nil; k++ {
				base := ""
				if k%4 == 3 {
					base = nodes[(ph.i+k)%3].base
				}
				ph.publish(load, stats, base)
				time.Sleep(250 * time.Millisecond)
			}
		})
		wg.Go(func() {
			time.Sleep(time.Duration(ph.i) * 1500 * time.Millisecond / time.Duration(len(phones)))
			for k := 0; load.Err() == nil; k++ {
				base := ""
				if k%3 == 2 {
					base = nodes[(ph.i+k)%3].base
				}
				ph.chat(load, group.ID, stats, base)
				time.Sleep(1500 * time.Millisecond)
			}
		})
	}
	reader := phones[0]
	paths := []string{"/v1/sessions/" + reader.sessionID, "/v1/groups/" + group.ID + "/messages?limit=20", "/v1/me"}
	for _, n := range nodes {
		wg.Go(func() {
			for k := 0; load.Err() == nil; k++ {
				phase := stats.current()
				sent := time.Now()
				code, took, err := timedGet(n.base+paths[k%len(paths)], reader.token)
				fail := ""
				switch {
				case errors.Is(err, syscall.ECONNREFUSED):
					fail, took = "connection refused", 0
				case err != nil:
					fail, took = "no answer", 0
					t.Logf("GET %s: %v", paths[k%len(paths)], err)
				case code != http.StatusOK:
					fail = strconv.Itoa(code)
				}
				stats.record(phase, fmt.Sprintf("HTTP n%d", n.i+1), fail, sent, took)
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	// Readiness of every node, as a load balancer would poll it.
	for _, n := range nodes {
		wg.Go(func() {
			for load.Err() == nil {
				phase, sent := stats.current(), time.Now()
				code, took, err := timedGet(n.base+"/readyz", "")
				fail := ""
				switch {
				case err != nil:
					fail, took = "down", 0
				case code != http.StatusOK:
					fail = strconv.Itoa(code)
				}
				stats.record(phase, fmt.Sprintf("readyz n%d", n.i+1), fail, sent, took)
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
	time.Sleep(vol.steady)

	// 1. The node that leads the TELEMETRY stream (the worst case: its
	// writes wait for a new leader) is killed; its HTTP and WebSocket
	// clients go to the others.
	leader := streamLeader(ctx, t, serviceConn(t, nodes[0]), bus.StreamTelemetry)
	victim := nodes[leader]
	name := fmt.Sprintf("n%d", leader+1)
	downPhase := name + " killed"
	stats.set(downPhase)
	killed := time.Now()
	victim.p.stop(t, syscall.SIGKILL)
	reconnected := waitUntil(t, "every phone connected to a live node", time.Minute, func() bool {
		for _, ph := range phones {
			if !ph.nc.IsConnected() || strings.Contains(ph.nc.ConnectedUrl(), victim.wsHostPort) {
				return false
			}
		}
		return true
	})
	t.Logf("%s (leader of %s) killed: every phone on a live node %v after the kill", name, bus.StreamTelemetry,
		reconnected.Round(time.Millisecond))
	// The two others elect a new leader of TELEMETRY and are ready without
	// it.
	observer := serviceConn(t, nodes[(leader+1)%3])
	waitUntil(t, "a new leader and the other nodes ready while "+name+" is down", 2*time.Minute, func() bool {
		if l, err := leaderOf(ctx, observer, bus.StreamTelemetry); err != nil || l == "" || l == name {
			return false
		}
		for _, n := range nodes {
			if n != victim && httpGet(n.base+"/readyz", "") != http.StatusOK {
				return false
			}
		}
		return true
	})
	t.Logf("a new leader of %s, and the other nodes ready, %v after the kill", bus.StreamTelemetry,
		time.Since(killed).Round(time.Millisecond))
	if rest := vol.down - time.Since(killed); rest > 0 {
		time.Sleep(rest)
	}

	// 2. It comes back and rejoins: ready, and a current peer of every
	// stream again.
	stats.set(name + " restarted")
	restarted := time.Now()
	victim.p = start(t, victim.args...)
	waitReady(t, victim.p, victim.base)
	t.Logf("%s ready %v after its restart (%v after the kill)", name, time.Since(restarted).Round(time.Millisecond),
		time.Since(killed).Round(time.Millisecond))
	caughtUp := waitUntil(t, name+" a current replica of every stream", 2*time.Minute, func() bool {
		return streamsCurrent(ctx, observer, name) == nil
	})
	t.Logf("%s current in every stream %v after it was ready", name, caughtUp.Round(time.Millisecond))
	time.Sleep(vol.rejoined)

	// 3. PostgreSQL stops under load, and starts again.
	stats.set("PostgreSQL stopped")
	require.NoError(t, pg.Stop(ctx))
	time.Sleep(vol.pgDown)
	stats.set("PostgreSQL back")
	pgBack := time.Now()
	pg, err = pgmanaged.Start(ctx, pgCfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	for _, n := range nodes {
		waitReady(t, n.p, n.base)
	}
	t.Logf("every node ready %v after PostgreSQL started again", time.Since(pgBack).Round(time.Millisecond))
	time.Sleep(vol.recover)
	stats.set("end")
	stopLoad()
	wg.Wait()

	// Every phone still follows the chat: those that reconnected during
	// the loss got their grants (at once, or with their next connection,
	// within 30 s). A message every 2 s until each has received one.
	finalFrom := time.Now()
	for k := 0; ; k++ {
		txn := fmt.Sprintf("final-%d", k)
		var last json.RawMessage
		crashPostJSON(t, nodes[0].base+"/v1/groups/"+group.ID+"/messages", phones[0].token,
			socialapi.ChatPost{Text: "the end", TxnID: txn}, &last)
		phones[0].chatSent[txn], phones[0].chatAcked[txn] = true, true
		time.Sleep(2 * time.Second)
		all := true
		for _, ph := range phones {
			all = all && ph.gotFinal.Load()
		}
		if all {
			break
		}
		require.Less(t, time.Since(finalFrom), time.Minute, "a phone no longer receives the group's chat")
	}

	// Every acknowledged point and message is stored, once.
	db, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close(ctx)
	var points, pointsAcked, chats, chatsAcked int
	waitUntil(t, "every acknowledged point stored", 2*time.Minute, func() bool {
		for _, ph := range phones {
			stored, err := storedPoints(ctx, db, ph.sessionID)
			if err != nil {
				return false
			}
			for k := range ph.acked {
				if stored[k] == 0 {
					return false
				}
			}
		}
		return true
	})
	for _, ph := range phones {
		stored, err := storedPoints(ctx, db, ph.sessionID)
		require.NoError(t, err)
		for k, n := range stored {
			assert.Equal(t, 1, n, "phone %d: point %d stored %d times", ph.i, k, n)
			assert.True(t, ph.sent[k], "phone %d: point %d stored but never sent", ph.i, k)
		}
		points += len(stored)
		pointsAcked += len(ph.acked)
	}
	rows, err := db.Query(ctx, "SELECT sender_id::text, txn_id, count(*) FROM social.messages WHERE group_id = $1 GROUP BY 1, 2", group.ID)
	require.NoError(t, err)
	storedChat := map[string]int{}
	bySender := map[string]*clusterPhone{}
	for _, ph := range phones {
		bySender[ph.userID] = ph
	}
	for rows.Next() {
		var sender, txn string
		var n int
		require.NoError(t, rows.Scan(&sender, &txn, &n))
		storedChat[txn] = n
		ph := bySender[sender]
		require.NotNil(t, ph, "a message of a sender not in the test")
		assert.True(t, ph.chatSent[txn], "message %s stored but never sent", txn)
		assert.Equal(t, 1, n, "message %s stored %d times", txn, n)
	}
	require.NoError(t, rows.Err())
	for _, ph := range phones {
		for txn := range ph.chatAcked {
			assert.Equal(t, 1, storedChat[txn], "acknowledged message %s stored %d times", txn, storedChat[txn])
		}
		chatsAcked += len(ph.chatAcked)
	}
	chats = len(storedChat)

	// HTTP: never a 500; no request hung while PostgreSQL was down.
	for _, ph := range stats.order {
		assert.Zero(t, stats.fails(ph, "HTTP", "500"), "HTTP 500 during %s", ph)
	}
	assert.Zero(t, stats.fails("PostgreSQL stopped", "HTTP", "no answer"), "requests hung while PostgreSQL was down")
	for _, n := range nodes {
		if n != victim {
			assert.Zero(t, stats.fails(downPhase, fmt.Sprintf("HTTP n%d", n.i+1), "no answer"), "n%d hung while %s was down", n.i+1, name)
			// Its readiness stays on while the leaders that were on the
			// lost node are elected again (bus.ClusterElectionGrace).
			assert.Zero(t, stats.fails(downPhase, fmt.Sprintf("readyz n%d", n.i+1), "503"), "n%d not ready while %s was down", n.i+1, name)
		}
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	t.Logf("%d phones; %d points acknowledged, %d stored (each once); %d chat messages acknowledged, %d stored (each once); "+
		"load average %s; test took %v\n%s", vol.phones, pointsAcked, points, chatsAcked, chats,
		strings.TrimSpace(string(load1)), time.Since(begin).Round(time.Second), stats.table())
	for _, n := range nodes {
		assert.Equal(t, 0, n.p.stop(t, syscall.SIGTERM), "n%d stops cleanly", n.i+1)
	}
}

// streamLeader is the index of the node that leads stream.
func streamLeader(ctx context.Context, t *testing.T, js jetstream.JetStream, stream string) int {
	t.Helper()
	leader, err := leaderOf(ctx, js, stream)
	require.NoError(t, err)
	var i int
	_, err = fmt.Sscanf(leader, "n%d", &i)
	require.NoError(t, err, "leader %q", leader)
	return i - 1
}

// leaderOf is the name of the server that leads stream ("" while none).
func leaderOf(ctx context.Context, js jetstream.JetStream, stream string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil {
		return "", fmt.Errorf("stream %s is not clustered", stream)
	}
	return info.Cluster.Leader, nil
}

// realtimeOf is GET /v1/realtime on base.
func realtimeOf(t *testing.T, base, token string) clientapi.RealtimeInfo {
	t.Helper()
	info, err := tryRealtime(base, token)
	require.NoError(t, err)
	return info
}

func tryRealtime(base, token string) (clientapi.RealtimeInfo, error) {
	var info clientapi.RealtimeInfo
	req, err := http.NewRequest(http.MethodGet, base+"/v1/realtime", nil)
	if err != nil {
		return info, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return info, fmt.Errorf("GET /v1/realtime: %s", resp.Status)
	}
	return info, json.NewDecoder(resp.Body).Decode(&info)
}

// serviceConn is a connection as athlos's service user to n's NATS.
func serviceConn(t *testing.T, n *clusterNode) jetstream.JetStream {
	t.Helper()
	i := slices.Index(n.args, "--nats-password")
	nc, err := nats.Connect(n.natsURL, nats.UserInfo(bus.ServiceUser, n.args[i+1]), nats.Name("cluster-test-observer"))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}

// streamsCurrent says why server is not a current replica of every stream
// (nil when it is: each has a leader and three peers, all current).
func streamsCurrent(ctx context.Context, js jetstream.JetStream, server string) error {
	names := js.StreamNames(ctx)
	var all []string
	for n := range names.Name() {
		all = append(all, n)
	}
	if err := names.Err(); err != nil {
		return err
	}
	if len(all) == 0 {
		return fmt.Errorf("no streams")
	}
	for _, name := range all {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		c := info.Cluster
		if c == nil || c.Leader == "" || len(c.Replicas) != 2 {
			return fmt.Errorf("stream %s: no leader or not three peers: %+v", name, c)
		}
		found := c.Leader == server
		for _, r := range c.Replicas {
			if !r.Current || r.Offline {
				return fmt.Errorf("stream %s: replica %s not current", name, r.Name)
			}
			found = found || r.Name == server
		}
		if !found {
			return fmt.Errorf("stream %s: %s is no peer", name, server)
		}
	}
	return nil
}

// storedPoints counts the stored points of a session by time (µs).
func storedPoints(ctx context.Context, db *pgx.Conn, session string) (map[int64]int, error) {
	rows, err := db.Query(ctx, "SELECT t FROM training.points WHERE session_id = $1", session)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var ts time.Time
		if err := rows.Scan(&ts); err != nil {
			return nil, err
		}
		out[ts.UnixMicro()]++
	}
	return out, rows.Err()
}

// waitUntil polls cond until it holds (failing the test after within) and
// says how long that took.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	begin := time.Now()
	for !cond() {
		if time.Since(begin) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(begin)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestClusterExternalNATS runs the layout of `deploy/local-cluster.sh
// external`: three NATS servers from the configurations `athlos nats-config`
// generates (routed into one JetStream cluster, with the accounts, the app
// account and the auth callout), and three nodes of the built binary on
// them with the modules spread. GET /v1/realtime lists every server's
// WebSocket URL; a phone streams and chats through it, and goes on through
// another server when its own stops.
func TestClusterExternalNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three NATS servers and three athlos nodes: not in -short")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keyFile := filepath.Join(reachableDir(t), "secret.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(hex.EncodeToString(secret)+"\n"), 0o600))
	svcPW, appPW, sysPW := "svc-"+hex.EncodeToString(secret[:8]), "app-"+hex.EncodeToString(secret[8:16]), "sys-"+hex.EncodeToString(secret[16:24])

	type natsNode struct{ client, ws, cluster string }
	servers := make([]natsNode, 3)
	var routes, wsURLs, natsURLs []string
	for i := range servers {
		servers[i] = natsNode{freePort(t), freePort(t), freePort(t)}
		routes = append(routes, "nats://127.0.0.1:"+servers[i].cluster)
		wsURLs = append(wsURLs, "ws://127.0.0.1:"+servers[i].ws)
		natsURLs = append(natsURLs, "nats://127.0.0.1:"+servers[i].client)
	}
	// The accounts and the callout of the generated configurations are
	// those docs/configuration.md gives (TestExternalNATSConfig runs those).
	doc, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	block := func(text string) string {
		from, to := strings.Index(text, "\naccounts {"), strings.Index(text, "system_account: SYS")
		require.True(t, from >= 0 && to > from, "no accounts block in %s", text)
		return text[from:to]
	}
	running := make([]*server.Server, 3)
	for i, s := range servers {
		conf, err := exec.Command(athlosBinary(t), "nats-config", "--secret-key-file", keyFile,
			"--server-name", fmt.Sprintf("nats%d", i+1), "--listen", "127.0.0.1:"+s.client, "--websocket-listen", "127.0.0.1:"+s.ws,
			"--cluster-listen", "127.0.0.1:"+s.cluster, "--routes", strings.Join(routes, ","), "--store-dir", t.TempDir()).Output()
		require.NoError(t, err)
		assert.Equal(t, block(string(doc)), block(string(conf)))
		// The passwords in place of the variables the server would read
		// from its environment.
		text := strings.NewReplacer("$ATHLOS_SERVICE_PASSWORD", svcPW, "$ATHLOS_APP_PASSWORD", appPW,
			"$ATHLOS_SYSTEM_PASSWORD", sysPW).Replace(string(conf))
		path := filepath.Join(t.TempDir(), "nats.conf")
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		opts, err := server.ProcessConfigFile(path)
		require.NoError(t, err, text)
		opts.NoSigs, opts.NoLog = true, true
		running[i], err = server.NewServer(opts)
		require.NoError(t, err)
		go running[i].Start()
		t.Cleanup(running[i].Shutdown)
	}
	for _, s := range running {
		require.True(t, s.ReadyForConnections(30*time.Second))
	}

	db := pgtest.NewDB(t)
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		httpPort := freePort(t)
		others := []int{(i + 1) % 3, (i + 2) % 3}
		n := &clusterNode{i: i, base: "http://127.0.0.1:" + httpPort, natsURL: natsURLs[i], wsHostPort: "127.0.0.1:" + servers[i].ws}
		n.args = []string{"--data-dir", reachableDir(t), "--modules", clusterModules[i], "--http-listen", "127.0.0.1:" + httpPort,
			"--nats", strings.Join([]string{natsURLs[i], natsURLs[others[0]], natsURLs[others[1]]}, ","),
			"--nats-password", svcPW, "--nats-app-password", appPW, "--nats-system-password", sysPW,
			"--nats-ws-public-url", wsURLs[i], "--nats-ws-peer-urls", wsURLs[others[0]] + "," + wsURLs[others[1]],
			"--replicas", "3", "--database-url", db, "--secret-key-file", keyFile, "--database-max-conns", "8"}
		nodes[i] = n
		n.p = start(t, n.args...)
	}
	for _, n := range nodes {
		waitReady(t, n.p, n.base)
	}

	// A phone: account on n3, session on n2, the real-time bus from n1.
	var tok clientapi.TokenResponse
	crashPostJSON(t, nodes[2].base+"/v1/auth/register", "",
		map[string]any{"email": "external@example.com", "password": "correct horse battery staple"}, &tok)
	var s struct {
		ID        string    `json:"id"`
		StartedAt time.Time `json:"started_at"`
	}
	crashPostJSON(t, nodes[1].base+"/v1/sessions", tok.AccessToken, map[string]any{"sport": "run"}, &s)
	var group socialapi.Group
	crashPostJSON(t, nodes[2].base+"/v1/groups", tok.AccessToken,
		socialapi.GroupCreate{Name: "external", Visibility: "public", MemberLimit: 5}, &group)
	for i, n := range nodes {
		info := realtimeOf(t, n.base, tok.AccessToken)
		assert.Equal(t, wsURLs[i], info.WebSocketURL)
		assert.Equal(t, []string{wsURLs[i], wsURLs[(i+1)%3], wsURLs[(i+2)%3]}, info.WebSocketURLs, "node %d", i+1)
	}
	info := realtimeOf(t, nodes[0].base, tok.AccessToken)
	nc, err := nats.Connect(strings.Join(info.WebSocketURLs, ","), nats.Token(tok.AccessToken),
		nats.CustomInboxPrefix(info.InboxPrefix), nats.DontRandomize(), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	ph := &clusterPhone{userID: tok.UserID, token: tok.AccessToken, sessionID: s.ID, started: s.StartedAt, nc: nc,
		sent: map[int64]bool{}, acked: map[int64]bool{}, chatSent: map[string]bool{}, chatAcked: map[string]bool{}}
	ph.js, err = jetstream.New(nc)
	require.NoError(t, err)
	stats := newPhaseStats()
	stats.set("all up")
	for range 10 {
		ph.publish(ctx, stats, "")
	}
	ph.chat(ctx, group.ID, stats, "")
	assert.Len(t, ph.acked, 20, "every point acknowledged:\n%s", stats.table())
	assert.Len(t, ph.chatAcked, 1, "the message answered:\n%s", stats.table())

	// The phone's server stops: it goes on through another.
	stats.set("nats1 stopped")
	running[0].Shutdown()
	waitUntil(t, "the phone on another server", time.Minute, func() bool {
		return nc.IsConnected() && !strings.Contains(nc.ConnectedUrl(), servers[0].ws)
	})
	waitUntil(t, "telemetry acknowledged through another server", time.Minute, func() bool {
		before := len(ph.acked)
		ph.publish(ctx, stats, "")
		return len(ph.acked) > before
	})
	waitUntil(t, "a chat message answered through another server", time.Minute, func() bool {
		ph.chat(ctx, group.ID, stats, "")
		return len(ph.chatAcked) == 2
	})
	conn, err := pgx.Connect(ctx, db)
	require.NoError(t, err)
	defer conn.Close(ctx)
	waitUntil(t, "every acknowledged point stored", time.Minute, func() bool {
		stored, err := storedPoints(ctx, conn, s.ID)
		if err != nil {
			return false
		}
		for k := range ph.acked {
			if stored[k] != 1 {
				return false
			}
		}
		return len(stored) <= len(ph.sent)
	})
	var messages int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM social.messages WHERE group_id = $1", group.ID).Scan(&messages))
	assert.Equal(t, len(ph.chatAcked), messages, "every answered message stored once")
	t.Logf("external NATS cluster:\n%s", stats.table())
	for _, n := range nodes {
		assert.Equal(t, 0, n.p.stop(t, syscall.SIGTERM), "n%d stops cleanly", n.i+1)
	}
}
