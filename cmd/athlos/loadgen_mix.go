package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/internal/loadgen/mix"
)

// mixImportFiles are the workout files the mix imports by default: real
// recordings of 8,800 to 13,500 points from the importer's test files
// (paths from the repository's root).
var mixImportFiles = []string{
	"modules/training/internal/importer/testdata/tormoder-fit__edge530-power__garmin.fit",
	"modules/training/internal/importer/testdata/fitparse__coros-pace-2-cycling-misaligned-fields.fit",
	"modules/training/internal/importer/testdata/fitparse__2019-02-17-062644-ELEMNT-297E-195-0.fit",
}

// mixCommand is `athlos loadgen mix` (internal/loadgen/mix): the whole
// system under a realistic mix of many athletes.
func mixCommand() *cli.Command {
	d := mix.DefaultEvery
	return &cli.Command{
		Name: "mix",
		Usage: "many athletes at once: live sessions streaming telemetry (some watched), group chat, feed, leaderboard and " +
			"analytics reads, imports and logins; report each operation's p50/p99, that nothing was lost, the servers' " +
			"resident memory and (with --profile-url) where their CPU time went",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "url", Value: []string{"http://127.0.0.1:8080"}, Sources: env("LOADGEN_URL"),
				Usage: "the HTTP fronts, comma-separated; athletes are spread over them (every node of a cluster)"},
			&cli.IntFlag{Name: "athletes", Value: 1000, Usage: "athletes at once"},
			&cli.DurationFlag{Name: "duration", Value: 5 * time.Minute, Usage: "how long the mix runs, after the setup"},
			&cli.IntFlag{Name: "setup-concurrency", Value: 8, Usage: "registrations, joins and connections at a time"},
			&cli.IntFlag{Name: "group-size", Value: 20, Usage: "members of each chat group"},
			&cli.FloatFlag{Name: "live", Value: 0.2, Usage: "share of the athletes recording a live session"},
			&cli.FloatFlag{Name: "watched", Value: 0.25, Usage: "share of the live sessions with a watcher"},
			&cli.IntFlag{Name: "points-per-msg", Value: 5, Usage: "telemetry points per message (one point a second)"},
			&cli.DurationFlag{Name: "chat-every", Value: d.Chat, Usage: "each athlete posts a chat message this often (0: never)"},
			&cli.DurationFlag{Name: "feed-every", Value: d.Feed, Usage: "each athlete reads its feed this often (0: never)"},
			&cli.DurationFlag{Name: "leaderboard-every", Value: d.Leaderboard, Usage: "each athlete reads a leaderboard this often (0: never)"},
			&cli.DurationFlag{Name: "analytics-every", Value: d.Analytics, Usage: "each athlete reads its analytics this often (0: never)"},
			&cli.DurationFlag{Name: "import-every", Value: d.Import, Usage: "each athlete imports a workout file this often (0: never)"},
			&cli.DurationFlag{Name: "login-every", Value: d.Login, Usage: "each athlete logs in this often (0: never)"},
			&cli.StringSliceFlag{Name: "import-file", Value: mixImportFiles,
				Usage: "workout files to import, in turn (defaults: three real FIT rides from the repository's testdata; run from its root)"},
			&cli.DurationFlag{Name: "settle-timeout", Value: 30 * time.Second, Usage: "how long to wait for every acknowledged point to be stored"},
			&cli.StringFlag{Name: "server-pids", Usage: "comma-separated ids of the server processes whose memory to report (empty: every athlos serve on this machine)"},
			&cli.StringSliceFlag{Name: "profile-url", Usage: "a server's debug listener (serve --debug-listen), e.g. http://127.0.0.1:6060; repeat for each node"},
			&cli.IntFlag{Name: "profile-seconds", Value: 30, Usage: "length of the CPU profile taken in the middle of the mix"},
			&cli.StringFlag{Name: "profile-dir", Value: ".", Usage: "where the CPU profiles are saved"},
			&cli.StringFlag{Name: "run-id", Usage: "names the accounts (empty: random); reusing one logs in to the same accounts"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			var pids []int
			for f := range strings.SplitSeq(c.String("server-pids"), ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				pid, err := strconv.Atoi(f)
				if err != nil || pid < 1 {
					return fmt.Errorf("--server-pids: %q is not a process id", f)
				}
				pids = append(pids, pid)
			}
			if c.Int("athletes") < 2 || c.Duration("duration") <= 0 {
				return errors.New("--athletes must be at least 2 and --duration above 0")
			}
			rep, err := mix.Run(ctx, mix.Config{BaseURLs: c.StringSlice("url"), Athletes: c.Int("athletes"), Duration: c.Duration("duration"),
				SetupConcurrency: c.Int("setup-concurrency"), GroupSize: c.Int("group-size"), LiveShare: c.Float("live"),
				WatchShare: c.Float("watched"), PointsPerMsg: c.Int("points-per-msg"),
				Every: mix.Every{Chat: c.Duration("chat-every"), Feed: c.Duration("feed-every"), Leaderboard: c.Duration("leaderboard-every"),
					Analytics: c.Duration("analytics-every"), Import: c.Duration("import-every"), Login: c.Duration("login-every")},
				ImportFiles: c.StringSlice("import-file"), SettleTimeout: c.Duration("settle-timeout"), RunID: c.String("run-id"),
				ServerPIDs: pids, ProfileURLs: c.StringSlice("profile-url"), ProfileSeconds: c.Int("profile-seconds"),
				ProfileDir: c.String("profile-dir"), Progress: os.Stderr})
			if err != nil {
				return err
			}
			if err := printReport(c, rep); err != nil {
				return err
			}
			if !rep.NothingLost() {
				return errors.New("the mix lost something or could not check it (see the report)")
			}
			return nil
		},
	}
}
