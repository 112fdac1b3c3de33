package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

type lbUser struct{ token, id string }

func lbSignUp(t *testing.T, a *apptest.App, email string, profile map[string]any) lbUser {
	t.Helper()
	tok := a.SignUp(email)
	r := a.Do(http.MethodPatch, "/v1/me", tok.AccessToken, profile)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var me struct {
		UserID string `json:"user_id"`
	}
	r.JSON(t, &me)
	return lbUser{token: tok.AccessToken, id: me.UserID}
}

func lbRun(t *testing.T, a *apptest.App, u lbUser, distanceM float64) trainingapi.Session {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions", u.token, map[string]any{"sport": "run",
		"started_at": time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second), "elapsed_time_s": 3600, "distance_m": distanceM})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s trainingapi.Session
	r.JSON(t, &s)
	return s
}

func lbGet(t require.TestingT, a *apptest.App, u lbUser, query string) api.Leaderboard {
	r := a.Do(http.MethodGet, "/v1/leaderboards?"+query, u.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var b api.Leaderboard
	require.NoError(t, jsonUnmarshal(r.Body, &b))
	return b
}

type lbPlace struct {
	Rank  int64
	Name  string
	Value float64
}

func lbPlaces(rows []api.LeaderboardRow) []lbPlace {
	out := make([]lbPlace, len(rows))
	for i, r := range rows {
		out[i] = lbPlace{r.Rank, r.DisplayName, r.Value}
	}
	return out
}

// Over HTTP, from the other modules' events: sessions recorded in
// training reach the board (names and countries from client's profile
// events), a user who opts out leaves it, a deleted session is taken back.
func TestLeaderboardFromEvents(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social", "gamification")
	ana := lbSignUp(t, a, "ana@example.com", map[string]any{"first_name": "Ana", "country": "DE"})
	ben := lbSignUp(t, a, "ben@example.com", map[string]any{"first_name": "Ben", "country": "FR"})
	eve := lbSignUp(t, a, "eve@example.com", map[string]any{"first_name": "Eve", "country": "DE"})
	lbRun(t, a, ana, 10_004)
	benRun := lbRun(t, a, ben, 12_000)
	lbRun(t, a, ben, 3_000)
	lbRun(t, a, eve, 8_000)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		b := lbGet(c, a, ana, "period=all")
		assert.Equal(c, []lbPlace{{1, "Ben", 15000}, {2, "Ana", 10000}, {3, "Eve", 8000}}, lbPlaces(b.Items))
	}, 30*time.Second, 50*time.Millisecond)
	// Points come from the achievements Ana unlocked (her first session's, at least).
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		r := a.Do(http.MethodGet, "/v1/me/achievements", ana.token, nil)
		require.Equal(c, http.StatusOK, r.Status)
		var mine struct {
			Points float64 `json:"points"`
		}
		require.NoError(c, jsonUnmarshal(r.Body, &mine))
		require.Positive(c, mine.Points)
		p := lbGet(c, a, ana, "period=all&metric=points")
		assert.Equal(c, mine.Points, p.Me.Value)
		assert.NotNil(c, p.Me.Rank)
	}, 30*time.Second, 50*time.Millisecond)
	// The boards read are in this process's memory, as /metrics says.
	r := a.Do(http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Regexp(t, `(?m)^athlos_gamification_leaderboards_in_memory [1-9]`, string(r.Body))
	assert.Regexp(t, `(?m)^athlos_gamification_leaderboard_users_in_memory [1-9]`, string(r.Body))

	b := lbGet(t, a, ana, "period=all&neighbours=1")
	require.NotNil(t, b.Me.Rank)
	assert.Equal(t, int64(2), *b.Me.Rank)
	assert.Equal(t, []lbPlace{{1, "Ben", 15000}, {2, "Ana", 10000}, {3, "Eve", 8000}}, lbPlaces(b.Neighbours))
	assert.Equal(t, "global", b.Scope)
	assert.Nil(t, b.PeriodStart)
	week := lbGet(t, a, ana, "period=week&metric=sessions&sport=run&scope=country")
	assert.Equal(t, "country:DE", week.Scope)
	require.NotNil(t, week.PeriodStart)
	assert.Equal(t, time.Monday, week.PeriodStart.Weekday())
	assert.Equal(t, 7*24*time.Hour, week.PeriodEnd.Sub(*week.PeriodStart))

	// A group's board: its members only; Eve, not a member, hears of no group.
	r = a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g struct {
		ID string `json:"id"`
	}
	r.JSON(t, &g)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", ben.token, nil).Status)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		b := lbGet(c, a, ana, "period=all&scope=group:"+g.ID)
		assert.Equal(c, []lbPlace{{1, "Ben", 15000}, {2, "Ana", 10000}}, lbPlaces(b.Items))
	}, 30*time.Second, 50*time.Millisecond)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/leaderboards?scope=group:"+g.ID, eve.token, nil).Status)

	// Eve opts out; Ben deletes his longest run.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", eve.token, map[string]any{"privacy": map[string]any{"show_in_leaderboards": false}}).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+benRun.ID, ben.token, nil).Status)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		b := lbGet(c, a, ana, "period=all")
		assert.Equal(c, []lbPlace{{1, "Ana", 10000}, {2, "Ben", 3000}}, lbPlaces(b.Items))
		assert.Equal(c, int64(2), b.Total)
	}, 30*time.Second, 50*time.Millisecond)
	e := lbGet(t, a, eve, "period=all")
	assert.False(t, e.Me.Listed)
	assert.Nil(t, e.Me.Rank)
	assert.Equal(t, 8000.0, e.Me.Value)
}

// Every parameter refuses bad input with a problem naming it; a group
// that is not yours is 404, known or not; no token is 401.
func TestLeaderboardBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "gamification")
	ana := lbSignUp(t, a, "ana@example.com", map[string]any{"first_name": "Ana"})
	cases := []struct {
		query, field string
	}{
		{"metric=calories", "query.metric"},
		{"period=day", "query.period"},
		{"scope=planet", "query.scope"},
		{"scope=group:xyz", "query.scope"},
		{"scope=group:" + strings.Repeat("a", 40), "query.scope"},
		{"scope=country", "query.scope"}, // Ana has no country
		{"sport=curling", "query.sport"},
		{"metric=points&sport=run", "query.sport"},
		{"limit=0", "query.limit"},
		{"limit=101", "query.limit"},
		{"limit=ten", "query.limit"},
		{"neighbours=-1", "query.neighbours"},
		{"neighbours=11", "query.neighbours"},
		{"at=yesterday", "query.at"},
		{"at=" + url.QueryEscape(time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)), "query.at"},
		{"at=" + strings.Repeat("9", 41), "query.at"},
	}
	for _, c := range cases {
		r := a.Do(http.MethodGet, "/v1/leaderboards?"+c.query, ana.token, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", c.query, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.query)
	}
	r := a.Do(http.MethodGet, "/v1/leaderboards?scope=group:01a218c9-95e8-7859-a437-7b9381224e73", ana.token, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/leaderboards", "", nil).Status)
	b := lbGet(t, a, ana, "")
	assert.Equal(t, "distance", b.Metric)
	assert.Equal(t, "week", b.Period)
	assert.Empty(t, b.Items)
	assert.Nil(t, b.Me.Rank)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
