package plan

import (
	"testing"
	"time"
)

// BenchmarkBuild builds a 20-week marathon plan on six days (issue 12's
// figure: plan generation under 20 ms).
func BenchmarkBuild(b *testing.B) {
	loc := paris(b)
	req := race(RaceMarathon, "2026-10-11", []time.Weekday{mon, tue, wed, thu, sat, sun}, 150)
	a := Athlete{VDOT: 50, WeeklyMinutes: 300, LongestMinutes: 100, MaxHR: 190, RestingHR: 50}
	today := day(b, "2026-05-20")
	for b.Loop() {
		if _, err := Build(req, a, today, loc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildInfeasible measures the slow path: a marathon too soon, with
// the search for the earliest safe date and a shorter race.
func BenchmarkBuildInfeasible(b *testing.B) {
	loc := paris(b)
	req := race(RaceMarathon, "2026-05-10", []time.Weekday{tue, thu, sat, sun}, 150)
	a := Athlete{WeeklyMinutes: 150, LongestMinutes: 60}
	today := day(b, "2026-03-02")
	for b.Loop() {
		if _, err := Build(req, a, today, loc); err == nil {
			b.Fatal("feasible")
		}
	}
}

// BenchmarkBuildInfeasibleCombined measures the slowest path: a 5 km in a
// week from nothing on three days of 30 minutes, where no single change
// works and pairs of changes are searched.
func BenchmarkBuildInfeasibleCombined(b *testing.B) {
	loc := paris(b)
	req := race(Race5K, "2026-03-09", []time.Weekday{tue, thu, sat}, 30)
	today := day(b, "2026-03-02")
	for b.Loop() {
		if _, err := Build(req, Athlete{}, today, loc); err == nil {
			b.Fatal("feasible")
		}
	}
}

// BenchmarkAdapt adapts a half-marathon plan three weeks in after a week of
// missed workouts (match, detection and re-plan).
func BenchmarkAdapt(b *testing.B) {
	p := halfPlan(b)
	today := day(b, "2026-03-23")
	skip := map[string]bool{}
	for _, w := range p.Weeks[2].Workouts {
		if w.Kind != KindLong && w.Kind != KindRest {
			skip[w.ID] = true
		}
	}
	sessions := done(p, p.From, today, skip, nil)
	for b.Loop() {
		if _, ch, err := Adapt(p, sessions, today); err != nil || len(ch) == 0 {
			b.Fatal(err, ch)
		}
	}
}
