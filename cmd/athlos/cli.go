package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgmanaged"
)

func env(name string) cli.ValueSourceChain { return cli.EnvVars("ATHLOS_" + name) }

// commonFlags are shared by serve and migrate: where data lives and which
// database each module uses.
func commonFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "data-dir", Value: "./data", Sources: env("DATA_DIR"),
			Usage: "directory for the embedded NATS store and the managed PostgreSQL"},
		&cli.StringFlag{Name: "modules", Value: "all", Sources: env("MODULES"),
			Usage: "comma-separated modules this process runs: all, or any of " + strings.Join(modules.Names(), ",")},
		&cli.StringFlag{Name: "database-url", Sources: env("DATABASE_URL"),
			Usage: "PostgreSQL URL for every module; empty runs a managed PostgreSQL under the data dir"},
		&cli.IntFlag{Name: "postgres-port", Value: pgmanaged.DefaultPort, Sources: env("POSTGRES_PORT"),
			Usage: "loopback port of the managed PostgreSQL"},
		&cli.Int32Flag{Name: "database-max-conns", Value: 20, Sources: env("DATABASE_MAX_CONNS"),
			Usage: "connections per database pool"},
		&cli.StringFlag{Name: "secret-key-file", Sources: env("SECRET_KEY_FILE"),
			Usage: "file with the 32-byte hex key that seals secrets in the database; empty means <data-dir>/secret.key, created on first start (a cluster needs one file for all)"},
		&cli.StringFlag{Name: "log-level", Value: "info", Sources: env("LOG_LEVEL"), Usage: "debug, info, warn or error"},
		&cli.StringFlag{Name: "log-format", Value: "text", Sources: env("LOG_FORMAT"), Usage: "text or json"},
	}
	for _, m := range modules.DataModules() {
		flags = append(flags, &cli.StringFlag{Name: m + "-database-url", Sources: env(strings.ToUpper(m) + "_DATABASE_URL"),
			Usage: "PostgreSQL URL for the " + m + " module (overrides --database-url)"})
	}
	return flags
}

// serveFlags are serve's own flags and those of every module (each
// module's Config, which they set).
func serveFlags(mods *modules.Configs) []cli.Flag {
	return append(append(commonFlags(), mods.Flags()...),
		&cli.StringSliceFlag{Name: "nats", Sources: env("NATS"),
			Usage: "URLs of an external NATS cluster; empty embeds a NATS server"},
		&cli.StringFlag{Name: "nats-user", Value: bus.ServiceUser, Sources: env("NATS_USER"), Usage: "service user on an external NATS"},
		&cli.StringFlag{Name: "nats-password", Sources: env("NATS_PASSWORD"),
			Usage: "service user's password; for the embedded server, empty means generated once and kept in <data-dir>/nats/service-password"},
		&cli.StringFlag{Name: "nats-creds", Sources: env("NATS_CREDS"), Usage: "NATS credentials file for an external NATS"},
		&cli.StringFlag{Name: "nats-listen", Value: "127.0.0.1:4222", Sources: env("NATS_LISTEN"),
			Usage: "client listener of the embedded NATS (empty: in-process only)"},
		&cli.StringFlag{Name: "nats-ws-listen", Value: ":4280", Sources: env("NATS_WS_LISTEN"),
			Usage: "WebSocket listener of the embedded NATS for the app (empty: none)"},
		&cli.StringFlag{Name: "server-name", Sources: env("SERVER_NAME"),
			Usage: "name of the embedded NATS server; empty means generated once and kept in the data dir"},
		&cli.StringFlag{Name: "cluster-name", Sources: env("CLUSTER_NAME"), Usage: "NATS cluster name for a clustered embedded server"},
		&cli.StringFlag{Name: "cluster-listen", Sources: env("CLUSTER_LISTEN"), Usage: "route listener of a clustered embedded server, e.g. :6222"},
		&cli.StringSliceFlag{Name: "routes", Sources: env("ROUTES"), Usage: "routes to the other cluster nodes, e.g. nats://n2:6222"},
		&cli.StringFlag{Name: "jetstream-sync", Value: bus.DefaultSyncInterval.String(), Sources: env("JETSTREAM_SYNC"),
			Usage: "how often JetStream fsyncs (a duration), or \"always\""},
		&cli.IntFlag{Name: "replicas", Value: 1, Sources: env("REPLICAS"), Usage: "replicas of every JetStream stream (3 on a cluster)"},
		&cli.StringFlag{Name: "debug-listen", Sources: env("DEBUG_LISTEN"),
			Usage: "loopback address where the process serves net/http/pprof under /debug/pprof/, e.g. 127.0.0.1:6060 (empty: none)"},
		&cli.DurationFlag{Name: "shutdown-timeout", Value: 30 * time.Second, Sources: env("SHUTDOWN_TIMEOUT"), Usage: "bound on a clean stop"},
		&cli.IntFlag{Name: "disk-min-free-mb", Sources: env("DISK_MIN_FREE_MB"),
			Usage: "free disk (MiB) below which the embedded JetStream refuses new messages; 0: 2 % of the data dir's file system, 256 MiB to 5 GiB"},
		&cli.IntFlag{Name: "uploads-max-mb", Value: int(bus.DefaultUploadsMaxBytes >> 20), Sources: env("UPLOADS_MAX_MB"),
			Usage: "size of the uploads object store (imports on their way); smaller where JetStream has less room"},
		&cli.StringFlag{Name: "nats-ws-public-url", Sources: env("NATS_WS_PUBLIC_URL"),
			Usage: "NATS WebSocket URL the app is told to use (GET /v1/realtime), e.g. wss://rt.example.com; empty: ws://<HTTP host>:<--nats-ws-listen port>"},
		&cli.StringSliceFlag{Name: "nats-ws-peer-urls", Sources: env("NATS_WS_PEER_URLS"),
			Usage: "the other nodes' NATS WebSocket URLs, listed after this node's in GET /v1/realtime for reconnects (an external NATS cluster; embedded servers learn them from each other)"},
		&cli.StringFlag{Name: "nats-system-user", Value: bus.SystemUser, Sources: env("NATS_SYSTEM_USER"),
			Usage: "user of the system account on an external NATS, to close app connections when their grants change"},
		&cli.StringFlag{Name: "nats-system-password", Sources: env("NATS_SYSTEM_PASSWORD"),
			Usage: "password of --nats-system-user on an external NATS (empty, with no --nats-system-creds: no system access)"},
		&cli.StringFlag{Name: "nats-system-creds", Sources: env("NATS_SYSTEM_CREDS"),
			Usage: "credentials file of a system account user on an external NATS (instead of user and password)"},
		&cli.StringFlag{Name: "nats-app-user", Value: bus.AppUser, Sources: env("NATS_APP_USER"),
			Usage: "athlos's user in the app account (" + bus.AppAccount + ") of an external NATS, which answers what apps publish"},
		&cli.StringFlag{Name: "nats-app-password", Sources: env("NATS_APP_PASSWORD"),
			Usage: "password of --nats-app-user on an external NATS; empty: the service user's (--nats-password), as on athlos's embedded server"},
		&cli.StringFlag{Name: "nats-app-creds", Sources: env("NATS_APP_CREDS"),
			Usage: "credentials file of athlos's user in the app account of an external NATS (instead of user and password)"},
	)
}

