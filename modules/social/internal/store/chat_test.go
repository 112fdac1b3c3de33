package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

func chatGroup(t *testing.T, pool *pgxpool.Pool, members ...uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	g := uuid.Must(uuid.NewV7())
	_, err := pool.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count) VALUES ($1, $2, 'g', 'public', 100, $3)`,
		g, members[0], len(members))
	require.NoError(t, err)
	for i, m := range members {
		role := "member"
		if i == 0 {
			role = "owner"
		}
		_, err := pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, $3)`, g, m, role)
		require.NoError(t, err)
	}
	return g
}

func insert(t *testing.T, pool *pgxpool.Pool, m store.Message) (store.Message, error) {
	t.Helper()
	return store.InsertMessage(context.Background(), pool, m, uuid.Must(uuid.NewV7()))
}

func TestChatMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob, eve := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	g := chatGroup(t, pool, ana, bob)

	st, err := store.ChatMembership(ctx, pool, g, ana)
	require.NoError(t, err)
	assert.Equal(t, store.ChatStanding{GroupExists: true, Role: "owner"}, st)
	st, err = store.ChatMembership(ctx, pool, g, eve)
	require.NoError(t, err)
	assert.Equal(t, store.ChatStanding{GroupExists: true}, st)
	st, err = store.ChatMembership(ctx, pool, uuid.Must(uuid.NewV7()), ana)
	require.NoError(t, err)
	assert.False(t, st.GroupExists)

	txn := "t1"
	m1, err := insert(t, pool, store.Message{GroupID: g, SenderID: ana, Body: "one", TxnID: &txn})
	require.NoError(t, err)
	assert.Equal(t, int64(1), m1.ID)
	_, err = insert(t, pool, store.Message{GroupID: g, SenderID: ana, Body: "one again", TxnID: &txn})
	assert.ErrorIs(t, err, store.ErrTxnTaken, "same transaction id")
	_, err = insert(t, pool, store.Message{GroupID: g, SenderID: eve, Body: "let me in"})
	assert.ErrorIs(t, err, store.ErrNotPosted, "not a member")
	_, err = insert(t, pool, store.Message{GroupID: uuid.Must(uuid.NewV7()), SenderID: ana, Body: "where?"})
	assert.ErrorIs(t, err, store.ErrNotPosted, "no such group")
	first, found, err := store.MessageByTxn(ctx, pool, g, ana, txn)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "one", first.Body)
	reply := int64(1)
	m2, err := insert(t, pool, store.Message{GroupID: g, SenderID: bob, Body: "two", ReplyTo: &reply})
	require.NoError(t, err)
	assert.Equal(t, int64(2), m2.ID, "no gap after the conflict")
	for _, bad := range []int64{2 + 1, 99} {
		_, err = insert(t, pool, store.Message{GroupID: g, SenderID: bob, Body: "x", ReplyTo: &bad})
		assert.ErrorIs(t, err, store.ErrNoReplyTarget, "reply to %d", bad)
	}
	for i := 3; i <= 10; i++ {
		_, err := insert(t, pool, store.Message{GroupID: g, SenderID: bob, Body: "more"})
		require.NoError(t, err)
	}
	st, page, _, err := store.HistoryPage(ctx, pool, g, bob, 6, 3, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 5}, msgIDs(page))
	assert.Equal(t, store.ChatStanding{GroupExists: true, Role: "member", LastID: 10}, st)
	_, page, _, err = store.HistoryPage(ctx, pool, g, bob, 0, 0, 9, 3)
	require.NoError(t, err)
	assert.Equal(t, []int64{9, 10}, msgIDs(page))
	_, page, _, err = store.HistoryPage(ctx, pool, g, bob, 5, 2, 5, 2)
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 5, 6}, msgIDs(page), "around 5")
	st, _, _, err = store.HistoryPage(ctx, pool, g, eve, 6, 3, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, "", st.Role, "a stranger's standing says so")

	// Read markers: the sender's moved with each post; never back.
	us, err := store.UnreadCounts(ctx, pool, ana, nil, 1000)
	require.NoError(t, err)
	require.Len(t, us, 1)
	assert.Equal(t, int64(1), us[0].LastReadID)
	assert.Equal(t, 9, us[0].Unread)
	us, err = store.UnreadCounts(ctx, pool, ana, nil, 4)
	require.NoError(t, err)
	assert.Equal(t, 5, us[0].Unread, "counted up to the cap + 1")
	marker, err := store.MarkRead(ctx, pool, ana, g, 8)
	require.NoError(t, err)
	assert.Equal(t, int64(8), marker)
	marker, err = store.MarkRead(ctx, pool, ana, g, 2)
	require.NoError(t, err)
	assert.Equal(t, int64(8), marker, "never back")
	require.NoError(t, store.MarkAllRead(ctx, pool, ana))
	us, err = store.UnreadCounts(ctx, pool, ana, &g, 1000)
	require.NoError(t, err)
	assert.Equal(t, int64(10), us[0].LastReadID)

	// Reactions, bounded; a tombstone has none.
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		added, full, err := store.AddReaction(ctx, tx, g, 1, bob, "👍", 2)
		assert.True(t, added)
		assert.False(t, full)
		require.NoError(t, err)
		added, _, err = store.AddReaction(ctx, tx, g, 1, bob, "👍", 2)
		assert.False(t, added, "twice")
		require.NoError(t, err)
		_, _, err = store.AddReaction(ctx, tx, g, 1, ana, "🔥", 2)
		require.NoError(t, err)
		_, full, err = store.AddReaction(ctx, tx, g, 1, ana, "🎉", 2)
		assert.True(t, full)
		require.NoError(t, err)
		added, full, err = store.AddReaction(ctx, tx, g, 1, ana, "👍", 2)
		assert.True(t, added && !full, "an emoji already there")
		return err
	})
	require.NoError(t, err)
	rs, err := store.Reactions(ctx, pool, g, []int64{1, 2}, ana)
	require.NoError(t, err)
	assert.Equal(t, map[int64][]store.Reaction{1: {{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🔥", Count: 1, Me: true}}}, rs)
	_, _, rs, err = store.HistoryPage(ctx, pool, g, bob, 3, 2, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, map[int64][]store.Reaction{1: {{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🔥", Count: 1, Me: false}}}, rs, "as bob sees them")
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		m, err := store.TombstoneMessage(ctx, tx, g, 1, ana)
		assert.Empty(t, m.Body)
		assert.NotNil(t, m.DeletedAt)
		return err
	})
	require.NoError(t, err)
	rs, err = store.Reactions(ctx, pool, g, []int64{1}, ana)
	require.NoError(t, err)
	assert.Empty(t, rs)
}

// Joining and leaving write evt.social.realtime.grants_changed into the
// outbox, whichever use case changed the membership; a new member's read
// marker starts at the newest message.
func TestChatGrantsChangeWithMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob, cy := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	g := chatGroup(t, pool, ana)
	_, err := insert(t, pool, store.Message{GroupID: g, SenderID: ana, Body: "before bob"})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DELETE FROM social.outbox`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, 'member'), ($1, $3, 'member')`, g, bob, cy)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DELETE FROM social.members WHERE group_id = $1 AND user_id = $2`, g, bob)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE social.members SET role = 'admin' WHERE group_id = $1 AND user_id = $2`, g, cy)
	require.NoError(t, err)

	rows, err := pool.Query(ctx, `SELECT subject, payload FROM social.outbox ORDER BY seq`)
	require.NoError(t, err)
	type ev struct {
		Subject string
		Users   []string
	}
	var got []ev
	for rows.Next() {
		var e ev
		var payload []byte
		require.NoError(t, rows.Scan(&e.Subject, &payload))
		var p struct {
			UserIDs []string `json:"user_ids"`
		}
		require.NoError(t, json.Unmarshal(payload, &p))
		e.Users = p.UserIDs
		got = append(got, e)
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, 2, "one per statement; a role change is none")
	assert.Equal(t, "evt.social.realtime.grants_changed", got[0].Subject)
	assert.ElementsMatch(t, []string{bob.String(), cy.String()}, got[0].Users)
	assert.Equal(t, []string{bob.String()}, got[1].Users)

	us, err := store.UnreadCounts(ctx, pool, cy, &g, 1000)
	require.NoError(t, err)
	assert.Equal(t, int64(1), us[0].LastReadID, "what was said before cy came is read")
	assert.Zero(t, us[0].Unread)
}

func msgIDs(ms []store.Message) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// Closing a club of 2,500 members tells of them in events of at most
// 1,000 users (a stream takes messages of at most 1 MiB).
func TestChatGrantsChangedInChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	owner := uuid.Must(uuid.NewV7())
	g := chatGroup(t, pool, owner)
	_, err := pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) SELECT $1, gen_random_uuid(), 'member' FROM generate_series(1, 2499)`, g)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DELETE FROM social.outbox`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DELETE FROM social.groups WHERE id = $1`, g)
	require.NoError(t, err)
	rows, err := pool.Query(ctx, `SELECT payload FROM social.outbox WHERE subject = 'evt.social.realtime.grants_changed'`)
	require.NoError(t, err)
	seen := map[string]bool{}
	var sizes []int
	for rows.Next() {
		var payload []byte
		require.NoError(t, rows.Scan(&payload))
		var p struct {
			UserIDs []string `json:"user_ids"`
		}
		require.NoError(t, json.Unmarshal(payload, &p))
		sizes = append(sizes, len(p.UserIDs))
		for _, u := range p.UserIDs {
			seen[u] = true
		}
	}
	require.NoError(t, rows.Err())
	assert.ElementsMatch(t, []int{1000, 1000, 500}, sizes)
	assert.Len(t, seen, 2500)
	assert.True(t, seen[owner.String()])
}
