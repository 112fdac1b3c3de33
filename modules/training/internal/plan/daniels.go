package plan

import (
	"math"
	"time"
)

// The Daniels–Gilbert model (J. Daniels and J. Gilbert, "Oxygen Power:
// Performance Tables for Distance Runners", 1979; J. Daniels, "Daniels'
// Running Formula", 3rd ed., Human Kinetics 2014). The plan needs only
// three pieces of it: the oxygen cost of running at a speed, the fraction of
// VO2max a race of a given duration can be run at, and the training
// intensities as fractions of VDOT.
//
// This is a deliberately small copy: the analytics work of issue 12 keeps the
// full model (VDOT, equivalent times, zones) in internal/performance; when both
// are merged this file should call that package instead.

// oxygenCost is the VO2 (ml/kg/min) of running at v metres per minute.
func oxygenCost(v float64) float64 { return -4.60 + 0.182258*v + 0.000104*v*v }

// speedAt is the speed (m/min) whose oxygen cost is vo2: the positive root
// of oxygenCost(v) = vo2.
func speedAt(vo2 float64) float64 {
	a, b, c := 0.000104, 0.182258, -4.60-vo2
	return (-b + math.Sqrt(b*b-4*a*c)) / (2 * a)
}

// sustainable is the fraction of VO2max a runner can hold for a race of t
// minutes.
func sustainable(t float64) float64 {
	return 0.8 + 0.1894393*math.Exp(-0.012778*t) + 0.2989558*math.Exp(-0.1932605*t)
}

// VDOT is Daniels–Gilbert's VDOT of a race of metres run in d.
func VDOT(metres float64, d time.Duration) float64 {
	t := d.Minutes()
	return oxygenCost(metres/t) / sustainable(t)
}

// RaceTime is the time a runner of vdot is predicted to run metres in: the
// t at which VDOT(metres, t) = vdot (bisection; VDOT falls as t grows).
func RaceTime(metres, vdot float64) time.Duration {
	lo, hi := 1.0, 1200.0 // minutes
	for range 60 {
		mid := (lo + hi) / 2
		if oxygenCost(metres/mid)/sustainable(mid) > vdot {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration((lo + hi) / 2 * float64(time.Minute)).Round(time.Second)
}

// Intensity is one of Daniels' training intensities.
type Intensity string

// Daniels' training intensities (Daniels' Running Formula, ch. 4): easy and
// long runs, marathon pace, threshold (tempo), interval and repetition pace.
const (
	IntensityE Intensity = "E"
	IntensityM Intensity = "M"
	IntensityT Intensity = "T"
	IntensityI Intensity = "I"
	IntensityR Intensity = "R"
)

// vdotFraction is each intensity's range as fractions of VDOT (Daniels'
// Running Formula, 3rd ed., ch. 4: E 59–74 % of VO2max, M 75–84 %, T 83–88 %,
// I 95–100 %, R 105–120 %). Recovery runs use the bottom of E.
var vdotFraction = map[Intensity][2]float64{
	IntensityE: {0.59, 0.74},
	IntensityM: {0.75, 0.84},
	IntensityT: {0.83, 0.88},
	IntensityI: {0.95, 1.00},
	IntensityR: {1.05, 1.20},
}

// hrFraction is each intensity's range as fractions of maximum heart rate
// (Daniels' Running Formula, ch. 4: E 65–79 % HRmax, M 80–90 %, T 88–92 %,
// I 98–100 %); R has no heart-rate target (the reps are too short).
var hrFraction = map[Intensity][2]float64{
	IntensityE: {0.65, 0.79},
	IntensityM: {0.80, 0.90},
	IntensityT: {0.88, 0.92},
	IntensityI: {0.98, 1.00},
}

// PaceRange is a pace range per kilometre: Fast is the quicker bound.
type PaceRange struct {
	Fast time.Duration
	Slow time.Duration
}

// paceFor is the pace range of intensity i at vdot.
func paceFor(vdot float64, i Intensity, recovery bool) PaceRange {
	f := vdotFraction[i]
	if recovery {
		f = [2]float64{f[0], f[0] + 0.05}
	}
	return PaceRange{Fast: perKm(speedAt(f[1] * vdot)), Slow: perKm(speedAt(f[0] * vdot))}
}

// perKm is the time for a kilometre at v metres per minute, to the second.
func perKm(v float64) time.Duration {
	return time.Duration(1000 / v * float64(time.Minute)).Round(time.Second)
}
