package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/gamification/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// user is a signed-up user of a test: its token and id.
type user struct {
	token, id string
}

func signUp(t testing.TB, a *apptest.App, email string) user {
	t.Helper()
	tok := a.SignUp(email)
	var me struct {
		UserID string `json:"user_id"`
	}
	r := a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &me)
	return user{token: tok.AccessToken, id: me.UserID}
}

// platformAdmin signs up a user, makes it a platform admin and signs it in
// again (the role travels in the access token).
func platformAdmin(t testing.TB, a *apptest.App, email string) user {
	t.Helper()
	u := signUp(t, a, email)
	u.token = a.Promote(email)
	return u
}

func window() (time.Time, time.Time) {
	now := time.Now().UTC().Truncate(time.Second)
	return now.Add(-24 * time.Hour), now.Add(30 * 24 * time.Hour)
}

func create(t testing.TB, a *apptest.App, u user, body map[string]any) api.Challenge {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/challenges", u.token, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var c api.Challenge
	r.JSON(t, &c)
	return c
}

func get(t *testing.T, a *apptest.App, u user, id string) api.Challenge {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/challenges/"+id, u.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var c api.Challenge
	r.JSON(t, &c)
	return c
}

func youValue(c api.Challenge) float64 {
	if c.You == nil || c.You.Value == nil {
		return -1
	}
	return *c.You.Value
}

// Through the front, with the real client, training and social modules: a
// platform admin's global challenge; sessions recorded after joining
// count, an edit changes the value and a deletion takes it back; the
// leaderboard ranks; joined and left events go out.
func TestChallengeThroughTheFront(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social", "gamification")
	admin := platformAdmin(t, a, "admin@example.com")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	from, to := window()
	c := create(t, a, admin, map[string]any{"title": "Run the month", "kind": "most_activity", "metric": "distance",
		"sport": "run", "starts_at": from, "ends_at": to})
	assert.Equal(t, "active", c.State)
	assert.Equal(t, "m", c.Unit)

	old := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	r := a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "run", "started_at": old,
		"elapsed_time_s": 3000, "moving_time_s": 2900, "distance_m": 9000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))

	for _, u := range []user{ana, bob} {
		r := a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/join", u.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	started := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	r = a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "run", "started_at": started,
		"elapsed_time_s": 3000, "moving_time_s": 2900, "distance_m": 10_000})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s trainingapi.Session
	r.JSON(t, &s)
	require.Eventually(t, func() bool { return youValue(get(t, a, ana, c.ID)) == 10_000 }, 10*time.Second, 25*time.Millisecond,
		"the session after joining counts, the one before does not")

	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana.token, map[string]any{"distance_m": 12_000})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool { return youValue(get(t, a, ana, c.ID)) == 12_000 }, 10*time.Second, 25*time.Millisecond, "edited")

	r = a.Do(http.MethodGet, "/v1/challenges/"+c.ID+"/leaderboard", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var b api.ChallengeLeaderboard
	r.JSON(t, &b)
	require.Len(t, b.Items, 1)
	assert.Equal(t, ana.id, b.Items[0].UserID)
	assert.Equal(t, 1, b.Items[0].Rank)
	require.NotNil(t, b.You)
	assert.Zero(t, b.You.Rank, "Bob has no value yet")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana.token, nil).Status)
	require.Eventually(t, func() bool { return youValue(get(t, a, ana, c.ID)) == -1 }, 10*time.Second, 25*time.Millisecond, "deleted")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/leave", bob.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/leave", bob.token, nil).Status)
	require.Eventually(t, func() bool {
		return a.EventCount(t, "EVT_GAMIFICATION", api.EventChallengeJoined) == 2 &&
			a.EventCount(t, "EVT_GAMIFICATION", api.EventChallengeLeft) == 1
	}, 10*time.Second, 25*time.Millisecond, "joined and left events")

	// A deleted account's participation goes.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana.token, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool { return get(t, a, admin, c.ID).Participants == 0 }, 10*time.Second, 25*time.Millisecond, "erased")
}

