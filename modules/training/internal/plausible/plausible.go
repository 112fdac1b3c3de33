// Package plausible decides whether a finished session's figures could
// belong to a person: a speed no athlete of the sport reaches, a heart rate
// no heart beats at, more time moving than time elapsed. The module marks
// every session with the verdict (in its answers and its session events),
// and other modules (gamification: challenges, leaderboards) leave out the
// implausible ones. It has no SQL, NATS or fx in it.
//
// The ceilings are world-record speeds of each sport with a margin (about
// 20 %), so that no real athlete is ever marked: a session that averages
// faster than the fastest human ever did over the shortest race of the
// sport was not done on foot, on a bike or in the water.
package plausible

import "math"

// Reasons a session is implausible (the first rule broken is named).
const (
	ReasonMovingExceedsElapsed = "moving_time_exceeds_elapsed_time"
	ReasonSpeed                = "impossible_speed"
	ReasonMaxSpeed             = "impossible_max_speed"
	ReasonHeartRate            = "impossible_heart_rate"
	ReasonDistanceWithoutTime  = "distance_without_moving_time"
)

// Reasons lists every reason, for documentation and tests.
func Reasons() []string {
	return []string{ReasonMovingExceedsElapsed, ReasonSpeed, ReasonMaxSpeed, ReasonHeartRate, ReasonDistanceWithoutTime}
}

// Figures are what the rules look at of a finished session; zero values
// are unknowns (a manual session often has no distance or heart rate).
type Figures struct {
	Sport       string
	DistanceM   float64
	ElapsedS    float64
	MovingS     float64
	MaxSpeedMps float64
	AvgHRBpm    *float64
	MaxHRBpm    *int
}

// Verdict says whether a session is plausible and, if not, why.
type Verdict struct {
	Plausible bool
	// Reason is the first rule broken ("" when plausible).
	Reason string
}

// Heart-rate bounds, bpm. The highest maximal heart rates measured in
// exercise testing are about 220–230 (Tanaka, Monahan & Seals 2001, "Age-
// predicted maximal heart rate revisited", J Am Coll Cardiol 37(1):153–156,
// 208 − 0.7·age, ± about 10 bpm; the youngest athletes reach the top of
// that range); 250 leaves a margin and is the telemetry's sensor ceiling
// too. An average over a session below 30 is no living exerciser's, and
// an average cannot exceed its maximum.
const (
	MinAvgHR = 30
	MaxHR    = 250
)

// slack absorbs rounding of times entered or reported in whole seconds.
const slack = 1.0

// AvgSpeedCeiling is the highest plausible average speed (distance over
// moving time) of a session of the sport, m/s; +Inf when the sport has no
// meaningful speed (strength, yoga, other). Each is a world record's
// average speed with a margin of about 20 %:
//
//   - run, trail_run: 100 m in 9.58 s (Usain Bolt, Berlin 2009), 10.4 m/s → 12.5
//   - walk, hike: 20 km race walk in 1:16:36 (Yusuke Suzuki, Nomi 2015), 4.35 m/s → 5.2
//   - ride: the UCI hour record, 56.792 km (Filippo Ganna, Grenchen 2022),
//     15.8 m/s; a session can be one long descent, so the ceiling is higher: 25
//     (90 km/h on average)
//   - mountain_bike: 25, as ride (downhill runs)
//   - swim: 50 m freestyle, long course, in 20.91 s (César Cielo, São Paulo
//     2009), 2.39 m/s → 2.9
//   - row: the men's eight's 2,000 m world best, about 5:19, 6.3 m/s → 7.5
//   - ski: 45 (162 km/h on average; alpine downhill races average 25–30 m/s,
//     the flying-kilometre speed record, about 70 m/s, is not a session)
func AvgSpeedCeiling(sport string) float64 {
	switch sport {
	case "run", "trail_run":
		return 12.5
	case "walk", "hike":
		return 5.2
	case "ride", "mountain_bike":
		return 25
	case "swim":
		return 2.9
	case "row":
		return 7.5
	case "ski":
		return 45
	default:
		return math.Inf(1)
	}
}

// MaxSpeedCeiling is the highest plausible top speed within a session of
// the sport, m/s: the fastest instantaneous speeds measured (Bolt's
// 12.4 m/s between 60 and 80 m in 2009; road descents near 130 km/h;
// the speed-skiing record of 254.958 km/h, Ivan Origone, Vars 2016) with
// a margin, as the live telemetry's point rules (+Inf for sports without
// a speed).
func MaxSpeedCeiling(sport string) float64 {
	switch sport {
	case "run":
		return 15
	case "trail_run":
		return 15
	case "walk", "hike":
		return 8 // a walker's top speed is a jog at most: GPS noise above it
	case "ride":
		return 40
	case "mountain_bike":
		return 35
	case "swim":
		return 3.5
	case "row":
		return 9
	case "ski":
		return 75
	default:
		return math.Inf(1)
	}
}

// Check applies the rules to a session's figures.
func Check(f Figures) Verdict {
	bad := func(reason string) Verdict { return Verdict{Reason: reason} }
	switch {
	case f.MovingS > f.ElapsedS+slack:
		return bad(ReasonMovingExceedsElapsed)
	case f.DistanceM > 0 && f.MovingS <= 0 && f.ElapsedS <= 0:
		return bad(ReasonDistanceWithoutTime)
	}
	if f.DistanceM > 0 {
		t := f.MovingS
		if t <= 0 {
			t = f.ElapsedS
		}
		if f.DistanceM/t > AvgSpeedCeiling(f.Sport) {
			return bad(ReasonSpeed)
		}
	}
	if f.MaxSpeedMps > MaxSpeedCeiling(f.Sport) {
		return bad(ReasonMaxSpeed)
	}
	if f.AvgHRBpm != nil && (*f.AvgHRBpm < MinAvgHR || *f.AvgHRBpm > MaxHR || math.IsNaN(*f.AvgHRBpm)) {
		return bad(ReasonHeartRate)
	}
	if f.MaxHRBpm != nil && *f.MaxHRBpm > MaxHR {
		return bad(ReasonHeartRate)
	}
	if f.AvgHRBpm != nil && f.MaxHRBpm != nil && *f.AvgHRBpm > float64(*f.MaxHRBpm)+slack {
		return bad(ReasonHeartRate)
	}
	return Verdict{Plausible: true}
}
