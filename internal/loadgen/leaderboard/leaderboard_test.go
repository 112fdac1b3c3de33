package leaderboard

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// A small run against a running Athlos: the seed lands once (a second
// run reuses it), the readers are on the board and every read answers.
func TestRun(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "gamification")
	cfg := Config{BaseURL: a.BaseURL, DatabaseURL: a.DBURL, Users: 3000, Readers: 3, Concurrency: 2,
		Warmup: 300 * time.Millisecond, Duration: 300 * time.Millisecond}
	for range 2 {
		rep, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		assert.Zero(t, rep.Errors, rep.FirstError)
		for _, name := range []string{ReadTop, ReadRank} {
			assert.Positive(t, rep.Reads[name].Count, name)
		}
	}
	var n int
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT count(*) FROM gamification.board_totals`).Scan(&n))
	assert.Equal(t, 3000+6, n, "the seed once, and two runs' readers")
}
