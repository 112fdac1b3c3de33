package api

import "time"

// The live-tracking page (/live/<share token>): people an athlete sends a
// share link to usually have no account. They exchange the share token
// for a watch credential (SubjectLiveCredential), a short-lived NATS token
// that the client module's auth callout accepts (SubjectLiveAuthorize) for
// a connection that may subscribe to live.watch.<session> and nothing
// else. When the link is revoked or replaced, or the session ends or is
// deleted, the module publishes EventLiveLinkClosed through the outbox
// and the callout closes those connections (their NATS user is
// LiveWatcherName(session)).
const (
	// SubjectLiveCredential: LiveCredentialRequest → LiveView (no caller:
	// anyone holding the share token).
	SubjectLiveCredential = "rpc.training.live.credential"
	// SubjectLiveAuthorize: LiveAuthorizeRequest → LiveAuthorization (the
	// client module's auth callout asks it).
	SubjectLiveAuthorize = "rpc.training.live.authorize"
	// EventLiveLinkClosed (LiveLinkClosed): the credentials of a session's
	// share link no longer hold.
	EventLiveLinkClosed = "evt.training.live.link_closed"
)

// LiveCredentialPrefix starts every watch credential, so that the auth
// callout tells it from an access token (a JWT starts with "ey").
const LiveCredentialPrefix = "lw1."

// LiveCredentialTTL is how long a watch credential holds by default
// (training.Config.LiveCredentialTTL); the page asks for a new one a
// minute before it expires.
const LiveCredentialTTL = 10 * time.Minute

// LiveWatcherName is the NATS user name of the connections made with the
// watch credentials of a session (the callout closes them by it).
func LiveWatcherName(session string) string { return "live-watch:" + session }

// LiveCredentialRequest asks for a watch credential with a share token.
// ClientIP is the address the front saw (the endpoint is throttled per
// address); WebSocketURLs are those of the front's node.
type LiveCredentialRequest struct {
	ShareToken    string   `json:"share_token"`
	ClientIP      string   `json:"client_ip,omitempty"`
	WebSocketURLs []string `json:"websocket_urls,omitempty"`
}

// LiveView is what a share link shows: the session as watchers see it
// (no account id, no other session) and a credential to follow it live.
type LiveView struct {
	AthleteName string    `json:"athlete_name" doc:"the athlete's display name (empty when it cannot be had at the moment)"`
	Sport       string    `json:"sport"`
	State       string    `json:"state" enum:"active,paused"`
	StartedAt   time.Time `json:"started_at"`
	// Figures are the latest live figures (as on live.watch.<session>).
	Figures LiveStats `json:"figures"`
	// Track is the track so far, the parts the athlete's privacy zones
	// leave visible, each a list of positions in time order.
	Track         [][]Place `json:"track" doc:"the visible parts of the track so far (privacy zones cut it), each a list of positions"`
	Subject       string    `json:"subject" doc:"live.watch.<session>: subscribe to it with the credential"`
	WebSocketURL  string    `json:"websocket_url" doc:"the NATS WebSocket URL (empty when the server knows none)"`
	WebSocketURLs []string  `json:"websocket_urls" doc:"every node's URL, for reconnects"`
	NATSToken     string    `json:"nats_token" doc:"the watch credential: the NATS token of the connection; subscribe-only, to subject alone"`
	ExpiresAt     time.Time `json:"expires_at" doc:"when the credential (and a connection made with it) ends: ask again before"`
	ExpiresIn     int       `json:"expires_in" doc:"seconds until expires_at"`
}

// LiveAuthorizeRequest is a watch credential to check.
type LiveAuthorizeRequest struct {
	Credential string `json:"credential"`
}

// LiveAuthorization is a valid credential's grant: the session's
// live.watch subject until ExpiresAt.
type LiveAuthorization struct {
	SessionID string    `json:"session_id"`
	Subject   string    `json:"subject"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LiveLinkClosed is the payload of EventLiveLinkClosed.
type LiveLinkClosed struct {
	SessionID string `json:"session_id"`
}
