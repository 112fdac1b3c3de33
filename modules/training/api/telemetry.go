package api

import "time"

// SubjectTelemetry is the prefix of the subjects the app publishes its
// telemetry on: live.telemetry.<user>.<session> (TelemetrySubject), one
// TelemetryMessage each, stored in the TELEMETRY stream. The client
// module's auth callout lets a user publish only under its own id; the
// training module answers each publish in the app account with the
// stream's PubAck (or a refusal in the shape of a JetStream API error),
// so a stock JetStream client publishes through it as to a stream.
const SubjectTelemetry = "live.telemetry."

// TelemetrySubject is where user publishes the points of its session.
func TelemetrySubject(user, session string) string { return SubjectTelemetry + user + "." + session }

// HeaderMsgID is the NATS header that names a telemetry message
// (JetStream's Nats-Msg-Id): a message published again with the same id
// within the stream's duplicate window (2 minutes) is acknowledged as a
// duplicate and not stored again. Apps set it on every publish, so that a
// retry after a lost acknowledgement never stores twice.
const HeaderMsgID = "Nats-Msg-Id"

// TelemetryMessage is what an app sends: over NATS on
// live.telemetry.<user>.<session>, or in POST /v1/sessions/{id}/points
// (offline sync). Compact, because phones pay for every byte; many points
// per message. Fields it does not know are ignored, so a newer app may
// send more.
type TelemetryMessage struct {
	_      struct{}         `additionalProperties:"true"`
	Points []TelemetryPoint `json:"points" maxItems:"10000" doc:"in any order, at most 10,000 a message (over NATS also at most 256 KiB, bus.TelemetryMaxMsgSize, about 3,000 points); a point whose time is already stored is not stored again"`
}

// TelemetryPoint is one sample. Only t is required: a point without lat
// and lon (indoors: a treadmill, a trainer, a pool, a gym; a GPS fix lost)
// is kept with its values. Impossible values do not refuse the message:
// the point is left out and counted by reason (PointsResult.Dropped).
type TelemetryPoint struct {
	_     struct{}  `additionalProperties:"true"`
	T     time.Time `json:"t" doc:"when it was measured (RFC 3339); within the session (10 minutes before its start to 2 minutes after now or its finish), else time_outside_session"`
	Lat   *float64  `json:"lat,omitempty" doc:"degrees north, WGS 84; with lon (one without the other: partial_position). A point without a position (indoors) is kept, unless it carries no value and no lap marker either (no_position); the session's route is drawn from its positioned points"`
	Lon   *float64  `json:"lon,omitempty" doc:"degrees east, WGS 84; with lat"`
	Dist  *float64  `json:"dist,omitempty" doc:"the device's cumulative distance since the session's start, m (0 to 1,000,000): a footpod's, a trainer's, a treadmill's, a pool's lengths. Between two points without a position the session's distance is its increase (else the device's speed times the time); between positioned points, the distance on the ellipsoid"`
	Ele   *float64  `json:"ele,omitempty" doc:"elevation above sea level, m (-500 to 9,000)"`
	Acc   *float64  `json:"acc,omitempty" doc:"horizontal accuracy, m"`
	Speed *float64  `json:"speed,omitempty" doc:"speed as the device measured it, m/s (0 to the sport's highest plausible speed, else impossible_speed)"`
	HR    *int      `json:"hr,omitempty" doc:"heart rate, bpm (20 to 250)"`
	Cad   *int      `json:"cad,omitempty" doc:"cadence, rpm or steps a minute (0 to 300)"`
	Pwr   *int      `json:"pwr,omitempty" doc:"power, W (0 to 3,000)"`
	Temp  *float64  `json:"temp,omitempty" doc:"temperature, °C (-60 to 60)"`
	Lap   bool      `json:"lap,omitempty" doc:"true on the first point of a new lap (the athlete pressed lap): the session's laps (GET /v1/sessions/{id}/laps) start at these points"`
}

// TelemetryHeaders are the NATS headers of a telemetry message.
type TelemetryHeaders struct {
	MsgID string `json:"Nats-Msg-Id,omitempty" maxLength:"128" doc:"the message's id, unique per message of the user (e.g. the session id and a counter): a retry with the same id within 2 minutes is acknowledged as a duplicate and not stored again"`
}
