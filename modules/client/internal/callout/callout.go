// Package callout is the client module's NATS auth callout: it decides who
// may connect to NATS as an app user and what that user may do there
// (docs/configuration.md "Real-time (NATS WebSocket) and the
// auth callout").
//
// How a connection is authorised:
//
//  1. The app connects to the NATS WebSocket listener with its access token
//     as the NATS token. The server knows only athlos's own users
//     (bus.ServiceUser, bus.SystemUser: they bypass the callout, and may
//     not use the WebSocket listener); every other connection
//     is sent as a signed authorization request to $SYS.REQ.USER.AUTH,
//     encrypted to the callout's xkey when the server is configured with it.
//  2. The callout (queue group athlos-client-callout: one process of the
//     client module answers) refuses anything that is not a WebSocket
//     client, then verifies the token like the front does (EdDSA, a current
//     key of the client module, issuer, audience, expiry, role, user not
//     deleted).
//  3. It asks the modules that own shared subjects which ones the user may
//     subscribe to (the Sources, e.g. the training module for
//     live.watch.<session>), in parallel, each for at most
//     api.RealtimeGrantsTimeout; a module that is not running grants
//     nothing.
//  4. It answers with a user JWT signed by the issuer key: name = user id,
//     account = the app account (bus.AppAccount), publish only
//     live.telemetry.<user>.* and chat.in.<user>.*, subscribe only live.session.<user>.> (the
//     live figures of the user's own sessions, those it starts later
//     too), notify.<user>, refused.<user>, _INBOX_<user>.> and the
//     granted subjects, no
//     responses, WebSocket only, expiring with the access token, so the
//     server closes the connection when the token expires. The payload and
//     subscription limits are the app account's (bus.AppMaxPayload,
//     bus.AppMaxSubscriptions): nats-server does not apply those of a
//     callout's user JWT. The JWT carries them too, for the record.
//
// A connection made with a watch credential of the live-tracking page
// (LiveWatch: a token starting "lw1.", from POST /v1/live/{token}) is no
// user's: the training module says whether the credential holds, and the
// answer (livewatch.go) may subscribe to that session's live.watch subject
// and nothing else, publishes nothing, and ends with the credential; its
// NATS user is live-watch:<session>, whose connections are closed on
// evt.training.live.link_closed and counted like a user's, up to
// MaxWatchersPerSession.
//
// Each user may have MaxConnectionsPerUser connections on the cluster at
// once: the callout counts them from the system account's connect and
// disconnect events of the app account, and before it refuses a user at
// the limit it asks the servers for the real number (conns). Without a
// system account connection there is no such bound.
//
// The app account holds no internal subject: apps receive what Athlos's
// account exports to it (bus.AppImports) and their publishes are answered
// by Athlos's handlers in the app account (bus.Ingress), only under the
// publisher's own inbox.
//
// Keys: the issuer (an account nkey) and the xkey derive from the secret
// key (bus.CalloutKeys), so every process sharing the secret key file signs
// with the same key and the server needs only the public halves. The
// callout keeps the derived Ed25519 key and the X25519 shared key per
// server (keys.go): nkeys would derive them again at every use.
//
// Changes: on each Source's grants-changed event, api.EventUserDeleted and
// api.EventSessionRevoked (one process of the module, queue group) the
// callout closes the users' connections on every server of the cluster
// through the NATS system
// account (bus.DisconnectUser), and the app reconnects with the grants of
// the moment, within a second or so. The embedded server has a system user
// built in; an external NATS needs one configured (--nats-system-user and
// its password or credentials). Without it the callout cannot close
// connections: the grants then change at the next reconnect, at the latest
// when the access token expires (15 min).
package callout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
)

// Subjects and names of the callout protocol (nats-server ADR-26).
const (
	// RequestSubject is where the NATS server sends authorization requests.
	RequestSubject = "$SYS.REQ.USER.AUTH"
	// QueueGroup spreads requests over the processes running the module.
	QueueGroup = "athlos-client-callout"
	// headerServerXKey carries the server's xkey on an encrypted request.
	headerServerXKey = "Nats-Server-Xkey"
	// clientTypeWebSocket is ClientInformation.Type of WebSocket clients.
	clientTypeWebSocket = "websocket"
)

