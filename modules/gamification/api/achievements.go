package api

import "time"

// Subjects of the achievements' operations (they need a caller; the
// admin ones a caller with the role admin).
const (
	SubjectAchievementsList = "rpc.gamification.achievements.list" // {} → AchievementList
	SubjectMyAchievements   = "rpc.gamification.achievements.mine" // {} → MyAchievements

	SubjectAdminAchievementsList    = "rpc.gamification.admin.achievements.list"     // AdminAchievementsRequest → AdminAchievementList
	SubjectAdminAchievementCreate   = "rpc.gamification.admin.achievements.create"   // AchievementDefinition → AdminAchievement
	SubjectAdminAchievementGet      = "rpc.gamification.admin.achievements.get"      // AchievementRef → AdminAchievement
	SubjectAdminAchievementReplace  = "rpc.gamification.admin.achievements.replace"  // AchievementReplace → AdminAchievement
	SubjectAdminAchievementRetire   = "rpc.gamification.admin.achievements.retire"   // AchievementRef → {}
	SubjectAdminAchievementBackfill = "rpc.gamification.admin.achievements.backfill" // AchievementRef → Backfill
)

// AchievementRef names an achievement.
type AchievementRef struct {
	ID string `json:"id"`
}

// Hours are a span of the local day: from inclusive, to exclusive; from
// above to wraps midnight (22 to 4).
type Hours struct {
	From int `json:"from" minimum:"0" maximum:"23"`
	To   int `json:"to" minimum:"0" maximum:"24"`
}

// AchievementTier is one level of an achievement.
type AchievementTier struct {
	Name      string  `json:"name" maxLength:"32" doc:"bronze, silver, gold or the catalogue's own; the app translates tier.<name>"`
	Threshold float64 `json:"threshold" doc:"in the metric's unit; for best_effort_s the time to beat (at most)"`
	Points    int     `json:"points" required:"false" minimum:"0" maximum:"100000" doc:"0 when absent"`
}

// AchievementRule is an achievement's rule: a predicate on the user's
// history in a fixed schema, no expression language.
type AchievementRule struct {
	Metric string `json:"metric" enum:"distance_m,moving_time_s,sessions,elevation_gain_m,strength_volume_kg,session_distance_m,session_moving_time_s,session_elevation_gain_m,best_effort_s,streak_days,streak_weeks,sessions_at_hours,sports_in_week,records,challenges_completed" doc:"totals (distance_m … strength_volume_kg, over the window), a single session's best (session_*, best_effort_s: the fastest over distance_m), habits (streak_days, streak_weeks: in a row, in the user's time zone; sessions_at_hours: sessions started within hours, local time; sports_in_week), records set and challenges completed"`
	Sport  string `json:"sport,omitempty" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"only sessions of this sport; absent: every sport"`
	Window string `json:"window,omitempty" enum:"all,year,month,week" doc:"totals only: the best calendar year, month or ISO week (the user's time zone); all (default): everything"`
	// DistanceM is the distance of best_effort_s: one training measures
	// (400, 1000, 1609.344, 5000, 10000, 21097.5, 42195).
	DistanceM   float64           `json:"distance_m,omitempty" doc:"best_effort_s only: 400, 1000, 1609.344, 5000, 10000, 21097.5 or 42195"`
	Hours       *Hours            `json:"hours,omitempty" doc:"sessions_at_hours only"`
	Tiers       []AchievementTier `json:"tiers" minItems:"1" maxItems:"10" doc:"in order, each harder than the one before (a lower time for best_effort_s)"`
	RepeatEvery float64           `json:"repeat_every,omitempty" minimum:"0" doc:"totals over all time: past the last tier, earned again every repeat_every more"`
}

// AchievementDefinition is what an admin gives for an achievement.
type AchievementDefinition struct {
	ID             string          `json:"id" required:"false" doc:"the key: 3 to 64 lower case letters, digits and underscores, starting with a letter (given on create; on replace, absent or the path's)"`
	Name           string          `json:"name" doc:"in English, for logs and fallbacks; 1 to 100 characters"`
	Description    string          `json:"description,omitempty" doc:"in English; at most 500 characters"`
	NameKey        string          `json:"name_key,omitempty" doc:"the message key the app translates; default achievement.<id>.name"`
	DescriptionKey string          `json:"description_key,omitempty" doc:"default achievement.<id>.description"`
	Hidden         bool            `json:"hidden,omitempty" doc:"not listed to a user until they unlock it"`
	Rule           AchievementRule `json:"rule"`
}

