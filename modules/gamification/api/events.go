package api

import "time"

// Events the gamification module publishes (stream EVT_GAMIFICATION),
// through its outbox.
const (
	// EventAchievementUnlocked (AchievementUnlocked): a user reached a tier
	// of an achievement, once per user, achievement and tier (and, for a
	// repeatable one, per repetition).
	EventAchievementUnlocked = "evt.gamification.achievement.unlocked"
	// EventChallengeJoined and EventChallengeLeft (ChallengeMember): a user
	// joined or left a challenge.
	EventChallengeJoined = "evt.gamification.challenge.joined"
	EventChallengeLeft   = "evt.gamification.challenge.left"
	// EventChallengeCompleted (ChallengeCompleted): a participant
	// completed a challenge: reached its target, or, for a challenge
	// without one, was ranked when it ended.
	EventChallengeCompleted = "evt.gamification.challenge.completed"
)

// AchievementUnlocked is the payload of EventAchievementUnlocked.
type AchievementUnlocked struct {
	UserID        string `json:"user_id"`
	AchievementID string `json:"achievement_id" doc:"the achievement's key, e.g. run_distance_total"`
	// Name is the achievement's name in English, for logs and fallbacks;
	// NameKey is the message key an app translates.
	Name    string `json:"name"`
	NameKey string `json:"name_key"`
	// Tier is 1-based; TierName is bronze, silver, gold (or the catalogue's
	// own names); Repetition counts unlocks of a repeatable tier (1 first).
	Tier       int    `json:"tier"`
	TierName   string `json:"tier_name,omitempty"`
	Repetition int    `json:"repetition,omitempty"`
	Points     int    `json:"points"`
	Hidden     bool   `json:"hidden,omitempty"`
	// SessionID is the session that unlocked it (absent when none did, e.g.
	// a backfill of several sessions or a challenge completion).
	SessionID  string    `json:"session_id,omitempty"`
	UnlockedAt time.Time `json:"unlocked_at"`
}

// ChallengeMember is the payload of EventChallengeJoined and
// EventChallengeLeft.
type ChallengeMember struct {
	ChallengeID string    `json:"challenge_id"`
	UserID      string    `json:"user_id"`
	GroupID     string    `json:"group_id,omitempty" doc:"the group the challenge belongs to; absent for a global challenge"`
	TeamID      string    `json:"team_id,omitempty" doc:"the participant's team in a team challenge"`
	At          time.Time `json:"at"`
}

// ChallengeCompleted is the payload of EventChallengeCompleted.
type ChallengeCompleted struct {
	ChallengeID string `json:"challenge_id"`
	Title       string `json:"title"`
	Kind        string `json:"kind" enum:"most_activity,group_goal,fastest_effort,longest_session"`
	UserID      string `json:"user_id"`
	GroupID     string `json:"group_id,omitempty"`
	TeamID      string `json:"team_id,omitempty"`
	// Rank is the participant's (or their team's) final rank, 0 when the
	// challenge completes on reaching a target rather than by ranking.
	Rank int `json:"rank,omitempty"`
	// Value is what the participant (or team) achieved, in Unit (m, s,
	// sessions, days).
	Value       float64   `json:"value"`
	Unit        string    `json:"unit"`
	CompletedAt time.Time `json:"completed_at"`
}
