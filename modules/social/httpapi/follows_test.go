package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// known waits until social knows the users (the names read model is fed
// by evt.client.user.registered).
func known(t *testing.T, a *apptest.App, us ...user) {
	t.Helper()
	for _, u := range us {
		require.Eventually(t, func() bool {
			return a.Do(http.MethodGet, "/v1/users/"+u.id+"/followers", u.token, nil).Status == http.StatusOK &&
				a.Do(http.MethodGet, "/v1/users/"+u.id+"/following", us[0].token, nil).Status != http.StatusNotFound
		}, 10*time.Second, 20*time.Millisecond)
	}
}

// eventsReach waits until the stream holds n events of subject (the
// outbox publishes just after the answer) and checks it holds no more.
func eventsReach(t *testing.T, a *apptest.App, subject string, n uint64) {
	t.Helper()
	require.Eventually(t, func() bool { return a.EventCount(t, "EVT_SOCIAL", subject) >= n }, 10*time.Second, 20*time.Millisecond, subject)
	assert.Equal(t, n, a.EventCount(t, "EVT_SOCIAL", subject), subject)
}

func follow(t *testing.T, a *apptest.App, who, whom user) string {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/users/"+whom.id+"/follow", who.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var f api.FollowResult
	r.JSON(t, &f)
	assert.Equal(t, whom.id, f.UserID)
	return f.State
}

