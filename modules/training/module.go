package training

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/livefeed"
	"github.com/athlos/athlos/modules/training/internal/rpc"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the training module with cfg: its service on
// rpc.training.* and its consumers.
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Supply(cfg), fx.Invoke(start))
}

func start(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle, pcfg *platform.Config, cfg Config,
	reg *prometheus.Registry, emb *bus.Embedded) error {
	// Live figures go to the owner on live.session.<owner>.<session> and
	// to watchers on live.watch.<session> (which does not name the owner),
	// plain NATS publishes (not stored), at most once a second per session.
	feed := livefeed.New(func(owner string, ls api.LiveStats) {
		data, err := json.Marshal(ls)
		if err == nil {
			err = errors.Join(rt.Bus.NC.Publish(api.LiveSessionSubject(owner, ls.SessionID), data),
				rt.Bus.NC.Publish(api.LiveWatchSubject(ls.SessionID), data))
		}
		if err != nil {
			rt.Log.Warn("live figures not sent", "session", ls.SessionID, "err", err)
		}
	}, livefeed.Interval)
	lc.Append(fx.StopHook(feed.Close))
	s := service.New(rt.DB, feed.Offer, bus.NewUploadStore(rt.Bus.JS), rpc.GearLookup{NC: rt.Bus.NC}, rt.Idempotency)
	metrics, err := newIngestMetrics(reg)
	if err != nil {
		return err
	}
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	// The app publishes its telemetry in the app account, where the
	// ingress checks it (owner, budget, format) and stores it in TELEMETRY.
	if err := startIngress(sctx, lc, pcfg, rt, emb, s, reg); err != nil {
		return err
	}
	// What could not be stored is told to the app on refused.<user>.
	tell := func(user string, r bus.Refused) {
		data, err := json.Marshal(r)
		if err == nil {
			err = rt.Bus.NC.Publish(bus.SubjectRefused+user, data)
		}
		if err != nil {
			rt.Log.Debug("refusal not sent", "user", user, "err", err)
		}
	}
	// Telemetry from the app over NATS: the same pipeline as HTTP, in
	// batches of many messages (and sessions) per transaction, from
	// several workers. A message is acknowledged after its points are
	// committed; one that can never be stored (malformed, another user's
	// or a closed session) is refused for good.
	rt.ConsumeBatches(bus.ConsumerConfig{Stream: bus.StreamTelemetry, Durable: bus.ConsumerName(api.Module, "live.telemetry"),
		Subjects: []string{"live.telemetry.>"}, AckWait: IngestAckWait, MaxDeliver: -1}, bus.BatchConfig{Workers: IngestWorkers, MaxMessages: IngestBatch},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			return ingestMessages(ctx, s, metrics, msgs, tell)
		})
	// Profiles: body data for calories, default visibility of sessions.
	rt.OnEvent(bus.EventStream(clientapi.Module), clientapi.EventProfileUpdated,
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev clientapi.ProfileUpdated
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a profile.updated event: "+err.Error())
			}
			return s.SaveProfile(ctx, tx, ev)
		})
	// Sessions left open with no point for long are closed.
	rt.Every("idle session sweep", time.Minute, func(ctx context.Context) {
		n, err := s.CloseIdleSessions(ctx, cfg.IdleTimeout)
		if err != nil && ctx.Err() == nil {
			rt.Log.Warn("closing idle sessions", "err", err)
		}
		if n > 0 {
			rt.Log.Info("closed idle sessions", "sessions", n, "idle_for", cfg.IdleTimeout)
		}
	})
	// Who owns which gear: sessions take only their user's own.
	for _, ev := range []string{clientapi.EventGearCreated, clientapi.EventGearUpdated} {
		rt.OnEvent(bus.EventStream(clientapi.Module), ev, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var e clientapi.GearChanged
			if err := json.Unmarshal(msg.Data(), &e); err != nil {
				return bus.Invalid("payload", "not a gear event: "+err.Error())
			}
			return s.SaveGearEvent(ctx, tx, e.UserID, e.Gear.ID, false)
		})
	}
	rt.OnEvent(bus.EventStream(clientapi.Module), clientapi.EventGearDeleted,
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var e clientapi.GearDeleted
			if err := json.Unmarshal(msg.Data(), &e); err != nil {
				return bus.Invalid("payload", "not a gear.deleted event: "+err.Error())
			}
			return s.SaveGearEvent(ctx, tx, e.UserID, e.GearID, true)
		})
	// A deleted account: erase what this module keeps of the user.
	rt.OnEvent(bus.EventStream(clientapi.Module), clientapi.EventUserDeleted,
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev clientapi.UserDeleted
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
			}
			return s.EraseUser(ctx, tx, ev.UserID)
		})
	return nil
}

