package api

import "time"

// Subjects of the privacy zones (they need a caller: the zones are the
// caller's own).
const (
	SubjectZonesList   = "rpc.training.zones.list"   // Empty → PrivacyZoneList
	SubjectZonesCreate = "rpc.training.zones.create" // PrivacyZoneCreate → PrivacyZone
	SubjectZonesPatch  = "rpc.training.zones.patch"  // PrivacyZonePatch → PrivacyZone
	SubjectZonesDelete = "rpc.training.zones.delete" // PrivacyZoneRef → Empty
)

// PrivacyZone is one of the caller's privacy zones: the positions of its
// sessions within it are hidden from everyone else (routes, GPX,
// polylines, live positions); figures stay whole.
type PrivacyZone struct {
	ID        string    `json:"id" format:"uuid"`
	Center    Place     `json:"center" doc:"the point the zone is around, as given"`
	RadiusM   float64   `json:"radius_m" minimum:"200" maximum:"2000"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PrivacyZoneCreate adds a zone (at most 5 per user).
type PrivacyZoneCreate struct {
	Center  ZonePlace `json:"center"`
	RadiusM float64   `json:"radius_m" minimum:"200" maximum:"2000" doc:"metres, 200 to 2000"`
}

// ZonePlace is a zone's centre as given: a latitude and a longitude in
// degrees (WGS 84).
type ZonePlace struct {
	Lat float64 `json:"lat" minimum:"-90" maximum:"90"`
	Lon float64 `json:"lon" minimum:"-180" maximum:"180"`
}

// PrivacyZonePatch moves or resizes one of the caller's zones: absent
// fields stay.
type PrivacyZonePatch struct {
	ID      string     `json:"id"`
	Center  *ZonePlace `json:"center,omitempty"`
	RadiusM *float64   `json:"radius_m,omitempty" minimum:"200" maximum:"2000"`
}

// PrivacyZoneRef names one of the caller's zones.
type PrivacyZoneRef struct {
	ID string `json:"id"`
}

// PrivacyZoneList is the caller's zones, oldest first (at most 5: one
// page, next_cursor always null).
type PrivacyZoneList struct {
	Items      []PrivacyZone `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}
