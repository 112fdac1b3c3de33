package store_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage/pgtest"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func points(from, n int) []telemetry.Point {
	out := make([]telemetry.Point, n)
	for i := range out {
		k := from + i
		ele, hr := 30+float64(k%7), 120+k%40
		out[i] = telemetry.Point{T: t0.Add(time.Duration(k) * time.Second), Lat: 52.5 + float64(k)*1e-5, Lon: 13.4, Ele: &ele, HR: &hr}
	}
	return out
}

func TestInsertPointsIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	session := uuid.Must(uuid.NewV7())

	n, err := store.InsertPoints(ctx, pool, session, points(0, 1000))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), n, "the fast path: COPY straight into the table")

	// A redelivery overlapping what is stored, with a duplicate inside the
	// batch too: only the new points count, nothing fails.
	batch := append(points(500, 1000), points(1400, 1)...)
	n, err = store.InsertPoints(ctx, pool, session, batch)
	require.NoError(t, err)
	assert.Equal(t, int64(500), n)
	n, err = store.InsertPoints(ctx, pool, session, points(0, 1500))
	require.NoError(t, err)
	assert.Zero(t, n, "everything again changes nothing")

	got, err := store.Points(ctx, pool, session)
	require.NoError(t, err)
	require.Len(t, got, 1500)
	want := points(0, 1500)
	for i := range got {
		require.Equal(t, want[i].T, got[i].T)
		require.InDelta(t, want[i].Lat, got[i].Lat, 1e-9)
		require.InDelta(t, want[i].Lon, got[i].Lon, 1e-9)
		require.Equal(t, *want[i].HR, *got[i].HR)
		require.InDelta(t, *want[i].Ele, *got[i].Ele, 1e-4)
		require.Nil(t, got[i].Pwr)
	}

	var srid int
	require.NoError(t, pool.QueryRow(ctx, `SELECT ST_SRID(pos::geometry) FROM training.points LIMIT 1`).Scan(&srid))
	assert.Equal(t, 4326, srid)

	other, err := store.Points(ctx, pool, uuid.Must(uuid.NewV7()))
	require.NoError(t, err)
	assert.Empty(t, other, "points belong to their session")
}

// BenchmarkInsertPoints is the store's share of ingest: batches of 1,000
// new points into one session. Run:
// go test ./modules/training/internal/store -run '^$' -bench InsertPoints
func BenchmarkInsertPoints(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	session := uuid.Must(uuid.NewV7())
	const batch = 1000
	k := 0
	for b.Loop() {
		if _, err := store.InsertPoints(ctx, pool, session, points(k, batch)); err != nil {
			b.Fatal(err)
		}
		k += batch
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkInsertPointsRedelivered is the slow path: every batch repeats
// half of the previous one.
func BenchmarkInsertPointsRedelivered(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	session := uuid.Must(uuid.NewV7())
	const batch = 1000
	k := 0
	for b.Loop() {
		if _, err := store.InsertPoints(ctx, pool, session, points(k, batch)); err != nil {
			b.Fatal(err)
		}
		k += batch / 2
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "points/s")
}

func TestDeleteUserSessionsTakesTheirPoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	sessions := map[uuid.UUID]uuid.UUID{}
	for _, user := range []uuid.UUID{ana, bob} {
		s := uuid.Must(uuid.NewV7())
		sessions[user] = s
		_, err := pool.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at)
			VALUES ($1, $2, 'run', 'finished', 'private', $3)`, s, user, t0)
		require.NoError(t, err)
		_, err = store.InsertPoints(ctx, pool, s, points(0, 10))
		require.NoError(t, err)
	}
	require.NoError(t, store.DeleteUserSessions(ctx, pool, ana))
	left, err := store.Points(ctx, pool, sessions[ana])
	require.NoError(t, err)
	assert.Empty(t, left)
	kept, err := store.Points(ctx, pool, sessions[bob])
	require.NoError(t, err)
	assert.Len(t, kept, 10, "other users keep theirs")
}

// The hand-written EWKB of a point is what go-geom writes.
func TestPointEWKBIsGoGeoms(t *testing.T) {
	want, err := ewkb.Marshal(geom.NewPointFlat(geom.XY, []float64{13.4, 52.5}).SetSRID(4326), binary.LittleEndian)
	require.NoError(t, err)
	assert.Equal(t, want, store.PointEWKB(13.4, 52.5))
}

// Points without a position (indoors) are stored with pos NULL and their
// device distance, on the fast path and the deduplicating one alike, and
// read back without a position.
func TestPointsWithoutAPositionAreStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	session := uuid.Must(uuid.NewV7())
	mixed := points(0, 100)
	for i := 40; i < 100; i++ {
		d := float64(i) * 2.5
		mixed[i] = telemetry.NoPosition(mixed[i])
		mixed[i].Dist = &d
	}
	n, err := store.InsertPoints(ctx, pool, session, mixed[:70])
	require.NoError(t, err)
	assert.Equal(t, int64(70), n)
	n, err = store.InsertPoints(ctx, pool, session, mixed)
	require.NoError(t, err)
	assert.Equal(t, int64(30), n, "a redelivery, through the staging table")
	got, err := store.Points(ctx, pool, session)
	require.NoError(t, err)
	require.Len(t, got, 100)
	for i, p := range got {
		require.Equal(t, i < 40, p.HasPosition(), "point %d", i)
		if i < 40 {
			assert.Nil(t, p.Dist)
			assert.InDelta(t, mixed[i].Lat, p.Lat, 1e-9)
			continue
		}
		require.NotNil(t, p.Dist)
		assert.Equal(t, float64(i)*2.5, *p.Dist)
		assert.Equal(t, *mixed[i].HR, *p.HR)
	}
	var nulls int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.points WHERE session_id = $1 AND pos IS NULL`, session).Scan(&nulls))
	assert.Equal(t, 60, nulls)
}
