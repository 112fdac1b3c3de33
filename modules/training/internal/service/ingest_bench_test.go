package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkIngestBatch is the training module's own share of ingest,
// without NATS: batches of 500 messages (one per live session, as under
// load) of 1, 5 or 20 points through Service.Ingest — the sessions locked,
// the rules, one COPY, the running figures, the commit — on the test
// PostgreSQL. The indoor runs send points without a position, with heart
// rate and the device's distance (a treadmill).
//
//	go test ./modules/training/internal/service -run '^$' -bench IngestBatch -benchtime 200x
func BenchmarkIngestBatch(b *testing.B) {
	for _, indoor := range []bool{false, true} {
		for _, perMsg := range []int{1, 5, 20} {
			name := fmt.Sprintf("points_per_msg=%d", perMsg)
			if indoor {
				name = "indoor/" + name
			}
			b.Run(name, func(b *testing.B) { benchIngest(b, perMsg, indoor) })
		}
	}
}

func benchIngest(b *testing.B, perMsg int, indoor bool) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	s := service.New(pool, nil, nil, nil, nil)
	const sessions = 500
	start := time.Now().UTC().Add(-9 * time.Minute)
	users, ids := make([]uuid.UUID, sessions), make([]uuid.UUID, sessions)
	for i := range ids {
		users[i], ids[i] = uuid.New(), uuid.Must(uuid.NewV7())
		if err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			return store.InsertSession(ctx, tx, store.NewSession{ID: ids[i], User: users[i], Sport: "run", Visibility: "private", StartedAt: start})
		}); err != nil {
			b.Fatal(err)
		}
	}
	hr := 150
	batch := func(k int) []service.Telemetry {
		out := make([]service.Telemetry, sessions)
		for i := range out {
			pts := make([]telemetry.Point, perMsg)
			for j := range pts {
				n := k*perMsg + j
				pts[j] = telemetry.Point{T: start.Add(time.Duration(n) * 100 * time.Millisecond), Lat: 52.5 + float64(n)*3e-6, Lon: 13.4, HR: &hr}
				if indoor {
					d := float64(n) * 0.3
					pts[j] = telemetry.NoPosition(pts[j])
					pts[j].Dist = &d
				}
			}
			out[i] = service.Telemetry{User: users[i], Session: ids[i], Points: pts}
		}
		return out
	}
	b.ResetTimer()
	for k := range b.N {
		b.StopTimer()
		msgs := batch(k)
		b.StartTimer()
		res, err := s.Ingest(ctx, msgs)
		if err != nil {
			b.Fatal(err)
		}
		if res.Stored != int64(sessions*perMsg) {
			b.Fatalf("stored %d", res.Stored)
		}
	}
	b.ReportMetric(float64(b.N*sessions*perMsg)/b.Elapsed().Seconds(), "points/s")
}