// AchievementReplace replaces an achievement's definition.
type AchievementReplace struct {
	ID         string                `json:"id"`
	Definition AchievementDefinition `json:"definition"`
}

// AdminAchievementsRequest asks for the whole catalogue.
type AdminAchievementsRequest struct {
	IncludeRetired bool `json:"include_retired,omitempty"`
}

// AdminAchievement is an achievement as the admin API shows it.
type AdminAchievement struct {
	AchievementDefinition
	Version   int        `json:"version" doc:"raised by each replacement"`
	Retired   bool       `json:"retired"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Unlocks   int        `json:"unlocks" doc:"unlocks of it so far (every tier and repetition)"`
	Backfill  *Backfill  `json:"backfill,omitempty" doc:"its latest backfill; absent when none ran"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// AdminAchievementList is the whole catalogue.
type AdminAchievementList struct {
	Items []AdminAchievement `json:"items"`
}

// Backfill is a run of an achievement's rule over every user's history.
type Backfill struct {
	ID            string     `json:"id" format:"uuid"`
	AchievementID string     `json:"achievement_id"`
	Version       int        `json:"version" doc:"the achievement's version it applies"`
	State         string     `json:"state" enum:"running,done"`
	Users         int        `json:"users" doc:"users evaluated so far"`
	Unlocked      int        `json:"unlocked" doc:"unlocks it added (what was unlocked already is not unlocked again)"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

// Achievement is a catalogue entry as a user sees it.
type Achievement struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	NameKey        string            `json:"name_key"`
	DescriptionKey string            `json:"description_key"`
	Hidden         bool              `json:"hidden" doc:"a hidden achievement is listed only once unlocked"`
	Metric         string            `json:"metric"`
	Unit           string            `json:"unit" enum:"m,s,sessions,kg,days,weeks,sports,records,challenges" doc:"of the thresholds and values"`
	Sport          string            `json:"sport,omitempty"`
	Window         string            `json:"window,omitempty"`
	DistanceM      float64           `json:"distance_m,omitempty"`
	Hours          *Hours            `json:"hours,omitempty"`
	Tiers          []AchievementTier `json:"tiers"`
	RepeatEvery    float64           `json:"repeat_every,omitempty" doc:"earned again every repeat_every past the last tier"`
	Retired        bool              `json:"retired,omitempty" doc:"no longer unlocked (listed among your own when you unlocked it)"`
}

// AchievementList is the catalogue.
type AchievementList struct {
	Items []Achievement `json:"items"`
	// HiddenCount is how many hidden achievements remain to discover.
	HiddenCount int `json:"hidden_count" doc:"hidden achievements you have not unlocked (not listed)"`
}

// Unlock is one unlock of an achievement.
type Unlock struct {
	Tier       int       `json:"tier" doc:"1-based"`
	TierName   string    `json:"tier_name"`
	Repetition int       `json:"repetition,omitempty" doc:"a repeatable achievement's last tier: 1 the first time, 2 the next …"`
	Points     int       `json:"points"`
	UnlockedAt time.Time `json:"unlocked_at"`
	SessionID  *string   `json:"session_id" format:"uuid" doc:"the session that did it (the session of a record; after an edit or a deletion, the first session in start order with which progress reaches it); null when none did (challenges, a backfill)"`
}

// MyAchievement is an achievement with the caller's progress.
type MyAchievement struct {
	Achievement
	// Value is the metric's value over the caller's history (0: none
	// yet); TiersReached of its tiers are reached.
	Value        float64 `json:"value"`
	TiersReached int     `json:"tiers_reached"`
	Repeats      int     `json:"repeats,omitempty"`
	// Next is the next tier's threshold (or the next repetition's), with
	// its name; absent when there is none.
	NextThreshold *float64 `json:"next_threshold,omitempty"`
	NextTier      string   `json:"next_tier,omitempty"`
	Unlocked      []Unlock `json:"unlocked" doc:"oldest first"`
}

// MyAchievements is the caller's achievements, points and level.
type MyAchievements struct {
	Points int `json:"points"`
	// Level needs 50·L·(L−1) points: 1 at 0, 2 at 100, 3 at 300, 4 at
	// 600, 5 at 1,000, …
	Level           int             `json:"level" doc:"level L needs 50·L·(L−1) points: 1 at 0, 2 at 100, 3 at 300, 4 at 600 …"`
	NextLevelPoints int             `json:"next_level_points" doc:"the points the next level needs"`
	Items           []MyAchievement `json:"items" doc:"every achievement listed (hidden ones once unlocked), with progress and unlocks"`
	HiddenCount     int             `json:"hidden_count" doc:"hidden achievements not unlocked yet"`
}