const (
	// deniedFor keeps deleted users out for longer than any token lives.
	deniedFor = 30 * time.Minute
)

// Config configures the callout.
type Config struct {
	// NC is the service connection: it receives the requests and asks the
	// grant sources.
	NC *nats.Conn
	// Issuer signs the answers (bus.CalloutKeys).
	Issuer nkeys.KeyPair
	// XKey opens encrypted requests and seals their answers; nil means the
	// server must send them in clear.
	XKey nkeys.KeyPair
	// Account is where app users are placed; empty means bus.AppAccount.
	Account string
	// Keys are the access tokens' public keys.
	Keys Keys
	// System is a connection to the NATS system account (bus.ConnectSystem)
	// through which the callout closes users' connections when their grants
	// change; nil when there is none.
	System *nats.Conn
	// Sources grant subjects of their own; none means only the user's own
	// subjects (Own).
	Sources []Source
	// LiveWatch checks the watch credentials of the live-tracking page
	// (its zero value refuses them).
	LiveWatch LiveWatch
	// MaxWatchers bounds the connections made with the watch credentials
	// of one session on the cluster (counted like a user's); 0 means
	// MaxWatchersPerSession.
	MaxWatchers int
	// GrantTimeout bounds each source; 0 means api.RealtimeGrantsTimeout.
	GrantTimeout time.Duration
	// PartialGrantsTTL is how long a connection lives whose grants lack
	// those of a running source that did not answer (e.g. its process on
	// a node just lost): it then ends, and the app reconnects with all its
	// grants. 0 means PartialGrantsTTL.
	PartialGrantsTTL time.Duration
	// MaxConnections bounds each user's app connections on the cluster
	// (counted through System; without it there is no bound per user);
	// 0 means MaxConnectionsPerUser.
	MaxConnections int
	// Workers bounds concurrent authorisations; 0 means 32 per CPU.
	Workers int
	// PublicURL is the WebSocket URL the app is told (Info); empty means
	// ws://<request host>:<WebSocketPort>.
	PublicURL     string
	WebSocketPort int
	Log           *slog.Logger
}

// Callout answers the NATS server's authorization requests.
type Callout struct {
	nc           *nats.Conn
	issuer       *signer
	issuerPub    string
	xkey         *sealer
	account      string
	verifier     *verifier
	system       *nats.Conn
	conns        *conns
	sources      []Source
	liveWatch    LiveWatch
	maxWatchers  int
	grantTimeout time.Duration
	partialTTL   time.Duration
	publicURL    string
	wsPort       int
	log          *slog.Logger
	now          func() time.Time

	// closed counts the events (grants changed, sessions revoked, users
	// deleted, live links closed) whose users' connections this callout
	// has closed (Closed).
	closed atomic.Uint64

	sem     chan struct{}
	mu      sync.Mutex // guards stopped and wg.Add against Stop
	stopped bool
	wg      sync.WaitGroup
	subs    []*nats.Subscription
}