// A group's owner creates its challenge (once gamification knows the
// membership from social's events); a member who is not an admin, an
// admin of another group and a user creating a global challenge may not.
func TestChallengePermissionsThroughTheFront(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social", "gamification")
	ana, bob, cy := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cy@example.com")
	group := func(owner user, name string) string {
		r := a.Do(http.MethodPost, "/v1/groups", owner.token, map[string]any{"name": name})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var g socialapi.Group
		r.JSON(t, &g)
		return g.ID
	}
	g, other := group(ana, "Dawn Runners"), group(cy, "Cy's")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g+"/join", bob.token, nil).Status)
	from, to := window()
	body := map[string]any{"title": "Group miles", "kind": "group_goal", "metric": "distance", "target": 100000,
		"starts_at": from, "ends_at": to, "group_id": g}
	var c api.Challenge
	require.Eventually(t, func() bool {
		r := a.Do(http.MethodPost, "/v1/challenges", ana.token, body)
		if r.Status == http.StatusCreated {
			r.JSON(t, &c)
		}
		return r.Status == http.StatusCreated
	}, 10*time.Second, 50*time.Millisecond, "the owner creates it once the module knows she owns the group")
	assert.Equal(t, g, c.GroupID)

	require.Eventually(t, func() bool {
		return a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/join", bob.token, nil).Status == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond, "a member joins")
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPost, "/v1/challenges", bob.token, body).Status, "a plain member")
	cyBody := map[string]any{}
	for k, v := range body {
		cyBody[k] = v
	}
	require.Eventually(t, func() bool {
		cyBody["group_id"] = other
		return a.Do(http.MethodPost, "/v1/challenges", cy.token, cyBody).Status == http.StatusCreated
	}, 10*time.Second, 50*time.Millisecond, "Cy administers her own group")
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPost, "/v1/challenges", cy.token, body).Status, "an admin of another group")
	delete(cyBody, "group_id")
	r := a.Do(http.MethodPost, "/v1/challenges", cy.token, cyBody)
	assert.Equal(t, http.StatusForbidden, r.Status, "a global challenge by a user")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/challenges/"+c.ID, cy.token, nil).Status, "not in the group")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/join", cy.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/challenges/"+c.ID+"/leaderboard", cy.token, nil).Status)
}

const unknownID = "01a218c9-95e8-7859-a437-7b9381224e73"

