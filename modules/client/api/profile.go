package api

import "time"

// Subjects of the profile operations (they need a caller).
const (
	SubjectProfileGet    = "rpc.client.profile.get"    // Empty → Profile (the caller's)
	SubjectProfilePatch  = "rpc.client.profile.patch"  // a JSON object of the fields to change → Profile
	SubjectProfileDelete = "rpc.client.profile.delete" // DeleteAccountRequest → Empty: erases the caller's account
	// SubjectUserGet answers another module's question about a user by id
	// (UserRequest → UserProfile), for what a read model does not hold.
	SubjectUserGet = "rpc.client.user.get"
)

// Profile is a user's own view of the account.
type Profile struct {
	UserID string `json:"user_id" format:"uuid"`
	Email  string `json:"email"`
	// EmailVerified: the account proved it reads Email.
	EmailVerified bool `json:"email_verified" doc:"the account proved it reads its email: it used a link sent there (verification, email change or password reset)"`
	// PendingEmail is an address asked for and not yet confirmed.
	PendingEmail *string  `json:"pending_email" doc:"the address asked for with PATCH /v1/me {\"email\"} until the link mailed to it confirms it (then it is email); null when none"`
	Role         string   `json:"role" enum:"user,admin"`
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	BirthDate    *string  `json:"birth_date" format:"date" doc:"YYYY-MM-DD; never shown to others"`
	Age          *int     `json:"age" doc:"derived from birth_date"`
	Country      *string  `json:"country" doc:"ISO 3166-1 alpha-2"`
	Language     string   `json:"language" doc:"interface language, BCP 47"`
	Units        string   `json:"units" enum:"metric,imperial"`
	TimeZone     string   `json:"time_zone" doc:"IANA time zone"`
	Sex          *string  `json:"sex" enum:"female,male,other"`
	WeightKg     *float64 `json:"weight_kg"`
	HeightCm     *float64 `json:"height_cm"`
	RestingHRBpm *int     `json:"resting_hr_bpm"`
	MaxHRBpm     *int     `json:"max_hr_bpm"`
	// ThresholdHRBpm is the lactate threshold heart rate (hrTSS).
	ThresholdHRBpm *int      `json:"threshold_hr_bpm" doc:"lactate threshold heart rate, bpm: training load (hrTSS) uses it"`
	Privacy        Privacy   `json:"privacy"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Privacy is who sees what by default.
type Privacy struct {
	DefaultVisibility  string            `json:"default_visibility" enum:"private,followers,public"`
	SportVisibility    map[string]string `json:"sport_visibility,omitempty" doc:"per-sport override of default_visibility, e.g. {\"ride\": \"private\"}"`
	ShowInLeaderboards bool              `json:"show_in_leaderboards"`
	ShowAge            bool              `json:"show_age"`
}

// ProfilePatch documents PATCH /v1/me: every field is optional; a field
// that is present is changed, and null clears an optional one.
type ProfilePatch struct {
	Email          *string       `json:"email,omitempty" maxLength:"254" doc:"a new address: not changed at once; a link mailed to it confirms it (POST /v1/auth/verify-email), and the old address is told. 409 when another account has it"`
	FirstName      *string       `json:"first_name,omitempty" maxLength:"100"`
	LastName       *string       `json:"last_name,omitempty" maxLength:"100"`
	BirthDate      *string       `json:"birth_date,omitempty" nullable:"true" format:"date" doc:"YYYY-MM-DD; null clears it"`
	Country        *string       `json:"country,omitempty" nullable:"true" doc:"ISO 3166-1 alpha-2; null clears it"`
	Language       *string       `json:"language,omitempty"`
	Units          *string       `json:"units,omitempty" enum:"metric,imperial"`
	TimeZone       *string       `json:"time_zone,omitempty"`
	Sex            *string       `json:"sex,omitempty" nullable:"true" enum:"female,male,other" doc:"null clears it"`
	WeightKg       *float64      `json:"weight_kg,omitempty" nullable:"true" minimum:"20" maximum:"400" doc:"null clears it"`
	HeightCm       *float64      `json:"height_cm,omitempty" nullable:"true" minimum:"50" maximum:"280" doc:"null clears it"`
	RestingHRBpm   *int          `json:"resting_hr_bpm,omitempty" nullable:"true" minimum:"20" maximum:"150" doc:"null clears it"`
	MaxHRBpm       *int          `json:"max_hr_bpm,omitempty" nullable:"true" minimum:"80" maximum:"250" doc:"null clears it"`
	ThresholdHRBpm *int          `json:"threshold_hr_bpm,omitempty" nullable:"true" minimum:"80" maximum:"230" doc:"lactate threshold heart rate, between the resting and the maximum heart rate; null clears it"`
	Privacy        *PrivacyPatch `json:"privacy,omitempty"`
}

// PrivacyPatch documents the privacy part of a profile patch: fields
// present change, sport_visibility null clears the overrides.
type PrivacyPatch struct {
	DefaultVisibility  *string           `json:"default_visibility,omitempty" enum:"private,followers,public"`
	SportVisibility    map[string]string `json:"sport_visibility,omitempty" nullable:"true" doc:"replaces the overrides; null clears them"`
	ShowInLeaderboards *bool             `json:"show_in_leaderboards,omitempty"`
	ShowAge            *bool             `json:"show_age,omitempty"`
}

// DeleteAccountRequest confirms the deletion of the caller's account.
type DeleteAccountRequest struct {
	Password string `json:"password" minLength:"1" maxLength:"1024" doc:"the account's password"`
	// ClientIP is set by the front (not by the app): it keys the
	// throttling, shared with logins.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// UserRequest names a user.
type UserRequest struct {
	UserID string `json:"user_id"`
}

// UserProfile is what other modules may know of a user: what they show
// of them and the facts analytics and planning need. Never sent to other
// users as is: modules apply Privacy.
type UserProfile struct {
	UserID         string   `json:"user_id"`
	DisplayName    string   `json:"display_name"`
	Country        *string  `json:"country"`
	Language       string   `json:"language"`
	Units          string   `json:"units"`
	TimeZone       string   `json:"time_zone"`
	Age            *int     `json:"age,omitempty" doc:"only when the user shows it"`
	Sex            *string  `json:"sex,omitempty"`
	WeightKg       *float64 `json:"weight_kg,omitempty"`
	RestingHRBpm   *int     `json:"resting_hr_bpm,omitempty"`
	MaxHRBpm       *int     `json:"max_hr_bpm,omitempty"`
	ThresholdHRBpm *int     `json:"threshold_hr_bpm,omitempty"`
	Privacy        Privacy  `json:"privacy"`
}

// ProfileUpdated is the payload of EventProfileUpdated: the user's public
// profile after the change.
type ProfileUpdated struct {
	UserProfile
	// BirthDate (YYYY-MM-DD) is for the user's own estimates in other
	// modules (calories, heart-rate zones); never show it to anyone.
	BirthDate *string   `json:"birth_date,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}
