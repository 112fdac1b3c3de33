package plan

import (
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Paris")
	today := Date{2026, 3, 4}
	req := Request{Sport: "run", Goal: Goal{Kind: GoalRace, Distance: RaceMarathon, Date: today.AddDays(7 * 16)},
		Schedule: Schedule{Days: []time.Weekday{time.Tuesday, time.Thursday, time.Saturday, time.Sunday}, MaxMinutes: 150}}
	a := Athlete{VDOT: 45, WeeklyMinutes: 240, LongestMinutes: 90, MaxHR: 190}
	p, err := Build(req, a, today, loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + summary(p))
	requireSafe(t, p)
}
