package api

import "time"

// Challenges' operations (rpc.gamification.challenges.*), answered by the
// module; the front forwards /v1/challenges to them.
const (
	SubjectChallengeCreate      = "rpc.gamification.challenges.create"      // ChallengeCreate → Challenge
	SubjectChallengeList        = "rpc.gamification.challenges.list"        // ChallengeListRequest → ChallengeList
	SubjectChallengeGet         = "rpc.gamification.challenges.get"         // ChallengeRef → Challenge
	SubjectChallengeJoin        = "rpc.gamification.challenges.join"        // ChallengeJoin → Challenge
	SubjectChallengeLeave       = "rpc.gamification.challenges.leave"       // ChallengeRef → {}
	SubjectChallengeLeaderboard = "rpc.gamification.challenges.leaderboard" // ChallengeLeaderboardRequest → ChallengeLeaderboard
)

// ChallengeCreate is the body of POST /v1/challenges.
type ChallengeCreate struct {
	Title       string    `json:"title" minLength:"1" maxLength:"100"`
	Description string    `json:"description,omitempty" maxLength:"2000"`
	Kind        string    `json:"kind" enum:"most_activity,group_goal,fastest_effort,longest_session"`
	Metric      string    `json:"metric,omitempty" enum:"distance,moving_time,sessions,elevation,active_days" doc:"most_activity and group_goal: what adds up; longest_session: distance (default) or moving_time; none for fastest_effort"`
	Effort      string    `json:"effort,omitempty" enum:"400m,1k,1mile,5k,10k,half_marathon,marathon" doc:"fastest_effort: the distance timed (a session's best effort over it)"`
	Target      *float64  `json:"target,omitempty" exclusiveMinimum:"0" maximum:"1000000000000" doc:"in the challenge's unit: group_goal's total (required); for the other kinds an optional personal target (fastest_effort: seconds, at most)"`
	Sport       string    `json:"sport,omitempty" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"only sessions of this sport count; every sport without it"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at" doc:"after starts_at, at least 1 hour and at most 366 days later, and in the future"`
	GroupID     string    `json:"group_id,omitempty" format:"uuid" doc:"the group the challenge is for (its owner and admins create it); absent: a global challenge (platform admins)"`
	TeamMode    string    `json:"team_mode,omitempty" enum:"none,groups,teams" doc:"none (default); groups: each listed group is a team; teams: named teams inside group_id"`
	TeamGroups  []string  `json:"team_groups,omitempty" maxItems:"50" doc:"team_mode groups: 2–50 groups (including group_id when given), each owned or administered by the creator unless a platform admin (403 otherwise)"`
	TeamNames   []string  `json:"team_names,omitempty" maxItems:"50" doc:"team_mode teams: 2–50 team names; team_mode groups: optional names of the team_groups, in their order"`
}

// ChallengeRef names a challenge.
type ChallengeRef struct {
	ID string `json:"id"`
}

// ChallengeJoin is a request to join a challenge, with the team chosen
// (team challenges; absent: the system assigns one).
type ChallengeJoin struct {
	ID     string `json:"id"`
	TeamID string `json:"team_id,omitempty"`
}

// ChallengeJoinBody is the optional body of POST /v1/challenges/{id}/join.
type ChallengeJoinBody struct {
	TeamID string `json:"team_id,omitempty" format:"uuid" doc:"the team to join (a team challenge); absent: a group-vs-group challenge takes your group (you choose when you are in several), a challenge of teams inside a group puts you in the team with the fewest members (ties: the first named)"`
}

