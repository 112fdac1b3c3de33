package platform

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

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
			ClusterName:     cfg.NATS.ClusterName,
			ClusterListen:   cfg.NATS.ClusterListen,
			Routes:          cfg.NATS.Routes,
			SyncInterval:    cfg.NATS.SyncInterval,
			SyncAlways:      cfg.NATS.SyncAlways,
			Password:        cfg.NATS.Password,
			Callout:         callout,
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
	if err := bus.EnsureStreams(ctx, conn.JS, bus.Streams(DataModules(), cfg.NATS.Replicas)); err != nil {
		conn.NC.Close()
		if emb != nil {
			emb.Shutdown()
		}
		return nil, nil, fmt.Errorf("provision streams (a cluster needs a majority of its nodes up): %w", err)
	}
	health.Add("nats", func(ctx context.Context) error {
		if !conn.NC.IsConnected() {
			return fmt.Errorf("%s", conn.NC.Status())
		}
		return nil
	})
	health.Add("jetstream", func(ctx context.Context) error {
		_, err := conn.JS.AccountInfo(ctx)
		return err
	})
	if err := reg.Register(newBusCollector(conn)); err != nil {
		return nil, nil, fmt.Errorf("register bus metrics: %w", err)
	}
	return conn, emb, nil
}

// logListeners logs one line per listener of the embedded server.
func logListeners(log *slog.Logger, emb *bus.Embedded, cfg *Config) {
	if cfg.NATS.Listen == "" {
		// PortsInfo waits for the client listener, which does not exist.
		log.Info("nats embedded without a TCP listener", "server", emb.Server.Name())
		if cfg.NATS.WebSocketListen != "" {
			log.Info("nats websocket listening", "addr", cfg.NATS.WebSocketListen)
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
	for _, u := range ports.WebSocket {
		log.Info("nats websocket listening", "url", u)
	}
	for _, u := range ports.Cluster {
		log.Info("nats cluster listening", "url", u, "cluster", cfg.NATS.ClusterName)
	}
}
