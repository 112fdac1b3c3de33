package mix

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/athlos/athlos/internal/loadgen"
)

// Report is what a run measured.
type Report struct {
	RunID    string   `json:"run_id"`
	Athletes int      `json:"athletes"`
	BaseURLs []string `json:"urls"`
	// Every is each operation's rate: per athlete and for all.
	Every []Rate `json:"rates"`
	// SetupS is the setup's wall time; DurationS the mix's; LoadAvg the
	// machine's load average (1, 5, 15 minutes) at the end of the mix.
	SetupS    float64 `json:"setup_s"`
	DurationS float64 `json:"duration_s"`
	LoadAvg   string  `json:"load_avg"`
	// LoadgenCores and MachineCores are the cores the load generator and
	// the whole machine kept busy during the mix.
	LoadgenCores float64 `json:"loadgen_cores"`
	MachineCores float64 `json:"machine_cores"`
	// Ops are the operations' latencies and errors, in the order of
	// opNames.
	Ops       []Op          `json:"operations"`
	Telemetry TelemetryLoss `json:"telemetry"`
	Chat      ChatLoss      `json:"chat"`
	Watch     WatchFigures  `json:"watch"`
	// Imports answered 201, with the points they stored.
	Imports        int64 `json:"imports"`
	PointsImported int64 `json:"points_imported"`
	// Reconnects of the app connections; PermissionErrors the server
	// sent them (should be 0).
	Reconnects           uint64 `json:"reconnects"`
	PermissionErrors     uint64 `json:"permission_errors"`
	FirstPermissionError string `json:"first_permission_error,omitempty"`
	// Slow are the requests of the mix over SlowThreshold, by second.
	Slow     SlowRequests `json:"slow"`
	Memory   []Memory     `json:"memory"`
	Profiles []Profile    `json:"profiles,omitempty"`
}

// Rate is one operation's rate.
type Rate struct {
	Op        string  `json:"op"`
	Every     string  `json:"per_athlete_every"`
	PerSecond float64 `json:"per_s"`
}

// Op is one operation's figures.
type Op struct {
	Name string `json:"name"`
	loadgen.LatencyStats
	Errors uint64 `json:"errors"`
	// Unsent counts requests never sent because the server fell behind.
	Unsent     uint64 `json:"unsent,omitempty"`
	FirstError string `json:"first_error,omitempty"`
	// Aim is the aim for it: "p99 < 50 ms", or why it has none.
	Aim string `json:"aim"`
}

// TelemetryLoss compares what stream TELEMETRY acknowledged with what the
// sessions hold.
type TelemetryLoss struct {
	Sessions        int    `json:"sessions"`
	SessionsChecked int    `json:"sessions_checked"`
	PointsPublished uint64 `json:"points_published"`
	PointsAcked     uint64 `json:"points_acknowledged"`
	// Resent counts messages sent again because their connection
	// dropped before their PubAck came.
	Resent       uint64 `json:"messages_resent"`
	PointsStored int64  `json:"points_stored"`
	// PointsLost were acknowledged and not stored (must be 0);
	// PointsUnacknowledgedStored were stored though their ack did not
	// come in time (harmless).
	PointsLost                 int64  `json:"points_lost"`
	PointsUnacknowledgedStored int64  `json:"points_unacknowledged_stored"`
	FirstProblem               string `json:"first_problem,omitempty"`
}

// ChatLoss compares the messages the server answered with the groups'
// histories and the deliveries to the members (all online).
type ChatLoss struct {
	Answered  int64 `json:"answered"`
	InHistory int64 `json:"in_history"`
	// Lost were answered and are not in the history; Doubled are extra
	// copies of a message in it (both must be 0).
	Lost    int64 `json:"lost"`
	Doubled int64 `json:"doubled"`
	// Retries are messages sent again (same txn id) because no answer
	// came in 5 s.
	Retries uint64 `json:"retries"`
	// Deliveries of answered messages to members over NATS, and those
	// expected were every member connected all along (a member whose
	// connection is reconnecting misses the push, not the message: its
	// app reads the history).
	Delivered          int64  `json:"delivered"`
	DeliveriesExpected int64  `json:"deliveries_expected"`
	FirstProblem       string `json:"first_problem,omitempty"`
}

