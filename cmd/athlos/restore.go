package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
	"github.com/athlos/athlos/storage/pgmanaged"
)

// restoreDatabase is the scratch database a dump is restored into before
// it replaces the managed server's database.
const restoreDatabase = pgmanaged.Database + "_restore"

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "restore a pg_dump -Fc archive of athlos's database into the managed PostgreSQL of a data dir athlos has not run on (docs/operations.md, Backups)",
		ArgsUsage: "DUMP",
		Flags: append(commonFlags(),
			&cli.BoolFlag{Name: "rotate-keys", Usage: "the secret key of the machine the dump comes from is lost: make a new signing key " +
				"with this data dir's (access tokens signed before stop working; users stay signed in through their refresh tokens)"}),
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 1 {
				return errors.New("usage: athlos admin restore --data-dir DIR DUMP")
			}
			return restore(ctx, c, c.Args().First())
		},
	}
}

// restore restores the archive dump into the managed PostgreSQL of the data
// dir: into a scratch database first, migrated to this binary and checked
// against the secret key, which then replaces the (fresh) database athlos.
// Whatever fails on the way leaves the database as it was.
func restore(ctx context.Context, c *cli.Command, dump string) error {
	ctx, cancel := context.WithTimeout(ctx, 6*time.Hour)
	defer cancel()
	if c.String("database-url") != "" {
		return errors.New("athlos admin restore restores into the managed PostgreSQL of a data dir; " +
			"restore into a database of your own with pg_restore (docs/operations.md, Backups)")
	}
	for _, m := range modules.DataModules() {
		if c.String(m+"-database-url") != "" {
			return fmt.Errorf("--%s-database-url: athlos admin restore restores into the managed PostgreSQL of a data dir only", m)
		}
	}
	// What can be checked before anything is created: the archive and the
	// secret key.
	pgRestore, err := pgmanaged.Tool(ctx, "pg_restore")
	if err != nil {
		return err
	}
	if st, err := os.Stat(dump); err != nil {
		return fmt.Errorf("the dump: %w", err)
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("the dump %s is not a file", dump)
	}
	if out, err := exec.CommandContext(ctx, pgRestore, "--list", dump).CombinedOutput(); err != nil {
		return fmt.Errorf("%s is not an archive of pg_dump -Fc (make one as docs/operations.md, Backups, says): %s",
			dump, strings.TrimSpace(string(out)))
	}
	dataDir, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return err
	}
	keyPath := c.String("secret-key-file")
	if keyPath == "" {
		keyPath = filepath.Join(dataDir, "secret.key")
	}
	if !c.Bool("rotate-keys") {
		if _, err := platform.ReadSecretKey(keyPath); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no secret key at %s: put the secret.key of the machine the dump comes from there first "+
				"(it opens the signing keys in the dump); if it is lost, restore with --rotate-keys", keyPath)
		} else if err != nil {
			return err
		}
	}

	cfg, log, err := offlineSetup(c)
	if err != nil {
		return err
	}
	key, err := platform.LoadSecretKey(cfg)
	if err != nil {
		return err
	}
	srv, _, err := platform.StartManaged(ctx, cfg, log)
	if errors.Is(err, pgmanaged.ErrDataDirInUse) {
		return fmt.Errorf("athlos runs on %s: restore into a data dir no athlos runs on (%w)", cfg.DataDir, err)
	}
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = srv.Stop(sctx)
	}()

	maint, err := pgx.Connect(ctx, srv.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to the managed PostgreSQL: %w", err)
	}
	defer maint.Close(context.WithoutCancel(ctx))
	if err := checkFresh(ctx, srv.URL(pgmanaged.Database), cfg.DataDir); err != nil {
		return err
	}
	if _, err := maint.Exec(ctx, "DROP DATABASE IF EXISTS "+restoreDatabase+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop the scratch database %s: %w", restoreDatabase, err)
	}
	if _, err := maint.Exec(ctx, "CREATE DATABASE "+restoreDatabase); err != nil {
		return fmt.Errorf("create the scratch database %s: %w", restoreDatabase, err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = maint.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+restoreDatabase+" WITH (FORCE)")
		}
	}()

	began := time.Now()
	cmd := exec.CommandContext(ctx, pgRestore, "--dbname", srv.URL(restoreDatabase), "--exit-on-error", "--single-transaction",
		"--no-owner", "--no-privileges", dump)
	cmd.Env = withoutLibpqEnv(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore %s: %w: %s (nothing was restored)", dump, err, strings.TrimSpace(stderr.String()))
	}
	log.Info("restored the dump into a scratch database", "dump", dump, "took", time.Since(began).Round(time.Millisecond))
	if err := prepareRestored(ctx, srv.URL(restoreDatabase), key, c.Bool("rotate-keys"), keyPath, log); err != nil {
		return err
	}
	if _, err := maint.Exec(ctx, "DROP DATABASE "+pgmanaged.Database+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("replace the fresh database %s: %w", pgmanaged.Database, err)
	}
	if _, err := maint.Exec(ctx, "ALTER DATABASE "+restoreDatabase+" RENAME TO "+pgmanaged.Database); err != nil {
		return fmt.Errorf("rename %s to %s: %w (the restored data is in %s)", restoreDatabase, pgmanaged.Database, err, restoreDatabase)
	}
	done = true
	_, err = fmt.Fprintf(os.Stdout, "restored %s into %s\n", dump, cfg.DataDir)
	return err
}

// checkFresh refuses a database that holds athlos data already (athlos ran
// on the data dir, or a restore did).
func checkFresh(ctx context.Context, url, dataDir string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to the managed PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schemas, versions int
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)),
		(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'goose\_version\_%')`,
		modules.DataModules()).Scan(&schemas, &versions)
	if err != nil {
		return fmt.Errorf("inspect the database: %w", err)
	}
	if schemas > 0 || versions > 0 {
		return fmt.Errorf("the database of %s holds athlos data already (athlos ran on this data dir, or a restore did): "+
			"restore into a new data dir, or remove this one first with athlos admin remove-data-dir --data-dir %s", dataDir, dataDir)
	}
	return nil
}

// prepareRestored brings the restored database to this binary's migrations
// and checks that the secret key opens its signing keys (or, rotating,
// makes a new one).
func prepareRestored(ctx context.Context, url string, key platform.SecretKey, rotate bool, keyPath string, log *slog.Logger) error {
	pool, err := storage.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := migrate.DB(pool)
	defer db.Close()
	if err := migrate.Up(ctx, db, modules.DataModules(), migrate.WithLogger(log)); err != nil {
		return fmt.Errorf("the restored database: %w (nothing was restored)", err)
	}
	a, err := client.NewAdmin(pool, key, log)
	if err != nil {
		return err
	}
	if rotate {
		if err := a.RotateKeys(ctx); err != nil {
			return fmt.Errorf("make a new signing key: %w (nothing was restored)", err)
		}
		return nil
	}
	if err := a.CheckKeys(ctx); err != nil {
		return fmt.Errorf("%s does not open the signing keys of this dump: put the secret.key of the machine the dump comes "+
			"from there, or restore with --rotate-keys if it is lost (nothing was restored): %w", keyPath, err)
	}
	return nil
}

// withoutLibpqEnv drops the PG* variables, which would change what a
// PostgreSQL client program connects to or how.
func withoutLibpqEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PG") {
			out = append(out, kv)
		}
	}
	return out
}
