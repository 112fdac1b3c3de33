package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/coach"
	"github.com/athlos/athlos/internal/loadgen/groupchat"
	"github.com/athlos/athlos/internal/loadgen/leaderboard"
	"github.com/athlos/athlos/internal/loadgen/offers"
	"github.com/athlos/athlos/internal/loadgen/workout"
	promoseed "github.com/athlos/athlos/modules/promo/seed"
)

// loadgenCommand simulates athletes recording live workouts against a
// running Athlos, over HTTP and NATS WebSocket only (internal/loadgen/workout).
func loadgenCommand() *cli.Command {
	return &cli.Command{
		Name:     "loadgen",
		Usage:    "simulate athletes streaming live workouts to a running Athlos and report throughput and latency",
		Commands: []*cli.Command{floodCommand(), coachCommand(), chatCommand(), leaderboardCommand(), offersCommand(), mixCommand()},
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
				if werr := printReport(c, &rep); werr != nil {
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
		Usage: "one user floods telemetry over NATS, or strangers flood registration and login, at a fixed rate; report what another user's requests took before and during it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "ws-url", Sources: env("LOADGEN_WS_URL"),
				Usage: "NATS WebSocket URL to use instead of the one GET /v1/realtime gives"},
			&cli.StringFlag{Name: "kind", Value: workout.FloodTelemetry,
				Usage: "telemetry (a signed-in user over NATS) or auth (strangers registering and logging in over HTTP)"},
			&cli.FloatFlag{Name: "rate", Usage: "flood messages (or requests) per second (default: 20,000 telemetry, 1,000 auth)"},
			&cli.IntFlag{Name: "workers", Value: 256, Usage: "connections of the auth flood"},
			&cli.DurationFlag{Name: "duration", Value: 30 * time.Second, Usage: "how long the baseline and the flood last, each"},
			&cli.IntFlag{Name: "cpu", Value: -1,
				Usage: "run the flood in a process of its own pinned to this CPU (Linux; -1: in this process, unpinned)"},
			&cli.StringFlag{Name: "data-dir", Usage: "the server's data dir on this machine, to report its growth during the flood"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Commands: []*cli.Command{floodPublisherCommand()},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Float("rate") < 0 || c.Duration("duration") <= 0 || c.Int("workers") < 1 {
				return errors.New("--rate, --duration and --workers must be more than 0")
			}
			cfg := workout.FloodConfig{Kind: c.String("kind"), Workers: c.Int("workers"), BaseURL: c.String("url"), WebSocketURL: c.String("ws-url"),
				Rate: c.Float("rate"), Duration: c.Duration("duration"), DataDir: c.String("data-dir"), RunID: c.String("run-id"),
				Progress: os.Stderr}
			if cpu := c.Int("cpu"); cpu >= 0 {
				cfg.Publish = func(ctx context.Context, job workout.FloodJob) (workout.FloodResult, error) {
					return publishInChild(ctx, cpu, job)
				}
			}
			rep, err := workout.Flood(ctx, cfg)
			if err != nil {
				return err
			}
			return printReport(c, rep)
		},
	}
}

// floodPublisherCommand is the flood's own process (flood --cpu): it
// pins itself to a CPU, reads its job (JSON) on stdin, floods, and writes
// the result (JSON) on stdout.
func floodPublisherCommand() *cli.Command {
	return &cli.Command{
		Name:   "publisher",
		Usage:  "the flood itself, in a process of its own (started by flood --cpu)",
		Hidden: true,
		Flags:  []cli.Flag{&cli.IntFlag{Name: "cpu", Value: -1}},
		Action: func(ctx context.Context, c *cli.Command) error {
			if cpu := c.Int("cpu"); cpu >= 0 {
				if err := loadgen.PinToCPU(cpu); err != nil {
					return err
				}
			}
			var job workout.FloodJob
			if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
				return fmt.Errorf("the flood's job on stdin: %w", err)
			}
			res, err := workout.PublishFlood(ctx, job)
			if err != nil {
				return err
			}
			return json.NewEncoder(os.Stdout).Encode(res)
		},
	}
}

