package api

import "time"

// Subjects of the analytics and recommendations operations (they need a
// caller).
const (
	SubjectAnalyticsSummary      = "rpc.training.analytics.summary"       // SummaryRequest → AnalyticsSummary
	SubjectAnalyticsFitness      = "rpc.training.analytics.fitness"       // FitnessRequest → FitnessSeries
	SubjectAnalyticsRecords      = "rpc.training.analytics.records"       // Empty → Records
	SubjectRecommendationsList   = "rpc.training.recommendations.list"    // Empty → RecommendationList
	SubjectRecommendationDismiss = "rpc.training.recommendations.dismiss" // RecommendationRef → Dismissal
)

// EventRecordSet (RecordSet) is published when a finished session sets a
// personal record: a best effort faster than every earlier one of its
// distance, or a strength best above the exercise's earlier ones. A
// session that is the first over a distance sets none (nothing to beat);
// a deleted session's records are recomputed from the others without an
// event.
const EventRecordSet = "evt.training.record.set"

// RecordSet is the payload of EventRecordSet: the records one session set.
type RecordSet struct {
	UserID    string      `json:"user_id"`
	SessionID string      `json:"session_id"`
	Sport     string      `json:"sport"`
	StartedAt time.Time   `json:"started_at"`
	Records   []RecordNew `json:"records"`
	SetAt     time.Time   `json:"set_at"`
	// Visibility is the session's when it set them (private, followers or
	// public): the social module tells the athlete's groups of a record
	// only when its session is not private.
	Visibility string `json:"visibility"`
}

// RecordNew is one record of RecordSet.
type RecordNew struct {
	// Kind is best_effort (DistanceM, Value in seconds), e1rm or max_weight
	// (Exercise, Value in kg).
	Kind      string  `json:"kind" enum:"best_effort,e1rm,max_weight"`
	DistanceM float64 `json:"distance_m,omitempty"`
	Exercise  string  `json:"exercise,omitempty"`
	Value     float64 `json:"value"`
	// Previous is the record it beat, PreviousSessionID where it was set
	// (best efforts).
	Previous          float64 `json:"previous"`
	PreviousSessionID string  `json:"previous_session_id,omitempty"`
}

// SummaryRequest asks for the caller's totals of a period.
type SummaryRequest struct {
	Period string `json:"period"` // week, month, year, all
	Sport  string `json:"sport,omitempty"`
}

// Totals are the sums of a period's sessions.
type Totals struct {
	Sessions         int     `json:"sessions"`
	DistanceM        float64 `json:"distance_m"`
	MovingTimeS      float64 `json:"moving_time_s"`
	ElevationGainM   float64 `json:"elevation_gain_m"`
	Load             float64 `json:"load"`
	StrengthVolumeKg float64 `json:"strength_volume_kg"`
}

// Averages are a period's totals per session.
type Averages struct {
	DistanceM        float64 `json:"distance_m"`
	MovingTimeS      float64 `json:"moving_time_s"`
	ElevationGainM   float64 `json:"elevation_gain_m"`
	Load             float64 `json:"load"`
	StrengthVolumeKg float64 `json:"strength_volume_kg"`
}

// SportTotals are a period's figures of one sport.
type SportTotals struct {
	Sport    string   `json:"sport"`
	Totals   Totals   `json:"totals"`
	Averages Averages `json:"averages"`
}

// PeriodSummary is one period's figures.
type PeriodSummary struct {
	// From and To bound the period, [From, To), in the user's time zone
	// (To is the end of the period, not now); nil From: since the first
	// session (period all).
	From     *time.Time    `json:"from"`
	To       time.Time     `json:"to"`
	Totals   Totals        `json:"totals"`
	Averages Averages      `json:"averages"`
	BySport  []SportTotals `json:"by_sport"`
	// LoadModels counts the sessions by the model of their load (hrss,
	// trimp, srpe, none): loads of different models are on different
	// scales.
	LoadModels map[string]int `json:"load_models"`
}

// AnalyticsSummary is the caller's current period beside the one before.
type AnalyticsSummary struct {
	Period   string         `json:"period" enum:"week,month,year,all"`
	Sport    string         `json:"sport,omitempty"`
	TimeZone string         `json:"time_zone" doc:"the IANA time zone of the user's days (the profile's; UTC when unknown)"`
	Current  PeriodSummary  `json:"current"`
	Previous *PeriodSummary `json:"previous,omitempty" doc:"the period before; absent for period all"`
}

// FitnessRequest asks for the caller's daily fitness figures.
type FitnessRequest struct {
	From  string `json:"from,omitempty"` // YYYY-MM-DD
	To    string `json:"to,omitempty"`
	Model string `json:"model,omitempty"`
}

