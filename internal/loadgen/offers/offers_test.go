package offers_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/offers"
)

// TestDefinitionsMix: about a third untargeted, every kind of rule used,
// never under 18, running now, the same for the same seed.
func TestDefinitionsMix(t *testing.T) {
	now := time.Now()
	defs := offers.Definitions(1000, 1, now)
	require.Len(t, defs, 1000)
	assert.Equal(t, defs, offers.Definitions(1000, 1, now))
	untargeted := 0
	kinds := map[string]int{}
	for _, d := range defs {
		assert.True(t, d.StartsAt.Before(now) && d.EndsAt.After(now))
		assert.Contains(t, d.Content, d.DefaultLanguage)
		tg := d.Targeting
		set := map[string]bool{"countries": len(tg.Countries) > 0, "languages": len(tg.Languages) > 0, "sports": len(tg.Sports) > 0,
			"age": tg.Age != nil, "sessions_per_week": tg.SessionsPerWeek != nil, "new_users": tg.NewUsers != nil, "gear": len(tg.Gear) > 0,
			"challenges": tg.Challenges != nil}
		n := 0
		for k, on := range set {
			if on {
				kinds[k]++
				n++
			}
		}
		if n == 0 {
			untargeted++
		}
		if tg.Age != nil {
			assert.GreaterOrEqual(t, tg.Age.Min, 18)
		}
	}
	assert.InDelta(t, 333, untargeted, 60)
	assert.Len(t, kinds, 8)
}

func TestReportText(t *testing.T) {
	var b bytes.Buffer
	r := &offers.Report{RunID: "x", Users: 100000, Offers: 1000, Readers: 100, Concurrency: 4,
		Latency: loadgen.LatencyStats{Count: 10, P50Ms: 1.5, P99Ms: 4}, BudgetServed: 50, CapServed: 3}
	require.NoError(t, r.WriteText(&b))
	assert.Contains(t, b.String(), "served 50")
	assert.Contains(t, b.String(), "served 3")
	assert.Contains(t, b.String(), "1000 active offers, 100000 users")
}
