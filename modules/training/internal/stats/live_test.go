package stats_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Live figures built batch by batch match the figures of the whole, and
// points sent again or late change nothing.
func TestLiveMatchesComputeAndIgnoresRepeats(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var points []telemetry.Point
	for i := range 600 {
		ele := 30 + 10*float64(i%120)/120 // a 10 m climb every two minutes
		hr := 140 + i%10
		points = append(points, telemetry.Point{T: t0.Add(time.Duration(i) * time.Second), Lat: 52.5 + float64(i)*2.7e-5, Lon: 13.4, Ele: &ele, HR: &hr})
	}
	whole := stats.Compute(points, "run")
	var l stats.Live
	for i := 0; i < len(points); i += 7 {
		end := min(i+7, len(points))
		l.Add(points[i:end], "run")
		l.Add(points[max(0, i-3):end], "run") // a redelivery overlapping the last batch
	}
	l.Add(points[100:110], "run") // late points
	require.Equal(t, 600, l.Points)
	assert.InDelta(t, whole.DistanceM, l.DistanceM, 1e-6)
	assert.InDelta(t, whole.MovingS, l.MovingS, 1e-9)
	assert.InDelta(t, whole.ElapsedS, l.ElapsedS(), 1e-9)
	assert.InDelta(t, whole.ElevationGainM, l.Climb.GainM, 1e-9)
	assert.InDelta(t, whole.AvgSpeedMps, l.AvgSpeedMps(), 1e-9)
	assert.Equal(t, 149, *l.Last.HR)
	assert.InDelta(t, 3.0, l.SpeedMps, 0.05)
}

func TestLiveBinaryRoundTrip(t *testing.T) {
	ele, hr, ref := 34.5, 151, 30.0
	for _, l := range []stats.Live{
		{},
		{Points: 1, First: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), Last: &telemetry.Point{T: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), Lat: 52.5, Lon: 13.4}},
		{Points: 600, First: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), DistanceM: 1797.5, MovingS: 599, SpeedMps: 3.1,
			Climb: stats.Climb{Ref: &ref, GainM: 12, LossM: 3.5},
			Last:  &telemetry.Point{T: time.Date(2026, 11, 26, 8, 9, 59, 250_000_000, time.UTC), Lat: 52.51, Lon: 13.4, Ele: &ele, HR: &hr}},
	} {
		b, err := l.MarshalBinary()
		require.NoError(t, err)
		var got stats.Live
		require.NoError(t, got.UnmarshalBinary(b))
		assert.Equal(t, l, got)
		for n := range len(b) {
			assert.Error(t, got.UnmarshalBinary(b[:n]), "cut at %d", n)
		}
		assert.Error(t, got.UnmarshalBinary(append(b, 0)), "trailing bytes")
	}
}
