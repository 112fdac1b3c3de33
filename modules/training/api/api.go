// Package api is the training module's contract with the other modules and
// the front: subjects and payloads, each subject declared here once. It
// depends on the standard library (and internal/kit) only.
package api

import (
	"encoding/json"
	"time"

	"github.com/athlos/athlos/internal/kit/patch"
)

// Module is the module's name: its schema, stream (EVT_TRAINING) and
// subject prefix.
const Module = "training"

// Subjects of the devices operations (they need a caller).
const (
	SubjectDevicesList   = "rpc.training.devices.list"   // DeviceListRequest → DeviceList
	SubjectDevicesCreate = "rpc.training.devices.create" // DeviceCreate → Device
	SubjectDevicesDelete = "rpc.training.devices.delete" // DeviceRef → Empty
)

// Device is a recording device of the caller.
type Device struct {
	ID           string    `json:"id" format:"uuid"`
	Kind         string    `json:"kind" enum:"phone,watch,chest_strap,power_meter,bike_computer,other"`
	Manufacturer string    `json:"manufacturer"`
	Model        string    `json:"model"`
	Name         string    `json:"name"`
	Sensors      []string  `json:"sensors" enum:"gps,heart_rate,cadence,speed,power,barometer,temperature,accelerometer"`
	CreatedAt    time.Time `json:"created_at"`
}

// DeviceCreate adds a device.
type DeviceCreate struct {
	Kind         string   `json:"kind" enum:"phone,watch,chest_strap,power_meter,bike_computer,other"`
	Manufacturer string   `json:"manufacturer,omitempty" maxLength:"100"`
	Model        string   `json:"model,omitempty" maxLength:"100"`
	Name         string   `json:"name,omitempty" maxLength:"100" doc:"what the user calls it"`
	Sensors      []string `json:"sensors,omitempty" maxItems:"8" enum:"gps,heart_rate,cadence,speed,power,barometer,temperature,accelerometer"`
}

// DeviceListRequest asks for a page of the caller's devices, newest first.
type DeviceListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// DeviceList is a page of devices.
type DeviceList struct {
	Items      []Device `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// DeviceRef names one of the caller's devices.
type DeviceRef struct {
	ID string `json:"id"`
}

// Empty is the reply of operations that return nothing.
type Empty struct{}

// Subjects of the session operations (they need a caller).
const (
	SubjectSessionStart  = "rpc.training.sessions.start"  // SessionStart → Session
	SubjectSessionGet    = "rpc.training.sessions.get"    // SessionRef → Session
	SubjectSessionAction = "rpc.training.sessions.action" // SessionAction → Session
	SubjectSessionPoints = "rpc.training.sessions.points" // SessionPoints → PointsResult
)

// EventSessionCompleted is published when a session is finished.
const EventSessionCompleted = "evt.training.session.completed"

// SessionStart starts a live session, or, with elapsed_time_s (and
// started_at), records a manual one (ManualSession), finished at once.
type SessionStart struct {
	Sport      string   `json:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	DeviceID   string   `json:"device_id,omitempty" format:"uuid"`
	GearIDs    []string `json:"gear_ids,omitempty" maxItems:"10"`
	Visibility string   `json:"visibility,omitempty" enum:"private,followers,public"`
	Title      string   `json:"title,omitempty" maxLength:"200"`
	ManualSession
}

