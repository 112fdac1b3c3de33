package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

// serve runs athlos; mods are the modules' configurations, which their
// flags have set.
func serve(ctx context.Context, c *cli.Command, mods modules.Configs) error {
	cfg, err := configFrom(c)
	if err != nil {
		return err
	}
	cfg.NATS = platform.NATSConfig{
		URLs:            nonEmpty(c.StringSlice("nats")),
		User:            c.String("nats-user"),
		Password:        c.String("nats-password"),
		CredsFile:       c.String("nats-creds"),
		Listen:          c.String("nats-listen"),
		WebSocketListen: c.String("nats-ws-listen"),
		ServerName:      c.String("server-name"),
		ClusterName:     c.String("cluster-name"),
		ClusterListen:   c.String("cluster-listen"),
		Routes:          nonEmpty(c.StringSlice("routes")),
		Replicas:        c.Int("replicas"),
		UploadsMaxBytes: int64(c.Int("uploads-max-mb")) << 20,

		PublicWebSocketURL: c.String("nats-ws-public-url"),
		PeerWebSocketURLs:  nonEmpty(c.StringSlice("nats-ws-peer-urls")),
		SystemUser:         c.String("nats-system-user"),
		SystemPassword:     c.String("nats-system-password"),
		SystemCredsFile:    c.String("nats-system-creds"),
		AppUser:            c.String("nats-app-user"),
		AppPassword:        c.String("nats-app-password"),
		AppCredsFile:       c.String("nats-app-creds"),
	}
	if sync := c.String("jetstream-sync"); sync == "always" {
		cfg.NATS.SyncAlways = true
	} else if cfg.NATS.SyncInterval, err = time.ParseDuration(sync); err != nil || cfg.NATS.SyncInterval <= 0 {
		return fmt.Errorf("--jetstream-sync %q: want a positive duration such as 2s, or always", sync)
	}
	cfg.ShutdownTimeout = c.Duration("shutdown-timeout")
	cfg.DebugListen = c.String("debug-listen")
	if mb := c.Int("disk-min-free-mb"); mb > 0 {
		cfg.DiskMinFree = uint64(mb) << 20
	}
	if err := errors.Join(cfg.Validate(), mods.Validate()); err != nil {
		return err
	}
	log, err := platform.NewLogger(os.Stderr, c.String("log-level"), c.String("log-format"))
	if err != nil {
		return err
	}
	opts, err := modules.Options(cfg.Modules, mods)
	if err != nil {
		return err
	}
	if cfg.UsesDataDir() {
		release, err := platform.HoldDataDir(cfg)
		if err != nil {
			return err
		}
		defer release()
	}

	began := time.Now()
	log.Info("athlos starting", "version", cfg.Version, "revision", cfg.Revision, "modules", strings.Join(cfg.Modules, ","), "data_dir", cfg.DataDir)
	app := platform.NewApp(ctx, cfg, log, opts)
	if err := app.Err(); err != nil {
		return fmt.Errorf("start: %w", platform.StartError(err))
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = app.Stop(stopCtx)
		return fmt.Errorf("start: %w", platform.StartError(err))
	}
	log.Info("athlos started", "took", time.Since(began).Round(time.Millisecond))

	<-ctx.Done()
	log.Info("athlos stopping")
	stopCtx, cancelStop := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancelStop()
	if err := app.Stop(stopCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("athlos stopped")
	return nil
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