// ChallengeListRequest asks for a page of challenges.
type ChallengeListRequest struct {
	Filter string `json:"filter,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// Challenge is a challenge as its viewer sees it.
type Challenge struct {
	ID            string    `json:"id" format:"uuid"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	Kind          string    `json:"kind" enum:"most_activity,group_goal,fastest_effort,longest_session"`
	Metric        string    `json:"metric,omitempty" enum:"distance,moving_time,sessions,elevation,active_days"`
	Effort        string    `json:"effort,omitempty" enum:"400m,1k,1mile,5k,10k,half_marathon,marathon"`
	Unit          string    `json:"unit" enum:"m,s,sessions,days" doc:"the unit of target, values and total"`
	LowerIsBetter bool      `json:"lower_is_better" doc:"fastest_effort: the lowest time ranks first"`
	Target        *float64  `json:"target,omitempty"`
	Sport         string    `json:"sport,omitempty"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	GroupID       string    `json:"group_id,omitempty" format:"uuid"`
	TeamMode      string    `json:"team_mode" enum:"none,groups,teams"`
	State         string    `json:"state" enum:"upcoming,active,completed,finalising,ended" doc:"completed: a group goal reached; finalising: the end passed, sessions that started inside the window and arrive late still count for 48 h (then ended: final)"`
	Participants  int       `json:"participants"`
	// Total is everyone's total of a group_goal.
	Total       *float64        `json:"total,omitempty" doc:"group_goal: everyone's total toward target"`
	CompletedAt *time.Time      `json:"completed_at,omitempty" doc:"when a group goal was reached"`
	Teams       []ChallengeTeam `json:"teams" doc:"team challenges: the teams, in the order they were named"`
	CreatedBy   string          `json:"created_by" format:"uuid"`
	CreatedAt   time.Time       `json:"created_at"`
	// You is the caller's participation, absent when not joined.
	You *ChallengeParticipation `json:"you,omitempty"`
}

// ChallengeTeam is a team of a challenge.
type ChallengeTeam struct {
	ID      string   `json:"id" format:"uuid" doc:"the group's id for team_mode groups"`
	Name    string   `json:"name"`
	GroupID string   `json:"group_id,omitempty" format:"uuid"`
	Members int      `json:"members"`
	Value   *float64 `json:"value,omitempty" doc:"the team's value: members' totals added; a fastest_effort's fastest member, a longest_session's longest"`
}

// ChallengeParticipation is a participant's standing in a challenge.
type ChallengeParticipation struct {
	TeamID      string     `json:"team_id,omitempty" format:"uuid"`
	JoinedAt    time.Time  `json:"joined_at" doc:"sessions started before it don't count"`
	Value       *float64   `json:"value,omitempty" doc:"absent until a session counted"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// ChallengeList is a page of challenges.
type ChallengeList struct {
	Items      []Challenge `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// ChallengeLeaderboardRequest asks for a page of a challenge's
// leaderboard, of individuals or of teams.
type ChallengeLeaderboardRequest struct {
	ID     string `json:"id"`
	Board  string `json:"board,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// ChallengeLeaderboard is a page of a challenge's leaderboard, best
// first, with the caller's (or the caller's team's) entry.
type ChallengeLeaderboard struct {
	ChallengeID   string           `json:"challenge_id" format:"uuid"`
	Board         string           `json:"board" enum:"individuals,teams"`
	Unit          string           `json:"unit" enum:"m,s,sessions,days"`
	LowerIsBetter bool             `json:"lower_is_better"`
	Ranked        int              `json:"ranked" doc:"entries with a value (the others are not listed)"`
	Items         []ChallengeEntry `json:"items"`
	NextCursor    *string          `json:"next_cursor"`
	You           *ChallengeEntry  `json:"you,omitempty" doc:"your entry (individuals) or your team's (teams), when you take part; rank absent while you have no value"`
}

// ChallengeEntry is one line of a leaderboard: the same value, the same
// rank ("1, 2, 2, 4").
type ChallengeEntry struct {
	Rank    int      `json:"rank,omitempty"`
	UserID  string   `json:"user_id,omitempty" format:"uuid"`
	TeamID  string   `json:"team_id,omitempty" format:"uuid"`
	Name    string   `json:"name,omitempty" doc:"the user's display name, or the team's name"`
	Members int      `json:"members,omitempty" doc:"teams: members"`
	Value   *float64 `json:"value,omitempty"`
}
