// Package ingress takes the app's telemetry into the training module over
// NATS: in the app account it answers each publish on
// live.telemetry.<user>.<session> (within the user's budget, parsed) by
// storing it in the TELEMETRY stream and passing the stream's PubAck back
// (Start); from TELEMETRY it stores the points in batches through the
// service's one ingest pipeline, telling the app on refused.<user> what
// could not be stored. It counts what it does (Prometheus).
package ingress

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/budget"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// TelemetryBudget is what one user may publish over NATS, per process
// answering the app account: a phone sends a message a second, and after
// a tunnel what it kept (minutes of points) at once; a 10 Hz sensor ten
// points a second. Past it a message is refused (rate_limited) before it
// is parsed or stored, so one user's flood costs the others little.
var TelemetryBudget = budget.Limits{Messages: 20, MessageBurst: 200, Items: 200, ItemBurst: 2 * service.MaxPointsPerBatch}

// maxMsgID bounds the Nats-Msg-Id an app may give a message.
const maxMsgID = 128

// telemetryIngress answers the app's live.telemetry.<user>.<session> in
// the app account (bus.Ingress): a message within the user's budget that
// parses is stored in TELEMETRY under the user's own duplicate window (its
// Nats-Msg-Id prefixed with the user id, so one user cannot make
// another's messages look like duplicates), and the stream's PubAck goes
// back to the app.
type telemetryIngress struct {
	s       *service.Service
	budgets *budget.Budgets
	now     func() time.Time
	// What a refusal past the budget says (made once: a flood is
	// refused message after message, and each refusal must cost little).
	tooManyMessages, tooManyPoints string
}

func newTelemetryIngress(s *service.Service, l budget.Limits) *telemetryIngress {
	return &telemetryIngress{s: s, budgets: budget.New(l), now: time.Now,
		tooManyMessages: fmt.Sprintf("more than %g messages a second (bursts of %d)", l.Messages, l.MessageBurst),
		tooManyPoints:   fmt.Sprintf("more than %g points a second (bursts of %d)", l.Items, l.ItemBurst)}
}

func (t *telemetryIngress) accept(user string, m *nats.Msg) (*nats.Msg, error) {
	now := t.now()
	if ok, wait := t.budgets.TakeMessage(user, now); !ok {
		return nil, rateLimited(t.tooManyMessages, wait)
	}
	msg, err := parse(t.s, m.Subject, m.Data)
	if err != nil {
		return nil, err
	}
	if ok, wait := t.budgets.TakeItems(user, len(msg.Points), now); !ok {
		return nil, rateLimited(t.tooManyPoints, wait)
	}
	out := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: nats.Header{}}
	if id := m.Header.Get(nats.MsgIdHdr); id != "" {
		if len(id) > maxMsgID {
			return nil, bus.Invalid("header.Nats-Msg-Id", fmt.Sprintf("at most %d bytes", maxMsgID))
		}
		out.Header.Set(nats.MsgIdHdr, user+":"+id)
	}
	return out, nil
}

// rateLimited is the refusal of a message past the budget. The wait is
// told in whole seconds, so that the refusals of a flood are few distinct
// answers (bus.Ingress makes each once).
func rateLimited(what string, wait time.Duration) *bus.Error {
	secs := max(1, int(wait.Seconds()+0.999))
	return &bus.Error{Code: bus.CodeRateLimited, Message: what + ": try again in " + strconv.Itoa(secs) + " s", RetryAfter: secs}
}

// parse reads a telemetry message published on
// live.telemetry.<user>.<session>. The app's NATS connection may publish
// only under its own user id, so the subject names the owner.
func parse(s *service.Service, subject string, data []byte) (service.Telemetry, error) {
	rest, ok := strings.CutPrefix(subject, api.SubjectTelemetry)
	userPart, sessionPart, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return service.Telemetry{}, bus.Invalid("subject", "want "+api.SubjectTelemetry+"<user>.<session>")
	}
	user, err := uuid.Parse(userPart)
	if err != nil {
		return service.Telemetry{}, bus.Invalid("subject", "the user id is not a UUID")
	}
	session, err := uuid.Parse(sessionPart)
	if err != nil {
		return service.Telemetry{}, bus.Invalid("subject", "the session id is not a UUID")
	}
	return s.DecodeTelemetry(user, session, data)
}

// Start answers the app's telemetry in the app account (bus.Ingress),
// storing it in TELEMETRY, and stores what TELEMETRY holds through the
// service in batches (consume), for the life of the app.
func Start(sctx platform.StartContext, lc fx.Lifecycle, cfg *platform.Config, rt *platform.Runtime, emb *bus.Embedded,
	s *service.Service, reg prometheus.Registerer) error {
	metrics, err := newIngestMetrics(reg)
	if err != nil {
		return err
	}
	consume(rt, s, metrics)
	return startIngress(sctx, lc, cfg, rt, emb, s, reg)
}

// startIngress answers the app's telemetry in the app account.
func startIngress(sctx platform.StartContext, lc fx.Lifecycle, cfg *platform.Config, rt *platform.Runtime, emb *bus.Embedded,
	s *service.Service, reg prometheus.Registerer) error {
	app, err := platform.ConnectApp(sctx, lc, cfg, emb, "athlos:training:app", rt.Log)
	if err != nil {
		return fmt.Errorf("training answers the app's telemetry in the app account: %w", err)
	}
	t := newTelemetryIngress(s, TelemetryBudget)
	in, err := bus.NewIngress(app, rt.Bus.NC, bus.IngressConfig{Subject: api.SubjectTelemetry + "*.*", UserToken: 2,
		Queue: "training-telemetry", Accept: t.accept}, rt.Log.With("component", "telemetry-ingress"))
	if err != nil {
		return err
	}
	if err := reg.Register(ingressCollector{in}); err != nil {
		return err
	}
	lc.Append(fx.Hook{OnStart: func(context.Context) error { return in.Start() }, OnStop: in.Stop})
	return nil
}

// ingressCollector exports the ingress's counts.
type ingressCollector struct{ in *bus.Ingress }

var (
	ingressStoredDesc = prometheus.NewDesc("athlos_training_telemetry_ingress_stored_total",
		"Telemetry messages from apps over NATS stored in TELEMETRY (acknowledged, duplicates too).", nil, nil)
	ingressRefusedDesc = prometheus.NewDesc("athlos_training_telemetry_ingress_refused_total",
		"Telemetry messages from apps over NATS refused before storing, by code.", []string{"code"}, nil)
	ingressPendingDesc = prometheus.NewDesc("athlos_training_telemetry_ingress_pending",
		"Telemetry messages from apps waiting for their PubAck.", nil, nil)
)

func (c ingressCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ingressStoredDesc
	ch <- ingressRefusedDesc
	ch <- ingressPendingDesc
}

func (c ingressCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.in.Stats()
	ch <- prometheus.MustNewConstMetric(ingressStoredDesc, prometheus.CounterValue, float64(st.Stored))
	for code, n := range st.Refused {
		ch <- prometheus.MustNewConstMetric(ingressRefusedDesc, prometheus.CounterValue, float64(n), string(code))
	}
	ch <- prometheus.MustNewConstMetric(ingressPendingDesc, prometheus.GaugeValue, float64(st.Pending))
}
