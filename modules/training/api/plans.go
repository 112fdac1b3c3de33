package api

import "time"

// Subjects of the training plans (they need a caller).
const (
	SubjectPlanCreate     = "rpc.training.plans.create"      // PlanCreate → Plan
	SubjectPlanList       = "rpc.training.plans.list"        // PlanListRequest → PlanList
	SubjectPlanGet        = "rpc.training.plans.get"         // PlanGetRequest → Plan
	SubjectPlanPatch      = "rpc.training.plans.patch"       // PlanPatchRequest → Plan
	SubjectPlanDelete     = "rpc.training.plans.delete"      // PlanRef → Empty
	SubjectPlanCalendar   = "rpc.training.plans.calendar"    // PlanRef → iCalendar bytes (RFC 5545)
	SubjectPlanFeedCreate = "rpc.training.plans.feed.create" // PlanRef → PlanFeed
	SubjectPlanFeedDelete = "rpc.training.plans.feed.delete" // PlanRef → Empty
	// SubjectPlanFeedCalendar needs no caller: the token is the right to
	// read.
	SubjectPlanFeedCalendar = "rpc.training.plans.feed.calendar" // PlanFeedRef → iCalendar bytes
)

// PlanCreate asks for a training plan.
type PlanCreate struct {
	Sport    string       `json:"sport,omitempty" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski" doc:"the plan's main sport (default run; race goals are running races)"`
	Goal     PlanGoal     `json:"goal"`
	Health   PlanHealth   `json:"health,omitempty"`
	Schedule PlanSchedule `json:"schedule"`
}

// PlanGoal is what a plan aims at.
type PlanGoal struct {
	Kind          string `json:"kind" enum:"race,volume,fitness" doc:"a race on a date, a weekly volume to reach and hold, or general fitness"`
	Distance      string `json:"distance,omitempty" enum:"5k,10k,half_marathon,marathon" doc:"race goals: the race distance"`
	Date          string `json:"date,omitempty" format:"date" doc:"race goals: the race day (YYYY-MM-DD, in the user's time zone)"`
	TargetTimeS   int    `json:"target_time_s,omitempty" minimum:"0" maximum:"86400" doc:"race goals: the target time in seconds (optional)"`
	WeeklyMinutes int    `json:"weekly_minutes,omitempty" minimum:"0" maximum:"1200" doc:"volume goals: the weekly minutes of the plan's sport to reach and hold"`
	Weeks         int    `json:"weeks,omitempty" minimum:"0" maximum:"52" doc:"volume and fitness goals: how many ISO weeks (Monday to Sunday) the plan lasts, the current one included (default 12)"`
}

// PlanHealth is what the user says of their health.
type PlanHealth struct {
	RestingHRBpm int      `json:"resting_hr_bpm,omitempty" minimum:"0" maximum:"150" doc:"overrides the profile's resting heart rate"`
	Limitations  []string `json:"limitations,omitempty" maxItems:"8" enum:"knee,shin,achilles,foot,hip,back,heart,pregnancy" doc:"injuries or conditions the plan works around"`
	Feeling      string   `json:"feeling,omitempty" enum:"good,tired,sore,unwell" doc:"how the user feels now (default good)"`
}

// PlanSchedule is when the user can train.
type PlanSchedule struct {
	Days       []string `json:"days" minItems:"1" maxItems:"7" enum:"monday,tuesday,wednesday,thursday,friday,saturday,sunday" doc:"the days of the week the user can train"`
	MaxMinutes int      `json:"max_minutes" minimum:"1" maximum:"1440" doc:"the most minutes of training on one day"`
	LongDay    string   `json:"long_day,omitempty" enum:"monday,tuesday,wednesday,thursday,friday,saturday,sunday" doc:"the day of the long session (default: the last available day of the week)"`
}

// PlanAthlete is the athlete's state the plan was laid from, computed from
// the user's sessions and profile.
type PlanAthlete struct {
	VDOT           *float64 `json:"vdot" doc:"Daniels–Gilbert VDOT of the best effort of the last 90 days (null: unknown; paces then not given)"`
	MaxHRBpm       *int     `json:"max_hr_bpm" doc:"from the profile"`
	RestingHRBpm   *int     `json:"resting_hr_bpm" doc:"from the request, else the profile"`
	WeeklyMinutes  float64  `json:"weekly_minutes" doc:"the largest of the last four weeks of the plan's sport"`
	LongestMinutes float64  `json:"longest_minutes" doc:"the longest session of the plan's sport in the past 30 days"`
}