// publishInChild runs job in `athlos loadgen flood publisher --cpu cpu`.
func publishInChild(ctx context.Context, cpu int, job workout.FloodJob) (workout.FloodResult, error) {
	var res workout.FloodResult
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	in, err := json.Marshal(job)
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, self, "loadgen", "flood", "publisher", "--cpu", strconv.Itoa(cpu))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return res, fmt.Errorf("the flood's process: %w", err)
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return res, fmt.Errorf("the flood's process answered %q: %w", out, err)
	}
	return res, nil
}

// coachCommand runs athletes who enter months of workouts by hand and read
// their analytics, recommendations and a plan (internal/loadgen/coach).
func coachCommand() *cli.Command {
	return &cli.Command{
		Name: "coach",
		Usage: "athletes enter months of workouts by hand, correct and delete some, check that their analytics add up, " +
			"read analytics and recommendations and ask for a plan; report the latencies",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.IntFlag{Name: "athletes", Value: 20, Usage: "athletes"},
			&cli.IntFlag{Name: "sessions", Value: 300, Usage: "sessions each athlete enters"},
			&cli.IntFlag{Name: "days", Value: 365, Usage: "the sessions are spread over the last days"},
			&cli.IntFlag{Name: "concurrency", Value: 8, Usage: "athletes at work at once"},
			&cli.IntFlag{Name: "reads", Value: 20, Usage: "rounds of analytics reads per athlete"},
			&cli.DurationFlag{Name: "settle-timeout", Value: 2 * time.Minute, Usage: "how long an athlete waits for its analytics to add up"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			rep, err := coach.Run(ctx, coach.Config{BaseURL: c.String("url"), Athletes: c.Int("athletes"), Sessions: c.Int("sessions"),
				Days: c.Int("days"), Concurrency: c.Int("concurrency"), Reads: c.Int("reads"), SettleTimeout: c.Duration("settle-timeout"),
				RunID: c.String("run-id"), Progress: os.Stderr})
			if rep != nil {
				if werr := printReport(c, rep); werr != nil {
					return werr
				}
				if err == nil && (rep.ErrorCount() > 0 || rep.Mismatched > 0) {
					err = fmt.Errorf("%d errors, %d athletes whose analytics did not add up", rep.ErrorCount(), rep.Mismatched)
				}
			}
			return err
		},
	}
}

// chatCommand runs the group chat scenario (groupchat): a group of many
// members, some online over NATS WebSocket, and messages posted over NATS
// at a fixed rate; it reports send → answer, first and last member.
func chatCommand() *cli.Command {
	return &cli.Command{
		Name:  "chat",
		Usage: "one group of many members, some online over NATS WebSocket; post messages over NATS and report the time to the last online member",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "ws-url", Sources: env("LOADGEN_WS_URL"),
				Usage: "NATS WebSocket URL to use instead of the one GET /v1/realtime gives"},
			&cli.IntFlag{Name: "members", Value: 1000, Usage: "members of the group"},
			&cli.IntFlag{Name: "online", Value: 200, Usage: "members connected over NATS WebSocket"},
			&cli.IntFlag{Name: "messages", Value: 1000, Usage: "messages to send (each by the next online member)"},
			&cli.FloatFlag{Name: "rate", Value: 20, Usage: "messages per second"},
			&cli.IntFlag{Name: "setup-concurrency", Value: 8, Usage: "registrations, joins and connections at a time"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random); reusing one logs in to the same accounts"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			rep, err := groupchat.Run(ctx, groupchat.Config{BaseURL: c.String("url"), WebSocketURL: c.String("ws-url"),
				Members: c.Int("members"), Online: c.Int("online"), Messages: c.Int("messages"), Rate: c.Float("rate"),
				SetupConcurrency: c.Int("setup-concurrency"), RunID: c.String("run-id"), Progress: os.Stderr})
			if err != nil {
				return err
			}
			return printReport(c, rep)
		},
	}
}

