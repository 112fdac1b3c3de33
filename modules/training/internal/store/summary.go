package store

// Summary is a finished session's figures as stored in
// training.sessions.summary (JSON). Its field names are those of the
// rows written so far: renaming one would leave the stored figures
// unread (a test decodes a stored summary). The service maps it to and
// from the API's SessionSummary.
type Summary struct {
	DistanceM        float64      `json:"distance_m"`
	ElapsedTimeS     float64      `json:"elapsed_time_s"`
	MovingTimeS      float64      `json:"moving_time_s"`
	AvgSpeedMps      float64      `json:"avg_speed_mps"`
	MaxSpeedMps      float64      `json:"max_speed_mps"`
	AvgPaceSPerKm    float64      `json:"avg_pace_s_per_km,omitempty"`
	ElevationGainM   float64      `json:"elevation_gain_m"`
	ElevationLossM   float64      `json:"elevation_loss_m"`
	AvgHRBpm         *float64     `json:"avg_hr_bpm,omitempty"`
	MaxHRBpm         *int         `json:"max_hr_bpm,omitempty"`
	AvgCadence       *float64     `json:"avg_cadence,omitempty"`
	AvgPowerW        *float64     `json:"avg_power_w,omitempty"`
	NormalizedPowerW *float64     `json:"normalized_power_w,omitempty"`
	CaloriesKcal     float64      `json:"calories_kcal"`
	CaloriesMethod   string       `json:"calories_method"`
	SplitsKm         []Split      `json:"splits_km"`
	SplitsMile       []Split      `json:"splits_mile"`
	BestEfforts      []BestEffort `json:"best_efforts"`
	Points           int          `json:"points"`
	MapPolyline      string       `json:"map_polyline,omitempty"`
}

// Split is one kilometre or mile of a stored summary.
type Split struct {
	Index     int      `json:"index"`
	DistanceM float64  `json:"distance_m"`
	ElapsedS  float64  `json:"elapsed_time_s"`
	ElevDiffM float64  `json:"elevation_difference_m"`
	AvgHRBpm  *float64 `json:"avg_hr_bpm,omitempty"`
}

// BestEffort is the fastest time over a distance, in a stored summary.
type BestEffort struct {
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
	ElapsedS  float64 `json:"elapsed_time_s"`
}
