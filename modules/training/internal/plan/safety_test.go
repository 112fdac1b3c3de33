package plan

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// checkSafety checks p against every safety rule of the package, written
// apart from the generator (from the rules as published, not from its
// code), and returns each broken rule. from is the day the plan's current
// shape starts, a the athlete it was laid for.
func checkSafety(p Plan) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	req, a := p.Request, p.Athlete
	avail := map[time.Weekday]bool{}
	for _, d := range req.Schedule.Days {
		avail[d] = true
	}
	sport := func(k Kind) bool {
		return k == KindEasy || k == KindLong || k == KindTempo || k == KindIntervals || k == KindRecovery
	}
	easyOnly, lowerLimb, careful := false, false, len(req.Health.Limitations) > 0 || req.Health.Feeling == FeelingTired || req.Health.Feeling == FeelingSore || req.Health.Feeling == FeelingUnwell
	for _, l := range req.Health.Limitations {
		easyOnly = easyOnly || l == LimitHeart || l == LimitPregnancy
		lowerLimb = lowerLimb || l == LimitKnee || l == LimitShin || l == LimitAchilles || l == LimitFoot || l == LimitHip
	}

	// Calendar: consecutive ISO weeks, every day from From to End present once
	// at least, workouts inside their week.
	days := map[Date]int{}
	var shaped []Week      // the weeks of the current shape, days before From left out
	var sessions []Workout // the sport's sessions, in date order
	for i, w := range p.Weeks {
		if w.Monday.Weekday() != time.Monday {
			fail("week %d starts on %s", i, w.Monday.Weekday())
		}
		if y, n := w.Monday.ISOWeek(); y != w.Year || n != w.Number {
			fail("week %d is ISO %d-W%d, says %d-W%d", i, y, n, w.Year, w.Number)
		}
		if i > 0 && w.Monday != p.Weeks[i-1].Monday.AddDays(7) {
			fail("week %d does not follow week %d", i, i-1)
		}
		sum, all := 0, 0
		for _, x := range w.Workouts {
			if sport(x.Kind) {
				all += x.Minutes
			}
			if x.Date.Before(p.From) {
				continue // kept from before a re-plan: history now
			}
			if x.Date.Before(w.Monday) || x.Date.After(w.Monday.AddDays(6)) {
				fail("%s outside its week %s", x.ID, w.Monday)
			}
			if x.Date.Before(p.From) || x.Date.After(p.End) {
				fail("%s outside the plan (%s … %s)", x.ID, p.From, p.End)
			}
			if x.Kind != KindRest && x.Kind != KindRace {
				days[x.Date] += x.Minutes
				if !avail[x.Date.Weekday()] {
					fail("%s: %s on an unavailable day", x.ID, x.Kind)
				}
				if x.Minutes < minWorkoutMinutesRule {
					fail("%s: %d minutes is under the shortest workout", x.ID, x.Minutes)
				}
			} else if _, ok := days[x.Date]; !ok {
				days[x.Date] = 0
			}
			if sport(x.Kind) {
				sum += x.Minutes
				sessions = append(sessions, x)
			}
			if x.Pace != nil && x.Pace.Fast > x.Pace.Slow {
				fail("%s: pace range upside down", x.ID)
			}
			if x.HR != nil && x.HR.Low >= x.HR.High {
				fail("%s: heart-rate range upside down", x.ID)
			}
			if (x.Kind == KindTempo || x.Kind == KindIntervals) && (x.Reps*x.RepMinutes != x.WorkMinutes || x.WorkMinutes >= x.Minutes) {
				fail("%s: work %d×%d ≠ %d or not under %d", x.ID, x.Reps, x.RepMinutes, x.WorkMinutes, x.Minutes)
			}
			if easyOnly && (x.Kind == KindTempo || x.Kind == KindIntervals) {
				fail("%s: %s despite %v", x.ID, x.Kind, req.Health.Limitations)
			}
			if lowerLimb && x.Kind == KindIntervals {
				fail("%s: intervals despite %v", x.ID, req.Health.Limitations)
			}
		}
		if all != w.Minutes {
			fail("week %s says %d minutes, has %d", w.Monday, w.Minutes, all)
		}
		if !w.Monday.Before(p.From.Monday()) {
			shaped = append(shaped, Week{Monday: w.Monday, Phase: w.Phase, Recovery: w.Recovery, Minutes: sum, Workouts: slices.DeleteFunc(slices.Clone(w.Workouts), func(x Workout) bool { return x.Date.Before(p.From) })})
		}
	}
	for d := p.From; !d.After(p.End); d = d.AddDays(1) {
		if _, ok := days[d]; !ok {
			fail("day %s missing", d)
		}
	}
	for d, m := range days {
		if m > req.Schedule.MaxMinutes {
			fail("%s: %d minutes, more than the schedule's %d", d, m, req.Schedule.MaxMinutes)
		}
	}

	// Garmin-RUNSAFE: no session above 1.10 × the longest of the 30 days
	// before it (the athlete's own while its day is in them; 30 minutes for
	// someone with none).
	longestDay := a.LongestDate
	if longestDay.IsZero() {
		longestDay = p.From.AddDays(-15)
	}
	for i, s := range sessions {
		ref := 30.0
		if k := s.Date.DaysSince(longestDay); k >= 1 && k <= 30 {
			ref = math.Max(ref, a.LongestMinutes)
		}
		for _, o := range sessions[:i] {
			if k := s.Date.DaysSince(o.Date); k >= 1 && k <= 30 {
				ref = math.Max(ref, float64(o.Minutes))
			}
		}
		if float64(s.Minutes) > 1.10*ref+1e-9 {
			fail("%s: %d minutes > 1.10 × %.0f (longest of the past 30 days)", s.ID, s.Minutes, ref)
		}
	}

	// Weekly progression, per-session shares, lighter weeks, taper.
	vols := []float64{a.WeeklyMinutes, a.WeeklyMinutes, a.WeeklyMinutes, a.WeeklyMinutes}
	every := 4
	if careful {
		every = 3
	}
	loading, peak := 0, 0.0
	for i, w := range shaped {
		if w.Phase == PhaseTaper && (i == 0 || shaped[i-1].Phase != PhaseTaper) {
			// Bosquet's cut is from the training before the taper: the
			// largest of the four weeks before it.
			peak = slices.Max(vols[len(vols)-4:])
		}
		v := float64(w.Minutes)
		prev := math.Max(60, slices.Max(vols[len(vols)-4:]))
		if v > 1.10*prev+1 {
			fail("week %s: %.0f minutes > 1.10 × %.0f", w.Monday, v, prev)
		}
		for _, x := range w.Workouts {
			m := float64(x.Minutes)
			switch x.Kind {
			case KindLong:
				if m > 150 || (m > 0.25*v && (m > 0.30*v || m > 90)) {
					fail("%s: long %d minutes in a %.0f-minute week (≤ 25 %%, 30 %% up to 90, ≤ 150)", x.ID, x.Minutes, v)
				}
			case KindTempo:
				if float64(x.WorkMinutes) > 0.10*v+1e-9 {
					fail("%s: %d minutes at threshold > 10 %% of %.0f", x.ID, x.WorkMinutes, v)
				}
			case KindIntervals:
				if float64(x.WorkMinutes) > 0.08*v+1e-9 {
					fail("%s: %d minutes of intervals > 8 %% of %.0f", x.ID, x.WorkMinutes, v)
				}
			}
		}
		switch {
		case w.Phase == PhaseTaper:
		case w.Recovery:
			if v > 0.80*prev+1 {
				fail("week %s: lighter week of %.0f minutes is not lighter than %.0f", w.Monday, v, prev)
			}
			loading = 0
		default:
			loading++
			if loading > every-1 {
				fail("week %s: %d loading weeks in a row", w.Monday, loading)
			}
		}
		vols = append(vols, v)
	}
	if req.Goal.Kind == GoalRace {
		order := map[Phase]int{PhaseBase: 0, PhaseBuild: 1, PhasePeak: 2, PhaseTaper: 3}
		taperDays := 0
		for i, w := range shaped {
			if i > 0 && order[w.Phase] < order[shaped[i-1].Phase] {
				fail("week %s: phase %s after %s", w.Monday, w.Phase, shaped[i-1].Phase)
			}
			if w.Phase != PhaseTaper {
				continue
			}
			for d := w.Monday; d.Before(w.Monday.AddDays(7)); d = d.AddDays(1) {
				if d.Before(req.Goal.Date) && !d.Before(p.From) {
					taperDays++
				}
			}
			v := float64(w.Minutes)
			if v > 0.60*peak+1 {
				fail("taper week %s: %.0f minutes cuts less than 40 %% of the peak %.0f", w.Monday, v, peak)
			}
			full := !w.Monday.Before(p.From) && w.Monday.AddDays(6).Before(req.Goal.Date)
			// The cut of at most 60 % is measured against the plan's own
			// training (four weeks of it before the taper): a schedule
			// smaller than the athlete's recent training cuts more, and
			// that is not less safe.
			if full && i >= 4 && shaped[i-1].Phase != PhaseTaper && v < 0.40*peak-1 {
				fail("taper week %s: %.0f minutes cuts more than 60 %% of the peak %.0f", w.Monday, v, peak)
			}
			runDays, quality := 0, 0
			for _, x := range w.Workouts {
				if sport(x.Kind) && !x.Date.After(req.Goal.Date.AddDays(-3)) {
					runDays++
				}
				if x.Kind == KindTempo || x.Kind == KindIntervals {
					quality++
					if x.Date.After(req.Goal.Date.AddDays(-3)) {
						fail("%s: hard work in the two days before the race", x.ID)
					}
				}
			}
			// Daniels' 10 % cap leaves no room for 10 minutes of threshold
			// work in a week under 100 minutes.
			// Nor does a day under 26 minutes (a 10-minute warm-up, 10
			// minutes of threshold work with a minute's rest, 5 to cool down).
			if !easyOnly && full && runDays >= 2 && quality == 0 && v >= 100 && req.Schedule.MaxMinutes >= 26 {
				fail("taper week %s keeps no intensity", w.Monday)
			}
		}
		if len(shaped) >= 4 && shaped[0].Phase != PhaseTaper && (taperDays < 8 || taperDays > 17) {
			fail("taper of %d days, not about two weeks", taperDays)
		}
		races := 0
		for _, x := range p.Workouts() {
			if x.Kind == KindRace {
				races++
				if x.Date != req.Goal.Date {
					fail("race on %s, goal on %s", x.Date, req.Goal.Date)
				}
			}
		}
		if races != 1 {
			fail("%d races", races)
		}
	}
	return bad
}

// minWorkoutMinutesRule is ACSM's shortest continuous aerobic session.
const minWorkoutMinutesRule = 20

func requireSafe(t *testing.T, p Plan) {
	t.Helper()
	if bad := checkSafety(p); len(bad) > 0 {
		t.Log(summary(p))
		for _, b := range bad {
			t.Error(b)
		}
	}
}

// summary prints a plan a week a line, for failing tests.
func summary(p Plan) string {
	s := ""
	for _, w := range p.Weeks {
		s += fmt.Sprintf("%d-W%02d %-5s rec=%-5v %4d:", w.Year, w.Number, w.Phase, w.Recovery, w.Minutes)
		for _, x := range w.Workouts {
			if x.Kind == KindRest {
				s += " ·"
				continue
			}
			s += fmt.Sprintf(" %s/%s%d", x.Date.Weekday().String()[:2], x.Kind[:2], x.Minutes)
		}
		s += "\n"
	}
	return s
}