// leaderboardCommand seeds a board of a million users with COPY and has
// real accounts read it over HTTP (internal/loadgen/leaderboard).
func leaderboardCommand() *cli.Command {
	return &cli.Command{
		Name: "leaderboard",
		Usage: "seed the all-time distance board with users (COPY into the gamification module's database), register readers " +
			"over HTTP and report the latency of the top 50 and of a reader's rank with neighbours",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "database-url", Sources: cli.EnvVars("ATHLOS_GAMIFICATION_DATABASE_URL", "ATHLOS_DATABASE_URL"),
				Usage: "the gamification module's PostgreSQL (the seed is written there)"},
			&cli.IntFlag{Name: "users", Value: 1_000_000, Usage: "users seeded on the board"},
			&cli.IntFlag{Name: "readers", Value: 50, Usage: "accounts registered over HTTP that read the board"},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "reads at once"},
			&cli.DurationFlag{Name: "warmup", Value: 20 * time.Second, Usage: "reads not counted first (the first loads the board in memory)"},
			&cli.DurationFlag{Name: "duration", Value: 30 * time.Second, Usage: "how long each kind of read is measured"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.String("database-url") == "" {
				return errors.New("--database-url is needed: the seed goes straight into the gamification module's tables")
			}
			rep, err := leaderboard.Run(ctx, leaderboard.Config{BaseURL: c.String("url"), DatabaseURL: c.String("database-url"),
				Users: c.Int("users"), Readers: c.Int("readers"), Concurrency: c.Int("concurrency"), Warmup: c.Duration("warmup"),
				Duration: c.Duration("duration"), RunID: c.String("run-id"), Progress: os.Stderr})
			if err != nil {
				return err
			}
			if err := printReport(c, rep); err != nil {
				return err
			}
			if rep.Errors > 0 {
				return fmt.Errorf("%d reads failed: %s", rep.Errors, rep.FirstError)
			}
			return nil
		},
	}
}

// offersCommand seeds promo's read model and a thousand offers and has
// real accounts ask for their offers over HTTP (internal/loadgen/offers).
func offersCommand() *cli.Command {
	return &cli.Command{
		Name: "offers",
		Usage: "seed promo's user facts (COPY into the promo module's database) and active offers (earlier offers are " +
			"retired: use a load-test database), register readers over HTTP, report the latency of GET /v1/offers, and " +
			"check that 100 concurrent requests at an impression budget of 50 are served exactly 50 times (and a cap of 3, 3 times)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", Sources: env("LOADGEN_URL"), Usage: "the Athlos HTTP front"},
			&cli.StringFlag{Name: "database-url", Sources: cli.EnvVars("ATHLOS_PROMO_DATABASE_URL", "ATHLOS_DATABASE_URL"),
				Usage: "the promo module's PostgreSQL (the seed is written there)"},
			&cli.IntFlag{Name: "users", Value: 100_000, Usage: "users seeded in the read model"},
			&cli.IntFlag{Name: "offers", Value: 1000, Usage: "active offers"},
			&cli.IntFlag{Name: "readers", Value: 100, Usage: "accounts registered over HTTP that ask for offers (at least 100)"},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "requests at once"},
			&cli.DurationFlag{Name: "warmup", Value: 10 * time.Second, Usage: "requests not counted first"},
			&cli.DurationFlag{Name: "duration", Value: 30 * time.Second, Usage: "how long GET /v1/offers is measured"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.String("database-url") == "" {
				return errors.New("--database-url is needed: the seed goes straight into the promo module's tables")
			}
			rep, err := offers.Run(ctx, offers.Config{BaseURL: c.String("url"), DatabaseURL: c.String("database-url"),
				Users: c.Int("users"), Offers: c.Int("offers"), Readers: c.Int("readers"), Concurrency: c.Int("concurrency"),
				Warmup: c.Duration("warmup"), Duration: c.Duration("duration"), RunID: c.String("run-id"), Progress: os.Stderr,
				Seed: func(ctx context.Context, db *pgxpool.Pool, users int) ([]uuid.UUID, error) {
					return promoseed.Facts(ctx, db, users, time.Now().UnixNano())
				}})
			if err != nil {
				return err
			}
			if err := printReport(c, rep); err != nil {
				return err
			}
			switch {
			case rep.Errors > 0:
				return fmt.Errorf("%d requests failed: %s", rep.Errors, rep.FirstError)
			case rep.BudgetServed != 50 || rep.CapServed != 3:
				return fmt.Errorf("budget or cap not exact: %d served at a budget of 50, %d at a cap of 3", rep.BudgetServed, rep.CapServed)
			}
			return nil
		},
	}
}

// printReport writes a load generator's report on standard output: as
// indented JSON with --json, else as its text.
func printReport(c *cli.Command, rep interface{ WriteText(io.Writer) error }) error {
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(os.Stdout)
}
