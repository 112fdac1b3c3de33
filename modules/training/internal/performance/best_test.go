package performance

import (
	"encoding/xml"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Constant 4 m/s, a sample every 10 s: every distance takes d/4 seconds.
func TestBestEffortsConstantSpeed(t *testing.T) {
	var track []Sample
	for i := 0; i <= 360; i++ { // 1 h, 14.4 km
		track = append(track, Sample{T: float64(10 * i), D: float64(40 * i)})
	}
	got, err := BestEfforts(track, StandardDistances())
	require.NoError(t, err)
	require.Len(t, got, 5) // no half marathon or marathon in 14.4 km
	for i, d := range []float64{400, 1000, Mile, 5000, 10000} {
		assert.Equal(t, d, got[i].DistanceM)
		assert.InDelta(t, d/4, got[i].TimeS, 1e-9)
		assert.InDelta(t, got[i].TimeS, got[i].EndS-got[i].StartS, 1e-9)
	}
}

// A hand-computed track: 2 km at 5 m/s... no, by hand: 0–1000 m in 300 s
// (3.33 m/s), 1000–2000 m in 200 s (5 m/s), 2000–3000 m in 300 s, one
// sample each 100 m. Best 1 km: the middle, 200 s, from 300 s to 500 s.
// Best 1.5 km: 1 km at 5 m/s plus 500 m at 3.33 m/s = 200 + 150 = 350 s.
// Best 400 m: 80 s. A sample only every 500 m: best 400 m lies within the
// fast kilometre by interpolation, still 80 s.
func TestBestEffortsHandComputed(t *testing.T) {
	build := func(step float64) []Sample {
		var tr []Sample
		for d := 0.0; d <= 3000; d += step {
			var s float64
			switch {
			case d <= 1000:
				s = d * 0.3
			case d <= 2000:
				s = 300 + (d-1000)*0.2
			default:
				s = 500 + (d-2000)*0.3
			}
			tr = append(tr, Sample{T: s, D: d})
		}
		return tr
	}
	for _, step := range []float64{100, 500} {
		got, err := BestEfforts(build(step), []float64{1000, 1500, 400, 3000, 3001})
		require.NoError(t, err)
		require.Len(t, got, 4)
		assert.Equal(t, Effort{DistanceM: 1000, TimeS: 200, StartS: 300, EndS: 500}, got[0])
		assert.InDelta(t, 350, got[1].TimeS, 1e-9)
		assert.InDelta(t, 80, got[2].TimeS, 1e-9)
		assert.Equal(t, Effort{DistanceM: 3000, TimeS: 800, StartS: 0, EndS: 800}, got[3])
	}
	// Standing still in the middle (a pause on the clock) counts.
	tr := []Sample{{0, 0}, {100, 500}, {400, 500}, {500, 1000}, {600, 1500}}
	got, err := BestEfforts(tr, []float64{1000})
	require.NoError(t, err)
	assert.Equal(t, Effort{DistanceM: 1000, TimeS: 200, StartS: 400, EndS: 600}, got[0])
}

func TestBestEffortsInvalid(t *testing.T) {
	_, err := BestEfforts([]Sample{{0, 0}, {10, 50}, {9, 60}}, StandardDistances())
	assert.Equal(t, "track", field(t, err))
	_, err = BestEfforts([]Sample{{0, 10}, {10, 5}}, StandardDistances())
	assert.Equal(t, "track", field(t, err))
	_, err = BestEfforts([]Sample{{0, 0}, {10, math.NaN()}}, StandardDistances())
	assert.Equal(t, "track", field(t, err))
	_, err = BestEfforts([]Sample{{0, 0}, {10, 50}}, []float64{0})
	assert.Equal(t, "distances", field(t, err))
	got, err := BestEfforts([]Sample{{0, 0}}, StandardDistances())
	require.NoError(t, err)
	assert.Empty(t, got)
}

// bruteForce tries every stretch that starts or ends on a sample, in
// O(n²).
func bruteForce(track []Sample, d float64) float64 {
	best := math.Inf(1)
	for j := range track {
		x := track[j].D - d
		for k := 0; k+1 <= j; k++ {
			if track[k].D <= x && x < track[k+1].D {
				best = min(best, track[j].T-at(track[k], track[k+1], x))
			}
		}
	}
	for i := range track {
		x := track[i].D + d
		for k := i + 1; k < len(track); k++ {
			if track[k-1].D < x && x <= track[k].D {
				best = min(best, at(track[k-1], track[k], x)-track[i].T)
				break
			}
		}
	}
	return best
}

// Random tracks with stops and sprints: the two-pointer scan finds what
// trying every stretch finds.
func TestBestEffortsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 20 {
		track := []Sample{{0, 0}}
		for range 300 {
			last := track[len(track)-1]
			dt := 1 + r.Float64()*9
			v := r.Float64() * 7
			if r.IntN(10) == 0 {
				v = 0
			}
			track = append(track, Sample{T: last.T + dt, D: last.D + v*dt})
		}
		dists := []float64{100, 400, 1000, Mile, 3000}
		got, err := BestEfforts(track, dists)
		require.NoError(t, err)
		for _, e := range got {
			assert.InDelta(t, bruteForce(track, e.DistanceM), e.TimeS, 1e-9, e.DistanceM)
		}
	}
}

