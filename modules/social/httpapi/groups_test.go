package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// user is a signed-up user of a test: its token and id.
type user struct {
	token, id string
}

func signUp(t *testing.T, a *apptest.App, email string) user {
	t.Helper()
	tok := a.SignUp(email)
	r := a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var me struct {
		UserID string `json:"user_id"`
	}
	r.JSON(t, &me)
	return user{token: tok.AccessToken, id: me.UserID}
}

func createGroup(t *testing.T, a *apptest.App, owner user, body map[string]any) api.Group {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/groups", owner.token, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g api.Group
	r.JSON(t, &g)
	return g
}

func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")

	g := createGroup(t, a, ana, map[string]any{
		"name": "  Dawn Runners ", "description": "Morning runs by the river", "sports": []string{"trail_run", "run", "run"},
		"goals": []string{"First Marathon", "morning  runs", "first marathon"},
		"place": map[string]any{"lat": 52.52, "lon": 13.405, "radius_m": 5000},
	})
	assert.Equal(t, "Dawn Runners", g.Name)
	assert.Equal(t, []string{"run", "trail_run"}, g.Sports)
	assert.Equal(t, []string{"first marathon", "morning runs"}, g.Goals)
	assert.Equal(t, "public", g.Visibility)
	assert.Equal(t, 10000, g.MemberLimit)
	assert.Equal(t, 1, g.MemberCount)
	assert.Equal(t, "member", g.Membership)
	require.NotNil(t, g.Role)
	assert.Equal(t, "owner", *g.Role)
	require.NotNil(t, g.Place)
	assert.InDelta(t, 52.52, g.Place.Lat, 1e-9)

	var seen api.Group
	a.Do(http.MethodGet, "/v1/groups/"+g.ID, bob.token, nil).JSON(t, &seen)
	assert.Equal(t, "none", seen.Membership)
	assert.Nil(t, seen.Role)

	r := a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var m api.JoinResult
	r.JSON(t, &m)
	assert.Equal(t, "member", m.Membership)

	var members api.GroupMemberList
	r = a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/members", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &members)
	require.Len(t, members.Items, 2)
	assert.Equal(t, ana.id, members.Items[0].UserID)
	assert.Equal(t, "owner", members.Items[0].Role)
	assert.Equal(t, bob.id, members.Items[1].UserID)

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/leave", bob.token, nil).Status)
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/leave", ana.token, nil)
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID, ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/groups/"+g.ID, ana.token, nil).Status)
}
