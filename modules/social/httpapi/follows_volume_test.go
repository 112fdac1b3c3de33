package httpapi_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// Hundreds of users follow one athlete at once through the API while she
// blocks some of them, and a hostile one hammers follow and unfollow: the
// followers list pages through whole (each follower once, none blocked),
// each follow is one event, and no follow survives a block, whatever the
// order the requests met in. ATHLOS_SOCIAL_FOLLOWERS sets the volume
// (default 200).
func TestManyFollowersWithBlocks(t *testing.T) {
	t.Parallel()
	n := envInt(t, "ATHLOS_SOCIAL_FOLLOWERS", 200)
	a := apptest.Start(t, "client", "social")
	ana := signUp(t, a, "ana@example.com")
	fans := make([]user, n)
	var wg sync.WaitGroup
	signUps := make(chan struct{}, 2) // sign-ups hash passwords: the front takes a few at a time
	for i := range fans {
		wg.Go(func() {
			signUps <- struct{}{}
			defer func() { <-signUps }()
			fans[i] = signUp(t, a, fmt.Sprintf("fan%d@example.com", i))
		})
	}
	wg.Wait()
	known(t, a, append([]user{ana}, fans...)...)

	// Every fan follows; Ana blocks every tenth at the same time; the
	// last fan follows and unfollows in a loop.
	blocked := map[string]bool{}
	for i := 0; i < n; i += 10 {
		blocked[fans[i].id] = true
	}
	hostile := fans[n-1]
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			a.Do(http.MethodPost, "/v1/users/"+ana.id+"/follow", hostile.token, nil)
			a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", hostile.token, nil)
		}
	})
	sem := make(chan struct{}, 16)
	for _, f := range fans[:n-1] {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := a.Do(http.MethodPost, "/v1/users/"+ana.id+"/follow", f.token, nil)
			if blocked[f.id] {
				assert.Contains(t, []int{http.StatusOK, http.StatusForbidden}, r.Status, string(r.Body))
			} else {
				assert.Equal(t, http.StatusOK, r.Status, string(r.Body))
			}
		})
		if blocked[f.id] {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				assert.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+f.id+"/block", ana.token, nil).Status)
			})
		}
	}
	wg.Wait()
	close(stop)
	churn.Wait()
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/users/"+ana.id+"/follow", hostile.token, nil).Status)

	start := time.Now()
	var all []api.Follow
	cursor := ""
	for {
		path := "/v1/users/" + ana.id + "/followers?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.Do(http.MethodGet, path, ana.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.FollowList
		r.JSON(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	t.Logf("%d followers paged in %s", len(all), time.Since(start))
	seen := map[string]bool{}
	for _, f := range all {
		assert.False(t, seen[f.UserID], "each follower once")
		seen[f.UserID] = true
		assert.False(t, blocked[f.UserID], "no follow survives a block")
	}
	want := n - 1 - len(blocked)
	assert.Len(t, all, want, "every fan but the blocked and the hostile one")
	// The events agree with the table (the outbox publishes just after the answers).
	require.Eventually(t, func() bool {
		return a.EventCount(t, "EVT_SOCIAL", api.EventFollowCreated)-a.EventCount(t, "EVT_SOCIAL", api.EventFollowDeleted) == uint64(want)
	}, 10*time.Second, 20*time.Millisecond, "follows made minus follows ended")
	var blocks api.BlockList
	a.Do(http.MethodGet, "/v1/me/blocks?limit=100", ana.token, nil).JSON(t, &blocks)
	assert.Len(t, blocks.Items, len(blocked))
}
