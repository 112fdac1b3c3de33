package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/storage/pgmanaged"
)

// Sizing of the crash test: crashPoints points in messages of
// crashPerMessage. The publisher pauses a moment after every crashChunk
// messages (so that messages are in flight at any time, not in bursts) and
// keeps at most crashBacklog messages ahead of what the consumer has
// stored, so that publishing goes on while the consumer is busy with a
// backlog (a few batches of 500 messages) when the process is killed.
const (
	crashPoints     = 40_000
	crashPerMessage = 5
	crashMessages   = crashPoints / crashPerMessage
	crashChunk      = 20
	crashBacklog    = 1000
	crashMinBehind  = 500                   // points acknowledged but not yet stored, at least, at the kill
	crashStep       = 10 * time.Millisecond // time between two points
	crashConsumer   = "training__live_telemetry"
)

// TestKillMidIngestLosesNoAcknowledgedPoint publishes a run's telemetry over
// NATS (JetStream) while `athlos serve` ingests it, kills the process with
// SIGKILL in the middle, starts it again on the same data dir and checks
// that every point whose message JetStream acknowledged ends up in
// training.points exactly once, and that nothing that was never published
// is there.
func TestKillMidIngestLosesNoAcknowledgedPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts athlos mid-ingest: not in -short")
	}
	t.Parallel()
	begin := time.Now()
	dir := reachableDir(t)
	httpPort, natsPort := freePort(t), freePort(t)
	base := "http://127.0.0.1:" + httpPort
	natsURL := "nats://127.0.0.1:" + natsPort
	args := []string{"--data-dir", dir, "--http-listen", "127.0.0.1:" + httpPort,
		"--nats-listen", "127.0.0.1:" + natsPort, "--nats-ws-listen", "", "--postgres-port", freePort(t)}

	p := start(t, args...)
	waitReady(t, p, base)
	t.Logf("athlos ready after %v", time.Since(begin).Round(time.Millisecond))

	// A user and an open run.
	var tok struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	crashPostJSON(t, base+"/v1/auth/register", "",
		map[string]any{"email": "crash@example.com", "password": "correct horse battery staple"}, &tok)
	require.NotEmpty(t, tok.AccessToken)
	require.NotEmpty(t, tok.UserID)
	var session struct {
		ID        string    `json:"id"`
		StartedAt time.Time `json:"started_at"`
	}
	crashPostJSON(t, base+"/v1/sessions", tok.AccessToken, map[string]any{"sport": "run"}, &session)
	require.NotEmpty(t, session.ID)
	require.False(t, session.StartedAt.IsZero())

	// The points: 10 ms apart from 9 minutes before the start (inside the
	// session's early margin), northwards at 3 m/s.
	first := session.StartedAt.UTC().Add(-9 * time.Minute).Truncate(time.Millisecond)
	pointTime := func(i int) time.Time { return first.Add(time.Duration(i) * crashStep) }
	type point struct {
		T   string  `json:"t"`
		Lat float64 `json:"lat"`
		Lon float64 `json:"lon"`
		HR  int     `json:"hr"`
	}
	payloads := make([][]byte, crashMessages)
	for m := range payloads {
		pts := make([]point, crashPerMessage)
		for k := range pts {
			i := m*crashPerMessage + k
			pts[k] = point{T: pointTime(i).Format(time.RFC3339Nano),
				Lat: 52.5 + float64(i)*3*crashStep.Seconds()/111_195, Lon: 13.4, HR: 140 + i%20}
		}
		data, err := json.Marshal(map[string]any{"points": pts})
		require.NoError(t, err)
		payloads[m] = data
	}
	require.True(t, pointTime(crashPoints-1).Before(time.Now()), "the points end in the past")

	password, err := os.ReadFile(filepath.Join(dir, "nats", "service-password"))
	require.NoError(t, err)
	servicePassword := strings.TrimSpace(string(password))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db := crashConnectDB(ctx, t, dir)
	countPoints := func(db *pgx.Conn) (int, error) {
		var n int
		err := db.QueryRow(ctx, "SELECT count(*) FROM training.points WHERE session_id = $1", session.ID).Scan(&n)
		return n, err
	}

	// Publish as the app would (here as the service user, over the TCP
	// listener), recording which messages JetStream acknowledged: those
	// the stream holds. No reconnection: once athlos is killed, nothing
	// more is published.
	nc, err := nats.Connect(natsURL, nats.UserInfo(bus.ServiceUser, servicePassword), nats.NoReconnect(),
		nats.Name("crash-test-publisher"),
		// The kill breaks the connection: expected, and not worth a line.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	require.NoError(t, err)
	defer nc.Close()
	var (
		ackMu  sync.Mutex
		msgIdx = make(map[*nats.Msg]int, crashMessages)
		acked  = make([]bool, crashMessages)
	)
	var ackedCount, sentCount, storedNow atomic.Int64
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(1000),
		jetstream.WithPublishAsyncTimeout(5*time.Second),
		jetstream.WithPublishAsyncAckHandler(func(_ jetstream.JetStream, m *nats.Msg, _ *jetstream.PubAck) {
			ackMu.Lock()
			defer ackMu.Unlock()
			if i, ok := msgIdx[m]; ok && !acked[i] {
				acked[i] = true
				ackedCount.Add(1)
			}
		}))
	require.NoError(t, err)
	subject := "live.telemetry." + tok.UserID + "." + session.ID
	var pubErr error
	pubDone := make(chan struct{})
	pubStart := time.Now()
	go func() {
		defer close(pubDone)
		for m, data := range payloads {
			for m-int(storedNow.Load())/crashPerMessage > crashBacklog {
				if nc.IsClosed() {
					pubErr = nats.ErrConnectionClosed
					return
				}
				time.Sleep(time.Millisecond)
			}
			if nc.IsClosed() {
				pubErr = nats.ErrConnectionClosed
				return
			}
			msg := &nats.Msg{Subject: subject, Data: data}
			ackMu.Lock()
			msgIdx[msg] = m
			ackMu.Unlock()
			if _, err := js.PublishMsgAsync(msg, jetstream.WithStallWait(10*time.Second)); err != nil {
				pubErr = err
				return
			}
			sentCount.Store(int64(m + 1))
			if (m+1)%crashChunk == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()

	// Kill once a third of the messages were acknowledged and the
	// consumer has committed some of their points but is still well behind:
	// it is then mid-ingest, with messages delivered and not yet
	// acknowledged.
	var storedAtKill, ackedAtKill, sentAtKill int
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := countPoints(db)
		require.NoError(t, err)
		storedNow.Store(int64(n))
		a := int(ackedCount.Load())
		if a >= crashMessages/3 && n > 0 && n <= a*crashPerMessage-crashMinBehind {
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
			storedAtKill, ackedAtKill, sentAtKill = n, a, int(sentCount.Load())
			break
		}
		select {
		case <-pubDone:
			t.Fatalf("publishing ended (after %d of %d messages, %d acknowledged, err %v) before the kill condition was met; %d points stored",
				sentCount.Load(), crashMessages, a, pubErr, n)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kill condition within a minute: %d of %d messages acknowledged, %d points stored", a, crashMessages, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	killedAt := time.Now()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("athlos did not die of SIGKILL")
	}
	_ = db.Close(ctx)
	select {
	case <-pubDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the publisher did not stop after the kill")
	}
	nc.Close()
	// Acks still in flight are resolved (as timeouts) within the async
	// publish timeout; none can arrive from a dead server.
	ackMu.Lock()
	ackedSet := append([]bool(nil), acked...)
	ackMu.Unlock()
	sent := int(sentCount.Load())
	ackedMsgs := 0
	for _, ok := range ackedSet {
		if ok {
			ackedMsgs++
		}
	}
	t.Logf("killed %v after publishing began: %d messages sent, %d acknowledged, %d points stored at the kill; "+
		"publisher stopped after %d of %d messages (%d acknowledged, err: %v)",
		killedAt.Sub(pubStart).Round(time.Millisecond), sentAtKill, ackedAtKill, storedAtKill, sent, crashMessages, ackedMsgs, pubErr)
	assert.Less(t, storedAtKill, crashPoints, "killed before everything was stored")

	// Start again on the same data and let the consumer catch up: messages
	// the dead process held come back after the consumer's ack wait (30 s).
	restart := time.Now()
	p = start(t, args...)
	waitReady(t, p, base)
	t.Logf("athlos ready again %v after the restart", time.Since(restart).Round(time.Millisecond))
	db = crashConnectDB(ctx, t, dir)
	defer db.Close(ctx)
	nc2, err := nats.Connect(natsURL, nats.UserInfo(bus.ServiceUser, servicePassword), nats.Name("crash-test-observer"))
	require.NoError(t, err)
	defer nc2.Close()
	js2, err := jetstream.New(nc2)
	require.NoError(t, err)
	stream, err := js2.Stream(ctx, bus.StreamTelemetry)
	require.NoError(t, err)
	sinfo, err := stream.Info(ctx)
	require.NoError(t, err)
	t.Logf("stream %s after the restart: %d messages (sequences %d..%d); %d were sent, %d acknowledged",
		bus.StreamTelemetry, sinfo.State.Msgs, sinfo.State.FirstSeq, sinfo.State.LastSeq, sent, ackedMsgs)
	// TELEMETRY is a work queue: it holds what is not stored yet; its
	// sequence numbers count every message it took.
	assert.GreaterOrEqual(t, sinfo.State.LastSeq, uint64(ackedMsgs), "the stream took every acknowledged message")
	assert.LessOrEqual(t, sinfo.State.LastSeq, uint64(sent), "the stream holds nothing that was not sent")

	cons, err := js2.Consumer(ctx, bus.StreamTelemetry, crashConsumer)
	require.NoError(t, err)
	if info, err := cons.Info(ctx); err == nil {
		t.Logf("consumer %s at the restart: %s", crashConsumer, crashConsumerSummary(info))
	}
	var last *jetstream.ConsumerInfo
	lastCount := -1
	for settled := false; !settled; {
		if time.Since(restart) > 2*time.Minute {
			t.Fatalf("the consumer %s never caught up after the restart: %s; %d points stored",
				crashConsumer, crashConsumerSummary(last), lastCount)
		}
		time.Sleep(250 * time.Millisecond)
		info, err := cons.Info(ctx)
		if err != nil {
			continue
		}
		last = info
		n, err := countPoints(db)
		require.NoError(t, err)
		settled = info.NumPending == 0 && info.NumAckPending == 0 && n == lastCount
		lastCount = n
	}
	t.Logf("consumer caught up %v after the restart: delivered %d, ack floor %d, redelivered %d",
		time.Since(restart).Round(time.Millisecond), last.Delivered.Stream, last.AckFloor.Stream, last.NumRedelivered)

	// Every acknowledged point is stored once; every stored point was sent.
	var total, distinct int
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*), count(DISTINCT t) FROM training.points WHERE session_id = $1",
		session.ID).Scan(&total, &distinct))
	assert.Equal(t, total, distinct, "no point stored twice")
	var all int
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.points").Scan(&all))
	assert.Equal(t, total, all, "no points of another session")
	rows, err := db.Query(ctx, "SELECT t FROM training.points WHERE session_id = $1", session.ID)
	require.NoError(t, err)
	stored := make(map[int64]int, total)
	for rows.Next() {
		var ts time.Time
		require.NoError(t, rows.Scan(&ts))
		stored[ts.UnixMicro()]++
	}
	require.NoError(t, rows.Err())
	firstMicro := first.UnixMicro()
	var missing, unsent, odd []string
	for us := range stored {
		d := us - firstMicro
		i := int(d / crashStep.Microseconds())
		switch {
		case d < 0 || d%crashStep.Microseconds() != 0 || i >= crashPoints:
			odd = append(odd, time.UnixMicro(us).UTC().Format(time.RFC3339Nano))
		case i/crashPerMessage >= sent:
			unsent = append(unsent, fmt.Sprintf("point %d (message %d)", i, i/crashPerMessage))
		}
	}
	ackedPoints, storedAcked, storedUnacked := 0, 0, 0
	for m := range sent {
		for k := range crashPerMessage {
			i := m*crashPerMessage + k
			_, ok := stored[pointTime(i).UnixMicro()]
			switch {
			case ackedSet[m]:
				ackedPoints++
				if ok {
					storedAcked++
				} else {
					missing = append(missing, fmt.Sprintf("point %d (message %d, t %s)", i, m, pointTime(i).Format(time.RFC3339Nano)))
				}
			case ok:
				storedUnacked++
			}
		}
	}
	t.Logf("points: %d published in %d acknowledged messages, %d stored (%d of them acknowledged, %d sent but unacknowledged); "+
		"%d stored at the kill; %d sent, %d never sent",
		ackedPoints, ackedMsgs, total, storedAcked, storedUnacked, storedAtKill, sent*crashPerMessage, crashPoints-sent*crashPerMessage)
	assert.Empty(t, crashFirstN(missing, 20), "acknowledged points missing (%d in all)", len(missing))
	assert.Empty(t, crashFirstN(unsent, 20), "stored points that were never published (%d in all)", len(unsent))
	assert.Empty(t, crashFirstN(odd, 20), "stored points with times never published (%d in all)", len(odd))
	assert.Equal(t, storedAcked+storedUnacked, total)

	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM), "a clean stop exits 0")
	t.Logf("test took %v", time.Since(begin).Round(time.Millisecond))
}

