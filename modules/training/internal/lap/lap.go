// Package lap splits a session's points into laps and computes each lap's
// figures, the same way package stats computes the session's: distance by
// stats.Odometer (on the ellipsoid, or the device's without positions),
// moving time by stats.Moving, heart rate averaged over moving time. Laps start where the athlete marked them (the
// live stream's lap markers) or where an imported file's laps start; the
// laps are contiguous, so their distances and elapsed times add up to the
// session's. It has no SQL, NATS or fx in it.
package lap

import (
	"slices"
	"time"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Lap is one lap's figures.
type Lap struct {
	Index int
	// Start is the time of the lap's first point.
	Start time.Time
	// ElapsedS runs from the lap's first point to the next lap's first
	// point (the last lap: to the session's last point).
	ElapsedS    float64
	MovingS     float64
	DistanceM   float64
	AvgHRBpm    *float64
	MaxHRBpm    *int
	AvgSpeedMps float64 // distance over moving time
	// ElevationGainM and ElevationLossM are the lap's climbs and descents
	// with the session's hysteresis (stats.ElevationThreshold), from the
	// lap's first point to the next lap's.
	ElevationGainM, ElevationLossM float64
	// AvgPowerW is averaged over the lap's time with power (gaps up to
	// maxGap), AvgCadence over its moving time, as the session's are;
	// nil without.
	AvgPowerW, AvgCadence *float64
}

// maxGap is the longest time between two points that still counts as
// moving, as in package stats.
const maxGap = 5 * time.Minute

// MaxLaps bounds the laps of a session (a lap a minute for a day).
const MaxLaps = 1440

// Compute splits points (in time order) of a session of sport at starts
// (the times of the first point of each new lap, in any order) and
// returns the laps, nil when there is no split: a mark at or before the
// first point, after the last one or between the same two points as
// another makes no lap of its own. At most MaxLaps laps are made (the
// later marks are ignored).
func Compute(points []telemetry.Point, starts []time.Time, sport string) []Lap {
	if len(points) < 2 || len(starts) == 0 {
		return nil
	}
	starts = slices.Clone(starts)
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	// first[k] is the index of lap k's first point.
	first := []int{0}
	j := 0
	for _, s := range starts {
		if len(first) == MaxLaps {
			break
		}
		for j < len(points) && points[j].T.Before(s) {
			j++
		}
		if j == 0 || j >= len(points) || j == first[len(first)-1] {
			continue
		}
		first = append(first, j)
	}
	if len(first) < 2 {
		return nil
	}
	segs := stats.Segments(points)
	out := make([]Lap, len(first))
	for k, from := range first {
		to := len(points) - 1 // the lap's segments end at points[to]
		if k+1 < len(first) {
			to = first[k+1]
		}
		l := Lap{Index: k, Start: points[from].T, ElapsedS: points[to].T.Sub(points[from].T).Seconds()}
		var hrSum, hrTime, pwrSum, pwrTime, cadSum, cadTime float64
		var climb stats.Climb
		for i := from; i <= to; i++ {
			if e := points[i].Ele; e != nil {
				climb.Add(*e)
			}
		}
		l.ElevationGainM, l.ElevationLossM = climb.GainM, climb.LossM
		last := to
		if k+1 == len(first) {
			last = to + 1 // the last lap's own last point counts for its maximum
		}
		for i := from; i < last; i++ {
			if hr := points[i].HR; hr != nil && (l.MaxHRBpm == nil || *hr > *l.MaxHRBpm) {
				v := *hr
				l.MaxHRBpm = &v
			}
		}
		for i := from + 1; i <= to; i++ {
			a, b := points[i-1], points[i]
			l.DistanceM += segs[i].DistanceM
			dt := b.T.Sub(a.T)
			secs := dt.Seconds()
			if a.Pwr != nil && secs > 0 && dt <= maxGap {
				pwrSum += float64(*a.Pwr) * secs
				pwrTime += secs
			}
			if !stats.Moving(segs[i], a, dt, sport) {
				continue
			}
			l.MovingS += secs
			if a.HR != nil {
				hrSum += float64(*a.HR) * secs
				hrTime += secs
			}
			if a.Cad != nil {
				cadSum += float64(*a.Cad) * secs
				cadTime += secs
			}
		}
		l.AvgHRBpm, l.AvgPowerW, l.AvgCadence = ratio(hrSum, hrTime), ratio(pwrSum, pwrTime), ratio(cadSum, cadTime)
		if l.MovingS > 0 {
			l.AvgSpeedMps = l.DistanceM / l.MovingS
		}
		out[k] = l
	}
	return out
}

// ratio is sum over n, nil when n is 0.
func ratio(sum, n float64) *float64 {
	if n == 0 {
		return nil
	}
	v := sum / n
	return &v
}
