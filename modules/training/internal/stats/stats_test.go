package stats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

func TestGeodesicAgainstVincentysExample(t *testing.T) {
	// Flinders Peak to Buninyong, the worked example of Vincenty (1975):
	// 54,972.271 m.
	assert.InDelta(t, 54972.271, Geodesic(-37.95103342, 144.42486789, -37.65282114, 143.92649554), 0.01)
	// One degree of latitude at the equator on WGS84: 110,574.4 m.
	assert.InDelta(t, 110574.4, Geodesic(0, 0, 1, 0), 0.5)
	assert.Zero(t, Geodesic(52.5, 13.4, 52.5, 13.4))
	assert.False(t, math.IsNaN(Geodesic(0, 0, 0.5, 179.7)), "nearly antipodal pairs still answer")
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// track makes a run along the meridian 13.4°E northwards from 52.5°N: one
// point a second at speed m/s for n seconds, elevation from ele(i).
func track(n int, speed float64, ele func(i int) float64, hr int) []telemetry.Point {
	const mPerDegLat = 111_257.0 // near 52.5°N on WGS84 (close enough to place points)
	pts := make([]telemetry.Point, 0, n+1)
	for i := 0; i <= n; i++ {
		e := ele(i)
		h := hr
		pts = append(pts, telemetry.Point{T: t0.Add(time.Duration(i) * time.Second), Lat: 52.5 + float64(i)*speed/mPerDegLat, Lon: 13.4, Ele: &e, HR: &h})
	}
	return pts
}

func TestComputeRun(t *testing.T) {
	pts := track(1800, 3.0, func(int) float64 { return 40 }, 150) // 30 min at about 3 m/s
	s := Compute(pts, "run")
	assert.InDelta(t, 5400, s.DistanceM, 5400*0.005)
	assert.Equal(t, 1800.0, s.ElapsedS)
	assert.Equal(t, 1800.0, s.MovingS)
	assert.InDelta(t, s.DistanceM/1800, s.AvgSpeedMps, 1e-9)
	assert.InDelta(t, 1000/s.AvgSpeedMps, s.AvgPaceSPerKm, 1e-6)
	assert.Zero(t, s.ElevationGainM)
	require.NotNil(t, s.AvgHRBpm)
	assert.Equal(t, 150.0, *s.AvgHRBpm)
	assert.Equal(t, 150, *s.MaxHRBpm)

	require.Len(t, s.SplitsKm, 6, "five full kilometres and what is left")
	for _, sp := range s.SplitsKm[:5] {
		assert.InDelta(t, 1000/s.AvgSpeedMps, sp.ElapsedS, 1, "split %d", sp.Index)
	}
	assert.InDelta(t, s.DistanceM-5000, s.SplitsKm[5].DistanceM, 1e-6)
	assert.Len(t, s.SplitsMile, 4)

	var names []string
	for _, e := range s.BestEfforts {
		names = append(names, e.Name)
		assert.InDelta(t, e.DistanceM/s.AvgSpeedMps, e.ElapsedS, 1, e.Name)
	}
	assert.Equal(t, []string{"400m", "1k", "1mile", "5k"}, names)
}

func TestBestEffortFindsTheFastestStretch(t *testing.T) {
	slow := track(600, 2.5, func(int) float64 { return 0 }, 140)
	fast := track(600, 5.0, func(int) float64 { return 0 }, 170)
	// Continue the fast part after the slow one.
	last := slow[len(slow)-1]
	for i, p := range fast[1:] {
		p.T = last.T.Add(time.Duration(i+1) * time.Second)
		p.Lat = last.Lat + (p.Lat - fast[0].Lat)
		slow = append(slow, p)
	}
	s := Compute(slow, "run")
	require.NotEmpty(t, s.BestEfforts)
	assert.Equal(t, "400m", s.BestEfforts[0].Name)
	assert.InDelta(t, 80, s.BestEfforts[0].ElapsedS, 1, "400 m at 5 m/s")
	assert.Equal(t, 170, *s.MaxHRBpm)
}

func TestAutoPauseLeavesStopsOutOfMovingTime(t *testing.T) {
	pts := track(300, 3.0, func(int) float64 { return 0 }, 150)
	// Stand still for two minutes, then go on.
	stop := pts[len(pts)-1]
	for i := 1; i <= 120; i++ {
		p := stop
		p.T = stop.T.Add(time.Duration(i) * time.Second)
		pts = append(pts, p)
	}
	more := track(300, 3.0, func(int) float64 { return 0 }, 150)
	last := pts[len(pts)-1]
	for i, p := range more[1:] {
		p.T = last.T.Add(time.Duration(i+1) * time.Second)
		p.Lat = last.Lat + (p.Lat - more[0].Lat)
		pts = append(pts, p)
	}
	s := Compute(pts, "run")
	assert.Equal(t, 720.0, s.ElapsedS)
	assert.Equal(t, 600.0, s.MovingS)
}

func TestElevationIgnoresNoise(t *testing.T) {
	// ±1 m of noise around a 20 m climb and a 10 m descent.
	ele := func(i int) float64 {
		noise := float64(i%2)*2 - 1
		switch {
		case i < 100:
			return 100 + noise
		case i < 200:
			return 100 + float64(i-100)*0.2 + noise // up 20 m
		default:
			return 120 - math.Min(float64(i-200)*0.1, 10) + noise // down 10 m
		}
	}
	s := Compute(track(400, 3, ele, 150), "run")
	assert.InDelta(t, 20, s.ElevationGainM, 3)
	assert.InDelta(t, 10, s.ElevationLossM, 3)
	flat := Compute(track(400, 3, func(i int) float64 { return 100 + float64(i%2)*2 - 1 }, 150), "run")
	assert.Zero(t, flat.ElevationGainM, "noise below the threshold adds nothing")
}

func TestPowerAndNormalizedPower(t *testing.T) {
	pts := track(600, 8, func(int) float64 { return 0 }, 140)
	for i := range pts {
		w := 200
		if i >= 300 {
			w = 300
		}
		pts[i].Pwr = &w
	}
	s := Compute(pts, "ride")
	require.NotNil(t, s.AvgPowerW)
	assert.InDelta(t, 250, *s.AvgPowerW, 1)
	require.NotNil(t, s.NormalizedPowerW)
	assert.Greater(t, *s.NormalizedPowerW, *s.AvgPowerW, "variable power normalises above its mean")
	assert.Nil(t, Compute(pts, "run").NormalizedPowerW, "only rides")
	assert.Empty(t, s.BestEfforts, "best efforts are for runs")
}

func TestEmptyAndSinglePoint(t *testing.T) {
	assert.Zero(t, Compute(nil, "run").DistanceM)
	one := Compute(track(0, 3, func(int) float64 { return 0 }, 150), "run")
	assert.Equal(t, 1, one.Points)
	assert.Zero(t, one.DistanceM)
	assert.Empty(t, one.SplitsKm)
}

// BenchmarkCompute is the figures of a 10,000-point session (about 2h47m
// at one point a second).
func BenchmarkCompute(b *testing.B) {
	pts := track(10_000, 3, func(i int) float64 { return 100 + float64(i%50) }, 150)
	for b.Loop() {
		Compute(pts, "run")
	}
}
