package api

import "time"

// SubjectLeaderboardGet answers a leaderboard (LeaderboardRequest →
// Leaderboard); it needs a caller.
const SubjectLeaderboardGet = "rpc.gamification.leaderboards.get"

// EventLeaderboardChanged (LeaderboardChanged) is internal to the module:
// the durable appliers put one in the outbox per batch whose totals they
// changed, and every process running the module follows them (a consumer
// of its own, not a durable one) to keep its in-memory boards.
const EventLeaderboardChanged = "evt.gamification.leaderboard.changed"

// LeaderboardChanged says whose totals (or listing: country, opt-out)
// changed, in which slots (none: in every slot).
type LeaderboardChanged struct {
	Slots []int32  `json:"slots,omitempty"`
	Users []string `json:"users"`
}

// LeaderboardRequest asks for a leaderboard. Empty fields take their
// defaults (distance, week, global, every sport, 50, 2, now).
type LeaderboardRequest struct {
	Metric     string `json:"metric,omitempty"`
	Period     string `json:"period,omitempty"`
	Scope      string `json:"scope,omitempty"`
	Sport      string `json:"sport,omitempty"`
	Limit      int    `json:"limit,omitempty"`
	Neighbours *int   `json:"neighbours,omitempty"`
	At         string `json:"at,omitempty"`
}

// Leaderboard is a board's top, and the caller's place with their
// neighbours.
type Leaderboard struct {
	Metric string  `json:"metric" enum:"distance,time,sessions,elevation,points"`
	Unit   string  `json:"unit" doc:"the values' unit: m (distance, elevation), s (moving time), or empty for counts (sessions, points)"`
	Step   float64 `json:"step" doc:"the values' resolution: users within one step tie (10 m for distance, 1 s for time, 1 m for elevation, 1 for counts)"`
	Period string  `json:"period" enum:"week,month,year,all"`
	// PeriodStart and PeriodEnd (exclusive) bound the period, in UTC: ISO
	// weeks from Monday 00:00, calendar months and years; null for all.
	PeriodStart *time.Time `json:"period_start" doc:"the period's start, UTC (ISO week from Monday 00:00, calendar month or year); null for all time"`
	PeriodEnd   *time.Time `json:"period_end" doc:"the period's end (exclusive), UTC; null for all time"`
	Scope       string     `json:"scope" doc:"global, country:<ISO 3166-1 alpha-2> (the caller's country), or group:<id>"`
	Sport       string     `json:"sport" doc:"the sport counted; empty for every sport"`
	// Total is how many users are on the board (opted-out users are not).
	Total int64            `json:"total" doc:"users on the board (users who opted out are not counted)"`
	Items []LeaderboardRow `json:"items" doc:"the top, best first; users with the same value share a rank"`
	Me    LeaderboardMe    `json:"me"`
	// Neighbours are the users just above and below the caller (the caller
	// included, in order), empty when the caller is not on the board.
	Neighbours []LeaderboardRow `json:"neighbours" doc:"the users just above and below you, you included, best first; empty when you are not on the board"`
}

// LeaderboardRow is a user's place on a board.
type LeaderboardRow struct {
	Rank        int64   `json:"rank" doc:"one more than the users with a higher value"`
	UserID      string  `json:"user_id" format:"uuid"`
	DisplayName string  `json:"display_name"`
	Value       float64 `json:"value" doc:"in unit, rounded down to step"`
}

// LeaderboardMe is the caller's own place.
type LeaderboardMe struct {
	Rank   *int64  `json:"rank" doc:"your rank; null when you are not on the board (nothing counted yet, or you opted out)"`
	Value  float64 `json:"value" doc:"your value, in unit, rounded down to step"`
	Listed bool    `json:"listed" doc:"false when you opted out of leaderboards (profile privacy), or your profile has not reached the leaderboards yet: others do not see you"`
}
