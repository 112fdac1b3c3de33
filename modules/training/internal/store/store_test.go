package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// The store's contract, on PostgreSQL: what each function promises,
// including not-found, conflicts and other users' rows.

func inTx(t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, storage.InTx(context.Background(), pool, fn))
}

func newSession(t *testing.T, pool *pgxpool.Pool, ns store.NewSession) uuid.UUID {
	t.Helper()
	if ns.ID == uuid.Nil {
		ns.ID = uuid.Must(uuid.NewV7())
	}
	if ns.Sport == "" {
		ns.Sport = "run"
	}
	if ns.Visibility == "" {
		ns.Visibility = "private"
	}
	if ns.StartedAt.IsZero() {
		ns.StartedAt = t0
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.InsertSession(context.Background(), tx, ns) })
	return ns.ID
}

func TestDevicesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	var ids []uuid.UUID
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.LockUser(ctx, tx, ana))
		for i := range 3 {
			id := uuid.Must(uuid.NewV7())
			d, err := store.InsertDevice(ctx, tx, id, ana, device.Device{Kind: "watch", Name: "w", Sensors: []string{"gps"}})
			require.NoError(t, err)
			assert.Equal(t, id, d.ID, "as stored, %d", i)
			assert.Equal(t, []string{"gps"}, d.Sensors)
			assert.False(t, d.CreatedAt.IsZero())
			ids = append(ids, id)
		}
		n, err := store.CountDevices(ctx, tx, ana)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		n, err = store.CountDevices(ctx, tx, bob)
		require.NoError(t, err)
		assert.Zero(t, n, "another user's count")
		return nil
	})

	page, err := store.Devices(ctx, pool, ana, uuid.Nil, 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, []uuid.UUID{ids[2], ids[1]}, []uuid.UUID{page[0].ID, page[1].ID}, "newest first")
	rest, err := store.Devices(ctx, pool, ana, page[1].ID, 2)
	require.NoError(t, err)
	require.Len(t, rest, 1, "after the cursor")
	assert.Equal(t, ids[0], rest[0].ID)
	none, err := store.Devices(ctx, pool, bob, uuid.Nil, 10)
	require.NoError(t, err)
	assert.Empty(t, none, "another user's devices are not listed")

	owned, err := store.DeviceOwned(ctx, pool, ana, ids[0])
	require.NoError(t, err)
	assert.True(t, owned)
	owned, err = store.DeviceOwned(ctx, pool, bob, ids[0])
	require.NoError(t, err)
	assert.False(t, owned, "another user's device")

	ok, err := store.DeleteDevice(ctx, pool, bob, ids[0])
	require.NoError(t, err)
	assert.False(t, ok, "another user cannot delete it")
	ok, err = store.DeleteDevice(ctx, pool, ana, ids[0])
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = store.DeleteDevice(ctx, pool, ana, ids[0])
	require.NoError(t, err)
	assert.False(t, ok, "not found the second time")

	require.NoError(t, store.DeleteUserDevices(ctx, pool, ana))
	left, err := store.Devices(ctx, pool, ana, uuid.Nil, 10)
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestSessionsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	gear := uuid.Must(uuid.NewV7())
	run := newSession(t, pool, store.NewSession{User: ana, Title: "Morning", Gear: []uuid.UUID{gear}})
	ride := newSession(t, pool, store.NewSession{User: ana, Sport: "ride", StartedAt: t0.Add(time.Hour)})
	newSession(t, pool, store.NewSession{User: bob})

	row, err := store.Session(ctx, pool, ana, run)
	require.NoError(t, err)
	assert.Equal(t, run, row.ID)
	assert.Equal(t, ana, row.UserID)
	assert.Equal(t, "active", row.State)
	assert.Equal(t, "live", row.Source)
	assert.Equal(t, "Morning", row.Title)
	assert.Equal(t, []string{gear.String()}, row.GearIDs)
	assert.Empty(t, row.Parameters)
	assert.Nil(t, row.Summary)
	_, err = store.Session(ctx, pool, bob, run)
	assert.ErrorIs(t, err, store.ErrNotFound, "another user's session")
	_, err = store.Session(ctx, pool, ana, uuid.Must(uuid.NewV7()))
	assert.ErrorIs(t, err, store.ErrNotFound, "an unknown session")
	inTx(t, pool, func(tx pgx.Tx) error {
		_, err := store.LockSession(ctx, tx, bob, run)
		assert.ErrorIs(t, err, store.ErrNotFound, "another user's session is not locked")
		locked, err := store.LockSession(ctx, tx, ana, run)
		require.NoError(t, err)
		assert.Equal(t, run, locked.ID)
		return nil
	})

	// Lists: newest first, by sport and start time, in pages.
	list, err := store.Sessions(ctx, pool, ana, uuid.Nil, "", nil, nil, 10)
	require.NoError(t, err)
	require.Len(t, list, 2, "bob's session is not listed")
	assert.Equal(t, ride, list[0].ID)
	list, err = store.Sessions(ctx, pool, ana, uuid.Nil, "run", nil, nil, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, run, list[0].ID)
	from, to := t0.Add(30*time.Minute), t0.Add(2*time.Hour)
	list, err = store.Sessions(ctx, pool, ana, uuid.Nil, "", &from, &to, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, ride, list[0].ID)
	list, err = store.Sessions(ctx, pool, ana, ride, "", nil, nil, 10)
	require.NoError(t, err)
	require.Len(t, list, 1, "after the cursor")
	assert.Equal(t, run, list[0].ID)

	// Changes.
	title, other := "Evening", uuid.Must(uuid.NewV7())
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.UpdateSession(ctx, tx, run, store.SessionChange{Title: &title, Gear: []uuid.UUID{other}}))
		require.NoError(t, store.SetParameter(ctx, tx, run, "perceived_effort", 7))
		return nil
	})
	row, err = store.Session(ctx, pool, ana, run)
	require.NoError(t, err)
	assert.Equal(t, "Evening", row.Title)
	assert.Equal(t, "run", row.Sport, "nil fields stay")
	assert.Equal(t, []string{other.String()}, row.GearIDs, "the gear is replaced")
	assert.JSONEq(t, "7", string(row.Parameters["perceived_effort"]))
	// Foster's CR-10: 0 is a rating; outside 0–10 the database refuses it.
	for _, v := range []any{11, -1, "hard"} {
		err := storage.InTx(ctx, pool, func(tx pgx.Tx) error { return store.SetParameter(ctx, tx, run, "perceived_effort", v) })
		assert.Error(t, err, "%v", v)
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetParameter(ctx, tx, run, "perceived_effort", 0) })
	row, err = store.Session(ctx, pool, ana, run)
	require.NoError(t, err)
	assert.JSONEq(t, "0", string(row.Parameters["perceived_effort"]))
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetParameter(ctx, tx, run, "perceived_effort", 7) })
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.UpdateSession(ctx, tx, run, store.SessionChange{Gear: []uuid.UUID{}}))
		require.NoError(t, store.SetParameter(ctx, tx, run, "perceived_effort", nil))
		return nil
	})
	row, err = store.Session(ctx, pool, ana, run)
	require.NoError(t, err)
	assert.Empty(t, row.GearIDs, "an empty list removes the gear")
	assert.NotContains(t, row.Parameters, "perceived_effort", "nil removes a parameter")

	// States, figures and route.
	finished := t0.Add(20 * time.Minute)
	path := lineEWKB(t, pool, 13.4, 52.5, 13.41, 52.5)
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.SetState(ctx, tx, run, "finished", &finished))
		require.NoError(t, store.SetSummary(ctx, tx, run, store.Summary{DistanceM: 678, Points: 2, SplitsKm: []store.Split{}}))
		require.NoError(t, store.SaveRoute(ctx, tx, run, path, path, "_p~iF~ps|U"))
		return nil
	})
	row, err = store.Session(ctx, pool, ana, run)
	require.NoError(t, err)
	assert.Equal(t, "finished", row.State)
	require.NotNil(t, row.FinishedAt)
	assert.True(t, finished.Equal(*row.FinishedAt))
	require.NotNil(t, row.Summary)
	assert.InDelta(t, 678, row.Summary.DistanceM, 1e-9)
	assert.Equal(t, 2, row.PointsStored, "a finished session counts the points of its figures")
	geo, length, err := store.RouteGeoJSON(ctx, pool, run, true)
	require.NoError(t, err)
	assert.Contains(t, string(geo), `"LineString"`)
	assert.InDelta(t, 678, length, 5, "PostGIS's length on the ellipsoid")
	_, _, err = store.RouteGeoJSON(ctx, pool, ride, false)
	assert.ErrorIs(t, err, store.ErrNotFound, "no route before it is finished")

	// Deleting takes the session with its points.
	_, err = store.InsertPoints(ctx, pool, run, points(0, 5))
	require.NoError(t, err)
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteSession(ctx, tx, run) })
	_, err = store.Session(ctx, pool, ana, run)
	assert.ErrorIs(t, err, store.ErrNotFound)
	left, err := store.Points(ctx, pool, run)
	require.NoError(t, err)
	assert.Empty(t, left)
	_, _, err = store.RouteGeoJSON(ctx, pool, run, false)
	assert.ErrorIs(t, err, store.ErrNotFound, "the route goes with it")
}

