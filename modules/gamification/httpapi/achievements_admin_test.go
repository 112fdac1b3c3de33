package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

func rideTotal(id string, km ...float64) map[string]any {
	names := []string{"bronze", "silver", "gold"}
	var tiers []map[string]any
	for i, k := range km {
		tiers = append(tiers, map[string]any{"name": names[i], "threshold": k * 1000, "points": 5 * (i + 1)})
	}
	return map[string]any{"id": id, "name": "Ride " + id, "rule": map[string]any{"metric": "distance_m", "sport": "ride", "tiers": tiers}}
}

// The admin API is for admins (401 without a token, 403 for a user);
// every bad definition is refused naming the field and changes nothing;
// unknown ids are 404; an achievement is created, replaced (its version
// raised) and retired (no longer listed, retiring again changes nothing).
func TestAdminAchievements(t *testing.T) {
	t.Parallel()
	a := startAchievements(t)
	ana := a.signUp("ana@example.com", "UTC")
	root := a.admin("root@example.com")

	ops := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v1/admin/achievements", nil},
		{http.MethodPost, "/v1/admin/achievements", rideTotal("ride_15k_total", 15)},
		{http.MethodGet, "/v1/admin/achievements/first_session", nil},
		{http.MethodPut, "/v1/admin/achievements/first_session", withoutID(rideTotal("", 1))},
		{http.MethodDelete, "/v1/admin/achievements/first_session", nil},
		{http.MethodPost, "/v1/admin/achievements/first_session/backfill", nil},
	}
	for _, op := range ops {
		assert.Equal(t, http.StatusUnauthorized, a.Do(op.method, op.path, "", op.body).Status, "%s %s", op.method, op.path)
		r := a.Do(op.method, op.path, ana.token, op.body)
		assert.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", op.method, op.path, r.Body)
	}
	list := func(query string) []api.AdminAchievement {
		r := a.Do(http.MethodGet, "/v1/admin/achievements"+query, root.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var l api.AdminAchievementList
		r.JSON(t, &l)
		return l.Items
	}
	before := list("")
	require.Len(t, before, 26, "the default catalogue, hidden ones too")

	r := a.Do(http.MethodPost, "/v1/admin/achievements", root.token, rideTotal("ride_15k_total", 15))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var got api.AdminAchievement
	r.JSON(t, &got)
	assert.Equal(t, 1, got.Version)
	assert.Equal(t, "achievement.ride_15k_total.name", got.NameKey)
	assert.Equal(t, "ride", got.Rule.Sport)
	assert.Nil(t, got.Backfill)
	r = a.Do(http.MethodPost, "/v1/admin/achievements", root.token, rideTotal("ride_15k_total", 20))
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))

	bad := []struct {
		field string
		def   func(map[string]any)
	}{
		{"body.id", func(d map[string]any) { d["id"] = "Bad Id" }},
		{"body.name", func(d map[string]any) { d["name"] = "" }},
		{"body.name", func(d map[string]any) { d["name"] = strings.Repeat("n", 101) }},
		{"body.name_key", func(d map[string]any) { d["name_key"] = "Not A Key" }},
		{"body.rule.metric", func(d map[string]any) { rule(d)["metric"] = "kilometres" }},
		{"body.rule.sport", func(d map[string]any) { rule(d)["sport"] = "quidditch" }},
		{"body.rule.sport", func(d map[string]any) { rule(d)["metric"] = "records" }},
		{"body.rule.window", func(d map[string]any) { rule(d)["window"] = "decade" }},
		{"body.rule.window", func(d map[string]any) { rule(d)["metric"] = "session_distance_m"; rule(d)["window"] = "week" }},
		{"body.rule.distance_m", func(d map[string]any) { rule(d)["metric"] = "best_effort_s"; rule(d)["distance_m"] = 3000 }},
		{"body.rule.distance_m", func(d map[string]any) { rule(d)["distance_m"] = 5000 }},
		{"body.rule.hours", func(d map[string]any) { rule(d)["metric"] = "sessions_at_hours" }},
		{"body.rule.hours", func(d map[string]any) {
			rule(d)["metric"] = "sessions_at_hours"
			rule(d)["hours"] = map[string]any{"from": 5, "to": 5}
		}},
		{"body.rule.tiers", func(d map[string]any) { rule(d)["tiers"] = []any{} }},
		{"body.rule.tiers[1].threshold", func(d map[string]any) {
			rule(d)["tiers"] = []any{map[string]any{"name": "bronze", "threshold": 10}, map[string]any{"name": "silver", "threshold": 10}}
		}},
		{"body.rule.tiers[0].threshold", func(d map[string]any) {
			rule(d)["tiers"] = []any{map[string]any{"name": "bronze", "threshold": -1}}
		}},
		{"body.rule.tiers[0].points", func(d map[string]any) {
			rule(d)["tiers"] = []any{map[string]any{"name": "bronze", "threshold": 1, "points": 1_000_000}}
		}},
		{"body.rule.tiers[0].name", func(d map[string]any) {
			rule(d)["tiers"] = []any{map[string]any{"name": "Bronze Tier", "threshold": 1}}
		}},
		{"body.rule.repeat_every", func(d map[string]any) { rule(d)["window"] = "month"; rule(d)["repeat_every"] = 1000 }},
	}
	for _, b := range bad {
		d := rideTotal("ride_bad", 15)
		b.def(d)
		r := a.Do(http.MethodPost, "/v1/admin/achievements", root.token, d)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", b.field, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), b.field, string(r.Body))
		if b.field != "body.id" {
			r = a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, withoutID(d))
			require.Equal(t, http.StatusBadRequest, r.Status, "PUT %s: %s", b.field, r.Body)
			assert.Contains(t, r.Problem(t).Fields(), b.field, string(r.Body))
		}
	}
	for body, field := range map[string]string{`{"id": "x", "name":`: "body", ``: "body",
		`{"id": "ride_x", "name": "x", "colour": "red", "rule": {"metric": "sessions", "tiers": [{"name": "bronze", "threshold": 1}]}}`: "body.colour",
		`{"id": "ride_x", "name": "a\u0000b", "rule": {"metric": "sessions", "tiers": [{"name": "bronze", "threshold": 1}]}}`:           "body.name",
		`{"id": "ride_x", "name": "x", "rule": {"metric": "sessions", "tiers": [{"name": "bronze", "threshold": "1"}]}}`:                "body.rule.tiers[0].threshold",
	} {
		r = a.Do(http.MethodPost, "/v1/admin/achievements", root.token, body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), field, string(r.Body))
	}
	r = a.Do(http.MethodGet, "/v1/admin/achievements?include_retired=perhaps", root.token, nil)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Fields(), "query.include_retired")
	big := rideTotal("ride_big", 15)
	big["description"] = strings.Repeat("d", 20<<10)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPost, "/v1/admin/achievements", root.token, big).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, withoutID(big)).Status)
	assert.Len(t, list(""), 27, "nothing bad was saved")

	// Unknown and malformed ids.
	for _, op := range ops[2:] {
		path := strings.Replace(op.path, "first_session", "no_such_thing", 1)
		r := a.Do(op.method, path, root.token, op.body)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", op.method, path, r.Body)
		path = strings.Replace(op.path, "first_session", "Not-An-Id", 1)
		r = a.Do(op.method, path, root.token, op.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s %s: %s", op.method, path, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), "path.id")
	}
	r = a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, rideTotal("other_id", 15))
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Fields(), "body.id")

	// Replace: version 2; the id may be left out.
	d := withoutID(rideTotal("", 15, 30))
	r = a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, d)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &got)
	assert.Equal(t, 2, got.Version)
	assert.Len(t, got.Rule.Tiers, 2)

	// Retire: gone from the lists, again changes nothing; a retired one
	// can't be backfilled; PUT brings it back.
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/admin/achievements/ride_15k_total", root.token, nil).Status)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/admin/achievements/ride_15k_total", root.token, nil).Status)
	assert.Len(t, list(""), 26)
	assert.Len(t, list("?include_retired=true"), 27)
	assert.Nil(t, item(a.mine(ana), "ride_15k_total"))
	r = a.Do(http.MethodPost, "/v1/admin/achievements/ride_15k_total/backfill", root.token, nil)
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	r = a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, d)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &got)
	assert.False(t, got.Retired)
	assert.Equal(t, 3, got.Version)
	assert.NotNil(t, item(a.mine(ana), "ride_15k_total"))
}

