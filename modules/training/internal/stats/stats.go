// Package stats computes a finished session's figures from its points:
// distance on the ellipsoid (or, for points without a position, from the
// device's distance or speed: Odometer), elapsed and moving time
// (auto-pause; by heart rate or power where no distance is measured), speeds
// and pace, elevation gain and loss with noise filtering, heart rate,
// cadence and power (normalised power for rides), splits per kilometre and
// per mile, and best efforts for runs. It has no SQL, NATS or fx in it.
package stats

import (
	"math"
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Distances of the splits and of the best efforts, in metres.
const (
	Kilometre = 1000.0
	Mile      = 1609.344
)

// BestEffortDistances are the distances whose fastest time a run reports.
var BestEffortDistances = []struct {
	Name string
	M    float64
}{
	{"400m", 400}, {"1k", 1000}, {"1mile", Mile}, {"5k", 5000}, {"10k", 10000},
	{"half_marathon", 21097.5}, {"marathon", 42195},
}

// ElevationThreshold is the hysteresis of elevation gain: a climb or a
// descent counts once the altitude has moved this far from the last
// turning point, so GPS and barometer noise adds nothing.
const ElevationThreshold = 3.0

// Summary is what Compute returns.
type Summary struct {
	DistanceM        float64      `json:"distance_m"`
	ElapsedS         float64      `json:"elapsed_time_s"`
	MovingS          float64      `json:"moving_time_s"`
	AvgSpeedMps      float64      `json:"avg_speed_mps"`
	MaxSpeedMps      float64      `json:"max_speed_mps"`
	AvgPaceSPerKm    float64      `json:"avg_pace_s_per_km,omitempty"`
	ElevationGainM   float64      `json:"elevation_gain_m"`
	ElevationLossM   float64      `json:"elevation_loss_m"`
	AvgHRBpm         *float64     `json:"avg_hr_bpm,omitempty"`
	MaxHRBpm         *int         `json:"max_hr_bpm,omitempty"`
	AvgCadence       *float64     `json:"avg_cadence,omitempty"`
	AvgPowerW        *float64     `json:"avg_power_w,omitempty"`
	NormalizedPowerW *float64     `json:"normalized_power_w,omitempty"`
	SplitsKm         []Split      `json:"splits_km,omitempty"`
	SplitsMile       []Split      `json:"splits_mile,omitempty"`
	BestEfforts      []BestEffort `json:"best_efforts,omitempty"`
	Points           int          `json:"points"`
	Start, End       time.Time    `json:"-"`
}

// Split is one kilometre or mile of the session (the last may be shorter).
type Split struct {
	Index     int      `json:"index"`
	DistanceM float64  `json:"distance_m"`
	ElapsedS  float64  `json:"elapsed_time_s"`
	ElevDiffM float64  `json:"elevation_difference_m"`
	AvgHRBpm  *float64 `json:"avg_hr_bpm,omitempty"`
}

// BestEffort is the fastest time over a distance within the session.
type BestEffort struct {
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
	ElapsedS  float64 `json:"elapsed_time_s"`
}

// MovingThreshold is the speed below which a segment counts as standing
// still (auto-pause), in m/s.
func MovingThreshold(sport string) float64 {
	switch sport {
	case "ride", "mountain_bike":
		return 1.0
	case "swim", "row":
		return 0.3
	default:
		return 0.5
	}
}

// maxGap is the longest time between two points that still counts as
// moving when the distance covered says so; longer gaps are pauses.
const maxGap = 5 * time.Minute

// Compute summarises points (in time order) of a session of sport.
func Compute(points []telemetry.Point, sport string) Summary {
	var s Summary
	s.Points = len(points)
	if len(points) == 0 {
		return s
	}
	s.Start, s.End = points[0].T, points[len(points)-1].T
	s.ElapsedS = s.End.Sub(s.Start).Seconds()

	cum := make([]float64, len(points)) // cumulative distance at each point
	var odo Odometer
	odo.See(points[0])
	var hrSum, hrTime, cadSum, cadTime, pwrSum, pwrTime float64
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		seg := odo.Step(a, b)
		cum[i] = cum[i-1] + seg.DistanceM
		dt := b.T.Sub(a.T)
		secs := dt.Seconds()
		if secs <= 0 {
			continue
		}
		if Moving(seg, a, dt, sport) {
			s.MovingS += secs
			if speed := seg.DistanceM / secs; seg.Measured && speed > s.MaxSpeedMps && secs >= 1 {
				s.MaxSpeedMps = speed
			}
			if a.HR != nil {
				hrSum += float64(*a.HR) * secs
				hrTime += secs
			}
			if a.Cad != nil {
				cadSum += float64(*a.Cad) * secs
				cadTime += secs
			}
		}
		if a.Pwr != nil && dt <= maxGap {
			pwrSum += float64(*a.Pwr) * secs
			pwrTime += secs
		}
	}
	s.DistanceM = cum[len(cum)-1]
	if s.MovingS > 0 {
		s.AvgSpeedMps = s.DistanceM / s.MovingS
	}
	if s.DistanceM > 0 {
		s.AvgPaceSPerKm = s.MovingS / (s.DistanceM / Kilometre)
	}
	s.ElevationGainM, s.ElevationLossM = elevation(points)
	s.AvgHRBpm = ratio(hrSum, hrTime)
	s.AvgCadence = ratio(cadSum, cadTime)
	s.AvgPowerW = ratio(pwrSum, pwrTime)
	for _, p := range points {
		if p.HR != nil && (s.MaxHRBpm == nil || *p.HR > *s.MaxHRBpm) {
			hr := *p.HR
			s.MaxHRBpm = &hr
		}
	}
	if (sport == "ride" || sport == "mountain_bike") && s.AvgPowerW != nil {
		s.NormalizedPowerW = normalizedPower(points)
	}
	s.SplitsKm = splits(points, cum, Kilometre)
	s.SplitsMile = splits(points, cum, Mile)
	if sport == "run" || sport == "trail_run" {
		s.BestEfforts = bestEfforts(points, cum)
	}
	return s
}

