package recommend

import (
	"cmp"
	"math"
	"slices"
	"time"
)

const day = 24 * time.Hour

// eps absorbs floating-point noise at a threshold: 11 km over 10 km is a
// rise of exactly 10 %, not 10.000000000000009 %.
const eps = 1e-9

func days(n int) time.Duration { return time.Duration(n) * day }

// running reports whether sport is one the Garmin-RUNSAFE spike applies to.
func running(sport string) bool { return sport == "run" || sport == "trail_run" }

// Longest is the longest distance of the running sessions that start in
// the window of n days before at (at excluded), sessions in any order.
func Longest(sessions []Session, at time.Time, n int) float64 {
	var longest float64
	from := at.Add(-days(n))
	for _, s := range sessions {
		if running(s.Sport) && !s.Start.Before(from) && s.Start.Before(at) {
			longest = math.Max(longest, s.DistanceM)
		}
	}
	return longest
}

// SpikeCeiling is the longest run that is not a spike if done at at: the
// longest run of the previous SpikeWindowDays × (1 + SpikeSmall); 0 when
// there was no run in the window (no ceiling known).
func SpikeCeiling(sessions []Session, at time.Time, t Thresholds) float64 {
	return Longest(sessions, at, t.SpikeWindowDays) * (1 + t.SpikeSmall)
}

// sessionSpike warns of each recent run much longer than the longest of
// its previous 30 days (Frandsen et al. 2025; see Thresholds).
func sessionSpike(in Input, t Thresholds) []Recommendation {
	var out []Recommendation
	for _, s := range in.Sessions {
		if !running(s.Sport) || s.DistanceM <= 0 || s.Start.Before(in.Now.Add(-days(t.SpikeRecentDays))) || s.Start.After(in.Now) {
			continue
		}
		longest := Longest(in.Sessions, s.Start, t.SpikeWindowDays)
		if longest <= 0 {
			continue
		}
		rise := s.DistanceM/longest - 1
		band, severity, hrr := "", Warning, 0.0
		switch {
		case rise > t.SpikeLarge+eps:
			band, severity, hrr = "large", Alert, 2.28
		case rise > t.SpikeModerate+eps:
			band, hrr = "moderate", 1.52
		case rise > t.SpikeSmall+eps:
			band, hrr = "small", 1.64
		default:
			continue
		}
		out = append(out, Recommendation{
			ID:       TypeSessionSpike + ":" + s.ID,
			Type:     TypeSessionSpike,
			Severity: severity,
			Key:      "recommend.session_spike." + band,
			Params: map[string]any{
				"session_id":  s.ID,
				"distance_m":  s.DistanceM,
				"longest_m":   longest,
				"window_days": t.SpikeWindowDays,
				"rise_pct":    math.Round(rise * 100),
				"ceiling_m":   longest * (1 + t.SpikeSmall),
				"hazard_rate": hrr,
			},
			Trigger: map[string]float64{"distance_m": s.DistanceM, "longest_30d_m": longest, "rise": rise},
			Expires: s.Start.Add(days(t.SpikeRecentDays)),
		})
	}
	return out
}

// today is the user's date, which names the day's advice.
func today(in Input) string {
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	return in.Now.In(loc).Format(time.DateOnly)
}

// tomorrow is when advice from today's fitness lapses: a day later, when
// the figures have moved.
func tomorrow(in Input) time.Time { return in.Now.Add(day) }

// loadRamp warns when fitness (CTL) rose more than t.RampRate in a week,
// and alerts above t.RampRateHigh.
func loadRamp(in Input, t Thresholds) []Recommendation {
	f := in.Fitness
	if f == nil || f.RampRate <= t.RampRate+eps {
		return nil
	}
	severity := Warning
	if f.RampRate > t.RampRateHigh+eps {
		severity = Alert
	}
	return []Recommendation{{
		ID:       TypeLoadRamp + ":" + today(in),
		Type:     TypeLoadRamp,
		Severity: severity,
		Key:      "recommend.load_ramp",
		Params:   map[string]any{"ramp_rate": round1(f.RampRate), "limit": t.RampRate, "ctl": round1(f.CTL)},
		Trigger:  map[string]float64{"ramp_rate": f.RampRate, "ctl": f.CTL},
		Expires:  tomorrow(in),
	}}
}

