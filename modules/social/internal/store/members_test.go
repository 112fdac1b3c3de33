package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

func TestMemberRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	group, owner, stranger := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	_, err := pool.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count) VALUES ($1, $2, 'g', 'public', 10, 1)`, group, owner)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, 'owner')`, group, owner)
	require.NoError(t, err)

	role, ok, err := store.MemberRole(ctx, pool, group, owner)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, store.RoleOwner, role)

	_, ok, err = store.MemberRole(ctx, pool, group, stranger)
	require.NoError(t, err)
	assert.False(t, ok, "a stranger is no member")
	_, ok, err = store.MemberRole(ctx, pool, uuid.Must(uuid.NewV7()), owner)
	require.NoError(t, err)
	assert.False(t, ok, "an unknown group has no members")
}
