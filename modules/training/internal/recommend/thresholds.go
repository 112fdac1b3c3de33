package recommend

// Thresholds are the rules' limits. DefaultThresholds gives the published
// ones, and says where each comes from; a field at 0 disables nothing, so
// start from DefaultThresholds to change one.
type Thresholds struct {
	// SpikeWindowDays, SpikeSmall, SpikeModerate and SpikeLarge are the
	// session-spike bands of the Garmin-RUNSAFE cohort (Frandsen et al.
	// 2025, "How much running is too much? Identifying high-risk running
	// sessions in a 5200-person cohort study", Br J Sports Med; 5,205
	// runners, 588,071 sessions): a run's distance relative to the longest
	// run of the previous 30 days; up to +10 % is the reference, a small
	// spike is above +10 % to +30 % (hazard rate ratio 1.64, 95 % CI
	// 1.31–2.05), a moderate one above +30 % to +100 % (1.52, 1.16–2.00), a
	// large one above +100 % (2.28, 1.50–3.48).
	SpikeWindowDays                       int
	SpikeSmall, SpikeModerate, SpikeLarge float64
	// SpikeRecentDays is how long after a spiking session the warning
	// stands.
	SpikeRecentDays int

	// RampRate and RampRateHigh are the CTL rises over a week, in load
	// points, above which fitness is ramping fast (a warning) and too fast
	// (an alert): Friel puts the right ramp rate at about 5–8 points a week
	// for most athletes and 10 near the upper limit (Friel 2015, "The CTL
	// ramp rate", joefrieltraining.com, also in TrainingPeaks' newsletter).
	// The figures are on the TSS scale (HRSS): loads on the session-RPE
	// scale run about four times higher.
	RampRate, RampRateHigh float64

	// FatigueFormPct is the form, TSB as a percentage of CTL, at or below
	// which fatigue is deep: intervals.icu's "high risk" zone below −30 %
	// (its form zones: transition > 20 %, fresh 5–20 %, grey −10–5 %,
	// optimal −30 to −10 %, high risk < −30 %). The percentage makes the
	// rule independent of the load model's scale. MinCTL is the fitness
	// below which the rule stays silent (ours: a beginner's first sessions
	// make any percentage of a tiny CTL look extreme).
	FatigueFormPct float64
	MinCTL         float64

	// Monotony is Foster's monotony at or above which a week is too
	// monotonous (Foster 1998, "Monitoring training in athletes with
	// reference to overtraining syndrome", Med Sci Sports Exerc
	// 30(7):1164–1168: illness followed weeks of monotony above 2.0).
	Monotony float64

	// ACWR is the acute:chronic ratio at or above which the athlete is told
	// their last week's load is well above their usual: Gabbett's 1.5 (Br J
	// Sports Med 2016 50(5):273–280). It is shown as load only: the
	// Garmin-RUNSAFE cohort found no useful injury signal in it.
	ACWR float64

	// BreakDays is the gap without a session that makes a long break;
	// ReturnDays how long the ease-back-in advice stands after the first
	// session back. Two weeks is when detraining shows (Mujika & Padilla
	// 2000, "Detraining: loss of training-induced physiological and
	// performance adaptations. Part I", Sports Med 30(2):79–87).
	BreakDays, ReturnDays int

	// RecordDays is how long a new record is celebrated.
	RecordDays int

	// AdherenceWeeks and Adherence: adherence slips when the last
	// AdherenceWeeks finished plan weeks together have less than Adherence
	// of their planned workouts done (ours: two weeks below 70 % is more
	// than one busy week).
	AdherenceWeeks int
	Adherence      float64

	// GearShare is the share of its replacement distance at which gear is
	// near it.
	GearShare float64

	// NextWorkoutDays is how far ahead the next planned workout is shown;
	// HistoryDays and MinSessions how much history proposes one without a
	// plan.
	NextWorkoutDays, HistoryDays, MinSessions int
}

// DefaultThresholds are the published thresholds (see Thresholds).
func DefaultThresholds() Thresholds {
	return Thresholds{
		SpikeWindowDays: 30,
		SpikeSmall:      0.10,
		SpikeModerate:   0.30,
		SpikeLarge:      1.00,
		SpikeRecentDays: 7,
		RampRate:        8,
		RampRateHigh:    10,
		FatigueFormPct:  -30,
		MinCTL:          10,
		Monotony:        2.0,
		ACWR:            1.5,
		BreakDays:       14,
		ReturnDays:      7,
		RecordDays:      7,
		AdherenceWeeks:  2,
		Adherence:       0.7,
		GearShare:       0.9,
		NextWorkoutDays: 7,
		HistoryDays:     28,
		MinSessions:     3,
	}
}