// lineEWKB is a two-point LineString as EWKB (SRID 4326).
func lineEWKB(t *testing.T, pool *pgxpool.Pool, x1, y1, x2, y2 float64) []byte {
	t.Helper()
	var b []byte
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT ST_AsEWKB(ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $2), ST_MakePoint($3, $4)), 4326))`, x1, y1, x2, y2).Scan(&b))
	return b
}

// A summary stored by earlier versions decodes field by field: the store
// keeps its own type, so renaming a field of the API does not change it.
func TestStoredSummaryDecodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newSession(t, pool, store.NewSession{User: ana})
	const stored = `{"distance_m": 5012.5, "elapsed_time_s": 1800, "moving_time_s": 1750, "avg_speed_mps": 2.86,
		"max_speed_mps": 4.1, "avg_pace_s_per_km": 349.1, "elevation_gain_m": 42, "elevation_loss_m": 40,
		"avg_hr_bpm": 151.5, "max_hr_bpm": 178, "avg_cadence": 86, "avg_power_w": 250, "normalized_power_w": 262,
		"calories_kcal": 412.3, "calories_method": "heart_rate",
		"splits_km": [{"index": 1, "distance_m": 1000, "elapsed_time_s": 350, "elevation_difference_m": 3.5, "avg_hr_bpm": 148}],
		"splits_mile": [],
		"best_efforts": [{"name": "1k", "distance_m": 1000, "elapsed_time_s": 331}],
		"points": 1801, "map_polyline": "_p~iF~ps|U"}`
	_, err := pool.Exec(ctx, `UPDATE training.sessions SET state = 'finished', finished_at = started_at, summary = $2 WHERE id = $1`, id, stored)
	require.NoError(t, err)
	row, err := store.Session(ctx, pool, ana, id)
	require.NoError(t, err)
	require.NotNil(t, row.Summary)
	hr, maxHR, cad, pwr, np, splitHR := 151.5, 178, 86.0, 250.0, 262.0, 148.0
	assert.Equal(t, store.Summary{DistanceM: 5012.5, ElapsedTimeS: 1800, MovingTimeS: 1750, AvgSpeedMps: 2.86, MaxSpeedMps: 4.1,
		AvgPaceSPerKm: 349.1, ElevationGainM: 42, ElevationLossM: 40, AvgHRBpm: &hr, MaxHRBpm: &maxHR, AvgCadence: &cad,
		AvgPowerW: &pwr, NormalizedPowerW: &np, CaloriesKcal: 412.3, CaloriesMethod: "heart_rate",
		SplitsKm:    []store.Split{{Index: 1, DistanceM: 1000, ElapsedS: 350, ElevDiffM: 3.5, AvgHRBpm: &splitHR}},
		SplitsMile:  []store.Split{},
		BestEfforts: []store.BestEffort{{Name: "1k", DistanceM: 1000, ElapsedS: 331}},
		Points:      1801, MapPolyline: "_p~iF~ps|U"}, *row.Summary)
	assert.Equal(t, 1801, row.PointsStored)

	// What SetSummary writes reads back the same, with the same names.
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetSummary(ctx, tx, id, *row.Summary) })
	var again []byte
	require.NoError(t, pool.QueryRow(ctx, `SELECT summary FROM training.sessions WHERE id = $1`, id).Scan(&again))
	assert.JSONEq(t, stored, string(again))
}

func TestImportedFilesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	sha := make([]byte, 32)
	sha[0] = 1
	finished := t0.Add(time.Hour)
	imported := newSession(t, pool, store.NewSession{User: ana, FinishedAt: &finished, SourceFormat: "gpx", SourceSHA256: sha})
	row, err := store.Session(ctx, pool, ana, imported)
	require.NoError(t, err)
	assert.Equal(t, "finished", row.State, "an imported session is finished at once")
	assert.Equal(t, "gpx", row.Source)

	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		return store.InsertSession(ctx, tx, store.NewSession{ID: uuid.Must(uuid.NewV7()), User: ana, Sport: "run", Visibility: "private",
			StartedAt: t0, FinishedAt: &finished, SourceFormat: "gpx", SourceSHA256: sha})
	})
	assert.ErrorIs(t, err, store.ErrDuplicateFile, "the same file twice is a conflict")
	newSession(t, pool, store.NewSession{User: bob, FinishedAt: &finished, SourceFormat: "gpx", SourceSHA256: sha})

	id, err := store.ImportedSession(ctx, pool, ana, sha)
	require.NoError(t, err)
	assert.Equal(t, imported, id)
	id, err = store.ImportedSession(ctx, pool, ana, make([]byte, 32))
	require.NoError(t, err)
	assert.Equal(t, uuid.Nil, id, "none with that digest")
}

func TestWatchersContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob, eve := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	id := newSession(t, pool, store.NewSession{User: ana, Visibility: "public"})
	own := newSession(t, pool, store.NewSession{User: bob})

	_, err := store.SessionForWatch(ctx, pool, uuid.Must(uuid.NewV7()))
	assert.ErrorIs(t, err, store.ErrNotFound)
	inTx(t, pool, func(tx pgx.Tx) error {
		require.NoError(t, store.SetShareToken(ctx, tx, id, []byte("hash")))
		w, err := store.SessionForWatch(ctx, tx, id)
		require.NoError(t, err)
		assert.Equal(t, store.WatchSession{User: ana, State: "active", Visibility: "public", ShareTokenHash: []byte("hash")}, w)

		added, err := store.AddWatcher(ctx, tx, id, bob, store.WatchLink)
		require.NoError(t, err)
		assert.True(t, added)
		added, err = store.AddWatcher(ctx, tx, id, bob, store.WatchPublic)
		require.NoError(t, err)
		assert.False(t, added, "already watching: its way in is updated")
		_, err = store.AddWatcher(ctx, tx, id, eve, store.WatchLink)
		require.NoError(t, err)
		_, err = store.AddWatcher(ctx, tx, own, bob, store.WatchOwner)
		return err
	})
	watched, err := store.WatchedSessions(ctx, pool, bob, 10)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{id}, watched, "others' open sessions only, not its own")

	inTx(t, pool, func(tx pgx.Tx) error {
		gone, err := store.RemoveWatchers(ctx, tx, id, store.WatchLink)
		require.NoError(t, err)
		assert.Equal(t, []uuid.UUID{eve}, gone, "those let in by the link")
		require.NoError(t, store.SetShareToken(ctx, tx, id, nil))
		w, err := store.SessionForWatch(ctx, tx, id)
		require.NoError(t, err)
		assert.Nil(t, w.ShareTokenHash)
		return store.SetState(ctx, tx, id, "finished", nil)
	})
	watched, err = store.WatchedSessions(ctx, pool, bob, 10)
	require.NoError(t, err)
	assert.Empty(t, watched, "closed sessions are not watched")
}

func TestIngestContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newSession(t, pool, store.NewSession{User: ana})
	missing := uuid.Must(uuid.NewV7())
	inTx(t, pool, func(tx pgx.Tx) error {
		sessions, err := store.LockIngestSessions(ctx, tx, []uuid.UUID{missing, id})
		require.NoError(t, err)
		require.Len(t, sessions, 1, "unknown sessions are left out")
		ss := sessions[id]
		require.NotNil(t, ss)
		assert.Equal(t, ana, ss.User)
		assert.Equal(t, "active", ss.State)
		assert.Zero(t, ss.Live.Points)
		ss.Live.Add(points(0, 10), "run")
		return store.SaveLive(ctx, tx, []*store.IngestSession{ss})
	})
	live, err := store.LiveOf(ctx, pool, id)
	require.NoError(t, err)
	assert.Equal(t, 10, live.Points)
	row, err := store.Session(ctx, pool, ana, id)
	require.NoError(t, err)
	require.NotNil(t, row.LastPointAt)
	assert.True(t, t0.Add(9*time.Second).Equal(*row.LastPointAt), "the time of the latest point")
	assert.Equal(t, 10, row.PointsStored, "an open session counts its running figures")
	var zero stats.Live
	other := newSession(t, pool, store.NewSession{User: ana})
	live, err = store.LiveOf(ctx, pool, other)
	require.NoError(t, err)
	assert.Equal(t, zero, live, "none yet")
}

func TestIdleSessionsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	old := newSession(t, pool, store.NewSession{User: ana, StartedAt: t0})
	newSession(t, pool, store.NewSession{User: ana, StartedAt: t0.Add(2 * time.Hour)})
	done := newSession(t, pool, store.NewSession{User: ana, StartedAt: t0})
	inTx(t, pool, func(tx pgx.Tx) error { return store.SetState(ctx, tx, done, "finished", &t0) })
	idle, err := store.IdleSessions(ctx, pool, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, idle, 1, "open sessions only, idle since before")
	assert.Equal(t, store.IdleSession{ID: old, User: ana}, idle[0])
}

func TestAthletesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	a, err := store.GetAthlete(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, store.Athlete{}, a, "none came yet")
	w := 61.5
	birth := time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)
	lthr := 168
	newer := store.Athlete{BirthDate: &birth, Sex: "female", WeightKg: &w, DefaultVisibility: "public",
		SportVisibility: map[string]string{"ride": "private"}, ThresholdHR: &lthr, UpdatedAt: t0}
	require.NoError(t, store.SaveAthlete(ctx, pool, ana, newer))
	older := store.Athlete{DefaultVisibility: "private", UpdatedAt: t0.Add(-time.Hour)}
	require.NoError(t, store.SaveAthlete(ctx, pool, ana, older))
	a, err = store.GetAthlete(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, "public", a.DefaultVisibility, "an older profile changes nothing")
	assert.Equal(t, "female", a.Sex)
	assert.Equal(t, map[string]string{"ride": "private"}, a.SportVisibility)
	require.NotNil(t, a.BirthDate)
	assert.True(t, birth.Equal(*a.BirthDate))
	require.NotNil(t, a.ThresholdHR)
	assert.Equal(t, 168, *a.ThresholdHR)
	require.NoError(t, store.DeleteAthlete(ctx, pool, ana))
	a, err = store.GetAthlete(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, store.Athlete{}, a)
}

func TestGearOwnersAndDeletedUsersContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	shoes, bike, unknown := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	require.NoError(t, store.SaveGear(ctx, pool, shoes, ana))
	require.NoError(t, store.SaveGear(ctx, pool, shoes, bob), "the first owner stays")
	require.NoError(t, store.DeleteGear(ctx, pool, bike, bob))
	owners, err := store.GearOwners(ctx, pool, []uuid.UUID{shoes, bike, unknown})
	require.NoError(t, err)
	assert.Equal(t, map[uuid.UUID]store.GearOwner{shoes: {User: ana}, bike: {User: bob, Deleted: true}}, owners)

	deleted, err := store.UserDeleted(ctx, pool, ana)
	require.NoError(t, err)
	assert.False(t, deleted)
	inTx(t, pool, func(tx pgx.Tx) error { return store.MarkUserDeleted(ctx, tx, ana) })
	inTx(t, pool, func(tx pgx.Tx) error { return store.MarkUserDeleted(ctx, tx, ana) })
	deleted, err = store.UserDeleted(ctx, pool, ana)
	require.NoError(t, err)
	assert.True(t, deleted, "marked once, twice changes nothing")
	owners, err = store.GearOwners(ctx, pool, []uuid.UUID{shoes, bike})
	require.NoError(t, err)
	assert.NotContains(t, owners, shoes, "a deleted user's gear is forgotten")
	assert.Contains(t, owners, bike, "others' stays")
}
