package api

import "time"

// SubjectSessionLaps answers a session's laps.
const SubjectSessionLaps = "rpc.training.sessions.laps" // SessionRef → LapList

// Lap is one lap of a finished session: from the live stream's lap
// markers (TelemetryPoint.Lap) or an imported file's laps (FIT, TCX),
// its figures computed from the session's points like the session's.
type Lap struct {
	Index        int       `json:"index" doc:"from 0"`
	StartedAt    time.Time `json:"started_at" doc:"the time of the lap's first point"`
	ElapsedTimeS float64   `json:"elapsed_time_s" doc:"to the next lap's first point (the last lap: to the session's last point); the laps add up to the session"`
	MovingTimeS  float64   `json:"moving_time_s"`
	DistanceM    float64   `json:"distance_m"`
	AvgHRBpm     *float64  `json:"avg_hr_bpm,omitempty"`
	MaxHRBpm     *int      `json:"max_hr_bpm,omitempty"`
	AvgSpeedMps  float64   `json:"avg_speed_mps" doc:"distance over moving time"`
	// AvgPaceSPerKm is moving time per kilometre (absent without distance).
	AvgPaceSPerKm  float64  `json:"avg_pace_s_per_km,omitempty"`
	ElevationGainM float64  `json:"elevation_gain_m" doc:"climbs, with the session's 3 m hysteresis"`
	ElevationLossM float64  `json:"elevation_loss_m"`
	AvgPowerW      *float64 `json:"avg_power_w,omitempty" doc:"over the lap's time with power"`
	AvgCadence     *float64 `json:"avg_cadence,omitempty" doc:"rpm or steps/min, over moving time"`
}

// LapList is a session's laps, in order: empty while the session is open,
// and for a session without laps (no lap marker, one lap in the file, or
// entered by hand).
type LapList struct {
	Items []Lap `json:"items" maxItems:"1440"`
}
