package api

import (
	"time"

	"github.com/athlos/athlos/internal/kit/patch"
)

// Gear is a user's equipment (shoes, bikes, ...): what it is, what it has
// done, and when it is worn out. The app manages it over HTTP
// (/v1/me/gear); the front forwards to these subjects with the caller
// attached, and the owner is always the caller.
const (
	SubjectGearList   = "rpc.client.gear.list"   // GearListRequest → GearPage
	SubjectGearCreate = "rpc.client.gear.create" // GearCreate → Gear
	SubjectGearGet    = "rpc.client.gear.get"    // GearIDRequest → Gear
	SubjectGearUpdate = "rpc.client.gear.update" // GearUpdateRequest → Gear
	SubjectGearDelete = "rpc.client.gear.delete" // GearIDRequest → Empty
)

// Gear is the view of one item of gear. Optional fields are null when not
// set. Distances are metres, times seconds.
type Gear struct {
	ID       string  `json:"id" format:"uuid"`
	Type     string  `json:"type" enum:"shoes,bike,wetsuit,skis,snowboard,paddle,boat,rowing_machine,treadmill,indoor_trainer,other"`
	Brand    *string `json:"brand"`
	Model    *string `json:"model"`
	Nickname *string `json:"nickname"`
	// Name is what the app shows: the nickname, else brand and model, else
	// the type.
	Name         string  `json:"name"`
	PurchaseDate *string `json:"purchase_date" format:"date" doc:"YYYY-MM-DD"`
	// StartingDistanceM is what the item had done before it was recorded
	// here; DistanceM includes it.
	StartingDistanceM     float64  `json:"starting_distance_m"`
	ReplacementThresholdM *float64 `json:"replacement_threshold_m" doc:"distance_m at which the item is worn out"`
	// DefaultFor lists the sports for which this item is the default of its
	// type.
	DefaultFor []string `json:"default_for" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other"`
	Retired    bool     `json:"retired"`
	// Totals: starting distance plus every recorded session.
	DistanceM   float64    `json:"distance_m"`
	MovingTimeS float64    `json:"moving_time_s"`
	Sessions    int        `json:"sessions"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	// WearLimitReached says distance_m has reached the replacement
	// threshold.
	WearLimitReached bool        `json:"wear_limit_reached"`
	Components       []Component `json:"components"`
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
}

// Component is a part of a bike, with its own totals since it was
// installed.
type Component struct {
	ID                    string    `json:"id" format:"uuid"`
	Type                  string    `json:"type" enum:"chain,cassette,chainring,crankset,bottom_bracket,derailleur,tyre_front,tyre_rear,tube_front,tube_rear,wheel_front,wheel_rear,brake_pads,brake_rotor,cables,bar_tape,saddle,pedals,fork,shock,battery,other"`
	Brand                 *string   `json:"brand"`
	Model                 *string   `json:"model"`
	InstalledAt           time.Time `json:"installed_at"`
	ReplacementThresholdM *float64  `json:"replacement_threshold_m"`
	// Totals of the sessions completed since InstalledAt.
	DistanceM        float64 `json:"distance_m"`
	MovingTimeS      float64 `json:"moving_time_s"`
	Sessions         int     `json:"sessions"`
	WearLimitReached bool    `json:"wear_limit_reached"`
}

// GearPage is a page of the caller's gear, newest first.
type GearPage struct {
	Items []Gear `json:"items"`
	// NextCursor fetches the next page; null on the last one.
	NextCursor *string `json:"next_cursor"`
}

// GearListRequest asks for a page of the caller's gear.
type GearListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	// Retired filters by the retired flag when set.
	Retired *bool `json:"retired,omitempty"`
}

// GearIDRequest names one item of the caller's gear.
type GearIDRequest struct {
	ID string `json:"id"`
}

// GearCreate describes a new item (POST /v1/me/gear). Only type is
// required.
type GearCreate struct {
	Type                  string           `json:"type" enum:"shoes,bike,wetsuit,skis,snowboard,paddle,boat,rowing_machine,treadmill,indoor_trainer,other"`
	Brand                 *string          `json:"brand,omitempty" maxLength:"100"`
	Model                 *string          `json:"model,omitempty" maxLength:"100"`
	Nickname              *string          `json:"nickname,omitempty" maxLength:"100"`
	PurchaseDate          *string          `json:"purchase_date,omitempty" format:"date" doc:"YYYY-MM-DD, not in the future"`
	StartingDistanceM     *float64         `json:"starting_distance_m,omitempty" minimum:"0" maximum:"1e8" doc:"distance done before it was recorded here"`
	ReplacementThresholdM *float64         `json:"replacement_threshold_m,omitempty" exclusiveMinimum:"0" maximum:"1e8" doc:"total distance at which to replace it (evt.client.gear.wear_limit_reached)"`
	DefaultFor            []string         `json:"default_for,omitempty" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"sports for which it is the default item of its type; it takes that place from any other item"`
	Retired               bool             `json:"retired,omitempty"`
	Components            []ComponentInput `json:"components,omitempty" maxItems:"20" doc:"bikes only"`
}

// ComponentInput describes a component. In a PATCH, an item with the id of
// an existing component keeps its identity and totals (and its
// installed_at unless given: a new installed_at is a replacement, which
// starts its totals afresh); an item without id is a new component, and
// components not listed are removed.
type ComponentInput struct {
	ID                    string     `json:"id,omitempty" format:"uuid" doc:"an existing component's id (PATCH only)"`
	Type                  string     `json:"type" enum:"chain,cassette,chainring,crankset,bottom_bracket,derailleur,tyre_front,tyre_rear,tube_front,tube_rear,wheel_front,wheel_rear,brake_pads,brake_rotor,cables,bar_tape,saddle,pedals,fork,shock,battery,other"`
	Brand                 *string    `json:"brand,omitempty" maxLength:"100"`
	Model                 *string    `json:"model,omitempty" maxLength:"100"`
	InstalledAt           *time.Time `json:"installed_at,omitempty" doc:"sessions completed since then count; default now"`
	ReplacementThresholdM *float64   `json:"replacement_threshold_m,omitempty" exclusiveMinimum:"0" maximum:"1e8"`
}

// GearUpdateRequest changes an item (PATCH /v1/me/gear/{id}).
type GearUpdateRequest struct {
	ID    string    `json:"id"`
	Patch GearPatch `json:"patch"`
}

// GearPatch holds the fields a PATCH names, a JSON merge patch (package
// patch): a field left out is kept, a field set to null is cleared
// (optional fields only). The type cannot change.
type GearPatch struct {
	Brand                 patch.Field[string]           `json:"brand,omitzero"`
	Model                 patch.Field[string]           `json:"model,omitzero"`
	Nickname              patch.Field[string]           `json:"nickname,omitzero"`
	PurchaseDate          patch.Field[string]           `json:"purchase_date,omitzero"`
	StartingDistanceM     patch.Field[float64]          `json:"starting_distance_m,omitzero"`
	ReplacementThresholdM patch.Field[float64]          `json:"replacement_threshold_m,omitzero"`
	DefaultFor            patch.Field[[]string]         `json:"default_for,omitzero"`
	Retired               patch.Field[bool]             `json:"retired,omitzero"`
	Components            patch.Field[[]ComponentInput] `json:"components,omitzero"`
}

// Events about gear (stream EVT_CLIENT), published through the outbox.
// A session that changes an item's totals (recorded, edited, deleted)
// publishes gear.updated with the new totals, once per item.

// GearChanged is the payload of EventGearCreated and EventGearUpdated: the
// item as it is after the change. An item that lost a sport default to
// another item is updated too.
type GearChanged struct {
	UserID     string    `json:"user_id"`
	Gear       Gear      `json:"gear"`
	OccurredAt time.Time `json:"occurred_at"`
}

// GearDeleted is the payload of EventGearDeleted. Sessions that used the
// item keep its id; the client module keeps the item's usage records.
type GearDeleted struct {
	UserID    string    `json:"user_id"`
	GearID    string    `json:"gear_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// GearWearLimitReached is the payload of EventGearWearLimit: an item (or,
// with ComponentID, one of its components) reached its replacement
// threshold. It is published once per crossing; it can come again only
// after the threshold was changed or the component replaced (a new
// installed_at). Retired items publish none.
type GearWearLimitReached struct {
	UserID   string `json:"user_id"`
	GearID   string `json:"gear_id"`
	GearType string `json:"gear_type"`
	GearName string `json:"gear_name"`
	// ComponentID and ComponentType are set when a component is worn out.
	ComponentID           string  `json:"component_id,omitempty"`
	ComponentType         string  `json:"component_type,omitempty"`
	DistanceM             float64 `json:"distance_m"`
	ReplacementThresholdM float64 `json:"replacement_threshold_m"`
	// SessionID is the session that crossed the threshold, when a session
	// did (not a change of the threshold itself).
	SessionID string    `json:"session_id,omitempty"`
	ReachedAt time.Time `json:"reached_at"`
}