// FitnessDay is one day's figures (package fitness), rounded to 0.01.
type FitnessDay struct {
	Date     string   `json:"date" format:"date"`
	Load     float64  `json:"load"`
	CTL      float64  `json:"ctl" doc:"fitness: the 42-day weighted average of load"`
	ATL      float64  `json:"atl" doc:"fatigue: the 7-day weighted average of load"`
	TSB      float64  `json:"tsb" doc:"form: yesterday's CTL − ATL"`
	RampRate float64  `json:"ramp_rate" doc:"CTL − CTL 7 days before"`
	Monotony *float64 `json:"monotony" doc:"Foster's monotony of the 7 days ending this day; null when undefined"`
	Strain   *float64 `json:"strain" doc:"Foster's strain: week load × monotony"`
	WeekLoad float64  `json:"week_load"`
	Acute    float64  `json:"acute"`
	Chronic  float64  `json:"chronic"`
	ACWR     *float64 `json:"acwr" doc:"EWMA acute:chronic ratio (Williams 2017): a measure of load change, not of injury risk; null while chronic is 0"`
}

// FitnessSeries is the caller's daily fitness figures.
type FitnessSeries struct {
	Model    string       `json:"model" enum:"exponential,reciprocal,ema" doc:"the smoothing of CTL and ATL: exponential 1−e^(−1/N), reciprocal 1/N, ema 2/(N+1)"`
	TimeZone string       `json:"time_zone"`
	From     string       `json:"from" format:"date"`
	To       string       `json:"to" format:"date"`
	Days     []FitnessDay `json:"days"`
}

// EffortRecord is the fastest effort over a distance.
type EffortRecord struct {
	DistanceM float64   `json:"distance_m"`
	TimeS     float64   `json:"time_s"`
	SessionID string    `json:"session_id" format:"uuid"`
	StartedAt time.Time `json:"started_at" doc:"the session's start"`
	StartS    float64   `json:"start_s" doc:"seconds into the session where the effort starts"`
	LoadModel string    `json:"load_model" doc:"the load model of the session: hrss, trimp, srpe or none"`
}

// StrengthRecord is an exercise's best.
type StrengthRecord struct {
	Exercise  string    `json:"exercise"`
	Kind      string    `json:"kind" enum:"e1rm,max_weight"`
	ValueKg   float64   `json:"value_kg"`
	Formula   string    `json:"formula,omitempty" doc:"the 1RM formula (e1rm)"`
	SessionID string    `json:"session_id" format:"uuid"`
	StartedAt time.Time `json:"started_at"`
}

// VDOTFigure is the athlete's VDOT and the effort it comes from.
type VDOTFigure struct {
	Value float64      `json:"value" doc:"Daniels–Gilbert VDOT"`
	From  EffortRecord `json:"from" doc:"the best effort of the last 180 days that gives it"`
}

// RacePrediction is a predicted race time by both models.
type RacePrediction struct {
	DistanceM   float64 `json:"distance_m"`
	VDOTTimeS   float64 `json:"vdot_time_s" doc:"the VDOT's equivalent time (Daniels–Gilbert)"`
	RiegelTimeS float64 `json:"riegel_time_s" doc:"Riegel's prediction, exponent 1.06"`
}

// Zone is a band of heart rate (bpm) or of pace (seconds per km: Low is
// the slow end).
type Zone struct {
	Name string  `json:"name"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Zones are heart-rate or pace zones and the model they follow.
type Zones struct {
	Model string `json:"model" doc:"friel_lthr or karvonen_hrr (heart rate), daniels (pace)"`
	Unit  string `json:"unit" enum:"bpm,s_per_km"`
	Zones []Zone `json:"zones"`
}

// Records are the caller's personal records and what follows from them.
type Records struct {
	BestEfforts []EffortRecord   `json:"best_efforts"`
	Strength    []StrengthRecord `json:"strength"`
	VDOT        *VDOTFigure      `json:"vdot,omitempty" doc:"absent without a run of 1,500 m or more in the last 180 days"`
	Predictions []RacePrediction `json:"predictions"`
	HRZones     *Zones           `json:"hr_zones,omitempty" doc:"Friel's %LTHR zones with the profile's threshold heart rate, else Karvonen's with its resting and maximum heart rates; absent without them"`
	PaceZones   *Zones           `json:"pace_zones,omitempty" doc:"Daniels' E, M, T, I, R paces at the VDOT; absent without VDOT"`
}

// Recommendation is one piece of advice.
type Recommendation struct {
	ID         string             `json:"id"`
	Type       string             `json:"type" enum:"session_spike,load_ramp,deep_fatigue,monotony,acute_load,long_break,new_record,plan_adherence,gear_replacement,next_workout"`
	Severity   string             `json:"severity" enum:"info,warning,alert"`
	MessageKey string             `json:"message_key" doc:"the message's translation key"`
	Params     map[string]any     `json:"params,omitempty" doc:"the message's parameters"`
	Trigger    map[string]float64 `json:"trigger" doc:"the numbers that triggered it"`
	ExpiresAt  time.Time          `json:"expires_at"`
}

// RecommendationList is the caller's current advice, the most pressing
// first, without what the caller dismissed.
type RecommendationList struct {
	Items []Recommendation `json:"items"`
}

// RecommendationRef names one of the caller's recommendations.
type RecommendationRef struct {
	ID string `json:"id"`
}

// Dismissal says a recommendation is dismissed until it expires.
type Dismissal struct {
	ID          string    `json:"id"`
	DismissedAt time.Time `json:"dismissed_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}
