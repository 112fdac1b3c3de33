package plan

import "math"

// The safety rules every plan keeps, each with its source. The generator
// applies them while it lays out the weeks; the package's tests check every
// plan they build against all of them with a checker written apart from the
// generator.
const (
	// sessionSpike bounds every planned session of the plan's sport at
	// 1.10 × the longest session of the previous 30 days. Garmin-RUNSAFE
	// (Frandsen et al. 2025, "How much running is too much? Identifying
	// high-risk running sessions in a 5200-person cohort study", Br J Sports
	// Med) found the injury rate rising with a single run longer than the
	// longest of the previous 30 days (hazard rate ratio 1.64 at +10–30 %,
	// 1.52 at +30–100 %, 2.28 above +100 %), and no such signal in the
	// acute:chronic ratio or the week-to-week ratio. The study measured
	// distance; plans are laid in minutes, which at the steady easy pace of
	// long sessions is the same ratio.
	sessionSpike = 1.10

	// weeklyGrowth bounds a week's volume at 1.10 × the largest of the four
	// weeks before it (the recent weeks before the plan count as the
	// athlete's recent weekly volume). Nielsen et al. 2014 ("Excessive
	// progression in weekly running distance and risk of running-related
	// injuries", J Orthop Sports Phys Ther 44(10):739–747, 874 novice
	// runners) found more distance-related injuries in runners whose weekly
	// distance grew by more than 30 % over two weeks than in those below
	// 10 % (hazard ratio 1.59, 95 % CI 0.96–2.66); the rule keeps plans in
	// the lower group. It is a conservative guard, not a proven one:
	// Garmin-RUNSAFE found no signal in week-to-week ratios, which is why
	// the session rule above is the one the evidence backs. Taking the
	// largest of four weeks lets a plan return to its level after a lighter
	// week (Daniels' Running Formula, 3rd ed.: hold a level of stress for
	// some weeks before raising it).
	weeklyGrowth = 1.10

	// floorWeeklyMinutes is the weekly reference of someone with little or
	// no recent training: three sessions of 20 minutes (the NHS "Couch to
	// 5K" programme starts with three sessions of about 20–30 minutes a
	// week).
	floorWeeklyMinutes = 60

	// floorLongestMinutes is the session reference of someone with no
	// session in the past 30 days: the first Couch to 5K sessions last
	// about 30 minutes with their walks.
	floorLongestMinutes = 30

	// recoveryEvery: a lighter week follows every three loading weeks (a 3:1
	// loading pattern, Bompa & Haff, "Periodization", 5th ed. 2009), every
	// two for a user who declares a limitation or feels tired or sore
	// (2:1). recoveryFactor is the lighter week's volume relative to the
	// week before it.
	recoveryEvery        = 4
	recoveryEveryCareful = 3
	recoveryFactor       = 0.75

	// thresholdShare and intervalShare bound one session's time at
	// threshold (T) pace and at interval (I) pace at 10 % and 8 % of the
	// week's volume (Daniels' Running Formula, 3rd ed., ch. 4); the absolute
	// bounds are Daniels' too (T 60 min in one session at most, I no more
	// than 10 km, about 30 minutes; we keep 40 and 24 minutes).
	thresholdShare   = 0.10
	intervalShare    = 0.08
	maxThresholdWork = 40
	maxIntervalWork  = 24

	// longMaxMinutes bounds the long session at 150 minutes (Daniels:
	// "the lesser of 25 % of weekly mileage or 150 minutes").
	longMaxMinutes = 150

	// easyMaxMinutes bounds the other easy sessions.
	easyMaxMinutes = 90

	// minWorkoutMinutes is the shortest workout a plan prescribes: 20
	// minutes, the lower end of the 20–60 minutes of continuous aerobic
	// exercise of ACSM's Guidelines for Exercise Testing and Prescription
	// (11th ed., 2021).
	minWorkoutMinutes = 20

	// Warm-up and cool-down around quality work (Daniels' sessions start
	// and end with easy running).
	// On days too short for them, 10 and 5.
	warmUpMinutes        = 15
	coolDownMinutes      = 10
	shortWarmUpMinutes   = 10
	shortCoolDownMinutes = 5

	// maxPlanWeeks is the longest plan.
	maxPlanWeeks = 52

	// maxRunDays: at least one day a week without a run.
	maxRunDays = 6
)

// taperFactors are the volumes of the taper's weeks relative to the largest
// of the four weeks before the taper: a two-week taper cutting volume by 40–60 % while keeping intensity
// and frequency (Bosquet et al. 2007, Med Sci Sports Exerc 39(8):1358–1365,
// meta-analysis: the largest effect came from a taper of 8–14 days with
// volume cut by 41–60 %, intensity and frequency kept).
var taperFactors = []float64{0.60, 0.45}

// longCap is the most a week of v minutes allows its long session: Daniels'
// 25 % of the week, or up to 30 % for lighter weeks (Daniels: 25–30 % for
// runners of 40 miles a week or less; 40 miles is about five hours for
// recreational runners), never more than 150 minutes. The middle part keeps
// the bound rising with v: 30 % up to 90 minutes, then 25 % once that is
// more.
func longCap(v float64) float64 {
	return math.Min(longMaxMinutes, math.Max(0.25*v, math.Min(0.30*v, 90)))
}

// raceSpec is what the generator needs for each race distance: the least
// weekly volume and long session at the peak for the race to be safe
// (minimums), what it aims for when time allows (wanted), and the share of
// the weeks before the taper given to the base, build and peak phases.
//
// The minimums follow published beginner programmes: three half-hour runs a
// week for a 5 km (NHS Couch to 5K, week 9); about 2 hours and a 40-minute
// long run for 10 km; a 60-minute long run on 3½ hours for a half marathon;
// 90 minutes of long running on five hours a week for a marathon (the lower
// ends of Daniels' and Higdon's novice schedules, in minutes). The phase
// shares follow Daniels' four phases: the longer the race, the longer the
// foundation (phase I), and the peak phase is the race-specific work.
type raceSpec struct {
	minWeekly, wantWeekly float64
	minLong, wantLong     float64
	base, build           float64 // shares; the peak has the rest
}

var raceSpecs = map[string]raceSpec{
	Race5K:       {minWeekly: 90, wantWeekly: 180, minLong: 30, wantLong: 60, base: 0.35, build: 0.40},
	Race10K:      {minWeekly: 120, wantWeekly: 220, minLong: 40, wantLong: 75, base: 0.40, build: 0.35},
	RaceHalf:     {minWeekly: 210, wantWeekly: 300, minLong: 60, wantLong: 100, base: 0.45, build: 0.35},
	RaceMarathon: {minWeekly: 300, wantWeekly: 420, minLong: 90, wantLong: 150, base: 0.50, build: 0.30},
}

// fitnessWeekly is the weekly endurance volume of a general-fitness plan:
// the WHO 2020 guidelines (Bull et al. 2020, Br J Sports Med 54:1451–1462)
// ask adults for 150–300 minutes of moderate activity a week and
// muscle-strengthening work on two or more days (fitnessStrength).
const (
	fitnessWeeklyMin = 150
	fitnessWeeklyMax = 300
	fitnessStrength  = 2
)

// vdotGainWeeks: a runner's VDOT is raised by about one point after four to
// six weeks of training at the current one (Daniels' Running Formula, 3rd
// ed., ch. 3); a target time needing more than one point per four weeks is
// out of reach.
const vdotGainWeeks = 4
