// Package load gives each session one training-load figure, whatever the
// sport, by the best model its data allows, and says which model it used:
//
//  1. "hrss", heart rate and a threshold heart rate known: Banister's TRIMP
//     scaled so that one hour at threshold heart rate scores 100 (HRSS).
//  2. "trimp", heart rate known: Banister's heart-rate TRIMP.
//  3. "srpe", a perceived effort known (strength and any other session):
//     Foster's session-RPE, effort on the CR-10 scale × minutes.
//  4. "none": nothing to compute a load from; the load is 0.
//
// The three models are on different scales (an hour at threshold is about
// 100 HRSS, 170 TRIMP for a typical athlete and 420–560 session-RPE
// units); the answer names the model so that the app can say so. It has no
// SQL, NATS or fx in it.
package load

import (
	"math"
	"slices"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Models a load is computed by.
const (
	ModelHRSS  = "hrss"
	ModelTRIMP = "trimp"
	ModelSRPE  = "srpe"
	ModelNone  = "none"
)

// Sexes Athlete.Sex may name; anything else counts as unknown.
const (
	Male   = "male"
	Female = "female"
)

// Defaults for what the athlete's profile does not say.
const (
	// DefaultRestingHR is the resting heart rate assumed when unknown, in
	// beats per minute: the middle of the 60–100 bpm adult range of the
	// American Heart Association, and the value GoldenCheetah assumes.
	DefaultRestingHR = 60.0
	// DefaultAgeYears is the age assumed for the maximum heart rate when
	// neither the maximum nor the age is known; with Tanaka's formula it
	// gives 180 bpm.
	DefaultAgeYears = 40
	// MaxHRGapS is the longest gap between two heart-rate samples that still
	// counts: a longer one is a pause in the recording and adds no load.
	MaxHRGapS = 30.0
)

// Banister's weighting factors y = a·e^(b·x) of the heart-rate reserve
// fraction x (Banister 1991, "Modeling elite athletic performance", in
// MacDougall, Wenger & Green (eds.), Physiological Testing of the
// High-Performance Athlete, Human Kinetics; Morton, Fitz-Clarke & Banister
// 1990, "Modeling human performance in running", J Appl Physiol
// 69(3):1171–1177). They follow the blood-lactate rise with heart rate of
// men and of women.
//
// Women get the published female factor 0.86·e^(1.67x), not the male one
// that GoldenCheetah applies to everyone: the published factor is what the
// model's authors fitted for women. An unknown sex gets the male factor, as
// GoldenCheetah gives everyone.
const (
	maleA, maleB     = 0.64, 1.92
	femaleA, femaleB = 0.86, 1.67
)

// Athlete is what a load needs of the athlete's profile. Zero values are
// unknowns.
type Athlete struct {
	Sex         string  // Male, Female or "" when unknown
	AgeYears    int     // for the maximum heart rate when it is unknown
	RestingHR   float64 // beats per minute
	MaxHR       float64 // beats per minute
	ThresholdHR float64 // lactate-threshold heart rate, beats per minute
}

// HRSample is one heart-rate reading, T seconds after the session's start.
type HRSample struct {
	T   float64
	BPM float64
}

// Session is what a load needs of a session. Zero values (and nil) are
// unknowns.
type Session struct {
	// MovingS is the moving time in seconds; for a session without one
	// (strength, a manual entry) the caller gives its elapsed time.
	MovingS float64
	// AvgHR is the average heart rate over the moving time.
	AvgHR float64
	// HR is the heart-rate series, in time order; when it has two samples or
	// more and a heart rate in them (a strap that sent only zeros has none)
	// it is used instead of AvgHR.
	HR []HRSample
	// Effort is the perceived effort on Foster's CR-10 scale, 0 to 10 (0 is
	// a real rating: rest); nil when not given.
	Effort *float64
}

// Result is a session's load.
type Result struct {
	// Load is the figure of Model (0 for ModelNone).
	Load  float64 `json:"load"`
	Model string  `json:"model"`
	// TRIMP is Banister's TRIMP when heart rate was known (also under
	// ModelHRSS, where Load is derived from it).
	TRIMP float64 `json:"trimp,omitempty"`
	// Assumed names the profile values that were missing and replaced by a
	// default: "max_hr", "resting_hr".
	Assumed []string `json:"assumed,omitempty"`
}

// Compute returns s's load for athlete a. An invalid input is a
// *fielderr.Error naming the field.
func Compute(a Athlete, s Session) (Result, error) {
	if err := validate(a, s); err != nil {
		return Result{}, err
	}
	series := len(s.HR) >= 2 && slices.ContainsFunc(s.HR, func(p HRSample) bool { return p.BPM > 0 })
	if series || (s.AvgHR > 0 && s.MovingS > 0) {
		rest, max, assumed := heartRange(a)
		if a.MaxHR == 0 && a.ThresholdHR > max {
			// The age-predicted maximum is below the athlete's own
			// threshold: the threshold is the better-known figure.
			max = a.ThresholdHR
		}
		if max <= rest {
			return Result{}, fielderr.New("resting_hr", "must be below the maximum heart rate (%g)", max)
		}
		f := factors(a.Sex)
		var trimp float64
		if series {
			trimp = f.series(s.HR, rest, max)
		} else {
			trimp = f.trimp(s.MovingS/60, s.AvgHR, rest, max)
		}
		r := Result{Load: trimp, Model: ModelTRIMP, TRIMP: trimp, Assumed: assumed}
		if a.ThresholdHR > 0 {
			if a.ThresholdHR <= rest || a.ThresholdHR > max {
				return Result{}, fielderr.New("threshold_hr", "must be above the resting (%g) and at most the maximum heart rate (%g)", rest, max)
			}
			r.Load = HRSS(trimp, f.trimp(60, a.ThresholdHR, rest, max))
			r.Model = ModelHRSS
		}
		return r, nil
	}
	if s.Effort != nil {
		return Result{Load: SessionRPE(*s.Effort, s.MovingS/60), Model: ModelSRPE}, nil
	}
	return Result{Model: ModelNone}, nil
}

func validate(a Athlete, s Session) error {
	switch {
	case a.AgeYears < 0 || a.AgeYears > 120:
		return fielderr.New("age", "must be between 0 and 120 years")
	case !(a.RestingHR >= 0 && a.RestingHR <= 150):
		return fielderr.New("resting_hr", "must be between 0 and 150 bpm")
	case !(a.MaxHR >= 0 && a.MaxHR <= 250):
		return fielderr.New("max_hr", "must be between 0 and 250 bpm")
	case !(a.ThresholdHR >= 0 && a.ThresholdHR <= 250):
		return fielderr.New("threshold_hr", "must be between 0 and 250 bpm")
	case !(s.MovingS >= 0) || math.IsInf(s.MovingS, 0):
		return fielderr.New("moving_time_s", "must be a number of seconds, 0 or more")
	case !(s.AvgHR >= 0) || s.AvgHR > 250:
		return fielderr.New("avg_hr", "must be between 0 and 250 bpm")
	case s.Effort != nil && !(*s.Effort >= 0 && *s.Effort <= 10):
		return fielderr.New("perceived_effort", "must be between 0 and 10 (CR-10)")
	}
	for i, p := range s.HR {
		if !(p.BPM >= 0 && p.BPM <= 250) || !(p.T >= 0) || math.IsInf(p.T, 0) || (i > 0 && p.T < s.HR[i-1].T) {
			return fielderr.New("hr", "sample %d: times must not decrease and heart rates be 0–250 bpm", i)
		}
	}
	return nil
}

// heartRange returns the resting and maximum heart rates of a, with
// defaults for the unknown ones and their names.
func heartRange(a Athlete) (rest, max float64, assumed []string) {
	rest, max = a.RestingHR, a.MaxHR
	if max == 0 {
		age := a.AgeYears
		if age == 0 {
			age = DefaultAgeYears
		}
		max = TanakaMaxHR(age)
		assumed = append(assumed, "max_hr")
	}
	if rest == 0 {
		rest = DefaultRestingHR
		assumed = append(assumed, "resting_hr")
	}
	return rest, max, assumed
}

// TanakaMaxHR is the age-predicted maximum heart rate 208 − 0.7·age
// (Tanaka, Monahan & Seals 2001, "Age-predicted maximal heart rate
// revisited", J Am Coll Cardiol 37(1):153–156, a meta-analysis of 351
// studies and 18,712 subjects). It fits adults better than 220 − age.
func TanakaMaxHR(ageYears int) float64 { return 208 - 0.7*float64(ageYears) }

type factor struct{ a, b float64 }

func factors(sex string) factor {
	if sex == Female {
		return factor{femaleA, femaleB}
	}
	return factor{maleA, maleB}
}

// reserve is the heart-rate reserve fraction of hr, within [0, 1].
func reserve(hr, rest, max float64) float64 {
	return math.Min(1, math.Max(0, (hr-rest)/(max-rest)))
}

// trimp is Banister's TRIMP of minutes at heart rate hr:
// minutes · x · a·e^(b·x), x the heart-rate reserve fraction.
func (f factor) trimp(minutes, hr, rest, max float64) float64 {
	x := reserve(hr, rest, max)
	return minutes * x * f.a * math.Exp(f.b*x)
}

// series sums the TRIMP of each interval between two samples at the
// earlier sample's heart rate; intervals longer than MaxHRGapS are pauses.
// Heart rate changes slowly, so the weighting of the last heart rate is
// kept rather than recomputed.
func (f factor) series(hr []HRSample, rest, max float64) float64 {
	var sum float64
	lastBPM, weight := math.NaN(), 0.0
	for i := 1; i < len(hr); i++ {
		dt := hr[i].T - hr[i-1].T
		if dt <= 0 || dt > MaxHRGapS {
			continue
		}
		if bpm := hr[i-1].BPM; bpm != lastBPM {
			lastBPM = bpm
			x := reserve(bpm, rest, max)
			weight = x * f.a * math.Exp(f.b*x)
		}
		sum += dt / 60 * weight
	}
	return sum
}

// TRIMP is Banister's heart-rate training impulse of minutes at an average
// heart rate hr, for an athlete of the given sex and resting and maximum
// heart rates: minutes · x · y(x), x = (hr − rest)/(max − rest) clamped to
// [0, 1], y = 0.64·e^(1.92x) for men (and unknown sex), 0.86·e^(1.67x) for
// women (Banister 1991; see the package's factors).
func TRIMP(sex string, minutes, hr, rest, max float64) float64 {
	return factors(sex).trimp(minutes, hr, rest, max)
}

// HRSS is the heart-rate stress score: the session's TRIMP over the TRIMP
// of one hour at the lactate-threshold heart rate, × 100, so that an hour
// at threshold scores 100 as an hour at threshold power does in Coggan's
// TSS (Allen & Coggan, Training and Racing with a Power Meter, 2nd ed.,
// VeloPress 2010). This TRIMP-based form is the usual HRSS of open
// training tools, and the one the published values follow (rest
// 50, max 190, threshold 170, 60 min at 150 → TRIMP 108.1, HRSS 63.3);
// TrainingPeaks' own hrTSS, from time in heart-rate zones, is unpublished.
func HRSS(trimp, trimpHourAtThreshold float64) float64 {
	if trimpHourAtThreshold <= 0 {
		return 0
	}
	return trimp / trimpHourAtThreshold * 100
}

// SessionRPE is Foster's session rating of perceived exertion: the effort
// on the CR-10 scale (0–10) × the session's minutes (Foster et al. 2001,
// "A new approach to monitoring exercise training", J Strength Cond Res
// 15(1):109–115). It applies to any session, strength included (Day et al.
// 2004, "Monitoring exercise intensity during resistance training using the
// session RPE scale", J Strength Cond Res 18(2):353–358).
func SessionRPE(effort, minutes float64) float64 { return effort * minutes }
