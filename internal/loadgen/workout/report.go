package workout

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/athlos/athlos/internal/loadgen"
)

// Error kinds counted in Report.Errors.
const (
	ErrRegister   = "register"   // registration and login
	ErrStart      = "start"      // POST /v1/sessions
	ErrRealtime   = "realtime"   // GET /v1/realtime
	ErrConnect    = "connect"    // NATS WebSocket connection
	ErrSubscribe  = "subscribe"  // subscribing to live.session.<user>.<session>
	ErrPermission = "permission" // a permission violation from NATS
	ErrPublish    = "publish"    // a message not acknowledged by stream TELEMETRY
	ErrLive       = "live"       // undecodable live figures
	ErrRefresh    = "refresh"    // refreshing an access token
	ErrSettle     = "settle"     // the server did not store every acknowledged point in time
	ErrFinish     = "finish"     // POST /v1/sessions/{id}/finish
)

// errorKinds lists every kind, in the order they are reported.
var errorKinds = []string{ErrRegister, ErrStart, ErrRealtime, ErrConnect, ErrSubscribe, ErrPermission,
	ErrPublish, ErrLive, ErrRefresh, ErrSettle, ErrFinish}

// Report is what a run measured.
type Report struct {
	RunID string `json:"run_id"`
	// Athletes is how many were asked for; Ready how many were set up
	// (registered, a session started, connected) and streamed.
	Athletes int `json:"athletes"`
	Ready    int `json:"ready"`
	// Watching is how many athletes received their session's live figures
	// (the live.session.<user>.> grant worked).
	Watching     int     `json:"watching"`
	Rate         float64 `json:"rate_hz"`
	PointsPerMsg int     `json:"points_per_msg"`

	// SetupS is the wall time of the setup (registration, sessions,
	// connections); Register the latency of each registration or login.
	SetupS   float64      `json:"setup_s"`
	Register LatencyStats `json:"register"`
	// DurationS is the wall time of the streaming.
	DurationS float64 `json:"duration_s"`

	MessagesPublished uint64 `json:"messages_published"`
	PointsPublished   uint64 `json:"points_published"`
	// MessagesAcked and PointsAccepted count what stream TELEMETRY
	// acknowledged.
	MessagesAcked  uint64  `json:"messages_acked"`
	PointsAccepted uint64  `json:"points_accepted"`
	AcceptedPerSec float64 `json:"points_accepted_per_s"`
	// PointsPersisted is the sum of the sessions' points_stored, read from
	// the server after the finish, whether it worked or not;
	// PersistedPerSec divides it by the streaming time.
	PointsPersisted int64   `json:"points_persisted"`
	PersistedPerSec float64 `json:"points_persisted_per_s"`
	// SessionsFinished counts sessions finished with a summary;
	// SessionsCounted those whose stored points were read.
	SessionsFinished int `json:"sessions_finished"`
	SessionsCounted  int `json:"sessions_counted"`

	// Latency: publish → PubAck; publish → stored (the server's commit
	// time: only meaningful when loadgen and server share a clock);
	// publish → live figures received by the watcher (the loadgen's
	// clock).
	Ack    LatencyStats `json:"ack"`
	Stored LatencyStats `json:"stored"`
	Watch  LatencyStats `json:"watch"`
	// LiveFigures counts live.session.<user>.<session> messages received; Unmatched the
	// acknowledged messages no live figures ever covered.
	LiveFigures uint64 `json:"live_figures"`
	Unmatched   uint64 `json:"unmatched"`
	// Reconnects counts NATS reconnections (the server closes a
	// connection when the token expires or grants change).
	Reconnects uint64 `json:"reconnects"`

	// Errors counts errors by kind (every kind present, 0 when none);
	// FirstErrors has the first error of each kind seen.
	Errors      map[string]uint64 `json:"errors"`
	FirstErrors map[string]string `json:"first_errors,omitempty"`
}