// Session is a workout session.
type Session struct {
	ID         string   `json:"id" format:"uuid"`
	Sport      string   `json:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	State      string   `json:"state" enum:"active,paused,finished,discarded"`
	DeviceID   *string  `json:"device_id" format:"uuid"`
	GearIDs    []string `json:"gear_ids" format:"uuid"`
	Visibility string   `json:"visibility" enum:"private,followers,public"`
	Title      string   `json:"title"`
	Notes      string   `json:"notes"`
	// Parameters are named values of the session: perceived effort,
	// weather, anything a device reported.
	Parameters  map[string]json.RawMessage `json:"parameters"`
	Source      string                     `json:"source" enum:"live,gpx,tcx,fit,manual" doc:"recorded live, imported from a file, or entered by hand (manual)"`
	StartedAt   time.Time                  `json:"started_at"`
	FinishedAt  *time.Time                 `json:"finished_at"`
	LastPointAt *time.Time                 `json:"last_point_at"`
	// PointsStored is how many of the session's points the server holds:
	// while it is open, those stored so far (an app can compare it with
	// what it sent); once finished, those of its route.
	PointsStored int `json:"points_stored"`
	// Summary is set once the session is finished (absent before).
	Summary *SessionSummary `json:"summary,omitempty" doc:"a finished session's figures; absent while it is open"`
	// Exercises are the session's exercises and sets (strength and other
	// indoor sessions), and Strength their figures (absent without).
	Exercises []SessionExercise `json:"exercises,omitempty" doc:"the session's exercises and sets, in order (PUT /v1/sessions/{id}/exercises)"`
	Strength  *StrengthSummary  `json:"strength,omitempty" doc:"volume and per-exercise bests of the session's sets; absent without exercises"`
}

// SessionSummary is a finished session's figures.
type SessionSummary struct {
	DistanceM        float64  `json:"distance_m" doc:"on the WGS 84 ellipsoid between positioned points; between points without a position (indoors), the device's distance (dist), else its speed times the time; 0 when neither is known"`
	ElapsedTimeS     float64  `json:"elapsed_time_s"`
	MovingTimeS      float64  `json:"moving_time_s" doc:"without stops (auto-pause): where a distance is measured, while the speed is above the sport's threshold; where none is (indoors without the device's distance or speed), while heart rate or power is recorded; gaps over 5 minutes are stops"`
	AvgSpeedMps      float64  `json:"avg_speed_mps" doc:"distance over moving time"`
	MaxSpeedMps      float64  `json:"max_speed_mps"`
	AvgPaceSPerKm    float64  `json:"avg_pace_s_per_km,omitempty"`
	ElevationGainM   float64  `json:"elevation_gain_m" doc:"with a 3 m hysteresis against noise"`
	ElevationLossM   float64  `json:"elevation_loss_m"`
	AvgHRBpm         *float64 `json:"avg_hr_bpm,omitempty"`
	MaxHRBpm         *int     `json:"max_hr_bpm,omitempty"`
	AvgCadence       *float64 `json:"avg_cadence,omitempty" doc:"rpm or steps/min, while moving"`
	AvgPowerW        *float64 `json:"avg_power_w,omitempty"`
	NormalizedPowerW *float64 `json:"normalized_power_w,omitempty" doc:"rides"`
	// Calories is the energy estimate: from power (rides), from heart
	// rate with the athlete's sex, age and weight (Keytel 2005), else
	// from the activity's MET (2011 Compendium).
	CaloriesKcal   float64      `json:"calories_kcal"`
	CaloriesMethod string       `json:"calories_method" enum:"power,heart_rate,met,entered" doc:"entered: given with a manual session"`
	SplitsKm       []Split      `json:"splits_km"`
	SplitsMile     []Split      `json:"splits_mile"`
	BestEfforts    []BestEffort `json:"best_efforts" doc:"runs: fastest 400 m, 1 km, mile, 5 km, 10 km, half marathon, marathon within the session"`
	Points         int          `json:"points"`
	// MapPolyline is the simplified route as a Google encoded polyline
	// (precision 5), for maps; for another user than the owner, the
	// longest part the owner's privacy zones leave visible (absent when
	// they hide it all).
	MapPolyline string `json:"map_polyline,omitempty" doc:"the simplified route, Google encoded polyline (precision 5); as others than the owner see it, the longest part the owner's privacy zones leave visible (absent when they hide it all)"`
	// Plausible is the module's verdict on the figures (an impossible
	// speed for the sport, heart rate, more moving than elapsed time):
	// challenges and leaderboards leave implausible sessions out.
	Plausible         bool   `json:"plausible" doc:"false when the figures are impossible for a person (implausible_reason says why); challenges and leaderboards leave such sessions out"`
	ImplausibleReason string `json:"implausible_reason,omitempty" enum:"moving_time_exceeds_elapsed_time,impossible_speed,impossible_max_speed,impossible_heart_rate,distance_without_moving_time"`
}

// Split is one kilometre or mile of a session (the last may be shorter).
type Split struct {
	Index     int      `json:"index"`
	DistanceM float64  `json:"distance_m"`
	ElapsedS  float64  `json:"elapsed_time_s"`
	ElevDiffM float64  `json:"elevation_difference_m"`
	AvgHRBpm  *float64 `json:"avg_hr_bpm,omitempty"`
}

// BestEffort is the fastest time over a distance within a session.
type BestEffort struct {
	Name      string  `json:"name" enum:"400m,1k,1mile,5k,10k,half_marathon,marathon"`
	DistanceM float64 `json:"distance_m"`
	ElapsedS  float64 `json:"elapsed_time_s"`
}

// SessionRef names one of the caller's sessions.
type SessionRef struct {
	ID string `json:"id"`
}

// SessionAction moves a session through its states.
type SessionAction struct {
	ID     string `json:"id"`
	Action string `json:"action"` // pause, resume, finish, discard
}

// SessionPoints carries telemetry points for a session (HTTP offline sync;
// the same pipeline as NATS live.telemetry).
type SessionPoints struct {
	ID     string          `json:"id"`
	Points json.RawMessage `json:"points"`
}

// PointsResult says what became of a batch of points.
type PointsResult struct {
	Accepted int            `json:"accepted"`
	Stored   int64          `json:"stored" doc:"accepted points that were new (a resent point is accepted but not stored twice)"`
	Dropped  map[string]int `json:"dropped" doc:"points left out, by reason: no_position (neither a position nor a value), partial_position (lat without lon or the other way round), coordinates_out_of_range, null_island, time_outside_session, duplicate_time, impossible_speed, sensor_value_out_of_range"`
}

// SessionCompleted is the payload of EventSessionCompleted: what other
// modules need of a finished session (gear totals, achievements, feeds).
type SessionCompleted struct {
	SessionID      string    `json:"session_id"`
	UserID         string    `json:"user_id"`
	Sport          string    `json:"sport"`
	StartedAt      time.Time `json:"started_at"`
	CompletedAt    time.Time `json:"completed_at"`
	DistanceM      float64   `json:"distance_m"`
	MovingTimeS    float64   `json:"moving_time_s"`
	ElapsedTimeS   float64   `json:"elapsed_time_s"`
	ElevationGainM float64   `json:"elevation_gain_m"`
	AvgHRBpm       *float64  `json:"avg_hr_bpm,omitempty"`
	MaxHRBpm       *int      `json:"max_hr_bpm,omitempty"`
	GearIDs        []string  `json:"gear_ids"`
	// Load inputs (training load, fitness): power and calories.
	AvgPowerW        *float64 `json:"avg_power_w,omitempty"`
	NormalizedPowerW *float64 `json:"normalized_power_w,omitempty"`
	CaloriesKcal     float64  `json:"calories_kcal"`
	// Imported is set when the session came from a file, not live.
	Imported bool `json:"imported,omitempty"`
	// Manual is set when the session was entered by hand (no points).
	Manual bool `json:"manual,omitempty"`
	// StrengthVolumeKg is the volume load of the session's sets (0: none).
	StrengthVolumeKg float64 `json:"strength_volume_kg,omitempty"`
	// Plausible is the module's verdict on the figures
	// (SessionSummary.Plausible); ImplausibleReason says why not.
	Plausible         bool   `json:"plausible"`
	ImplausibleReason string `json:"implausible_reason,omitempty"`
	// Title and Visibility are the session's (private, followers or
	// public): the social module's feed shows the card to whom the
	// visibility allows. A change of either publishes
	// EventSessionUpdated.
	Title      string `json:"title,omitempty"`
	Visibility string `json:"visibility"`
	// BestEfforts are the session's fastest times over the standard
	// distances (runs; empty for other sports and manual sessions), as in
	// SessionSummary.BestEfforts: achievements read them (fastest 5 km).
	BestEfforts []BestEffort `json:"best_efforts,omitempty"`
	// Revision orders the events of one session (completed, updated,
	// deleted): a consumer applies an event only if its revision is
	// higher than the last it applied, as events may arrive out of order.
	// It is a counter on the session raised in the transaction that
	// writes the event, not a clock reading: comparable only between the
	// events of one session.
	Revision int64 `json:"revision"`
}

// Session lifecycle events after completion.
const (
	// EventSessionUpdated (SessionCompleted, with the new values) is
	// published when a finished session's sport, gear or figures change.
	EventSessionUpdated = "evt.training.session.updated"
	// EventSessionDeleted (SessionDeleted) is published when a session is
	// deleted, so other modules take back what they counted.
	EventSessionDeleted = "evt.training.session.deleted"
)

// SessionDeleted is the payload of EventSessionDeleted.
type SessionDeleted struct {
	SessionID string    `json:"session_id"`
	UserID    string    `json:"user_id"`
	Sport     string    `json:"sport"`
	Finished  bool      `json:"finished" doc:"whether evt.training.session.completed was published for it"`
	DeletedAt time.Time `json:"deleted_at"`
	// Revision is higher than that of every earlier event of the session.
	Revision int64 `json:"revision"`
}

// More session subjects.
const (
	SubjectSessionList = "rpc.training.sessions.list" // SessionListRequest → SessionList
	SubjectSessionGPX  = "rpc.training.sessions.gpx"  // SessionRef → GPX 1.1 bytes
)

// SessionListRequest asks for a page of the caller's sessions, newest
// first, or of another athlete's (UserID) that the caller may see.
type SessionListRequest struct {
	UserID string     `json:"user_id,omitempty"`
	Sport  string     `json:"sport,omitempty"`
	From   *time.Time `json:"from,omitempty"`
	To     *time.Time `json:"to,omitempty"`
	Limit  int        `json:"limit,omitempty"`
	Cursor string     `json:"cursor,omitempty"`
}

// SessionList is a page of sessions.
type SessionList struct {
	Items      []Session `json:"items"`
	NextCursor *string   `json:"next_cursor"`
}

// Live figures go out on two subjects, both plain NATS publishes (not
// stored), at most once a second per session:
//
//   - live.session.<owner>.<session> (LiveSessionSubject), for the owner:
//     every app connection of a user may subscribe to
//     live.session.<user>.> from the moment it connects (the client
//     module's auth callout grants it), so the owner sees a session it
//     starts on the connection it has, without reconnecting;
//   - live.watch.<session> (LiveWatchSubject), for watchers: it names the
//     session only, never its owner (a share link must not tell who the
//     athlete is), and is granted per session at connect time
//     (SubjectRealtimeGrants) to those who may watch it
//     (SubjectSessionWatch).
//
// Both carry the same LiveStats.
const (
	SubjectLiveSession = "live.session."
	SubjectLiveWatch   = "live.watch."
)

// LiveSessionSubject is where the owner receives the live figures of one
// of its sessions: live.session.<owner>.<session>.
func LiveSessionSubject(owner, session string) string {
	return SubjectLiveSession + owner + "." + session
}

// LiveSessionSubjects is what an owner subscribes to for the live figures
// of all its sessions: live.session.<owner>.> (the grant every connection
// of the user has).
func LiveSessionSubjects(owner string) string { return SubjectLiveSession + owner + ".>" }

// LiveWatchSubject is where watchers receive the live figures of a
// session: live.watch.<session>.
func LiveWatchSubject(session string) string { return SubjectLiveWatch + session }

// LiveStats are a live session's figures, published on
// live.session.<owner>.<session> and live.watch.<session> after points are
// stored and when the session pauses, resumes or finishes, at most once a
// second per session. They name the session, never its owner.
type LiveStats struct {
	SessionID string `json:"session_id" format:"uuid"`
	State     string `json:"state" enum:"active,paused,finished,discarded"`
	// LastPointT is the time of the latest point counted (the app's
	// clock); StoredAt is when the batch that brought it was committed
	// (the server's clock).
	LastPointT     time.Time `json:"last_point_t"`
	StoredAt       time.Time `json:"stored_at"`
	Points         int       `json:"points"`
	ElapsedTimeS   float64   `json:"elapsed_time_s"`
	MovingTimeS    float64   `json:"moving_time_s"`
	DistanceM      float64   `json:"distance_m"`
	SpeedMps       float64   `json:"speed_mps" doc:"current speed"`
	AvgSpeedMps    float64   `json:"avg_speed_mps" doc:"distance over moving time"`
	PaceSPerKm     float64   `json:"pace_s_per_km,omitempty" doc:"current pace"`
	AvgPaceSPerKm  float64   `json:"avg_pace_s_per_km,omitempty"`
	HRBpm          *int      `json:"hr_bpm,omitempty" doc:"latest heart rate"`
	PowerW         *int      `json:"power_w,omitempty" doc:"latest power"`
	Cadence        *int      `json:"cadence,omitempty" doc:"latest cadence, rpm or steps a minute"`
	ElevationGainM float64   `json:"elevation_gain_m"`
	Position       *Place    `json:"position,omitempty" doc:"latest position (none for a session without positions: indoors; none on live.watch.<session> while it is within one of the owner's privacy zones)"`
}

// Place is a position on the WGS 84 ellipsoid.
type Place struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Subjects of live tracking: who may watch a live session.
const (
	SubjectSessionShare   = "rpc.training.sessions.share"   // SessionRef → ShareLink (the owner)
	SubjectSessionUnshare = "rpc.training.sessions.unshare" // SessionRef → Empty (the owner)
	SubjectSessionWatch   = "rpc.training.sessions.watch"   // WatchRequest → Watch (anyone allowed)
)

// ShareLink is an open live-tracking link: anyone holding the token may
// watch the session live while it is open.
type ShareLink struct {
	SessionID  string `json:"session_id" format:"uuid"`
	ShareToken string `json:"share_token" doc:"give it to watchers; creating a new link revokes the previous one"`
}

// WatchRequest asks to watch a live session.
type WatchRequest struct {
	ID         string `json:"id"`
	ShareToken string `json:"share_token,omitempty" maxLength:"64" doc:"the owner's share link, needed unless the session is public or yours"`
}

// Watch tells a watcher where the live figures go.
type Watch struct {
	SessionID string `json:"session_id" format:"uuid"`
	// Subject is live.watch.<session> for a watcher, and the owner's own
	// live.session.<owner>.<session> for the owner, which every connection
	// of the owner may subscribe to already.
	Subject string `json:"subject" doc:"subscribe to it on the app's NATS connection (live figures, at most one a second): live.watch.<session> for a watcher, whose connections open before this call are closed once so that the app reconnects with the grant; live.session.<your id>.<session> for the owner, who needs no new grant"`
}

// More session subjects.
const (
	SubjectSessionRoute  = "rpc.training.sessions.route"  // RouteRequest → GeoJSON Feature
	SubjectSessionPatch  = "rpc.training.sessions.patch"  // SessionPatch → Session
	SubjectSessionDelete = "rpc.training.sessions.delete" // SessionRef → Empty
	SubjectSessionImport = "rpc.training.sessions.import" // ImportRequest → ImportResult
)

// RouteRequest asks for a session's route.
type RouteRequest struct {
	ID         string `json:"id"`
	Simplified bool   `json:"simplified,omitempty"`
}

// RouteFeature is a finished session's route: a GeoJSON Feature (RFC
// 7946), sent as application/geo+json.
type RouteFeature struct {
	Type       string          `json:"type" enum:"Feature"`
	Geometry   RouteLine       `json:"geometry"`
	Properties RouteProperties `json:"properties"`
}

// RouteLine is a route's GeoJSON geometry: a LineString of positions
// [lon, lat] in degrees (WGS 84), or [lon, lat, elevation in m] when
// every point of the session has an elevation; or, for another user than
// the owner when the owner's privacy zones cut the route in several
// visible parts, a MultiLineString of them (Coordinates is then a list of
// lines).
type RouteLine struct {
	Type string `json:"type" enum:"LineString,MultiLineString"`
	// Coordinates are a LineString's: decode a MultiLineString's into
	// [][][]float64 (the API document says both).
	Coordinates [][]float64 `json:"coordinates" minItems:"2" doc:"LineString: [[lon, lat], ...] (or [lon, lat, elevation_m]); MultiLineString (a route the owner's privacy zones cut, as others see it): [[[lon, lat], ...], ...], each part of two positions or more"`
}

// RouteProperties are a route's properties.
type RouteProperties struct {
	SessionID  string  `json:"session_id" format:"uuid"`
	Sport      string  `json:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	DistanceM  float64 `json:"distance_m" doc:"the length of the whole route on the WGS 84 ellipsoid (parts hidden by privacy zones included: only positions are hidden)"`
	Simplified bool    `json:"simplified" doc:"the line drawn for maps (at most 500 points) rather than every point"`
}

