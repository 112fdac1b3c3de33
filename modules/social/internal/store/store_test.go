package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// The store's contract, on PostgreSQL: what each function promises,
// including not-found and other users' rows.

func inTx(t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, storage.InTx(context.Background(), pool, fn))
}

func newGroup(t *testing.T, pool *pgxpool.Pool, owner uuid.UUID, f group.Facts) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	inTx(t, pool, func(tx pgx.Tx) error {
		if err := store.InsertGroup(context.Background(), tx, id, owner, f); err != nil {
			return err
		}
		_, err := store.AddMember(context.Background(), tx, id, owner, store.RoleOwner)
		return err
	})
	return id
}

func TestGroupsAndMembersContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana, bob, cat, dan := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	id := newGroup(t, pool, ana, group.Facts{Name: "Dawn", Sports: []string{"run"}, Goals: []string{}, Visibility: "private",
		MemberLimit: 10, Place: &group.Place{Lat: 52.5, Lon: 13.4, RadiusM: 900}})

	g, err := store.GroupFor(ctx, pool, bob, id)
	require.NoError(t, err)
	assert.Equal(t, group.Stranger, g.Relation)
	assert.Equal(t, 1, g.MemberCount)
	require.NotNil(t, g.Facts.Place)
	assert.InDelta(t, 52.5, g.Facts.Place.Lat, 1e-9)
	assert.Equal(t, 900, g.Facts.Place.RadiusM)
	_, err = store.GroupFor(ctx, pool, bob, uuid.Must(uuid.NewV7()))
	assert.ErrorIs(t, err, store.ErrNotFound)

	inTx(t, pool, func(tx pgx.Tx) error {
		if _, err := store.LockGroup(ctx, tx, id); err != nil {
			return err
		}
		added, err := store.AddMembers(ctx, tx, id, []uuid.UUID{bob, cat, ana}, store.RoleMember)
		assert.ElementsMatch(t, []uuid.UUID{bob, cat}, added, "a member already is left as is")
		if err != nil {
			return err
		}
		again, err := store.AddMember(ctx, tx, id, bob, store.RoleMember)
		assert.False(t, again)
		if err != nil {
			return err
		}
		if err := store.AddRequest(ctx, tx, id, dan, "hi"); err != nil {
			return err
		}
		return store.SetRole(ctx, tx, id, cat, store.RoleAdmin)
	})
	for user, want := range map[uuid.UUID]group.Role{ana: group.Owner, bob: group.Member, cat: group.Admin, dan: group.Requester} {
		rel, err := store.Relation(ctx, pool, id, user)
		require.NoError(t, err)
		assert.Equal(t, want, rel)
	}
	g, _ = store.GroupFor(ctx, pool, ana, id)
	assert.Equal(t, 3, g.MemberCount)
	heir, role, ok, err := store.Successor(ctx, pool, id, ana)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, cat, heir, "the admin before the members")
	assert.Equal(t, store.RoleAdmin, role)

	// Pages of one, oldest first.
	var seen []uuid.UUID
	var after *group.TimeCursor
	for range 5 {
		page, err := store.Members(ctx, pool, id, "", after, 1)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		seen = append(seen, page[0].UserID)
		c := store.TimeCursorOf(page[0].JoinedAt, page[0].UserID)
		after = &c
	}
	assert.Len(t, seen, 3)
	assert.Equal(t, ana, seen[0])
	admins, err := store.Members(ctx, pool, id, store.RoleAdmin, nil, 10)
	require.NoError(t, err)
	require.Len(t, admins, 1)
	assert.Equal(t, cat, admins[0].UserID)

	inTx(t, pool, func(tx pgx.Tx) error {
		role, ok, err := store.RemoveMember(ctx, tx, id, cat)
		assert.True(t, ok)
		assert.Equal(t, store.RoleAdmin, role)
		if err != nil {
			return err
		}
		_, ok, err = store.RemoveMember(ctx, tx, id, cat)
		assert.False(t, ok, "no longer a member")
		if err != nil {
			return err
		}
		if err := store.AddBan(ctx, tx, id, cat, ana); err != nil {
			return err
		}
		return store.AddBan(ctx, tx, id, cat, ana)
	})
	rel, err := store.Relation(ctx, pool, id, cat)
	require.NoError(t, err)
	assert.Equal(t, group.Banned, rel)
	g, _ = store.GroupFor(ctx, pool, ana, id)
	assert.Equal(t, 2, g.MemberCount)

	// Closing the group takes its members, bans and requests.
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteGroup(ctx, tx, id) })
	for _, user := range []uuid.UUID{ana, cat, dan} {
		rel, err := store.Relation(ctx, pool, id, user)
		require.NoError(t, err)
		assert.Equal(t, group.Stranger, rel)
	}
}

func TestInvitesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newGroup(t, pool, ana, group.Facts{Name: "Dawn", Sports: []string{}, Goals: []string{}, Visibility: "private", MemberLimit: 10})
	other := newGroup(t, pool, ana, group.Facts{Name: "Other", Sports: []string{}, Goals: []string{}, Visibility: "public", MemberLimit: 10})
	two := 2
	var inv store.Invite
	inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		inv, err = store.InsertInvite(ctx, tx, uuid.Must(uuid.NewV7()), id, ana, []byte("hash-1"), time.Now().Add(time.Hour), &two)
		if err != nil {
			return err
		}
		_, err = store.InsertInvite(ctx, tx, uuid.Must(uuid.NewV7()), id, ana, []byte("hash-old"), time.Now().Add(-time.Second), nil)
		return err
	})
	use := func(g uuid.UUID, hash string) error {
		return storage.InTx(ctx, pool, func(tx pgx.Tx) error {
			_, err := store.UseInvite(ctx, tx, g, []byte(hash))
			return err
		})
	}
	require.NoError(t, use(id, "hash-1"))
	require.NoError(t, use(id, "hash-1"))
	assert.ErrorIs(t, use(id, "hash-1"), store.ErrNotFound, "used up")
	assert.ErrorIs(t, use(id, "hash-old"), store.ErrNotFound, "expired")
	assert.ErrorIs(t, use(other, "hash-1"), store.ErrNotFound, "another group's")
	list, err := store.Invites(ctx, pool, id, uuid.Nil, 10)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, 2, list[1].Uses)
	assert.Equal(t, inv.ID, list[1].ID, "newest first")
	inTx(t, pool, func(tx pgx.Tx) error {
		found, err := store.DeleteInvite(ctx, tx, other, inv.ID)
		assert.False(t, found, "not through another group")
		if err != nil {
			return err
		}
		found, err = store.DeleteInvite(ctx, tx, id, inv.ID)
		assert.True(t, found)
		return err
	})
}

func TestUserNamesContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	name := func() string {
		var n string
		require.NoError(t, pool.QueryRow(ctx, `SELECT display_name FROM social.users WHERE user_id = $1`, ana).Scan(&n))
		return n
	}
	inTx(t, pool, func(tx pgx.Tx) error { return store.SaveUserName(ctx, tx, ana, "Ana", t0) })
	inTx(t, pool, func(tx pgx.Tx) error { return store.SaveUserName(ctx, tx, ana, "Old Ana", t0.Add(-time.Hour)) })
	assert.Equal(t, "Ana", name(), "an older name changes nothing")
	inTx(t, pool, func(tx pgx.Tx) error { return store.SaveUserName(ctx, tx, ana, "Ana B", t0.Add(time.Hour)) })
	assert.Equal(t, "Ana B", name())
	deleted, err := store.UserDeleted(ctx, pool, ana)
	require.NoError(t, err)
	assert.False(t, deleted)
	inTx(t, pool, func(tx pgx.Tx) error { return store.MarkUserDeleted(ctx, tx, ana) })
	inTx(t, pool, func(tx pgx.Tx) error { return store.SaveUserName(ctx, tx, ana, "Back", t0.Add(2*time.Hour)) })
	assert.Empty(t, name(), "a deleted account's name never comes back")
	deleted, err = store.UserDeleted(ctx, pool, ana)
	require.NoError(t, err)
	assert.True(t, deleted)
}

func TestTakeRequestsOldestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	ana := uuid.Must(uuid.NewV7())
	id := newGroup(t, pool, ana, group.Facts{Name: "Dawn", Sports: []string{}, Goals: []string{}, Visibility: "private", MemberLimit: 10})
	users := []uuid.UUID{uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())}
	for _, u := range users {
		inTx(t, pool, func(tx pgx.Tx) error { return store.AddRequest(ctx, tx, id, u, "me too") })
	}
	inTx(t, pool, func(tx pgx.Tx) error {
		taken, err := store.TakeRequests(ctx, tx, id, 2)
		assert.Equal(t, users[:2], taken)
		return err
	})
	left, err := store.Requests(ctx, pool, id, nil, 10)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, users[2], left[0].UserID)
	assert.Equal(t, "me too", left[0].Message, "the one left keeps its message")
}
