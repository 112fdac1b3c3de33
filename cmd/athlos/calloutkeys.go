package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/platform"
)

// calloutKeysCommand prints the public keys of the NATS auth callout that
// a secret key file derives, as the variables an external NATS server's
// configuration reads (deploy/kubernetes/base/nats.conf): what an operator
// puts in the servers' environment before athlos has ever started. It
// never creates a key.
func calloutKeysCommand() *cli.Command {
	return &cli.Command{
		Name: "callout-keys",
		Usage: "print the auth callout's issuer and xkey that the secret key derives, as ATHLOS_CALLOUT_ISSUER=… " +
			"and ATHLOS_CALLOUT_XKEY=… lines for an external NATS server's environment",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: "./data", Sources: env("DATA_DIR"),
				Usage: "data dir whose secret.key is read when --secret-key-file is empty"},
			&cli.StringFlag{Name: "secret-key-file", Sources: env("SECRET_KEY_FILE"),
				Usage: "the secret key file every athlos process of the cluster is given"},
		},
		Action: func(_ context.Context, c *cli.Command) error {
			if c.Args().Len() > 0 {
				return errors.New("usage: athlos admin callout-keys [--secret-key-file FILE | --data-dir DIR]")
			}
			key, err := platform.ReadSecretKey(platform.SecretKeyPath(&platform.Config{
				DataDir: c.String("data-dir"), SecretKeyFile: c.String("secret-key-file")}))
			if err != nil {
				return err
			}
			keys, err := bus.CalloutConfigFromSecret(key)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.Root().Writer, "ATHLOS_CALLOUT_ISSUER=%s\nATHLOS_CALLOUT_XKEY=%s\n", keys.Issuer, keys.XKey)
			return err
		},
	}
}
