// Package api is the client module's contract with the other modules and
// the front: subjects, event and RPC payloads, and the access-token format.
// It depends on the standard library and internal/kit only.
package api

import (
	"crypto/ed25519"
	"encoding/base64"
	"time"
)

// Module is the module's name: its schema, stream (EVT_CLIENT) and subject
// prefix.
const Module = "client"

// Access tokens are JWTs signed with EdDSA (Ed25519), with the key id in
// the "kid" header. The front verifies them with the keys of the JWKS
// (SubjectKeysGet, GET /.well-known/jwks.json) and checks these claims.
const (
	TokenAlgorithm = "EdDSA"
	TokenIssuer    = "athlos"
	TokenAudience  = "athlos-api"
	// ClaimRole carries RoleUser or RoleAdmin.
	ClaimRole = "role"
	// ClaimSession carries the id of the login session (refresh-token
	// family) the token belongs to.
	ClaimSession = "sid"
)

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// JWK is a public signing key as a JSON Web Key (RFC 7517, OKP per RFC 8037).
type JWK struct {
	KeyType   string `json:"kty"`
	Curve     string `json:"crv"`
	X         string `json:"x"`
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	Use       string `json:"use"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// Subjects of the client module's RPC.
const (
	// SubjectKeysGet answers the JWKS (request: empty).
	SubjectKeysGet = "rpc.client.keys.get"
)

// Events the client module publishes (stream EVT_CLIENT).
const (
	EventUserRegistered = "evt.client.user.registered"
	EventProfileUpdated = "evt.client.profile.updated"
	EventUserDeleted    = "evt.client.user.deleted"
	EventGearCreated    = "evt.client.gear.created"
	EventGearUpdated    = "evt.client.gear.updated"
	EventGearDeleted    = "evt.client.gear.deleted"
	EventGearWearLimit  = "evt.client.gear.wear_limit_reached"
	EventKeysRotated    = "evt.client.keys.rotated"
	// EventSessionRevoked: sign-in sessions ended before their time
	// (logout, a password change, a stolen refresh token): their access
	// tokens are refused at once, and the user's app connections closed.
	EventSessionRevoked = "evt.client.session.revoked"
)

// SessionRevoked is the payload of EventSessionRevoked.
type SessionRevoked struct {
	UserID string `json:"user_id"`
	// SessionIDs are the sessions' ids, the "sid" claim of their tokens.
	SessionIDs []string  `json:"session_ids"`
	RevokedAt  time.Time `json:"revoked_at"`
}

// UserRegistered is the payload of EventUserRegistered.
type UserRegistered struct {
	UserID       string    `json:"user_id"`
	DisplayName  string    `json:"display_name"`
	Language     string    `json:"language"`
	RegisteredAt time.Time `json:"registered_at"`
}

// UserDeleted is the payload of EventUserDeleted: every module erases the
// user's data.
type UserDeleted struct {
	UserID    string    `json:"user_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// Ed25519Keys returns the usable keys of the set by key id; keys of other
// types or with malformed values are left out.
func (s JWKS) Ed25519Keys() map[string]ed25519.PublicKey {
	keys := make(map[string]ed25519.PublicKey, len(s.Keys))
	for _, k := range s.Keys {
		if k.KeyType != "OKP" || k.Curve != "Ed25519" || k.KeyID == "" {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			continue
		}
		keys[k.KeyID] = ed25519.PublicKey(x)
	}
	return keys
}
