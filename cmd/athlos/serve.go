package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

func serve(ctx context.Context, c *cli.Command) error {
	cfg, err := configFrom(c)
	if err != nil {
		return err
	}
	cfg.HTTP = platform.HTTPConfig{
		Listen:         c.String("http-listen"),
		BodyLimit:      c.Int("http-body-limit"),
		RequestTimeout: c.Duration("http-timeout"),
		DrainPeriod:    c.Duration("drain-period"),
		TrustedProxies: nonEmpty(c.StringSlice("http-trusted-proxies")),
		CORSOrigins:    nonEmpty(c.StringSlice("http-cors-origins")),
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
	cfg.Training.IdleTimeout = c.Duration("training-idle-timeout")
	cfg.Client.AccessTokenTTL = c.Duration("access-token-ttl")
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := platform.NewLogger(os.Stderr, c.String("log-level"), c.String("log-format"))
	if err != nil {
		return err
	}
	mods, err := modules.Options(cfg.Modules)
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
	app := platform.NewApp(ctx, cfg, log, mods)
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
