package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/modules/client"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/migrate"
)

// accountCommand is an admin command on the account named by its one
// argument, an email: it prints the account's id.
func accountCommand(flags []cli.Flag, name, usage string, do func(*client.Admin, context.Context, string) (string, error)) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: "EMAIL", Flags: flags,
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 1 {
				return fmt.Errorf("usage: athlos admin %s EMAIL", name)
			}
			return withAdmin(ctx, c, func(ctx context.Context, a *client.Admin) error {
				id, err := do(a, ctx, c.Args().First())
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(os.Stdout, id)
				return err
			})
		},
	}
}

func adminCommand() *cli.Command {
	flags := commonFlags()
	return &cli.Command{
		Name:  "admin",
		Usage: "administer accounts and keys directly on the database (works whether or not athlos is running)",
		Commands: []*cli.Command{
			{
				Name:  "create-user",
				Usage: "create an account (--admin for an administrator); the password is read from --password or standard input",
				Flags: append(flags,
					&cli.StringFlag{Name: "email", Required: true, Usage: "the account's email"},
					&cli.StringFlag{Name: "password", Sources: env("ADMIN_PASSWORD"), Usage: "the password (else read from standard input)"},
					&cli.BoolFlag{Name: "admin", Usage: "make the account an administrator"},
				),
				Action: func(ctx context.Context, c *cli.Command) error {
					password := c.String("password")
					if password == "" {
						fmt.Fprint(os.Stderr, "password: ")
						line, err := bufio.NewReader(os.Stdin).ReadString('\n')
						if err != nil && line == "" {
							return fmt.Errorf("read the password from standard input: %w", err)
						}
						password = strings.TrimRight(line, "\r\n")
					}
					return withAdmin(ctx, c, func(ctx context.Context, a *client.Admin) error {
						id, err := a.CreateUser(ctx, c.String("email"), password, c.Bool("admin"))
						if err != nil {
							return err
						}
						_, err = fmt.Fprintln(os.Stdout, id)
						return err
					})
				},
			},
			accountCommand(flags, "promote", "make an existing account an administrator", (*client.Admin).Promote),
			accountCommand(flags, "disable-2fa", "turn two-factor sign-in off for an account whose owner lost the "+
				"authenticator and the recovery codes (identify them first), or after the secret key was lost",
				(*client.Admin).DisableTwoFactor),
			restoreCommand(),
			calloutKeysCommand(),
			{
				Name: "remove-data-dir",
				Usage: "remove a data dir with everything athlos keeps for it, the managed PostgreSQL's files too where the data dir " +
					"links to them (refused while athlos or its PostgreSQL runs on it)",
				Flags: []cli.Flag{
					// No default and no variable: the operator names what goes.
					&cli.StringFlag{Name: "data-dir", Required: true, Usage: "the data dir to remove"},
				},
				Action: func(_ context.Context, c *cli.Command) error {
					if c.Args().Len() > 0 {
						return errors.New("usage: athlos admin remove-data-dir --data-dir DIR")
					}
					removed, err := platform.RemoveDataDir(c.String("data-dir"))
					for _, path := range removed {
						fmt.Fprintln(os.Stdout, "removed", path)
					}
					return err
				},
			},
			{
				Name:  "rotate-keys",
				Usage: "make a new access-token signing key (earlier keys verify until their tokens expire)",
				Flags: flags,
				Action: func(ctx context.Context, c *cli.Command) error {
					return withAdmin(ctx, c, func(ctx context.Context, a *client.Admin) error { return a.RotateKeys(ctx) })
				},
			},
		},
	}
}

// withAdmin opens the client module's database (migrating it first, so the
// command works before the first start) and runs fn.
func withAdmin(ctx context.Context, c *cli.Command, fn func(context.Context, *client.Admin) error) error {
	cfg, log, err := offlineSetup(c)
	if err != nil {
		return err
	}
	cfg.Modules = []string{"client"}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	_, order, stop, err := databases(ctx, cfg, log)
	defer stop()
	if err != nil {
		return err
	}
	pool, err := storage.Open(ctx, order[0], 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := migrate.DB(pool)
	defer db.Close()
	if err := migrate.Up(ctx, db, cfg.Modules); err != nil {
		return err
	}
	key, err := platform.LoadSecretKey(cfg)
	if err != nil {
		return err
	}
	a, err := client.NewAdmin(pool, key, log)
	if err != nil {
		return err
	}
	return fn(ctx, a)
}
