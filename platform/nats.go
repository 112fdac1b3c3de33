package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
)

// NewBus starts the embedded NATS server (when no external URLs are
// configured), connects to NATS as the service user and provisions the
// platform's streams. The connection drains and the server shuts down
// when the app stops.
func NewBus(sctx StartContext, lc fx.Lifecycle, cfg *Config, log *slog.Logger, health *Health, reg *prometheus.Registry) (*bus.Conn, *bus.Embedded, error) {
	ctx, cancel := context.WithTimeout(sctx, 2*time.Minute)
	defer cancel()

	var emb *bus.Embedded
	if len(cfg.NATS.URLs) == 0 {
		// App users reach the embedded server over its WebSocket listener
		// and are authorised by the client module's auth callout, wherever
		// that module runs; its keys derive from the shared secret key.
		var callout *bus.CalloutConfig
		if cfg.NATS.WebSocketListen != "" {
			key, err := LoadSecretKey(cfg)
			if err != nil {
				return nil, nil, err
			}
			if callout, err = bus.CalloutConfigFromSecret(key); err != nil {
				return nil, nil, err
			}
		}
		var err error
		emb, err = bus.StartEmbedded(bus.EmbeddedConfig{
			DataDir:         filepath.Join(cfg.DataDir, "nats"),
			ServerName:      cfg.NATS.ServerName,
			Listen:          cfg.NATS.Listen,
			WebSocketListen: cfg.NATS.WebSocketListen,
			// Other nodes and reconnecting clients learn this one's
			// public address.
			WebSocketAdvertise: urlHostPort(cfg.NATS.PublicWebSocketURL),
			ClusterName:        cfg.NATS.ClusterName,
			ClusterListen:      cfg.NATS.ClusterListen,
			Routes:             cfg.NATS.Routes,
			SyncInterval:       cfg.NATS.SyncInterval,
			SyncAlways:         cfg.NATS.SyncAlways,
			Password:           cfg.NATS.Password,
			Callout:            callout,
		}, log)
		if err != nil {
			return nil, nil, err
		}
		lc.Append(fx.StopHook(emb.Shutdown))
		logListeners(log, emb, cfg)
	}
	name := "athlos:" + strings.Join(cfg.Modules, ",")
	conn, err := bus.Connect(ctx, bus.ConnConfig{
		Name: name, URLs: cfg.NATS.URLs, Embedded: emb,
		User: cfg.NATS.User, Password: cfg.NATS.Password, CredsFile: cfg.NATS.CredsFile,
	}, log)
	if err != nil {
		if emb != nil {
			emb.Shutdown()
		}
		return nil, nil, err
	}
	lc.Append(fx.StopHook(func(ctx context.Context) error { return conn.Close(ctx) }))
	fail := func(err error) (*bus.Conn, *bus.Embedded, error) {
		conn.NC.Close()
		if emb != nil {
			emb.Shutdown()
		}
		return nil, nil, err
	}
	// The streams and the uploads store at once (see EnsureStreams), each
	// its share of the storage there is.
	budget := streamBudget(ctx, conn, emb)
	want := bus.UploadsSize(cfg.NATS.UploadsMaxBytes, budget)
	var size int64
	uploaded := make(chan error, 1)
	go func() {
		var err error
		size, err = bus.EnsureUploads(ctx, conn.JS, cfg.NATS.Replicas, want)
		uploaded <- err
	}()
	streams := bus.SizeStreams(bus.Streams(cfg.DataModules(), cfg.NATS.Replicas), budget)
	if err := errors.Join(bus.EnsureStreams(ctx, conn.JS, streams), <-uploaded); err != nil {
		return fail(fmt.Errorf("provision streams (a cluster needs a majority of its nodes up): %w", err))
	}
	if size < cfg.NATS.UploadsMaxBytes {
		log.Warn("JetStream has less room than the uploads store asks: made smaller", "uploads_max_bytes", size,
			"configured", cfg.NATS.UploadsMaxBytes)
	}
	health.Add("nats", func(ctx context.Context) error {
		if !conn.NC.IsConnected() {
			return fmt.Errorf("%s", conn.NC.Status())
		}
		return nil
	})
	health.Add("jetstream", func(ctx context.Context) error {
		if emb == nil {
			_, err := conn.JS.AccountInfo(ctx)
			return err
		}
		// A node of a cluster stays ready while leaders are elected
		// (bus.ClusterElectionGrace).
		return emb.ClusterGrace(embeddedJetStreamHealth(ctx, conn, emb))
	})
	if emb != nil {
		guard := emb.GuardDisk(bus.DiskGuardConfig{Paths: []string{filepath.Join(cfg.DataDir, "nats"), cfg.DataDir},
			MinFree: cfg.DiskMinFree}, log)
		health.Add("disk", func(context.Context) error { return guard.Check() })
		if err := registerDiskMetrics(reg, guard); err != nil {
			return fail(err)
		}
	}
	if err := reg.Register(newBusCollector(conn)); err != nil {
		return nil, nil, fmt.Errorf("register bus metrics: %w", err)
	}
	return conn, emb, nil
}

