package ingress

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// consume stores the app's telemetry from TELEMETRY: the same pipeline as
// HTTP, in batches of many messages (and sessions) per transaction, from
// several workers. A message is acknowledged after its points are
// committed; one that can never be stored (malformed, another user's or a
// closed session) is refused for good, and the app is told on
// refused.<user>, as it is of points left out.
func consume(rt *platform.Runtime, s *service.Service, metrics *ingestMetrics) {
	tell := func(user string, r bus.Refused) {
		data, err := json.Marshal(r)
		if err == nil {
			err = rt.Bus.NC.Publish(bus.SubjectRefused+user, data)
		}
		if err != nil {
			rt.Log.Debug("refusal not sent", "user", user, "err", err)
		}
	}
	rt.ConsumeBatches(bus.ConsumerConfig{Stream: bus.StreamTelemetry, Durable: bus.ConsumerName(api.Module, strings.TrimSuffix(api.SubjectTelemetry, ".")),
		Subjects: []string{api.SubjectTelemetry + ">"}, AckWait: ackWait, MaxDeliver: -1}, bus.BatchConfig{Workers: workers, MaxMessages: batchSize},
		func(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
			return ingestMessages(ctx, s, metrics, msgs, tell)
		})
}

// Ingest sizing: workers each hold one database connection while they
// write a batch of at most batchSize messages. A batch takes
// milliseconds; ackWait bounds how long points taken
// by a process that died wait before another process gets them (a
// redelivery stores nothing twice). Telemetry is redelivered without
// bound (a database outage must not drop points); a message that can
// never be stored is terminated instead.
const (
	workers   = 4
	batchSize = 500
	ackWait   = 10 * time.Second
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
		m, err := parse(s, msg.Subject(), msg.Data())
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
	user, _, _ := strings.Cut(strings.TrimPrefix(msg.Subject(), api.SubjectTelemetry), ".")
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