// SessionPatch changes one of the caller's sessions.
type SessionPatch struct {
	ID string `json:"id"`
	SessionChanges
}

// SessionChanges are the fields PATCH may change, a JSON merge patch
// (internal/kit/patch): absent fields stay as they are, null clears an
// optional one (perceived effort), any other value sets it.
type SessionChanges struct {
	Title      *string   `json:"title,omitempty" maxLength:"200"`
	Notes      *string   `json:"notes,omitempty" maxLength:"5000"`
	Sport      *string   `json:"sport,omitempty" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"a finished session's figures are computed again"`
	GearIDs    *[]string `json:"gear_ids,omitempty" maxItems:"10" doc:"replaces the gear; [] removes it"`
	Visibility *string   `json:"visibility,omitempty" enum:"private,followers,public"`
	// PerceivedEffort is Foster's CR-10 (session-RPE): 0 (rest) to 10
	// (maximal), 0 a rating like the others; null removes it.
	PerceivedEffort patch.Field[int] `json:"perceived_effort,omitzero"`
	// The figures of a session entered by hand (source manual), as
	// POST /v1/sessions took them; null clears an optional one. A
	// recorded session's figures come from its points and are refused.
	StartedAt      patch.Field[time.Time] `json:"started_at,omitzero"`
	ElapsedTimeS   patch.Field[float64]   `json:"elapsed_time_s,omitzero"`
	MovingTimeS    patch.Field[float64]   `json:"moving_time_s,omitzero"`
	DistanceM      patch.Field[float64]   `json:"distance_m,omitzero"`
	ElevationGainM patch.Field[float64]   `json:"elevation_gain_m,omitzero"`
	AvgHRBpm       patch.Field[float64]   `json:"avg_hr_bpm,omitzero"`
	MaxHRBpm       patch.Field[int]       `json:"max_hr_bpm,omitzero"`
	CaloriesKcal   patch.Field[float64]   `json:"calories_kcal,omitzero"`
}