// PlanExplanation is a message for the app to translate: a key and its
// parameters.
type PlanExplanation struct {
	Key    string         `json:"key" doc:"e.g. plan.adapt.missed, plan.adapt.spike, plan.adapt.schedule, plan.adapt.goal_at_risk"`
	Params map[string]any `json:"params"`
}

// PlanChange is a change made to a plan, with its explanation.
type PlanChange struct {
	At           time.Time         `json:"at"`
	Explanations []PlanExplanation `json:"explanations"`
}

// PlanPace is a pace range, seconds per kilometre.
type PlanPace struct {
	FastSPerKm int `json:"fast_s_per_km"`
	SlowSPerKm int `json:"slow_s_per_km"`
}

// PlanHR is a heart-rate range.
type PlanHR struct {
	LowBpm  int `json:"low_bpm"`
	HighBpm int `json:"high_bpm"`
}

// PlanWorkout is a planned workout.
type PlanWorkout struct {
	ID          string    `json:"id" doc:"stable within the plan"`
	Date        string    `json:"date" format:"date"`
	Kind        string    `json:"kind" enum:"easy,long,tempo,intervals,recovery,strength,cross_training,rest,race"`
	Sport       string    `json:"sport"`
	Minutes     int       `json:"minutes" doc:"target duration (for the race: the predicted or target time; 0 when unknown)"`
	WorkMinutes int       `json:"work_minutes,omitempty" doc:"time at the key intensity (tempo, intervals)"`
	Reps        int       `json:"reps,omitempty"`
	RepMinutes  int       `json:"rep_minutes,omitempty"`
	Intensity   string    `json:"intensity,omitempty" doc:"Daniels' intensity of the key work: E, M, T, I or R"`
	DistanceKm  float64   `json:"distance_km,omitempty" doc:"target distance, when paces are known"`
	Pace        *PlanPace `json:"pace,omitempty" doc:"pace range of the key work"`
	HR          *PlanHR   `json:"hr,omitempty" doc:"heart-rate range of the key work"`
	SessionID   *string   `json:"session_id" doc:"the finished session matched to it, if any"`
}

// PlanAdherence is how much of a week's planned training was done.
type PlanAdherence struct {
	Planned        int     `json:"planned" doc:"planned workouts (rest days and the race excluded)"`
	Done           int     `json:"done" doc:"of them, matched to a finished session"`
	PlannedMinutes int     `json:"planned_minutes"`
	DoneMinutes    int     `json:"done_minutes"`
	ExtraMinutes   int     `json:"extra_minutes" doc:"minutes of the week's sessions that matched no workout"`
	Rate           float64 `json:"rate" doc:"done / planned (1 when nothing is planned)"`
}

// PlanWeek is one ISO week of a plan.
type PlanWeek struct {
	Year      int           `json:"year" doc:"ISO year"`
	Week      int           `json:"week" doc:"ISO week number"`
	Monday    string        `json:"monday" format:"date"`
	Phase     string        `json:"phase" enum:"base,build,peak,taper"`
	Recovery  bool          `json:"recovery" doc:"a lighter week"`
	Minutes   int           `json:"minutes" doc:"planned minutes of the plan's sport"`
	Adherence PlanAdherence `json:"adherence"`
	Workouts  []PlanWorkout `json:"workouts"`
}

