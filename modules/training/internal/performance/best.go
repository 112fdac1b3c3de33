package performance

import (
	"math"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// StandardDistances are the distances of best efforts, in metres: 400 m,
// 1 km, 1 mile, 5 km, 10 km, half marathon, marathon.
func StandardDistances() []float64 {
	return []float64{Metres400, Kilometre, Mile, FiveK, TenK, HalfMarathon, Marathon}
}

// Sample is one point of a session's track: seconds since the start and
// metres covered since the start.
type Sample struct {
	T float64
	D float64
}

// Effort is the fastest stretch of a session over a distance: it starts
// StartS seconds after the session's start and ends EndS seconds after
// it, TimeS = EndS − StartS.
type Effort struct {
	DistanceM float64 `json:"distance_m"`
	TimeS     float64 `json:"time_s"`
	StartS    float64 `json:"start_s"`
	EndS      float64 `json:"end_s"`
}

// BestEfforts returns, for each of distances (metres, positive) that the
// track covers, the fastest stretch of exactly that distance, in the order
// of distances; a distance longer than the track has no effort. Time is
// the track's clock, pauses included (a race clock); a caller that wants
// moving time gives moving seconds as T.
//
// Between two samples the athlete moves at constant speed, so the best
// stretch starts or ends on a sample: for each distance, one scan with
// two pointers tries every stretch ending on a sample (its start
// interpolated) and one every stretch starting on a sample (its end
// interpolated), O(n) per distance. Samples must not go back in time or
// distance; otherwise a *fielderr.Error.
func BestEfforts(track []Sample, distances []float64) ([]Effort, error) {
	for i, s := range track {
		if !(s.T >= 0) || !(s.D >= 0) || math.IsInf(s.T, 0) || math.IsInf(s.D, 0) {
			return nil, fielderr.New("track", "sample %d: time and distance must be numbers, 0 or more", i)
		}
		if i > 0 && (s.T < track[i-1].T || s.D < track[i-1].D) {
			return nil, fielderr.New("track", "sample %d: time and distance must not decrease", i)
		}
	}
	for _, d := range distances {
		if !(d > 0) || math.IsInf(d, 0) {
			return nil, fielderr.New("distances", "must be positive numbers of metres")
		}
	}
	var out []Effort
	if len(track) < 2 {
		return out, nil
	}
	// pace[k] is the seconds per metre between samples k and k+1, computed
	// once for every distance (0 where the distance does not change: no
	// stretch is interpolated there).
	pace := make([]float64, len(track)-1)
	for k := range pace {
		if dd := track[k+1].D - track[k].D; dd > 0 {
			pace[k] = (track[k+1].T - track[k].T) / dd
		}
	}
	total := track[len(track)-1].D - track[0].D
	for _, d := range distances {
		if d > total {
			continue
		}
		out = append(out, best(track, pace, d))
	}
	return out, nil
}

// best is the fastest stretch of d metres of track, which covers d.
func best(track []Sample, pace []float64, d float64) Effort {
	e := Effort{DistanceM: d, TimeS: math.Inf(1)}
	n := len(track)
	// Stretches ending on sample j: i is the last sample at least d before
	// it, so that track[i].D ≤ start < track[i+1].D.
	i := 0
	for j := 1; j < n; j++ {
		end := track[j]
		if end.D-track[0].D < d {
			continue
		}
		for i+1 < j && end.D-track[i+1].D >= d {
			i++
		}
		a := track[i]
		ts := a.T + (end.D-d-a.D)*pace[i]
		if t := end.T - ts; t < e.TimeS {
			e.TimeS, e.StartS, e.EndS = t, ts, end.T
		}
	}
	// Stretches starting on sample i: j is the first sample at least d
	// after it, so that track[j-1].D < end ≤ track[j].D.
	j := 1
	last := track[n-1].D
	for i := 0; i < n-1; i++ {
		a := track[i]
		end := a.D + d
		if end > last {
			break
		}
		for j < n-1 && track[j].D < end {
			j++
		}
		b := track[j-1]
		te := b.T + (end-b.D)*pace[j-1]
		if t := te - a.T; t < e.TimeS {
			e.TimeS, e.StartS, e.EndS = t, a.T, te
		}
	}
	return e
}

// at is the time the distance x is reached between samples a and b
// (a.D ≤ x ≤ b.D), at constant speed between them; the later time when
// they share a distance.
func at(a, b Sample, x float64) float64 {
	if b.D <= a.D {
		return b.T
	}
	f := (x - a.D) / (b.D - a.D)
	if f < 0 {
		f = 0
	} else if f > 1 {
		f = 1
	}
	return a.T + f*(b.T-a.T)
}