// deepFatigue warns when form is at or below t.FatigueFormPct of fitness.
func deepFatigue(in Input, t Thresholds) []Recommendation {
	f := in.Fitness
	if f == nil || f.CTL < t.MinCTL || f.CTL <= 0 {
		return nil
	}
	pct := f.TSB / f.CTL * 100
	if pct > t.FatigueFormPct+eps {
		return nil
	}
	return []Recommendation{{
		ID:       TypeDeepFatigue + ":" + today(in),
		Type:     TypeDeepFatigue,
		Severity: Warning,
		Key:      "recommend.deep_fatigue",
		Params:   map[string]any{"tsb": round1(f.TSB), "form_pct": math.Round(pct), "limit_pct": t.FatigueFormPct},
		Trigger:  map[string]float64{"tsb": f.TSB, "ctl": f.CTL, "atl": f.ATL, "form_pct": pct},
		Expires:  tomorrow(in),
	}}
}

// monotony warns when the last seven days were too alike (Foster).
func monotony(in Input, t Thresholds) []Recommendation {
	f := in.Fitness
	if f == nil || f.Monotony == nil || f.WeekLoad <= 0 || *f.Monotony < t.Monotony-eps {
		return nil
	}
	return []Recommendation{{
		ID:       TypeMonotony + ":" + today(in),
		Type:     TypeMonotony,
		Severity: Warning,
		Key:      "recommend.monotony",
		Params:   map[string]any{"monotony": round2(*f.Monotony), "limit": t.Monotony},
		Trigger:  map[string]float64{"monotony": *f.Monotony, "week_load": f.WeekLoad, "strain": f.WeekLoad * *f.Monotony},
		Expires:  tomorrow(in),
	}}
}

// acuteLoad tells (as information about load, not injury risk) when the
// last week's load is well above the usual.
func acuteLoad(in Input, t Thresholds) []Recommendation {
	f := in.Fitness
	if f == nil || f.ACWR == nil || *f.ACWR < t.ACWR-eps {
		return nil
	}
	return []Recommendation{{
		ID:       TypeAcuteLoad + ":" + today(in),
		Type:     TypeAcuteLoad,
		Severity: Info,
		Key:      "recommend.acute_load",
		Params:   map[string]any{"ratio": round2(*f.ACWR)},
		Trigger:  map[string]float64{"acwr": *f.ACWR},
		Expires:  tomorrow(in),
	}}
}

// longBreak advises easing back in: during a break of t.BreakDays or more,
// and for t.ReturnDays after the first session back.
func longBreak(in Input, t Thresholds) []Recommendation {
	var past []Session
	for _, s := range in.Sessions {
		if !s.Start.After(in.Now) {
			past = append(past, s)
		}
	}
	if len(past) == 0 {
		return nil
	}
	last := past[len(past)-1]
	if gap := in.Now.Sub(last.Start); gap >= days(t.BreakDays) {
		n := int(gap / day)
		return []Recommendation{{
			ID:       TypeLongBreak + ":" + last.ID,
			Type:     TypeLongBreak,
			Severity: Info,
			Key:      "recommend.long_break.away",
			Params:   map[string]any{"days": n},
			Trigger:  map[string]float64{"days_since_last": gap.Hours() / 24},
			Expires:  in.Now.Add(day),
		}}
	}
	// The first session back, with a gap before it.
	for i := len(past) - 1; i >= 1; i-- {
		s := past[i]
		if in.Now.Sub(s.Start) >= days(t.ReturnDays) {
			break
		}
		gap := s.Start.Sub(past[i-1].Start)
		if gap >= days(t.BreakDays) {
			return []Recommendation{{
				ID:       TypeLongBreak + ":" + s.ID,
				Type:     TypeLongBreak,
				Severity: Info,
				Key:      "recommend.long_break.returning",
				Params:   map[string]any{"days": int(gap / day), "session_id": s.ID},
				Trigger:  map[string]float64{"break_days": gap.Hours() / 24},
				Expires:  s.Start.Add(days(t.ReturnDays)),
			}}
		}
	}
	return nil
}

