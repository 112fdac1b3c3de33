// Package performance holds the running-performance models: VDOT from a
// race (Daniels and Gilbert) and the race times it predicts, Riegel's
// predictions, Daniels' training paces and pace zones, heart-rate zones,
// and best efforts over standard distances from a session's time and
// distance series. It has no SQL, NATS or fx in it.
package performance

import (
	"math"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Standard race distances, in metres.
const (
	Metres400     = 400.0
	Kilometre     = 1000.0
	Mile          = 1609.344
	FiveK         = 5000.0
	TenK          = 10000.0
	HalfMarathon  = 21097.5
	Marathon      = 42195.0
	secondsPerMin = 60.0
)

// Oxygen cost of running at v metres a minute, in ml/kg/min (Daniels &
// Gilbert 1979, Oxygen Power: Performance Tables for Distance Runners,
// Tempe AZ; the regression of Daniels, Kronfeld & Gilbert's treadmill
// data): VO2 = −4.60 + 0.182258·v + 0.000104·v².
func oxygenCost(v float64) float64 { return -4.60 + 0.182258*v + 0.000104*v*v }

// velocityAt inverts oxygenCost: the speed, in metres a minute, whose
// oxygen cost is vo2.
func velocityAt(vo2 float64) float64 {
	const a, b = 0.000104, 0.182258
	c := -4.60 - vo2
	return (-b + math.Sqrt(b*b-4*a*c)) / (2 * a)
}

// Fraction of VO2max a runner can sustain for t minutes, Daniels &
// Gilbert's "drop-dead" curve (1979, as above):
// 0.8 + 0.1894393·e^(−0.012778·t) + 0.2989558·e^(−0.1932605·t).
func sustainable(t float64) float64 {
	return 0.8 + 0.1894393*math.Exp(-0.012778*t) + 0.2989558*math.Exp(-0.1932605*t)
}

func vdot(distanceM, timeS float64) float64 {
	t := timeS / secondsPerMin
	return oxygenCost(distanceM/t) / sustainable(t)
}

func checkRace(distanceM, timeS float64) error {
	switch {
	case !(distanceM >= 400 && distanceM <= 100_000):
		return fielderr.New("distance_m", "must be between 400 m and 100 km")
	case !(timeS > 0) || math.IsInf(timeS, 0):
		return fielderr.New("time_s", "must be a positive number of seconds")
	}
	if v := distanceM / timeS; v > 12 || v < 1 {
		return fielderr.New("time_s", "is not a running time for %g m (%.1f m/s)", distanceM, v)
	}
	return nil
}

// VDOT is Daniels and Gilbert's VDOT of a race of distanceM metres run in
// timeS seconds: the oxygen cost of the race's speed over the fraction of
// VO2max sustainable for its duration (Daniels & Gilbert 1979; Daniels,
// Daniels' Running Formula, 3rd ed., Human Kinetics 2013). A 5 km in 20:00
// is 49.81. The race must be 400 m to 100 km at 1 to 12 m/s; otherwise a
// *fielderr.Error.
func VDOT(distanceM, timeS float64) (float64, error) {
	if err := checkRace(distanceM, timeS); err != nil {
		return 0, err
	}
	return vdot(distanceM, timeS), nil
}

// RaceTime is the time, in seconds, of a race of distanceM metres that
// VDOT v predicts: the t that solves VDOT(distanceM, t) = v (VDOT falls as
// t grows), found by bisection to a millisecond. v must be 20 to 90
// (Daniels' tables span 30–85) and the distance 400 m to 100 km.
func RaceTime(v, distanceM float64) (float64, error) {
	switch {
	case !(v >= 20 && v <= 90):
		return 0, fielderr.New("vdot", "must be between 20 and 90")
	case !(distanceM >= 400 && distanceM <= 100_000):
		return 0, fielderr.New("distance_m", "must be between 400 m and 100 km")
	}
	lo, hi := distanceM/12, distanceM/1 // 12 m/s to 1 m/s brackets any VDOT in range
	for hi-lo > 1e-3 {
		mid := (lo + hi) / 2
		if vdot(distanceM, mid) > v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, nil
}

// RiegelExponent is Riegel's fatigue exponent, 1.06 (Riegel 1981,
// "Athletic records and human endurance", American Scientist
// 69(3):285–290, fitted to world records from 3.5 to 230 minutes).
const RiegelExponent = 1.06

// Riegel predicts the time of a race of toM metres from a race of fromM
// metres in fromS seconds: fromS · (toM/fromM)^1.06 (Riegel 1981). Riegel
// fitted it to efforts of 3.5 to 230 minutes; outside them it is rough.
func Riegel(fromM, fromS, toM float64) (float64, error) {
	if err := checkRace(fromM, fromS); err != nil {
		return 0, err
	}
	if !(toM >= 400 && toM <= 100_000) {
		return 0, fielderr.New("distance_m", "must be between 400 m and 100 km")
	}
	return fromS * math.Pow(toM/fromM, RiegelExponent), nil
}

// RaceSeconds is a predicted time as a race clock shows it: rounded up to
// the next whole second, as World Athletics' competition rules round
// road-race times (so 11,509.3 s is 3:11:50). A millionth of a second of
// floating-point noise does not round up.
func RaceSeconds(s float64) int { return int(math.Ceil(s - 1e-6)) }