// New returns a callout; Start subscribes it.
func New(cfg Config) (*Callout, error) {
	if cfg.NC == nil || cfg.Issuer == nil || cfg.Keys == nil {
		return nil, errors.New("callout: NC, Issuer and Keys are required")
	}
	issuer, err := newSigner(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if !nkeys.IsValidPublicAccountKey(issuer.pub) {
		return nil, fmt.Errorf("callout: the issuer must be an account key, not %q", issuer.pub)
	}
	c := &Callout{
		nc: cfg.NC, issuer: issuer, issuerPub: issuer.pub, account: cfg.Account,
		verifier: newVerifier(cfg.Keys), system: cfg.System, sources: cfg.Sources, liveWatch: cfg.LiveWatch,
		maxWatchers: cfg.MaxWatchers, grantTimeout: cfg.GrantTimeout, partialTTL: cfg.PartialGrantsTTL,
		publicURL: cfg.PublicURL, wsPort: cfg.WebSocketPort, log: cfg.Log, now: time.Now,
	}
	if cfg.XKey != nil {
		if c.xkey, err = newSealer(cfg.XKey); err != nil {
			return nil, err
		}
	}
	if c.account == "" {
		c.account = bus.AppAccount
	}
	if c.grantTimeout <= 0 {
		c.grantTimeout = api.RealtimeGrantsTimeout
	}
	if c.maxWatchers <= 0 {
		c.maxWatchers = MaxWatchersPerSession
	}
	if c.partialTTL <= 0 {
		c.partialTTL = PartialGrantsTTL
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.system != nil {
		limit := cfg.MaxConnections
		if limit <= 0 {
			limit = MaxConnectionsPerUser
		}
		c.conns = newConns(c.system, limit)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = 32 * runtime.NumCPU()
	}
	c.sem = make(chan struct{}, workers)
	return c, nil
}

// IssuerPublicKey is the public account nkey the NATS server's
// auth_callout.issuer must name.
func (c *Callout) IssuerPublicKey() string { return c.issuerPub }

// XKeyPublicKey is the public curve key for auth_callout.xkey ("" without
// encryption).
func (c *Callout) XKeyPublicKey() string {
	if c.xkey == nil {
		return ""
	}
	return c.xkey.pub
}

// Start subscribes to the authorization requests and to the events that
// close users' connections; in both cases one process of the module (queue
// group) handles each message.
func (c *Callout) Start() error {
	sub, err := c.nc.QueueSubscribe(RequestSubject, QueueGroup, c.dispatch)
	if err != nil {
		return fmt.Errorf("callout: subscribe %s: %w", RequestSubject, err)
	}
	c.subs = append(c.subs, sub)
	closeOn := map[string]func([]byte) []string{
		api.EventUserDeleted: func(data []byte) []string {
			var ev api.UserDeleted
			if json.Unmarshal(data, &ev) != nil || ev.UserID == "" {
				return nil
			}
			return []string{ev.UserID}
		},
		// The user's other devices reconnect; those of the revoked
		// sessions are refused.
		api.EventSessionRevoked: func(data []byte) []string {
			var ev api.SessionRevoked
			if json.Unmarshal(data, &ev) != nil || ev.UserID == "" {
				return nil
			}
			return []string{ev.UserID}
		},
	}
	if c.liveWatch.Closed != "" {
		closeOn[c.liveWatch.Closed] = liveLinkClosed
	}
	for _, src := range c.sources {
		if src.Changed != "" {
			closeOn[src.Changed] = func(data []byte) []string {
				var ev grantsChanged
				_ = json.Unmarshal(data, &ev)
				return ev.UserIDs
			}
		}
	}
	for subject, users := range closeOn {
		sub, err := c.nc.QueueSubscribe(subject, QueueGroup, func(m *nats.Msg) {
			users := users(m.Data)
			if !c.enter() {
				return
			}
			go func() {
				defer c.wg.Done()
				c.Disconnect(users...)
				c.closed.Add(1)
			}()
		})
		if err != nil {
			c.unsubscribe()
			return fmt.Errorf("callout: subscribe %s: %w", subject, err)
		}
		c.subs = append(c.subs, sub)
	}
	// Every process must refuse a deleted user's tokens, not only the one
	// that closes its connections.
	sub, err = c.nc.Subscribe(api.EventUserDeleted, func(m *nats.Msg) {
		var ev api.UserDeleted
		if json.Unmarshal(m.Data, &ev) == nil && ev.UserID != "" {
			c.verifier.deny(ev.UserID, c.now().Add(deniedFor))
		}
	})
	if err != nil {
		c.unsubscribe()
		return fmt.Errorf("callout: subscribe %s: %w", api.EventUserDeleted, err)
	}
	c.subs = append(c.subs, sub)
	sub, err = c.nc.Subscribe(api.EventSessionRevoked, func(m *nats.Msg) {
		var ev api.SessionRevoked
		if json.Unmarshal(m.Data, &ev) == nil {
			for _, sid := range ev.SessionIDs {
				c.verifier.deny(sessionKey(sid), c.now().Add(deniedFor))
			}
		}
	})
	if err != nil {
		c.unsubscribe()
		return fmt.Errorf("callout: subscribe %s: %w", api.EventSessionRevoked, err)
	}
	c.subs = append(c.subs, sub)
	if c.conns != nil {
		if err := c.conns.start(c.account); err != nil {
			c.unsubscribe()
			return err
		}
	}
	// The subscriptions must be in place on the server before the first
	// connection needs them.
	if err := c.nc.Flush(); err != nil {
		c.unsubscribe()
		return fmt.Errorf("callout: flush: %w", err)
	}
	return nil
}

// Stop unsubscribes and waits for the authorisations and disconnections
// in flight.
func (c *Callout) Stop(ctx context.Context) error {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.unsubscribe()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enter counts a task in (false once stopping).
func (c *Callout) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	c.wg.Add(1)
	return true
}

func (c *Callout) unsubscribe() {
	for _, s := range c.subs {
		_ = s.Unsubscribe()
	}
	c.subs = nil
	if c.conns != nil {
		c.conns.stop()
	}
}

// Closed returns how many events that change what app connections may
// do (a user's grants changed, a session revoked, a user deleted, a live
// link closed) this callout has handled by closing their connections
// (each event reaches one process's callout).
func (c *Callout) Closed() uint64 { return c.closed.Load() }

// disconnectConcurrency bounds the users disconnected at once (each asks
// every server and waits for the cluster's answers).
const disconnectConcurrency = 16

// disconnectOneByOne is the most users Disconnect looks up one by one;
// more are looked up in one listing of the app account's connections
// (each lookup waits for the cluster's answers: a listing costs one).
const disconnectOneByOne = 16

// Disconnect closes the app connections of users on every server, so that
// they reconnect with their current grants.
func (c *Callout) Disconnect(users ...string) {
	if len(users) == 0 {
		return
	}
	if c.system == nil {
		c.log.Info("realtime grants changed, but without access to the NATS system account the connections keep "+
			"their grants until they reconnect (at the latest when the token expires)", "users", len(users))
		return
	}
	if len(users) > disconnectOneByOne {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		n, err := bus.DisconnectUsers(ctx, c.system, bus.AppAccount, users)
		if err != nil {
			c.log.Warn("disconnect users for new grants", "users", len(users), "closed", n, "err", err)
		} else if n > 0 {
			c.log.Debug("disconnected users for new grants", "users", len(users), "connections", n)
		}
		return
	}
	sem := make(chan struct{}, disconnectConcurrency)
	var wg sync.WaitGroup
	for _, u := range users {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			n, err := bus.DisconnectUser(ctx, c.system, u)
			if err != nil {
				c.log.Warn("disconnect user for new grants", "user", u, "closed", n, "err", err)
				return
			}
			if n > 0 {
				c.log.Debug("disconnected user for new grants", "user", u, "connections", n)
			}
		}()
	}
	wg.Wait()
}

// dispatch runs each request in its own goroutine, at most Workers at
// once; beyond that the subscription waits (the server times the
// connection out after its auth timeout, 2 s by default).
func (c *Callout) dispatch(m *nats.Msg) {
	if !c.enter() {
		return
	}
	c.sem <- struct{}{}
	go func() {
		defer func() { <-c.sem; c.wg.Done() }()
		c.handle(m)
	}()
}

// handle answers one authorization request. An answer is always signed;
// a refusal carries the reason (the server logs it, the client only sees
// "Authorization Violation").
func (c *Callout) handle(m *nats.Msg) {
	data := m.Data
	serverXKey := m.Header.Get(headerServerXKey)
	if serverXKey != "" {
		if c.xkey == nil {
			c.log.Warn("auth callout: the server encrypts its requests but no xkey is configured")
			return
		}
		var err error
		if data, err = c.xkey.Open(data, serverXKey); err != nil {
			c.log.Warn("auth callout: cannot decrypt a request", "err", err)
			return
		}
	}
	req, err := jwt.DecodeAuthorizationRequestClaims(string(data))
	if err != nil {
		c.log.Warn("auth callout: bad request", "err", err)
		return
	}
	if !nkeys.IsValidPublicUserKey(req.UserNkey) || req.Server.ID == "" {
		c.log.Warn("auth callout: request without user nkey or server id")
		return
	}
	resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	resp.Audience = req.Server.ID
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.grantTimeout)
	defer cancel()
	userJWT, err := c.Authorize(ctx, req)
	if err != nil {
		resp.Error = err.Error()
		c.log.Debug("auth callout: refused", "reason", err, "type", req.ClientInformation.Type,
			"host", req.ClientInformation.Host, "client", req.ClientInformation.ID)
	} else {
		resp.Jwt = userJWT
	}
	out, err := resp.Encode(c.issuer)
	if err != nil {
		c.log.Error("auth callout: sign answer", "err", err)
		return
	}
	answer := []byte(out)
	if serverXKey != "" {
		if answer, err = c.xkey.Seal(answer, serverXKey); err != nil {
			c.log.Error("auth callout: encrypt answer", "err", err)
			return
		}
	}
	if err := m.Respond(answer); err != nil {
		c.log.Warn("auth callout: respond", "err", err)
	}
}