// WatchFigures counts what the watchers received.
type WatchFigures struct {
	Sessions            int    `json:"sessions"`
	SessionsWithFigures int    `json:"sessions_with_figures"`
	LiveFigures         uint64 `json:"live_figures"`
}

// NothingLost says every acknowledged point and answered message was
// stored, once, and every live session could be checked.
func (r *Report) NothingLost() bool {
	return r.Telemetry.PointsLost == 0 && r.Telemetry.SessionsChecked == r.Telemetry.Sessions && r.Telemetry.FirstProblem == "" &&
		r.Chat.Lost == 0 && r.Chat.Doubled == 0 && r.Chat.FirstProblem == ""
}

// Op returns the figures of the operation name.
func (r *Report) Op(name string) Op {
	for _, o := range r.Ops {
		if o.Name == name {
			return o
		}
	}
	return Op{Name: name}
}

func everyReport(cfg Config) []Rate {
	var out []Rate
	for _, e := range []struct {
		op string
		d  time.Duration
	}{{OpChat, cfg.Every.Chat}, {OpFeed, cfg.Every.Feed}, {OpLeaderboard, cfg.Every.Leaderboard},
		{OpAnalytics, cfg.Every.Analytics}, {OpImport, cfg.Every.Import}, {OpLogin, cfg.Every.Login}} {
		if e.d > 0 {
			out = append(out, Rate{Op: e.op, Every: e.d.String(), PerSecond: float64(cfg.Athletes) / e.d.Seconds()})
		}
	}
	live := int(float64(cfg.Athletes) * cfg.LiveShare)
	out = append(out, Rate{Op: OpTelemetry, Every: (time.Duration(cfg.PointsPerMsg) * time.Second).String() + " (live athletes)",
		PerSecond: float64(live) / float64(cfg.PointsPerMsg)})
	return out
}

