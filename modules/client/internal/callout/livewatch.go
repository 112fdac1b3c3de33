package callout

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/jwt/v2"

	"github.com/athlos/athlos/bus"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// LiveWatch is where the callout checks the watch credentials of the
// live-tracking page (/live/<share token>): people without an account,
// who may follow one shared session and do nothing else. The module that
// owns live sessions (training) issues them and answers whether one holds
// (Authorize: {"credential"} → {"session_id", "subject", "expires_at"});
// Closed is its event {"session_id"} after which the connections of that
// session's credentials are closed (the link was revoked or replaced, the
// session ended).
type LiveWatch struct {
	Authorize string
	Closed    string
}

// maxWatcherSubscriptions is recorded in a watcher's JWT (the app
// account's limits are the ones enforced): the live subject, and room for
// a client library's own.
const maxWatcherSubscriptions = 4

// MaxWatchersPerSession bounds the connections of one session's watch
// credentials on the cluster: a link passed around a family, a club or a
// fan page, and each may be open in several tabs.
const MaxWatchersPerSession = 200

var errWatchRefused = errors.New("watch credential refused")

// isWatchCredential reports whether a connect token is a watch credential
// rather than an access token.
func isWatchCredential(token string) bool {
	return strings.HasPrefix(token, trainingapi.LiveCredentialPrefix)
}

// authorizeWatcher answers a connection made with a watch credential: a
// user JWT named trainingapi.LiveWatcherName(session) that may subscribe
// to live.watch.<session> alone and publish nothing, over WebSocket only,
// until the credential expires. The connection has no inbox: it can make
// no request.
func (c *Callout) authorizeWatcher(ctx context.Context, req *jwt.AuthorizationRequestClaims, now time.Time) (string, error) {
	if c.liveWatch.Authorize == "" {
		return "", errWatchRefused
	}
	token := req.ConnectOptions.Token
	if len(token) > 256 {
		return "", errWatchRefused
	}
	body, _ := json.Marshal(trainingapi.LiveAuthorizeRequest{Credential: token})
	actx, cancel := context.WithTimeout(ctx, c.grantTimeout)
	defer cancel()
	data, err := bus.Request(actx, c.nc, c.liveWatch.Authorize, body, nil)
	if err != nil {
		return "", errors.Join(errWatchRefused, err)
	}
	var grant trainingapi.LiveAuthorization
	if err := json.Unmarshal(data, &grant); err != nil {
		return "", errors.Join(errWatchRefused, err)
	}
	// Only a canonical session id may become part of a subject.
	id, err := uuid.Parse(grant.SessionID)
	if err != nil || id.String() != grant.SessionID || grant.Subject != trainingapi.LiveWatchSubject(grant.SessionID) {
		return "", errWatchRefused
	}
	if !grant.ExpiresAt.After(now.Add(time.Second)) {
		return "", errWatchRefused
	}
	name := trainingapi.LiveWatcherName(grant.SessionID)
	if err := c.admit(ctx, req, name, now, c.maxWatchers); err != nil {
		return "", err
	}
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Name = name
	uc.Audience = c.account
	uc.Expires = grant.ExpiresAt.Unix()
	uc.Pub.Deny.Add(">")
	uc.Sub.Allow.Add(grant.Subject)
	uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket)
	uc.Limits.Subs = maxWatcherSubscriptions
	uc.Limits.Payload = bus.AppMaxPayload
	return uc.Encode(c.issuer)
}

// liveLinkClosed names the connections to close on LiveWatch.Closed.
func liveLinkClosed(data []byte) []string {
	var ev trainingapi.LiveLinkClosed
	if json.Unmarshal(data, &ev) != nil || ev.SessionID == "" {
		return nil
	}
	return []string{trainingapi.LiveWatcherName(ev.SessionID)}
}