// newRecords celebrates the records of the last t.RecordDays.
func newRecords(in Input, t Thresholds) []Recommendation {
	var out []Recommendation
	for _, r := range in.Records {
		if r.At.After(in.Now) || in.Now.Sub(r.At) >= days(t.RecordDays) {
			continue
		}
		out = append(out, Recommendation{
			ID:       TypeNewRecord + ":" + r.Kind + ":" + r.Name + ":" + r.SessionID,
			Type:     TypeNewRecord,
			Severity: Info,
			Key:      "recommend.new_record." + r.Kind,
			Params:   map[string]any{"name": r.Name, "value": r.Value, "previous": r.Previous, "session_id": r.SessionID},
			Trigger:  map[string]float64{"value": r.Value, "previous": r.Previous},
			Expires:  r.At.Add(days(t.RecordDays)),
		})
	}
	return out
}

// planAdherence warns when the last finished plan weeks missed too many
// workouts.
func planAdherence(in Input, t Thresholds) []Recommendation {
	var weeks []PlanWeek
	for _, w := range in.Weeks {
		if w.Start.Add(days(7)).After(in.Now) {
			continue // not finished
		}
		weeks = append(weeks, w)
	}
	if t.AdherenceWeeks <= 0 || len(weeks) < t.AdherenceWeeks {
		return nil
	}
	slices.SortFunc(weeks, func(a, b PlanWeek) int { return a.Start.Compare(b.Start) })
	weeks = weeks[len(weeks)-t.AdherenceWeeks:]
	var planned, done int
	for _, w := range weeks {
		planned += w.Planned
		done += min(w.Done, w.Planned)
	}
	if planned == 0 {
		return nil
	}
	share := float64(done) / float64(planned)
	if share >= t.Adherence-eps {
		return nil
	}
	last := weeks[len(weeks)-1]
	return []Recommendation{{
		ID:       TypePlanAdherence + ":" + last.Start.UTC().Format(time.DateOnly),
		Type:     TypePlanAdherence,
		Severity: Warning,
		Key:      "recommend.plan_adherence",
		Params:   map[string]any{"done": done, "planned": planned, "weeks": len(weeks), "pct": math.Round(share * 100)},
		Trigger:  map[string]float64{"adherence": share, "done": float64(done), "planned": float64(planned)},
		Expires:  last.Start.Add(days(14)),
	}}
}

// gearReplacement tells when gear nears or passes its replacement distance.
func gearReplacement(in Input, t Thresholds) []Recommendation {
	var out []Recommendation
	for _, g := range in.Gear {
		if g.LimitM <= 0 {
			continue
		}
		share := g.DistanceM / g.LimitM
		severity, key := Info, "recommend.gear_replacement.near"
		switch {
		case share >= 1-eps:
			severity, key = Warning, "recommend.gear_replacement.over"
		case share >= t.GearShare-eps:
		default:
			continue
		}
		out = append(out, Recommendation{
			ID:       TypeGearReplacement + ":" + g.ID,
			Type:     TypeGearReplacement,
			Severity: severity,
			Key:      key,
			Params:   map[string]any{"gear_id": g.ID, "name": g.Name, "distance_m": g.DistanceM, "limit_m": g.LimitM, "remaining_m": math.Max(0, g.LimitM-g.DistanceM)},
			Trigger:  map[string]float64{"distance_m": g.DistanceM, "limit_m": g.LimitM, "share": share},
			Expires:  in.Now.Add(days(7)),
		})
	}
	return out
}

// Kinds of workout the next-workout rule proposes from the history.
const (
	KindRest     = "rest"
	KindRecovery = "recovery"
	KindEasy     = "easy"
)

