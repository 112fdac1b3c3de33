package api

import "time"

// SubjectFeed is the caller's feed (needs a caller).
const SubjectFeed = "rpc.social.feed.get" // FeedRequest → FeedPage

// Kinds of feed items.
const (
	FeedSession = "session" // a finished session
	FeedRecords = "records" // the personal records a session set
	// FeedUnlock: an achievement a session unlocked.
	FeedUnlock = "achievement"
)

// FeedRequest asks for a page of the caller's feed.
type FeedRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// FeedItem is a card of the feed: a finished session of a followed
// athlete or a member of one of the caller's groups, or the personal
// records one of their sessions set.
type FeedItem struct {
	ID          string       `json:"id" format:"uuid"`
	Kind        string       `json:"kind" enum:"session,records,achievement"`
	OwnerID     string       `json:"owner_id" format:"uuid"`
	OwnerName   string       `json:"owner_name"`
	SessionID   string       `json:"session_id" format:"uuid" doc:"GET /v1/sessions/{id} for the whole session"`
	Sport       string       `json:"sport"`
	Title       string       `json:"title"`
	StartedAt   time.Time    `json:"started_at"`
	DistanceM   float64      `json:"distance_m"`
	MovingTimeS float64      `json:"moving_time_s"`
	Visibility  string       `json:"visibility" enum:"followers,public"`
	At          time.Time    `json:"at" doc:"when the session was finished, the records set or the achievement unlocked: the feed's order"`
	Records     []FeedRecord `json:"records,omitempty" doc:"kind records: the records the session set"`
	// Achievement is, for kind achievement, what the session unlocked.
	Achievement *FeedAchievement `json:"achievement,omitempty" doc:"kind achievement: the achievement the session unlocked"`
}

// FeedAchievement is the achievement of an achievement card.
type FeedAchievement struct {
	AchievementID string `json:"achievement_id"`
	Name          string `json:"name" doc:"in English; name_key is the message key an app translates"`
	NameKey       string `json:"name_key"`
	Tier          int    `json:"tier" minimum:"1"`
	TierName      string `json:"tier_name,omitempty"`
	Points        int    `json:"points"`
}

// FeedRecord is one personal record of a records card.
type FeedRecord struct {
	Kind      string  `json:"kind" enum:"best_effort,e1rm,max_weight"`
	DistanceM float64 `json:"distance_m,omitempty" doc:"best_effort: the distance"`
	Exercise  string  `json:"exercise,omitempty" doc:"e1rm, max_weight: the exercise"`
	Value     float64 `json:"value" doc:"best_effort: seconds; e1rm, max_weight: kg"`
	Previous  float64 `json:"previous" doc:"the record it beat"`
}

// FeedPage is a page of the feed, newest first.
type FeedPage struct {
	Items      []FeedItem `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}
