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

// TelemetryMessage is what the app publishes on
// live.telemetry.<user>.<session> (the format of the body of POST
// /v1/sessions/{id}/points too): a batch of points in the compact format,
// at most 256 KiB (bus.TelemetryMaxMsgSize, about 3,000 points).
type TelemetryMessage struct {
	Points []TelemetryPoint `json:"points" maxItems:"10000" doc:"in any order, at most 10,000 (and 256 KiB) a message; a point whose time is already stored is not stored again"`
}

// TelemetryPoint is one sample: t, lat and lon are required, the rest
// optional. Impossible points (out of range, before the session or after
// now, or too far from the previous one for the sport) are not refused:
// they are dropped and counted by reason, and the rest stored.
type TelemetryPoint struct {
	T     time.Time `json:"t" doc:"when the sample was taken (RFC 3339); the points of a session are kept by time"`
	Lat   float64   `json:"lat" minimum:"-90" maximum:"90" doc:"latitude, WGS 84 degrees"`
	Lon   float64   `json:"lon" minimum:"-180" maximum:"180" doc:"longitude, WGS 84 degrees"`
	Ele   *float64  `json:"ele,omitempty" minimum:"-500" maximum:"9000" doc:"elevation, m above sea level"`
	Acc   *float64  `json:"acc,omitempty" minimum:"0" maximum:"10000" doc:"horizontal accuracy, m"`
	Speed *float64  `json:"speed,omitempty" minimum:"0" doc:"m/s, as the device measured it"`
	HR    *int      `json:"hr,omitempty" minimum:"20" maximum:"250" doc:"heart rate, bpm"`
	Cad   *int      `json:"cad,omitempty" minimum:"0" maximum:"300" doc:"cadence, rpm or steps/min"`
	Pwr   *int      `json:"pwr,omitempty" minimum:"0" maximum:"3000" doc:"power, W"`
	Temp  *float64  `json:"temp,omitempty" minimum:"-60" maximum:"60" doc:"temperature, °C"`
}

// TelemetryHeaders are the NATS headers of a telemetry message.
type TelemetryHeaders struct {
	MsgID string `json:"Nats-Msg-Id,omitempty" maxLength:"128" doc:"the message's id, unique per message of the user (e.g. the session id and a counter): a retry with the same id within 2 minutes is acknowledged as a duplicate and not stored again"`
}
