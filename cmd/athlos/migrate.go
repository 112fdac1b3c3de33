package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgmanaged"
)

// migrateCmd applies (or, with status, lists) the migrations of the
// selected data modules on their databases, starting the managed
// PostgreSQL for the duration when a module has no URL.
func migrateCmd(ctx context.Context, c *cli.Command, status bool) error {
	cfg, err := configFrom(c)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := platform.NewLogger(os.Stderr, c.String("log-level"), c.String("log-format"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	byURL := map[string][]string{}
	var order []string
	var managed *pgmanaged.Server
	defer func() {
		if managed != nil {
			_ = managed.Stop(context.Background())
		}
	}()
	for _, m := range platform.DataModules() {
		if !cfg.Runs(m) {
			continue
		}
		u := cfg.DatabaseURL(m)
		if u == "" {
			if managed == nil {
				dir, err := pgmanaged.ResolveDataDir(filepath.Join(cfg.DataDir, "postgres"), log)
				if err != nil {
					return err
				}
				managed, err = pgmanaged.Start(ctx, pgmanaged.Config{DataDir: dir, Port: cfg.DB.ManagedPort, Logger: log})
				if err != nil {
					return err
				}
			}
			u = managed.URL(pgmanaged.Database)
		}
		if _, ok := byURL[u]; !ok {
			order = append(order, u)
		}
		byURL[u] = append(byURL[u], m)
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
		log.Info("migrated", "modules", byURL[u])
	}
	return tw.Flush()
}
