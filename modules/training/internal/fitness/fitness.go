// Package fitness turns daily training loads into the daily figures of the
// performance-management and load-monitoring models: fitness (CTL),
// fatigue (ATL), form (TSB), ramp rate, Foster's monotony and strain, and
// the exponentially weighted acute:chronic workload ratio. Days are
// calendar days of the athlete's time zone (Date, Bucket); loads on one
// day add up and a day without a session counts 0. It has no SQL, NATS or
// fx in it.
package fitness

import (
	"math"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Model is how an exponentially weighted average of N days smooths: the
// weight λ of the newest day, avg += λ·(load − avg). Tools disagree; the
// model is named in the answer and the user may choose.
type Model string

// The smoothing models.
const (
	// Exponential is λ = 1 − e^(−1/N), the discrete form of Banister's
	// impulse-response decay e^(−t/τ) with time constant τ = N days
	// (Banister et al. 1975, "A systems model of training for athletic
	// performance", Aust J Sports Med 7:57–61); GoldenCheetah's and
	// intervals.icu's choice, and the default.
	Exponential Model = "exponential"
	// Reciprocal is λ = 1/N, TrainingPeaks' Performance Management Chart (Allen &
	// Coggan, Training and Racing with a Power Meter, 2nd ed., 2010).
	Reciprocal Model = "reciprocal"
	// EMA is λ = 2/(N+1), the usual exponential moving average of N
	// periods (Runalyze; Williams et al. 2017 for the ACWR).
	EMA Model = "ema"
)

// The ACWR follows Williams, West, Cross & Stokes 2017, "Better way to
// determine the acute:chronic workload ratio?", Br J Sports Med
// 51(3):209–210: exponentially weighted averages with λ = 2/(N+1), N = 7
// and 28 days, both seeded with the first day's load.

// DefaultModel is the smoothing of CTL and ATL unless the user chooses
// another.
const DefaultModel = Exponential

// Models lists the models, the default first.
func Models() []Model { return []Model{Exponential, Reciprocal, EMA} }

// Valid reports whether m is a model.
func (m Model) Valid() bool { return m == Exponential || m == Reciprocal || m == EMA }

// Lambda is the weight of the newest day in an average of n days.
func (m Model) Lambda(n float64) float64 {
	switch m {
	case Reciprocal:
		return 1 / n
	case EMA:
		return 2 / (n + 1)
	default:
		return 1 - math.Exp(-1/n)
	}
}

// The time constants, in days.
const (
	// CTLDays and ATLDays are the performance-management chart's 42-day
	// fitness and 7-day fatigue (Allen & Coggan 2010; Banister's model with
	// Coggan's constants).
	CTLDays = 42
	ATLDays = 7
	// AcuteDays and ChronicDays are the acute and chronic windows of the
	// workload ratio (Williams et al. 2017; Hulin et al. 2016, "The
	// acute:chronic workload ratio predicts injury", Br J Sports Med
	// 50(4):231–236).
	AcuteDays   = 7
	ChronicDays = 28
	// RampDays is the span of the ramp rate: CTL today − CTL a week ago.
	RampDays = 7
	// MonotonyDays is the span of Foster's monotony and strain: a week.
	MonotonyDays = 7
)

// Params are a series' settings. The zero value is the default model,
// starting from nothing.
type Params struct {
	// Model smooths CTL and ATL (DefaultModel when empty). The ACWR always
	// uses 2/(N+1), as Williams et al. define it.
	Model Model
	// CTL0 and ATL0 are fitness and fatigue the day before the first day
	// (0: the series starts from nothing).
	CTL0, ATL0 float64
}

// Day is one day's figures.
type Day struct {
	Date Date    `json:"date"`
	Load float64 `json:"load"`
	// CTL (fitness) and ATL (fatigue) are the day's weighted averages of
	// load, the day's own load included.
	CTL float64 `json:"ctl"`
	ATL float64 `json:"atl"`
	// TSB (form) is yesterday's CTL − yesterday's ATL: the freshness the
	// athlete brings into the day, before its own session, as TrainingPeaks
	// and GoldenCheetah chart it (Allen & Coggan 2010). A hard session
	// shows in tomorrow's form, not today's.
	TSB float64 `json:"tsb"`
	// RampRate is CTL − CTL seven days before (the CTL0 seed before the
	// first day).
	RampRate float64 `json:"ramp_rate"`
	// Monotony is Foster's training monotony over the seven days ending
	// this day: mean daily load / its population standard deviation; nil
	// when the deviation is 0 (the index is undefined: no load at all, or
	// identical loads every day). Strain is the week's load × Monotony.
	// Days before the first day count 0.
	Monotony *float64 `json:"monotony"`
	Strain   *float64 `json:"strain"`
	// WeekLoad is the load of the seven days ending this day.
	WeekLoad float64 `json:"week_load"`
	// Acute and Chronic are the 7- and 28-day exponentially weighted
	// averages of the ACWR, and ACWR their ratio (nil while Chronic is 0).
	// It is a measure of load change, not an injury risk.
	Acute   float64  `json:"acute"`
	Chronic float64  `json:"chronic"`
	ACWR    *float64 `json:"acwr"`
}

// Series returns the figures of the days first, first+1, … whose loads
// are given (loads[i] is day first+i's load; Bucket makes them). An
// invalid input is a *fielderr.Error naming the field.
func Series(first Date, loads []float64, p Params) ([]Day, error) {
	m := p.Model
	if m == "" {
		m = DefaultModel
	}
	if !m.Valid() {
		return nil, fielderr.New("model", "must be one of exponential, reciprocal, ema")
	}
	for i, l := range loads {
		if !(l >= 0) || math.IsInf(l, 0) {
			return nil, fielderr.New("loads", "day %d: a load must be a number, 0 or more", i)
		}
	}
	if !(p.CTL0 >= 0) || !(p.ATL0 >= 0) {
		return nil, fielderr.New("ctl0", "starting fitness and fatigue must be 0 or more")
	}
	kCTL, kATL := m.Lambda(CTLDays), m.Lambda(ATLDays)
	kA, kC := EMA.Lambda(AcuteDays), EMA.Lambda(ChronicDays)

	days := make([]Day, len(loads))
	// One backing array for the optional figures, not an allocation each.
	opt := make([]float64, 3*len(loads))
	ctl, atl := p.CTL0, p.ATL0
	var acute, chronic float64
	date := first.utc()
	for i, l := range loads {
		d := &days[i]
		d.Date = DateOf(date, time.UTC)
		date = date.Add(24 * time.Hour) // UTC days last 24 hours
		d.Load = l
		d.TSB = ctl - atl
		ctl += kCTL * (l - ctl)
		atl += kATL * (l - atl)
		d.CTL, d.ATL = ctl, atl
		if i >= RampDays {
			d.RampRate = ctl - days[i-RampDays].CTL
		} else {
			d.RampRate = ctl - p.CTL0
		}

		// The week ending today; days before the first count 0.
		var week [MonotonyDays]float64
		copy(week[MonotonyDays-min(i+1, MonotonyDays):], loads[max(0, i-MonotonyDays+1):i+1])
		for _, w := range week {
			d.WeekLoad += w
		}
		if mono, strain, ok := Monotony(week[:]); ok {
			opt[3*i], opt[3*i+1] = mono, strain
			d.Monotony, d.Strain = &opt[3*i], &opt[3*i+1]
		}

		// Williams et al. seed both averages with the first load.
		if i == 0 {
			acute, chronic = l, l
		} else {
			acute += kA * (l - acute)
			chronic += kC * (l - chronic)
		}
		d.Acute, d.Chronic = acute, chronic
		if chronic > 0 {
			opt[3*i+2] = acute / chronic
			d.ACWR = &opt[3*i+2]
		}
	}
	return days, nil
}

// Monotony is Foster's training monotony of a week's daily loads: the mean
// daily load / its population standard deviation; ok is false when the
// deviation is 0 (Foster 1998, "Monitoring training in athletes with
// reference to overtraining syndrome", Med Sci Sports Exerc
// 30(7):1164–1168). Strain is the week's total load × monotony.
func Monotony(week []float64) (monotony, strain float64, ok bool) {
	var sum float64
	for _, l := range week {
		sum += l
	}
	n := float64(len(week))
	if n == 0 {
		return 0, 0, false
	}
	mean := sum / n
	var ss float64
	for _, l := range week {
		ss += (l - mean) * (l - mean)
	}
	sd := math.Sqrt(ss / n)
	if sd < 1e-9*math.Max(1, mean) {
		return 0, 0, false
	}
	return mean / sd, sum * mean / sd, true
}
