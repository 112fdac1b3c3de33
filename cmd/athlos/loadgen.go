package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/internal/loadgen/workout"
)

// loadgenCommand simulates athletes recording live workouts against a
// running Athlos, over HTTP and NATS WebSocket only (internal/loadgen/workout).
func loadgenCommand() *cli.Command {
	return &cli.Command{
		Name:     "loadgen",
		Usage:    "simulate athletes streaming live workouts to a running Athlos and report throughput and latency",
		Commands: []*cli.Command{floodCommand()},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "ws-url", Sources: env("LOADGEN_WS_URL"),
				Usage: "NATS WebSocket URL to use instead of the one GET /v1/realtime gives"},
			&cli.IntFlag{Name: "athletes", Value: 10, Sources: env("LOADGEN_ATHLETES"), Usage: "athletes streaming at once"},
			&cli.DurationFlag{Name: "duration", Value: time.Minute, Sources: env("LOADGEN_DURATION"), Usage: "how long they stream (real time)"},
			&cli.FloatFlag{Name: "rate", Value: 1, Sources: env("LOADGEN_RATE"), Usage: "points per second per athlete"},
			&cli.IntFlag{Name: "points-per-msg", Value: 5, Sources: env("LOADGEN_POINTS_PER_MSG"), Usage: "points per telemetry message"},
			&cli.IntFlag{Name: "setup-concurrency", Value: 4, Sources: env("LOADGEN_SETUP_CONCURRENCY"),
				Usage: "athletes registered and connected at a time (registration is slow on purpose)"},
			&cli.DurationFlag{Name: "settle-timeout", Value: 30 * time.Second, Sources: env("LOADGEN_SETTLE_TIMEOUT"),
				Usage: "how long to wait after streaming for the server to store every accepted point"},
			&cli.StringFlag{Name: "run-id", Sources: env("LOADGEN_RUN_ID"),
				Usage: "names the accounts loadgen-<run id>-<i>@example.com (empty: random); reusing one logs in to the same accounts"},
			&cli.BoolFlag{Name: "json", Sources: env("LOADGEN_JSON"), Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			// The Config reads 0 as "the default"; on the command line
			// it is a mistake.
			for _, name := range []string{"athletes", "points-per-msg", "setup-concurrency"} {
				if c.Int(name) < 1 {
					return fmt.Errorf("--%s %d: want at least 1", name, c.Int(name))
				}
			}
			if c.Float("rate") <= 0 || c.Duration("duration") <= 0 || c.Duration("settle-timeout") <= 0 {
				return errors.New("--rate, --duration and --settle-timeout must be more than 0")
			}
			rep, err := workout.Run(ctx, workout.Config{
				BaseURL:          c.String("url"),
				WebSocketURL:     c.String("ws-url"),
				Athletes:         c.Int("athletes"),
				Duration:         c.Duration("duration"),
				Rate:             c.Float("rate"),
				PointsPerMsg:     c.Int("points-per-msg"),
				SetupConcurrency: c.Int("setup-concurrency"),
				SettleTimeout:    c.Duration("settle-timeout"),
				RunID:            c.String("run-id"),
				Progress:         os.Stderr,
			})
			if rep.RunID != "" {
				if c.Bool("json") {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					if werr := enc.Encode(rep); werr != nil {
						return werr
					}
				} else if werr := rep.WriteText(os.Stdout); werr != nil {
					return werr
				}
			}
			return err
		},
	}
}

// floodCommand runs the flood scenario: one user publishing telemetry at
// a fixed high rate while another user's requests are measured
// (workout.Flood).
func floodCommand() *cli.Command {
	return &cli.Command{
		Name:  "flood",
		Usage: "one user floods telemetry over NATS at a fixed rate; report what another user's requests took before and during it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "ws-url", Sources: env("LOADGEN_WS_URL"),
				Usage: "NATS WebSocket URL to use instead of the one GET /v1/realtime gives"},
			&cli.FloatFlag{Name: "rate", Value: 20_000, Usage: "flood messages per second"},
			&cli.DurationFlag{Name: "duration", Value: 30 * time.Second, Usage: "how long the baseline and the flood last, each"},
			&cli.StringFlag{Name: "data-dir", Usage: "the server's data dir on this machine, to report its growth during the flood"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Float("rate") <= 0 || c.Duration("duration") <= 0 {
				return errors.New("--rate and --duration must be more than 0")
			}
			rep, err := workout.Flood(ctx, workout.FloodConfig{BaseURL: c.String("url"), WebSocketURL: c.String("ws-url"),
				Rate: c.Float("rate"), Duration: c.Duration("duration"), DataDir: c.String("data-dir"), RunID: c.String("run-id"),
				Progress: os.Stderr})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.WriteText(os.Stdout)
		},
	}
}
