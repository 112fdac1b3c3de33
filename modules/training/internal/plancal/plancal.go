// Package plancal writes a training plan as an iCalendar document (RFC
// 5545) for calendar apps: one all-day event per workout, rest days left
// out. It uses github.com/arran4/golang-ical, which escapes text values
// (RFC 5545 §3.3.11), folds lines at 75 octets without splitting a UTF-8
// sequence (§3.1) and, asked to, ends lines with CRLF.
package plancal

import (
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/athlos/athlos/modules/training/internal/plan"
)

// Write writes p as an iCalendar document to w. planID makes the events'
// UIDs (planID/workoutID@athlos: stable, so that a calendar subscribed to
// the plan updates its events when the plan adapts); stamp is the DTSTAMP
// of every event (when the document is made).
func Write(w io.Writer, p plan.Plan, planID string, stamp time.Time) error {
	cal := ics.NewCalendarFor("Athlos//Training plan//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(title(p))
	for _, x := range p.Workouts() {
		if x.Kind == plan.KindRest {
			continue
		}
		e := cal.AddEvent(planID + "/" + x.ID + "@athlos")
		e.SetDtStampTime(stamp)
		day := time.Date(x.Date.Year, x.Date.Month, x.Date.Day, 0, 0, 0, 0, time.UTC)
		e.SetAllDayStartAt(day)
		e.SetAllDayEndAt(day.AddDate(0, 0, 1)) // DTEND of an all-day event is the next day (§3.6.1)
		e.SetSummary(summary(x))
		e.SetDescription(description(x))
		e.SetProperty(ics.ComponentPropertyCategories, string(x.Kind))
		e.SetProperty(ics.ComponentPropertyTransp, "TRANSPARENT") // a workout does not block the day
	}
	if err := cal.SerializeTo(w, ics.WithNewLineWindows); err != nil {
		return fmt.Errorf("write plan calendar: %w", err)
	}
	return nil
}

// names are the workout kinds in the calendar's words.
var names = map[plan.Kind]string{
	plan.KindEasy: "Easy", plan.KindLong: "Long", plan.KindTempo: "Tempo", plan.KindIntervals: "Intervals",
	plan.KindRecovery: "Recovery", plan.KindStrength: "Strength", plan.KindCross: "Cross-training", plan.KindRace: "Race",
}

func title(p plan.Plan) string {
	g := p.Request.Goal
	switch g.Kind {
	case plan.GoalRace:
		return fmt.Sprintf("Athlos: %s on %s", g.Distance, g.Date)
	case plan.GoalVolume:
		return fmt.Sprintf("Athlos: %d minutes a week", g.WeeklyMinutes)
	}
	return "Athlos: fitness"
}

// summary is the event's title: "Tempo run, 45 min".
func summary(x plan.Workout) string {
	s := names[x.Kind] + " " + strings.ReplaceAll(x.Sport, "_", " ")
	if x.Kind == plan.KindRace {
		s = fmt.Sprintf("Race: %g km", x.DistanceKm)
	}
	if x.Minutes > 0 {
		s += fmt.Sprintf(", %d min", x.Minutes)
	}
	return s
}

// description is the event's details: the key work, distance, paces and
// heart rates.
func description(x plan.Workout) string {
	var lines []string
	if x.Reps > 0 {
		lines = append(lines, fmt.Sprintf("%d × %d min at %s pace (%d min of the session)", x.Reps, x.RepMinutes, x.Intensity, x.Minutes))
	} else if x.Intensity != "" {
		lines = append(lines, fmt.Sprintf("%d min at %s pace", x.Minutes, x.Intensity))
	}
	if x.DistanceKm > 0 {
		lines = append(lines, fmt.Sprintf("Distance: about %.1f km", x.DistanceKm))
	}
	if x.Pace != nil {
		lines = append(lines, fmt.Sprintf("Pace: %s–%s per km", clock(x.Pace.Fast), clock(x.Pace.Slow)))
	}
	if x.HR != nil {
		lines = append(lines, fmt.Sprintf("Heart rate: %d–%d bpm", x.HR.Low, x.HR.High))
	}
	return strings.Join(lines, "\n")
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
