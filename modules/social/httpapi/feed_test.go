package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// manualSession enters a finished session by hand for u.
func manualSession(t *testing.T, a *apptest.App, u user, body map[string]any) trainingapi.Session {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions", u.token, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s trainingapi.Session
	r.JSON(t, &s)
	return s
}

func feedOf(t *testing.T, a *apptest.App, u user, limit int) []api.FeedItem {
	t.Helper()
	var out []api.FeedItem
	cursor := ""
	for {
		path := "/v1/feed?limit=" + jsonInt(limit)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.Do(http.MethodGet, path, u.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.FeedPage
		r.JSON(t, &page)
		require.LessOrEqual(t, len(page.Items), limit)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func sessionIDs(items []api.FeedItem, kind string) []string {
	var out []string
	for _, it := range items {
		if it.Kind == kind {
			out = append(out, it.SessionID)
		}
	}
	return out
}

// The feed: finished sessions of followed athletes and of co-members,
// newest first over pages, followers and public ones only, never the
// caller's own, nothing of a blocked or blocking user; records cards;
// an edit moves with session.updated (a session made private leaves),
// a deleted session and a deleted account leave; redelivered events
// change nothing.
func TestFeed(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob, cat, dan, eve, fay := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com"), signUp(t, a, "eve@example.com"), signUp(t, a, "fay@example.com")
	known(t, a, ana, bob, cat, dan, eve, fay)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", bob.token, map[string]any{"first_name": "Bob", "last_name": "Stone"}).Status)
	// Ana follows Bob; Cat is in a group with Ana; Dan is a stranger;
	// Eve is followed but blocks Ana; Fay is followed, then blocked by Ana.
	follow(t, a, ana, bob)
	follow(t, a, ana, eve)
	follow(t, a, ana, fay)
	g := createGroup(t, a, cat, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", ana.token, nil).Status)

	base := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	n := 0
	run := func(u user, visibility, title string) trainingapi.Session {
		n++
		return manualSession(t, a, u, map[string]any{"sport": "run", "visibility": visibility, "title": title,
			"started_at": base.Add(time.Duration(n) * time.Hour), "elapsed_time_s": 1800, "distance_m": 5000})
	}
	bobPub, bobFol, bobPriv := run(bob, "public", "bob public"), run(bob, "followers", "bob followers"), run(bob, "private", "bob private")
	catFol, catPub := run(cat, "followers", "cat followers"), run(cat, "public", "cat public")
	run(dan, "public", "dan public")
	run(eve, "public", "eve public")
	fayPub := run(fay, "public", "fay public")
	run(ana, "public", "ana's own")
	_ = bobPriv

	want := []string{fayPub.ID, catPub.ID, catFol.ID, bobFol.ID, bobPub.ID} // newest first
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+ana.id+"/block", eve.token, nil).Status)
	require.Eventually(t, func() bool { return slices.Equal(want, sessionIDs(feedOf(t, a, ana, 2), api.FeedSession)) },
		10*time.Second, 20*time.Millisecond, "followed and co-members' followers and public sessions, newest first, over pages")
	items := feedOf(t, a, ana, 100)
	card := items[len(items)-1]
	assert.Equal(t, bob.id, card.OwnerID)
	assert.Equal(t, "Bob Stone", card.OwnerName)
	assert.Equal(t, "run", card.Sport)
	assert.Equal(t, "bob public", card.Title)
	assert.Equal(t, "public", card.Visibility)
	assert.InDelta(t, 5000, card.DistanceM, 0.01)
	assert.InDelta(t, 1800, card.MovingTimeS, 0.01)
	assert.True(t, base.Add(time.Hour).Equal(card.StartedAt))

	// Cat sees Ana's own (a co-member), not Bob's (she follows nobody).
	assert.Equal(t, []string{"ana's own"}, titles(feedOf(t, a, cat, 20)))
	// Dan, a stranger to all, sees nothing.
	assert.Empty(t, feedOf(t, a, dan, 20))

	// Ana blocks Fay: gone from her feed.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+fay.id+"/block", ana.token, nil).Status)
	want = want[1:]
	assert.Equal(t, want, sessionIDs(feedOf(t, a, ana, 100), api.FeedSession))

	// Bob makes his followers session private, renames the public one.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+bobFol.ID, bob.token, map[string]any{"visibility": "private"}).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+bobPub.ID, bob.token, map[string]any{"title": "river loop"}).Status)
	want = []string{catPub.ID, catFol.ID, bobPub.ID}
	require.Eventually(t, func() bool {
		items := feedOf(t, a, ana, 100)
		return slices.Equal(want, sessionIDs(items, api.FeedSession)) && items[len(items)-1].Title == "river loop"
	}, 10*time.Second, 20*time.Millisecond, "session.updated carries the new visibility and title")

	// Cat deletes her public session: it leaves.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+catPub.ID, cat.token, nil).Status)
	want = []string{catFol.ID, bobPub.ID}
	require.Eventually(t, func() bool { return slices.Equal(want, sessionIDs(feedOf(t, a, ana, 100), api.FeedSession)) },
		10*time.Second, 20*time.Millisecond)

	// Redelivered and older events change nothing: the deleted session's
	// completed event again, and an old revision of Bob's.
	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redeliver", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	db := a.DB(t)
	processed := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM social.processed_messages WHERE consumer = 'social__evt_training_session_completed'`).Scan(&n))
		return n
	}
	before := processed()
	for i, ev := range []trainingapi.SessionCompleted{
		{SessionID: catPub.ID, UserID: cat.id, Sport: "run", Title: "back", Visibility: "public", StartedAt: base, CompletedAt: time.Now(), Revision: 1 << 62},
		{SessionID: bobPub.ID, UserID: bob.id, Sport: "run", Title: "old title", Visibility: "public", StartedAt: base, CompletedAt: time.Now(), Revision: 1},
	} {
		data, err := json.Marshal(ev)
		require.NoError(t, err)
		_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: trainingapi.EventSessionCompleted, Data: data,
			Header: nats.Header{"Nats-Msg-Id": {"again-" + jsonInt(i)}}})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return processed() >= before+2 }, 10*time.Second, 20*time.Millisecond)
	items = feedOf(t, a, ana, 100)
	assert.Equal(t, want, sessionIDs(items, api.FeedSession), "a deleted session stays deleted")
	assert.Equal(t, "river loop", items[len(items)-1].Title, "an older revision changes nothing")

	// Records: Cat beats her own best in a second strength session.
	var ex struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	a.Do(http.MethodGet, "/v1/exercises?limit=1", cat.token, nil).JSON(t, &ex)
	require.NotEmpty(t, ex.Items)
	lift := func(kg float64, hour int) trainingapi.Session {
		return manualSession(t, a, cat, map[string]any{"sport": "strength", "visibility": "followers", "title": "lift",
			"started_at": time.Now().UTC().Add(time.Duration(-hour) * time.Hour).Truncate(time.Second), "elapsed_time_s": 1200,
			"exercises": []map[string]any{{"exercise_id": ex.Items[0].ID, "sets": []map[string]any{{"reps": 5, "weight_kg": kg}}}}})
	}
	lift(60, 3)
	second := lift(80, 2)
	require.Eventually(t, func() bool { return slices.Contains(sessionIDs(feedOf(t, a, ana, 100), api.FeedRecords), second.ID) },
		10*time.Second, 20*time.Millisecond, "a records card from evt.training.record.set")
	for _, it := range feedOf(t, a, ana, 100) {
		if it.Kind == api.FeedRecords {
			require.NotEmpty(t, it.Records)
			assert.Equal(t, "followers", it.Visibility)
			assert.Equal(t, "strength", it.Sport)
		}
	}

	// Cat deletes her account: all her cards leave.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", cat.token, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool {
		items := feedOf(t, a, ana, 100)
		return len(items) == 1 && items[0].SessionID == bobPub.ID
	}, 10*time.Second, 20*time.Millisecond)
}

func titles(items []api.FeedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Title
	}
	return out
}
