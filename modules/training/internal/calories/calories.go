// Package calories estimates the energy a workout cost, in kilocalories,
// from what is known of it and of the athlete, by the best method the data
// allows:
//
//  1. "power", for rides with an average power: the mechanical work.
//  2. "heart_rate", when the average heart rate, the athlete's weight and
//     age are known: the equations of Keytel et al. (2005).
//  3. "met", otherwise: the sport's MET value at the workout's speed, from
//     the 2011 Compendium of Physical Activities, times weight and hours.
//
// It has no SQL, NATS or fx in it.
package calories

import (
	"math"
)

// Methods an estimate is made by.
const (
	MethodPower     = "power"
	MethodHeartRate = "heart_rate"
	MethodMET       = "met"
)

// Sexes Input.Sex may name; anything else counts as unknown.
const (
	Male   = "male"
	Female = "female"
)

// DefaultWeightKg is the weight the MET method assumes when the athlete's
// is unknown.
const DefaultWeightKg = 70.0

// kJPerKcal converts kilojoules to kilocalories.
const kJPerKcal = 4.184

// Input is what an estimate is made from. Nil pointers are unknowns, and so
// are values that are not positive numbers.
type Input struct {
	Sport     string // run, trail_run, walk, hike, ride, mountain_bike, swim, row, ski, strength, yoga, other
	MovingS   float64
	DistanceM float64
	AvgHRBpm  *float64
	AvgPowerW *float64
	WeightKg  *float64
	AgeYears  *int
	Sex       string // "male", "female" or "" when unknown
}

// Result is an estimate.
type Result struct {
	KCal   float64 `json:"kcal"`
	Method string  `json:"method"` // MethodPower, MethodHeartRate or MethodMET
	// MET is the value the MET method used; 0 for the other methods.
	MET float64 `json:"met,omitempty"`
	// WeightAssumed tells that the MET method took DefaultWeightKg for the
	// athlete's unknown weight.
	WeightAssumed bool `json:"weight_assumed,omitempty"`
}

// Estimate estimates the energy a workout cost (see the package doc for
// the order of the methods). A workout without moving time cost 0 kcal.
func Estimate(in Input) Result {
	moving := positive(&in.MovingS)
	if moving == 0 {
		return Result{Method: MethodMET}
	}
	if p := positive(in.AvgPowerW); p > 0 && isRide(in.Sport) {
		return Result{KCal: PowerKCal(p, moving), Method: MethodPower}
	}
	hr, w := positive(in.AvgHRBpm), positive(in.WeightKg)
	if hr > 0 && w > 0 && in.AgeYears != nil && *in.AgeYears > 0 {
		if perMin := KeytelKCalPerMin(in.Sex, hr, w, float64(*in.AgeYears)); perMin > 0 {
			return Result{KCal: perMin * moving / 60, Method: MethodHeartRate}
		}
		// A heart rate too low for the equations (they give nothing or
		// less): the MET method knows better.
	}
	r := Result{Method: MethodMET}
	if w == 0 {
		w, r.WeightAssumed = DefaultWeightKg, true
	}
	speed := 0.0
	if d := positive(&in.DistanceM); d > 0 {
		speed = d / moving
	}
	r.MET = MET(in.Sport, speed)
	r.KCal = r.MET * w * moving / 3600
	return r
}

// PowerKCal is the energy of riding at avgPowerW for movingS seconds.
// The mechanical work is avgPowerW × movingS / 1000 kJ; at the gross
// efficiency of cycling, about 24 %, the body spends work / 0.24 kJ, that
// is work / (0.24 × 4.184) ≈ work × 1.0 kcal: kilocalories burned equal
// kilojoules of work, the rule power meters use.
func PowerKCal(avgPowerW, movingS float64) float64 {
	return avgPowerW * movingS / 1000
}

// KeytelKCalPerMin is the energy expenditure from heart rate of Keytel et
// al. 2005, "Prediction of energy expenditure from heart rate monitoring
// during submaximal exercise", J Sports Sci 23(3):289-97, in kcal/min, with
// hr the heart rate in bpm, weightKg the body mass and ageYears the age:
//
//	men:   (-55.0969 + 0.6309 × hr + 0.1988 × weightKg + 0.2017 × ageYears) / 4.184
//	women: (-20.4022 + 0.4472 × hr - 0.1263 × weightKg + 0.0740 × ageYears) / 4.184
//
// (the equations give kJ/min; 4.184 kJ make a kcal). For an unknown sex the
// two are averaged. The result may be negative at resting heart rates, for
// which the equations were not made.
func KeytelKCalPerMin(sex string, hr, weightKg, ageYears float64) float64 {
	men := -55.0969 + 0.6309*hr + 0.1988*weightKg + 0.2017*ageYears
	women := -20.4022 + 0.4472*hr - 0.1263*weightKg + 0.074*ageYears
	var kJ float64
	switch sex {
	case Male:
		kJ = men
	case Female:
		kJ = women
	default:
		kJ = (men + women) / 2
	}
	return kJ / kJPerKcal
}

func isRide(sport string) bool { return sport == "ride" || sport == "mountain_bike" }

// positive is *v when it is a positive finite number, else 0.
func positive(v *float64) float64 {
	if v == nil || !(*v > 0) || math.IsInf(*v, 1) {
		return 0
	}
	return *v
}
