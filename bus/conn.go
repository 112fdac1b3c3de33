package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Conn is Athlos's connection to NATS, embedded or external: the core
// connection for publish and request/reply, and its JetStream context.
type Conn struct {
	NC     *nats.Conn
	JS     jetstream.JetStream
	logger *slog.Logger
}

// ConnConfig says how to reach NATS.
type ConnConfig struct {
	// Name identifies the connection in server monitoring.
	Name string
	// URLs of an external NATS cluster; ignored when Embedded is set.
	URLs []string
	// Embedded, when set, is the in-process server to connect to without
	// a socket.
	Embedded *Embedded
	// User and Password authenticate as the service user on an external
	// server (the embedded server's password is taken from Embedded).
	User, Password string
	// CredsFile is a NATS credentials file for an external server (takes
	// precedence over User/Password).
	CredsFile string
	// System connects to the system account instead (ConnectSystem): as
	// SystemUser to the embedded server, with User/Password or CredsFile of
	// a system account user to an external one.
	System bool
	// App connects to the app account instead (ConnectApp): as AppUser to
	// the embedded server, with User/Password or CredsFile of a user of
	// the app account to an external one.
	App bool
}

// Connect opens a connection and its JetStream context. It retries the
// first connect for a while, so processes may start before the cluster is
// fully up.
func Connect(ctx context.Context, cfg ConnConfig, logger *slog.Logger) (*Conn, error) {
	if logger == nil {
		logger = slog.Default()
	}
	nc, err := dial(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: jetstream context: %w", err)
	}
	return &Conn{NC: nc, JS: js, logger: logger}, nil
}

// ConnectApp opens a connection to the app account (cfg.App is implied),
// for the handlers that answer what apps publish (Ingress).
func ConnectApp(ctx context.Context, cfg ConnConfig, logger *slog.Logger) (*nats.Conn, error) {
	if logger == nil {
		logger = slog.Default()
	}
	cfg.App = true
	return dial(ctx, cfg, logger)
}

// ConnectSystem opens a connection to the NATS system account (cfg.System
// is implied), for DisconnectUser.
func ConnectSystem(ctx context.Context, cfg ConnConfig, logger *slog.Logger) (*nats.Conn, error) {
	if logger == nil {
		logger = slog.Default()
	}
	cfg.System = true
	return dial(ctx, cfg, logger)
}

