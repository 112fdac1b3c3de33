package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgmanaged"
)

// databases groups the selected data modules by database URL, starting the
// managed PostgreSQL when a module has no URL. stop ends the managed server.
func databases(ctx context.Context, cfg *platform.Config, log *slog.Logger) (byURL map[string][]string, order []string, stop func(), err error) {
	byURL = map[string][]string{}
	var managed *pgmanaged.Server
	running := ""
	stop = func() {
		if managed != nil {
			_ = managed.Stop(context.Background())
		}
	}
	for _, m := range modules.DataModules() {
		if !cfg.Runs(m) {
			continue
		}
		u := cfg.DatabaseURL(m)
		if u == "" && running != "" {
			u = running
		}
		if u == "" {
			if managed == nil {
				var dir string
				managed, dir, err = platform.StartManaged(ctx, cfg, log)
				if errors.Is(err, pgmanaged.ErrDataDirInUse) {
					// athlos is running on this data dir: use its server.
					running, err = pgmanaged.RunningURL(dir, pgmanaged.Database)
					u = running
				}
				if err != nil {
					return nil, nil, stop, err
				}
			}
			if u == "" {
				u = managed.URL(pgmanaged.Database)
			}
		}
		if _, ok := byURL[u]; !ok {
			order = append(order, u)
		}
		byURL[u] = append(byURL[u], m)
	}
	return byURL, order, stop, nil
}

// offlineSetup reads the configuration and logger of a command that works
// on the databases without serving (migrate, admin).
func offlineSetup(c *cli.Command) (*platform.Config, *slog.Logger, error) {
	cfg, err := configFrom(c)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	log, err := platform.NewLogger(os.Stderr, c.String("log-level"), c.String("log-format"))
	return cfg, log, err
}

// migrateCmd applies (or, with status, lists) the migrations of the
// selected data modules on their databases, starting the managed
// PostgreSQL for the duration when a module has no URL.
func migrateCmd(ctx context.Context, c *cli.Command, status bool) error {
	cfg, log, err := offlineSetup(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	byURL, order, stop, err := databases(ctx, cfg, log)
	defer stop()
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	if status {
		fmt.Fprintln(tw, "MODULE\tCURRENT\tLATEST\tPENDING")
	}
	for _, u := range order {
		pool, err := storage.Open(ctx, u, 4)
		if err != nil {
			return err
		}
		db := migrate.DB(pool)
		if status {
			sts, err := migrate.Status(ctx, db, byURL[u])
			if err == nil {
				for _, s := range sts {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", s.Module, s.Current, s.Latest, s.Pending)
				}
			}
			_ = db.Close()
			pool.Close()
			if err != nil {
				return err
			}
			continue
		}
		err = migrate.Up(ctx, db, byURL[u], migrate.WithLogger(log))
		_ = db.Close()
		pool.Close()
		if err != nil {
			return err
		}
	}
	return tw.Flush()
}