// crashConnectDB connects to the PostgreSQL that the athlos running on
// dataDir manages, over its socket.
func crashConnectDB(ctx context.Context, t *testing.T, dataDir string) *pgx.Conn {
	t.Helper()
	var db *pgx.Conn
	var lastErr error
	require.Eventually(t, func() bool {
		url, err := pgmanaged.RunningURL(filepath.Join(dataDir, "postgres"), pgmanaged.Database)
		if err != nil {
			lastErr = err
			return false
		}
		db, lastErr = pgx.Connect(ctx, url)
		return lastErr == nil
	}, 30*time.Second, 100*time.Millisecond, "no connection to the managed PostgreSQL")
	require.NoError(t, lastErr, "connect to the managed PostgreSQL")
	return db
}

// crashPostJSON posts body as JSON (with a bearer token unless empty), requires
// a 2xx answer and decodes it into out.
func crashPostJSON(t *testing.T, url, token string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.True(t, resp.StatusCode/100 == 2, "POST %s: %d %s", url, resp.StatusCode, answer)
	require.NoError(t, json.Unmarshal(answer, out), "POST %s: %s", url, answer)
}

func crashConsumerSummary(info *jetstream.ConsumerInfo) string {
	if info == nil {
		return "none"
	}
	return fmt.Sprintf("pending %d, ack pending %d, redelivered %d, delivered %d, ack floor %d",
		info.NumPending, info.NumAckPending, info.NumRedelivered, info.Delivered.Stream, info.AckFloor.Stream)
}

func crashFirstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
