package page_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/page"
)

func TestSize(t *testing.T) {
	n, err := page.Size(0)
	require.NoError(t, err)
	assert.Equal(t, page.Default, n)
	n, err = page.Size(page.Max)
	require.NoError(t, err)
	assert.Equal(t, page.Max, n)
	for _, bad := range []int{-1, page.Max + 1} {
		_, err := page.Size(bad)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "limit", fe.Field)
	}
}

func TestCursorAndCut(t *testing.T) {
	ids := [][16]byte{{1}, {2}, {3}}
	items, next := page.Cut(ids, 2, func(id [16]byte) [16]byte { return id })
	assert.Equal(t, ids[:2], items)
	require.NotNil(t, next)
	after, err := page.After(*next)
	require.NoError(t, err)
	assert.Equal(t, ids[1], after)

	items, next = page.Cut(ids, 3, func(id [16]byte) [16]byte { return id })
	assert.Len(t, items, 3)
	assert.Nil(t, next, "the last page")

	for _, bad := range []string{"nope!", "AAAA", ""} {
		_, err := page.After(bad)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, bad)
		assert.Equal(t, "cursor", fe.Field)
	}
}
