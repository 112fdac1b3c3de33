package facts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/storage"
)

// The facts from the real producers: a user signs up, fills in the
// profile (with weight and heart rates, which promo drops), records gear
// and sessions, edits and deletes one, and deletes the account; promo's
// facts follow, and nothing of the user stays.
func TestFactsFromTheRealModules(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "promo")
	ctx := context.Background()
	db, err := storage.Open(ctx, a.DBURL, 0)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	token := a.SignUp("ana@example.com").AccessToken
	var me clientapi.Profile
	a.Do(http.MethodGet, "/v1/me", token, nil).JSON(t, &me)
	user := uuid.MustParse(me.UserID)
	load := func() facts.Facts {
		f, err := facts.Load(ctx, db, user, time.Now())
		require.NoError(t, err)
		return f
	}
	eventually := func(what string, ok func(f facts.Facts) bool) {
		t.Helper()
		require.Eventually(t, func() bool { return ok(load()) }, 20*time.Second, 20*time.Millisecond, what)
	}

	eventually("registered", func(f facts.Facts) bool { return f.Known && !f.RegisteredAt.IsZero() })
	r := a.Do(http.MethodPatch, "/v1/me", token, map[string]any{"birth_date": "1991-03-04", "country": "NL", "language": "nl",
		"weight_kg": 70, "resting_hr_bpm": 50, "max_hr_bpm": 190})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	eventually("profile", func(f facts.Facts) bool { return f.Country == "NL" })
	f := load()
	assert.Equal(t, "nl", f.Language)
	assert.Equal(t, date(1991, 3, 4), f.BirthDate)
	assert.True(t, f.Personalisable(time.Now()))

	r = a.Do(http.MethodPost, "/v1/me/gear", token, map[string]any{"type": "shoes", "replacement_threshold_m": 800_000,
		"starting_distance_m": 700_000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	eventually("gear", func(f facts.Facts) bool { return len(f.Gear) == 1 })
	w, ok := load().Gear[0].WornFraction()
	assert.True(t, ok)
	assert.InDelta(t, 0.875, w, 1e-9)

	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	var sessions []trainingapi.Session
	for _, sport := range []string{"run", "run", "ride"} {
		r = a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": sport, "started_at": start,
			"elapsed_time_s": 1800, "distance_m": 5000})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var s trainingapi.Session
		r.JSON(t, &s)
		sessions = append(sessions, s)
		start = start.Add(-24 * time.Hour)
	}
	eventually("sessions", func(f facts.Facts) bool { return f.SessionsPerWeek == 0.75 })
	assert.Equal(t, []string{"run", "ride"}, load().Sports)

	// The ride becomes a swim; a run is deleted.
	r = a.Do(http.MethodPatch, "/v1/sessions/"+sessions[2].ID, token, map[string]any{"sport": "swim"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+sessions[0].ID, token, nil).Status)
	eventually("edited and deleted", func(f facts.Facts) bool {
		return f.SessionsPerWeek == 0.5 && len(f.Sports) == 2 && f.Sports[1] == "swim"
	})
	assert.Equal(t, []string{"run", "swim"}, load().Sports)

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", token, map[string]any{"password": apptest.Password}).Status)
	eventually("erased", func(f facts.Facts) bool { return !f.Known })
	assertNoRows(t, db, user)
}