// fill completes the report with the run's counters.
func (r *run) fill(rep *Report) {
	for _, name := range opNames {
		s := r.ops[name]
		s.mu.Lock()
		aim := "p99 < 50 ms"
		if why, ok := unbound[name]; ok {
			aim = why
		}
		rep.Ops = append(rep.Ops, Op{Name: name, LatencyStats: s.lat.Stats(), Errors: s.errors, Unsent: s.unsent, FirstError: s.first, Aim: aim})
		s.mu.Unlock()
	}
	rep.Telemetry.PointsPublished = r.ptsPub.Load()
	rep.Telemetry.PointsAcked = r.ptsAcked.Load()
	rep.Telemetry.Resent = r.resent.Load()
	for _, g := range r.groups {
		g.mu.Lock()
		rep.Chat.Answered += int64(len(g.answered))
		for _, txn := range g.answered {
			rep.Chat.Delivered += int64(min(g.deliveries[txn], len(g.members)))
			rep.Chat.DeliveriesExpected += int64(len(g.members))
		}
		g.mu.Unlock()
	}
	for _, a := range r.athletes {
		if a.watched {
			rep.Watch.Sessions++
		}
	}
	rep.Chat.Retries = r.chatRetries.Load()
	rep.Slow = r.slow.summary(5)
	rep.Imports, rep.PointsImported = r.importsDone.Load(), r.pointsImported.Load()
	rep.Reconnects, rep.PermissionErrors = r.reconnects.Load(), r.perms.Load()
	if e := r.firstPerm.Load(); e != nil {
		rep.FirstPermissionError = (*e).Error()
	}
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("run %s: %d athletes on %s; setup %.1f s, mix %.1f s; load average %s", r.RunID, r.Athletes,
		strings.Join(r.BaseURLs, ", "), r.SetupS, r.DurationS, r.LoadAvg)
	var rates []string
	for _, e := range r.Every {
		rates = append(rates, fmt.Sprintf("%s every %s (%.2f/s)", e.Op, e.Every, e.PerSecond))
	}
	p("rates per athlete: %s", strings.Join(rates, "; "))
	p("CPU during the mix: the load generator %.2f cores, the whole machine %.2f cores", r.LoadgenCores, r.MachineCores)
	p("")
	p("%-15s %7s %6s %9s %9s %9s %9s  %s", "operation", "count", "errors", "p50", "p90", "p99", "max", "aim")
	for _, o := range r.Ops {
		if o.Count == 0 && o.Errors == 0 {
			continue
		}
		aim := o.Aim
		if aim == "p99 < 50 ms" {
			if o.P99Ms < 50 {
				aim += ": met"
			} else {
				aim += ": NOT met"
			}
		}
		p("%-15s %7d %6d %9s %9s %9s %9s  %s", o.Name, o.Count, o.Errors, loadgen.FormatMs(o.P50Ms), loadgen.FormatMs(o.P90Ms), loadgen.FormatMs(o.P99Ms), loadgen.FormatMs(o.MaxMs), aim)
	}
	for _, o := range r.Ops {
		if o.Errors > 0 || o.Unsent > 0 {
			p("  %s: %d errors, %d never sent; first: %s", o.Name, o.Errors, o.Unsent, o.FirstError)
		}
	}
	p("")
	t, c := r.Telemetry, r.Chat
	verdict := "nothing lost"
	if !r.NothingLost() {
		verdict = "SOMETHING LOST OR UNCHECKED"
	}
	p("%s:", verdict)
	p("  telemetry  %d points published, %d acknowledged, %d stored in %d of %d sessions; %d acknowledged and lost, %d stored without an ack; %d messages sent again after a reconnect",
		t.PointsPublished, t.PointsAcked, t.PointsStored, t.SessionsChecked, t.Sessions, t.PointsLost, t.PointsUnacknowledgedStored, t.Resent)
	if t.FirstProblem != "" {
		p("             first problem: %s", t.FirstProblem)
	}
	p("  chat       %d messages answered (%d sent again), %d in the history; %d lost, %d doubled; pushed to members %d times of %d",
		c.Answered, c.Retries, c.InHistory, c.Lost, c.Doubled, c.Delivered, c.DeliveriesExpected)
	if c.FirstProblem != "" {
		p("             first problem: %s", c.FirstProblem)
	}
	p("  watchers   %d of %d watched sessions sent their watcher live figures (%d figures)",
		r.Watch.SessionsWithFigures, r.Watch.Sessions, r.Watch.LiveFigures)
	p("  imports    %d files imported, %d points", r.Imports, r.PointsImported)
	p("  NATS       %d reconnects, %d permission errors %s", r.Reconnects, r.PermissionErrors, r.FirstPermissionError)
	p("")
	p("requests over %s during the mix (from their send): %d, in %d distinct seconds; the worst seconds:", SlowThreshold, r.Slow.Count, r.Slow.Seconds)
	for _, w := range r.Slow.Worst {
		var ops []string
		for _, op := range slices.Sorted(maps.Keys(w.Ops)) {
			ops = append(ops, fmt.Sprintf("%s %d", op, w.Ops[op]))
		}
		p("  %s  %3d  %s", w.At.Format(time.TimeOnly), w.Count, strings.Join(ops, ", "))
	}
	p("")
	if len(r.Memory) == 0 {
		p("server processes: no athlos serve process found on this machine")
	}
	for _, m := range r.Memory {
		p("server pid %d (%s): resident memory %.0f MiB before the mix, %.0f MiB peak, %.0f MiB after; %.2f cores busy during the mix",
			m.PID, m.Name, m.StartMiB, m.PeakMiB, m.EndMiB, m.CPUCores)
	}
	for _, pr := range r.Profiles {
		p("")
		if pr.Error != "" {
			p("CPU profile of %s: %s", pr.URL, pr.Error)
			continue
		}
		p("CPU profile of %s: %.1f s of CPU in %.0f s (%.0f%% of a core)%s", pr.URL, pr.CPUSeconds, pr.Seconds,
			100*pr.CPUSeconds/max(pr.Seconds, 1), fileNote(pr.File))
		p("  %6s %6s  %s", "flat%", "cum%", "function")
		for _, f := range pr.Functions {
			p("  %6.1f %6.1f  %s", f.FlatPct, f.CumPct, f.Name)
		}
		p("  %6s  %s", "flat%", "package")
		for _, f := range pr.Packages {
			p("  %6.1f  %s", f.FlatPct, f.Name)
		}
		p("  %6s %6s  %s", "flat%", "cum%", "Athlos function, by cum")
		for _, f := range pr.Athlos {
			p("  %6.1f %6.1f  %s", f.FlatPct, f.CumPct, f.Name)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fileNote(f string) string {
	if f == "" {
		return ""
	}
	return "; saved in " + f + " (go tool pprof -top " + f + ")"
}
