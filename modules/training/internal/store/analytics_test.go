package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

func TestAthleteFactsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	f, err := store.GetAthleteFacts(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, store.AthleteFacts{}, f, "none came yet")
	rest, max := 50, 190
	require.NoError(t, store.SaveAthleteFacts(ctx, pool, ana, "Europe/Berlin", &rest, &max, t0))
	f, err = store.GetAthleteFacts(ctx, pool, ana)
	require.NoError(t, err)
	assert.Empty(t, f.TimeZone, "facts need the profile SaveAthlete stores first")

	require.NoError(t, store.SaveAthlete(ctx, pool, ana, store.Athlete{Sex: "female", DefaultVisibility: "public", UpdatedAt: t0}))
	require.NoError(t, store.SaveAthleteFacts(ctx, pool, ana, "Europe/Berlin", &rest, &max, t0))
	require.NoError(t, store.SaveAthleteFacts(ctx, pool, ana, "Asia/Tokyo", nil, nil, t0.Add(-time.Hour)))
	f, err = store.GetAthleteFacts(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Berlin", f.TimeZone, "older facts change nothing")
	assert.Equal(t, "female", f.Sex)
	assert.Equal(t, &rest, f.RestingHRBpm)
	assert.Equal(t, &max, f.MaxHRBpm)
	require.NoError(t, store.SaveAthlete(ctx, pool, ana, store.Athlete{DefaultVisibility: "public", UpdatedAt: t0.Add(time.Hour)}))
	require.NoError(t, store.SaveAthleteFacts(ctx, pool, ana, "", nil, nil, t0.Add(time.Hour)))
	f, err = store.GetAthleteFacts(ctx, pool, ana)
	require.NoError(t, err)
	assert.Equal(t, store.AthleteFacts{}, f, "a newer profile clears them")
}

func TestSessionFiguresContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	day := 24 * time.Hour
	s1 := newSession(t, pool, store.NewSession{User: ana, StartedAt: t0})
	s2 := newSession(t, pool, store.NewSession{User: ana, StartedAt: t0.Add(day)})
	s3 := newSession(t, pool, store.NewSession{User: ana, Sport: "ride", StartedAt: t0.Add(2 * day)})
	sb := newSession(t, pool, store.NewSession{User: bob, StartedAt: t0})
	save := func(id, user uuid.UUID, sport string, at time.Time, load float64, rev int64, efforts ...store.Effort) {
		t.Helper()
		inTx(t, pool, func(tx pgx.Tx) error {
			return store.SaveSessionFigures(ctx, tx, store.SessionFigures{SessionID: id, UserID: user, Sport: sport, StartedAt: at,
				DistanceM: 5000, MovingTimeS: 1500, Load: load, LoadModel: "trimp", Revision: rev,
				Strength: []store.StrengthBest{{Exercise: "squat", OneRMKg: load, MaxWeightKg: load / 2}}}, efforts)
		})
	}
	_, ok, err := store.FiguresRevision(ctx, pool, s1)
	require.NoError(t, err)
	assert.False(t, ok, "none yet")
	save(s1, ana, "run", t0, 50, 1, store.Effort{DistanceM: 1000, TimeS: 240}, store.Effort{DistanceM: 5000, TimeS: 1300})
	save(s2, ana, "run", t0.Add(day), 60, 1, store.Effort{DistanceM: 1000, TimeS: 240}, store.Effort{DistanceM: 5000, TimeS: 1200})
	save(s3, ana, "ride", t0.Add(2*day), 70, 1)
	save(sb, bob, "run", t0, 99, 1, store.Effort{DistanceM: 1000, TimeS: 100})

	rev, ok, err := store.FiguresRevision(ctx, pool, s1)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(1), rev)

	records, err := store.Records(ctx, pool, ana, uuid.Nil, []float64{400, 1000, 5000})
	require.NoError(t, err)
	require.Len(t, records, 2, "one per distance, only ana's")
	assert.Equal(t, s1, records[0].SessionID, "a tie goes to the earlier session")
	assert.Equal(t, s2, records[1].SessionID)
	assert.Equal(t, "trimp", records[0].LoadModel)
	records, err = store.Records(ctx, pool, ana, s2, []float64{400, 1000, 5000})
	require.NoError(t, err)
	assert.Equal(t, s1, records[1].SessionID, "leaving a session out")
	best, ok, err := store.BestBefore(ctx, pool, ana, 5000, t0.Add(day))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, s1, best.SessionID)
	_, ok, err = store.BestBefore(ctx, pool, ana, 5000, t0)
	require.NoError(t, err)
	assert.False(t, ok, "nothing before the first")

	// Saving again replaces the figures and efforts.
	save(s2, ana, "run", t0.Add(day), 65, 2, store.Effort{DistanceM: 1000, TimeS: 230})
	efforts, err := store.SessionEfforts(ctx, pool, s2)
	require.NoError(t, err)
	require.Len(t, efforts, 1)
	assert.Equal(t, 230.0, efforts[0].TimeS)
	since, err := store.EffortsSince(ctx, pool, ana, t0.Add(day))
	require.NoError(t, err)
	assert.Len(t, since, 1)

	briefs, err := store.Briefs(ctx, pool, ana, t0, t0.Add(2*day), "")
	require.NoError(t, err)
	require.Len(t, briefs, 2, "[from, to)")
	assert.Equal(t, []uuid.UUID{s1, s2}, []uuid.UUID{briefs[0].ID, briefs[1].ID}, "oldest first")
	assert.Equal(t, 65.0, briefs[1].Load)
	briefs, err = store.Briefs(ctx, pool, ana, time.Time{}, time.Time{}, "ride")
	require.NoError(t, err)
	require.Len(t, briefs, 1)
	assert.Equal(t, s3, briefs[0].ID)
	totals, err := store.Totals(ctx, pool, ana, t0, t0.Add(day), t0.Add(3*day), "")
	require.NoError(t, err)
	assert.ElementsMatch(t, []store.TotalsRow{
		{Current: false, Sport: "run", LoadModel: "trimp", Sessions: 1, DistanceM: 5000, MovingTimeS: 1500, Load: 50},
		{Current: true, Sport: "run", LoadModel: "trimp", Sessions: 1, DistanceM: 5000, MovingTimeS: 1500, Load: 65},
		{Current: true, Sport: "ride", LoadModel: "trimp", Sessions: 1, DistanceM: 5000, MovingTimeS: 1500, Load: 70},
	}, totals, "by period, sport and model; only ana's")
	totals, err = store.Totals(ctx, pool, ana, time.Time{}, time.Time{}, time.Time{}, "ride")
	require.NoError(t, err)
	require.Len(t, totals, 1, "one sport, unbounded")
	assert.Equal(t, 1, totals[0].Sessions)
	loads, err := store.Loads(ctx, pool, ana, t0.Add(2*day))
	require.NoError(t, err)
	assert.Equal(t, []float64{50, 65}, []float64{loads[0].Load, loads[1].Load})
	strength, err := store.StrengthRecords(ctx, pool, ana, "e1rm", "max_weight")
	require.NoError(t, err)
	require.Len(t, strength, 2, "one per kind; only ana's")
	assert.Equal(t, store.StrengthRecord{Exercise: "squat", Kind: "e1rm", ValueKg: 70, SessionID: s3, StartedAt: strength[0].StartedAt}, strength[0])
	assert.Equal(t, store.StrengthRecord{Exercise: "squat", Kind: "max_weight", ValueKg: 35, SessionID: s3, StartedAt: strength[1].StartedAt}, strength[1])
	assert.True(t, strength[0].StartedAt.Equal(t0.Add(2*day)))
	maxima, err := store.StrengthMaxima(ctx, pool, ana, s3)
	require.NoError(t, err)
	assert.Equal(t, []store.StrengthMax{{Exercise: "squat", OneRMKg: 65, MaxWeightKg: 32.5}}, maxima, "over the sessions but s3")
	own, err := store.SessionStrength(ctx, pool, s3)
	require.NoError(t, err)
	require.Len(t, own, 1)
	assert.Equal(t, 70.0, own[0].OneRMKg)
	own, err = store.SessionStrength(ctx, pool, uuid.Must(uuid.NewV7()))
	require.NoError(t, err)
	assert.Empty(t, own, "no figures")

	// Tracks: as written, replaced, gone with their session.
	_, ok, err = store.Track(ctx, pool, s2)
	require.NoError(t, err)
	assert.False(t, ok, "none yet")
	track := []store.TrackSample{{T: 0, D: 0, HR: 120}, {T: 1.5, D: 3.25, HR: 0}, {T: 86_399.5, D: 99_999.5, HR: 201}}
	require.NoError(t, store.SaveTrack(ctx, pool, s2, track[:1]))
	require.NoError(t, store.SaveTrack(ctx, pool, s2, track))
	got, ok, err := store.Track(ctx, pool, s2)
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, got, 3)
	for i := range track {
		assert.InDelta(t, track[i].T, got[i].T, 0.01)
		assert.InDelta(t, track[i].D, got[i].D, 0.01)
		assert.Equal(t, track[i].HR, got[i].HR)
	}

	// Deleting: the figures alone, or the session (cascade).
	require.NoError(t, store.DeleteSessionFigures(ctx, pool, s3))
	_, ok, err = store.FiguresRevision(ctx, pool, s3)
	require.NoError(t, err)
	assert.False(t, ok)
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteSession(ctx, tx, s1) })
	records, err = store.Records(ctx, pool, ana, uuid.Nil, []float64{400, 1000, 5000})
	require.NoError(t, err)
	require.Len(t, records, 1, "the deleted session's efforts are gone")
	assert.Equal(t, s2, records[0].SessionID)
	require.NoError(t, store.DeleteUserSessions(ctx, pool, bob))
	records, err = store.Records(ctx, pool, bob, uuid.Nil, []float64{400, 1000, 5000})
	require.NoError(t, err)
	assert.Empty(t, records)
}

func TestRecommendationsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	require.NoError(t, store.Dismiss(ctx, pool, ana, "monotony:2026-11-26", t0, t0.Add(time.Hour)))
	require.NoError(t, store.Dismiss(ctx, pool, ana, "monotony:2026-11-26", t0, t0.Add(-time.Hour)))
	require.NoError(t, store.Dismiss(ctx, pool, ana, "old", t0, t0.Add(-time.Minute)))
	d, err := store.Dismissed(ctx, pool, ana, t0)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"monotony:2026-11-26": true}, d, "the later expiry stays; expired ones are not listed")
	d, err = store.Dismissed(ctx, pool, bob, t0)
	require.NoError(t, err)
	assert.Empty(t, d, "another user's")
	require.NoError(t, store.DeleteUserDismissals(ctx, pool, ana))
	d, err = store.Dismissed(ctx, pool, ana, t0)
	require.NoError(t, err)
	assert.Empty(t, d)

	shoes, other := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	require.NoError(t, store.SaveGear(ctx, pool, shoes, ana))
	require.NoError(t, store.SaveGear(ctx, pool, other, ana))
	limit := 800_000.0
	require.NoError(t, store.SaveGearFacts(ctx, pool, shoes, store.GearFacts{Name: "Brooks", StartingDistanceM: 100_000, ReplacementThresholdM: &limit, At: t0}))
	require.NoError(t, store.SaveGearFacts(ctx, pool, shoes, store.GearFacts{Name: "older", At: t0.Add(-time.Hour)}))
	require.NoError(t, store.SaveGearFacts(ctx, pool, other, store.GearFacts{Name: "no limit", At: t0}))
	s := newSession(t, pool, store.NewSession{User: ana, Gear: []uuid.UUID{shoes}})
	inTx(t, pool, func(tx pgx.Tx) error {
		return store.SaveSessionFigures(ctx, tx, store.SessionFigures{SessionID: s, UserID: ana, Sport: "run", StartedAt: t0, DistanceM: 10_000,
			LoadModel: "none", Revision: 1}, nil)
	})
	worn, err := store.GearWear(ctx, pool, ana)
	require.NoError(t, err)
	require.Len(t, worn, 1, "only items with a replacement distance")
	assert.Equal(t, store.WornGear{ID: shoes, Name: "Brooks", DistanceM: 110_000, ReplacementThresholdM: limit}, worn[0])
	require.NoError(t, store.SaveGearFacts(ctx, pool, shoes, store.GearFacts{Name: "Brooks", ReplacementThresholdM: &limit, Retired: true, At: t0.Add(time.Hour)}))
	worn, err = store.GearWear(ctx, pool, ana)
	require.NoError(t, err)
	assert.Empty(t, worn, "retired")
	worn, err = store.GearWear(ctx, pool, bob)
	require.NoError(t, err)
	assert.Empty(t, worn)
}

func TestActivePlanIDContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	_, ok, err := store.ActivePlanID(ctx, pool, ana)
	require.NoError(t, err)
	assert.False(t, ok, "none")
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	id := uuid.Must(uuid.NewV7())
	inTx(t, pool, func(tx pgx.Tx) error {
		_, err := store.InsertPlan(ctx, tx, store.Plan{ID: id, User: ana, State: "active", Sport: "run", TimeZone: "UTC",
			Start: day, From: day, End: day.AddDate(0, 0, 70)})
		return err
	})
	got, ok, err := store.ActivePlanID(ctx, pool, ana)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, id, got)
	_, ok, err = store.ActivePlanID(ctx, pool, bob)
	require.NoError(t, err)
	assert.False(t, ok, "another user's")
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceActivePlan(ctx, tx, ana) })
	_, ok, err = store.ActivePlanID(ctx, pool, ana)
	require.NoError(t, err)
	assert.False(t, ok, "a replaced plan is not active")
}
