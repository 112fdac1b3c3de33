package performance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBestVDOT(t *testing.T) {
	efforts := []Effort{
		{DistanceM: 400, TimeS: 60},     // fast, but too short to count
		{DistanceM: Mile, TimeS: 400},   // VDOT ≈ 46
		{DistanceM: FiveK, TimeS: 1200}, // 49.81
		{DistanceM: TenK, TimeS: 2600},
	}
	v, from, ok := BestVDOT(efforts)
	require.True(t, ok)
	assert.InDelta(t, 49.81, v, 0.005)
	assert.Equal(t, efforts[2], from)
	_, _, ok = BestVDOT(efforts[:1])
	assert.False(t, ok)
}

// From 5 km in 20:00: the Riegel values (10 km 41:42, marathon
// 3:11:50) and VDOT 49.81's equivalents.
func TestPredict(t *testing.T) {
	got, err := Predict(Effort{DistanceM: FiveK, TimeS: 1200}, RaceDistances())
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.InDelta(t, 1200, got[0].VDOTTimeS, 0.01)
	assert.InDelta(t, 1200, got[0].RiegelTimeS, 1e-9)
	assert.Equal(t, int(hms(0, 41, 42)), RaceSeconds(got[1].RiegelTimeS))
	assert.Equal(t, int(hms(3, 11, 50)), RaceSeconds(got[3].RiegelTimeS))
	for _, p := range got {
		assert.InDelta(t, 49.806, vdot(p.DistanceM, p.VDOTTimeS), 1e-3)
	}
	_, err = Predict(Effort{DistanceM: 10, TimeS: 1}, RaceDistances())
	assert.Equal(t, "distance_m", field(t, err))
}