func newApp() *cli.Command {
	mods := modules.DefaultConfigs()
	return &cli.Command{
		Name:    "athlos",
		Usage:   "backend for sports and fitness apps",
		Version: currentBuild().Version,
		Commands: []*cli.Command{
			{
				Name:   "serve",
				Usage:  "run Athlos (all modules with embedded NATS and a managed PostgreSQL by default)",
				Flags:  serveFlags(&mods),
				Action: func(ctx context.Context, c *cli.Command) error { return serve(ctx, c, mods) },
			},
			{
				Name:  "migrate",
				Usage: "apply database migrations (up) or show their state (status)",
				Flags: commonFlags(),
				Commands: []*cli.Command{
					{Name: "up", Usage: "apply pending migrations", Flags: commonFlags(),
						Action: func(ctx context.Context, c *cli.Command) error { return migrateCmd(ctx, c, false) }},
					{Name: "status", Usage: "show applied and pending migrations per module", Flags: commonFlags(),
						Action: func(ctx context.Context, c *cli.Command) error { return migrateCmd(ctx, c, true) }},
				},
				Action: func(ctx context.Context, c *cli.Command) error { return migrateCmd(ctx, c, false) },
			},
			adminCommand(),
			loadgenCommand(),
			natsConfigCommand(),
			{
				Name:  "openapi",
				Usage: "print the OpenAPI 3.1 document of the HTTP API (what /openapi.json serves)",
				Action: func(_ context.Context, c *cli.Command) error {
					doc, err := modules.OpenAPI()
					if err != nil {
						return err
					}
					_, err = fmt.Fprintln(os.Stdout, string(doc))
					return err
				},
			},
			{
				Name:  "asyncapi",
				Usage: "print the AsyncAPI 3.0 document of the real-time API (what /asyncapi.json serves)",
				Action: func(_ context.Context, c *cli.Command) error {
					doc, err := modules.AsyncAPI()
					if err != nil {
						return err
					}
					_, err = fmt.Fprintln(os.Stdout, string(doc))
					return err
				},
			},
			{
				Name:  "version",
				Usage: "print the version, the commit it was built from and the Go toolchain",
				Action: func(_ context.Context, c *cli.Command) error {
					_, err := fmt.Fprint(os.Stdout, currentBuild())
					return err
				},
			},
		},
	}
}

// configFrom reads the flags shared by every command into a Config.
func configFrom(c *cli.Command) (*platform.Config, error) {
	build := currentBuild()
	cfg := &platform.Config{
		Catalogue:     modules.Catalogue(),
		Version:       build.Version,
		Revision:      build.Revision,
		DataDir:       c.String("data-dir"),
		SecretKeyFile: c.String("secret-key-file"),
		DB: platform.DBConfig{
			URL:         c.String("database-url"),
			ManagedPort: c.Int("postgres-port"),
			MaxConns:    c.Int32("database-max-conns"),
			ModuleURLs:  map[string]string{},
		},
	}
	if mods := strings.TrimSpace(c.String("modules")); mods != "" && mods != "all" {
		for _, m := range strings.Split(mods, ",") {
			if m = strings.TrimSpace(m); m != "" {
				cfg.Modules = append(cfg.Modules, m)
			}
		}
	}
	for _, m := range modules.DataModules() {
		if u := c.String(m + "-database-url"); u != "" {
			cfg.DB.ModuleURLs[m] = u
		}
	}
	return cfg, nil
}
