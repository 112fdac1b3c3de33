package coach_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen/coach"
)

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestRunEndToEnd: athletes enter months of workouts by hand, correct and
// delete some; every athlete's analytics add up to exactly what it
// entered, and every read and plan is answered. (The full volume is run
// with `athlos loadgen coach` against a built binary: docs/benchmarks.md.)
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Athlos and enters hundreds of sessions")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := coach.Run(ctx, coach.Config{BaseURL: a.BaseURL, Athletes: 4, Sessions: 60, Days: 180, Concurrency: 4, Reads: 2,
		SettleTimeout: time.Minute, Progress: logWriter{t}})
	require.NoError(t, err)
	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	t.Log("\n" + text.String())

	assert.Zero(t, rep.ErrorCount(), "%v", rep.FirstErrors)
	assert.Zero(t, rep.Mismatched, "every athlete's analytics add up")
	assert.Equal(t, 4*60, rep.Entered)
	assert.Equal(t, uint64(4), rep.Settle.Count)
	assert.Equal(t, uint64(4), rep.Plan.Count)
	for name, l := range rep.Reads {
		assert.Equal(t, uint64(8), l.Count, name)
	}
	assert.Equal(t, uint64(rep.Corrected), rep.Correct.Count)
	assert.Equal(t, uint64(rep.Deleted), rep.Delete.Count)
}
