package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	socialapi "github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/training/api"
)

// Members of a group the owner is in may see and watch a followers
// session, as followers would; a stranger may not; a member who left may
// not any more, and loses the grant it had. Private sessions stay the
// owner's. Watching is asked per session: nobody is granted anything when
// the session starts.
func TestGroupMembersSeeAndWatchFollowersSessions(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob, eve := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken, a.SignUp("eve@example.com").AccessToken

	r := a.Do(http.MethodPost, "/v1/groups", ana, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g socialapi.Group
	r.JSON(t, &g)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", bob, nil).Status)

	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "visibility": "followers", "title": "tempo"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"notes": "knee hurts"}).Status)
	r = a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status)
	var private api.Session
	r.JSON(t, &private)

	watched := func(token, id string) bool {
		var gr struct {
			Subscribe []string `json:"subscribe"`
		}
		a.Do(http.MethodGet, "/v1/realtime", token, nil).JSON(t, &gr)
		for _, x := range gr.Subscribe {
			if x == api.LiveWatchSubject(id) {
				return true
			}
		}
		return false
	}
	assert.False(t, watched(bob, s.ID), "a session's start grants nothing to the owner's groups")

	// Bob's membership reaches training through evt.social.member.joined.
	require.Eventually(t, func() bool {
		return a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).Status == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "a co-member sees the followers session")
	var seen api.Session
	a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).JSON(t, &seen)
	assert.Equal(t, "tempo", seen.Title)
	assert.Empty(t, seen.Notes, "the owner's notes are hers")
	assert.Nil(t, seen.DeviceID)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/gpx", bob, nil).Status)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var w api.Watch
	r.JSON(t, &w)
	assert.Equal(t, api.LiveWatchSubject(s.ID), w.Subject)
	assert.True(t, watched(bob, s.ID))

	// Her list, as Bob and a stranger see it.
	anaID := userIDOf(t, a, ana)
	list := func(token string) []string {
		r := a.Do(http.MethodGet, "/v1/sessions?user_id="+anaID, token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var l api.SessionList
		r.JSON(t, &l)
		ids := []string{}
		for _, x := range l.Items {
			ids = append(ids, x.ID)
			assert.Empty(t, x.Notes)
		}
		return ids
	}
	assert.Equal(t, []string{s.ID}, list(bob), "the followers session, not the private one")
	assert.Empty(t, list(eve))
	r = a.Do(http.MethodGet, "/v1/sessions?user_id=nope", eve, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)

	// A stranger sees nothing of it; nobody but Ana sees the private one.
	for _, path := range []string{"/v1/sessions/" + s.ID, "/v1/sessions/" + s.ID + "/gpx", "/v1/sessions/" + s.ID + "/route"} {
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, path, eve, nil).Status, path)
	}
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", eve, nil).Status)
	for _, tok := range []string{bob, eve} {
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+private.ID, tok, nil).Status)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+private.ID+"/watch", tok, nil).Status)
	}
	// Seeing is not changing.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, bob, map[string]any{"title": "mine"}).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", bob, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, bob, nil).Status)

	// Bob leaves: the grant goes at once (with the event), and so does the session.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/leave", bob, nil).Status)
	require.Eventually(t, func() bool { return !watched(bob, s.ID) }, 10*time.Second, 20*time.Millisecond,
		"a member who left loses the grant")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob, nil).Status)
	assert.Empty(t, list(bob))

	// Bob's join, delivered again late (another message id, as after the
	// stream's duplicate window), changes nothing: it is older than his leave.
	ctx := context.Background()
	db := a.DB(t)
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages
			WHERE consumer = 'training__evt_social_member_joined'`).Scan(&n))
		return n
	}
	before := processed()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redeliver", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	data, err := json.Marshal(socialapi.MemberChanged{GroupID: g.ID, UserID: userIDOf(t, a, bob), Role: "member", Seq: 2})
	require.NoError(t, err)
	_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: socialapi.EventMemberJoined, Data: data,
		Header: nats.Header{"Nats-Msg-Id": []string{"late-join"}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processed() > before }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, bob, nil).Status)

	// Eve joins, watches, and loses it when Ana makes the session private.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", eve, nil).Status)
	require.Eventually(t, func() bool {
		return a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", eve, nil).Status == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
	assert.True(t, watched(eve, s.ID))
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"visibility": "private"}).Status)
	assert.False(t, watched(eve, s.ID), "a private session has no co-member watchers")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"visibility": "followers"}).Status)

	// Closing the group ends every co-membership that rested on it.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", eve, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID, ana, nil).Status)
	require.Eventually(t, func() bool { return !watched(eve, s.ID) }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+s.ID, eve, nil).Status)
}
