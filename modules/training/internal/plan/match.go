package plan

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Session is a finished session, as the service reads it from the history.
type Session struct {
	ID         string
	Sport      string
	Start      time.Time
	Minutes    float64 // moving time (elapsed when there is none)
	DistanceKm float64 // 0 when unknown
}

// Pair is a finished session matched to a planned workout.
type Pair struct {
	WorkoutID string
	SessionID string
	// Days is the session's day less the workout's (-1, 0 or 1).
	Days int
}

// Adherence is how much of an ISO week's planned training was done.
type Adherence struct {
	Year, Number   int
	Planned, Done  int // planned workouts (rest days and the race excluded), and those matched
	PlannedMinutes int
	DoneMinutes    int // minutes of the matched sessions
	ExtraMinutes   int // minutes of the week's sessions that matched nothing
	// Rate is Done / Planned (1 for a week with nothing planned).
	Rate float64
}

// Matching is the result of Match.
type Matching struct {
	Pairs []Pair
	Extra []string // sessions that matched no workout
	Weeks []Adherence
}

// families are sports that stand in for each other in a plan: a planned run
// is done by a trail run, a planned ride by a mountain-bike ride.
var families = map[string]string{"trail_run": "run", "mountain_bike": "ride", "hike": "walk"}

// Family is the sport a session of sport s counts as in a plan: run for a
// trail run, ride for a mountain-bike ride, walk for a hike, s otherwise.
func Family(s string) string { return family(s) }

func family(s string) string {
	if f, ok := families[s]; ok {
		return f
	}
	return s
}

// fits reports whether session s can be planned workout w: the same sport
// (or family); any endurance sport other than the plan's for
// cross-training; strength for strength.
func fits(w Workout, s Session) bool {
	switch w.Kind {
	case KindRest:
		return false
	case KindStrength:
		return s.Sport == "strength"
	case KindCross:
		return s.Sport != "strength" && s.Sport != "yoga" && family(s.Sport) != family(w.Sport) && family(s.Sport) != "run"
	}
	return family(s.Sport) == family(w.Sport)
}

// Match matches finished sessions to planned workouts and computes the
// adherence of every week of the plan. A session matches a workout of a
// fitting sport on the same day or the day before or after (days in the
// plan's time zone); each workout and each session is matched once, the
// closest pairs first: a day apart costs 0.5, and the relative difference in
// distance (when both have one) or else duration costs up to 1.5, so a
// session done a day late still finds its workout when another of a very
// different size is planned on its day. Pairs are taken cheapest first, then
// two pairs swap workouts while that lowers their total cost.
func Match(p Plan, sessions []Session) Matching {
	type cand struct {
		w     *Workout
		s     *Session
		days  int
		cost  float64
		order int
	}
	byDay := map[Date][]*Workout{}
	for wi := range p.Weeks {
		for xi := range p.Weeks[wi].Workouts {
			w := &p.Weeks[wi].Workouts[xi]
			byDay[w.Date] = append(byDay[w.Date], w)
		}
	}
	var cands []cand
	for si := range sessions {
		s := &sessions[si]
		day := DateOf(s.Start, p.Location)
		for off := -1; off <= 1; off++ {
			for _, w := range byDay[day.AddDays(-off)] {
				if !fits(*w, *s) {
					continue
				}
				cands = append(cands, cand{w: w, s: s, days: off, cost: 0.5*math.Abs(float64(off)) + sizeDiff(*w, *s), order: len(cands)})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.cost, b.cost), cmp.Compare(a.order, b.order))
	})
	var m Matching
	wUsed, sUsed := map[string]bool{}, map[string]*Session{}
	for _, c := range cands {
		if wUsed[c.w.ID] || sUsed[c.s.ID] != nil {
			continue
		}
		wUsed[c.w.ID], sUsed[c.s.ID] = true, c.s
		m.Pairs = append(m.Pairs, Pair{WorkoutID: c.w.ID, SessionID: c.s.ID, Days: c.days})
	}
	// Greedy choices can cross: a long run done a day early and the easy run
	// of that day done the next. Swap two pairs while that lowers their
	// total cost.
	cost := map[[2]string]float64{}
	dayOff := map[[2]string]int{}
	for _, c := range cands {
		cost[[2]string{c.w.ID, c.s.ID}] = c.cost
		dayOff[[2]string{c.w.ID, c.s.ID}] = c.days
	}
	for changed := true; changed; {
		changed = false
		for i := range m.Pairs {
			for j := i + 1; j < len(m.Pairs); j++ {
				a, b := m.Pairs[i], m.Pairs[j]
				ay, okA := cost[[2]string{b.WorkoutID, a.SessionID}]
				bx, okB := cost[[2]string{a.WorkoutID, b.SessionID}]
				if okA && okB && ay+bx < cost[[2]string{a.WorkoutID, a.SessionID}]+cost[[2]string{b.WorkoutID, b.SessionID}]-1e-9 {
					m.Pairs[i].WorkoutID, m.Pairs[j].WorkoutID = b.WorkoutID, a.WorkoutID
					m.Pairs[i].Days, m.Pairs[j].Days = dayOff[[2]string{b.WorkoutID, a.SessionID}], dayOff[[2]string{a.WorkoutID, b.SessionID}]
					changed = true
				}
			}
		}
	}
	slices.SortFunc(m.Pairs, func(a, b Pair) int { return cmp.Compare(a.WorkoutID, b.WorkoutID) })
	done := map[string]float64{}
	for _, pr := range m.Pairs {
		done[pr.WorkoutID] = sUsed[pr.SessionID].Minutes
	}
	weekOf := map[Date]int{}
	for i, w := range p.Weeks {
		a := Adherence{Year: w.Year, Number: w.Number}
		for _, x := range w.Workouts {
			if x.Kind == KindRest || x.Kind == KindRace {
				continue
			}
			a.Planned++
			a.PlannedMinutes += x.Minutes
			if mins, ok := done[x.ID]; ok {
				a.Done++
				a.DoneMinutes += int(math.Round(mins))
			}
		}
		m.Weeks = append(m.Weeks, a)
		weekOf[w.Monday] = i
	}
	for _, s := range sessions {
		if sUsed[s.ID] != nil {
			continue
		}
		m.Extra = append(m.Extra, s.ID)
		if i, ok := weekOf[DateOf(s.Start, p.Location).Monday()]; ok {
			m.Weeks[i].ExtraMinutes += int(math.Round(s.Minutes))
		}
	}
	for i := range m.Weeks {
		m.Weeks[i].Rate = 1
		if m.Weeks[i].Planned > 0 {
			m.Weeks[i].Rate = float64(m.Weeks[i].Done) / float64(m.Weeks[i].Planned)
		}
	}
	return m
}

// sizeDiff is how far a session's size is from a workout's, relatively: by
// distance when both have one, else by duration; at most 1.5.
func sizeDiff(w Workout, s Session) float64 {
	d := 1.5
	switch {
	case w.DistanceKm > 0 && s.DistanceKm > 0:
		d = math.Abs(s.DistanceKm-w.DistanceKm) / w.DistanceKm
	case w.Minutes > 0:
		d = math.Abs(s.Minutes-float64(w.Minutes)) / float64(w.Minutes)
	}
	return math.Min(d, 1.5)
}
