package activity_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// The module's consumers, fed by the real client and training modules
// over NATS: a registered user and their time zone; a manual session
// completed, edited and deleted; an old event published again under a new
// id after the deletion, and a malformed one, change nothing; a deleted
// account leaves nothing.
func TestConsumersEndToEnd(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "gamification")
	db := a.DB(t)
	ctx := context.Background()
	ana := a.SignUp("ana@example.com")
	user := userID(t, a, ana.AccessToken)

	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM gamification.users WHERE user_id = $1`, user).Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "registered")
	r := a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, map[string]any{"time_zone": "Asia/Tokyo", "country": "JP"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var tz string
		require.NoError(t, db.QueryRow(ctx, `SELECT time_zone FROM gamification.users WHERE user_id = $1`, user).Scan(&tz))
		return tz == "Asia/Tokyo"
	}, 10*time.Second, 20*time.Millisecond, "profile")

	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	r = a.Do(http.MethodPost, "/v1/sessions", ana.AccessToken, map[string]any{"sport": "run", "started_at": start,
		"elapsed_time_s": 3000, "moving_time_s": 2900, "distance_m": 10_000, "elevation_gain_m": 50})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s trainingapi.Session
	r.JSON(t, &s)
	distance := func() float64 {
		var d float64
		err := db.QueryRow(ctx, `SELECT distance_m FROM gamification.sessions WHERE id = $1`, s.ID).Scan(&d)
		if err != nil {
			return -1
		}
		return d
	}
	require.Eventually(t, func() bool { return distance() == 10_000 }, 10*time.Second, 20*time.Millisecond, "completed")

	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana.AccessToken, map[string]any{"distance_m": 12_000})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool { return distance() == 12_000 }, 10*time.Second, 20*time.Millisecond, "updated")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana.AccessToken, nil).Status)
	require.Eventually(t, func() bool { return distance() == -1 }, 10*time.Second, 20*time.Millisecond, "deleted")

	// The completion again, as a new message, and a malformed one; then
	// a marker session to know the consumer got past them.
	conn := bustest.Conn(t, a.NATS)
	stream, err := conn.JS.Stream(ctx, "EVT_TRAINING")
	require.NoError(t, err)
	first, err := stream.GetLastMsgForSubject(ctx, trainingapi.EventSessionCompleted)
	require.NoError(t, err)
	publish := func(subject string, data []byte) {
		m := nats.NewMsg(subject)
		m.Data = data
		m.Header.Set(nats.MsgIdHdr, uuid.NewString())
		_, err := conn.JS.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	publish(trainingapi.EventSessionCompleted, first.Data)
	publish(trainingapi.EventSessionCompleted, []byte(`{"session_id": "nope"}`))
	r = a.Do(http.MethodPost, "/v1/sessions", ana.AccessToken, map[string]any{"sport": "ride", "started_at": start.Add(-24 * time.Hour),
		"elapsed_time_s": 3600, "distance_m": 30_000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var marker trainingapi.Session
	r.JSON(t, &marker)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM gamification.sessions WHERE id = $1`, marker.ID).Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "the marker")
	assert.Equal(t, -1.0, distance(), "the old completion did not bring the session back")

	// The account goes: nothing of it stays (the achievements' rows
	// neither: they are an Eraser).
	var unlocks int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM gamification.user_achievements WHERE user_id = $1`, user).Scan(&unlocks))
	assert.Positive(t, unlocks, "the ride unlocked something")
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana.AccessToken, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT (SELECT count(*) FROM gamification.users WHERE user_id = $1)
			+ (SELECT count(*) FROM gamification.sessions WHERE user_id = $1)
			+ (SELECT count(*) FROM gamification.session_revisions WHERE user_id = $1)
			+ (SELECT count(*) FROM gamification.achievement_users WHERE user_id = $1)
			+ (SELECT count(*) FROM gamification.user_achievements WHERE user_id = $1)`, user).Scan(&n))
		return n == 0
	}, 10*time.Second, 20*time.Millisecond, "erased")
}

func userID(t *testing.T, a *apptest.App, token string) uuid.UUID {
	t.Helper()
	var me struct {
		ID string `json:"user_id"`
	}
	r := a.Do(http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &me)
	id, err := uuid.Parse(me.ID)
	require.NoError(t, err)
	return id
}