// embeddedJetStreamHealth is the embedded server's health (a stream that
// failed a write answers reads but no writes), then whether JetStream
// answers this account, within a second: sooner than readiness gives up, so
// that an unanswered request (the meta leader being elected) is an error
// that ClusterGrace weighs.
func embeddedJetStreamHealth(ctx context.Context, conn *bus.Conn, emb *bus.Embedded) error {
	if err := emb.Health(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := conn.JS.AccountInfo(ctx)
	return err
}

// streamBudget is the JetStream storage the streams share: the embedded
// server's store limit (from its disk), or the account's limit on an
// external NATS (0, unknown, when it has none).
func streamBudget(ctx context.Context, conn *bus.Conn, emb *bus.Embedded) int64 {
	if emb != nil {
		if c := emb.Server.JetStreamConfig(); c != nil && c.MaxStore > 0 {
			return c.MaxStore
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if info, err := conn.JS.AccountInfo(ctx); err == nil && info.Limits.MaxStore > 0 {
		return info.Limits.MaxStore
	}
	return 0
}

// logListeners logs one line per listener of the embedded server.
func logListeners(log *slog.Logger, emb *bus.Embedded, cfg *Config) {
	if cfg.NATS.Listen == "" {
		// PortsInfo waits for the client listener, which does not exist.
		log.Info("nats embedded without a TCP listener", "server", emb.Server.Name())
		if a := emb.WebSocketAddr(); a != "" {
			log.Info("nats websocket listening", "addr", a)
		}
		return
	}
	ports := emb.Server.PortsInfo(5 * time.Second)
	if ports == nil {
		return
	}
	for _, u := range ports.Nats {
		log.Info("nats listening", "url", u, "server", emb.Server.Name())
	}
	if a := emb.WebSocketAddr(); a != "" {
		log.Info("nats websocket listening", "url", "ws://"+a, "advertised", emb.WebSocketNodes()[0])
	}
	for _, u := range ports.Cluster {
		log.Info("nats cluster listening", "url", u, "cluster", cfg.NATS.ClusterName)
	}
}

// NodeWebSocketURLs returns a function that gives, for an HTTP request's
// Host, the NATS WebSocket URLs apps use: this node's first (its public URL,
// or ws://<the request's host>:<its WebSocket port>), then the other nodes'
// of the cluster as their servers advertise them (in this node's scheme),
// then those of --nats-ws-peer-urls not listed yet.
// The function returns nil when this process knows none (an external NATS
// without --nats-ws-public-url).
func NodeWebSocketURLs(cfg *Config, emb *bus.Embedded) func(host string) []string {
	return func(host string) []string {
		var nodes []string
		if emb != nil {
			nodes = emb.WebSocketNodes()
		}
		var own string
		scheme := "ws"
		switch {
		case cfg.NATS.PublicWebSocketURL != "":
			own = cfg.NATS.PublicWebSocketURL
			if u, err := url.Parse(own); err == nil && u.Scheme != "" {
				scheme = u.Scheme
			}
		case len(nodes) > 0:
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			_, port, _ := net.SplitHostPort(nodes[0])
			if host = strings.Trim(host, "[]"); host == "" || port == "" {
				return nil
			}
			own = "ws://" + net.JoinHostPort(host, port)
		default:
			return nil
		}
		out := []string{own}
		for _, hp := range nodes[min(1, len(nodes)):] {
			out = append(out, scheme+"://"+hp)
		}
		for _, u := range cfg.NATS.PeerWebSocketURLs {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
		return out
	}
}

// urlHostPort is the host:port of a ws:// or wss:// URL (its scheme's port
// when it names none); empty for an empty or unreadable URL.
func urlHostPort(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Hostname() == "" {
		return ""
	}
	if p := u.Port(); p != "" {
		return net.JoinHostPort(u.Hostname(), p)
	}
	if u.Scheme == "wss" || u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// ConnectApp opens a connection to the app account (bus.ConnectApp) for a
// module that answers what apps publish: on the embedded server as
// bus.AppUser, on an external NATS with the app user's credentials (the
// service user's password when none is given). It is drained when the app
// stops.
func ConnectApp(ctx context.Context, lc fx.Lifecycle, cfg *Config, emb *bus.Embedded, name string, log *slog.Logger) (*nats.Conn, error) {
	c := bus.ConnConfig{Name: name, URLs: cfg.NATS.URLs, Embedded: emb,
		User: cfg.NATS.AppUser, Password: cfg.NATS.AppPassword, CredsFile: cfg.NATS.AppCredsFile}
	if c.User == "" {
		c.User = bus.AppUser
	}
	if c.Password == "" && c.CredsFile == "" {
		c.Password = cfg.NATS.Password
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	nc, err := bus.ConnectApp(ctx, c, log)
	if err != nil {
		return nil, fmt.Errorf("nats app account %s (as %s; see --nats-app-user): %w", bus.AppAccount, c.User, err)
	}
	lc.Append(fx.StopHook(func() { _ = nc.Drain() }))
	return nc, nil
}

// ConnectSystem opens a connection to the NATS system account
// (bus.ConnectSystem) named name: on the embedded server as bus.SystemUser,
// on an external NATS with the system credentials of the configuration.
// Without them on an external NATS it answers nil (and no error): the
// caller goes without what only the system account tells. It is closed
// when the app stops.
func ConnectSystem(ctx context.Context, lc fx.Lifecycle, cfg *Config, emb *bus.Embedded, name string, log *slog.Logger) (*nats.Conn, error) {
	c := bus.ConnConfig{Name: name, URLs: cfg.NATS.URLs, Embedded: emb,
		User: cfg.NATS.SystemUser, Password: cfg.NATS.SystemPassword, CredsFile: cfg.NATS.SystemCredsFile}
	if c.User == "" {
		c.User = bus.SystemUser
	}
	if emb == nil && c.Password == "" && c.CredsFile == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, c, log)
	if err != nil {
		return nil, fmt.Errorf("nats system account (as %s; see --nats-system-user): %w", c.User, err)
	}
	lc.Append(fx.StopHook(sys.Close))
	return sys, nil
}
