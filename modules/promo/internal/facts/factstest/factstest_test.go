package factstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/facts/factstest"
	"github.com/athlos/athlos/storage/pgtest"
)

// Seeded users are known and have the promised mix: ~10 % without a birth
// date, ~5 % minors, ~3 % objections, sports, gear and challenges for
// some; Load reads each of them.
func TestSeed(t *testing.T) {
	t.Parallel()
	db := pgtest.NewPool(t)
	ctx := context.Background()
	const n = 2000
	ids, err := factstest.Seed(ctx, db, n, 7)
	require.NoError(t, err)
	require.Len(t, ids, n)
	now := time.Now()
	var unknownAge, minors, objected, withSports, withGear, withChallenges, personalisable int
	for _, id := range ids {
		f, err := facts.Load(ctx, db, id, now)
		require.NoError(t, err)
		require.True(t, f.Known)
		age, ok := f.Age(now)
		switch {
		case !ok:
			unknownAge++
		case age < facts.AdultAge:
			minors++
		}
		if f.Objected {
			objected++
		}
		if len(f.Sports) > 0 {
			withSports++
			assert.LessOrEqual(t, len(f.Sports), 3)
		}
		if len(f.Gear) > 0 {
			withGear++
		}
		if len(f.Challenges) > 0 {
			withChallenges++
		}
		if f.Personalisable(now) {
			personalisable++
		}
	}
	assert.InDelta(t, n/10, unknownAge, n/40, "unknown birth dates")
	assert.InDelta(t, n/20, minors, n/50, "minors")
	assert.InDelta(t, n*3/100, objected, n/50, "objections")
	assert.Greater(t, withSports, n/2)
	assert.Greater(t, withGear, n/2)
	assert.InDelta(t, n*3/10, withChallenges, n/20, "challenge participants")
	assert.Greater(t, personalisable, n*3/4)

	// Another seed gives other users.
	more, err := factstest.Seed(ctx, db, 10, 8)
	require.NoError(t, err)
	assert.NotContains(t, ids, more[0])
}