// gpxTrack reads a GPX file's track points as elapsed seconds and
// cumulative great-circle metres (haversine, mean Earth radius).
func gpxTrack(t testing.TB, path string) []Sample {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Points []struct {
			Lat  float64 `xml:"lat,attr"`
			Lon  float64 `xml:"lon,attr"`
			Time string  `xml:"time"`
		} `xml:"trk>trkseg>trkpt"`
	}
	require.NoError(t, xml.Unmarshal(b, &doc))
	const r = 6371008.8
	var track []Sample
	var t0 time.Time
	for i, p := range doc.Points {
		at, err := time.Parse(time.RFC3339, p.Time)
		require.NoError(t, err)
		if i == 0 {
			t0 = at
			track = append(track, Sample{})
			continue
		}
		q := doc.Points[i-1]
		φ1, φ2 := q.Lat*math.Pi/180, p.Lat*math.Pi/180
		dφ, dλ := φ2-φ1, (p.Lon-q.Lon)*math.Pi/180
		h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
		d := 2 * r * math.Asin(math.Sqrt(h))
		track = append(track, Sample{T: at.Sub(t0).Seconds(), D: track[i-1].D + d})
	}
	return track
}

// A real run (Garmin Connect GPX, 988 points, 12.9 km in 1 h 32 min): the
// scan agrees with trying every stretch, the efforts cover 400 m to 10 km
// and their paces slow with distance.
func TestBestEffortsRealTrack(t *testing.T) {
	track := gpxTrack(t, "testdata/georust-gpx__run-hr-cad__garmin-activity.gpx")
	require.Len(t, track, 988)
	total := track[len(track)-1]
	assert.InDelta(t, 12900, total.D, 200)
	got, err := BestEfforts(track, StandardDistances())
	require.NoError(t, err)
	require.Len(t, got, 5) // 400 m, 1 km, mile, 5 km, 10 km
	prevPace := 0.0
	for _, e := range got {
		assert.InDelta(t, bruteForce(track, e.DistanceM), e.TimeS, 1e-9)
		pace := e.TimeS / e.DistanceM
		assert.GreaterOrEqual(t, pace, prevPace*0.999, e.DistanceM)
		prevPace = pace
		assert.True(t, e.StartS >= 0 && e.EndS <= total.T)
		t.Logf("best %g m: %.1f s (%.1f–%.1f s)", e.DistanceM, e.TimeS, e.StartS, e.EndS)
		// No slower than the first stretch of that distance.
		first, _ := BestEfforts(track[:firstReaching(track, e.DistanceM)+1], []float64{e.DistanceM})
		assert.LessOrEqual(t, e.TimeS, first[0].EndS+1e-9)
	}
}

func firstReaching(track []Sample, d float64) int {
	for i, s := range track {
		if s.D >= d {
			return i
		}
	}
	return len(track) - 1
}

// BenchmarkBestEfforts finds the seven standard best efforts over a
// 10,000-point track (a 1 s sample over 2 h 47 min, 42.4 km).
func BenchmarkBestEfforts(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 5))
	track := make([]Sample, 10_000)
	for i := 1; i < len(track); i++ {
		track[i] = Sample{T: float64(i), D: track[i-1].D + 3.5 + r.Float64()*1.5}
	}
	dists := StandardDistances()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BestEfforts(track, dists); err != nil {
			b.Fatal(err)
		}
	}
}
