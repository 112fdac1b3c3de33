package workout

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// distance is the haversine distance in metres, as the server computes it.
func distance(lat1, lon1, lat2, lon2 float64) float64 {
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

func TestTrackIsPlausible(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for seed := range uint64(20) {
		// Every other track at 2 points a second, the others at 1 with
		// some irregular gaps (a phone's GPS is not a metronome).
		step := time.Second
		if seed%2 == 1 {
			step = 500 * time.Millisecond
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		tr := NewTrack(rng)
		at := t0
		prev := tr.Next(at)
		plat, plon := tr.Position()
		first := prev
		for i := range 3600 {
			dt := step
			if seed%2 == 0 && i%97 == 0 {
				dt = time.Duration(1+rng.IntN(5)) * time.Second
			}
			at = at.Add(dt)
			p := tr.Next(at)
			lat, lon := tr.Position()
			secs := dt.Seconds()

			require.True(t, p.T.Equal(at), "a point has the time it was recorded at")
			require.True(t, p.T.After(prev.T), "times increase")

			// True speed within the bounds, and the true position moves
			// accordingly (a chord of the loop is a little shorter).
			require.GreaterOrEqual(t, tr.Speed(), MinSpeed)
			require.LessOrEqual(t, tr.Speed(), MaxSpeed)
			v := distance(plat, plon, lat, lon) / secs
			require.InDelta(t, (MinSpeed+MaxSpeed)/2, v, (MaxSpeed-MinSpeed)/2+0.05, "seed %d point %d: true speed", seed, i)
			plat, plon = lat, lon

			// Recorded points, GPS error included, pass the server's
			// jump check easily: the error drifts slowly.
			d := distance(prev.Lat, prev.Lon, p.Lat, p.Lon)
			require.Less(t, d/secs, MaxSpeed+1.5, "seed %d point %d: apparent speed", seed, i)
			require.LessOrEqual(t, distance(lat, lon, p.Lat, p.Lon), MaxJitter*math.Sqrt2+0.01, "GPS error")
			require.GreaterOrEqual(t, p.Acc, 3.0)
			require.LessOrEqual(t, p.Acc, 15.0)

			require.GreaterOrEqual(t, p.HR, MinHR)
			require.LessOrEqual(t, p.HR, MaxHR)
			require.LessOrEqual(t, math.Abs(float64(p.HR-prev.HR)), 4+3*secs, "heart rate changes smoothly")
			require.InDelta(t, 180, p.Cad, 15, "running cadence")
			require.LessOrEqual(t, math.Abs(p.Ele-prev.Ele), 1+0.5*secs, "elevation changes smoothly")

			// Laps of a loop: never far from where it started.
			require.Less(t, distance(first.Lat, first.Lon, p.Lat, p.Lon), 4000.0)
			prev = p
		}
	}
}

func TestTrackHeartRateFollowsEffort(t *testing.T) {
	// Over many athletes, the faster ones have the higher heart rates.
	t0 := time.Now()
	var slow, fast []float64
	for seed := range uint64(200) {
		tr := NewTrack(rand.New(rand.NewPCG(seed, 1)))
		base := tr.baseSpeed
		sum := 0.0
		for i := range 600 {
			sum += float64(tr.Next(t0.Add(time.Duration(i) * time.Second)).HR)
		}
		if base < 3.0 {
			slow = append(slow, sum/600)
		} else if base > 3.3 {
			fast = append(fast, sum/600)
		}
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	require.NotEmpty(t, slow)
	require.NotEmpty(t, fast)
	assert.Greater(t, mean(fast), mean(slow)+5)
}

func TestTrackIsReproducible(t *testing.T) {
	t0 := time.Now()
	a, b := NewTrack(rand.New(rand.NewPCG(3, 4))), NewTrack(rand.New(rand.NewPCG(3, 4)))
	for i := range 100 {
		at := t0.Add(time.Duration(i) * time.Second)
		require.Equal(t, a.Next(at), b.Next(at))
	}
}

func TestPointJSON(t *testing.T) {
	p := Point{T: time.Date(2026, 11, 26, 8, 0, 1, 234567891, time.FixedZone("CET", 3600)),
		Lat: 52.516312345678, Lon: 13.377712345678, Ele: 34.26, Acc: 4.51, HR: 141, Cad: 172}
	data, err := json.Marshal(Message{Points: []Point{p}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"points":[{"t":"2026-11-26T07:00:01.234Z","lat":52.5163123,"lon":13.3777123,"ele":34.3,"acc":4.5,"hr":141,"cad":172}]}`, string(data))
}