func followList(t *testing.T, a *apptest.App, token, path string) []api.Follow {
	t.Helper()
	var out []api.Follow
	cursor := ""
	for {
		p := path + "?limit=2"
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		r := a.Do(http.MethodGet, p, token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.FollowList
		r.JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func followIDs(fs []api.Follow) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.UserID
	}
	return out
}

// Following a user who does not approve followers is immediate; lists
// are newest first, paged, with names; unfollowing and removing a
// follower end it; every change is one event, and doing it again
// changes nothing.
func TestFollowAndUnfollow(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, dan := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com")
	known(t, a, ana, bob, cat, dan)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", bob.token, map[string]any{"first_name": "Bob", "last_name": "Stone"}).Status)

	for _, u := range []user{bob, cat, dan} {
		assert.Equal(t, api.FollowStateFollowing, follow(t, a, u, ana))
	}
	assert.Equal(t, api.FollowStateFollowing, follow(t, a, bob, ana), "following again changes nothing")
	assert.Equal(t, api.FollowStateFollowing, follow(t, a, bob, cat))
	eventsReach(t, a, api.EventFollowCreated, 4)

	followers := followList(t, a, cat.token, "/v1/users/"+ana.id+"/followers")
	assert.Equal(t, []string{dan.id, cat.id, bob.id}, followIDs(followers), "newest first, across pages of 2")
	require.Eventually(t, func() bool {
		for _, f := range followList(t, a, cat.token, "/v1/users/"+ana.id+"/followers") {
			if f.UserID == bob.id {
				return f.DisplayName == "Bob Stone"
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "names from the profile")
	assert.Equal(t, []string{cat.id, ana.id}, followIDs(followList(t, a, ana.token, "/v1/users/"+bob.id+"/following")))
	assert.Empty(t, followList(t, a, ana.token, "/v1/users/"+ana.id+"/following"))

	// Unfollow, twice: one event.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", cat.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", cat.token, nil).Status)
	assert.Equal(t, []string{dan.id, bob.id}, followIDs(followList(t, a, bob.token, "/v1/users/"+ana.id+"/followers")))
	// Ana removes Dan; removing him again is 404 (he does not follow her).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/followers/"+dan.id, ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/followers/"+dan.id, ana.token, nil).Status)
	assert.Equal(t, []string{bob.id}, followIDs(followList(t, a, bob.token, "/v1/users/"+ana.id+"/followers")))
	eventsReach(t, a, api.EventFollowDeleted, 2)
	// He may follow again.
	assert.Equal(t, api.FollowStateFollowing, follow(t, a, dan, ana))
}

// A user who approves followers (GET/PATCH /v1/me/social) gets requests,
// approves or rejects them; only they and their followers see their
// lists; turning approval off admits those waiting.
func TestFollowRequests(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, dan := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com")
	known(t, a, ana, bob, cat, dan)

	var set api.SocialSettings
	a.Do(http.MethodGet, "/v1/me/social", ana.token, nil).JSON(t, &set)
	assert.False(t, set.ApproveFollowers, "default: anyone may follow")
	r := a.Do(http.MethodPatch, "/v1/me/social", ana.token, map[string]any{"approve_followers": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &set)
	assert.True(t, set.ApproveFollowers)

	for _, u := range []user{bob, cat, dan} {
		assert.Equal(t, api.FollowStateRequested, follow(t, a, u, ana))
	}
	assert.Equal(t, api.FollowStateRequested, follow(t, a, bob, ana), "asking again keeps the request")
	eventsReach(t, a, api.EventFollowRequested, 3)
	assert.Zero(t, a.EventCount(t, "EVT_SOCIAL", api.EventFollowCreated))
	assert.Equal(t, []string{dan.id, cat.id, bob.id}, followIDs(followList(t, a, ana.token, "/v1/me/follow-requests")))
	assert.Empty(t, followList(t, a, bob.token, "/v1/me/follow-requests"), "a user sees its own requests only")
	assert.Empty(t, followList(t, a, ana.token, "/v1/users/"+ana.id+"/followers"), "a request is no follow")
	// A requester sees neither list.
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/users/"+ana.id+"/followers", bob.token, nil).Status)
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/users/"+ana.id+"/following", bob.token, nil).Status)

	r = a.Do(http.MethodPost, "/v1/me/follow-requests/"+bob.id+"/approve", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var f api.Follow
	r.JSON(t, &f)
	assert.Equal(t, bob.id, f.UserID)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/me/follow-requests/"+bob.id+"/approve", ana.token, nil).Status,
		"approved already: no request")
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/me/follow-requests/"+cat.id+"/reject", ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/me/follow-requests/"+cat.id+"/reject", ana.token, nil).Status)
	// Bob, a follower now, sees her lists; Cat, rejected, does not.
	assert.Equal(t, []string{bob.id}, followIDs(followList(t, a, bob.token, "/v1/users/"+ana.id+"/followers")))
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/users/"+ana.id+"/followers", cat.token, nil).Status)
	// Someone else can't decide Ana's requests.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/me/follow-requests/"+dan.id+"/approve", bob.token, nil).Status)
	// Dan withdraws and asks again; Ana turns approval off: he follows.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", dan.token, nil).Status)
	assert.Empty(t, followList(t, a, ana.token, "/v1/me/follow-requests"))
	assert.Equal(t, api.FollowStateRequested, follow(t, a, dan, ana))
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me/social", ana.token, map[string]any{"approve_followers": false}).Status)
	assert.Equal(t, []string{dan.id, bob.id}, followIDs(followList(t, a, cat.token, "/v1/users/"+ana.id+"/followers")))
	eventsReach(t, a, api.EventFollowCreated, 2)
	// A PATCH that changes nothing publishes nothing.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me/social", ana.token, map[string]any{}).Status)
	eventsReach(t, a, api.EventFollowCreated, 2)
}

// A block ends the follows either way, keeps the blocked user from
// following and from the blocker's lists; lifting it lets them follow
// again (the old follows stay ended).
func TestBlocks(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	known(t, a, ana, bob, cat)
	follow(t, a, bob, ana)
	follow(t, a, ana, bob)
	follow(t, a, cat, ana)

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+bob.id+"/block", ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+bob.id+"/block", ana.token, nil).Status, "again: nothing")
	eventsReach(t, a, api.EventBlockCreated, 1)
	eventsReach(t, a, api.EventFollowDeleted, 2)
	assert.Equal(t, []string{cat.id}, followIDs(followList(t, a, ana.token, "/v1/users/"+ana.id+"/followers")))
	assert.Empty(t, followList(t, a, ana.token, "/v1/users/"+ana.id+"/following"))

	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPost, "/v1/users/"+ana.id+"/follow", bob.token, nil).Status, "blocked")
	assert.Equal(t, http.StatusConflict, a.Do(http.MethodPost, "/v1/users/"+bob.id+"/follow", ana.token, nil).Status, "unblock first")
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/users/"+ana.id+"/followers", bob.token, nil).Status)
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/users/"+ana.id+"/following", bob.token, nil).Status)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/users/"+bob.id+"/followers", ana.token, nil).Status,
		"the blocker may still look")

	var blocks api.BlockList
	a.Do(http.MethodGet, "/v1/me/blocks", ana.token, nil).JSON(t, &blocks)
	require.Len(t, blocks.Items, 1)
	assert.Equal(t, bob.id, blocks.Items[0].UserID)
	a.Do(http.MethodGet, "/v1/me/blocks", bob.token, nil).JSON(t, &blocks)
	assert.Empty(t, blocks.Items, "a block is the blocker's to see")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+bob.id+"/block", ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+bob.id+"/block", ana.token, nil).Status)
	eventsReach(t, a, api.EventBlockDeleted, 1)
	assert.Empty(t, followList(t, a, ana.token, "/v1/users/"+ana.id+"/following"), "the ended follows stay ended")
	assert.Equal(t, api.FollowStateFollowing, follow(t, a, bob, ana))
}

