package storage_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// Ids go to PostgreSQL and back unchanged through the registered codec,
// in the binary protocol and in the simple (text) one: alone, by pointer,
// in arrays, and as NULL.
func TestUUIDRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool, err := storage.Open(ctx, pgtest.NewDB(t), 2)
	require.NoError(t, err)
	defer pool.Close()
	a, b := uuid.New(), uuid.New()

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		var (
			one     uuid.UUID
			text    string
			ptr     *uuid.UUID
			null    *uuid.UUID
			kept    = a
			list    []uuid.UUID
			withNil []uuid.UUID
			generic pgtype.UUID
		)
		// The simple protocol cannot send a slice (pgx never could): the
		// array is read back from a literal there.
		arr := any([]uuid.UUID{b, a})
		if mode == pgx.QueryExecModeSimpleProtocol {
			arr = "{" + b.String() + "," + a.String() + "}"
		}
		err := pool.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text, $2::uuid, NULL::uuid, NULL::uuid, $3::uuid[],
				ARRAY[$1::uuid, NULL], $2::uuid`, mode, a, &b, arr).
			Scan(&one, &text, &ptr, &null, &kept, &list, &withNil, &generic)
		require.NoError(t, err, "mode %v", mode)
		require.Equal(t, a, one)
		require.Equal(t, a.String(), text)
		require.NotNil(t, ptr)
		require.Equal(t, b, *ptr)
		require.Nil(t, null)
		require.Equal(t, a, kept, "a NULL leaves a uuid.UUID as it was, as uuid's own Scan does")
		require.Equal(t, []uuid.UUID{b, a}, list)
		require.Equal(t, []uuid.UUID{a, uuid.Nil}, withNil)
		require.Equal(t, pgtype.UUID{Bytes: b, Valid: true}, generic)

		var nilArg *uuid.UUID
		var isNull bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT $1::uuid IS NULL`, mode, nilArg).Scan(&isNull))
		require.True(t, isNull)
	}

	var bad uuid.UUID
	err = pool.QueryRow(ctx, `SELECT 'x'::text`).Scan(&bad)
	require.Error(t, err, "a text that is no uuid")
}
