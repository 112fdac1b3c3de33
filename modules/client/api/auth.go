package api

// Subjects of the auth operations (request → reply types).
const (
	SubjectRegister       = "rpc.client.auth.register" // RegisterRequest → TokenResponse
	SubjectLogin          = "rpc.client.auth.login"    // LoginRequest → TokenResponse
	SubjectRefresh        = "rpc.client.auth.refresh"  // RefreshRequest → TokenResponse
	SubjectLogout         = "rpc.client.auth.logout"   // RefreshRequest → Empty
	SubjectChangePassword = "rpc.client.auth.password" // ChangePasswordRequest → Empty (needs a caller)
	// SubjectPasswordReset asks for a reset link (PasswordResetRequest →
	// Empty, the same for any address).
	SubjectPasswordReset = "rpc.client.auth.password_reset"
	// SubjectPasswordResetConfirm sets a password with a reset link's
	// token (PasswordResetConfirmRequest → Empty).
	SubjectPasswordResetConfirm = "rpc.client.auth.password_reset_confirm"
	// SubjectVerifyEmail uses a verification or email-change link's token
	// (VerifyEmailRequest → EmailVerified).
	SubjectVerifyEmail = "rpc.client.auth.verify_email"
	// SubjectResendVerification mails the caller a new verification link
	// (Empty → Empty; needs a caller).
	SubjectResendVerification = "rpc.client.auth.verify_email_resend"
)

// PasswordResetRequest asks for a password-reset link.
type PasswordResetRequest struct {
	Email string `json:"email" maxLength:"254" doc:"the account's email; the answer is the same whether or not an account has it"`
	// ClientIP is set by the front (not by the app): it keys the
	// throttling per address.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// PasswordResetConfirmRequest sets a new password with a reset link's
// token.
type PasswordResetConfirmRequest struct {
	Token    string `json:"token" maxLength:"64" doc:"the token of the link mailed (its token query parameter)"`
	Password string `json:"password" minLength:"10" maxLength:"256" doc:"the new password: at least 10 characters, and not easy to guess"`
}

// VerifyEmailRequest uses a verification or email-change link's token.
type VerifyEmailRequest struct {
	Token string `json:"token" maxLength:"64" doc:"the token of the link mailed (its token query parameter)"`
}

// EmailVerified is the answer of a verification: the address the account
// has, verified.
type EmailVerified struct {
	Email string `json:"email" doc:"the account's address, now verified (the new one after an email change)"`
}

// RegisterRequest creates an account.
type RegisterRequest struct {
	Email     string `json:"email" maxLength:"254" doc:"the account's email; case and surrounding spaces are ignored"`
	Password  string `json:"password" minLength:"10" maxLength:"256" doc:"at least 10 characters, and not easy to guess"`
	FirstName string `json:"first_name,omitempty" maxLength:"100"`
	LastName  string `json:"last_name,omitempty" maxLength:"100"`
	Language  string `json:"language,omitempty" maxLength:"35" doc:"interface language, BCP 47 (e.g. en, de, pt-BR)"`
	// ClientIP is set by the front (not by the app): it keys the
	// throttling of registrations per address.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// LoginRequest logs in with email and password.
type LoginRequest struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"1024"`
	// DeviceToken is what an earlier login on this device answered: a
	// device the account used before is throttled on its own, so other
	// people's failed logins never lock it out.
	DeviceToken string `json:"device_token,omitempty" maxLength:"64" doc:"the device_token an earlier login on this device answered; keep it and send it with every login"`
	// ClientIP is set by the front (not by the app): it keys the throttling.
	ClientIP string `json:"client_ip,omitempty" hidden:"true"`
}

// RefreshRequest carries a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token" maxLength:"128"`
}

// ChangePasswordRequest changes the caller's password.
type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password" maxLength:"1024"`
	NewPassword     string `json:"new_password" minLength:"10" maxLength:"256"`
}

// TokenResponse is the answer of a successful registration, login or
// refresh (OAuth 2 names).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type" example:"Bearer"`
	ExpiresIn    int    `json:"expires_in" doc:"seconds until the access token expires"`
	RefreshToken string `json:"refresh_token"`
	UserID       string `json:"user_id" format:"uuid"`
	// DeviceToken (login and registration) marks this device as one the
	// account knows: send it with the next logins (LoginRequest).
	DeviceToken string `json:"device_token,omitempty" doc:"keep it on the device and send it with the next logins: a known device is never locked out by other people's failed logins"`
}

// Empty is the reply of operations that return nothing.
type Empty struct{}
