package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"text/template"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/platform"
)

// natsConfigTemplate is the configuration of one server of an external NATS
// cluster for athlos: docs/configuration.md's ("External NATS"), with the
// server's name, listeners, store and cluster block, and the auth callout's
// issuer and xkey filled in. The passwords stay variables that the server
// reads from its environment.
var natsConfigTemplate = template.Must(template.New("nats").Parse(`# NATS server {{.Name}} of an external cluster for athlos (athlos nats-config).
# Start it with ATHLOS_SERVICE_PASSWORD, ATHLOS_APP_PASSWORD and ATHLOS_SYSTEM_PASSWORD
# in its environment: the passwords athlos is given with --nats-password,
# --nats-app-password and --nats-system-password.
server_name: {{.Name}}
listen: {{.Listen}}
jetstream { store_dir: "{{.StoreDir}}" }
websocket { listen: "{{.WebSocket}}", no_tls: true }   # TLS terminated by a proxy in production
{{- if .ClusterListen}}
cluster {
  name: {{.ClusterName}}
  listen: {{.ClusterListen}}
  routes: [{{range $i, $r := .Routes}}{{if $i}}, {{end}}{{$r}}{{end}}]
}
{{- end}}

accounts {
  ATHLOS: {
    jetstream: enabled
    users: [ { user: athlos-service, password: $ATHLOS_SERVICE_PASSWORD,
               allowed_connection_types: [STANDARD] } ]
    exports: [ { stream: "notify.*", accounts: [APP] }, { stream: "chat.*", accounts: [APP] },
               { stream: "live.session.*.*", accounts: [APP] }, { stream: "live.watch.*", accounts: [APP] },
               { stream: "refused.*", accounts: [APP] } ]
  }
  APP: {
    users: [ { user: athlos-app, password: $ATHLOS_APP_PASSWORD,
               allowed_connection_types: [STANDARD] } ]
    imports: [ { stream: { account: ATHLOS, subject: "notify.*" } },
               { stream: { account: ATHLOS, subject: "chat.*" } },
               { stream: { account: ATHLOS, subject: "live.session.*.*" } },
               { stream: { account: ATHLOS, subject: "live.watch.*" } },
               { stream: { account: ATHLOS, subject: "refused.*" } } ]
    limits: { max_payload: {{.MaxPayload}}, max_subscriptions: {{.MaxSubs}} }
  }
  SYS: {
    users: [ { user: athlos-system, password: $ATHLOS_SYSTEM_PASSWORD,
               allowed_connection_types: [STANDARD] } ]
  }
}
system_account: SYS

authorization {
  auth_callout {
    issuer: {{.Issuer}}
    xkey: {{.XKey}}
    account: ATHLOS
    auth_users: [ athlos-service, athlos-app, athlos-system ]
  }
}
`))

// natsConfigCommand is `athlos nats-config`: the configuration of one
// server of an external NATS (cluster) for athlos, with the auth callout's
// keys derived from the secret key file every athlos process shares.
func natsConfigCommand() *cli.Command {
	return &cli.Command{
		Name:  "nats-config",
		Usage: "print the configuration of one server of an external NATS (cluster) for athlos, auth callout keys included",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "secret-key-file", Sources: env("SECRET_KEY_FILE"), Required: true,
				Usage: "the secret key file every athlos process is given (the callout's keys derive from it)"},
			&cli.StringFlag{Name: "server-name", Required: true, Usage: "this server's name, unique in the cluster"},
			&cli.StringFlag{Name: "listen", Value: "0.0.0.0:4222", Usage: "client listener (athlos connects here)"},
			&cli.StringFlag{Name: "websocket-listen", Value: "0.0.0.0:4280", Usage: "WebSocket listener for the app"},
			&cli.StringFlag{Name: "store-dir", Value: "/var/lib/nats", Usage: "JetStream's store"},
			&cli.StringFlag{Name: "cluster-name", Value: "athlos", Usage: "NATS cluster name"},
			&cli.StringFlag{Name: "cluster-listen", Usage: "route listener, e.g. 0.0.0.0:6222 (empty: a single server)"},
			&cli.StringSliceFlag{Name: "routes", Usage: "routes to every server of the cluster, e.g. nats://n1:6222,nats://n2:6222"},
		},
		Action: func(_ context.Context, c *cli.Command) error {
			secret, err := platform.ReadSecretKey(c.String("secret-key-file"))
			if err != nil {
				return err
			}
			keys, err := bus.CalloutConfigFromSecret(secret)
			if err != nil {
				return err
			}
			for _, f := range []string{"listen", "websocket-listen"} {
				if _, _, err := net.SplitHostPort(c.String(f)); err != nil {
					return fmt.Errorf("--%s %q: want host:port", f, c.String(f))
				}
			}
			routes := nonEmpty(c.StringSlice("routes"))
			if c.String("cluster-listen") != "" && len(routes) == 0 {
				return errors.New("--cluster-listen needs --routes")
			}
			return natsConfigTemplate.Execute(os.Stdout, map[string]any{
				"Name": c.String("server-name"), "Listen": c.String("listen"), "WebSocket": c.String("websocket-listen"),
				"StoreDir": c.String("store-dir"), "ClusterName": c.String("cluster-name"),
				"ClusterListen": c.String("cluster-listen"), "Routes": routes,
				"Issuer": keys.Issuer, "XKey": keys.XKey,
				"MaxPayload": strconv.Itoa(bus.AppMaxPayload), "MaxSubs": strconv.Itoa(bus.AppMaxSubscriptions),
			})
		},
	}
}