// Every challenge endpoint refuses malformed, missing, out-of-range,
// oversized and unknown input with a problem naming the field, and
// changes nothing.
func TestChallengeBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "gamification")
	admin := platformAdmin(t, a, "admin@example.com")
	ana := signUp(t, a, "ana@example.com")
	from, to := window()
	c := create(t, a, admin, map[string]any{"title": "Month", "kind": "most_activity", "metric": "distance", "starts_at": from, "ends_at": to})
	f, e := from.Format(time.RFC3339), to.Format(time.RFC3339)
	valid := func(extra string) string {
		return `{"title": "x", "kind": "most_activity", "metric": "distance", "starts_at": "` + f + `", "ends_at": "` + e + `"` + extra + `}`
	}
	long := strings.Repeat("x", 101)
	type bad struct {
		method, path string
		body         any
		status       int
		field        string
	}
	cases := []bad{
		{http.MethodPost, "/v1/challenges", `{"title": `, 400, "body"},
		{http.MethodPost, "/v1/challenges", ``, 400, "body"},
		{http.MethodPost, "/v1/challenges", `{}`, 400, "body.title"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "most_activity", "metric": "distance", "starts_at": "` + f + `", "ends_at": "` + f + `"}`, 400, "body.ends_at"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "most_activity", "metric": "distance", "starts_at": "` + e + `", "ends_at": "` + f + `"}`, 400, "body.ends_at"},
		{http.MethodPost, "/v1/challenges", valid(`, "title": "` + long + `"`), 400, "body.title"},
		{http.MethodPost, "/v1/challenges", `{"title": " ", "kind": "most_activity", "metric": "distance", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.title"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "most_fun", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.kind"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "most_activity", "metric": "calories", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.metric"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "most_activity", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.metric"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "group_goal", "metric": "distance", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.target"},
		{http.MethodPost, "/v1/challenges", `{"title": "x", "kind": "fastest_effort", "effort": "3k", "starts_at": "` + f + `", "ends_at": "` + e + `"}`, 400, "body.effort"},
		{http.MethodPost, "/v1/challenges", valid(`, "target": -1`), 400, "body.target"},
		{http.MethodPost, "/v1/challenges", valid(`, "target": "far"`), 400, "body.target"},
		{http.MethodPost, "/v1/challenges", valid(`, "sport": "curling"`), 400, "body.sport"},
		{http.MethodPost, "/v1/challenges", valid(`, "group_id": "nope"`), 400, "body.group_id"},
		{http.MethodPost, "/v1/challenges", valid(`, "team_mode": "pairs"`), 400, "body.team_mode"},
		{http.MethodPost, "/v1/challenges", valid(`, "team_mode": "teams", "group_id": "` + unknownID + `"`), 400, "body.team_names"},
		{http.MethodPost, "/v1/challenges", valid(`, "team_mode": "groups", "team_groups": ["` + unknownID + `"]`), 400, "body.team_groups"},
		{http.MethodPost, "/v1/challenges", valid(`, "team_mode": "groups", "team_groups": ["` + unknownID + `", "01a218c9-95e8-7859-a437-7b9381224e74"]`), 400, "body.team_groups[0]"},
		{http.MethodPost, "/v1/challenges", valid(`, "group_id": "` + unknownID + `"`), 400, "body.group_id"},
		{http.MethodPost, "/v1/challenges", valid(`, "description": "` + strings.Repeat("x", 2001) + `"`), 400, "body.description"},
		{http.MethodPost, "/v1/challenges", valid(`, "starts_at": "yesterday"`), 400, "body.starts_at"},
		{http.MethodPost, "/v1/challenges", valid(`, "unknown": 1`), 400, "body.unknown"},
		// List.
		{http.MethodGet, "/v1/challenges?filter=past", nil, 400, "query.filter"},
		{http.MethodGet, "/v1/challenges?limit=0", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/challenges?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/challenges?cursor=nope", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/challenges?cursor=" + strings.Repeat("A", 65), nil, 400, "query.cursor"},
		// Read.
		{http.MethodGet, "/v1/challenges/nope", nil, 400, "path.id"},
		{http.MethodGet, "/v1/challenges/" + unknownID, nil, 404, ""},
		// Join and leave.
		{http.MethodPost, "/v1/challenges/nope/join", nil, 400, "path.id"},
		{http.MethodPost, "/v1/challenges/" + unknownID + "/join", nil, 404, ""},
		{http.MethodPost, "/v1/challenges/" + c.ID + "/join", `{"team_id": "nope"}`, 400, "body.team_id"},
		{http.MethodPost, "/v1/challenges/" + c.ID + "/join", `{"team_id": "` + unknownID + `"}`, 400, "body.team_id"},
		{http.MethodPost, "/v1/challenges/" + c.ID + "/join", `{"team_id": `, 400, "body"},
		{http.MethodPost, "/v1/challenges/" + c.ID + "/join", `{"team": 1}`, 400, "body.team"},
		{http.MethodPost, "/v1/challenges/nope/leave", nil, 400, "path.id"},
		{http.MethodPost, "/v1/challenges/" + c.ID + "/leave", nil, 404, ""},
		// Leaderboard.
		{http.MethodGet, "/v1/challenges/nope/leaderboard", nil, 400, "path.id"},
		{http.MethodGet, "/v1/challenges/" + unknownID + "/leaderboard", nil, 404, ""},
		{http.MethodGet, "/v1/challenges/" + c.ID + "/leaderboard?board=pairs", nil, 400, "query.board"},
		{http.MethodGet, "/v1/challenges/" + c.ID + "/leaderboard?board=teams", nil, 400, "query.board"},
		{http.MethodGet, "/v1/challenges/" + c.ID + "/leaderboard?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/challenges/" + c.ID + "/leaderboard?cursor=AAAA", nil, 400, "query.cursor"},
	}
	for _, tc := range cases {
		who := ana
		if tc.method == http.MethodPost && tc.path == "/v1/challenges" {
			who = admin // so that unknown groups are checked, not the permission
		}
		r := a.Do(tc.method, tc.path, who.token, tc.body)
		require.Equal(t, tc.status, r.Status, "%s %s %v: %s", tc.method, tc.path, tc.body, r.Body)
		if tc.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), tc.field, "%s %s %v: %s", tc.method, tc.path, tc.body, r.Body)
		}
	}
	// Oversized body.
	r := a.Do(http.MethodPost, "/v1/challenges", admin.token, valid(`, "description": "`+strings.Repeat("x", 70<<10)+`"`))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
	// Nothing changed: one challenge, nobody in it.
	got := get(t, a, admin, c.ID)
	assert.Zero(t, got.Participants)
	var n int
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT count(*) FROM gamification.challenges`).Scan(&n))
	assert.Equal(t, 1, n)
	// Without a token: 401.
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/challenges", "", nil).Status)
}