// Form percentages that choose the next workout without a plan (the
// bounds of intervals.icu's form zones): at or below FatigueFormPct rest,
// below −10 % (the top of the "optimal" training zone) a recovery session
// of 60 % of the usual duration, otherwise the usual session.
const (
	recoveryFormPct = -10.0
	recoveryShare   = 0.6
)

// nextWorkout shows the next planned workout, or without a plan proposes
// one from the history: the sport done most in the last t.HistoryDays, at
// its median duration and distance, eased by form; for runs it gives the
// spike ceiling too.
func nextWorkout(in Input, t Thresholds) []Recommendation {
	if p := in.Next; p != nil {
		if p.Date.Before(in.Now.Add(-day)) || p.Date.After(in.Now.Add(days(t.NextWorkoutDays))) {
			return nil
		}
		params := map[string]any{"workout_id": p.ID, "kind": p.Kind, "sport": p.Sport, "date": p.Date, "duration_s": p.DurationS, "distance_m": p.DistanceM, "source": "plan"}
		trigger := map[string]float64{"duration_s": p.DurationS, "distance_m": p.DistanceM}
		if ceiling := SpikeCeiling(in.Sessions, in.Now, t); running(p.Sport) && ceiling > 0 {
			params["ceiling_m"] = ceiling
			trigger["ceiling_m"] = ceiling
		}
		return []Recommendation{{
			ID:       TypeNextWorkout + ":" + p.ID,
			Type:     TypeNextWorkout,
			Severity: Info,
			Key:      "recommend.next_workout.plan." + p.Kind,
			Params:   params,
			Trigger:  trigger,
			Expires:  p.Date.Add(day),
		}}
	}

	from := in.Now.Add(-days(t.HistoryDays))
	bySport := map[string][]Session{}
	n := 0
	for _, s := range in.Sessions {
		if !s.Start.Before(from) && !s.Start.After(in.Now) {
			bySport[s.Sport] = append(bySport[s.Sport], s)
			n++
		}
	}
	if n < t.MinSessions || n == 0 {
		return nil
	}
	var sport string
	for sp, ss := range bySport {
		if len(ss) > len(bySport[sport]) || (len(ss) == len(bySport[sport]) && sp < sport) {
			sport = sp
		}
	}
	ss := bySport[sport]
	duration := median(ss, func(s Session) float64 { return s.MovingS })
	distance := median(ss, func(s Session) float64 { return s.DistanceM })

	kind, formPct := KindEasy, 0.0
	trigger := map[string]float64{"sessions": float64(len(ss)), "median_duration_s": duration, "median_distance_m": distance}
	if f := in.Fitness; f != nil && f.CTL > 0 && f.CTL >= t.MinCTL {
		formPct = f.TSB / f.CTL * 100
		trigger["form_pct"] = formPct
		switch {
		case formPct <= t.FatigueFormPct+eps:
			kind, duration, distance = KindRest, 0, 0
		case formPct < recoveryFormPct-eps:
			kind, duration, distance = KindRecovery, duration*recoveryShare, distance*recoveryShare
		}
	}
	params := map[string]any{"kind": kind, "sport": sport, "duration_s": math.Round(duration), "distance_m": math.Round(distance), "source": "history"}
	if ceiling := SpikeCeiling(in.Sessions, in.Now, t); running(sport) && ceiling > 0 {
		// A median of the last 28 days stays under it; the app shows it
		// as the longest run that is no spike.
		params["ceiling_m"] = ceiling
		trigger["ceiling_m"] = ceiling
	}
	return []Recommendation{{
		ID:       TypeNextWorkout + ":history:" + today(in),
		Type:     TypeNextWorkout,
		Severity: Info,
		Key:      "recommend.next_workout.history." + kind,
		Params:   params,
		Trigger:  trigger,
		Expires:  tomorrow(in),
	}}
}

func median(ss []Session, f func(Session) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.SortFunc(v, cmp.Compare[float64])
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round2(x float64) float64 { return math.Round(x*100) / 100 }