// Bad input on every follow, block and feed endpoint is refused naming the
// field and changes nothing; unknown ids are 404; no token is 401.
func TestFollowBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	known(t, a, ana, bob)
	follow(t, a, bob, ana)
	type bad struct {
		method, path string
		body         any
		status       int
		field        string
	}
	cases := []bad{
		{http.MethodPost, "/v1/users/nope/follow", nil, 400, "path.id"},
		{http.MethodPost, "/v1/users/" + ana.id + "/follow", nil, 400, "path.id"},
		{http.MethodPost, "/v1/users/" + unknownID + "/follow", nil, 404, ""},
		{http.MethodDelete, "/v1/users/nope/follow", nil, 400, "path.id"},
		{http.MethodDelete, "/v1/users/" + ana.id + "/follow", nil, 400, "path.id"},
		{http.MethodDelete, "/v1/users/" + unknownID + "/follow", nil, 404, ""},
		{http.MethodGet, "/v1/users/nope/followers", nil, 400, "path.id"},
		{http.MethodGet, "/v1/users/" + unknownID + "/followers", nil, 404, ""},
		{http.MethodGet, "/v1/users/" + unknownID + "/following", nil, 404, ""},
		{http.MethodGet, "/v1/users/" + ana.id + "/followers?limit=0", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/users/" + ana.id + "/followers?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/users/" + ana.id + "/followers?limit=x", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/users/" + ana.id + "/following?cursor=***", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/users/" + ana.id + "/following?cursor=" + strings.Repeat("A", 65), nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/me/follow-requests?limit=-1", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/me/follow-requests?cursor=AAAA", nil, 400, "query.cursor"},
		{http.MethodPost, "/v1/me/follow-requests/nope/approve", nil, 400, "path.user_id"},
		{http.MethodPost, "/v1/me/follow-requests/" + ana.id + "/approve", nil, 400, "path.user_id"},
		{http.MethodPost, "/v1/me/follow-requests/" + bob.id + "/approve", nil, 404, ""},
		{http.MethodPost, "/v1/me/follow-requests/" + unknownID + "/reject", nil, 404, ""},
		{http.MethodDelete, "/v1/me/followers/nope", nil, 400, "path.user_id"},
		{http.MethodDelete, "/v1/me/followers/" + unknownID, nil, 404, ""},
		{http.MethodPatch, "/v1/me/social", `{"approve_followers": "yes"}`, 400, "body.approve_followers"},
		{http.MethodPatch, "/v1/me/social", `{"approve_followers": null}`, 400, "body.approve_followers"},
		{http.MethodPatch, "/v1/me/social", `{"approve": true}`, 400, "body.approve"},
		{http.MethodPatch, "/v1/me/social", `{"approve_followers": `, 400, "body"},
		{http.MethodPatch, "/v1/me/social", `[]`, 400, "body"},
		{http.MethodPatch, "/v1/me/social", `{"x": "` + strings.Repeat("x", 5000) + `"}`, 413, ""},
		{http.MethodPost, "/v1/users/nope/block", nil, 400, "path.id"},
		{http.MethodPost, "/v1/users/" + ana.id + "/block", nil, 400, "path.id"},
		{http.MethodPost, "/v1/users/" + unknownID + "/block", nil, 404, ""},
		{http.MethodDelete, "/v1/users/" + unknownID + "/block", nil, 404, ""},
		{http.MethodGet, "/v1/me/blocks?limit=1000", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/me/blocks?cursor=%%", nil, 400, ""},
		{http.MethodGet, "/v1/feed?limit=0", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/feed?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/feed?cursor=***", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/feed?cursor=" + strings.Repeat("A", 30), nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/feed?cursor=" + strings.Repeat("A", 65), nil, 400, "query.cursor"},
	}
	for _, c := range cases {
		r := a.Do(c.method, c.path, ana.token, c.body)
		if !assert.Equal(t, c.status, r.Status, "%s %s %v: %s", c.method, c.path, c.body, r.Body) {
			continue
		}
		if c.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), c.field, "%s %s %v", c.method, c.path, c.body)
		}
	}
	assert.Equal(t, []string{bob.id}, followIDs(followList(t, a, ana.token, "/v1/users/"+ana.id+"/followers")), "nothing changed")
	assert.Empty(t, followList(t, a, ana.token, "/v1/users/"+ana.id+"/following"))
	var set api.SocialSettings
	a.Do(http.MethodGet, "/v1/me/social", ana.token, nil).JSON(t, &set)
	assert.False(t, set.ApproveFollowers)
	var blocks api.BlockList
	a.Do(http.MethodGet, "/v1/me/blocks", ana.token, nil).JSON(t, &blocks)
	assert.Empty(t, blocks.Items)
	for _, c := range [][2]string{{http.MethodPost, "/v1/users/" + bob.id + "/follow"}, {http.MethodGet, "/v1/users/" + bob.id + "/followers"},
		{http.MethodGet, "/v1/me/social"}, {http.MethodPost, "/v1/users/" + bob.id + "/block"}, {http.MethodGet, "/v1/me/blocks"},
		{http.MethodGet, "/v1/me/follow-requests"}, {http.MethodDelete, "/v1/me/followers/" + bob.id}, {http.MethodGet, "/v1/feed"}} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c[0], c[1], "", nil).Status, c)
	}
}
