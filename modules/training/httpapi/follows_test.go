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

type person struct{ token, id string }

func signUpPerson(t *testing.T, a *apptest.App, email string) person {
	t.Helper()
	tok := a.SignUp(email).AccessToken
	var me struct {
		UserID string `json:"user_id"`
	}
	a.Do(http.MethodGet, "/v1/me", tok, nil).JSON(t, &me)
	return person{tok, me.UserID}
}

// Followers of the owner see and watch its followers sessions; a
// requester not yet approved does not, nor does a follower who unfollowed
// or was removed (the grant goes at once). A user the owner blocked sees
// and watches none of its sessions, public ones and share links included,
// and loses the grants it had. Older follow events published again
// change nothing.
func TestFollowersSeeAndWatchFollowersSessions(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob, cat, dan, eve := signUpPerson(t, a, "ana@example.com"), signUpPerson(t, a, "bob@example.com"),
		signUpPerson(t, a, "cat@example.com"), signUpPerson(t, a, "dan@example.com"), signUpPerson(t, a, "eve@example.com")

	start := func(visibility string) api.Session {
		r := a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "run", "visibility": visibility})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var s api.Session
		r.JSON(t, &s)
		return s
	}
	fs, pub, private := start("followers"), start("public"), start("private")
	sees := func(p person, id string) bool {
		return a.Do(http.MethodGet, "/v1/sessions/"+id, p.token, nil).Status == http.StatusOK
	}
	watched := func(p person, id string) bool {
		var gr struct {
			Subscribe []string `json:"subscribe"`
		}
		a.Do(http.MethodGet, "/v1/realtime", p.token, nil).JSON(t, &gr)
		for _, x := range gr.Subscribe {
			if x == api.LiveWatchSubject(id) {
				return true
			}
		}
		return false
	}
	listed := func(p person) []string {
		r := a.Do(http.MethodGet, "/v1/sessions?user_id="+ana.id, p.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var l api.SessionList
		r.JSON(t, &l)
		ids := []string{}
		for _, s := range l.Items {
			ids = append(ids, s.ID)
		}
		return ids
	}
	followAna := func(p person) string {
		var r apptest.Response
		require.Eventually(t, func() bool { // social learns of new users by event
			r = a.Do(http.MethodPost, "/v1/users/"+ana.id+"/follow", p.token, nil)
			return r.Status != http.StatusNotFound
		}, 10*time.Second, 20*time.Millisecond)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var f socialapi.FollowResult
		r.JSON(t, &f)
		return f.State
	}

	// Bob and Dan follow Ana; Eve watches her public session.
	assert.Equal(t, socialapi.FollowStateFollowing, followAna(bob))
	assert.Equal(t, socialapi.FollowStateFollowing, followAna(dan))
	require.Eventually(t, func() bool { return sees(bob, fs.ID) && sees(dan, fs.ID) }, 10*time.Second, 20*time.Millisecond,
		"a follower sees the followers session (evt.social.follow.created)")
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/sessions/"+fs.ID+"/gpx", bob.token, nil).Status)
	assert.ElementsMatch(t, []string{fs.ID, pub.ID}, listed(bob), "a follower lists her followers and public sessions")
	assert.Equal(t, []string{pub.ID}, listed(eve), "a stranger her public one")
	r := a.Do(http.MethodPost, "/v1/sessions/"+fs.ID+"/watch", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.True(t, watched(bob, fs.ID))
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+fs.ID+"/watch", dan.token, nil).Status)
	assert.False(t, sees(bob, private.ID), "private stays the owner's")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+private.ID+"/watch", bob.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+pub.ID+"/watch", eve.token, nil).Status)
	assert.True(t, watched(eve, pub.ID))

	// Ana approves followers now: Cat's follow is a request, which grants nothing.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me/social", ana.token, map[string]any{"approve_followers": true}).Status)
	assert.Equal(t, socialapi.FollowStateRequested, followAna(cat))
	time.Sleep(200 * time.Millisecond) // a wrong grant would have had time to arrive
	assert.False(t, sees(cat, fs.ID), "a requester does not see followers sessions")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+fs.ID+"/watch", cat.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/me/follow-requests/"+cat.id+"/approve", ana.token, nil).Status)
	require.Eventually(t, func() bool { return sees(cat, fs.ID) }, 10*time.Second, 20*time.Millisecond, "approved: a follower")

	// Bob unfollows, Ana removes Dan: both lose the session and the grant.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", bob.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/followers/"+dan.id, ana.token, nil).Status)
	require.Eventually(t, func() bool { return !watched(bob, fs.ID) && !watched(dan, fs.ID) }, 10*time.Second, 20*time.Millisecond)
	for _, p := range []person{bob, dan} {
		assert.False(t, sees(p, fs.ID))
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+fs.ID+"/watch", p.token, nil).Status)
		assert.True(t, sees(p, pub.ID), "public stays public")
	}

	// Older follow events, published again (another message id), change nothing.
	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redeliver", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	db := a.DB(t)
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages WHERE consumer = 'training__evt_social_follow_created'`).Scan(&n))
		return n
	}
	before := processed()
	data, err := json.Marshal(socialapi.FollowChanged{FollowerID: bob.id, FolloweeID: ana.id, Seq: 1, OccurredAt: time.Now()})
	require.NoError(t, err)
	_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: socialapi.EventFollowCreated, Data: data, Header: nats.Header{"Nats-Msg-Id": {"old-follow"}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processed() > before }, 10*time.Second, 20*time.Millisecond)
	assert.False(t, sees(bob, fs.ID), "an older follow does not come back")

	// Eve joins Ana's group: a co-member, she sees the followers session.
	r = a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g socialapi.Group
	r.JSON(t, &g)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", eve.token, nil).Status)
	require.Eventually(t, func() bool { return sees(eve, fs.ID) }, 10*time.Second, 20*time.Millisecond)

	// Ana blocks Eve and Cat: Eve loses the public session and its grant,
	// and the followers one although a co-member; Cat, a follower, the
	// followers one; a share link lets neither in.
	require.Eventually(t, func() bool {
		return a.Do(http.MethodPost, "/v1/users/"+eve.id+"/block", ana.token, nil).Status == http.StatusNoContent
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+cat.id+"/block", ana.token, nil).Status)
	require.Eventually(t, func() bool { return !watched(eve, pub.ID) }, 10*time.Second, 20*time.Millisecond, "the block takes the grant")
	require.Eventually(t, func() bool { return !sees(cat, fs.ID) }, 10*time.Second, 20*time.Millisecond)
	// Each block reaches training by its own event, and what the waits
	// above saw can come first (Cat's unfollow, through another consumer,
	// hides the followers session before her block hides the public one):
	// wait until training hides both sessions from both.
	for _, p := range []person{eve, cat} {
		for _, id := range []string{pub.ID, fs.ID} {
			require.Eventually(t, func() bool { return !sees(p, id) }, 30*time.Second, 20*time.Millisecond, "the block reaches training")
		}
	}
	var link api.ShareLink
	r = a.Do(http.MethodPost, "/v1/sessions/"+pub.ID+"/share", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &link)
	for _, p := range []person{eve, cat} {
		for _, id := range []string{pub.ID, fs.ID} {
			assert.False(t, sees(p, id))
			assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+id+"/watch", p.token, nil).Status)
			assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+id+"/gpx", p.token, nil).Status)
		}
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+pub.ID+"/watch", p.token,
			map[string]any{"share_token": link.ShareToken}).Status, "not with the link either")
		assert.Empty(t, listed(p), "nor in the list of her sessions")
	}
	assert.True(t, sees(bob, pub.ID), "others still see the public session")
	assert.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+pub.ID+"/watch", bob.token,
		map[string]any{"share_token": link.ShareToken}).Status)
	// Lifted: Eve sees both again (she is still a co-member); an older
	// block event published again changes nothing.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+eve.id+"/block", ana.token, nil).Status)
	require.Eventually(t, func() bool { return sees(eve, pub.ID) && sees(eve, fs.ID) }, 10*time.Second, 20*time.Millisecond)
	blocksProcessed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.processed_messages WHERE consumer = 'training__evt_social_block_created'`).Scan(&n))
		return n
	}
	before = blocksProcessed()
	data, err = json.Marshal(socialapi.BlockChanged{BlockerID: ana.id, BlockedID: eve.id, Seq: 1, OccurredAt: time.Now()})
	require.NoError(t, err)
	_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: socialapi.EventBlockCreated, Data: data, Header: nats.Header{"Nats-Msg-Id": {"old-block"}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return blocksProcessed() > before }, 10*time.Second, 20*time.Millisecond)
	assert.True(t, sees(eve, pub.ID), "an older block does not come back")
	assert.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+pub.ID+"/watch", eve.token, nil).Status)
}