// MaxImportBytes bounds an imported file, compressed or not.
const MaxImportBytes = 25 << 20

// ImportRequest asks to import a workout file the front put in the
// uploads object store (bus.UploadsBucket) under Upload.
type ImportRequest struct {
	Upload     string `json:"upload"`
	FileName   string `json:"file_name,omitempty"`
	Sport      string `json:"sport,omitempty"`
	Title      string `json:"title,omitempty"`
	Visibility string `json:"visibility,omitempty"`
}

// ImportResult is the session made from an imported file.
type ImportResult struct {
	Session Session `json:"session"`
	// Format is the file's format: gpx, tcx or fit.
	Format string `json:"format" enum:"gpx,tcx,fit"`
	// Skipped counts records the file holds without a time, or with
	// nothing but a time (no position, no value).
	Skipped int `json:"skipped" doc:"records without a time, or with nothing but a time (no position and no value: a pause), which a session cannot use; records without a position that carry heart rate, power, cadence, speed, distance or altitude (indoors) are kept"`
	// Dropped counts the file's points left out, by reason (as live
	// telemetry): duplicate_time (the time of an earlier point: points
	// are kept by time), impossible_speed, time_outside_session,
	// coordinates_out_of_range, null_island, sensor_value_out_of_range.
	// A file whose times are unusable (dated before GPS time or in the
	// future, all at one time, many repeated or going backwards) is
	// refused instead, with the reason.
	Dropped map[string]int `json:"dropped" doc:"points left out, by reason: duplicate_time, impossible_speed, time_outside_session, coordinates_out_of_range, null_island, sensor_value_out_of_range"`
}

// Real-time grants: the client module's auth callout asks at every app
// connection which watcher subjects (live.watch.<session>) a user may
// subscribe to, and closes the user's app connections when they change.
const (
	// SubjectRealtimeGrants answers RealtimeGrantsRequest with
	// RealtimeGrants: the live.watch subjects of sessions of others the
	// user watches (the owner's own live.session.<user>.> is granted to
	// every connection of the user by the callout itself).
	SubjectRealtimeGrants = "rpc.training.realtime.grants"
	// EventRealtimeGrantsChanged (RealtimeGrantsChanged) says that users
	// may now, or may no longer, watch a session: their app connections
	// are closed so they reconnect with the new grants.
	EventRealtimeGrantsChanged = "evt.training.realtime.grants_changed"
)

// RealtimeGrantsRequest asks for a user's real-time grants.
type RealtimeGrantsRequest struct {
	UserID string `json:"user_id"`
}

// RealtimeGrants are the subjects a user may subscribe to, literal (no
// wildcards).
type RealtimeGrants struct {
	Subscribe []string `json:"subscribe"`
}

// RealtimeGrantsChanged is the payload of EventRealtimeGrantsChanged.
type RealtimeGrantsChanged struct {
	UserIDs []string `json:"user_ids"`
}