func ratio(sum, n float64) *float64 {
	if n == 0 {
		return nil
	}
	v := sum / n
	return &v
}

// elevation sums climbs and descents with hysteresis.
func elevation(points []telemetry.Point) (gain, loss float64) {
	var c Climb
	for _, p := range points {
		if p.Ele != nil {
			c.Add(*p.Ele)
		}
	}
	return c.GainM, c.LossM
}

// Climb sums climbs and descents with hysteresis (ElevationThreshold),
// one altitude at a time. Its zero value is ready; it is serialisable so a
// live session's sum can continue in another process.
type Climb struct {
	// Ref is the last turning point, nil before the first altitude.
	Ref          *float64 `json:"ref,omitempty"`
	GainM, LossM float64
}

// Add counts one altitude.
func (c *Climb) Add(e float64) {
	switch {
	case c.Ref == nil:
	case e-*c.Ref >= ElevationThreshold:
		c.GainM += e - *c.Ref
	case *c.Ref-e >= ElevationThreshold:
		c.LossM += *c.Ref - e
	default:
		return
	}
	c.Ref = &e
}

// timeAt interpolates the time at which the cumulative distance reached d.
func timeAt(points []telemetry.Point, cum []float64, i int, d float64) time.Time {
	// cum[i-1] <= d <= cum[i]
	if i == 0 || cum[i] == cum[i-1] {
		return points[i].T
	}
	f := (d - cum[i-1]) / (cum[i] - cum[i-1])
	dt := points[i].T.Sub(points[i-1].T)
	return points[i-1].T.Add(time.Duration(f * float64(dt)))
}

func eleAt(p telemetry.Point) (float64, bool) {
	if p.Ele == nil {
		return 0, false
	}
	return *p.Ele, true
}

// splits cuts the session every unit metres (the last split is what is left).
func splits(points []telemetry.Point, cum []float64, unit float64) []Split {
	total := cum[len(cum)-1]
	if total == 0 {
		return nil
	}
	var out []Split
	startT := points[0].T
	startIdx := 0
	next := unit
	for i := 1; i < len(points); i++ {
		for cum[i] >= next {
			t := timeAt(points, cum, i, next)
			out = append(out, makeSplit(len(out)+1, unit, t.Sub(startT), points[startIdx:i+1]))
			startT, startIdx = t, i
			next += unit
		}
	}
	if rest := total - (next - unit); rest > 1 {
		out = append(out, makeSplit(len(out)+1, rest, points[len(points)-1].T.Sub(startT), points[startIdx:]))
	}
	return out
}

func makeSplit(index int, dist float64, elapsed time.Duration, pts []telemetry.Point) Split {
	sp := Split{Index: index, DistanceM: dist, ElapsedS: elapsed.Seconds()}
	first, okA := eleAt(pts[0])
	last, okB := eleAt(pts[len(pts)-1])
	if okA && okB {
		sp.ElevDiffM = last - first
	}
	var sum float64
	var n int
	for _, p := range pts {
		if p.HR != nil {
			sum += float64(*p.HR)
			n++
		}
	}
	if n > 0 {
		v := sum / float64(n)
		sp.AvgHRBpm = &v
	}
	return sp
}

// bestEfforts finds, for each distance the run covers, the shortest time
// in which any stretch of it was covered (two pointers, with the end of the
// stretch interpolated).
func bestEfforts(points []telemetry.Point, cum []float64) []BestEffort {
	var out []BestEffort
	total := cum[len(cum)-1]
	for _, e := range BestEffortDistances {
		if e.M > total {
			break
		}
		best := math.Inf(1)
		j := 1
		for i := 0; i < len(points); i++ {
			target := cum[i] + e.M
			if target > total {
				break
			}
			if j <= i {
				j = i + 1
			}
			for j < len(points) && cum[j] < target {
				j++
			}
			if j == len(points) {
				break
			}
			t := timeAt(points, cum, j, target).Sub(points[i].T).Seconds()
			if t < best {
				best = t
			}
		}
		if !math.IsInf(best, 1) {
			out = append(out, BestEffort{Name: e.Name, DistanceM: e.M, ElapsedS: best})
		}
	}
	return out
}

// normalizedPower is Coggan's normalised power: the power resampled to one
// second, a 30-second rolling mean, its fourth power averaged, the fourth
// root taken. Nil for rides shorter than 30 s of power.
func normalizedPower(points []telemetry.Point) *float64 {
	var series []float64
	for i := 1; i < len(points); i++ {
		a := points[i-1]
		secs := int(points[i].T.Sub(a.T).Seconds())
		if a.Pwr == nil || secs <= 0 || secs > int(maxGap.Seconds()) {
			continue
		}
		for k := 0; k < secs; k++ {
			series = append(series, float64(*a.Pwr))
		}
	}
	if len(series) < 30 {
		return nil
	}
	var window, sum4 float64
	n := 0
	for i, v := range series {
		window += v
		if i >= 30 {
			window -= series[i-30]
		}
		if i >= 29 {
			m := window / 30
			sum4 += m * m * m * m
			n++
		}
	}
	np := math.Pow(sum4/float64(n), 0.25)
	return &np
}