func rule(d map[string]any) map[string]any { return d["rule"].(map[string]any) }

func withoutID(d map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		if k != "id" {
			out[k] = v
		}
	}
	return out
}

// A new achievement unlocks from the next session on; a backfill applies
// it to history, once: a second run unlocks nothing more, and a changed
// rule's backfill adds only what the change added.
func TestBackfillUnlocksOnce(t *testing.T) {
	t.Parallel()
	a := startAchievements(t)
	ana := a.signUp("ana@example.com", "Europe/Paris")
	bob := a.signUp("bob@example.com", "UTC")
	root := a.admin("root@example.com")
	day := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	a.session(trainingapi.EventSessionCompleted, ana, uuid.NewString(), 1, "ride", day, 10)
	a.session(trainingapi.EventSessionCompleted, ana, uuid.NewString(), 1, "ride", day.Add(24*time.Hour), 8)
	a.session(trainingapi.EventSessionCompleted, bob, uuid.NewString(), 1, "ride", day, 5)
	a.drained()

	r := a.Do(http.MethodPost, "/v1/admin/achievements", root.token, rideTotal("ride_15k_total", 15))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	assert.Empty(t, item(a.mine(ana), "ride_15k_total").Unlocked, "history needs a backfill")
	assert.Equal(t, 18_000.0, item(a.mine(ana), "ride_15k_total").Value, "progress shows at once")

	backfill := func(wantUnlocked int) {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/admin/achievements/ride_15k_total/backfill", root.token, nil)
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		var b api.Backfill
		r.JSON(t, &b)
		assert.Equal(t, "ride_15k_total", b.AchievementID)
		require.Eventually(t, func() bool {
			var got api.AdminAchievement
			a.Do(http.MethodGet, "/v1/admin/achievements/ride_15k_total", root.token, nil).JSON(t, &got)
			return got.Backfill != nil && got.Backfill.ID == b.ID && got.Backfill.State == "done"
		}, 15*time.Second, 25*time.Millisecond)
		var got api.AdminAchievement
		a.Do(http.MethodGet, "/v1/admin/achievements/ride_15k_total", root.token, nil).JSON(t, &got)
		assert.Equal(t, wantUnlocked, got.Backfill.Unlocked)
		assert.Equal(t, 2, got.Backfill.Users, "Ana and Bob, who have a history (the admin has none)")
		require.NotNil(t, got.Backfill.FinishedAt)
	}
	backfill(1)
	m := a.mine(ana)
	it := item(m, "ride_15k_total")
	require.Len(t, it.Unlocked, 1)
	assert.Nil(t, it.Unlocked[0].SessionID, "a backfill names no session")
	assert.Empty(t, item(a.mine(bob), "ride_15k_total").Unlocked)
	backfill(0)
	assert.Len(t, item(a.mine(ana), "ride_15k_total").Unlocked, 1)

	// A silver tier added: its backfill adds silver only.
	r = a.Do(http.MethodPut, "/v1/admin/achievements/ride_15k_total", root.token, rideTotal("ride_15k_total", 15, 17))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	backfill(1)
	m = a.mine(ana)
	assert.Len(t, item(m, "ride_15k_total").Unlocked, 2)
	sum := 0
	for _, it := range m.Items {
		for _, u := range it.Unlocked {
			sum += u.Points
		}
	}
	assert.Equal(t, sum, m.Points, "points follow the unlocks")

	// A new achievement unlocks with the next session (the hot path).
	r = a.Do(http.MethodPost, "/v1/admin/achievements", root.token, rideTotal("ride_30k_total", 30))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	s := uuid.NewString()
	a.session(trainingapi.EventSessionCompleted, ana, s, 1, "ride", day.Add(48*time.Hour), 12)
	m = a.eventually(ana, "the 30 km", func(m api.MyAchievements) bool { return len(item(m, "ride_30k_total").Unlocked) == 1 })
	assert.Equal(t, s, *item(m, "ride_30k_total").Unlocked[0].SessionID)
	events := a.unlockedEvents(ana)
	assert.Equal(t, 1, events["ride_15k_total/bronze"])
	assert.Equal(t, 1, events["ride_15k_total/silver"])
	assert.Equal(t, 1, events["ride_30k_total/bronze"])
}
