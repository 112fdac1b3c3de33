package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// Sessions unlock achievements once each, in the user's time zone: a run
// at 23:30 in New York (04:30 UTC the next day) is a night owl's and
// starts a three-day streak that UTC would not see; the hidden night owl
// is listed once unlocked. Redelivered and late events change nothing; an
// edited or deleted session takes its share of the progress back, but
// what it unlocked stays, and points and level follow the unlocks.
func TestAchievementsFromSessions(t *testing.T) {
	t.Parallel()
	a := startAchievements(t)
	ana := a.signUp("ana@example.com", "America/New_York")
	bob := a.signUp("bob@example.com", "UTC")
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)

	s1, s2, s3 := uuid.NewString(), uuid.NewString(), uuid.NewString()
	a.session(trainingapi.EventSessionCompleted, ana, s1, 1, "run", time.Date(2026, 3, 2, 23, 30, 0, 0, ny), 10) // Monday night
	a.session(trainingapi.EventSessionCompleted, ana, s2, 1, "run", time.Date(2026, 3, 3, 6, 0, 0, 0, ny), 12)
	a.session(trainingapi.EventSessionCompleted, ana, s3, 1, "ride", time.Date(2026, 3, 4, 18, 0, 0, 0, ny), 20)
	m := a.eventually(ana, "three sessions", func(m api.MyAchievements) bool {
		it := item(m, "sessions_total")
		return it != nil && it.Value == 3
	})
	want := map[string]string{"first_session": s1, "night_owl": s1, "longest_run": s1, "early_bird": s2, "streak_days": s3,
		"variety_week": s3, "sessions_week": s3}
	points := 0
	for id, session := range want {
		it := item(m, id)
		require.NotNil(t, it, id)
		require.Len(t, it.Unlocked, 1, id)
		assert.Equal(t, "bronze", it.Unlocked[0].TierName, id)
		require.NotNil(t, it.Unlocked[0].SessionID, id)
		assert.Equal(t, session, *it.Unlocked[0].SessionID, id)
		points += it.Unlocked[0].Points
	}
	for _, it := range m.Items {
		if _, ok := want[it.ID]; !ok {
			assert.Empty(t, it.Unlocked, it.ID)
		}
	}
	assert.Equal(t, 80, points)
	assert.Equal(t, points, m.Points)
	assert.Equal(t, 1, m.Level)
	assert.Equal(t, 100, m.NextLevelPoints)
	streak := item(m, "streak_days")
	assert.Equal(t, 3.0, streak.Value, "Monday, Tuesday and Wednesday in New York")
	require.NotNil(t, streak.NextThreshold)
	assert.Equal(t, 7.0, *streak.NextThreshold)
	assert.Equal(t, "silver", streak.NextTier)
	assert.Equal(t, 1, m.HiddenCount, "the century ride is still hidden")
	fast := item(m, "fastest_5k")
	require.NotNil(t, fast)
	assert.Equal(t, "s", fast.Unit)
	assert.Zero(t, fast.Value, "no best effort yet")

	// The catalogue: the hidden night owl for Ana who unlocked it, not for Bob.
	var cat api.AchievementList
	r := a.Do(http.MethodGet, "/v1/achievements", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &cat)
	assert.Equal(t, 1, cat.HiddenCount)
	ids := map[string]bool{}
	for _, it := range cat.Items {
		ids[it.ID] = true
		assert.NotEmpty(t, it.NameKey)
		assert.NotEmpty(t, it.Tiers)
	}
	assert.True(t, ids["night_owl"])
	assert.GreaterOrEqual(t, len(cat.Items), 20)
	a.Do(http.MethodGet, "/v1/achievements", bob.token, nil).JSON(t, &cat)
	assert.Equal(t, 2, cat.HiddenCount)
	for _, it := range cat.Items {
		assert.NotEqual(t, "night_owl", it.ID)
		assert.NotEqual(t, "century_ride", it.ID)
	}
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/achievements", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/me/achievements", "", nil).Status)

	// Redelivered (under a new id) and late events change nothing.
	a.session(trainingapi.EventSessionCompleted, ana, s1, 1, "run", time.Date(2026, 3, 2, 23, 30, 0, 0, ny), 10)
	a.session(trainingapi.EventSessionUpdated, ana, s2, 3, "run", time.Date(2026, 3, 3, 6, 0, 0, 0, ny), 12)
	a.session(trainingapi.EventSessionUpdated, ana, s2, 2, "run", time.Date(2026, 3, 3, 6, 0, 0, 0, ny), 2)
	// An edit (the night run moved to noon) and a deletion (the ride).
	a.session(trainingapi.EventSessionUpdated, ana, s1, 2, "run", time.Date(2026, 3, 2, 12, 0, 0, 0, ny), 10)
	a.publish(trainingapi.EventSessionDeleted, uuid.NewString(), trainingapi.SessionDeleted{SessionID: s3, UserID: ana.id,
		Sport: "ride", Finished: true, DeletedAt: time.Now(), Revision: 2})
	// A session deleted before its completion arrived: nothing.
	s4 := uuid.NewString()
	a.publish(trainingapi.EventSessionDeleted, uuid.NewString(), trainingapi.SessionDeleted{SessionID: s4, UserID: ana.id,
		Sport: "run", Finished: true, DeletedAt: time.Now(), Revision: 2})
	db := a.DB(t)
	require.Eventually(t, func() bool {
		var rev int64
		err := db.QueryRow(context.Background(), `SELECT revision FROM gamification.session_revisions WHERE session_id = $1`, s4).Scan(&rev)
		return err == nil && rev == 2
	}, 10*time.Second, 20*time.Millisecond, "the deletion applied first")
	a.session(trainingapi.EventSessionCompleted, ana, s4, 1, "run", time.Date(2026, 3, 5, 7, 0, 0, 0, ny), 50)
	a.drained()
	m = a.eventually(ana, "the edit and the deletion", func(m api.MyAchievements) bool {
		return item(m, "sessions_total").Value == 2 && item(m, "night_owl").Value == 0
	})
	assert.Equal(t, 2.0, item(m, "streak_days").Value, "the ride's day is gone")
	assert.Equal(t, 1.0, item(m, "variety_week").Value)
	assert.Equal(t, 22_000.0, item(m, "distance_total").Value, "the late edit (2 km) was dropped, the 50 km run never counted")
	for id := range want {
		assert.Len(t, item(m, id).Unlocked, 1, "%s stays unlocked", id)
	}
	assert.Equal(t, 80, m.Points)

	events := a.unlockedEvents(ana)
	assert.Len(t, events, len(want))
	for k, n := range events {
		assert.Equal(t, 1, n, k)
	}

	// Ana moves to UTC: her history is counted in her new zone (the
	// 06:00 run in New York started at 11:00 UTC: no longer early), and
	// her early bird stays unlocked.
	r = a.Do(http.MethodPatch, "/v1/me", ana.token, map[string]any{"time_zone": "UTC"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m = a.eventually(ana, "the new time zone", func(m api.MyAchievements) bool { return item(m, "early_bird").Value == 0 })
	assert.Len(t, item(m, "early_bird").Unlocked, 1)
	assert.Equal(t, 2.0, item(m, "streak_days").Value)
}

// Personal records (training's record.set) and challenges completed
// (this module's challenge.completed) count toward their achievements;
// a record's unlock names its session, a challenge's none.
func TestRecordsAndChallenges(t *testing.T) {
	t.Parallel()
	a := startAchievements(t)
	cy := a.signUp("cy@example.com", "Europe/Madrid")
	session := uuid.NewString()
	a.publish(trainingapi.EventRecordSet, uuid.NewString(), trainingapi.RecordSet{UserID: cy.id, SessionID: session, Sport: "run",
		StartedAt: time.Now().Add(-time.Hour), SetAt: time.Now(), Records: []trainingapi.RecordNew{
			{Kind: "best_effort", DistanceM: 5000, Value: 1400, Previous: 1500}}})
	a.publish(api.EventChallengeCompleted, uuid.NewString(), api.ChallengeCompleted{ChallengeID: uuid.NewString(), Title: "March",
		Kind: "most_activity", UserID: cy.id, Rank: 1, Value: 100_000, Unit: "m", CompletedAt: time.Now()})
	m := a.eventually(cy, "a record and a challenge", func(m api.MyAchievements) bool {
		return len(item(m, "personal_records").Unlocked) == 1 && len(item(m, "challenges_completed").Unlocked) == 1
	})
	rec := item(m, "personal_records").Unlocked[0]
	require.NotNil(t, rec.SessionID)
	assert.Equal(t, session, *rec.SessionID)
	assert.Nil(t, item(m, "challenges_completed").Unlocked[0].SessionID)
	assert.Equal(t, 30, m.Points)
}
