package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// BenchmarkIngest measures telemetry persisted end to end with everything
// in one process: messages published on live.telemetry.<user>.<session>
// for 1,000 live sessions at once (nine minutes of 1 Hz points each,
// interleaved as concurrent athletes send them), through JetStream, the
// training module's batch consumer and COPY, until every message is
// acknowledged (after its commit). The figure is points per second from
// the first publish to the last acknowledgement, for several points per
// message.
//
//	go test ./modules/training/httpapi -run '^$' -bench Ingest -benchtime 1x
func BenchmarkIngest(b *testing.B) {
	for _, perMsg := range []int{1, 5, 10, 20, 50} {
		b.Run(fmt.Sprintf("points_per_msg=%d", perMsg), func(b *testing.B) {
			for range b.N {
				benchIngest(b, perMsg)
			}
		})
	}
}

func benchIngest(b *testing.B, perMsg int) {
	const users, sessionsPerUser, pointsPerSession = 100, 10, 540
	b.StopTimer()
	a := apptest.Start(b, "client", "training")
	ctx := context.Background()
	type live struct{ subject string }
	var sessions []live
	for u := range users {
		tok := a.SignUp(fmt.Sprintf("athlete%d@example.com", u)).AccessToken
		var me struct {
			UserID string `json:"user_id"`
		}
		a.Do(http.MethodGet, "/v1/me", tok, nil).JSON(b, &me)
		for range sessionsPerUser {
			r := a.Do(http.MethodPost, "/v1/sessions", tok, map[string]any{"sport": "run"})
			if r.Status != http.StatusCreated {
				b.Fatalf("start session: %d %s", r.Status, r.Body)
			}
			var s api.Session
			r.JSON(b, &s)
			sessions = append(sessions, live{subject: api.TelemetrySubject(me.UserID, s.ID)})
		}
	}
	// The messages, interleaved across sessions as concurrent athletes
	// send them. Points end at the sessions' start (the server refuses
	// points from the future).
	end := time.Now().Add(-time.Second)
	var subjects []string
	var payloads [][]byte
	for k := 0; k < pointsPerSession; k += perMsg {
		for i, s := range sessions {
			pts := make([]map[string]any, 0, perMsg)
			for j := k; j < min(k+perMsg, pointsPerSession); j++ {
				pts = append(pts, map[string]any{
					"t":   end.Add(time.Duration(j-pointsPerSession) * time.Second).UTC().Format(time.RFC3339),
					"lat": 52.5 + float64(i)*0.001 + float64(j)*3/111_257.0, "lon": 13.4, "ele": 34.0 + float64(j%50)/10,
					"acc": 4.5, "hr": 140 + j%20, "cad": 172,
				})
			}
			data, err := json.Marshal(map[string]any{"points": pts})
			if err != nil {
				b.Fatal(err)
			}
			subjects = append(subjects, s.subject)
			payloads = append(payloads, data)
		}
	}
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "bench-publisher", Embedded: a.NATS}, bustest.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.NC.Close()
	js, err := jetstream.New(conn.NC, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	cons, err := js.Consumer(ctx, bus.StreamTelemetry, "training__live_telemetry")
	if err != nil {
		b.Fatal(err)
	}

	b.StartTimer()
	start := time.Now()
	for i := range subjects {
		if _, err := js.PublishAsync(subjects[i], payloads[i], jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	published := time.Since(start)
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	var stored int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM training.points").Scan(&stored); err != nil {
		b.Fatal(err)
	}
	total := len(sessions) * pointsPerSession
	if stored != total {
		b.Fatalf("stored %d points, want %d", stored, total)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "points/s")
	b.ReportMetric(float64(len(subjects))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(published.Seconds(), "publish_s")
}