func dial(ctx context.Context, cfg ConnConfig, logger *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
		// No write deadline per flush: on an in-process pipe it only adds
		// timer churn on the hot path; a dead peer is caught by pings.
		nats.FlusherTimeout(0),
		nats.PingInterval(20 * time.Second),
		nats.ReconnectBufSize(16 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { logger.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			logger.Warn("nats async error", "subject", subj, "err", err)
		}),
	}
	url := strings.Join(cfg.URLs, ",")
	switch {
	case cfg.Embedded != nil:
		url = ""
		user := ServiceUser
		switch {
		case cfg.System:
			user = SystemUser
		case cfg.App:
			user = AppUser
		}
		opts = append(opts, nats.InProcessServer(cfg.Embedded.Server), nats.UserInfo(user, cfg.Embedded.Password))
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.Embedded == nil && url == "" {
		return nil, errors.New("bus: no NATS to connect to: give --nats URLs or run the embedded server")
	}

	var nc *nats.Conn
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for {
		nc, err = nats.Connect(url, opts...)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || errors.Is(err, nats.ErrAuthorization) {
			return nil, fmt.Errorf("bus: connect to NATS %s: %w", redactURLs(cfg.URLs), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bus: connect to NATS: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nc, nil
}

// How long DisconnectUser waits for the servers of a cluster to answer:
// the first answer, and then for more after the last one came (or three
// times as long as the first took, when that is longer).
const (
	disconnectFirstWait = 2 * time.Second
	disconnectQuietWait = 500 * time.Millisecond
)

// UserConnection is one open connection of a user: the server it is on
// and its client id there.
type UserConnection struct {
	Server string
	CID    uint64
}

// UserConnections lists the open connections whose user name is user (the
// auth callout names app users by their id) on every server of the
// cluster sys is connected to (a connection to the system account,
// ConnectSystem). Servers that do not answer within a few seconds are
// left out; with none answering it fails.
func UserConnections(ctx context.Context, sys *nats.Conn, user string) ([]UserConnection, error) {
	z, err := connz(ctx, sys, server.ConnzOptions{User: user})
	if err != nil {
		return nil, fmt.Errorf("bus: connections of %s: %w", user, err)
	}
	var out []UserConnection
	for srv, conns := range z {
		for _, c := range conns {
			out = append(out, UserConnection{Server: srv, CID: c.CID})
		}
	}
	return out, nil
}

// connzConn is one connection of a CONNZ answer.
type connzConn struct {
	CID  uint64 `json:"cid"`
	User string `json:"authorized_user"`
}

// connz asks every server of the cluster sys is connected to for its open
// connections that match opts (with user names), and answers them by
// server id. Servers that do not answer within a few seconds are left out
// (absent from the map); with none answering it fails.
func connz(ctx context.Context, sys *nats.Conn, opts server.ConnzOptions) (map[string][]connzConn, error) {
	inbox := sys.NewRespInbox()
	replies, err := sys.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer func() { _ = replies.Unsubscribe() }()
	opts.State, opts.Username, opts.Limit = server.ConnOpen, true, 1<<24
	req, _ := json.Marshal(server.ConnzEventOptions{ConnzOptions: opts})
	if err := sys.PublishRequest("$SYS.REQ.SERVER.PING.CONNZ", inbox, req); err != nil {
		return nil, err
	}
	type answer struct {
		Server struct {
			ID string `json:"id"`
		} `json:"server"`
		Data struct {
			Conns []connzConn `json:"connections"`
		} `json:"data"`
	}
	out := map[string][]connzConn{}
	start := time.Now()
	wait := disconnectFirstWait
	for {
		wctx, cancel := context.WithTimeout(ctx, wait)
		m, err := replies.NextMsgWithContext(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil && len(out) == 0 {
				return nil, ctx.Err()
			}
			break // no more servers answer
		}
		var a answer
		if json.Unmarshal(m.Data, &a) == nil && a.Server.ID != "" {
			out[a.Server.ID] = append(out[a.Server.ID], a.Data.Conns...)
		}
		// A loaded cluster answers slowly: wait longer for the others.
		wait = max(disconnectQuietWait, 3*time.Since(start))
	}
	if len(out) == 0 {
		return nil, errors.New("no NATS server answered (is this a system account connection?)")
	}
	return out, nil
}

// DisconnectUser closes every connection whose user name is user on every
// server of the cluster sys is connected to (UserConnections), so that
// they reconnect and are authorised afresh. It returns how many
// connections it closed.
func DisconnectUser(ctx context.Context, sys *nats.Conn, user string) (int, error) {
	if user == "" {
		return 0, nil
	}
	conns, err := UserConnections(ctx, sys, user)
	if err != nil {
		return 0, fmt.Errorf("bus: disconnect %s: %w", user, err)
	}
	n, err := kick(ctx, sys, conns)
	if err != nil {
		return n, fmt.Errorf("bus: disconnect %s: %w", user, err)
	}
	return n, nil
}

// DisconnectUsers is DisconnectUser for many users of account at once:
// one listing of the account's connections on every server instead of one
// per user, then a kick of each connection of theirs. It returns how many
// connections it closed.
func DisconnectUsers(ctx context.Context, sys *nats.Conn, account string, users []string) (int, error) {
	want := make(map[string]bool, len(users))
	for _, u := range users {
		if u != "" {
			want[u] = true
		}
	}
	if len(want) == 0 {
		return 0, nil
	}
	lists, err := connz(ctx, sys, server.ConnzOptions{Account: account})
	if err != nil {
		return 0, fmt.Errorf("bus: disconnect %d users: %w", len(want), err)
	}
	var conns []UserConnection
	for srv, list := range lists {
		for _, c := range list {
			if want[c.User] {
				conns = append(conns, UserConnection{Server: srv, CID: c.CID})
			}
		}
	}
	n, err := kick(ctx, sys, conns)
	if err != nil {
		return n, fmt.Errorf("bus: disconnect %d users: %w", len(want), err)
	}
	return n, nil
}

// kick closes conns through their servers; connections gone already count
// as closed by someone else (not in the count, not an error).
func kick(ctx context.Context, sys *nats.Conn, conns []UserConnection) (int, error) {
	n := 0
	var errs []error
	for _, c := range conns {
		body, _ := json.Marshal(server.KickClientReq{CID: c.CID})
		rctx, cancel := context.WithTimeout(ctx, disconnectFirstWait)
		reply, err := sys.RequestWithContext(rctx, "$SYS.REQ.SERVER."+c.Server+".KICK", body)
		cancel()
		if err == nil {
			var r struct {
				Error *struct {
					Description string `json:"description"`
				} `json:"error"`
			}
			if json.Unmarshal(reply.Data, &r) == nil && r.Error != nil {
				if strings.HasPrefix(r.Error.Description, "no such client") {
					continue // gone already
				}
				err = errors.New(r.Error.Description)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("connection %d on %s: %w", c.CID, c.Server, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Close drains subscriptions and closes the connection, waiting up to the
// context's deadline for the drain to finish.
func (c *Conn) Close(ctx context.Context) error {
	if c.NC.IsClosed() {
		return nil
	}
	closed := make(chan struct{})
	c.NC.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
		return nil
	}
	select {
	case <-closed:
	case <-ctx.Done():
		c.NC.Close()
	}
	return nil
}

// Ready reports whether the connection is up and JetStream answers.
func (c *Conn) Ready(ctx context.Context) error {
	if !c.NC.IsConnected() {
		return fmt.Errorf("nats: %s", c.NC.Status())
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := c.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

func redactURLs(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
				u = u[:scheme+3] + "***" + u[at:]
			}
		}
		out[i] = u
	}
	return strings.Join(out, ",")
}
