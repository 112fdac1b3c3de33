package api

import "time"

// Subjects of two-factor sign-in (TOTP, RFC 6238, with recovery codes).
// All but SubjectLoginSecondFactor need a caller.
const (
	SubjectTwoFactorGet      = "rpc.client.twofactor.get"            // Empty → TwoFactorStatus
	SubjectTOTPStart         = "rpc.client.twofactor.totp.start"     // Empty → TOTPEnrolment
	SubjectTOTPConfirm       = "rpc.client.twofactor.totp.confirm"   // TOTPConfirmRequest → RecoveryCodes
	SubjectTwoFactorDisable  = "rpc.client.twofactor.disable"        // TwoFactorProofRequest → Empty
	SubjectRecoveryCodes     = "rpc.client.twofactor.recovery_codes" // TwoFactorProofRequest → RecoveryCodes
	SubjectLoginSecondFactor = "rpc.client.auth.login_2fa"           // SecondFactorLoginRequest → TokenResponse
)

// SecondFactorChallenge is the "details" of a login's 401
// second_factor_required problem: the password was right, and the login
// completes with a code (POST /v1/auth/login/2fa).
type SecondFactorChallenge struct {
	Challenge string   `json:"challenge" doc:"send it with a code to POST /v1/auth/login/2fa; good once"`
	ExpiresIn int      `json:"expires_in" doc:"seconds the challenge stays good (300)"`
	Methods   []string `json:"methods" doc:"what the code may be: totp (6 digits from the authenticator app), recovery_code"`
}

// Second factors a challenge accepts (SecondFactorChallenge.Methods).
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
)

// SecondFactorLoginRequest completes a login with a second factor.
type SecondFactorLoginRequest struct {
	Challenge   string `json:"challenge" minLength:"1" maxLength:"64" doc:"the challenge of the login's second_factor_required answer"`
	Code        string `json:"code" minLength:"1" maxLength:"64" doc:"the 6-digit code of the authenticator app, or an unused recovery code"`
	DeviceToken string `json:"device_token,omitempty" maxLength:"64" doc:"the device_token the login sent, if any: the answer keeps it"`
	// ClientIP is set by the front (not by the app): it keys the throttling.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// TOTPConfirmRequest confirms an enrolment with the app's current code
// and the account's password (a stolen access token alone cannot turn
// two-factor sign-in on and lock the owner out).
type TOTPConfirmRequest struct {
	Code     string `json:"code" minLength:"1" maxLength:"64" doc:"the 6-digit code the authenticator app shows for the new secret"`
	Password string `json:"password" minLength:"1" maxLength:"1024" doc:"the account's password"`
	// ClientIP is set by the front (not by the app): it keys the throttling.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// TwoFactorProofRequest proves the caller holds both factors: to turn
// two-factor sign-in off, or to make new recovery codes.
type TwoFactorProofRequest struct {
	Password string `json:"password" minLength:"1" maxLength:"1024" doc:"the account's password"`
	Code     string `json:"code" minLength:"1" maxLength:"64" doc:"a code of the authenticator app, or an unused recovery code (spent)"`
	// ClientIP is set by the front (not by the app): it keys the throttling.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// TOTPEnrolment is a new TOTP secret, not active until confirmed.
type TOTPEnrolment struct {
	Secret     string `json:"secret" doc:"base32, for typing into the authenticator app"`
	OTPAuthURI string `json:"otpauth_uri" doc:"otpauth://totp/... URI: show it as a QR code"`
	Issuer     string `json:"issuer" example:"Athlos"`
	Account    string `json:"account" doc:"the account's email, as the app labels it"`
	Algorithm  string `json:"algorithm" example:"SHA1"`
	Digits     int    `json:"digits" example:"6"`
	PeriodS    int    `json:"period_s" example:"30"`
}

// RecoveryCodes are new recovery codes, shown this once: only their
// hashes are kept.
type RecoveryCodes struct {
	RecoveryCodes []string  `json:"recovery_codes" doc:"10 codes, each good once in place of an authenticator code; shown only now"`
	EnabledAt     time.Time `json:"enabled_at" doc:"since when two-factor sign-in is on"`
}

// TwoFactorStatus is the caller's two-factor sign-in.
type TwoFactorStatus struct {
	Enabled           bool       `json:"enabled"`
	Pending           bool       `json:"pending" doc:"an enrolment was started and waits for its confirming code"`
	EnabledAt         *time.Time `json:"enabled_at" doc:"null when off"`
	Methods           []string   `json:"methods" doc:"second factors accepted at login: totp, recovery_code; empty when off"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
}
