package lap

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

var t0 = time.Date(2026, 5, 1, 7, 0, 0, 0, time.UTC)

// track makes n points a second apart at 3 m/s northwards, heart rate
// hr(i), standing still between stopFrom and stopTo.
func track(n int, hr func(int) int, stopFrom, stopTo int) []telemetry.Point {
	out := make([]telemetry.Point, n)
	lat := 52.5
	for i := range out {
		if i > 0 && (i <= stopFrom || i > stopTo) {
			lat += 3 / 111_257.0
		}
		h := hr(i)
		out[i] = telemetry.Point{T: t0.Add(time.Duration(i) * time.Second), Lat: lat, Lon: 13.4, HR: &h}
	}
	return out
}

func TestLapsAddUpToTheSession(t *testing.T) {
	points := track(601, func(i int) int { return 120 + i/10 }, 300, 360)
	laps := Compute(points, []time.Time{t0.Add(400 * time.Second), t0.Add(200 * time.Second)}, "run")
	require.Len(t, laps, 3)
	sum := stats.Compute(points, "run")
	var dist, elapsed, moving float64
	for k, l := range laps {
		assert.Equal(t, k, l.Index)
		dist += l.DistanceM
		elapsed += l.ElapsedS
		moving += l.MovingS
	}
	assert.InDelta(t, sum.DistanceM, dist, 1e-6)
	assert.InDelta(t, sum.ElapsedS, elapsed, 1e-9)
	assert.InDelta(t, sum.MovingS, moving, 1e-9)
	assert.True(t, laps[1].Start.Equal(t0.Add(200*time.Second)))
	assert.Equal(t, 200.0, laps[0].ElapsedS)
	assert.Equal(t, 200.0, laps[1].ElapsedS)
	assert.Equal(t, 200.0, laps[2].ElapsedS)
	assert.Equal(t, 140.0, laps[1].MovingS, "a minute standing still")
	assert.InDelta(t, 3, laps[0].AvgSpeedMps, 0.01)
	require.NotNil(t, laps[0].MaxHRBpm)
	assert.Equal(t, 139, *laps[0].MaxHRBpm, "the lap's own points")
	assert.Equal(t, 180, *laps[2].MaxHRBpm, "the last lap counts its last point")
	require.NotNil(t, laps[0].AvgHRBpm)
	assert.InDelta(t, 129.5, *laps[0].AvgHRBpm, 0.1)
}

// Intervals on a hill: up a 30 m climb at 300 W in the first lap, down
// at 100 W without cadence in the second; each lap has its own climb,
// descent, power and cadence.
func TestLapClimbPowerAndCadence(t *testing.T) {
	points := track(201, func(int) int { return 140 }, -1, -1)
	for i := range points {
		ele := 100 + 0.3*float64(min(i, 100)) - 0.3*float64(max(i-100, 0)) // up to 130 m, back to 100 m
		pwr, cad := 300, 90
		if i >= 100 {
			pwr = 100
		}
		points[i].Ele, points[i].Pwr = &ele, &pwr
		if i < 100 {
			points[i].Cad = &cad
		}
	}
	laps := Compute(points, []time.Time{t0.Add(100 * time.Second)}, "ride")
	require.Len(t, laps, 2)
	assert.InDelta(t, 30, laps[0].ElevationGainM, 1e-9)
	assert.Zero(t, laps[0].ElevationLossM)
	assert.Zero(t, laps[1].ElevationGainM)
	assert.InDelta(t, 30, laps[1].ElevationLossM, 1e-9)
	require.NotNil(t, laps[0].AvgPowerW)
	assert.InDelta(t, 300, *laps[0].AvgPowerW, 1e-9)
	assert.InDelta(t, 100, *laps[1].AvgPowerW, 1e-9)
	require.NotNil(t, laps[0].AvgCadence)
	assert.InDelta(t, 90, *laps[0].AvgCadence, 1e-9)
	assert.Nil(t, laps[1].AvgCadence, "no cadence in the second lap")
	sum := stats.Compute(points, "ride")
	assert.InDelta(t, sum.ElevationGainM, laps[0].ElevationGainM+laps[1].ElevationGainM, 1e-9, "the laps' climbs add up to the session's here")
}

func TestMarksThatMakeNoLap(t *testing.T) {
	points := track(61, func(int) int { return 130 }, -1, -1)
	assert.Nil(t, Compute(points, nil, "run"))
	assert.Nil(t, Compute(points, []time.Time{t0, t0.Add(-time.Hour), t0.Add(time.Hour)}, "run"), "at the first point, before, after")
	laps := Compute(points, []time.Time{t0.Add(30 * time.Second), t0.Add(29500 * time.Millisecond), t0.Add(30 * time.Second)}, "run")
	assert.Len(t, laps, 2, "marks between the same two points make one lap")
	assert.Nil(t, Compute(points[:1], []time.Time{t0}, "run"))
}

func TestMaxLaps(t *testing.T) {
	points := track(3000, func(int) int { return 130 }, -1, -1)
	starts := make([]time.Time, 2999)
	for i := range starts {
		starts[i] = t0.Add(time.Duration(i+1) * time.Second)
	}
	assert.Len(t, Compute(points, starts, "run"), MaxLaps)
}
