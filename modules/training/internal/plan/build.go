package plan

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Build lays out a plan for req from today (a day in loc, the user's time
// zone): ISO weeks from today's week to the race week (race goals) or for
// the goal's number of weeks, periodised into base, build, peak and taper
// phases, every workout within the package's safety rules (rules.go).
//
// An invalid request is a *fielderr.Error naming the field; a goal that cannot
// be reached safely is an *InfeasibleError saying why and what would work.
func Build(req Request, a Athlete, today Date, loc *time.Location) (Plan, error) {
	if err := validate(req, a, today, loc); err != nil {
		return Plan{}, err
	}
	pl := planner{a: a, today: today, loc: loc, opt: layOptions{firstRecovery: feelingLow(req.Health.Feeling)}, target: true}
	gap := checkTarget(req, a, today)
	p, short := lay(req, a, today, loc, pl.opt)
	if short != nil || gap != nil {
		return Plan{}, pl.infeasible(req, short, gap)
	}
	p.Created = today
	return p, nil
}

// layOptions are the choices of a re-plan that a request does not carry.
type layOptions struct {
	firstRecovery bool // the first week is a lighter one
}

// shortfall is what a laid plan misses of its goal's minimums.
type shortfall struct {
	weekly, long         float64 // reached
	wantWeekly, wantLong float64 // needed
}

type dated struct {
	d Date
	m float64
}

// builder lays out one plan.
type builder struct {
	req         Request
	a           Athlete
	from, end   Date
	race        bool
	raceDate    Date
	spec        raceSpec
	days        map[time.Weekday]bool
	careful     bool // lighter weeks every third week
	easyOnly    bool // no threshold or interval work
	noIntervals bool
	lowerLimb   bool // one run a week becomes cross-training
	strength    int  // strength sessions a loading week
	goalWeekly  float64
	goalLong    float64
	longestDate Date
	vols        []float64 // weekly volumes, four weeks of history first
	done        []dated   // the plan's sessions of its sport so far
	opt         layOptions
}

// lay builds the plan's weeks from the day from; a non-nil shortfall says
// the plan does not reach its goal's minimums.
func lay(req Request, a Athlete, from Date, loc *time.Location, opt layOptions) (Plan, *shortfall) {
	b := newBuilder(req, a, from, opt)
	p := Plan{Request: req, Athlete: a, Location: loc, Created: from, From: from, End: b.end}
	p.Notes = b.notes()

	first := from.Monday()
	nWeeks := b.end.Monday().DaysSince(first)/7 + 1
	phases, recovery, taperFrom := b.phases(nWeeks)

	peak, peakLong, pretaper := 0.0, 0.0, 0.0
	for i := range nWeeks {
		monday := first.AddDays(7 * i)
		var target float64
		ref := math.Max(slices.Max(b.vols[len(b.vols)-4:]), floorWeeklyMinutes)
		switch {
		case phases[i] == PhaseTaper:
			if i == taperFrom { // the taper cuts from the weeks before it
				pretaper = slices.Max(b.vols[len(b.vols)-4:])
			}
			target = taperFactors[min(i-taperFrom, len(taperFactors)-1)] * pretaper
		case recovery[i]:
			// Lighter than the week before (or than the recent weeks).
			base := b.vols[len(b.vols)-1]
			if i == 0 {
				base = math.Max(a.WeeklyMinutes, floorWeeklyMinutes)
			}
			target = recoveryFactor * base
		default:
			target = math.Min(b.goalWeekly, weeklyGrowth*ref)
		}
		target *= b.share(monday)
		rest := i == 0 && req.Health.Feeling == FeelingUnwell
		wk := b.week(monday, phases[i], recovery[i], target, rest, phases[i] == PhaseTaper && i == nWeeks-1)
		b.vols = append(b.vols, float64(wk.Minutes))
		if phases[i] != PhaseTaper {
			peak = math.Max(peak, float64(wk.Minutes))
			for _, w := range wk.Workouts {
				if w.Kind == KindLong {
					peakLong = math.Max(peakLong, float64(w.Minutes))
				}
			}
		}
		p.Weeks = append(p.Weeks, wk)
	}
	switch req.Goal.Kind {
	case GoalRace:
		// What the plan's own weeks reach; a plan that is all taper
		// stands on the recent training.
		reached, long := peak, peakLong
		if taperFrom == 0 {
			reached, long = a.WeeklyMinutes, a.LongestMinutes
		}
		if reached < b.spec.minWeekly || long < b.spec.minLong {
			return p, &shortfall{weekly: reached, long: long, wantWeekly: b.spec.minWeekly, wantLong: b.spec.minLong}
		}
	case GoalVolume:
		if peak < 0.95*b.goalWeekly {
			return p, &shortfall{weekly: peak, wantWeekly: b.goalWeekly}
		}
	case GoalFitness:
		if peak < fitnessWeeklyMin {
			p.Notes = append(p.Notes, Explanation{Key: "plan.note.below_guidelines", Params: map[string]any{"minutes": int(peak), "guideline": fitnessWeeklyMin}})
		}
	}
	return p, nil
}

func newBuilder(req Request, a Athlete, from Date, opt layOptions) *builder {
	b := &builder{req: req, a: a, from: from, opt: opt, days: map[time.Weekday]bool{}}
	for _, d := range req.Schedule.Days {
		b.days[d] = true
	}
	for _, l := range req.Health.Limitations {
		switch l {
		case LimitKnee, LimitShin, LimitAchilles, LimitFoot, LimitHip:
			b.lowerLimb, b.noIntervals = true, true
		case LimitHeart, LimitPregnancy:
			b.easyOnly = true
		}
	}
	b.careful = len(req.Health.Limitations) > 0 || feelingLow(req.Health.Feeling)
	b.strength = 1
	if slices.Contains(req.Health.Limitations, LimitBack) {
		b.strength = 2
	}
	b.longestDate = a.LongestDate
	if b.longestDate.IsZero() {
		b.longestDate = from.AddDays(-15)
	}
	weeks := req.Goal.Weeks
	if weeks == 0 {
		weeks = 12
	}
	switch req.Goal.Kind {
	case GoalRace:
		b.race, b.raceDate, b.end = true, req.Goal.Date, req.Goal.Date
		b.spec = raceSpecs[req.Goal.Distance]
		b.goalWeekly = math.Max(b.spec.wantWeekly, a.WeeklyMinutes)
		b.goalLong = math.Max(b.spec.wantLong, a.LongestMinutes)
	case GoalVolume:
		b.end = from.Monday().AddDays(7*weeks - 1)
		b.goalWeekly = float64(req.Goal.WeeklyMinutes)
		b.goalLong = longMaxMinutes
	default:
		b.end = from.Monday().AddDays(7*weeks - 1)
		b.goalWeekly = math.Min(math.Max(fitnessWeeklyMin, a.WeeklyMinutes), fitnessWeeklyMax)
		b.goalLong = 75
		b.strength = fitnessStrength
	}
	b.vols = []float64{a.WeeklyMinutes, a.WeeklyMinutes, a.WeeklyMinutes, a.WeeklyMinutes}
	return b
}

func feelingLow(f Feeling) bool { return f == FeelingTired || f == FeelingSore || f == FeelingUnwell }

func (b *builder) notes() []Explanation {
	var n []Explanation
	switch b.req.Health.Feeling {
	case FeelingTired, FeelingSore:
		n = append(n, Explanation{Key: "plan.note.feeling_low", Params: map[string]any{"feeling": string(b.req.Health.Feeling)}})
	case FeelingUnwell:
		n = append(n, Explanation{Key: "plan.note.unwell", Params: map[string]any{}})
	}
	if b.lowerLimb {
		n = append(n, Explanation{Key: "plan.note.low_impact", Params: map[string]any{"limitations": b.req.Health.Limitations}})
	}
	if b.easyOnly {
		n = append(n, Explanation{Key: "plan.note.easy_only", Params: map[string]any{"limitations": b.req.Health.Limitations}})
	}
	if b.req.Goal.Kind == GoalRace && b.req.Goal.TargetTime > 0 && b.a.VDOT == 0 {
		n = append(n, Explanation{Key: "plan.note.target_unchecked", Params: map[string]any{"target_time": b.req.Goal.TargetTime.String()}})
	}
	return n
}

// phases gives each of n weeks its phase and whether it is a lighter week,
// and the index of the first taper week (n when there is none).
//
// A race plan ends with a two-week taper (Bosquet 2007), three ISO weeks when
// the race falls early in its week (Monday to Wednesday) so that the taper
// still holds about two weeks of training. The weeks before it are shared
// between base, build and peak by the race's raceSpec, the peak and then the
// build getting at least one week each when there are enough weeks (Daniels'
// order when time is short: foundation first, then the race-specific phase).
func (b *builder) phases(n int) ([]Phase, []bool, int) {
	phases, recovery := make([]Phase, n), make([]bool, n)
	train := n
	if b.race {
		taper := 2
		if isoDay(b.raceDate.Weekday()) <= 2 && n >= 3 {
			taper = 3
		}
		taper = min(taper, n)
		train = n - taper
		for i := train; i < n; i++ {
			phases[i] = PhaseTaper
		}
		peak, build := 0, 0
		if train >= 3 {
			peak = max(1, int(math.Round(float64(train)*(1-b.spec.base-b.spec.build))))
		}
		if train >= 2 {
			build = max(1, int(math.Round(float64(train)*b.spec.build)))
		}
		for i := range train {
			switch {
			case i >= train-peak:
				phases[i] = PhasePeak
			case i >= train-peak-build:
				phases[i] = PhaseBuild
			default:
				phases[i] = PhaseBase
			}
		}
	} else {
		for i := range n {
			phases[i] = PhaseBase
			if i >= (n+1)/2 {
				phases[i] = PhaseBuild
			}
		}
	}
	every := recoveryEvery
	if b.careful {
		every = recoveryEveryCareful
	}
	c := 0
	for i := range train {
		if (i == 0 && b.opt.firstRecovery) || c == every-1 {
			recovery[i], c = true, 0
		} else {
			c++
		}
	}
	return phases, recovery, train
}

// share is the part of a week's volume that its days from b.from on (and
// before the race) can hold: a plan starting mid-week plans only what is
// left of the week, and the race week only its days before the race.
func (b *builder) share(monday Date) float64 {
	all, left := 0, 0
	for k := range 7 {
		d := monday.AddDays(k)
		if b.days[d.Weekday()] {
			all++
			if !d.Before(b.from) && !d.After(b.end) && !(b.race && d == b.raceDate) {
				left++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(left) / float64(all)
}

// ref30 is the reference of the Garmin-RUNSAFE rule on day d: the longest
// session of the plan's sport in the 30 days before d (the athlete's longest
// while its day is within them, and the plan's own sessions laid so far), at
// least floorLongestMinutes.
func (b *builder) ref30(d Date) float64 {
	r := float64(floorLongestMinutes)
	if since := d.DaysSince(b.longestDate); since >= 1 && since <= 30 {
		r = math.Max(r, b.a.LongestMinutes)
	}
	for i := len(b.done) - 1; i >= 0; i-- {
		since := d.DaysSince(b.done[i].d)
		if since > 30 {
			break
		}
		if since >= 1 {
			r = math.Max(r, b.done[i].m)
		}
	}
	return r
}

// sessionCap is the longest session day d allows: the schedule's maximum and
// 1.10 × ref30 (only sessions of earlier weeks count: the week being laid has
// no durations yet, so the cap is never above the rule's).
func (b *builder) sessionCap(d Date) int {
	return int(math.Min(float64(b.req.Schedule.MaxMinutes), math.Floor(sessionSpike*b.ref30(d)+1e-9)))
}

// slot is a day of the week being laid.
type slot struct {
	d    Date
	kind Kind
	w    Workout
	str  bool // a strength session follows the run
}

// week lays out the week starting on monday for a target volume of target
// minutes.
func (b *builder) week(monday Date, phase Phase, recovery bool, target float64, rest, raceWeek bool) Week {
	y, n := monday.ISOWeek()
	wk := Week{Year: y, Number: n, Monday: monday, Phase: phase, Recovery: recovery}
	var slots []*slot
	var run []*slot
	for k := range 7 {
		d := monday.AddDays(k)
		if d.Before(b.from) || d.After(b.end) {
			continue
		}
		s := &slot{d: d, kind: KindRest}
		slots = append(slots, s)
		if b.race && d == b.raceDate {
			s.kind = KindRace
			continue
		}
		if b.days[d.Weekday()] && !rest && target >= minWorkoutMinutes {
			run = append(run, s)
		}
	}
	b.layRuns(run, phase, recovery, target, raceWeek)
	for _, s := range slots {
		ws := b.finish(s)
		for _, w := range ws {
			if isSport(w.Kind) {
				wk.Minutes += w.Minutes
				b.done = append(b.done, dated{w.Date, float64(w.Minutes)})
			}
		}
		wk.Workouts = append(wk.Workouts, ws...)
	}
	return wk
}

// isSport reports whether a workout of kind k counts in the plan's sport's
// volume (the race does not: it is the goal, not training).
func isSport(k Kind) bool {
	switch k {
	case KindEasy, KindLong, KindTempo, KindIntervals, KindRecovery:
		return true
	}
	return false
}

// layRuns chooses the kind and duration of the training days in run.
func (b *builder) layRuns(run []*slot, phase Phase, recovery bool, target float64, raceWeek bool) {
	if len(run) == 0 {
		return
	}
	// The long day: the schedule's, else the last training day of the week;
	// none in the race week (the race is the week's long effort).
	long := -1
	if !raceWeek {
		long = len(run) - 1
		if ld := b.req.Schedule.LongDay; ld != nil {
			for i, s := range run {
				if s.d.Weekday() == *ld {
					long = i
				}
			}
		}
		if b.race && run[long].d.After(b.raceDate.AddDays(-5)) {
			long = -1 // no long session in the last four days before a race
		}
	}
	// At most six days of the sport: drop the day after the long one.
	for len(run) > maxRunDays {
		drop := (max(long, 0) + 1) % len(run)
		run = slices.Delete(run, drop, drop+1)
		if drop < long {
			long--
		}
	}
	var longSlot *slot
	if long >= 0 {
		longSlot = run[long]
	}
	others := slices.DeleteFunc(slices.Clone(run), func(s *slot) bool { return s == longSlot })

	// Fitness plans: two days of strength when there are days to spare.
	if b.req.Goal.Kind == GoalFitness && len(others) >= 3 {
		for _, s := range spread(others, longSlot, 2, Date{}) {
			s.kind = KindStrength
			others = slices.DeleteFunc(others, func(o *slot) bool { return o == s })
		}
	}

	// Quality sessions by phase (lighter weeks have none).
	q := 0
	if !recovery && !b.easyOnly {
		switch phase {
		case PhaseBuild, PhaseTaper:
			q = 1
		case PhasePeak:
			q = 2
		}
	}
	if len(run) <= 3 {
		q = min(q, 1)
	}
	q = min(q, len(others))
	var latest Date
	if b.race {
		latest = b.raceDate.AddDays(-3) // no hard work in the last two days before a race
	}
	quality := spread(others, longSlot, q, latest)
	kinds := b.qualityKinds(phase, len(quality))
	for i, s := range quality {
		s.kind = kinds[i]
	}

	// The long session.
	L := 0
	if longSlot != nil {
		cap := math.Min(longCap(target), math.Min(b.goalLong, longMaxMinutes))
		L = int(math.Min(cap, float64(b.sessionCap(longSlot.d))))
		if L >= minWorkoutMinutes {
			longSlot.kind = KindLong
		} else {
			L = 0
			others = append(others, longSlot)
		}
	}
	if longSlot != nil && longSlot.kind == KindLong {
		longSlot.w = Workout{Kind: KindLong, Minutes: L, Intensity: IntensityE}
	}

	// Quality sessions.
	used := float64(L)
	for _, s := range quality {
		w, ok := b.qualityOr(s.kind, target, b.sessionCap(s.d))
		s.kind = w.Kind
		if !ok {
			s.kind = KindRest
			continue
		}
		s.w = w
		used += float64(w.Minutes)
	}

	// Easy days share the rest; a lower-limb limitation turns one into
	// cross-training.
	var easy []*slot
	for _, s := range others {
		if s.kind == KindRest {
			easy = append(easy, s)
		}
	}
	if b.lowerLimb && len(easy) >= 2 {
		easy[len(easy)-1].kind = KindCross
		easy = easy[:len(easy)-1]
	}
	left := target - used
	for len(easy) > 0 && left/float64(len(easy)) < minWorkoutMinutes {
		easy = easy[:len(easy)-1] // the others stay rest days
	}
	each := 0.0
	if len(easy) > 0 {
		each = left / float64(len(easy))
	}
	upper := float64(easyMaxMinutes)
	for _, s := range easy {
		m := int(math.Min(math.Min(each, upper), float64(b.sessionCap(s.d))))
		kind := KindEasy
		if longSlot != nil && longSlot.kind == KindLong && s.d == longSlot.d.AddDays(1) {
			kind, m = KindRecovery, min(m, 30)
		}
		if b.race && !s.d.Before(b.raceDate.AddDays(-2)) {
			m = min(m, 30) // a short shake-out in the last two days before a race
		}
		if m < minWorkoutMinutes {
			continue
		}
		s.kind, s.w = kind, Workout{Kind: kind, Minutes: m, Intensity: IntensityE}
	}
	for _, s := range run {
		switch s.kind {
		case KindCross:
			s.w = Workout{Kind: KindCross, Minutes: min(b.req.Schedule.MaxMinutes, max(minWorkoutMinutes, int(each))), Intensity: IntensityE}
		case KindStrength:
			s.w = Workout{Kind: KindStrength, Minutes: min(b.req.Schedule.MaxMinutes, 30)}
		}
	}
	b.enforceShares(run)

	// Strength after easy runs in loading weeks of the base and build
	// phases (fitness plans have strength days of their own).
	if b.req.Goal.Kind != GoalFitness && !recovery && (phase == PhaseBase || phase == PhaseBuild) {
		k := 0
		for _, s := range run {
			if k < b.strength && s.kind == KindEasy && s.w.Minutes+30 <= b.req.Schedule.MaxMinutes {
				s.str = true
				k++
			}
		}
	}
}

// enforceShares keeps Daniels' per-session shares of the week's actual
// volume: the target was a bound, and the week may have come out lighter.
func (b *builder) enforceShares(run []*slot) {
	for range 20 {
		total := 0
		for _, s := range run {
			if isSport(s.kind) {
				total += s.w.Minutes
			}
		}
		changed := false
		for _, s := range run {
			switch s.kind {
			case KindLong:
				if c := int(longCap(float64(total))); s.w.Minutes > c {
					s.w.Minutes, changed = c, true
					if c < minWorkoutMinutes {
						s.kind, s.w = KindRest, Workout{}
					}
				}
			case KindTempo, KindIntervals:
				share := thresholdShare
				if s.kind == KindIntervals {
					share = intervalShare
				}
				if float64(s.w.WorkMinutes) > share*float64(total)+1e-9 {
					w, ok := b.qualityOr(s.kind, float64(total), s.w.Minutes)
					s.kind = w.Kind
					if !ok {
						s.kind, s.w = KindEasy, Workout{Kind: KindEasy, Minutes: s.w.Minutes, Intensity: IntensityE}
					} else {
						s.w = w
					}
					changed = true
				}
			}
		}
		if !changed {
			return
		}
	}
}

// qualityKinds are the kinds of a week's n quality sessions: threshold work
// first, intervals joining at the peak; in the taper, the race's own kind
// (intervals for 5 and 10 km, threshold for longer races).
func (b *builder) qualityKinds(phase Phase, n int) []Kind {
	var kinds []Kind
	switch {
	case phase == PhasePeak:
		kinds = []Kind{KindIntervals, KindTempo}
	case phase == PhaseTaper && (b.req.Goal.Distance == Race5K || b.req.Goal.Distance == Race10K):
		kinds = []Kind{KindIntervals}
	default:
		kinds = []Kind{KindTempo}
	}
	for i := range kinds {
		if kinds[i] == KindIntervals && b.noIntervals {
			kinds[i] = KindTempo
		}
	}
	for len(kinds) < n {
		kinds = append(kinds, KindTempo)
	}
	return kinds[:n]
}

// qualityOr is the quality session of kind k, or of the other kind when the
// week is too light for k (intervals fit lighter weeks than threshold work,
// and the other way round for long days).
func (b *builder) qualityOr(k Kind, weekly float64, cap int) (Workout, bool) {
	if w, ok := b.quality(k, weekly, cap); ok {
		return w, true
	}
	if k == KindIntervals {
		return b.quality(KindTempo, weekly, cap)
	}
	if b.noIntervals {
		return Workout{}, false
	}
	return b.quality(KindIntervals, weekly, cap)
}

// quality is a threshold or interval session for a week of weekly minutes
// whose day allows cap minutes. Threshold: continuous from 20 minutes,
// otherwise cruise intervals of about 5 minutes with a minute's rest;
// intervals: repetitions of 3 to 4 minutes with as long a jog between (both
// after Daniels' Running Formula, ch. 4). false: the week is too light for
// the session (under 10 minutes of threshold or 3 repetitions).
func (b *builder) quality(k Kind, weekly float64, cap int) (Workout, bool) {
	if w, ok := b.qualityWithin(k, weekly, cap, warmUpMinutes+coolDownMinutes); ok {
		return w, true
	}
	// A short day: a shorter warm-up and cool-down.
	return b.qualityWithin(k, weekly, cap, shortWarmUpMinutes+shortCoolDownMinutes)
}

func (b *builder) qualityWithin(k Kind, weekly float64, cap, around int) (Workout, bool) {
	if k == KindTempo {
		work := int(math.Min(thresholdShare*weekly+1e-9, maxThresholdWork))
		for ; work >= 10; work-- {
			reps := 1
			if work < 20 {
				reps = work / 5
			}
			rep := work / reps
			total := around + reps*rep + (reps - 1)
			if total <= cap {
				return Workout{Kind: KindTempo, Minutes: total, WorkMinutes: reps * rep, Reps: reps, RepMinutes: rep, Intensity: IntensityT}, true
			}
		}
		return Workout{}, false
	}
	work := int(math.Min(intervalShare*weekly+1e-9, maxIntervalWork))
	rep := 3
	if work >= 16 {
		rep = 4
	}
	for reps := work / rep; reps >= 3; reps-- {
		total := around + reps*rep + (reps-1)*rep
		if total <= cap {
			return Workout{Kind: KindIntervals, Minutes: total, WorkMinutes: reps * rep, Reps: reps, RepMinutes: rep, Intensity: IntensityI}, true
		}
	}
	return Workout{}, false
}

// spread picks n of the slots, as far from the long day and from each other
// as the week allows, none after latest (when set).
func spread(slots []*slot, long *slot, n int, latest Date) []*slot {
	var picked []*slot
	dist := func(s *slot) int {
		d := 7
		ref := picked
		if long != nil {
			ref = append(slices.Clone(picked), long)
		}
		for _, r := range ref {
			x := s.d.DaysSince(r.d)
			if x < 0 {
				x = -x
			}
			d = min(d, x)
		}
		return d
	}
	for range n {
		var best *slot
		for _, s := range slots {
			if slices.Contains(picked, s) || (!latest.IsZero() && s.d.After(latest)) {
				continue
			}
			if best == nil || dist(s) > dist(best) {
				best = s
			}
		}
		if best == nil {
			break
		}
		picked = append(picked, best)
	}
	slices.SortFunc(picked, func(x, y *slot) int { return x.d.DaysSince(y.d) })
	return picked
}

// finish turns a laid slot into its workouts, with their sport, identifiers,
// paces and heart rates.
func (b *builder) finish(s *slot) []Workout {
	var ws []Workout
	switch s.kind {
	case KindRest:
		ws = []Workout{{Kind: KindRest}}
	case KindRace:
		ws = []Workout{b.raceWorkout()}
	default:
		w := s.w
		w.Kind = s.kind
		ws = []Workout{w}
		if s.str {
			ws = append(ws, Workout{Kind: KindStrength, Minutes: 30})
		}
	}
	for i := range ws {
		w := &ws[i]
		w.ID = fmt.Sprintf("%s-%d", s.d, i+1)
		w.Date = s.d
		switch w.Kind {
		case KindRest:
		case KindStrength:
			w.Sport = "strength"
		case KindCross:
			w.Sport = crossSport(b.req.Sport)
			w.HR = b.hr(IntensityE, false)
		case KindRace:
			w.Sport = b.req.Sport
		default:
			w.Sport = b.req.Sport
			b.decorate(w)
		}
	}
	return ws
}

// crossSport is the low-impact sport that stands in for a run: cycling, or
// swimming for cyclists.
func crossSport(s string) string {
	if s == "ride" || s == "mountain_bike" {
		return "swim"
	}
	return "ride"
}

// raceWorkout is the race day: the target time, or the time the athlete's
// VDOT predicts.
func (b *builder) raceWorkout() Workout {
	metres := raceMetres[b.req.Goal.Distance]
	w := Workout{Kind: KindRace, DistanceKm: metres / 1000}
	t := b.req.Goal.TargetTime
	if t == 0 && b.a.VDOT > 0 {
		t = RaceTime(metres, b.a.VDOT)
	}
	if t > 0 {
		w.Minutes = int(math.Ceil(t.Minutes()))
		p := time.Duration(float64(t) / (metres / 1000)).Round(time.Second)
		w.Pace = &PaceRange{Fast: p, Slow: p}
	}
	return w
}

// decorate gives a workout of the plan's sport its pace range and distance
// (running with a known VDOT) and heart-rate range (with zones or a maximum
// heart rate).
func (b *builder) decorate(w *Workout) {
	recovery := w.Kind == KindRecovery
	w.HR = b.hr(w.Intensity, recovery)
	if b.a.VDOT == 0 || !slices.Contains(runSports, b.req.Sport) {
		return
	}
	p := paceFor(b.a.VDOT, w.Intensity, recovery)
	w.Pace = &p
	easy := paceFor(b.a.VDOT, IntensityE, recovery)
	km := float64(w.Minutes-w.WorkMinutes)/mid(easy).Minutes() + float64(w.WorkMinutes)/mid(p).Minutes()
	w.DistanceKm = math.Round(km*10) / 10
}

func mid(p PaceRange) time.Duration { return (p.Fast + p.Slow) / 2 }

// hr is the heart-rate range of intensity i: the athlete's zones (recovery Z1,
// easy Z2, marathon Z3, threshold Z4, intervals Z5); else, with a maximum and
// a resting heart rate, the intensity's fraction of VO2max applied to the
// heart-rate reserve (Karvonen; %HRR ≈ %VO2R, Swain & Leutholtz 1997, Med Sci
// Sports Exerc 29(3):410–414); else, with a maximum only, Daniels' fractions
// of HRmax. nil when none is known.
func (b *builder) hr(i Intensity, recovery bool) *HRRange {
	if len(b.a.Zones) == 5 {
		z := map[Intensity]int{IntensityE: 1, IntensityM: 2, IntensityT: 3, IntensityI: 4, IntensityR: 4}[i]
		if recovery {
			z = 0
		}
		r := b.a.Zones[z]
		return &r
	}
	if b.a.MaxHR == 0 {
		return nil
	}
	rest := b.req.Health.RestingHR
	if rest == 0 {
		rest = b.a.RestingHR
	}
	if rest > 0 && rest < b.a.MaxHR {
		f := vdotFraction[i]
		if recovery {
			f = [2]float64{f[0], f[0] + 0.05}
		}
		reserve := float64(b.a.MaxHR - rest)
		return &HRRange{Low: rest + int(math.Round(f[0]*reserve)), High: min(b.a.MaxHR, rest+int(math.Round(f[1]*reserve)))}
	}
	f, ok := hrFraction[i]
	if !ok {
		return nil
	}
	if recovery {
		f = [2]float64{f[0], f[0] + 0.05}
	}
	return &HRRange{Low: int(math.Round(f[0] * float64(b.a.MaxHR))), High: int(math.Round(f[1] * float64(b.a.MaxHR)))}
}
