package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// makeGroup makes a group of members (the first the owner).
func makeGroup(t *testing.T, pool *pgxpool.Pool, members ...uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	g := newID()
	_, err := pool.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count)
		VALUES ($1, $2, 'g', 'public', 100, $3)`, g, members[0], len(members))
	require.NoError(t, err)
	for i, m := range members {
		role := store.RoleMember
		if i == 0 {
			role = store.RoleOwner
		}
		_, err := pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, $3)`, g, m, role)
		require.NoError(t, err)
	}
	return g
}

// fanOut saves a notification of actor's fact key and, as the relay
// does, takes it off the outbox with its inbox rows; it answers the
// notification's id, how many rows it added and whether it was new.
func fanOut(t *testing.T, pool *pgxpool.Pool, actor uuid.UUID, key string) (uuid.UUID, int, bool) {
	t.Helper()
	ctx := context.Background()
	id := newID()
	var fresh bool
	var n int
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		fresh, err = store.SaveNotification(ctx, tx, store.NotifEvent{ID: id, Kind: "record", SourceKey: key, ActorID: actor,
			Data: json.RawMessage(`{"session_id": "` + key + `"}`), CreatedAt: time.Now()})
		return err
	}))
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		out, _, err := store.NextOutgoing(ctx, tx)
		if errors.Is(err, store.ErrNothingPending) {
			return nil
		}
		if err != nil {
			return err
		}
		assert.Equal(t, id, out.ID)
		r, err := store.Recipients(ctx, tx, out.ActorID, out.Kind)
		if err != nil {
			return err
		}
		if n, err = store.WriteInbox(ctx, tx, out.ID, r, false); err != nil {
			return err
		}
		return store.DoneOutgoing(ctx, tx, out.ID)
	}))
	return id, n, fresh
}

// A notification is saved once per (kind, source key) and has one inbox
// row per member of any of the actor's groups but the actor; mutes of
// every shared group and of the kind keep a member out; the relay finds
// it once; the inbox pages and marks; erasing and sweeping remove.
func TestFanOutInboxAndOutgoing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob, cat, dan := newID(), newID(), newID(), newID()
	g1 := makeGroup(t, pool, ana, bob, cat)
	makeGroup(t, pool, ana, bob, dan)
	require.NoError(t, store.MuteGroup(ctx, pool, cat, g1))
	require.NoError(t, store.MuteGroup(ctx, pool, cat, g1), "again")

	id, n, fresh := fanOut(t, pool, ana, "s1")
	assert.True(t, fresh)
	assert.Equal(t, 2, n, "bob once for two groups, dan; cat muted her only shared group")
	_, n, fresh = fanOut(t, pool, ana, "s1")
	assert.False(t, fresh, "the same fact")
	assert.Zero(t, n)

	r, err := store.Recipients(ctx, pool, ana, "record")
	require.NoError(t, err)
	assert.ElementsMatch(t, []uuid.UUID{bob, dan}, r)
	// A second round after a failure: a unique violation without again,
	// nothing added with it.
	err = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := store.WriteInbox(ctx, tx, id, r, false)
		return err
	})
	assert.True(t, storage.IsUniqueViolation(err), "%v", err)
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		added, err := store.WriteInbox(ctx, tx, id, r, true)
		assert.Zero(t, added)
		return err
	}))
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, _, err := store.NextOutgoing(ctx, tx)
		assert.True(t, errors.Is(err, store.ErrNothingPending), "sent once")
		return nil
	}))

	// dan mutes records: the next fact skips him.
	require.NoError(t, store.PutNotifSettings(ctx, pool, dan, store.NotifSettings{MutedKinds: []string{"record"}, PushEnabled: true}))
	id2, n, _ := fanOut(t, pool, ana, "s2")
	assert.Equal(t, 1, n)

	items, err := store.Inbox(ctx, pool, bob, uuid.Nil, false, 10)
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, id2, items[0].ID, "newest first")
	older, err := store.Inbox(ctx, pool, bob, id2, false, 10)
	require.NoError(t, err)
	require.Len(t, older, 1)
	assert.Equal(t, id, older[0].ID)

	ok, err := store.MarkNotificationRead(ctx, pool, bob, id, time.Now())
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = store.MarkNotificationRead(ctx, pool, bob, id, time.Now())
	require.NoError(t, err)
	assert.True(t, ok, "read again: still his")
	ok, err = store.MarkNotificationRead(ctx, pool, cat, id, time.Now())
	require.NoError(t, err)
	assert.False(t, ok, "not cat's")
	unread, err := store.UnreadNotifications(ctx, pool, bob)
	require.NoError(t, err)
	assert.Equal(t, 1, unread)
	marked, err := store.MarkAllNotificationsRead(ctx, pool, bob, time.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, marked)

	// The sweep leaves what is young and what waits to be sent.
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := store.SaveNotification(ctx, tx, store.NotifEvent{ID: newID(), Kind: "record", SourceKey: "s3", ActorID: ana,
			Data: json.RawMessage(`{}`), CreatedAt: time.Now()})
		return err
	}))
	swept, err := store.SweepNotifications(ctx, pool, time.Now().Add(-time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, swept)
	swept, err = store.SweepNotifications(ctx, pool, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 2, swept, "the sent ones; the third still waits in the outbox")

	// ana's account goes: her facts leave every inbox.
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error { return store.EraseNotifications(ctx, tx, ana) }))
	items, err = store.Inbox(ctx, pool, bob, uuid.Nil, false, 10)
	require.NoError(t, err)
	assert.Empty(t, items)
}