// Plan is a training plan with its calendar.
type Plan struct {
	ID        string            `json:"id" format:"uuid"`
	State     string            `json:"state" enum:"active,replaced,ended" doc:"one plan is active at a time: a new plan replaces the active one; a plan past its last day has ended"`
	Sport     string            `json:"sport"`
	Goal      PlanGoal          `json:"goal"`
	Health    PlanHealth        `json:"health"`
	Schedule  PlanSchedule      `json:"schedule"`
	TimeZone  string            `json:"time_zone" doc:"the IANA zone the plan's days are in (the profile's)"`
	Athlete   PlanAthlete       `json:"athlete"`
	Start     string            `json:"start" format:"date" doc:"the day the plan was made"`
	End       string            `json:"end" format:"date" doc:"its last day (the race day for a race goal)"`
	Notes     []PlanExplanation `json:"notes"`
	Changes   []PlanChange      `json:"changes" doc:"each adaptation or re-plan, oldest first, with its explanations"`
	Weeks     []PlanWeek        `json:"weeks" doc:"the weeks overlapping from–to (all of them by default)"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// PlanSummary is a plan in a list.
type PlanSummary struct {
	ID        string    `json:"id" format:"uuid"`
	State     string    `json:"state" enum:"active,replaced,ended"`
	Sport     string    `json:"sport"`
	Goal      PlanGoal  `json:"goal"`
	Start     string    `json:"start" format:"date"`
	End       string    `json:"end" format:"date"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PlanListRequest asks for a page of the caller's plans, newest first.
type PlanListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// PlanList is a page of plans.
type PlanList struct {
	Items      []PlanSummary `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// PlanRef names one of the caller's plans.
type PlanRef struct {
	ID string `json:"id"`
}

// PlanGetRequest reads a plan, with the weeks overlapping From–To
// (YYYY-MM-DD; empty: unbounded).
type PlanGetRequest struct {
	ID   string `json:"id"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// PlanPatch changes a plan's schedule: the plan is laid again from today.
type PlanPatch struct {
	Schedule *PlanSchedule `json:"schedule,omitempty" doc:"the new schedule (replaces the old one whole)"`
}

// PlanPatchRequest is PlanPatch for a plan.
type PlanPatchRequest struct {
	ID    string    `json:"id"`
	Patch PlanPatch `json:"patch"`
}

// PlanInfeasible is the details of an infeasible goal (problem code
// "infeasible", 422): why, and changes of the request that would work.
type PlanInfeasible struct {
	Key     string         `json:"key" enum:"plan.infeasible.target_time,plan.infeasible.time,plan.infeasible.schedule,plan.infeasible.time_and_schedule,plan.infeasible.goal" doc:"what fixes it: target_time (the build-up is safe, the target too fast), time (a later race or more weeks alone), schedule (more minutes or days alone), time_and_schedule (both together), goal (only a smaller goal, or nothing within a year and four hours a day)"`
	Reason  string         `json:"reason" doc:"the explanation in English"`
	Params  map[string]any `json:"params"`
	Options []PlanOption   `json:"options" doc:"changes that would work, best first"`
}

// PlanOption is a change of the request that makes a plan feasible: one
// change, or several together (key combined) when no single one works.
// The planner built a plan from the request with these changes.
type PlanOption struct {
	Key           string   `json:"key" enum:"later_date,shorter_distance,slower_target,more_weeks,lower_volume,more_minutes,more_days,combined" doc:"the option's one change, or combined"`
	Changes       []string `json:"changes" enum:"later_date,shorter_distance,slower_target,more_weeks,lower_volume,more_minutes,more_days" doc:"every change the option makes; each sets its field"`
	Date          string   `json:"date,omitempty" format:"date" doc:"later_date: the race day"`
	Distance      string   `json:"distance,omitempty" doc:"shorter_distance: the race, without a target time"`
	TargetTimeS   int      `json:"target_time_s,omitempty" doc:"slower_target: the fastest target in reach by the race"`
	Weeks         int      `json:"weeks,omitempty" doc:"more_weeks: the plan's weeks"`
	WeeklyMinutes int      `json:"weekly_minutes,omitempty" doc:"lower_volume: the weekly minutes to aim at"`
	MaxMinutes    int      `json:"max_minutes,omitempty" doc:"more_minutes: the most minutes a day"`
	Days          int      `json:"days,omitempty" doc:"more_days: how many days a week"`
	Weekdays      []string `json:"weekdays,omitempty" enum:"monday,tuesday,wednesday,thursday,friday,saturday,sunday" doc:"more_days: the days it was checked with (the request's and those added)"`
}

// PlanFeed is a plan's secret calendar feed: the path (on the HTTP front)
// a calendar app subscribes to.
type PlanFeed struct {
	Path string `json:"path" doc:"GET it without a token (/v1/calendar/<token>.ics): anyone with the URL sees the plan; a new feed replaces it, DELETE stops it"`
}

// PlanFeedRef names a calendar feed by its token.
type PlanFeedRef struct {
	Token string `json:"token"`
}

// PlanFeedPath is the front's path of the calendar feed of token.
func PlanFeedPath(token string) string { return "/v1/calendar/" + token + ".ics" }