// Refusals the server logs (the app sees only "Authorization Violation").
var (
	errNotWebSocket       = errors.New("app users connect over WebSocket only")
	errTooManyConnections = errors.New("the user has as many connections as it may")
)

// Authorize decides one request: the signed user JWT, or why not.
func (c *Callout) Authorize(ctx context.Context, req *jwt.AuthorizationRequestClaims) (string, error) {
	ci := req.ClientInformation
	if ci.Kind != "Client" || ci.Type != clientTypeWebSocket {
		return "", errNotWebSocket
	}
	now := c.now()
	if isWatchCredential(req.ConnectOptions.Token) {
		return c.authorizeWatcher(ctx, req, now)
	}
	id, err := c.verifier.verify(req.ConnectOptions.Token, now)
	if err != nil {
		return "", err
	}
	user := id.UserID.String()
	if err := c.admit(ctx, req, user, now, 0); err != nil {
		return "", err
	}
	p, complete := c.permissions(ctx, user)

	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Name = user
	uc.Audience = c.account
	uc.Expires = id.ExpiresAt.Unix()
	if !complete {
		// Some grants are missing for now: end the connection soon, so
		// that the app reconnects and gets them.
		uc.Expires = min(uc.Expires, now.Add(c.partialTTL).Unix())
	}
	uc.Pub.Allow.Add(p.Publish...)
	uc.Sub.Allow.Add(p.Subscribe...)
	uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeWebsocket)
	uc.Limits.Subs = bus.AppMaxSubscriptions
	uc.Limits.Payload = bus.AppMaxPayload
	return uc.Encode(c.issuer)
}

