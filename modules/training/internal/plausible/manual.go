package plausible

import (
	"math"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Bounds of a session entered by hand.
const (
	// MaxElapsed is the longest session: a week (the longest single-stage
	// mountain ultras, such as the 330 km Tor des Géants, take up to 150
	// hours).
	MaxElapsed = 7 * 24 * time.Hour
	// MaxDistanceM is the longest distance, 5,000 km.
	MaxDistanceM = 5_000_000
	// MaxElevationGainM is the most climb, 50 km (the Tor des Géants has 24 km).
	MaxElevationGainM = 50_000
	// MaxCaloriesKcal is the most energy, 50,000 kcal.
	MaxCaloriesKcal = 50_000
	// FutureSlack lets a phone's clock run a little ahead of the server's.
	FutureSlack = 2 * time.Minute
)

// Manual is a session entered by hand (or recorded without GPS): its
// start and elapsed time, and what the user knows of the rest (nil:
// unknown). Moving time is the elapsed time unless given.
type Manual struct {
	Sport          string
	StartedAt      time.Time
	ElapsedS       float64
	MovingS        *float64
	DistanceM      *float64
	ElevationGainM *float64
	AvgHRBpm       *float64
	MaxHRBpm       *int
	CaloriesKcal   *float64
	// PerceivedEffort is Foster's CR-10, 0 (rest) to 10 (maximal).
	PerceivedEffort *int
}

// Validate checks a manual session at now; the error is a *fielderr.Error
// naming the field (started_at, elapsed_time_s, moving_time_s,
// distance_m, elevation_gain_m, avg_hr_bpm, max_hr_bpm, calories_kcal,
// perceived_effort). A speed beyond the sport's ceiling is an error of
// distance_m: entered by hand, it is a typing slip, refused rather than
// stored as implausible.
func (m Manual) Validate(now time.Time) error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case m.StartedAt.IsZero():
		return fielderr.New("started_at", "is required with elapsed_time_s")
	case m.StartedAt.After(now.Add(FutureSlack)):
		return fielderr.New("started_at", "must not be in the future")
	case m.StartedAt.Year() < 1980:
		return fielderr.New("started_at", "must be after 1980")
	case !finite(m.ElapsedS) || m.ElapsedS <= 0 || m.ElapsedS > MaxElapsed.Seconds():
		return fielderr.New("elapsed_time_s", "must be more than 0 and at most %d s (a week)", int(MaxElapsed.Seconds()))
	case m.MovingS != nil && (!finite(*m.MovingS) || *m.MovingS < 0):
		return fielderr.New("moving_time_s", "must be 0 or more")
	case m.MovingS != nil && *m.MovingS > m.ElapsedS:
		return fielderr.New("moving_time_s", "must not exceed elapsed_time_s")
	case m.DistanceM != nil && (!finite(*m.DistanceM) || *m.DistanceM < 0 || *m.DistanceM > MaxDistanceM):
		return fielderr.New("distance_m", "must be between 0 and %d m", MaxDistanceM)
	case m.ElevationGainM != nil && (!finite(*m.ElevationGainM) || *m.ElevationGainM < 0 || *m.ElevationGainM > MaxElevationGainM):
		return fielderr.New("elevation_gain_m", "must be between 0 and %d m", MaxElevationGainM)
	case m.AvgHRBpm != nil && (!finite(*m.AvgHRBpm) || *m.AvgHRBpm < MinAvgHR || *m.AvgHRBpm > MaxHR):
		return fielderr.New("avg_hr_bpm", "must be between %d and %d", MinAvgHR, MaxHR)
	case m.MaxHRBpm != nil && (*m.MaxHRBpm < MinAvgHR || *m.MaxHRBpm > MaxHR):
		return fielderr.New("max_hr_bpm", "must be between %d and %d", MinAvgHR, MaxHR)
	case m.AvgHRBpm != nil && m.MaxHRBpm != nil && *m.AvgHRBpm > float64(*m.MaxHRBpm):
		return fielderr.New("avg_hr_bpm", "must not exceed max_hr_bpm")
	case m.CaloriesKcal != nil && (!finite(*m.CaloriesKcal) || *m.CaloriesKcal < 0 || *m.CaloriesKcal > MaxCaloriesKcal):
		return fielderr.New("calories_kcal", "must be between 0 and %d", MaxCaloriesKcal)
	case m.PerceivedEffort != nil && (*m.PerceivedEffort < 0 || *m.PerceivedEffort > 10):
		return fielderr.New("perceived_effort", "must be 0 (rest) to 10 (maximal) on Foster's CR-10")
	}
	if v := Check(m.Figures()); !v.Plausible {
		return fielderr.New("distance_m", "%.1f km in %s is faster than any athlete of the sport (%s)",
			*m.DistanceM/1000, time.Duration(m.Moving()*float64(time.Second)).Round(time.Second), v.Reason)
	}
	return nil
}

// Moving is the moving time: as given, else the elapsed time.
func (m Manual) Moving() float64 {
	if m.MovingS != nil {
		return *m.MovingS
	}
	return m.ElapsedS
}

// Figures are the session's figures for Check.
func (m Manual) Figures() Figures {
	f := Figures{Sport: m.Sport, ElapsedS: m.ElapsedS, MovingS: m.Moving(), AvgHRBpm: m.AvgHRBpm, MaxHRBpm: m.MaxHRBpm}
	if m.DistanceM != nil {
		f.DistanceM = *m.DistanceM
	}
	return f
}