// ErrorCount is the total of Errors.
func (r *Report) ErrorCount() uint64 {
	var n uint64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// LatencyStats summarise a latency histogram, in milliseconds.
type LatencyStats = loadgen.LatencyStats

func latencyStats(h *loadgen.Histogram) LatencyStats { return h.Stats() }

// errorSet counts errors by kind and keeps the first of each. It is not
// safe for concurrent use.
type errorSet struct {
	counts map[string]uint64
	first  map[string]string
}

func (e *errorSet) add(kind string, err error) {
	if e.counts == nil {
		e.counts, e.first = map[string]uint64{}, map[string]string{}
	}
	e.counts[kind]++
	if _, ok := e.first[kind]; !ok && err != nil {
		e.first[kind] = err.Error()
	}
}

func (e *errorSet) merge(o *errorSet) {
	for k, n := range o.counts {
		if e.counts == nil {
			e.counts, e.first = map[string]uint64{}, map[string]string{}
		}
		e.counts[k] += n
		if _, ok := e.first[k]; !ok && o.first[k] != "" {
			e.first[k] = o.first[k]
		}
	}
}

// WriteText writes the report as a human-readable table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	row("run\t%s", r.RunID)
	row("athletes\t%d ready of %d (%d receiving live figures)", r.Ready, r.Athletes, r.Watching)
	row("setup\t%s (registration p50 %s, max %s)", secs(r.SetupS), loadgen.FormatMs(r.Register.P50Ms), loadgen.FormatMs(r.Register.MaxMs))
	row("streaming\t%s at %g points/s per athlete, %d points per message", secs(r.DurationS), r.Rate, r.PointsPerMsg)
	row("published\t%d messages, %d points", r.MessagesPublished, r.PointsPublished)
	row("accepted (PubAck)\t%d messages, %d points, %.1f points/s", r.MessagesAcked, r.PointsAccepted, r.AcceptedPerSec)
	row("persisted\t%d points stored in %d sessions (%d finished), %.1f points/s%s", r.PointsPersisted, r.SessionsCounted, r.SessionsFinished, r.PersistedPerSec, r.persistedNote())
	row("live figures\t%d received, %d acknowledged messages never shown", r.LiveFigures, r.Unmatched)
	if r.Reconnects > 0 {
		row("reconnects\t%d", r.Reconnects)
	}
	_ = tw.Flush()

	b.WriteString("\nlatency               count      p50      p90      p99      max\n")
	lat := func(name string, s LatencyStats) {
		if s.Count == 0 {
			fmt.Fprintf(&b, "%-19s %7d %8s %8s %8s %8s\n", name, 0, "-", "-", "-", "-")
			return
		}
		fmt.Fprintf(&b, "%-19s %7d %8s %8s %8s %8s\n", name, s.Count, loadgen.FormatMs(s.P50Ms), loadgen.FormatMs(s.P90Ms), loadgen.FormatMs(s.P99Ms), loadgen.FormatMs(s.MaxMs))
	}
	lat("publish → PubAck", r.Ack)
	lat("publish → stored¹", r.Stored)
	lat("publish → watcher²", r.Watch)
	b.WriteString("¹ stored_at is the server's clock: meaningful only when loadgen and server share a clock (same host)\n")
	b.WriteString("² live figures go out at most once a second per session, so this includes up to 1 s of throttling\n")

	b.WriteString("\nerrors")
	if r.ErrorCount() == 0 {
		b.WriteString(": none\n")
	} else {
		b.WriteString("\n")
		kinds := slices.Clone(errorKinds)
		for k := range r.Errors {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		for _, k := range kinds {
			if n := r.Errors[k]; n > 0 {
				fmt.Fprintf(&b, "  %-11s %6d  first: %s\n", k, n, r.FirstErrors[k])
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) persistedNote() string {
	if r.SessionsCounted > 0 && r.PointsPersisted != int64(r.PointsAccepted) {
		return fmt.Sprintf(" (%+d against accepted)", r.PointsPersisted-int64(r.PointsAccepted))
	}
	return ""
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}