// admit counts a connection of user in, unless user has limit (0: the
// bound of each user) connections on the cluster already
// (errTooManyConnections). Without a system account connection there is
// no count.
func (c *Callout) admit(ctx context.Context, req *jwt.AuthorizationRequestClaims, user string, now time.Time, limit int) error {
	if c.conns == nil {
		return nil
	}
	if limit <= 0 {
		limit = c.conns.max
	}
	ok, err := c.conns.admitUpTo(ctx, user, connKey{req.Server.ID, req.ClientInformation.ID}, now, limit)
	switch {
	case err != nil:
		// The count could not be checked: better a connection too
		// many than a user shut out.
		c.log.Warn("auth callout: cannot count the user's connections; admitting", "user", user, "err", err)
	case !ok:
		return errTooManyConnections
	}
	return nil
}

// Info is what GET /v1/realtime answers user (the front's request r).
func (c *Callout) Info(ctx context.Context, user string, r api.RealtimeRequest) api.RealtimeInfo {
	p, _ := c.permissions(ctx, user)
	urls := r.WebSocketURLs
	if len(urls) == 0 {
		urls = []string{c.websocketURL(r.Host)}
		if urls[0] == "" {
			urls = []string{}
		}
	}
	first := ""
	if len(urls) > 0 {
		first = urls[0]
	}
	return api.RealtimeInfo{
		WebSocketURL:  first,
		WebSocketURLs: urls,
		InboxPrefix:   p.InboxPrefix,
		Publish:       p.Publish,
		Subscribe:     p.Subscribe,
		ExpiresAt:     r.ExpiresAt,
		Limits:        api.RealtimeLimits{MaxPayloadBytes: bus.AppMaxPayload, MaxSubscriptions: bus.AppMaxSubscriptions, MaxConnections: c.maxConnections()},
	}
}

// maxConnections is the bound of each user's connections (0: none).
func (c *Callout) maxConnections() int {
	if c.conns == nil {
		return 0
	}
	return c.conns.max
}

// websocketURL is the configured public URL, or ws://<host of the HTTP
// request>:<WebSocket port> when there is none.
func (c *Callout) websocketURL(host string) string {
	if c.publicURL != "" {
		return c.publicURL
	}
	if c.wsPort == 0 || host == "" {
		return ""
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return "ws://" + net.JoinHostPort(host, strconv.Itoa(c.wsPort))
}
