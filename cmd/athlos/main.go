// Command athlos runs the Athlos backend: `athlos serve` runs every module
// with embedded NATS and a managed PostgreSQL, or any subset of modules on
// an existing NATS cluster and database. See docs/configuration.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/athlos/athlos/internal/buildinfo"
)

// version is set at build time with -ldflags "-X main.version=..."; empty,
// the version comes from what Go stamped into the binary (build).
var version string

// currentBuild describes this binary: the version above, or else the one
// and the commit Go stamped into it.
func currentBuild() buildinfo.Info { return buildinfo.Read(version) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "athlos:", err)
		os.Exit(1)
	}
}