// Ingest sizing: workers each hold one database connection while they
// write a batch of at most IngestBatch messages.
// A batch takes milliseconds; IngestAckWait bounds how long points taken
// by a process that died wait before another process gets them (a
// redelivery stores nothing twice). Telemetry is redelivered without
// bound (a database outage must not drop points); a message that can
// never be stored is terminated instead.
const (
	IngestWorkers = 4
	IngestBatch   = 500
	IngestAckWait = 10 * time.Second
)

// ingestMessages parses telemetry messages and stores them in one batch.
// A message that can never be stored is refused with an invalid error.
// The app hears of each message refused, or stored with points left out,
// on refused.<user> (tell).
func ingestMessages(ctx context.Context, s *service.Service, metrics *ingestMetrics, msgs []jetstream.Msg,
	tell func(user string, r bus.Refused)) ([]error, error) {
	start := time.Now()
	errs := make([]error, len(msgs))
	batch := make([]service.Telemetry, 0, len(msgs))
	index := make([]int, 0, len(msgs))
	for i, msg := range msgs {
		m, err := s.ParseTelemetry(msg.Subject(), msg.Data())
		if err != nil {
			errs[i] = err
			continue
		}
		batch = append(batch, m)
		index = append(index, i)
	}
	var res service.Ingested
	if len(batch) > 0 {
		var err error
		if res, err = s.Ingest(ctx, batch); err != nil {
			return nil, err
		}
	}
	results := make([]*api.PointsResult, len(msgs))
	for k, i := range index {
		if e := res.Errs[k]; e != nil {
			errs[i] = bus.Invalid("session", e.Error())
		} else {
			results[i] = &res.Results[k]
		}
	}
	refused := 0
	for i, msg := range msgs {
		switch {
		case errs[i] != nil:
			refused++
			tell(telemetryRefused(msg, errs[i], nil))
		case results[i] != nil && len(results[i].Dropped) > 0:
			tell(telemetryRefused(msg, nil, results[i]))
		}
	}
	metrics.observe(len(msgs), refused, res, time.Since(start))
	return errs, nil
}

// telemetryRefused is what the app is told of msg: refused whole (err),
// or stored with points dropped (r).
func telemetryRefused(msg jetstream.Msg, err error, r *api.PointsResult) (string, bus.Refused) {
	user, _, _ := strings.Cut(strings.TrimPrefix(msg.Subject(), "live.telemetry."), ".")
	out := bus.Refused{Subject: msg.Subject()}
	if id := msg.Headers().Get(nats.MsgIdHdr); id != "" {
		out.MsgID = strings.TrimPrefix(id, user+":")
	}
	if md, mdErr := msg.Metadata(); mdErr == nil {
		out.Seq = md.Sequence.Stream
	}
	if err != nil {
		e := bus.AsError(err)
		out.Code, out.Reason = e.Code, e.Message
		if len(e.Fields) > 0 {
			out.Reason = e.Fields[0].Field + ": " + e.Fields[0].Reason
		}
		return user, out
	}
	out.Code, out.Reason = bus.CodeInvalid, "impossible points left out"
	out.Dropped, out.Accepted = r.Dropped, r.Accepted
	return user, out
}
