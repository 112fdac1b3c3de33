package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// envInt reads a test's volume from the environment (def without it).
func envInt(t testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err, name)
	return n
}

// addMembersFast adds n users (with names) to a group through the store's
// AddMembers, the fast path for volume: no sign-up per user, no events.
func addMembersFast(t testing.TB, pool *pgxpool.Pool, group string, n int) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.MustParse(group)
	users := make([]uuid.UUID, n)
	for i := range users {
		users[i] = uuid.Must(uuid.NewV7())
	}
	for from := 0; from < n; from += 1000 {
		batch := users[from:min(from+1000, n)]
		require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			if _, err := store.LockGroup(ctx, tx, id); err != nil {
				return err
			}
			for i, u := range batch {
				if err := store.SaveUserName(ctx, tx, u, fmt.Sprintf("Athlete %d", from+i), time.Now()); err != nil {
					return err
				}
			}
			added, err := store.AddMembers(ctx, tx, id, batch, store.RoleMember)
			if err == nil && len(added) != len(batch) {
				err = fmt.Errorf("added %d of %d", len(added), len(batch))
			}
			return err
		}))
	}
	return users
}

// A 5,000-member club works: its members page through whole (names from
// the read model, each once, oldest first), the count stays exact under
// concurrent joins through the API, and the limit holds under a rush.
// ATHLOS_SOCIAL_MEMBERS sets the volume (default 5000) and
// ATHLOS_SOCIAL_API_JOINS how many of them sign up and join through the
// API at once (default 40).
func TestLargeGroup(t *testing.T) {
	t.Parallel()
	total, viaAPI := envInt(t, "ATHLOS_SOCIAL_MEMBERS", 5000), envInt(t, "ATHLOS_SOCIAL_API_JOINS", 40)
	a := apptest.Start(t, "client", "social")
	ana := signUp(t, a, "ana@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Big City Runners"})
	pool, err := pgxpool.New(context.Background(), a.DBURL)
	require.NoError(t, err)
	defer pool.Close()
	addMembersFast(t, pool, g.ID, total-1-viaAPI)

	// Sign-ups one by one (the client module throttles them), joins all at once.
	joiners := make([]user, viaAPI)
	for i := range joiners {
		joiners[i] = signUp(t, a, fmt.Sprintf("runner%d@example.com", i))
	}
	var wg sync.WaitGroup
	for _, u := range joiners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", u.token, nil).Status)
		}()
	}
	wg.Wait()

	var seen api.Group
	a.Do(http.MethodGet, "/v1/groups/"+g.ID, ana.token, nil).JSON(t, &seen)
	assert.Equal(t, total, seen.MemberCount)
	members := memberList(t, a, joiners[0].token, g.ID)
	require.Equal(t, total, len(members))
	ids := map[string]bool{}
	for i, m := range members {
		assert.False(t, ids[m.UserID], "each member once")
		ids[m.UserID] = true
		if i > 0 {
			assert.False(t, m.JoinedAt.Before(members[i-1].JoinedAt), "oldest first")
		}
	}
	assert.Equal(t, ana.id, members[0].UserID)
	assert.Equal(t, "Athlete 0", members[1].DisplayName)
	var admins api.GroupMemberList
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/members?role=owner", joiners[1].token, nil).JSON(t, &admins)
	require.Len(t, admins.Items, 1)

	// A rush at the limit: exactly the room left is taken.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/groups/"+g.ID, ana.token, map[string]any{"member_limit": total + 5}).Status)
	rush := make([]user, 12)
	for i := range rush {
		rush[i] = signUp(t, a, fmt.Sprintf("late%d@example.com", i))
	}
	statuses := make([]int, len(rush))
	for i, u := range rush {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", u.token, nil).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 5, http.StatusConflict: 7}, count)
	a.Do(http.MethodGet, "/v1/groups/"+g.ID, ana.token, nil).JSON(t, &seen)
	assert.Equal(t, total+5, seen.MemberCount)
}
